//! Bayesian random-effects meta-analysis (`model::bayes`) against bayesmeta's published
//! eight-schools values and exact quadrature in R (`fixtures/bayes/bayes.R` writes
//! `fixtures/bayes/bayes.json`).

use peerstat::model::bayes::{Bayes, BayesFit, Interval, MuPrior, TauPrior};

const SCHOOLS_Y: [f64; 8] = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16];
const SCHOOLS_SE: [f64; 8] = [14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6];

fn schools(b: Bayes) -> BayesFit {
    let v: Vec<f64> = SCHOOLS_SE.iter().map(|s| s * s).collect();
    b.fit(&SCHOOLS_Y, &v, &[]).unwrap()
}

fn close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: got {got}, want {want} (rel. error {err:e})"
    );
}

/// bayesmeta vignette ("An introduction to meta-analysis using the bayesmeta package"),
/// `schools.example.2$summary` (uniform priors) and `schools.example.1$summary`
/// (half-Cauchy(25) tau prior, N(0, 50) mu prior); shortest intervals, bayesmeta's default.
/// bayesmeta computes tau's summaries by `integrate()` (reproduced to 1e-6 here), mu's and
/// theta's on its approximate DIRECT grid, and its shortest intervals' ends by `optimize()` at
/// its default tolerance (to 2e-3 here: its mu sd with uniform
/// priors, 5.246683, is 5.7e-4 below the exact 5.249671, its lower end -2.176157 1.1e-3 below
/// the exact -2.173690, its theta sd 10.148132 1.4e-3 below the exact 10.161921; the exact values, from R's `integrate()`, are checked to 1e-6 in
/// `exact_quadrature_in_r`).
#[test]
fn eight_schools_published() {
    let uni = schools(Bayes::new(TauPrior::Uniform).interval(Interval::Shortest));
    close("tau median", uni.tau.median, 5.227732, 1e-6);
    close("tau mean", uni.tau.mean.unwrap(), 6.585992, 1e-6);
    close("tau sd", uni.tau.sd.unwrap(), 5.685974, 1e-6);
    close("tau upper", uni.tau.ci_upper, 17.265797, 1e-6);
    assert_eq!(uni.tau.ci_lower, 0.0);
    assert_eq!(uni.tau.mode, 0.0);
    close("mu median", uni.mu.median, 8.055861, 2e-3);
    close("mu mean", uni.mu.mean.unwrap(), 8.092138, 2e-3);
    close("mu sd", uni.mu.sd.unwrap(), 5.246683, 2e-3);
    close("mu lower", uni.mu.ci_lower, -2.176157, 2e-3);
    close("mu upper", uni.mu.ci_upper, 18.406330, 2e-3);
    close("theta sd", uni.theta_new.sd.unwrap(), 10.148132, 2e-3);
    close("theta upper", uni.theta_new.ci_upper, 29.014749, 2e-3);

    let hc = schools(
        Bayes::new("half-cauchy:25".parse().unwrap())
            .mu_prior(MuPrior::Normal {
                mean: 0.0,
                sd: 50.0,
            })
            .interval(Interval::Shortest),
    );
    close("tau median", hc.tau.median, 4.758539, 1e-6);
    close("tau mean", hc.tau.mean.unwrap(), 5.884511, 1e-6);
    close("tau sd", hc.tau.sd.unwrap(), 4.869904, 1e-6);
    close("tau upper", hc.tau.ci_upper, 15.165894, 1e-6);
    close("mu median", hc.mu.median, 7.962961, 2e-3);
    close("mu mean", hc.mu.mean.unwrap(), 7.985729, 2e-3);
    close("mu mode", hc.mu.mode, 7.929503, 2e-3);
    close("theta mode", hc.theta_new.mode, 7.865547, 2e-3);
}

/// Every case of `fixtures/bayes/bayes.json` (exact quadrature in R, `fixtures/bayes/bayes.R`):
/// the summaries of tau, mu and theta_new, P(mu > x), the marginal likelihood, the Bayes
/// factors and the shrinkage estimates, each to 1e-6 relative.
#[test]
fn exact_quadrature_in_r() {
    let text = std::fs::read_to_string("fixtures/bayes/bayes.json").unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = json["cases"].as_array().unwrap();
    let (mut checked, mut values) = (0, 0);
    let mut failures = Vec::new();
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let nums = |v: &serde_json::Value| -> Vec<f64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let (y, v) = (nums(&c["yi"]), nums(&c["vi"]));
        let interval: Interval = c["interval"].as_str().unwrap().parse().unwrap();
        let above: Vec<f64> = c["prob_mu_above"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["threshold"].as_f64().unwrap())
            .collect();
        let fit = Bayes::new(c["tau_prior"].as_str().unwrap().parse().unwrap())
            .mu_prior(c["mu_prior"].as_str().unwrap().parse().unwrap())
            .interval(interval)
            .prob_above(&above)
            .fit(&y, &v, &[])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut check = |what: String, got: Option<f64>, want: &serde_json::Value| {
            match want.as_f64() {
                None if got.is_some() => {
                    failures.push(format!("{name} {what}: got {got:?}, want null"))
                }
                None => {}
                Some(w) => match got {
                    None => failures.push(format!("{name} {what}: got null, want {w}")),
                    Some(g) if (g - w).abs() > 1e-6 * w.abs() + 1e-10 => failures.push(format!(
                        "{name} {what}: got {g}, want {w} (error {:e})",
                        (g - w).abs()
                    )),
                    Some(_) => {}
                },
            }
            values += 1;
        };
        for (key, m) in [
            ("tau", &fit.tau),
            ("mu", &fit.mu),
            ("theta_new", &fit.theta_new),
        ] {
            let r = &c[key];
            check(format!("{key} mean"), m.mean, &r["mean"]);
            check(format!("{key} sd"), m.sd, &r["sd"]);
            check(format!("{key} median"), Some(m.median), &r["median"]);
            check(format!("{key} mode"), Some(m.mode), &r["mode"]);
            check(format!("{key} ci_lower"), Some(m.ci_lower), &r["ci_lower"]);
            check(format!("{key} ci_upper"), Some(m.ci_upper), &r["ci_upper"]);
        }
        check("P(mu>0)".into(), Some(fit.prob_mu_gt_0), &c["prob_mu_gt_0"]);
        for (t, r) in fit
            .prob_mu_above
            .iter()
            .zip(c["prob_mu_above"].as_array().unwrap())
        {
            check(format!("P(mu>{})", t.threshold), Some(t.prob), &r["prob"]);
        }
        check(
            "marglik".into(),
            fit.marginal_likelihood,
            &c["marginal_likelihood"],
        );
        check(
            "BF tau=0".into(),
            fit.bayes_factor_tau0,
            &c["bayes_factor_tau0"],
        );
        check(
            "BF mu=0".into(),
            fit.bayes_factor_mu0,
            &c["bayes_factor_mu0"],
        );
        let studies = c["studies"].as_array().unwrap();
        for (s, r) in fit.studies.iter().zip(studies) {
            check("shrunk mean".into(), Some(s.shrunk_mean), &r["shrunk_mean"]);
            check("shrunk sd".into(), Some(s.shrunk_sd), &r["shrunk_sd"]);
            check(
                "shrunk median".into(),
                Some(s.shrunk_median),
                &r["shrunk_median"],
            );
            check("shrunk lower".into(), Some(s.ci_lower), &r["ci_lower"]);
            check("shrunk upper".into(), Some(s.ci_upper), &r["ci_upper"]);
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 15, "cases checked");
    assert!(values >= 15 * 21, "values checked: {values}");
}

/// An improper posterior is an error that says so; a heavy-tailed posterior reports infinite
/// moments as missing.
#[test]
fn improper_posteriors_are_errors() {
    let (y, v) = ([0.3, 0.1], [0.04, 0.05]);
    let e = Bayes::new(TauPrior::Uniform).fit(&y, &v, &[]).unwrap_err();
    assert!(e.to_string().contains("improper"), "{e}");
    assert!(e.to_string().contains("at least 3 studies"), "{e}");
    // k = 1 with a uniform tau prior: improper even with a normal mu prior
    let e = Bayes::new(TauPrior::Uniform)
        .mu_prior(MuPrior::Normal { mean: 0.0, sd: 1.0 })
        .fit(&y[..1], &v[..1], &[])
        .unwrap_err();
    assert!(e.to_string().contains("improper"), "{e}");
    // k = 2 with a normal mu prior is proper, but tau's mean is infinite
    let fit = Bayes::new(TauPrior::Uniform)
        .mu_prior(MuPrior::Normal { mean: 0.0, sd: 1.0 })
        .fit(&y, &v, &[])
        .unwrap();
    assert!(fit.tau.mean.is_none() && fit.theta_new.sd.is_none());
    assert!(
        fit.mu.sd.is_some(),
        "mu's moments are finite under a normal prior"
    );
    assert!(fit.marginal_likelihood.is_none() && fit.bayes_factor_tau0.is_none());
    // no studies
    assert!(Bayes::new("half-normal:1".parse().unwrap())
        .fit(&[], &[], &[])
        .is_err());
    // a proper prior with k = 1 works
    let one = Bayes::new("half-normal:0.5".parse().unwrap())
        .fit(&y[..1], &v[..1], &[])
        .unwrap();
    assert!((one.mu.mean.unwrap() - 0.3).abs() < 1e-12);
}

fn peerstat(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args(args)
        .output()
        .unwrap()
}

/// `meta --bayes` adds the key `bayes` and leaves the other keys as they were.
#[test]
fn cli_json_key_bayes() {
    let base = ["meta", "fixtures/bayes/schools.csv", "--format", "json"];
    let plain: serde_json::Value = serde_json::from_slice(&peerstat(&base).stdout).unwrap();
    assert!(plain.get("bayes").is_none());
    let mut args = base.to_vec();
    args.extend([
        "--bayes",
        "--tau-prior",
        "half-cauchy:25",
        "--mu-prior",
        "normal:0,50",
        "--interval",
        "shortest",
        "--prob-above",
        "5,-1",
    ]);
    let out = peerstat(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &json["bayes"];
    close(
        "tau median",
        b["tau"]["median"].as_f64().unwrap(),
        4.758539,
        1e-6,
    );
    assert_eq!(b["tau_prior"], "half-cauchy:25");
    assert_eq!(b["mu_prior"], "normal:0,50");
    assert_eq!(b["interval"], "shortest");
    assert_eq!(b["prob_mu_above"].as_array().unwrap().len(), 2);
    assert_eq!(b["studies"].as_array().unwrap().len(), 8);
    assert_eq!(b["studies"][0]["study"], "A");
    assert!(b["bayes_factor_tau0"].as_f64().unwrap() > 0.0);
    // the frequentist keys are unchanged
    for key in ["estimate", "se", "tau2", "ci_lower", "ci_upper"] {
        assert_eq!(json[key], plain[key], "{key}");
    }
    let text = peerstat(&["meta", "fixtures/bayes/schools.csv", "--bayes"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("marginal posterior summary:"), "{text}");
    assert!(text.contains("tau prior (improper): uniform"), "{text}");
}

/// An improper posterior exits 1 with a message that says so; a bad prior exits 2.
#[test]
fn cli_errors() {
    let out = peerstat(&["meta", "fixtures/bayes/two.csv", "--bayes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("improper"));
    let out = peerstat(&[
        "meta",
        "fixtures/bayes/two.csv",
        "--bayes",
        "--tau-prior",
        "turner:x,y",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Turner"));
}

/// `meta --help` lists every level of the Turner and Rhodes tables.
#[test]
fn help_lists_published_prior_levels() {
    use peerstat::model::bayes::tables::*;
    let help = String::from_utf8(peerstat(&["meta", "--help"]).stdout).unwrap();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut n = 0;
    for (name, _) in TURNER_OUTCOMES
        .iter()
        .chain(&TURNER_COMPARISONS)
        .chain(&RHODES_OUTCOMES)
        .chain(&RHODES_COMPARISONS)
    {
        assert!(help.contains(name), "--help misses {name}");
        n += 1;
    }
    for area in RHODES_AREAS {
        assert!(help.contains(area), "--help misses {area}");
    }
    assert_eq!(n, 16 + 5 + 8 + 3);
}
