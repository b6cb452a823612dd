//! Agreement with metafor on real published datasets.
//!
//! Reference values: `fixtures/metafor/reference.json`, written by `fixtures/metafor/reference.R`
//! (metafor 3.8-1 on R 4.2.2, `control = list(threshold = 1e-10, tol = 1e-12)`), for every
//! dataset × measure × τ² method × {z, Knapp–Hartung}.

mod common;

use std::path::Path;

use peerstat::data::{read_table, Column, ColumnMap, Table};
use peerstat::effect::{AddTo, EffectOptions, EffectSizes, Measure};
use peerstat::model::{RandomEffects, Tau2Method};
use serde_json::Value;

use common::close;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/metafor/reference.json").expect("reference.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Loads a fixture in the canonical schema; `ext` is "csv" or "parquet".
fn dataset(name: &str, inputs: &Value, ext: &str) -> Table {
    let path = format!("fixtures/{name}.{ext}");
    let mut t = read_table(Path::new(&path), &ColumnMap::new()).expect("fixture reads");
    // gibson2002's binary outcome gives non-events (bi, di) rather than group sizes.
    if inputs.get("bi").is_some() {
        let mut map = ColumnMap::new();
        for (arm, ev, non) in [("n_t", "events_t", "bi"), ("n_c", "events_c", "di")] {
            let e = t.numeric(ev, "").unwrap();
            let b = t.numeric(non, "").unwrap();
            let n = e.iter().zip(&b).map(|(e, b)| Some((*e)? + (*b)?)).collect();
            let name = format!("{arm}_binary");
            t.push_column(&name, Column::Float(n)).unwrap();
            map.insert(arm, &name);
        }
        t = t.with_map(map);
    }
    t
}

fn options(v: &Value) -> EffectOptions {
    let mut o = EffectOptions::default();
    if v.is_null() {
        return o;
    }
    if let Some(s) = v.get("vtype").and_then(Value::as_str) {
        o.vtype = s.parse().unwrap();
    }
    if let Some(a) = v.get("add").and_then(Value::as_f64) {
        o.add = a;
    }
    if let Some(s) = v.get("to").and_then(Value::as_str) {
        o.to = s.parse::<AddTo>().unwrap();
    }
    if let Some(b) = v.get("drop00").and_then(Value::as_bool) {
        o.drop00 = b;
    }
    o
}

/// Tolerances are relative for |reference| ≥ 1e-3 and absolute (`rel·1e-3`) below:
/// `close(.., rel, rel * FLOOR)`.
const FLOOR: f64 = 1e-3;

#[test]
fn escalc_matches_metafor() {
    let r = reference();
    let (mut cases, mut n) = (0, 0);
    for e in r["escalc"].as_array().unwrap() {
        let ds = e["dataset"].as_str().unwrap();
        let measure: Measure = e["measure"].as_str().unwrap().parse().unwrap();
        let t = dataset(ds, &e["inputs"], "csv");
        let es = EffectSizes::compute(&t, measure, &options(&e["options"])).unwrap();
        let (Column::Float(y), Column::Float(v)) = es.by_row() else {
            panic!()
        };
        let id = format!("escalc {ds} {measure} {}", e["options"]);
        for (i, (wy, wv)) in e["yi"]
            .as_array()
            .unwrap()
            .iter()
            .zip(e["vi"].as_array().unwrap())
            .enumerate()
        {
            match (wy.as_f64(), wv.as_f64()) {
                (Some(wy), Some(wv)) if wv > 0.0 => {
                    let (gy, gv) = (y[i].expect(&id), v[i].expect(&id));
                    close(
                        &format!("{id} row {} yi", i + 1),
                        gy,
                        &wy.into(),
                        1e-10,
                        1e-10 * FLOOR,
                    );
                    close(
                        &format!("{id} row {} vi", i + 1),
                        gv,
                        &wv.into(),
                        1e-10,
                        1e-10 * FLOOR,
                    );
                    n += 1;
                }
                // metafor: NA (missing data, drop00, undefined) or zero variance → omitted here
                _ => assert!(y[i].is_none(), "{id} row {}: should be omitted", i + 1),
            }
        }
        cases += 1;
    }
    assert!(n > 200, "compared {n} effect sizes");
    assert_eq!(cases, 22, "every escalc case in reference.json is checked");
    assert_eq!(
        n, 536,
        "every finite effect size in reference.json is checked"
    );
}

fn check_fits(ext: &str, filter: impl Fn(&Value) -> bool) -> usize {
    let r = reference();
    let mut n = 0;
    for f in r["fits"].as_array().unwrap().iter().filter(|f| filter(f)) {
        let id = f["id"].as_str().unwrap().to_string();
        let ds = f["dataset"].as_str().unwrap();
        let measure: Measure = f["measure"].as_str().unwrap().parse().unwrap();
        let method: Tau2Method = f["method"].as_str().unwrap().parse().unwrap();
        let t = dataset(ds, &f["inputs"], ext);
        let es = EffectSizes::compute(&t, measure, &options(&f["escalc_options"])).unwrap();
        let omitted: Vec<u64> = es.omitted().iter().map(|o| o.row as u64).collect();
        let want: Vec<u64> = f["omitted_rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert_eq!(omitted, want, "{id}: omitted rows");
        let model = RandomEffects::new()
            .method(method)
            .knha(f["knha"].as_bool().unwrap())
            .level(f["level"].as_f64().unwrap())
            .unwrap();
        let fit = model.fit(&es).unwrap();
        let s = &fit.summary;
        assert_eq!(s.k as u64, f["k"].as_u64().unwrap(), "{id}: k");
        // Closed-form estimators agree to rounding; iterative ones to their convergence.
        let tol = if method.is_iterative() { 1e-8 } else { 1e-10 };
        let qp_tol = 1e-8; // Q-profile roots (metafor's uniroot tol = 1e-12)
        for (name, got, t) in [
            ("estimate", s.estimate, tol),
            ("se", s.se, tol),
            ("ci_lower", s.ci_lower, tol),
            ("ci_upper", s.ci_upper, tol),
            ("statistic", s.statistic, tol),
            ("p_value", s.p_value, 1e-8),
            ("tau2", s.tau2, tol),
            ("i2", s.i2, tol),
            ("h2", s.h2, tol),
            ("q", s.q, 1e-10),
            ("q_p", s.q_p, 1e-8),
            ("pi_lower", s.pi_lower, tol),
            ("pi_upper", s.pi_upper, tol),
            ("tau2_ci_lower", s.tau2_ci_lower, qp_tol),
            ("i2_ci_lower", s.i2_ci_lower, qp_tol),
            ("h2_ci_lower", s.h2_ci_lower, qp_tol),
        ] {
            close(&format!("{id} {name}"), got, &f[name], t, t * FLOOR);
        }
        // metafor caps the upper limit at tau2.max (sign ">"); peerstat finds the real root.
        if f["confint_ub_sign"].as_str() != Some(">") {
            close(
                &format!("{id} tau2_ci_upper"),
                s.tau2_ci_upper,
                &f["tau2_ci_upper"],
                qp_tol,
                qp_tol * FLOOR,
            );
            close(
                &format!("{id} i2_ci_upper"),
                s.i2_ci_upper,
                &f["i2_ci_upper"],
                qp_tol,
                qp_tol * FLOOR,
            );
            close(
                &format!("{id} h2_ci_upper"),
                s.h2_ci_upper,
                &f["h2_ci_upper"],
                qp_tol,
                qp_tol * FLOOR,
            );
        } else {
            assert!(
                s.tau2_ci_upper > f["tau2_ci_upper"].as_f64().unwrap(),
                "{id}"
            );
        }
        // τ = √τ²: near τ² = 0 the convergence threshold (1e-10 on τ²) allows ~1e-5 in τ.
        close(&format!("{id} tau"), s.tau, &f["tau"], tol, 2e-5);
        assert_eq!(s.q_df as u64, f["q_df"].as_u64().unwrap(), "{id}: q_df");
        let w = f["weights"].as_array().unwrap();
        assert_eq!(w.len(), fit.studies.len(), "{id}: weights");
        for (st, w) in fit.studies.iter().zip(w) {
            close(&format!("{id} weight"), st.weight, w, tol, tol * FLOOR);
        }
        n += 1;
    }
    n
}

#[test]
fn fits_match_metafor_csv() {
    let n = check_fits("csv", |_| true);
    assert_eq!(n, 222, "every reference fit is checked");
}

#[test]
fn fits_match_metafor_parquet() {
    // Same values whether the data arrive as CSV or Parquet.
    let n = check_fits("parquet", |f| f["method"] == "REML" || f["method"] == "DL");
    assert!(n >= 48);
    assert_eq!(n, 54, "every REML and DL fit in reference.json is checked");
}

/// Published values (Viechtbauer 2010, metafor documentation): BCG log RR, REML.
#[test]
fn bcg_published_check() {
    let t = read_table(Path::new("fixtures/bcg.parquet"), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    let fit = RandomEffects::new().fit(&es).unwrap();
    let s = fit.summary;
    let r4 = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(r4(s.estimate), -0.7145);
    assert_eq!(r4(s.se), 0.1798);
    assert_eq!(r4(s.tau2), 0.3132);
    assert_eq!(r4(s.tau2_ci_lower), 0.1197);
    assert_eq!(r4(s.tau2_ci_upper), 1.1115);
    assert_eq!((s.i2 * 100.0).round() / 100.0, 92.22);
    assert_eq!(s.q_df, 12);
    assert_eq!(r4(s.q), 152.2330);
}
