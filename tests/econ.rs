//! Economic evaluation against reference values (`fixtures/econ/reference.json`, written by
//! `fixtures/econ/reference.R`: dampack's own test examples through a port of
//! `calculate_icers`, independent R code for PSA summaries, Fieller and INMB, systemfit 1.1-28 for
//! SUR, metafor 3.8-1 for pooling).

mod common;

use std::path::Path;

use peerstat::data::{read_table, ColumnMap};
use peerstat::econ::table::{analyse_table, CeaOptions, Shape};
use peerstat::econ::{fieller, FiellerKind, Status, Strategy, Timing};
use serde_json::Value;

use common::close;

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string("fixtures/econ/reference.json").unwrap()).unwrap()
}

fn table(name: &str) -> peerstat::data::Table {
    read_table(
        Path::new(&format!("fixtures/econ/{name}")),
        &ColumnMap::new(),
    )
    .unwrap()
}

/// Tolerances are relative for |reference| ≥ 1e-6 and absolute (`rel·1e-6`) below:
/// `close(.., rel, rel * FLOOR)`.
const FLOOR: f64 = 1e-6;

fn opts(wtp: &[f64]) -> CeaOptions {
    CeaOptions {
        wtp: wtp.to_vec(),
        level: 95.0,
        treatment: Some("peer".into()),
        control: Some("control".into()),
        ..CeaOptions::default()
    }
}

#[test]
fn frontiers_match_dampack() {
    let r = reference();
    let mut n = 0;
    for (name, case) in r["strategies"]["cases"].as_object().unwrap() {
        let t = table(case["file"].as_str().unwrap());
        let rep = analyse_table(&t, &CeaOptions::default()).unwrap();
        assert_eq!(rep.shape, Shape::Strategies);
        let f = rep.frontier.unwrap();
        let want = case["frontier"].as_array().unwrap();
        assert_eq!(f.len(), want.len(), "{name}");
        for (g, w) in f.iter().zip(want) {
            assert_eq!(g.strategy, w["strategy"].as_str().unwrap(), "{name}: order");
            assert_eq!(
                format!("{:?}", g.status),
                w["status"].as_str().unwrap(),
                "{name} {}",
                g.strategy
            );
            close(
                &format!("{name} {} icer", g.strategy),
                g.icer,
                &w["icer"],
                1e-12,
                1e-12 * FLOOR,
            );
            close(
                &format!("{name} {} inc_cost", g.strategy),
                g.inc_cost,
                &w["inc_cost"],
                1e-12,
                1e-12 * FLOOR,
            );
        }
        n += 1;
    }
    assert_eq!(n, 3, "every strategies case in reference.json is checked");
}

#[test]
fn psa_summaries_match() {
    let r = reference();
    let d = &r["draws"];
    let lambdas: Vec<f64> = d["per_lambda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["lambda"].as_f64().unwrap())
        .collect();
    let mut o = opts(&lambdas);
    o.reference = Some("usual care".into());
    let rep = analyse_table(&table("psa.csv"), &o).unwrap();
    let a = rep.draws.unwrap();
    assert_eq!(a.draws as u64, d["n_draws"].as_u64().unwrap());
    for (s, name) in a.strategies.iter().enumerate() {
        close(
            "mean cost",
            a.mean_cost[s],
            &d["mean_cost"][name],
            1e-12,
            1e-12 * FLOOR,
        );
        close(
            "mean effect",
            a.mean_effect[s],
            &d["mean_effect"][name],
            1e-12,
            1e-12 * FLOOR,
        );
    }
    let mut n = 0;
    for (g, w) in a.by_wtp.iter().zip(d["per_lambda"].as_array().unwrap()) {
        for (s, name) in a.strategies.iter().enumerate() {
            close(
                "nmb",
                g.nmb[s],
                &w["expected_nmb"][name],
                1e-10,
                1e-10 * FLOOR,
            );
            close(
                "p_best",
                g.p_best[s],
                &w["p_best"][name],
                1e-12,
                1e-12 * FLOOR,
            );
            if name != "usual care" {
                close(
                    "p_inmb",
                    g.p_inmb_positive[s],
                    &w["p_inmb_positive_vs_usual_care"][name],
                    1e-12,
                    1e-12 * FLOOR,
                );
            }
        }
        assert_eq!(g.ceaf_strategy, w["ceaf_strategy"].as_str().unwrap());
        close("evpi", g.evpi, &w["evpi"], 1e-8, 1e-8 * FLOOR);
        n += 1;
    }
    assert_eq!(n, 5, "every per_lambda case in reference.json is checked");
}

fn check_trial(t: &peerstat::econ::TrialResult, w: &Value) {
    close("dc", t.inc_cost, &w["delta_cost"], 1e-10, 1e-10 * FLOOR);
    close("de", t.inc_effect, &w["delta_effect"], 1e-10, 1e-10 * FLOOR);
    close("icer", t.icer, &w["icer"], 1e-10, 1e-10 * FLOOR);
    close(
        "var dc",
        t.variances.var_cost,
        &w["var_delta_cost"],
        1e-10,
        1e-10 * FLOOR,
    );
    close(
        "var de",
        t.variances.var_effect,
        &w["var_delta_effect"],
        1e-10,
        1e-10 * FLOOR,
    );
    close(
        "cov",
        t.variances.cov,
        &w["cov_delta"],
        1e-10,
        1e-10 * FLOOR,
    );
    assert_eq!(
        format!("{:?}", t.fieller.kind).to_lowercase(),
        w["fieller"]["kind"]
            .as_str()
            .unwrap()
            .replace([' ', '_'], "")
    );
    close(
        "fieller lo",
        t.fieller.lower,
        &w["fieller"]["lower"],
        1e-8,
        1e-8 * FLOOR,
    );
    close(
        "fieller hi",
        t.fieller.upper,
        &w["fieller"]["upper"],
        1e-8,
        1e-8 * FLOOR,
    );
    let mut n = 0;
    for (g, x) in t.inmb.iter().zip(w["inmb"].as_array().unwrap()) {
        close("inmb", g.estimate, &x["inmb"], 1e-10, 1e-10 * FLOOR);
        close("inmb se", g.se, &x["se"], 1e-10, 1e-10 * FLOOR);
        close("inmb lo", g.ci_lower, &x["ci_lower"], 1e-10, 1e-10 * FLOOR);
        n += 1;
    }
    assert_eq!(n, 3, "every inmb case in reference.json is checked");
}

#[test]
fn patients_and_arms_increments_fieller_inmb() {
    let r = reference();
    let wtp: Vec<f64> = r["patients"]["inmb"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["lambda"].as_f64().unwrap())
        .collect();
    let rep = analyse_table(&table("patients.csv"), &opts(&wtp)).unwrap();
    assert_eq!(rep.shape, Shape::Patients);
    check_trial(&rep.trial.unwrap(), &r["patients"]);
    let rep = analyse_table(&table("arms.csv"), &opts(&wtp)).unwrap();
    assert_eq!(rep.shape, Shape::Arms);
    check_trial(&rep.trial.unwrap(), &r["arms"]);
}

#[test]
fn sur_matches_systemfit() {
    let r = reference();
    let s = &r["patients"]["sur"]["main"];
    let mut o = opts(&[20000.0]);
    o.cost_covariates = vec!["age".into()];
    o.effect_covariates = vec!["baseline_utility".into()];
    let t = analyse_table(&table("patients.csv"), &o)
        .unwrap()
        .trial
        .unwrap();
    close("sur dc", t.inc_cost, &s["delta_cost"], 1e-9, 1e-9 * FLOOR);
    close(
        "sur de",
        t.inc_effect,
        &s["delta_effect"],
        1e-9,
        1e-9 * FLOOR,
    );
    close(
        "sur se dc",
        t.variances.var_cost.sqrt(),
        &s["se_delta_cost"],
        1e-8,
        1e-8 * FLOOR,
    );
    close(
        "sur se de",
        t.variances.var_effect.sqrt(),
        &s["se_delta_effect"],
        1e-8,
        1e-8 * FLOOR,
    );
    close(
        "sur cov",
        t.variances.cov,
        &s["cov_delta"],
        1e-8,
        1e-8 * FLOOR,
    );
    // unadjusted values kept
    let u = t.unadjusted.unwrap();
    close(
        "raw dc",
        u.inc_cost,
        &r["patients"]["delta_cost"],
        1e-10,
        1e-10 * FLOOR,
    );
    // Property: identical regressors in both equations give OLS estimates.
    let id = &r["patients"]["sur"]["identical_regressors"];
    o.effect_covariates = vec!["age".into()];
    let t = analyse_table(&table("patients.csv"), &o)
        .unwrap()
        .trial
        .unwrap();
    close(
        "identical dc",
        t.inc_cost,
        &id["delta_cost"],
        1e-9,
        1e-9 * FLOOR,
    );
    close(
        "identical de",
        t.inc_effect,
        &id["delta_effect"],
        1e-9,
        1e-9 * FLOOR,
    );
    let ols = &r["patients"]["sur"]["ols_identical_regressors"];
    let ols_arm = |eq: &str| {
        let names = ols[eq]["coef_names"]
            .as_array()
            .map(|a| a.to_vec())
            .unwrap_or_default();
        let pos = names
            .iter()
            .position(|n| n.as_str().is_some_and(|s| s.contains("peer")))
            .unwrap_or(1);
        ols[eq]["coef"][pos].clone()
    };
    close("ols dc", t.inc_cost, &ols_arm("cost"), 1e-9, 1e-9 * FLOOR);
    close(
        "ols de",
        t.inc_effect,
        &ols_arm("effect"),
        1e-9,
        1e-9 * FLOOR,
    );
}

#[test]
fn discounting_conventions() {
    let r = reference();
    let y = &r["patients"]["years"];
    let rate = y["rate"].as_f64().unwrap();
    for (timing, key) in [
        (Timing::Start, "start"),
        (Timing::End, "end"),
        (Timing::Continuous, "mid"),
    ] {
        let mut o = opts(&[20000.0]);
        o.discount_cost = rate;
        o.discount_effect = rate;
        o.timing = timing;
        let t = analyse_table(&table("patients_years.csv"), &o)
            .unwrap()
            .trial
            .unwrap();
        close(
            &format!("{key} dc"),
            t.inc_cost,
            &y["increments"][key]["delta_cost"],
            1e-10,
            1e-10 * FLOOR,
        );
        close(
            &format!("{key} de"),
            t.inc_effect,
            &y["increments"][key]["delta_effect"],
            1e-10,
            1e-10 * FLOOR,
        );
    }
}

#[test]
fn pooled_net_benefit_matches_metafor() {
    let r = reference();
    let p = &r["pooled"];
    let wtp: Vec<f64> = p["inmb"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["lambda"].as_f64().unwrap())
        .collect();
    let rep = analyse_table(&table("arms_multi.csv"), &opts(&wtp)).unwrap();
    let pooled = rep.pooled.unwrap();
    let check = |s: &peerstat::model::Summary, w: &Value, what: &str| {
        for (k, g) in [
            ("estimate", s.estimate),
            ("se", s.se),
            ("ci_lower", s.ci_lower),
            ("ci_upper", s.ci_upper),
            ("tau2", s.tau2),
            ("pi_lower", s.pi_lower),
            ("pi_upper", s.pi_upper),
        ] {
            close(&format!("{what} {k}"), g, &w[k], 1e-6, 1e-6 * FLOOR);
        }
    };
    check(&pooled.inc_cost, &p["delta_cost"]["pooled"], "dc");
    check(&pooled.inc_effect, &p["delta_effect"]["pooled"], "de");
    let mut n = 0;
    for (g, w) in pooled.by_wtp.iter().zip(p["inmb"].as_array().unwrap()) {
        check(&g.fit, &w["pooled"], "inmb");
        let yi = w["yi"].as_array().unwrap();
        assert_eq!(g.study_inmb.len(), yi.len());
        for (a, b) in g.study_inmb.iter().zip(yi) {
            close("study inmb", *a, b, 1e-10, 1e-10 * FLOOR);
        }
        n += 1;
    }
    assert_eq!(n, 2, "every pooled inmb case in reference.json is checked");
}

#[test]
fn fieller_shapes() {
    let r = reference();
    let mut n = 0;
    for (name, c) in r["fieller_cases"]["cases"].as_object().unwrap() {
        let f = fieller(
            c["delta_cost"].as_f64().unwrap(),
            c["delta_effect"].as_f64().unwrap(),
            c["var_delta_cost"].as_f64().unwrap(),
            c["var_delta_effect"].as_f64().unwrap(),
            c["cov"].as_f64().unwrap(),
            95.0,
        )
        .unwrap();
        let kind = match f.kind {
            FiellerKind::Bounded => "bounded",
            FiellerKind::TwoRays => "two_rays",
            FiellerKind::WholeLine => "whole_line",
        };
        assert_eq!(
            kind,
            c["kind"].as_str().unwrap().replace(' ', "_"),
            "{name}"
        );
        let lo = if c["lower"].is_null() {
            &c["lower_ray_end"]
        } else {
            &c["lower"]
        };
        let hi = if c["upper"].is_null() {
            &c["upper_ray_start"]
        } else {
            &c["upper"]
        };
        close(&format!("{name} lower"), f.lower, lo, 1e-8, 1e-8 * FLOOR);
        close(&format!("{name} upper"), f.upper, hi, 1e-8, 1e-8 * FLOOR);
        n += 1;
    }
    assert_eq!(n, 3, "every Fieller case in reference.json is checked");
}

#[test]
fn inmb_at_the_icer_is_zero_and_bootstrap_is_deterministic() {
    let t = table("patients.csv");
    let first = analyse_table(&t, &opts(&[20000.0])).unwrap().trial.unwrap();
    let at_icer = analyse_table(&t, &opts(&[first.icer]))
        .unwrap()
        .trial
        .unwrap();
    assert!(at_icer.inmb[0].estimate.abs() < 1e-8);
    let mut o = opts(&[20000.0, 30000.0]);
    o.boot = 400;
    o.seed = 9;
    let a = analyse_table(&t, &o).unwrap().trial.unwrap();
    let b = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| analyse_table(&t, &o).unwrap().trial.unwrap());
    assert_eq!(
        a.bootstrap, b.bootstrap,
        "same seed, different thread count"
    );
    let bs = a.bootstrap.unwrap();
    assert_eq!(bs.draws.len(), 400);
    assert!(
        bs.icer_interval == "bounded" && bs.icer_lower < first.icer && first.icer < bs.icer_upper
    );
}

#[test]
fn frontier_tie_rules_and_bad_input() {
    let s = vec![
        Strategy::new("A", 100.0, 1.0),
        Strategy::new("A2", 100.0, 1.0),
        Strategy::new("B", 200.0, 1.0),
    ];
    let f = peerstat::econ::frontier(&s).unwrap();
    assert_eq!(f[0].strategy, "A");
    assert!(
        f.iter().filter(|r| r.status == Status::D).count() == 2,
        "identical: keep the first; equal effect at higher cost: D"
    );
    assert!(peerstat::econ::frontier(&[]).is_err());
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        ("arm,n,mean_cost,sd_cost,mean_effect,sd_effect,corr\npeer,1,10,1,0.5,0.1,0.1\ncontrol,20,8,1,0.4,0.1,0.1\n", "n must be at least 2"),
        ("arm,n,mean_cost,sd_cost,mean_effect,sd_effect,corr\npeer,20,10,-1,0.5,0.1,0.1\ncontrol,20,8,1,0.4,0.1,0.1\n", "SD cannot be negative"),
        ("arm,n,mean_cost,sd_cost,mean_effect,sd_effect,corr\npeer,20,10,1,0.5,0.1,1.5\ncontrol,20,8,1,0.4,0.1,0.1\n", "correlation"),
        ("arm,n,mean_cost,sd_cost,mean_effect,sd_effect,corr\npeer,20,10,1,0.5,0.1,0.5\nother,20,8,1,0.4,0.1,0.1\n", "arm 'control' is not in the data"),
        ("id,arm,cost,effect\n1,peer,abc,0.5\n2,control,3,0.4\n", "row 1"),
    ];
    for (i, (csv, msg)) in bad.iter().enumerate() {
        let p = dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&p, csv).unwrap();
        let t = read_table(&p, &ColumnMap::new()).unwrap();
        let e = analyse_table(&t, &opts(&[20000.0]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(msg), "{e}");
    }
}
