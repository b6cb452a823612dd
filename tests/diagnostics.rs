//! Publication bias, influence, cumulative, Mantel–Haenszel and Peto against metafor.
//!
//! Reference values: `fixtures/metafor/diagnostics.json`, written by
//! `fixtures/metafor/diagnostics.R` (metafor 3.8-1, tight convergence).

mod common;

use std::path::Path;

use peerstat::data::{read_table, ColumnMap, Table};
use peerstat::diag::{self, TrimFillEstimator};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::RandomEffects;
use serde_json::Value;

use common::close;

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string("fixtures/metafor/diagnostics.json").unwrap())
        .unwrap()
}

fn data(case: &Value) -> (Table, EffectSizes) {
    let ds = case["dataset"].as_str().unwrap();
    let t = read_table(Path::new(&format!("fixtures/{ds}.csv")), &ColumnMap::new()).unwrap();
    let m: Measure = case["measure"].as_str().unwrap().parse().unwrap();
    let es = EffectSizes::compute(&t, m, &EffectOptions::default()).unwrap();
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

const TOL: f64 = 1e-7;

#[test]
fn egger_matches_regtest() {
    let mut n = 0;
    for c in reference()["egger"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (_, es) = data(c);
        let e = diag::egger(
            &es,
            &model(c),
            if c["model"] == "lm" {
                diag::EggerModel::Classic
            } else {
                diag::EggerModel::Rma
            },
        )
        .unwrap();
        close(
            &format!("{id} statistic"),
            e.statistic,
            &c["statistic"],
            TOL,
            TOL * FLOOR,
        );
        close(
            &format!("{id} p"),
            e.p_value,
            &c["p_value"],
            TOL,
            TOL * FLOOR,
        );
        close(
            &format!("{id} slope"),
            e.slope,
            &c["slope"],
            TOL,
            TOL * FLOOR,
        );
        close(
            &format!("{id} limit"),
            e.limit_estimate,
            &c["limit_estimate"],
            TOL,
            TOL * FLOOR,
        );
        close(
            &format!("{id} limit lo"),
            e.limit_ci_lower,
            &c["limit_ci_lower"],
            TOL,
            TOL * FLOOR,
        );
        close(
            &format!("{id} limit hi"),
            e.limit_ci_upper,
            &c["limit_ci_upper"],
            TOL,
            TOL * FLOOR,
        );
        n += 1;
    }
    assert_eq!(n, 30, "every 'egger' case in diagnostics.json is checked");
}

#[test]
fn begg_matches_ranktest() {
    let mut n = 0;
    for c in reference()["begg"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (_, es) = data(c);
        let b = diag::begg(&es).unwrap();
        close(&format!("{id} tau"), b.tau, &c["tau"], 1e-12, 1e-12 * FLOOR);
        close(
            &format!("{id} p"),
            b.p_value,
            &c["p_value"],
            1e-10,
            1e-10 * FLOOR,
        );
        assert_eq!(b.exact, c["exact"].as_bool().unwrap());
        n += 1;
    }
    assert_eq!(n, 15, "every 'begg' case in diagnostics.json is checked");
}

#[test]
fn trimfill_matches_metafor() {
    let mut n = 0;
    for c in reference()["trimfill"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (_, es) = data(c);
        let est = if c["estimator"] == "R0" {
            TrimFillEstimator::R0
        } else {
            TrimFillEstimator::L0
        };
        let t = diag::trimfill(&es, &model(c), est, None).unwrap();
        assert_eq!(t.k0 as u64, c["k0"].as_u64().unwrap(), "{id}");
        assert_eq!(t.side, c["side"].as_str().unwrap(), "{id}");
        close(
            &format!("{id} k0_se"),
            t.k0_se,
            &c["k0_se"],
            1e-9,
            1e-9 * FLOOR,
        );
        for (what, got) in [
            ("estimate", t.est.estimate),
            ("se", t.est.se),
            ("ci_lower", t.est.ci_lower),
            ("ci_upper", t.est.ci_upper),
            ("tau2", t.tau2),
            ("p_value", t.est.p_value),
        ] {
            close(&format!("{id} {what}"), got, &c[what], TOL, TOL * FLOOR);
        }
        let filled = c["filled"].as_array().unwrap();
        assert_eq!(t.filled.len(), filled.len(), "{id}");
        for (g, w) in t.filled.iter().zip(filled) {
            close(&format!("{id} filled yi"), g.yi, &w["yi"], TOL, TOL * FLOOR);
            close(
                &format!("{id} filled vi"),
                g.vi,
                &w["vi"],
                1e-12,
                1e-12 * FLOOR,
            );
        }
        n += 1;
    }
    assert_eq!(
        n, 30,
        "every 'trimfill' case in diagnostics.json is checked"
    );
}

#[test]
fn fail_safe_n_matches_fsn() {
    let mut n = 0;
    for c in reference()["failsafe"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (_, es) = data(c);
        let f = diag::fail_safe(&es, None).unwrap();
        assert_eq!(f.rosenthal, c["rosenthal"].as_f64().unwrap(), "{id}");
        assert_eq!(f.orwin, c["orwin"].as_f64().unwrap(), "{id}");
        close(
            &format!("{id} p"),
            f.rosenthal_p,
            &c["rosenthal_p"],
            1e-8,
            1e-8 * FLOOR,
        );
        close(
            &format!("{id} target"),
            f.orwin_target,
            &c["orwin_target"],
            1e-12,
            1e-12 * FLOOR,
        );
        n += 1;
    }
    assert_eq!(n, 3, "every 'failsafe' case in diagnostics.json is checked");
}

#[test]
fn influence_matches_metafor() {
    let mut n = 0;
    for c in reference()["influence"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (_, es) = data(c);
        let inf = diag::influence(&es, &model(c)).unwrap();
        let want = c["studies"].as_array().unwrap();
        assert_eq!(inf.len(), want.len());
        for (g, w) in inf.iter().zip(want) {
            let sid = format!("{id} {}", g.study);
            for (what, got) in [
                ("leave1out_estimate", g.leave1out_estimate),
                ("leave1out_se", g.leave1out_se),
                ("leave1out_ci_lower", g.leave1out_ci_lower),
                ("leave1out_ci_upper", g.leave1out_ci_upper),
                ("leave1out_p_value", g.leave1out_p_value),
                ("leave1out_tau2", g.leave1out_tau2),
                ("rstudent", g.rstudent),
                ("dffits", g.dffits),
                ("cook_d", g.cook_d),
                ("cov_ratio", g.cov_ratio),
                ("dfbetas", g.dfbetas),
                ("tau2_deleted", g.tau2_deleted),
                ("qe_deleted", g.qe_deleted),
                ("hat", g.hat),
                ("weight", g.weight),
            ] {
                close(&format!("{sid} {what}"), got, &w[what], 1e-6, 1e-6 * FLOOR);
            }
            assert_eq!(g.influential, w["influential"].as_bool().unwrap(), "{sid}");
        }
        n += 1;
    }
    assert_eq!(
        n, 15,
        "every 'influence' case in diagnostics.json is checked"
    );
}

#[test]
fn cumulative_matches_cumul() {
    let mut n = 0;
    for c in reference()["cumulative"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (t, es) = data(c);
        let order: Option<Vec<f64>> = c["order_column"].as_str().map(|col| {
            let v = t.numeric(col, "").unwrap();
            es.rows().iter().map(|&r| v[r].unwrap()).collect()
        });
        let steps = diag::cumulative(&es, &model(c), order.as_deref()).unwrap();
        let want = c["steps"].as_array().unwrap();
        assert_eq!(steps.len(), want.len());
        for (g, w) in steps.iter().zip(want) {
            assert_eq!(g.study, w["study"].as_str().unwrap(), "{id}");
            let s = &g.summary;
            for (what, got) in [
                ("estimate", s.estimate),
                ("se", s.se),
                ("ci_lower", s.ci_lower),
                ("ci_upper", s.ci_upper),
                ("tau2", s.tau2),
                ("q", s.q),
                ("p_value", s.p_value),
            ] {
                close(
                    &format!("{id} step {} {what}", s.k),
                    got,
                    &w[what],
                    1e-6,
                    1e-6 * FLOOR,
                );
            }
        }
        n += 1;
    }
    assert_eq!(
        n, 25,
        "every 'cumulative' case in diagnostics.json is checked"
    );
}

#[test]
fn mantel_haenszel_and_peto_match_metafor() {
    let r = reference();
    let mut n = 0;
    for c in r["mh"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (t, _) = data(c);
        let m: Measure = c["measure"].as_str().unwrap().parse().unwrap();
        let f = diag::mantel_haenszel(&t, m, 95.0).unwrap();
        assert_eq!(f.k as u64, c["k"].as_u64().unwrap(), "{id}");
        assert_eq!(f.q_df as u64, c["q_df"].as_u64().unwrap(), "{id}");
        for (what, got) in [
            ("estimate", f.est.estimate),
            ("se", f.est.se),
            ("ci_lower", f.est.ci_lower),
            ("ci_upper", f.est.ci_upper),
            ("p_value", f.est.p_value),
            ("q", f.q),
            ("i2", f.i2),
            ("cmh", f.cmh),
            ("cmh_p", f.cmh_p),
        ] {
            close(&format!("{id} {what}"), got, &c[what], 1e-9, 1e-9 * FLOOR);
        }
        n += 1;
    }
    assert_eq!(n, 6, "every 'mh' case in diagnostics.json is checked");
    let mut n = 0;
    for c in r["peto"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let ds = c["dataset"].as_str().unwrap();
        let t = read_table(Path::new(&format!("fixtures/{ds}.csv")), &ColumnMap::new()).unwrap();
        let f = diag::peto(&t, 95.0).unwrap();
        for (what, got) in [
            ("estimate", f.est.estimate),
            ("se", f.est.se),
            ("ci_lower", f.est.ci_lower),
            ("ci_upper", f.est.ci_upper),
            ("p_value", f.est.p_value),
            ("q", f.q),
            ("i2", f.i2),
        ] {
            close(&format!("{id} {what}"), got, &c[what], 1e-9, 1e-9 * FLOOR);
        }
        n += 1;
    }
    assert_eq!(n, 2, "every 'peto' case in diagnostics.json is checked");
}

/// Published values (BCG, metafor documentation and Viechtbauer 2010).
#[test]
fn published_bcg_checks() {
    let t = read_table(Path::new("fixtures/bcg.csv"), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    let r4 = |x: f64| (x * 1e4).round() / 1e4;
    let b = diag::begg(&es).unwrap();
    assert_eq!((r4(b.tau), r4(b.p_value)), (0.0256, 0.9524));
    let tf = diag::trimfill(&es, &RandomEffects::new(), TrimFillEstimator::L0, None).unwrap();
    assert_eq!((tf.k0, tf.side.as_str()), (1, "right"));
    assert_eq!((r4(tf.est.estimate), r4(tf.est.se)), (-0.6571, 0.1785));
    assert_eq!(diag::fail_safe(&es, None).unwrap().rosenthal, 598.0);
    let mh = diag::mantel_haenszel(&t, Measure::Rr, 95.0).unwrap();
    assert_eq!(
        (
            r4(mh.est.estimate.exp()),
            r4(mh.est.ci_lower.exp()),
            r4(mh.est.ci_upper.exp())
        ),
        (0.6353, 0.5881, 0.6862)
    );
    let p = diag::peto(&t, 95.0).unwrap();
    assert_eq!(
        (
            r4(p.est.estimate.exp()),
            r4(p.est.ci_lower.exp()),
            r4(p.est.ci_upper.exp())
        ),
        (0.6222, 0.5746, 0.6738)
    );
}

#[test]
fn too_few_studies_is_a_clear_error() {
    let es = EffectSizes::from_slices(Measure::Gen, &[0.1, 0.2], &[0.01, 0.02]).unwrap();
    let e = diag::egger(&es, &RandomEffects::new(), diag::EggerModel::Rma)
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least 3 studies"), "{e}");
    assert!(diag::begg(&es).is_err());
    assert!(diag::trimfill(&es, &RandomEffects::new(), TrimFillEstimator::L0, None).is_err());
    assert!(diag::fail_safe(&es, None).is_ok());
}
