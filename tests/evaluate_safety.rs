//! `evaluate` safeguards (issue #13, items 2, 3, 5 in part, 7): explicit outcome direction and
//! natural orientation, small-k handling (no pooling of one study, ad hoc Knapp–Hartung for two),
//! symmetric wording, partial coding and the accounting of rows not used. Each test builds a
//! small dataset for its defect.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{run, write_csv};
use common::{close, fixtures};
use peerstat::data::{read_table, ColumnMap};
use peerstat::error::Setting;
use peerstat::framework::evaluate::{
    evaluate, DirectionSource, EvaluateOptions, Evaluation, OptionsFile, Orientation,
};
use peerstat::framework::Codebook;
use peerstat::Error;
use tempfile::TempDir;

/// Evaluates the CSV `text` with `opts`.
fn eval_csv(text: &str, opts: &EvaluateOptions) -> Result<Evaluation, Error> {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "data.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    evaluate(&mut t, &Codebook::builtin(), &path, None, opts)
}

fn assume() -> EvaluateOptions {
    EvaluateOptions {
        assume_higher_is_better: true,
        ..EvaluateOptions::default()
    }
}

/// PHQ-9 (continuous, lower is better) and A&E attendances (binary, lower is better), no
/// direction column.
const NO_DIRECTION: &str = "\
study,outcome_domain,outcome,n_t,mean_t,sd_t,n_c,mean_c,sd_c,events_t,events_c
A,mental health,PHQ-9,50,8.0,4,50,9.5,4,,
B,mental health,PHQ-9,60,7.5,4,60,8.6,4,,
C,mental health,PHQ-9,40,9.0,5,40,9.8,5,,
D,service use,A&E attendances,100,,,100,,,12,20
E,service use,A&E attendances,120,,,120,,,15,24
F,service use,A&E attendances,80,,,80,,,10,15
";

#[test]
fn a_missing_direction_is_one_error_listing_every_outcome() {
    let e = eval_csv(NO_DIRECTION, &EvaluateOptions::default()).unwrap_err();
    let Error::Setting { setting, message } = &e else {
        panic!("expected a direction error, got {e}");
    };
    assert_eq!(*setting, Setting::Direction);
    assert!(message.contains("2 outcomes"), "{message}");
    assert!(message.contains("'PHQ-9' (rows 1, 2, 3)"), "{message}");
    assert!(
        message.contains("'A&E attendances' (rows 4, 5, 6)"),
        "{message}"
    );
    // the CLI: exit 2 and a hint naming both remedies
    let dir = TempDir::new().unwrap();
    let input = write_csv(&dir, "d.csv", NO_DIRECTION);
    let out = dir.path().join("r");
    let (code, _, err) = run(&["evaluate", &input, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--assume-higher-is-better"), "{err}");
    assert!(err.contains("--options"), "{err}");
}

#[test]
fn the_assumption_and_per_outcome_directions_are_recorded() {
    let ev = eval_csv(NO_DIRECTION, &assume()).unwrap();
    assert!(ev.options.assume_higher_is_better);
    assert_eq!(ev.directions.len(), 2);
    assert!(ev
        .directions
        .iter()
        .all(|d| d.source == DirectionSource::Assumed && d.higher_is_better));
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(
        html.contains("assumed higher-is-better"),
        "report prints it"
    );
    let json = peerstat::report::json(&ev).unwrap();
    assert!(json.contains("\"assume_higher_is_better\": true"), "{json}");

    // per outcome in an options file: both lower is better, natural orientation kept
    let f = OptionsFile::parse(
        "[higher_is_better]\n\"PHQ-9\" = false\n\"A&E attendances\" = false\n",
        "o.toml",
    )
    .unwrap();
    let ev = eval_csv(
        NO_DIRECTION,
        &EvaluateOptions::default().with_file(f, "o.toml"),
    )
    .unwrap();
    assert_eq!(ev.directions.len(), 2);
    for d in &ev.directions {
        assert_eq!(d.source, DirectionSource::Options);
        assert!(!d.higher_is_better);
        assert_eq!(d.rows, 3);
    }
    let mh = &ev.domains[0];
    assert_eq!(mh.domain, "mental health");
    assert_eq!(mh.orientation, Orientation::LowerIsBetter);
    let p = mh.pooled.as_ref().unwrap();
    // lower PHQ-9 with peer support: g < 0, said in the outcome's direction (issue #27: was
    // "improved mental health")
    assert!(p.summary.estimate < 0.0);
    assert!(mh.summary.contains("reduces PHQ-9"), "{}", mh.summary);
    assert!(
        mh.meaning.contains("negative values favour"),
        "{}",
        mh.meaning
    );
}

#[test]
fn ratios_stay_in_their_natural_orientation() {
    let text = "study,outcome_domain,outcome,higher_is_better,n_t,n_c,events_t,events_c\n\
                D,service use,admissions,false,100,100,12,20\n\
                E,service use,admissions,false,120,120,15,24\n\
                F,service use,admissions,false,80,80,10,15\n";
    let ev = eval_csv(text, &EvaluateOptions::default()).unwrap();
    let d = &ev.domains[0];
    assert_eq!(d.orientation, Orientation::LowerIsBetter);
    let s = &d.pooled.as_ref().unwrap().summary;
    // fewer admissions: OR below 1 (before: reversed to look like OR > 1)
    let or = s.estimate.exp();
    assert!(or < 1.0 && or > 0.4, "{or}");
    // each table's own OR is below 1: (12*80)/(88*20) = 0.545...
    assert!((d.effects[0].yi.exp() - 960.0 / 1760.0).abs() < 1e-12);
    assert!(
        d.summary.contains(&format!("OR = {or:.2}")),
        "{}",
        d.summary
    );
    assert!(
        d.meaning.contains("below 1 favour peer support"),
        "{}",
        d.meaning
    );
    // a domain mixing directions is reversed to positive = benefit, and says so
    let mixed = format!("{text}G,service use,attended appointments,true,90,90,50,40\n");
    let ev = eval_csv(&mixed, &EvaluateOptions::default()).unwrap();
    let d = &ev.domains[0];
    assert_eq!(
        d.orientation,
        Orientation::PositiveIsBenefit { reversed: 3 }
    );
    assert!(d.pooled.as_ref().unwrap().summary.estimate > 0.0);
    assert!(d
        .meaning
        .contains("3 effects where lower is better were reversed"));
}

#[test]
fn one_study_is_shown_not_pooled() {
    // one trial, two effects: no pooling inside a single study
    let text = "study,outcome_domain,yi,vi,higher_is_better\n\
                Solo,wellbeing,0.31,0.02,true\n\
                Solo,wellbeing,0.25,0.03,true\n\
                A,mental health,0.2,0.02,true\n\
                B,mental health,0.3,0.03,true\n\
                C,mental health,0.4,0.025,true\n";
    let ev = eval_csv(text, &EvaluateOptions::default()).unwrap();
    let w = ev.domains.iter().find(|d| d.domain == "wellbeing").unwrap();
    assert!(w.pooled.is_none());
    assert!(w.forest.is_none());
    assert_eq!(w.effects.len(), 2);
    assert_eq!(w.effects[0].row, 1);
    // 0.31 ± 1.959964 * sqrt(0.02)
    assert!((w.effects[0].ci_lower - (0.31 - 1.959963984540054 * 0.02f64.sqrt())).abs() < 1e-12);
    assert!(
        w.summary
            .starts_with("Only 1 trial measured wellbeing (Solo)"),
        "{}",
        w.summary
    );
    assert!(w.summary.contains("nothing is pooled"));
    assert!(w
        .skipped
        .iter()
        .any(|s| s.section.starts_with("pooled effect")));
    let json: serde_json::Value =
        serde_json::from_str(&peerstat::report::json(&ev).unwrap()).unwrap();
    let jw = json["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == "wellbeing")
        .unwrap();
    assert!(jw["pooled"].is_null());
    let svgs = peerstat::report::evaluation::svgs(&ev);
    assert_eq!(svgs.len(), 1, "a forest plot for mental health only");
    let html = peerstat::report::html::report_html(&ev, &svgs);
    assert!(html.contains("<em>not pooled</em>"));
    assert!(
        html.contains("0.31 [0.03, 0.59]"),
        "the study itself is shown"
    );
}

#[test]
fn two_studies_use_ad_hoc_knapp_hartung() {
    let r = fixtures::reference("evaluate_safety.json");
    let text = "study,outcome_domain,yi,vi,higher_is_better\n\
                A,wellbeing,0.30,0.01,true\n\
                B,wellbeing,0.32,0.02,true\n";
    let ev = eval_csv(text, &EvaluateOptions::default()).unwrap();
    let d = &ev.domains[0];
    assert!(d.adhoc_knha);
    assert!(d.small_k_warning.as_deref().unwrap().contains("ad hoc"));
    let s = &d.pooled.as_ref().unwrap().summary;
    for (what, got, key) in [
        ("estimate", s.estimate, "estimate"),
        ("se", s.se, "se"),
        ("ci_lb", s.ci_lower, "ci_lb"),
        ("ci_ub", s.ci_upper, "ci_ub"),
        ("pi_lb", s.pi_lower, "pi_lb"),
        ("pi_ub", s.pi_upper, "pi_ub"),
        ("pval", s.p_value, "pval"),
    ] {
        close(what, got, &r["adhoc"][key], 1e-6, 1e-9);
    }
    // by hand: tau^2 = 0, Wald SE = 1/sqrt(1/0.01 + 1/0.02) = 1/sqrt(150); plain KH would give
    // 0.00943 (a CI narrower than either study's)
    let wald = 1.0 / 150f64.sqrt();
    assert!((s.se - wald).abs() < 1e-12, "{}", s.se);
    assert!(r["knha"]["se"].as_f64().unwrap() < wald);
    let json = peerstat::report::json(&ev).unwrap();
    assert!(json.contains("\"adhoc_knha\": true"));
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("(ad hoc KH)"));
    // three studies: plain Knapp-Hartung
    let three = format!("{text}C,wellbeing,0.28,0.015,true\n");
    let ev = eval_csv(&three, &EvaluateOptions::default()).unwrap();
    assert!(!ev.domains[0].adhoc_knha);
}

#[test]
fn tau2_zero_from_few_studies_is_not_read_as_certainty() {
    let text = "study,outcome_domain,yi,vi,higher_is_better\n\
                A,wellbeing,0.30,0.01,true\n\
                B,wellbeing,0.32,0.02,true\n\
                C,wellbeing,0.28,0.015,true\n";
    let ev = eval_csv(text, &EvaluateOptions::default()).unwrap();
    let d = &ev.domains[0];
    assert_eq!(d.pooled.as_ref().unwrap().summary.tau2, 0.0);
    assert!(
        d.summary.contains("heterogeneity cannot be ruled out"),
        "{}",
        d.summary
    );
    assert!(d.caveats.iter().any(|c| c.contains("cannot be ruled out")));
    // the threshold comes from the options file
    let f = OptionsFile::parse("[thresholds]\ntau2_zero_caveat_below = 3\n", "o").unwrap();
    let ev = eval_csv(text, &EvaluateOptions::default().with_file(f, "o")).unwrap();
    assert!(!ev.domains[0].summary.contains("cannot be ruled out"));
    assert_eq!(ev.options.thresholds.tau2_zero_caveat_below, 3);
    assert!(OptionsFile::parse("{\"thresholds\": {\"min_studies_to_pool\": 1}}", "o").is_err());
    assert!(OptionsFile::parse("[thresholds]\nno_such = 3\n", "o").is_err());
}

/// The summary of `yi` (three studies, vi 0.01, higher is better).
fn summary_of(yi: [f64; 3]) -> String {
    let text = format!(
        "study,outcome_domain,yi,vi,higher_is_better\nA,wellbeing,{},0.01,true\nB,wellbeing,{},0.012,true\nC,wellbeing,{},0.015,true\n",
        yi[0], yi[1], yi[2]
    );
    eval_csv(&text, &EvaluateOptions::default())
        .unwrap()
        .domains[0]
        .summary
        .clone()
}

#[test]
fn wording_is_symmetric_above_and_below_the_null() {
    let mirror = |s: &str| {
        s.replace("improved", "@")
            .replace("worsened", "improved")
            .replace('@', "worsened")
            .replace("improvement", "@")
            .replace("worsening", "improvement")
            .replace('@', "worsening")
            .replace("improves", "@")
            .replace("worsens", "improves")
            .replace('@', "worsens")
            .replace("g = -", "g = ")
    };
    let mut checked = 0;
    for yi in [[0.30, 0.35, 0.40], [0.05, -0.02, 0.08]] {
        let up = summary_of(yi);
        let down = summary_of(yi.map(|y| -y));
        assert_ne!(up, down);
        // the same sentence with the direction words swapped (numbers aside)
        let words = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_ascii_digit() && !matches!(c, '-' | '.'))
                .collect()
        };
        assert_eq!(words(&mirror(&down)), words(&up), "{up} / {down}");
        checked += 1;
    }
    assert_eq!(checked, 2);
    // issue #27: GRADE's informative statements, so an estimate below the trivial threshold
    // (SMD 0.2) reads "little to no difference" on both sides (was "may have improved" /
    // "may have worsened")
    assert!(summary_of([0.05, -0.02, 0.08]).contains("little to no difference in wellbeing"));
    assert!(summary_of([-0.05, 0.02, -0.08]).contains("little to no difference in wellbeing"));
    assert!(summary_of([0.30, 0.35, 0.40]).contains("improves wellbeing slightly"));
    assert!(summary_of([-0.30, -0.35, -0.40]).contains("worsens wellbeing slightly"));
}

#[test]
fn a_partially_coded_dataset_gives_a_full_report() {
    // only study, effect data (with direction) and outcome domain
    let dir = TempDir::new().unwrap();
    let input = write_csv(
        &dir,
        "p.csv",
        "study,outcome_domain,yi,vi,higher_is_better\n\
         A,wellbeing,0.30,0.01,true\nB,wellbeing,0.10,0.02,true\nC,wellbeing,0.45,0.015,true\n\
         D,mental health,0.2,0.02,true\nE,mental health,0.1,0.03,true\n",
    );
    let out = dir.path().join("r");
    let (code, so, err) = run(&["evaluate", &input, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{so}{err}");
    for f in [
        "index.html",
        "results.json",
        "egm.html",
        "forest_1.svg",
        "forest_2.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let w = &json["domains"][1];
    assert_eq!(w["domain"], "wellbeing");
    let sections: Vec<(&str, &str)> = w["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["section"].as_str().unwrap(),
                s["reason"].as_str().unwrap(),
            )
        })
        .collect();
    let reason = |prefix: &str| {
        sections
            .iter()
            .find(|s| s.0.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}: {sections:?}"))
            .1
    };
    assert!(reason("subgroups by").contains("not coded"));
    assert!(sections.iter().any(|s| s.0.starts_with("subgroups by ")
        && s.0.contains("activity")
        && s.0.contains("mode")));
    assert!(reason("sensitivity: low risk of bias only").contains("not coded"));
    assert_eq!(reason("meta-regression"), "no duration_months column");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("not coded in these data"));
    // the map falls back to the studies as rows
    let egm = std::fs::read_to_string(out.join("egm.html")).unwrap();
    assert!(egm.contains("\"rows_label\":\"study\""), "map rows");
}

#[test]
fn every_row_not_used_is_listed_with_its_reason() {
    let text = "study,outcome_domain,yi,vi,sei,higher_is_better\n\
                A,wellbeing,0.30,0.01,,true\n\
                B,wellbeing,0.10,0.02,,true\n\
                C,wellbeing,0.45,,,true\n\
                D,wellbeing,0.2,0.02,,true\n\
                E,wellbeing,,,,true\n\
                F,,0.3,0.01,,true\n";
    let ev = eval_csv(text, &EvaluateOptions::default()).unwrap();
    let got: Vec<(usize, &str, &str)> = ev
        .rows_not_used
        .iter()
        .map(|r| (r.row, r.study.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "C", "missing variance (yi without vi, sei, a CI in ci_lower and ci_upper, or a p-value in pval)"),
            (5, "E", "no effect data"),
            (6, "F", "no outcome domain"),
        ]
    );
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("Rows not used (3)"));
    assert!(html.contains("<td>3</td><td>C</td><td>missing variance (yi without vi, sei, a CI in ci_lower and ci_upper, or a p-value in pval)</td>"));
}

#[test]
fn validation_reports_every_problem_at_once() {
    let text = "study,outcome_domain,mode,yi,vi,higher_is_better\n\
                A,wellbeing,by pigeon,0.30,0.01,true\n\
                B,wellbeing,online,0.10,0.02,true\n\
                C,welbeing,online,0.45,0.01,true\n";
    let e = eval_csv(text, &EvaluateOptions::default()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("2 values do not fit the codebook"), "{m}");
    assert!(m.contains("row 1, column 'mode': 'by pigeon'"), "{m}");
    assert!(
        m.contains("row 3, column 'outcome_domain': 'welbeing'"),
        "{m}"
    );
}

#[test]
fn subgroup_levels_with_one_study_are_not_tested() {
    let text = "study,outcome_domain,mode,yi,vi,higher_is_better\n\
                A,wellbeing,online,0.30,0.01,true\n\
                B,wellbeing,online,0.10,0.02,true\n\
                C,wellbeing,telephone,0.45,0.01,true\n\
                D,wellbeing,telephone,0.40,0.02,true\n\
                E,wellbeing,face to face,0.2,0.02,true\n";
    let ev = eval_csv(text, &EvaluateOptions::default()).unwrap();
    let d = &ev.domains[0];
    assert_eq!(d.subgroups.len(), 1);
    let levels: Vec<&str> = d.subgroups[0]
        .subgroups
        .iter()
        .map(|g| g.level.as_str())
        .collect();
    assert_eq!(levels, ["online", "telephone"]);
    assert_eq!(d.subgroups[0].subgroup_test.df, 1);
    assert!(d.skipped.iter().any(
        |s| s.section.contains("fewer than 2 studies") && s.reason.contains("face to face (1)")
    ));
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("Exploratory: 1 test of subgroup differences"));
}

#[test]
fn the_demo_keeps_working() {
    let p = Path::new("seeds/demo.parquet");
    let mut t = read_table(p, &ColumnMap::new()).unwrap();
    let ev = evaluate(
        &mut t,
        &Codebook::builtin(),
        p,
        None,
        &EvaluateOptions::default(),
    )
    .unwrap();
    assert_eq!(ev.domains.len(), 8);
    assert!(ev
        .directions
        .iter()
        .all(|d| d.source == DirectionSource::Data));
    let su = ev
        .domains
        .iter()
        .find(|d| d.domain == "service use")
        .unwrap();
    assert_eq!(su.orientation, Orientation::LowerIsBetter);
    assert!(
        su.pooled.as_ref().unwrap().summary.estimate < 0.0,
        "fewer admissions: OR < 1"
    );
    // the duration meta-regression at small k carries a caution (quality of life: 9 effects against usual care)
    let qol = ev
        .domains
        .iter()
        .find(|d| d.domain == "quality of life")
        .unwrap();
    assert_eq!(qol.effects.len(), 9);
    assert!(qol.duration.is_some());
    let html = peerstat::report::html::report_html(&ev, &[]);
    // 9 effects in 8 studies: the CHE meta-regression reports no R², so no R² caution follows
    // (issue #27: "no R² for dependent effects" followed by "R² is unreliable" was a slip)
    assert!(html.contains("no R² for dependent effects"));
    assert!(!html.contains("with k = 9 R² is unreliable"));
    // service use: robust variance estimation shown as an odds ratio too
    let rve = &su.rve.as_ref().unwrap().coefficients[0].est;
    assert!(html.contains(&format!(
        "OR {:.2} [{:.2}, {:.2}]",
        rve.estimate.exp(),
        rve.ci_lower.exp(),
        rve.ci_upper.exp()
    )));
    // service use subgroups are shown as odds ratios (each level's OR, not its log)
    let sg = &su.subgroups[0].subgroups[0].fit.summary;
    assert!(html.contains(&format!(
        "{:.2} [{:.2}, {:.2}]",
        sg.estimate.exp(),
        sg.ci_lower.exp(),
        sg.ci_upper.exp()
    )));
}

#[test]
fn a_map_cell_never_pools_inside_one_study() {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(
        &dir,
        "m.csv",
        "study,outcome_domain,activity,yi,vi,higher_is_better\n\
         Solo,wellbeing,social support,0.59,0.0219,true\n\
         Solo,wellbeing,social support,0.03,0.02,true\n\
         A,mental health,social support,0.2,0.02,true\n\
         B,mental health,social support,0.3,0.03,true\n",
    ));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    let cb = Codebook::builtin();
    cb.validate(&mut t).unwrap();
    let opts = EvaluateOptions::default();
    let dirs = peerstat::framework::evaluate::map_directions(&t, &opts).unwrap();
    let effects = peerstat::framework::evaluate::map_effects(&t, &dirs).unwrap();
    let md = peerstat::framework::map::map_data(
        &t,
        &cb,
        "activity",
        "outcome_domain",
        None,
        &effects,
        0.6,
    )
    .unwrap();
    let cell = |c: &str| md.cells.iter().find(|x| x.col == c).unwrap();
    let solo = cell("wellbeing");
    assert_eq!(solo.k, 1);
    assert!(solo.estimate.is_none());
    assert_eq!(
        solo.note.as_deref(),
        Some("not pooled: the 2 effects come from one study")
    );
    // two studies: pooled with ad hoc KH, SE never below the Wald SE 1/sqrt(1/0.02 + 1/0.03)
    let two = cell("mental health");
    let wald = 1.0 / (1.0f64 / 0.02 + 1.0 / 0.03).sqrt();
    let half = (two.ci_upper.unwrap() - two.ci_lower.unwrap()) / 2.0;
    assert!(half >= 12.7062047361747 * wald * (1.0 - 1e-9), "{half}");
}
