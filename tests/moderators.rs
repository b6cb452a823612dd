//! Meta-regression, subgroups and permutation tests against metafor on dat.bcg.
//!
//! Reference values: `fixtures/metafor/moderators.json`, written by
//! `fixtures/metafor/moderators.R` (metafor 3.8-1, `threshold = 1e-10`, `tol = 1e-12`).

mod common;

use std::path::Path;

use peerstat::data::{read_table, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::regression::MetaRegression;
use peerstat::model::subgroup::subgroups;
use peerstat::model::{RandomEffects, Tau2Method};
use serde_json::Value;

use common::close;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/metafor/moderators.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn bcg() -> (Table, EffectSizes) {
    let t = read_table(Path::new("fixtures/bcg.csv"), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    (t, es)
}

fn model(case: &Value) -> RandomEffects {
    RandomEffects::new()
        .method(case["method"].as_str().unwrap().parse().unwrap())
        .knha(case["knha"].as_bool().unwrap())
}

/// Tolerances are relative for |reference| ≥ 1e-3 and absolute (`rel·1e-3`) below:
/// `close(.., rel, rel * FLOOR)`.
const FLOOR: f64 = 1e-3;

#[test]
fn meta_regression_matches_metafor() {
    let (t, es) = bcg();
    let r = reference();
    let cases = r["regression"].as_array().unwrap();
    assert_eq!(cases.len(), 72);
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let mods: Vec<String> = c["mods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        let m = model(c);
        let fit = MetaRegression::new(m)
            .fit_table(&t, &es, &mods, None)
            .unwrap();
        let g = &fit.regression;
        let tol = if m.get_method().is_iterative() {
            1e-7
        } else {
            1e-9
        };
        let want = c["coefficients"].as_array().unwrap();
        assert_eq!(g.coefficients.len(), want.len(), "{id}");
        for (gc, wc) in g.coefficients.iter().zip(want) {
            assert_eq!(gc.name, wc["name"].as_str().unwrap(), "{id}");
            for (what, got) in [
                ("estimate", gc.est.estimate),
                ("se", gc.est.se),
                ("statistic", gc.est.statistic),
                ("p_value", gc.est.p_value),
                ("ci_lower", gc.est.ci_lower),
                ("ci_upper", gc.est.ci_upper),
            ] {
                close(
                    &format!("{id} {} {what}", gc.name),
                    got,
                    &wc[what],
                    tol,
                    tol * FLOOR,
                );
            }
        }
        let rel = tol.max(1e-8);
        for (what, got) in [
            ("tau2", g.tau2),
            ("i2", g.i2),
            ("h2", g.h2),
            ("qe", g.qe),
            ("qe_p", g.qe_p),
            ("qm", g.qm),
            ("qm_p", g.qm_p),
            ("r2", g.r2),
            ("tau2_re", g.tau2_re),
            ("tau2_ci_lower", g.tau2_ci_lower),
        ] {
            close(&format!("{id} {what}"), got, &c[what], rel, rel * FLOOR);
        }
        if c["confint_ub_sign"].as_str() != Some(">") {
            close(
                &format!("{id} tau2_ci_upper"),
                g.tau2_ci_upper,
                &c["tau2_ci_upper"],
                1e-8,
                1e-8 * FLOOR,
            );
        }
        assert_eq!(g.qe_df as u64, c["qe_df"].as_u64().unwrap(), "{id}");
        assert_eq!(g.qm_df as u64, c["qm_df"].as_u64().unwrap(), "{id}");
    }
}

/// Published check (Viechtbauer 2010): BCG log RR ~ ablat, REML.
#[test]
fn bcg_ablat_published() {
    let (t, es) = bcg();
    let fit = MetaRegression::new(RandomEffects::new())
        .fit_table(&t, &es, &["ablat".to_string()], None)
        .unwrap();
    let g = fit.regression;
    assert_eq!(
        (g.coefficients[1].est.estimate * 1e4).round() / 1e4,
        -0.0291
    );
    assert_eq!((g.coefficients[1].est.se * 1e4).round() / 1e4, 0.0072);
    assert_eq!((g.qe * 1e4).round() / 1e4, 30.7331);
    assert_eq!(g.qe_df, 11);
    // The published QM(1) = 16.3571 and R² = 75.62 % came from metafor's default convergence
    // (|Δτ²| < 1e-5); converged to 1e-10 (as metafor with threshold = 1e-10) they are:
    assert!((g.qm - 16.358232139070683).abs() < 1e-6);
    assert!((g.r2 - 75.6260).abs() < 1e-2, "{}", g.r2);
}

#[test]
fn subgroups_match_metafor() {
    let (t, es) = bcg();
    let r = reference();
    let mut n = 0;
    for c in r["subgroups"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let m = model(c);
        let tol = if m.get_method().is_iterative() {
            1e-7
        } else {
            1e-9
        };
        let sg = subgroups(&t, &es, "alloc", &m, false).unwrap();
        let levels = c["levels"].as_array().unwrap();
        assert_eq!(sg.subgroups.len(), levels.len());
        for (g, w) in sg.subgroups.iter().zip(levels) {
            assert_eq!(g.level, w["level"].as_str().unwrap());
            let s = &g.fit.summary;
            for (what, got) in [
                ("estimate", s.estimate),
                ("se", s.se),
                ("ci_lower", s.ci_lower),
                ("ci_upper", s.ci_upper),
                ("p_value", s.p_value),
                ("tau2", s.tau2),
                ("i2", s.i2),
                ("q", s.q),
                ("pi_lower", s.pi_lower),
                ("pi_upper", s.pi_upper),
            ] {
                close(
                    &format!("{id} {} {what}", g.level),
                    got,
                    &w[what],
                    tol,
                    tol * FLOOR,
                );
            }
        }
        close(
            &format!("{id} test q"),
            sg.subgroup_test.q,
            &c["test"]["q"],
            tol,
            tol * FLOOR,
        );
        close(
            &format!("{id} test p"),
            sg.subgroup_test.p_value,
            &c["test"]["p_value"],
            tol,
            tol * FLOOR,
        );
        assert_eq!(
            sg.subgroup_test.df as u64,
            c["test"]["df"].as_u64().unwrap()
        );
        let tc = &c["test_common_tau2"];
        close(
            &format!("{id} common q"),
            sg.subgroup_test_common_tau2.q,
            &tc["q"],
            tol,
            tol * FLOOR,
        );
        close(
            &format!("{id} common p"),
            sg.subgroup_test_common_tau2.p_value,
            &tc["p_value"],
            tol,
            tol * FLOOR,
        );
        close(
            &format!("{id} common tau2"),
            sg.common_tau2,
            &c["common_tau2"]["tau2"],
            tol,
            tol * FLOOR,
        );
        // Per-level estimates with the common τ².
        let sgc = subgroups(&t, &es, "alloc", &m, true).unwrap();
        let levels = c["common_tau2"]["levels"].as_array().unwrap();
        assert_eq!(sgc.subgroups.len(), levels.len(), "{id}");
        for (g, w) in sgc.subgroups.iter().zip(levels) {
            close(
                &format!("{id} common estimate"),
                g.fit.summary.estimate,
                &w["estimate"],
                tol,
                tol * FLOOR,
            );
            close(
                &format!("{id} common se"),
                g.fit.summary.se,
                &w["se"],
                tol,
                tol * FLOOR,
            );
        }
        n += 1;
    }
    assert_eq!(n, 6, "every 'subgroups' case in moderators.json is checked");
}

#[test]
fn permutation_p_values_agree_with_metafor_within_monte_carlo_error() {
    let (t, es) = bcg();
    let r = reference();
    let mut n = 0;
    for c in r["permutest"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let mods: Vec<String> = c["mods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        let fit = MetaRegression::new(model(c))
            .fit_table(&t, &es, &mods, Some((2000, 7)))
            .unwrap();
        let p = fit.permutation.unwrap();
        assert_eq!(p.used, 2000);
        let want = c["p_values"].as_array().unwrap();
        assert_eq!(p.p_values.len(), want.len(), "{id}");
        for (got, want) in p.p_values.iter().zip(want) {
            let w = want.as_f64().unwrap();
            // 4 Monte Carlo SEs of a 2000-permutation p-value, plus metafor's own.
            let se = (w * (1.0 - w) / 2000.0).sqrt() + (w * (1.0 - w) / 10000.0).sqrt();
            assert!((got - w).abs() <= 4.0 * se + 1e-3, "{id}: {got} vs {w}");
        }
        n += 1;
    }
    assert_eq!(n, 4, "every 'permutest' case in moderators.json is checked");
}

#[test]
fn permutations_are_deterministic_for_a_seed() {
    let (t, es) = bcg();
    let mods = vec!["ablat".to_string()];
    let a = MetaRegression::new(RandomEffects::new().method(Tau2Method::Dl))
        .fit_table(&t, &es, &mods, Some((500, 3)))
        .unwrap();
    let b = MetaRegression::new(RandomEffects::new().method(Tau2Method::Dl))
        .fit_table(&t, &es, &mods, Some((500, 3)))
        .unwrap();
    assert_eq!(a.permutation, b.permutation);
    assert!(a.permutation.unwrap().p_values[1] < 0.05);
}

#[test]
fn bad_moderators_are_clear_errors() {
    let (t, es) = bcg();
    let m = MetaRegression::new(RandomEffects::new());
    let err = |mods: &[&str]| {
        let mods: Vec<String> = mods.iter().map(|s| s.to_string()).collect();
        m.fit_table(&t, &es, &mods, None).unwrap_err().to_string()
    };
    assert!(err(&["latitude"]).contains("missing column 'latitude'"));
    // trial is 1..13 (one per study): fine; but year and a copy are collinear
    let mut t2 = t.clone();
    let year = t.get("year").unwrap().clone();
    t2.push_column("year2", year).unwrap();
    let e = m
        .fit_table(&t2, &es, &["year".into(), "year2".into()], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("collinear") && e.contains("year2"), "{e}");
    let mut t3 = t.clone();
    t3.push_column("const", peerstat::data::Column::Float(vec![Some(1.0); 13]))
        .unwrap();
    let e = m
        .fit_table(&t3, &es, &["const".into()], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("constant"), "{e}");
    t3.push_column("none", peerstat::data::Column::Float(vec![None; 13]))
        .unwrap();
    let e = m
        .fit_table(&t3, &es, &["none".into()], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing for every study"), "{e}");
}

/// Robust variance estimation against robumeta 2.0 (`robu(modelweights = "CORR")`) on its
/// shipped example data `corrdat` (fixtures/corrdat.csv).
#[test]
fn rve_matches_robumeta() {
    use peerstat::model::rve::Rve;
    let t = read_table(Path::new("fixtures/corrdat.csv"), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
    let r = reference();
    let mut n = 0;
    for c in r["rve"].as_array().unwrap() {
        if c["modelweights"] != "CORR" {
            continue; // the hierarchical working model is not implemented
        }
        let id = c["id"].as_str().unwrap();
        let mods: Vec<String> = c["mods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        let fit = Rve::new(c["rho"].as_f64().unwrap(), 95.0)
            .unwrap()
            .small(c["small"].as_bool().unwrap())
            .fit_table(&t, &es, "study", &mods)
            .unwrap();
        assert_eq!(
            fit.clusters as u64,
            c["k_studies"].as_u64().unwrap(),
            "{id}"
        );
        assert_eq!(fit.effects as u64, c["n_effects"].as_u64().unwrap(), "{id}");
        close(
            &format!("{id} tau2"),
            fit.tau2,
            &c["tau2"],
            1e-9,
            1e-9 * FLOOR,
        );
        close(&format!("{id} i2"), fit.i2, &c["i2"], 1e-9, 1e-9 * FLOOR);
        let want = c["coefficients"].as_array().unwrap();
        assert_eq!(fit.coefficients.len(), want.len(), "{id}");
        for (g, w) in fit.coefficients.iter().zip(want) {
            for (what, got) in [
                ("estimate", g.est.estimate),
                ("se", g.est.se),
                ("statistic", g.est.statistic),
                ("df", g.df),
                ("p_value", g.est.p_value),
                ("ci_lower", g.est.ci_lower),
                ("ci_upper", g.est.ci_upper),
            ] {
                close(
                    &format!("{id} {} {what}", g.name),
                    got,
                    &w[what],
                    1e-8,
                    1e-8 * FLOOR,
                );
            }
        }
        n += 1;
    }
    assert_eq!(n, 4);
}
