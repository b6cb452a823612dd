//! `evaluate`'s answers from few studies (issue #26 §2–4): the Bayesian result of a small domain
//! with its evidence-based prior (against an exact quadrature in R,
//! `fixtures/smallk/bayes_smallk.R`, and the library's `bayes`), direction-aware words, the
//! selection model and PET-PEESE of a ≥ 10-study domain equal to `peerstat bias`, the
//! publication-bias rule at its boundary, and the location-scale table by form equal to
//! `peerstat meta --scale`.

mod common;

use std::path::PathBuf;

use common::cli::{fixture, json_of, write_csv};
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::certainty::Criterion;
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation, OptionsFile};
use peerstat::framework::Codebook;
use peerstat::model::bayes::{Bayes, TauPrior};
use serde_json::Value;
use tempfile::TempDir;

/// Evaluates the CSV `text` (every outcome higher-is-better unless a row says otherwise) with
/// the options file `options` (TOML); also returns the data file's path (kept alive by `dir`).
fn eval(dir: &TempDir, text: &str, options: &str) -> (Evaluation, String) {
    let path = PathBuf::from(write_csv(dir, "data.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    let opts = EvaluateOptions {
        assume_higher_is_better: true,
        ..EvaluateOptions::default()
    }
    .with_file(
        OptionsFile::parse(options, "opts.toml").unwrap(),
        "opts.toml",
    );
    let ev = evaluate(&mut t, &Codebook::builtin(), &path, None, &opts).unwrap();
    (ev, path.display().to_string())
}

fn json(ev: &Evaluation) -> Value {
    serde_json::from_str(&peerstat::report::json(ev).unwrap()).unwrap()
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-300),
        "{what}: {got} vs {want}"
    );
}

/// `yi,vi` rows of one domain.
fn rows(domain: &str, yi: &[f64], vi: &[f64], extra: &str) -> String {
    let mut s = format!(
        "study,outcome_domain,yi,vi{}\n",
        if extra.is_empty() {
            ""
        } else {
            ",support_type"
        }
    );
    for i in 0..yi.len() {
        s.push_str(&format!("S{i},{domain},{},{}", yi[i], vi[i]));
        if !extra.is_empty() {
            let forms: Vec<&str> = extra.split(',').collect();
            s.push_str(&format!(",{}", forms[i]));
        }
        s.push('\n');
    }
    s
}

#[test]
fn a_small_domain_gets_the_bayesian_result_with_its_prior_named() {
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("smallk/bayes_smallk.json")).unwrap(),
    )
    .unwrap();
    let f = |k: &str| -> Vec<f64> {
        r[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let (yi, vi) = (f("yi"), f("vi"));
    let dir = TempDir::new().unwrap();
    let (ev, _) = eval(&dir, &rows("mental health", &yi, &vi, ""), "");
    let d = &ev.domains[0];
    let b = d
        .bayes
        .as_ref()
        .expect("a 5-study domain gets the Bayesian result");
    assert_eq!(
        b.fit.tau_prior.to_string(),
        "rhodes:mental-health,nonpharma"
    );
    assert!(b.prior.contains("Rhodes et al. (2015)"), "{}", b.prior);
    assert!(b.reason.contains("5 studies"), "{}", b.reason);
    // the library's bayes on the same data and prior
    let lib = Bayes::new(
        "rhodes:mental-health,nonpharma"
            .parse::<TauPrior>()
            .unwrap(),
    )
    .prob_above(&[0.2, -0.2])
    .fit(&yi, &vi, &[])
    .unwrap();
    assert_eq!(b.fit.prob_mu_gt_0, lib.prob_mu_gt_0);
    assert_eq!(b.prob_benefit, lib.prob_mu_gt_0);
    assert_eq!(b.prob_benefit_beyond, Some(lib.prob_mu_above[0].prob));
    assert_eq!(b.fit.mu, lib.mu);
    // and the exact quadrature in R
    close(
        "P(mu > 0)",
        b.prob_benefit,
        r["prob_mu_gt_0"].as_f64().unwrap(),
        1e-6,
    );
    close(
        "P(mu > 0.2)",
        b.prob_benefit_beyond.unwrap(),
        r["prob_mu_gt_0.2"].as_f64().unwrap(),
        1e-6,
    );
    // in words, with the rounded probabilities
    let want = format!(
        "the probability that peer support improves mental health is {:.0} %; that the improvement exceeds 0.2 SD, {:.0} %",
        100.0 * b.prob_benefit,
        100.0 * b.prob_benefit_beyond.unwrap()
    );
    assert!(b.statement.contains(&want), "{}\nwant: {want}", b.statement);
    // the frequentist result stays
    assert!(d.pooled.is_some());
    // JSON: the domain's `bayes` names the prior; the report shows the paragraph
    let v = json(&ev);
    assert_eq!(
        v["domains"][0]["bayes"]["tau_prior"],
        "rhodes:mental-health,nonpharma"
    );
    assert!(v["domains"][0]["bayes"]["mu"]["median"].is_number());
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("Bayesian result (few studies)"));
    assert!(html.contains("imprecision included, reads its confidence interval"));
}

#[test]
fn lower_is_better_says_reduces_and_a_large_domain_has_no_bayes() {
    // service use from 2x2 tables, fewer events is better: odds ratios, Turner's prior
    let counts = [
        (12, 100, 20, 100),
        (8, 80, 15, 82),
        (30, 150, 41, 148),
        (5, 60, 9, 61),
    ];
    let mut text =
        String::from("study,outcome_domain,events_t,n_t,events_c,n_c,higher_is_better\n");
    for (i, (a, b, c, e)) in counts.iter().enumerate() {
        text.push_str(&format!("S{i},service use,{a},{b},{c},{e},false\n"));
    }
    let dir = TempDir::new().unwrap();
    let (ev, _) = eval(&dir, &text, "[domains.\"service use\"]\nmid = 1.25\n");
    let d = &ev.domains[0];
    let b = d.bayes.as_ref().unwrap();
    assert_eq!(
        b.fit.tau_prior.to_string(),
        "turner:resource-use,nonpharma-placebo"
    );
    let y: Vec<f64> = d.effects.iter().map(|e| e.yi).collect();
    let v: Vec<f64> = d
        .pooled
        .as_ref()
        .unwrap()
        .studies
        .iter()
        .map(|s| s.vi)
        .collect();
    let t = 1.25f64.ln();
    let lib = Bayes::new(b.fit.tau_prior.clone())
        .prob_above(&[t, -t])
        .fit(&y, &v, &[])
        .unwrap();
    assert_eq!(b.prob_benefit, 1.0 - lib.prob_mu_gt_0);
    assert_eq!(b.prob_benefit_beyond, Some(1.0 - lib.prob_mu_above[1].prob));
    assert!(
        b.statement.contains(&format!(
            "the probability that peer support reduces the service use outcomes (where lower is better) is {:.0} %; that the reduction goes beyond an odds ratio of 0.80, {:.0} %",
            100.0 * b.prob_benefit,
            100.0 * b.prob_benefit_beyond.unwrap()
        )),
        "{}",
        b.statement
    );
    // an SMD domain of 12 studies: no Bayesian result (10 or more studies)
    let yi: Vec<f64> = (0..12).map(|i| 0.2 + 0.03 * i as f64).collect();
    let (ev, _) = eval(&dir, &rows("wellbeing", &yi, &[0.02; 12], ""), "");
    assert!(ev.domains[0].bayes.is_none());
    // ... unless the threshold says so, with a prior from the options file
    let (ev, _) = eval(
        &dir,
        &rows("wellbeing", &yi, &[0.02; 12], ""),
        "[small_k]\nbayes_below_studies = 20\n[small_k.priors]\nwellbeing = \"half-normal:0.5\"\n",
    );
    let b = ev.domains[0].bayes.as_ref().unwrap();
    assert_eq!(b.fit.tau_prior.to_string(), "half-normal:0.5");
    assert!(b.prior.contains("options file"));
}

/// 12 effects with p-values on both sides of .025 (one-sided).
const YI: [f64; 12] = [
    0.40, 0.31, 0.05, 0.62, 0.12, 0.55, -0.10, 0.48, 0.20, 0.70, 0.02, 0.35,
];
const VI: [f64; 12] = [
    0.02, 0.03, 0.04, 0.09, 0.01, 0.05, 0.03, 0.06, 0.02, 0.08, 0.01, 0.04,
];

#[test]
fn ten_or_more_studies_get_3psm_and_pet_peese_equal_to_bias() {
    let dir = TempDir::new().unwrap();
    for (higher, alternative) in [(true, "greater"), (false, "less")] {
        let yi: Vec<f64> = YI.iter().map(|y| if higher { *y } else { -y }).collect();
        let mut text = rows("wellbeing", &yi, &VI, "");
        if !higher {
            text = text
                .replace(
                    "study,outcome_domain,yi,vi",
                    "study,outcome_domain,yi,vi,higher_is_better",
                )
                .replace('\n', ",false\n")
                .replacen(",false\n", "\n", 1);
        }
        let (ev, path) = eval(&dir, &text, "");
        let v = json(&ev);
        let a = &v["domains"][0]["bias_adjusted"];
        let cli = json_of(&[
            "bias",
            &path,
            "--selmodel",
            "stepfun",
            "--steps",
            "0.025",
            "--alternative",
            alternative,
            "--pet-peese",
            "--format",
            "json",
        ]);
        let n = |x: &Value| x.as_f64().unwrap();
        for key in [
            "estimate", "se", "ci_lower", "ci_upper", "tau2", "lrt", "lrt_p",
        ] {
            close(key, n(&a["selmodel"][key]), n(&cli["selmodel"][key]), 1e-10);
        }
        assert_eq!(a["selmodel"]["alternative"], alternative);
        assert_eq!(a["selmodel"]["steps"], serde_json::json!([0.025, 1.0]));
        for key in ["pet", "peese", "pet_peese"] {
            for f in ["estimate", "se", "ci_lower", "ci_upper"] {
                close(f, n(&a[key][f]), n(&cli[key][f]), 1e-12);
            }
        }
        assert_eq!(a["pet_peese"]["chosen"], cli["pet_peese"]["chosen"]);
        assert_eq!(a["k"], 12);
        // beside Egger and trim-and-fill in the report
        let html = peerstat::report::html::report_html(&ev, &[]);
        assert!(html.contains("Bias-adjusted estimates"));
        assert!(html.contains("the selection model (stepfun steps 0.025, 1"));
    }
}

#[test]
fn a_selection_model_without_maximum_is_said_in_words() {
    // every study significant at .025: the interval (.025, 1] is empty
    let yi: Vec<f64> = (0..10).map(|i| 0.5 + 0.02 * i as f64).collect();
    let vi: Vec<f64> = (0..10).map(|i| 0.005 + 0.001 * i as f64).collect();
    let dir = TempDir::new().unwrap();
    let (ev, _) = eval(&dir, &rows("wellbeing", &yi, &vi, ""), "");
    let a = ev.domains[0].bias_adjusted.as_ref().unwrap();
    assert!(a.selmodel.is_none());
    let note = a.selmodel_note.as_deref().unwrap();
    assert!(note.contains("has no maximum"), "{note}");
    assert!(a.pet_peese.is_some());
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("the selection model has no maximum for these data"));
}

/// The publication-bias judgement's levels and reason.
fn publication(ev: &Evaluation) -> (u32, String) {
    let c = ev.summary_of_findings[0].certainty.as_ref().unwrap();
    let j = c
        .judgements
        .iter()
        .find(|j| j.criterion == Criterion::PublicationBias)
        .unwrap();
    (j.levels, j.reason.clone())
}

#[test]
fn the_publication_bias_rule_flips_at_its_shift_boundary() {
    // effects growing with their standard error (Egger p << 0.10), all on the side of benefit
    let mut text = String::from("study,outcome_domain,yi,sei\n");
    for i in 0..12 {
        let se = 0.05 + 0.04 * i as f64;
        let y = 0.1 + 1.5 * se + if i % 2 == 0 { 0.02 } else { -0.02 };
        text.push_str(&format!("S{i},social connection,{y},{se}\n"));
    }
    let dir = TempDir::new().unwrap();
    let (ev, _) = eval(&dir, &text, "");
    let d = &ev.domains[0];
    assert!(d.bias.as_ref().unwrap().egger.p_value < 0.10);
    let a = d.bias_adjusted.as_ref().unwrap();
    let pooled = d.pooled.as_ref().unwrap().summary.estimate;
    let mut adjusted: Vec<f64> = a.pet_peese.iter().map(|p| p.pet_peese.estimate).collect();
    adjusted.extend(a.selmodel.iter().map(|s| s.estimate));
    assert!(!adjusted.is_empty());
    // no adjusted estimate crosses the null: the shift alone decides
    assert!(adjusted.iter().all(|x| x * pooled > 0.0), "{adjusted:?}");
    let r = adjusted
        .iter()
        .map(|x| (x - pooled).abs() / pooled.abs())
        .fold(0.0, f64::max);
    assert!(r > 0.25, "default rule (a quarter): serious ({r})");
    assert_eq!(publication(&ev).0, 1);
    let at = |shift: f64| {
        let (ev, _) = eval(
            &dir,
            &text,
            &format!("[small_k]\npublication_bias_shift = {shift}\n"),
        );
        publication(&ev)
    };
    let (below, why) = at(r * (1.0 - 1e-6));
    assert_eq!(below, 1, "{why}");
    assert!(why.contains("changes the conclusion"), "{why}");
    let (above, why) = at(r * (1.0 + 1e-6));
    assert_eq!(above, 0, "{why}");
    assert!(why.contains("leave the conclusion standing"), "{why}");
    // shift 0: Egger's test alone, as before
    let (alone, why) = at(0.0);
    assert_eq!(alone, 1, "{why}");
}

#[test]
fn heterogeneity_by_form_equals_meta_scale() {
    let yi = [0.10, 0.50, 0.90, 0.12, 0.41, 0.75, 0.20, 0.62, 0.31, 0.45];
    let vi = [0.02, 0.02, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.02];
    let forms = "mentoring,mentoring,mentoring,coaching,coaching,coaching,befriending,befriending,befriending,navigation";
    let dir = TempDir::new().unwrap();
    let (ev, path) = eval(&dir, &rows("mental health", &yi, &vi, forms), "");
    let h = ev.domains[0]
        .heterogeneity_by_form
        .as_ref()
        .expect("three forms of three studies");
    assert_eq!(h.left_out, ["navigation (1)"]);
    assert_eq!(h.levels.len(), 3);
    // the same model on the same studies: meta --scale on the file without the lone form
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.ends_with(",navigation"))
        .map(|l| format!("{l}\n"))
        .collect();
    let sub = write_csv(&dir, "kept.csv", &kept);
    let cli = json_of(&["meta", &sub, "--scale", "support_type", "--format", "json"]);
    for l in &h.levels {
        close(
            &l.level,
            l.tau2,
            cli["tau2_by"][&l.level].as_f64().unwrap(),
            1e-8,
        );
    }
    close("QS", h.qs, cli["qs"].as_f64().unwrap(), 1e-8);
    assert_eq!(h.qs_df, 2);
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("Does heterogeneity differ by form of support? (exploratory)"));
    // two forms of three studies are needed
    let (ev, _) = eval(
        &dir,
        &rows(
            "mental health",
            &yi[..6],
            &vi[..6],
            "mentoring,mentoring,mentoring,coaching,coaching,navigation",
        ),
        "",
    );
    assert!(ev.domains[0].heterogeneity_by_form.is_none());
    let s = ev.domains[0]
        .skipped
        .iter()
        .find(|s| s.section.starts_with("does heterogeneity differ"))
        .unwrap();
    assert!(
        s.reason
            .contains("1 form(s) of support with at least 3 studies"),
        "{}",
        s.reason
    );
}

#[test]
fn bad_small_k_options_are_errors() {
    assert!(OptionsFile::parse("[small_k.priors]\nwellbeing = \"half-normal:-1\"\n", "o").is_err());
    assert!(OptionsFile::parse("[small_k]\nselmodel_steps = [1.5]\n", "o").is_err());
    assert!(OptionsFile::parse("[small_k]\nnonsense = 1\n", "o").is_err());
}
