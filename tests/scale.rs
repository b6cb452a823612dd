//! Location-scale models (`meta --scale`) against metafor 3.8.1's `rma(…, scale = ~ …)`.
//!
//! Reference values: `fixtures/scale/scale.json`, written by `fixtures/scale/scale.R` (metafor
//! 3.8.1, log link, each model fitted with several tight optimiser settings and the best
//! optimum kept), on `fixtures/scale/bangertdrowns2004.csv` and
//! `fixtures/scale/laopaiboon2015.csv` (written by the same script).

mod common;

use std::path::Path;

use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::regression::Coefficient;
use peerstat::model::scale::{LocationScale, ScaleMethod, ScaleTableFit};
use serde_json::Value;

use common::close;

/// Relative tolerance of every comparison but p-values.
const REL: f64 = 1e-6;

/// Relative tolerance of p-values. metafor's optimisers stop ~1e-8 (relative) short of the
/// optimum in α (its numerical gradient there is ~4e-7 for `scale = ~ grade`, where peerstat's
/// Newton iterate has ~1e-9), and its SEs of α come from a numerical Hessian (~1e-7); a p-value
/// of 0.001 amplifies a relative error in z by about z², so p-values agree to ~3e-6.
const REL_P: f64 = 1e-5;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/scale/scale.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

fn fit_case(c: &Value) -> ScaleTableFit {
    let file = format!("fixtures/scale/{}", c["file"].as_str().unwrap());
    let t = read_table(Path::new(&file), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
    let method = match c["method"].as_str().unwrap() {
        "REML" => ScaleMethod::Reml,
        _ => ScaleMethod::Ml,
    };
    LocationScale::new()
        .method(method)
        .profile_ci(false)
        .fit_table(&t, &es, &names(&c["mods"]), &names(&c["scale"]))
        .unwrap()
}

/// Compares a coefficient table with the reference rows; returns the values checked.
fn coefficients(id: &str, got: &[Coefficient], want: &Value) -> usize {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{id}: number of coefficients");
    let mut n = 0;
    for (g, w) in got.iter().zip(want) {
        let what = |k: &str| format!("{id} {} {k}", w["name"].as_str().unwrap());
        // Estimates and z are relative to 1e-6, or to 1e-6 of one SE when the estimate is
        // small beside its SE (metafor's optimum for `scale = ~ grade` is ~3e-7 off in α₁ = 0.04
        // with SE 0.33).
        close(
            &what("estimate"),
            g.est.estimate,
            &w["estimate"],
            REL,
            REL * g.est.se,
        );
        close(&what("se"), g.est.se, &w["se"], REL, 1e-12);
        close(&what("z"), g.est.statistic, &w["statistic"], REL, REL);
        close(&what("p"), g.est.p_value, &w["p_value"], REL_P, 1e-12);
        // A limit near 0 is the difference of two terms: its error scales with theirs.
        let scale = REL * (g.est.estimate.abs() + 2.0 * g.est.se);
        close(
            &what("ci_lower"),
            g.est.ci_lower,
            &w["ci_lower"],
            REL,
            scale,
        );
        close(
            &what("ci_upper"),
            g.est.ci_upper,
            &w["ci_upper"],
            REL,
            scale,
        );
        n += 6;
    }
    n
}

fn optional(id: &str, what: &str, got: Option<f64>, want: &Value) -> usize {
    let rel = if what.ends_with("_p") { REL_P } else { REL };
    match got {
        None => {
            assert!(
                want.is_null(),
                "{id} {what}: reference {want}, peerstat none"
            );
            0
        }
        Some(g) => {
            // QM and QS are squared z values: their error scales with 2·|z|·(error of z).
            let abs = if what.ends_with("_p") {
                1e-12
            } else {
                REL * 2.0 * g.sqrt()
            };
            close(&format!("{id} {what}"), g, want, rel, abs);
            1
        }
    }
}

#[test]
fn location_scale_matches_metafor() {
    let r = reference();
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    let mut checked = 0;
    for c in cases {
        let id = c["name"].as_str().unwrap();
        let f = fit_case(c);
        assert_eq!(f.fit.k as u64, c["k"].as_u64().unwrap(), "{id}: k");
        checked += coefficients(id, &f.fit.coefficients, &c["beta"]);
        checked += coefficients(id, &f.fit.alpha, &c["alpha"]);
        checked += optional(id, "qm", f.fit.qm, &c["qm"]);
        checked += optional(id, "qm_p", f.fit.qm_p, &c["qm_p"]);
        checked += optional(id, "qs", f.fit.qs, &c["qs"]);
        checked += optional(id, "qs_p", f.fit.qs_p, &c["qs_p"]);
        close(&format!("{id} qe"), f.fit.qe, &c["qe"], REL, 1e-12);
        close(
            &format!("{id} loglik"),
            f.fit.loglik,
            &c["loglik"],
            1e-9,
            1e-9,
        );
        let tau2 = c["tau2"].as_array().unwrap();
        assert_eq!(f.fit.tau2.len(), tau2.len(), "{id}: tau2 per study");
        for (i, (g, w)) in f.fit.tau2.iter().zip(tau2).enumerate() {
            close(&format!("{id} tau2[{i}]"), *g, w, REL, 1e-12);
        }
        checked += 2 + tau2.len();
        checked += predictions(id, &f, c);
        if let Some(by) = c.get("tau2_by") {
            let got = f
                .tau2_by
                .as_ref()
                .expect("tau2_by for a factor scale model");
            for (lvl, w) in by.as_object().unwrap() {
                close(&format!("{id} tau2_by {lvl}"), got[lvl], w, REL, 1e-12);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 672, "values checked");
}

fn predictions(id: &str, f: &ScaleTableFit, c: &Value) -> usize {
    let mut n = 0;
    if let Some(ps) = c.get("scale_prediction") {
        let newscale = [ps["newscale"].as_f64().unwrap()];
        let p = f.fit.predict(None, &newscale).unwrap();
        close(
            &format!("{id} log tau2 pred"),
            p.log_tau2,
            &ps["pred"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} log tau2 se"),
            p.log_tau2_se,
            &ps["se"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} log tau2 lo"),
            p.log_tau2_ci_lower,
            &ps["ci_lower"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} log tau2 hi"),
            p.log_tau2_ci_upper,
            &ps["ci_upper"],
            REL,
            1e-12,
        );
        n += 4;
    }
    if let Some(pl) = c.get("prediction") {
        let newmods = [pl["newmods"].as_f64().unwrap()];
        let newscale = [pl["newscale"].as_f64().unwrap()];
        let p = f.fit.predict(Some(&newmods), &newscale).unwrap();
        let e = p.effect.unwrap();
        close(&format!("{id} pred"), e.pred, &pl["pred"], REL, 1e-12);
        close(&format!("{id} pred se"), e.se, &pl["se"], REL, 1e-12);
        close(
            &format!("{id} pred ci lo"),
            e.ci_lower,
            &pl["ci_lower"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} pred ci hi"),
            e.ci_upper,
            &pl["ci_upper"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} pi lo"),
            e.pi_lower,
            &pl["pi_lower"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} pi hi"),
            e.pi_upper,
            &pl["pi_upper"],
            REL,
            1e-12,
        );
        close(
            &format!("{id} setting tau2"),
            p.tau2,
            &pl["tau2"],
            REL,
            1e-12,
        );
        n += 7;
    }
    n
}

/// metafor's identities: an intercept-only scale model is `rma`'s random-effects model
/// (τ² = exp(α₀), the same μ̂); a two-level factor gives `rma.mv(struct = "DIAG")`'s τ² per level.
#[test]
fn location_scale_identities() {
    let r = reference();
    let cases = r["cases"].as_array().unwrap();
    let ids = r["identities"].as_array().unwrap();
    assert_eq!(ids.len(), 4);
    let mut checked = 0;
    for i in ids {
        let name = i["name"].as_str().unwrap();
        let c = cases.iter().find(|c| c["name"] == name).unwrap();
        let f = fit_case(c);
        let a: Vec<f64> = f.fit.alpha.iter().map(|a| a.est.estimate).collect();
        close(
            &format!("{name} mu"),
            f.fit.coefficients[0].est.estimate,
            &i["mu"],
            REL,
            1e-12,
        );
        match i["kind"].as_str().unwrap() {
            "rma_tau2" => {
                close(&format!("{name} tau2"), a[0].exp(), &i["tau2"], REL, 1e-12);
                checked += 2;
            }
            _ => {
                let t = i["tau2"].as_array().unwrap();
                close(&format!("{name} tau2 no"), a[0].exp(), &t[0], REL, 1e-12);
                close(
                    &format!("{name} tau2 yes"),
                    (a[0] + a[1]).exp(),
                    &t[1],
                    REL,
                    1e-12,
                );
                let by = f.tau2_by.unwrap();
                close(&format!("{name} tau2_by no"), by["no"], &t[0], REL, 1e-12);
                close(&format!("{name} tau2_by yes"), by["yes"], &t[1], REL, 1e-12);
                checked += 5;
            }
        }
    }
    assert_eq!(checked, 14, "identity values checked");
}

/// Profile-likelihood CIs of α (metafor `confint(fit, alpha = j)`, uniroot to 1e-10, searched
/// within 30 SEs) where metafor finds a limit, except the limits
/// `fixtures/scale/profile_check.R` shows to be spurious (metafor's own objective, maximised
/// over the other coefficient, lies less than χ²₁(.95)/2 below the maximum there: metafor's
/// refit failed). There peerstat's limit is the one that script verified on metafor's
/// objective (a finite limit exactly at the cut-off, or none where the profile plateaus above
/// it).
#[test]
fn alpha_profile_matches_metafor() {
    let r = reference();
    let text = std::fs::read_to_string("fixtures/scale/profile_check.json").unwrap();
    let check: Value = serde_json::from_str(&text).unwrap();
    let spurious = |id: &str, coef: &str, side: &str| {
        check["limits"].as_array().unwrap().iter().any(|l| {
            l["name"] == id
                && l["coefficient"] == coef
                && l["side"] == side
                && l["spurious"] == true
        })
    };
    let mut checked = 0;
    let mut skipped = 0;
    for c in r["cases"].as_array().unwrap() {
        let id = c["name"].as_str().unwrap();
        let file = format!("fixtures/scale/{}", c["file"].as_str().unwrap());
        let t = read_table(Path::new(&file), &ColumnMap::new()).unwrap();
        let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
        let method = match c["method"].as_str().unwrap() {
            "REML" => ScaleMethod::Reml,
            _ => ScaleMethod::Ml,
        };
        let f = LocationScale::new()
            .method(method)
            .fit_table(&t, &es, &names(&c["mods"]), &names(&c["scale"]))
            .unwrap();
        let got = f.fit.alpha_profile.as_ref().unwrap();
        for (g, w) in got.iter().zip(c["alpha_profile"].as_array().unwrap()) {
            for (key, value) in [("ci_lower", g.ci_lower), ("ci_upper", g.ci_upper)] {
                let coef = w["name"].as_str().unwrap();
                if let Some(want) = w.get(key) {
                    if spurious(id, coef, key) {
                        verified(&check, id, coef, key, value);
                        skipped += 1;
                        continue;
                    }
                    close(&format!("{id} {} {key}", g.name), value, want, REL, REL);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(
        (checked, skipped),
        (21, 4),
        "profile limits checked, skipped"
    );
}

/// Asserts that peerstat's `value` is the limit `profile_check.R` verified for a spurious
/// metafor limit (`null` there: an unbounded interval, NaN here).
fn verified(check: &Value, id: &str, coef: &str, side: &str, value: f64) {
    let entry = check["peerstat"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == id && p["coefficient"] == coef && p["side"] == side)
        .unwrap_or_else(|| panic!("{id} {coef} {side}: no verified peerstat limit"));
    assert_eq!(entry["ok"], true, "{id} {coef} {side}: R's check failed");
    close(
        &format!("{id} {coef} {side} (verified)"),
        value,
        &entry["limit"],
        REL,
        REL,
    );
}

/// `peerstat meta --scale` end to end: the JSON keys, the prediction, `tau2_by`, and the errors
/// for flags it does not combine with and for a wrong number of scale values.
#[test]
fn cli_scale_json_and_errors() {
    use common::cli::run;
    let r = reference();
    let case = |name: &str| {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let file = "fixtures/scale/bangertdrowns2004.csv";
    let (code, out, err) = run(&[
        "meta",
        file,
        "--mods",
        "ni100",
        "--scale",
        "ni100",
        "--newmods",
        "2",
        "--newscale",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    let c = case("bd_ni100_reml");
    close(
        "cli alpha_1",
        j["alpha"][1]["estimate"].as_f64().unwrap(),
        &c["alpha"][1]["estimate"],
        REL,
        0.0,
    );
    close("cli qs", j["qs"].as_f64().unwrap(), &c["qs"], REL, 0.0);
    assert_eq!(j["qs_df"], 1);
    close(
        "cli pi_lower",
        j["prediction"]["effect"]["pi_lower"].as_f64().unwrap(),
        &c["prediction"]["pi_lower"],
        REL,
        0.0,
    );
    close(
        "cli setting tau2",
        j["prediction"]["tau2"].as_f64().unwrap(),
        &c["prediction"]["tau2"],
        REL,
        0.0,
    );
    assert!(j["alpha_profile"].is_array());

    let (code, out, err) = run(&[
        "meta", file, "--scale", "metaf", "--method", "ML", "--format", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 studies left out"), "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    let c = case("bd_metaf_ml");
    close(
        "cli tau2_by yes",
        j["tau2_by"]["yes"].as_f64().unwrap(),
        &c["tau2_by"]["yes"],
        REL,
        0.0,
    );
    assert_eq!(j["dropped"], 2);

    let (code, out, _) = run(&["meta", file, "--scale", "1", "--format", "json"]);
    assert_eq!(code, 0);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert!(j["qs"].is_null());
    close(
        "cli intercept-only",
        j["alpha"][0]["estimate"].as_f64().unwrap(),
        &case("bd_intercept_reml")["alpha"][0]["estimate"],
        REL,
        0.0,
    );

    let (code, _, err) = run(&["meta", file, "--scale", "ni100", "--knha"]);
    assert_eq!(code, 2);
    assert!(err.contains("--knha"), "{err}");
    let (code, _, err) = run(&["meta", file, "--scale", "ni100", "--method", "DL"]);
    assert_eq!(code, 2);
    assert!(err.contains("REML or ML"), "{err}");
    let (code, _, err) = run(&["meta", file, "--scale", "ni100", "--newscale", "1,2"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("2 new scale values given for 1 scale columns"),
        "{err}"
    );
    assert!(err.contains("--newscale"), "{err}");
    let (code, _, err) = run(&["meta", file, "--scale", "nosuch"]);
    assert_eq!(code, 2);
    assert!(err.contains("nosuch"), "{err}");
}
