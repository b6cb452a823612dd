//! Dependence-aware pooling in `evaluate` (issue #13 item 1): where studies contribute several
//! effects to a domain, the headline is the CHE model with CR2 inference — the same numbers as
//! `meta --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study` —
//! never the effects pooled as if independent.

mod common;

use std::path::PathBuf;

use common::cli::{meta_json, write_csv};
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation};
use peerstat::framework::Codebook;
use tempfile::TempDir;

/// Eight trials, five of them with two or three outcomes in the wellbeing domain.
const ROWS: [(&str, &str, f64, f64); 15] = [
    ("T1", "a", 0.42, 0.020),
    ("T1", "b", 0.31, 0.022),
    ("T1", "c", 0.55, 0.025),
    ("T2", "a", 0.10, 0.015),
    ("T2", "b", 0.05, 0.018),
    ("T3", "a", 0.61, 0.030),
    ("T4", "a", 0.25, 0.012),
    ("T4", "b", 0.33, 0.014),
    ("T5", "a", -0.05, 0.040),
    ("T6", "a", 0.48, 0.025),
    ("T6", "b", 0.39, 0.020),
    ("T6", "c", 0.70, 0.035),
    ("T7", "a", 0.15, 0.018),
    ("T8", "a", 0.28, 0.022),
    ("T8", "b", 0.12, 0.024),
];

fn framework_csv() -> String {
    let mut s = String::from("study,outcome_domain,outcome,yi,vi,higher_is_better\n");
    for (st, o, y, v) in ROWS {
        s += &format!("{st},wellbeing,{o},{y},{v},true\n");
    }
    s
}

fn meta_csv() -> String {
    let mut s = String::from("study,esid,yi,vi\n");
    for (i, (st, _, y, v)) in ROWS.iter().enumerate() {
        s += &format!("{st},{},{y},{v}\n", i + 1);
    }
    s
}

fn eval(dir: &TempDir, text: &str, rho: f64) -> Evaluation {
    let path = PathBuf::from(write_csv(dir, &format!("d{rho}.csv"), text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    let opts = EvaluateOptions {
        rho,
        ..EvaluateOptions::default()
    };
    evaluate(&mut t, &Codebook::builtin(), &path, None, &opts).unwrap()
}

#[track_caller]
fn same(what: &str, a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: {a} vs {b}"
    );
}

#[test]
fn the_headline_is_the_che_model_with_cr2_inference() {
    let dir = TempDir::new().unwrap();
    let ev = eval(&dir, &framework_csv(), 0.6);
    let d = &ev.domains[0];
    assert_eq!(d.studies, 8);
    assert_eq!(d.effects.len(), 15);
    let p = d.pooled.as_ref().unwrap();
    let dep = d.dependence.as_ref().expect("pooled as dependent effects");
    assert_eq!((dep.studies, dep.effects), (8, 15));
    let m = meta_json(&[
        &write_csv(&dir, "meta.csv", &meta_csv()),
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.6",
        "--robust",
        "study",
        "--no-profile-ci",
    ]);
    let r = &m["robust"]["coefficients"][0];
    let s = &p.summary;
    for (key, got) in [
        ("estimate", s.estimate),
        ("se", s.se),
        ("ci_lower", s.ci_lower),
        ("ci_upper", s.ci_upper),
        ("p_value", s.p_value),
    ] {
        same(key, got, r[key].as_f64().unwrap());
    }
    same("df", dep.robust_df, r["df"].as_f64().unwrap());
    let s2: Vec<f64> = m["sigma2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    same("sigma2 study", dep.sigma2[0], s2[0]);
    same("sigma2 effect", dep.sigma2[1], s2[1]);
    same(
        "model-based se",
        dep.model_based.se,
        m["se"].as_f64().unwrap(),
    );
    // Prediction interval: estimate ± t_df·√(SE² + σ²_study + σ²_effect).
    let t = peerstat::dist::t_quantile(0.975, dep.robust_df);
    let half = t * (p.summary.se.powi(2) + s2[0] + s2[1]).sqrt();
    same("pi_upper", p.summary.pi_upper, p.summary.estimate + half);
    // Weights: metafor's diag(W), in percent.
    let total: f64 = p.studies.iter().map(|s| s.weight).sum();
    same("weights sum", total, 100.0);
    // The words say studies and effects honestly.
    assert!(
        d.summary.contains("8 studies contribute 15 effects"),
        "{}",
        d.summary
    );
    // Pooling the effects as independent (REML + KH) would have given another answer.
    let naive = peerstat::model::RandomEffects::new()
        .knha(true)
        .fit_slices(
            &ROWS.iter().map(|r| r.2).collect::<Vec<_>>(),
            &ROWS.iter().map(|r| r.3).collect::<Vec<_>>(),
            &mut peerstat::model::Workspace::default(),
        )
        .unwrap();
    assert!(
        (naive.se - p.summary.se).abs() > 1e-4,
        "{} vs {}",
        naive.se,
        p.summary.se
    );
}

#[test]
fn the_rho_sweep_matches_refits_at_each_rho() {
    let dir = TempDir::new().unwrap();
    let base = eval(&dir, &framework_csv(), 0.6);
    let sweep = &base.domains[0].dependence.as_ref().unwrap().rho_sweep;
    assert_eq!(
        sweep.iter().map(|p| p.rho).collect::<Vec<_>>(),
        [0.2, 0.4, 0.6, 0.8]
    );
    let mut checked = 0;
    for p in sweep {
        let ev = eval(&dir, &framework_csv(), p.rho);
        let s = &ev.domains[0].pooled.as_ref().unwrap().summary;
        same("estimate", p.estimate, s.estimate);
        same("se", p.se, s.se);
        checked += 1;
    }
    assert_eq!(checked, 4);
    assert_eq!(base.options.rho, 0.6);
}

#[test]
fn one_effect_per_study_keeps_the_univariate_path() {
    let dir = TempDir::new().unwrap();
    let mut s = String::from("study,outcome_domain,yi,vi,higher_is_better\n");
    for (st, o, y, v) in ROWS {
        if o == "a" {
            s += &format!("{st},wellbeing,{y},{v},true\n");
        }
    }
    let ev = eval(&dir, &s, 0.6);
    let d = &ev.domains[0];
    assert!(d.dependence.is_none());
    let p = d.pooled.as_ref().unwrap();
    let y: Vec<f64> = ROWS.iter().filter(|r| r.1 == "a").map(|r| r.2).collect();
    let v: Vec<f64> = ROWS.iter().filter(|r| r.1 == "a").map(|r| r.3).collect();
    let uni = peerstat::model::RandomEffects::new()
        .knha(true)
        .fit_slices(&y, &v, &mut peerstat::model::Workspace::default())
        .unwrap();
    same("estimate", p.summary.estimate, uni.estimate);
    same("se", p.summary.se, uni.se);
}

#[test]
fn few_studies_never_get_a_narrower_se_than_the_model() {
    // Two trials with two effects each: CR2 on so few clusters is unreliable.
    let text = "study,outcome_domain,outcome,yi,vi,higher_is_better\n\
                A,wellbeing,a,0.50,0.02,true\nA,wellbeing,b,0.52,0.02,true\n\
                B,wellbeing,a,0.51,0.03,true\nB,wellbeing,b,0.49,0.03,true\n";
    let dir = TempDir::new().unwrap();
    let ev = eval(&dir, text, 0.6);
    let d = &ev.domains[0];
    let dep = d.dependence.as_ref().unwrap();
    assert!(dep.robust_df < 4.0, "{}", dep.robust_df);
    assert!(dep.few_df_guard);
    let s = &d.pooled.as_ref().unwrap().summary;
    assert!(
        s.se >= dep.model_based.se,
        "{} < {}",
        s.se,
        dep.model_based.se
    );
    let t = peerstat::dist::t_quantile(0.975, dep.robust_df);
    same("ci_upper", s.ci_upper, s.estimate + t * s.se);
    assert!(d.summary.contains("fewer than 4 df"), "{}", d.summary);
}

#[test]
fn map_cells_pool_dependent_effects_with_the_che_model() {
    let dir = TempDir::new().unwrap();
    let mut s = String::from("study,outcome_domain,activity,outcome,yi,vi,higher_is_better\n");
    for (st, o, y, v) in ROWS {
        s += &format!("{st},wellbeing,education,{o},{y},{v},true\n");
    }
    let path = PathBuf::from(write_csv(&dir, "map.csv", &s));
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
    assert_eq!(md.cells.len(), 1);
    let c = &md.cells[0];
    assert_eq!((c.k, c.effects), (8, 15));
    assert_eq!(c.model.as_deref(), Some("CHE (rho 0.6) + CR2"));
    // The same numbers as the evaluate headline (which equals meta's CHE + CR2).
    let ev = eval(&dir, &framework_csv(), 0.6);
    let p = &ev.domains[0].pooled.as_ref().unwrap().summary;
    same("estimate", c.estimate.unwrap(), p.estimate);
    same("ci_lower", c.ci_lower.unwrap(), p.ci_lower);
    same("ci_upper", c.ci_upper.unwrap(), p.ci_upper);
}

#[test]
fn subgroups_of_dependent_effects_use_the_che_model_and_the_htz_test() {
    let dir = TempDir::new().unwrap();
    // Mode: T1–T4 face to face, T5–T8 online.
    let mode = |st: &str| {
        if st < "T5" {
            "face to face"
        } else {
            "online"
        }
    };
    let mut f = String::from("study,outcome_domain,outcome,mode,yi,vi,higher_is_better\n");
    let mut m = String::from("study,esid,mode,yi,vi\n");
    for (i, (st, o, y, v)) in ROWS.iter().enumerate() {
        f += &format!("{st},wellbeing,{o},{},{y},{v},true\n", mode(st));
        m += &format!("{st},{},{},{y},{v}\n", i + 1, mode(st));
    }
    let ev = eval(&dir, &f, 0.6);
    let d = &ev.domains[0];
    let sg = d
        .subgroups
        .iter()
        .find(|s| s.by == "mode")
        .expect("subgroups by mode");
    let want = meta_json(&[
        &write_csv(&dir, "mode.csv", &m),
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.6",
        "--robust",
        "study",
        "--mods",
        "mode",
        "--no-profile-ci",
    ]);
    let htz = &want["robust"]["htz"];
    same("F", sg.subgroup_test.q, htz["f"].as_f64().unwrap());
    same("df2", sg.subgroup_test.df2, htz["df2"].as_f64().unwrap());
    same(
        "p",
        sg.subgroup_test.p_value,
        htz["p_value"].as_f64().unwrap(),
    );
    assert_eq!(sg.subgroup_test.df, 1);
    // Each level as the headline would pool it: face to face has several effects per study.
    assert_eq!(sg.subgroups.len(), 2);
    let ftf = &sg.subgroups[0];
    assert_eq!(ftf.level, "face to face");
    let mut g = String::from("study,outcome_domain,outcome,yi,vi,higher_is_better\n");
    for (st, o, y, v) in ROWS.iter().filter(|r| mode(r.0) == "face to face") {
        g += &format!("{st},wellbeing,{o},{y},{v},true\n");
    }
    let alone = eval(&dir, &g, 0.6);
    let p = &alone.domains[0].pooled.as_ref().unwrap().summary;
    same("level estimate", ftf.fit.summary.estimate, p.estimate);
    same("level se", ftf.fit.summary.se, p.se);
}

#[test]
fn the_duration_meta_regression_of_dependent_effects_is_che_with_cr2() {
    let dir = TempDir::new().unwrap();
    let dur = |st: &str| 3 * st[1..].parse::<usize>().unwrap();
    let mut f =
        String::from("study,outcome_domain,outcome,duration_months,yi,vi,higher_is_better\n");
    let mut m = String::from("study,esid,duration_months,yi,vi\n");
    for (i, (st, o, y, v)) in ROWS.iter().enumerate() {
        f += &format!("{st},wellbeing,{o},{},{y},{v},true\n", dur(st));
        m += &format!("{st},{},{},{y},{v}\n", i + 1, dur(st));
    }
    let ev = eval(&dir, &f, 0.6);
    let r = ev.domains[0]
        .duration
        .as_ref()
        .expect("duration regression");
    let want = meta_json(&[
        &write_csv(&dir, "dur.csv", &m),
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.6",
        "--robust",
        "study",
        "--mods",
        "duration_months",
        "--no-profile-ci",
    ]);
    let w = &want["robust"]["coefficients"][1];
    let c = &r.coefficients[1];
    same("slope", c.est.estimate, w["estimate"].as_f64().unwrap());
    same("slope se", c.est.se, w["se"].as_f64().unwrap());
    same("slope df", c.df.unwrap(), w["df"].as_f64().unwrap());
    same("slope p", c.est.p_value, w["p_value"].as_f64().unwrap());
    assert!(r.r2.is_nan());
}

#[test]
fn leave_one_out_leaves_out_whole_studies() {
    let dir = TempDir::new().unwrap();
    let ev = eval(&dir, &framework_csv(), 0.6);
    let [lo, hi] = ev.domains[0].sensitivity.leave_one_out_range.unwrap();
    // By hand: the CHE estimate without each trial in turn.
    let studies = ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"];
    let mut want = [f64::INFINITY, f64::NEG_INFINITY];
    for s in studies {
        let mut text = String::from("study,esid,yi,vi\n");
        for (i, (st, _, y, v)) in ROWS.iter().enumerate() {
            if *st != s {
                text += &format!("{st},{},{y},{v}\n", i + 1);
            }
        }
        let m = meta_json(&[
            &write_csv(&dir, &format!("loo{s}.csv"), &text),
            "--random",
            "~ 1 | study/esid",
            "--vcalc",
            "cluster=study,obs=esid,rho=0.6",
            "--no-profile-ci",
        ]);
        let e = m["estimate"].as_f64().unwrap();
        want = [want[0].min(e), want[1].max(e)];
    }
    same("lowest", lo, want[0]);
    same("highest", hi, want[1]);
}

#[test]
fn the_small_study_test_of_dependent_effects_is_the_egger_sandwich() {
    let dir = TempDir::new().unwrap();
    let ev = eval(&dir, &framework_csv(), 0.6);
    let d = &ev.domains[0];
    assert!(d.bias.is_some(), "15 effects: bias checks run");
    let r = d
        .small_study_dependent
        .as_ref()
        .expect("Egger sandwich test");
    let mut m = String::from("study,esid,se_i,yi,vi\n");
    for (i, (st, _, y, v)) in ROWS.iter().enumerate() {
        m += &format!("{st},{},{},{y},{v}\n", i + 1, v.sqrt());
    }
    let want = meta_json(&[
        &write_csv(&dir, "egger.csv", &m),
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.6",
        "--robust",
        "study",
        "--mods",
        "se_i",
        "--no-profile-ci",
    ]);
    let w = &want["robust"]["coefficients"][1];
    same(
        "slope",
        r.coefficients[1].est.estimate,
        w["estimate"].as_f64().unwrap(),
    );
    same(
        "p",
        r.coefficients[1].est.p_value,
        w["p_value"].as_f64().unwrap(),
    );
    // The certainty rating reads it, not Egger's test of independent effects.
    let f = ev
        .summary_of_findings
        .iter()
        .find(|f| f.domain == "wellbeing")
        .unwrap();
    let why = serde_json::to_string(&f).unwrap();
    assert!(why.contains("Egger sandwich"), "{why}");
}
