//! Certainty of evidence and the summary of findings (issue #13, item 4). Each rule has a small
//! dataset built to trip it (and only it); expected ratings follow from the rules as written in
//! `framework::certainty`, expected absolute effects are computed here by hand from the relative
//! effect and the control risk.

mod common;

use std::path::PathBuf;

use common::cli::write_csv;
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::certainty::{Certainty, Criterion, Finding};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation, OptionsFile};
use peerstat::framework::Codebook;
use tempfile::TempDir;

/// Evaluates the CSV `text` (every outcome higher-is-better unless it says otherwise) with the
/// options file `options` (TOML).
fn eval(text: &str, options: &str) -> Evaluation {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "data.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    let opts = EvaluateOptions {
        assume_higher_is_better: true,
        ..EvaluateOptions::default()
    }
    .with_file(
        OptionsFile::parse(options, "opts.toml").unwrap(),
        "opts.toml",
    );
    evaluate(&mut t, &Codebook::builtin(), &path, None, &opts).unwrap()
}

fn finding<'a>(ev: &'a Evaluation, domain: &str) -> &'a Finding {
    ev.summary_of_findings
        .iter()
        .find(|f| f.domain == domain)
        .unwrap()
}

/// Levels down per criterion, in the order of the rules.
fn levels(f: &Finding) -> [u32; 5] {
    let c = f.certainty.as_ref().unwrap();
    let get = |k: Criterion| {
        c.judgements
            .iter()
            .find(|j| j.criterion == k)
            .unwrap()
            .levels
    };
    [
        get(Criterion::RiskOfBias),
        get(Criterion::Inconsistency),
        get(Criterion::Imprecision),
        get(Criterion::PublicationBias),
        get(Criterion::Indirectness),
    ]
}

fn certainty(f: &Finding) -> Certainty {
    f.certainty.as_ref().unwrap().certainty
}

/// Four effects of equal variance (so equal weights), consistent and precise, with the given
/// extra column values.
fn four(domain: &str, extra_name: &str, extra: [&str; 4]) -> String {
    let yi = [0.50, 0.45, 0.55, 0.52];
    let mut s = format!("study,outcome_domain,yi,vi,{extra_name}\n");
    for i in 0..4 {
        s.push_str(&format!("S{i},{domain},{},0.01,{}\n", yi[i], extra[i]));
    }
    s
}

/// Four studies are fewer than the default `min_precise_studies` (5): the tests of other rules
/// lower it so that only the rule under test trips.
const FOUR_ARE_ENOUGH: &str = "[thresholds]\nmin_precise_studies = 4\n";

#[test]
fn risk_of_bias_half_or_more_of_the_weight_at_high_is_very_serious() {
    // equal weights: high-risk share 3/4 = 0.75 ≥ 0.5 → two levels down (issue #27: was one
    // level under the old "more than half at high" rule); nothing else trips
    let ev = eval(
        &four("wellbeing", "risk_of_bias", ["high", "high", "high", "low"]),
        FOUR_ARE_ENOUGH,
    );
    let f = finding(&ev, "wellbeing");
    assert_eq!(levels(f), [2, 0, 0, 0, 0]);
    let c = f.certainty.as_ref().unwrap();
    assert_eq!(c.start, Certainty::High);
    assert!(
        c.judgements[0].reason.contains("75%"),
        "{}",
        c.judgements[0].reason
    );
    assert_eq!(certainty(f), Certainty::Low);
    assert_eq!(f.statement, "Peer support may improve wellbeing.");
    // two of four (50 %) is half: very serious too (issue #27: was "not more than half: not
    // serious"); one of four (25 %) is not serious: high certainty, plain statement
    let ev = eval(
        &four("wellbeing", "risk_of_bias", ["high", "high", "low", "low"]),
        FOUR_ARE_ENOUGH,
    );
    let f = finding(&ev, "wellbeing");
    assert_eq!(levels(f), [2, 0, 0, 0, 0]);
    let ev = eval(
        &four("wellbeing", "risk_of_bias", ["high", "low", "low", "low"]),
        FOUR_ARE_ENOUGH,
    );
    let f = finding(&ev, "wellbeing");
    assert_eq!(levels(f), [0, 0, 0, 0, 0]);
    assert_eq!(certainty(f), Certainty::High);
    assert_eq!(f.statement, "Peer support improves wellbeing.");
}

#[test]
fn the_wording_is_symmetric_below_the_null() {
    // issue #27: two at some concerns (50 %, serious) where three at high are now very serious
    let text = four(
        "wellbeing",
        "risk_of_bias",
        ["some concerns", "some concerns", "low", "low"],
    )
    .replace(",0.5,", ",-0.5,")
    .replace(",0.45,", ",-0.45,")
    .replace(",0.55,", ",-0.55,")
    .replace(",0.52,", ",-0.52,");
    let f = finding(&eval(&text, FOUR_ARE_ENOUGH), "wellbeing").clone();
    assert!(f.relative.as_ref().unwrap().estimate < -0.4);
    assert_eq!(certainty(&f), Certainty::Moderate);
    assert_eq!(f.statement, "Peer support probably worsens wellbeing.");
    assert!(f
        .smd_in_words
        .as_ref()
        .unwrap()
        .starts_with("a moderate difference"));
    assert!(f.smd_in_words.unwrap().contains("favouring the comparison"));
}

#[test]
fn non_randomised_evidence_starts_low_and_indirect_evidence_is_rated_down() {
    let ev = eval(
        &four("wellbeing", "design", ["non randomised"; 4]),
        FOUR_ARE_ENOUGH,
    );
    let f = finding(&ev, "wellbeing");
    let c = f.certainty.as_ref().unwrap();
    assert_eq!(c.start, Certainty::Low);
    assert_eq!(levels(f), [0, 0, 0, 0, 0]);
    assert_eq!(certainty(f), Certainty::Low);
    assert_eq!(f.statement, "Peer support may improve wellbeing.");
    // indirect: 3 of 4 equal weights flagged → 0.75 > 0.5
    let ev = eval(
        &four("wellbeing", "indirect", ["true", "yes", "1", "false"]),
        FOUR_ARE_ENOUGH,
    );
    let f = finding(&ev, "wellbeing");
    assert_eq!(levels(f), [0, 0, 0, 0, 1]);
    assert_eq!(certainty(f), Certainty::Moderate);
}

#[test]
fn inconsistency_from_i2() {
    // equal variances 0.01: Q = Σ(y − ȳ)²/0.01; y = 0.1, 0.9, 0.2, 1.0, 0.5: ȳ = 0.54,
    // Σ(y − ȳ)² = 0.1936 + 0.1296 + 0.1156 + 0.2116 + 0.0016 = 0.652, Q = 65.2 on 4 df,
    // (Q − df)/Q = 0.94: far above 50 % by any estimator of τ²
    let text = "study,outcome_domain,yi,vi\nA,mental health,0.1,0.01\nB,mental health,0.9,0.01\nC,mental health,0.2,0.01\nD,mental health,1.0,0.01\nE,mental health,0.5,0.01\n";
    let ev = eval(text, "");
    let f = finding(&ev, "mental health");
    let p = ev.domains[0].pooled.as_ref().unwrap();
    assert!((p.summary.q - 65.2).abs() < 1e-9, "{}", p.summary.q);
    assert!(p.summary.ci_lower > 0.0, "CI must exclude no effect");
    assert_eq!(levels(f), [0, 1, 0, 0, 0]);
    assert_eq!(certainty(f), Certainty::Moderate);
}

#[test]
fn imprecision_from_the_null_and_from_minimal_important_differences() {
    let text = "study,outcome_domain,yi,vi\nA,quality of life,0.10,0.02\nB,quality of life,-0.05,0.02\nC,quality of life,0.15,0.02\nD,quality of life,0.0,0.02\n";
    let ev = eval(text, "");
    let f = finding(&ev, "quality of life");
    let r = f.relative.as_ref().unwrap();
    assert!(r.ci_lower < 0.0 && r.ci_upper > 0.0);
    assert_eq!(levels(f), [0, 0, 1, 0, 0]);
    assert_eq!(certainty(f), Certainty::Moderate);
    // the estimate (0.05) is below Cohen's 0.2: little or no difference
    assert!((r.estimate - 0.05).abs() < 1e-9);
    assert_eq!(
        f.statement,
        "Peer support probably results in little to no difference in quality of life."
    );
    // a minimal important difference of 0.09 inside the CI on both sides: very serious, two levels
    let ev = eval(text, "[domains.\"quality of life\"]\nmid = 0.09\n");
    let f = finding(&ev, "quality of life");
    let r = f.relative.as_ref().unwrap();
    assert!(r.ci_lower < -0.09 && r.ci_upper > 0.09, "{r:?}");
    assert_eq!(levels(f), [0, 0, 2, 0, 0]);
    assert_eq!(certainty(f), Certainty::Low);
    assert_eq!(
        f.statement,
        "Peer support may result in little to no difference in quality of life."
    );
}

/// Three studies are enough for the OIS tests (the default `min_precise_studies` is 5).
const THREE_ARE_ENOUGH: &str = "[thresholds]\nmin_precise_studies = 3\n";

/// Standard normal quantiles (R: qnorm(0.975), qnorm(0.8)).
const Z975: f64 = 1.959_963_984_540_054;
const Z80: f64 = 0.841_621_233_572_914_3;

#[test]
fn optimal_information_size_not_met_is_serious_imprecision() {
    // every control arm 20/100 → control risk 0.2; 3 trials, 7 + 8 + 9 + 3·20 = 84 events
    let text = "study,outcome_domain,events_t,n_t,events_c,n_c\nA,service use,7,100,20,100\nB,service use,8,100,20,100\nC,service use,9,100,20,100\n";
    let ev = eval(text, THREE_ARE_ENOUGH);
    let f = finding(&ev, "service use");
    // by hand: p_t = 0.15; n = ⌈(z.975 + z.8)² (0.16 + 0.1275) / 0.05²⌉; events = n · 0.35
    let z = Z975 + Z80;
    let n = (z * z * (0.2 * 0.8 + 0.15 * 0.85) / (0.05 * 0.05)).ceil();
    assert_eq!(n, 903.0);
    let ois = f.information_size.as_ref().unwrap();
    assert_eq!(ois.participants_per_arm, n);
    assert!((ois.events_needed - n * 0.35).abs() < 1e-9);
    assert_eq!(ois.events, 84.0);
    let r = f.relative.as_ref().unwrap();
    assert!(r.ci_upper < 1.0, "the CI must exclude no effect: {r:?}");
    assert_eq!(levels(f), [0, 0, 1, 0, 0]);
    assert_eq!(certainty(f), Certainty::Moderate);
    // 10 times the trials' size: 840 events reach the OIS (316.05): not serious
    let big = "study,outcome_domain,events_t,n_t,events_c,n_c\nA,service use,70,1000,200,1000\nB,service use,80,1000,200,1000\nC,service use,90,1000,200,1000\n";
    let f = finding(&eval(big, THREE_ARE_ENOUGH), "service use").clone();
    assert_eq!(levels(&f), [0, 0, 0, 0, 0]);
}

#[test]
fn absolute_effects_per_1000_by_hand() {
    // control risks 0.2, 0.25, 0.25, 0.2: median 0.225
    let text = "study,outcome_domain,events_t,n_t,events_c,n_c,higher_is_better\nA,service use,10,100,20,100,false\nB,service use,15,120,30,120,false\nC,service use,12,90,25,100,false\nD,service use,30,200,40,200,false\n";
    let ev = eval(text, "");
    let f = finding(&ev, "service use");
    let r = f.relative.as_ref().unwrap();
    assert!(r.estimate < 1.0);
    let per1000 = |or: f64, cr: f64| 1000.0 * (or * cr / (1.0 - cr + or * cr) - cr);
    let a = f.absolute.as_ref().unwrap();
    assert!((a.control_risk - 0.225).abs() < 1e-12);
    assert!((a.control_per_1000 - 225.0).abs() < 1e-9);
    let d = per1000(r.estimate, 0.225);
    assert!(
        (a.difference_per_1000 - d).abs() < 1e-9,
        "{} vs {d}",
        a.difference_per_1000
    );
    assert!((a.treatment_per_1000 - (225.0 + d)).abs() < 1e-9);
    assert!((a.difference_lower - per1000(r.ci_lower, 0.225)).abs() < 1e-9);
    assert!((a.difference_upper - per1000(r.ci_upper, 0.225)).abs() < 1e-9);
    // a worked number: OR 0.5 at 0.225 is 1000 (0.1125 / 0.8875 − 0.225) = −98.24 per 1,000
    assert!((per1000(0.5, 0.225) - (1000.0 * (0.1125 / 0.8875 - 0.225))).abs() < 1e-12);
    // fewer admissions (lower is better) with a CI below 1: "reduces" (issue #27: the outcome's
    // direction, no longer "improves")
    assert_eq!(f.statement, "Peer support probably reduces service use.");
    // a control risk given in the options replaces the median
    let ev = eval(text, "[domains.\"service use\"]\ncontrol_risk = 0.1\n");
    let a = finding(&ev, "service use").absolute.clone().unwrap();
    assert_eq!(a.control_risk, 0.1);
    assert_eq!(a.control_risk_source, "given in the options");
    assert!((a.difference_per_1000 - per1000(r.estimate, 0.1)).abs() < 1e-9);
}

#[test]
fn publication_bias_from_egger_with_ten_effects_not_assessed_below() {
    // effects growing with their standard error (y = 0.1 + 1.5 se, small wobble): Egger p ≪ 0.10
    let mut text = String::from("study,outcome_domain,yi,sei\n");
    for i in 0..12 {
        let se = 0.05 + 0.04 * i as f64;
        let y = 0.1 + 1.5 * se + if i % 2 == 0 { 0.02 } else { -0.02 };
        text.push_str(&format!("S{i},social connection,{y},{se}\n"));
    }
    let ev = eval(&text, "");
    let f = finding(&ev, "social connection");
    let egger = ev.domains[0].bias.as_ref().unwrap().egger.p_value;
    assert!(egger < 0.10, "{egger}");
    assert_eq!(levels(f)[3], 1);
    // the same design with 9 effects: not assessed, and said so
    let nine: String = text.lines().take(10).map(|l| format!("{l}\n")).collect();
    let ev = eval(&nine, "");
    let c = finding(&ev, "social connection").certainty.clone().unwrap();
    let j = c
        .judgements
        .iter()
        .find(|j| j.criterion == Criterion::PublicationBias)
        .unwrap();
    assert!(!j.assessed);
    assert_eq!(j.levels, 0);
    assert!(j.reason.contains("fewer than 10 effects"), "{}", j.reason);
}

#[test]
fn an_override_is_reported_with_its_reason_and_the_rated_level_kept() {
    let opts = "[thresholds]\nmin_precise_studies = 4\n[domains.wellbeing]\ncertainty = \"very_low\"\nreason = \"assessors not blinded\"\n";
    let ev = eval(
        &four("wellbeing", "risk_of_bias", ["low", "low", "low", "low"]),
        opts,
    );
    let f = finding(&ev, "wellbeing");
    let c = f.certainty.as_ref().unwrap();
    assert_eq!(c.rated, Certainty::High);
    assert_eq!(c.certainty, Certainty::VeryLow);
    assert_eq!(
        c.user_override.as_ref().unwrap().reason,
        "assessors not blinded"
    );
    assert_eq!(
        f.statement,
        "The evidence is very uncertain about the effect of peer support on wellbeing."
    );
    let json: serde_json::Value =
        serde_json::from_str(&peerstat::report::json(&ev).unwrap()).unwrap();
    let sof = &json["summary_of_findings"][0];
    assert_eq!(sof["certainty"]["certainty"], "very_low");
    assert_eq!(sof["certainty"]["rated"], "high");
    assert_eq!(
        sof["certainty"]["override"]["reason"],
        "assessors not blinded"
    );
    let html = peerstat::report::html::report_html(&ev, &[]);
    let sof_at = html.find("Summary of findings").unwrap();
    assert!(sof_at < html.find("Summary by outcome domain").unwrap());
    assert!(html.contains("⊕◯◯◯ very low"));
    assert!(html.contains("set by the user"));
    assert!(html.contains("assessors not blinded"));
    // an override without a reason is refused; one naming no domain is reported as not used
    let e = OptionsFile::parse("[domains.wellbeing]\ncertainty = \"low\"\n", "o.toml").unwrap_err();
    assert!(e.to_string().contains("reason"), "{e}");
    let ev = eval(
        &four("wellbeing", "risk_of_bias", ["low"; 4]),
        "[domains.\"no such domain\"]\ncontrol_risk = 0.1\n",
    );
    assert!(ev
        .skipped
        .iter()
        .any(|s| s.section.contains("no such domain")));
}

#[test]
fn inconsistency_from_a_prediction_interval_crossing_no_effect() {
    // 20 effects of variance 0.04 spread around 0.25 with sample variance ≈ 0.07: by hand
    // Q ≈ 19 · 0.07 / 0.04 ≈ 33, (Q − df)/Q ≈ 0.43 < 0.5, so I² alone does not trip; τ² ≈ 0.03
    // makes the prediction interval ≈ 0.25 ± 2.1 · 0.19, across 0, while the CI ≈ 0.25 ± 0.12
    // is not
    let mut text = String::from("study,outcome_domain,yi,vi\n");
    for i in 0..20 {
        let z = peerstat::dist::norm_quantile((i as f64 + 0.5) / 20.0);
        text.push_str(&format!("S{i},wellbeing,{},0.04\n", 0.25 + 0.27 * z));
    }
    let ev = eval(&text, "");
    let s = &ev.domains[0].pooled.as_ref().unwrap().summary;
    assert!(s.i2 < 50.0, "{}", s.i2);
    assert!(s.ci_lower > 0.0 && s.pi_lower < 0.0, "{s:?}");
    let f = finding(&ev, "wellbeing");
    assert_eq!(levels(f), [0, 1, 0, 0, 0]);
    let c = f.certainty.as_ref().unwrap();
    assert!(c.judgements[1].reason.contains("prediction interval"));
    assert_eq!(certainty(f), Certainty::Moderate);
}

#[test]
fn a_single_study_is_not_rated_and_says_so() {
    let text = "study,outcome_domain,yi,vi\nA,wellbeing,0.3,0.01\nB,mental health,0.2,0.02\nC,mental health,0.4,0.02\nD,mental health,0.3,0.02\n";
    let ev = eval(text, "");
    let f = finding(&ev, "wellbeing");
    assert!(f.certainty.is_none() && f.relative.is_none());
    assert!(f
        .not_rated
        .as_ref()
        .unwrap()
        .contains("not pooled (1 study)"));
    assert_eq!(ev.summary_of_findings.len(), 2);
    assert!(finding(&ev, "mental health").certainty.is_some());
}

#[test]
fn odds_ratio_mids_are_ratios_and_mixed_directions_have_no_absolute_effect() {
    // CI of the OR about 0.25 to 0.49 with the OIS met: a MID of OR 1.25 (0.80 below 1) is
    // outside the CI, so not serious; a MID of 3 (0.33) is inside it: serious
    let big = "study,outcome_domain,events_t,n_t,events_c,n_c\nA,service use,70,1000,200,1000\nB,service use,80,1000,200,1000\nC,service use,90,1000,200,1000\n";
    let ev = eval(
        big,
        "[thresholds]\nmin_precise_studies = 3\n[domains.\"service use\"]\nmid = 1.25\n",
    );
    let f = finding(&ev, "service use");
    let r = f.relative.as_ref().unwrap();
    assert!(
        r.ci_upper < 0.8 && r.ci_lower < 1.0 / 3.0 && r.ci_upper > 1.0 / 3.0,
        "{r:?}"
    );
    assert_eq!(levels(f), [0, 0, 0, 0, 0]);
    let j = &f.certainty.as_ref().unwrap().judgements[2];
    assert!(j.reason.contains("0.80 / 1.25"), "{}", j.reason);
    let ev = eval(
        big,
        "[thresholds]\nmin_precise_studies = 3\n[domains.\"service use\"]\nmid = 3\n",
    );
    assert_eq!(levels(finding(&ev, "service use")), [0, 0, 1, 0, 0]);
    // a MID below 1 for odds ratios is refused
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "d.csv", big));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    let opts = EvaluateOptions {
        assume_higher_is_better: true,
        ..EvaluateOptions::default()
    }
    .with_file(
        OptionsFile::parse("[domains.\"service use\"]\nmid = 0.8\n", "o.toml").unwrap(),
        "o.toml",
    );
    let e = evaluate(&mut t, &Codebook::builtin(), &path, None, &opts).unwrap_err();
    assert!(e.to_string().contains("odds ratio above 1"), "{e}");
    // one outcome where fewer is better, one where more is: effects reversed, no single control
    // risk, so no absolute effect (and the reason given)
    let mixed = "study,outcome_domain,outcome,events_t,n_t,events_c,n_c,higher_is_better\nA,service use,admissions,10,100,20,100,false\nB,service use,admissions,12,100,22,100,false\nC,service use,discharged home,60,100,50,100,true\n";
    let f = finding(&eval(mixed, ""), "service use").clone();
    assert!(f.absolute.is_none());
    assert!(f
        .absolute_note
        .unwrap()
        .contains("mixes outcome directions"));
}

#[test]
fn without_a_mid_a_ci_spanning_appreciable_benefit_and_harm_is_very_serious() {
    // Two small trials pointing opposite ways: the (ad hoc KH, t on 1 df) CI spans -0.5 and 0.5.
    let text =
        "study,outcome_domain,yi,vi\nA,quality of life,0.30,0.02\nB,quality of life,-0.10,0.02\n";
    let ev = eval(text, "");
    let f = finding(&ev, "quality of life");
    let r = f.relative.as_ref().unwrap();
    assert!(r.ci_lower < -0.5 && r.ci_upper > 0.5, "{r:?}");
    assert_eq!(levels(f)[2], 2, "imprecision: {:?}", levels(f));
    // A narrower threshold set in the options file still counts both crossings; a wider one
    // that the CI does not reach leaves one level (it includes no effect).
    let ev = eval(text, "[thresholds]\nappreciable_smd = 50.0\n");
    assert_eq!(levels(finding(&ev, "quality of life"))[2], 1);
}
