//! The escalc measures of issue 28 (item 2) against metafor: `fixtures/measures/escalc_more.json`,
//! written by `fixtures/measures/escalc_more.R` (metafor 3.8.1's escalc, with the changes of the
//! current metafor applied by formula where it differs: SMD1H, CVR, ROMC, CVRC; each case names
//! its reference). Library on CSV with `--col`-style column maps, and the `effects` and `meta`
//! commands.

mod common;

use std::path::Path;

use common::cli::{fixture, json_of};
use common::close;
use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::RandomEffects;
use serde_json::Value;

/// escalc's yi and vi: 1e-10 relative (absolute floor 1e-15).
const ES_REL: f64 = 1e-10;
/// REML fits and back-transforms: 1e-6 relative (absolute floor 1e-9).
const FIT_REL: f64 = 1e-6;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/measures/escalc_more.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn column_map(case: &Value) -> ColumnMap {
    let mut map = ColumnMap::new();
    if let Some(cols) = case["columns"].as_object() {
        for (canonical, actual) in cols {
            map.insert(canonical, actual.as_str().unwrap());
        }
    }
    map
}

fn effects(case: &Value) -> EffectSizes {
    let measure: Measure = case["measure"].as_str().unwrap().parse().unwrap();
    let file = format!("fixtures/{}.csv", case["dataset"].as_str().unwrap());
    let t = read_table(Path::new(&file), &column_map(case)).unwrap();
    EffectSizes::compute(&t, measure, &EffectOptions::default()).unwrap()
}

/// Relative difference, as reported (absolute below 1e-15).
fn rel(got: f64, want: &Value) -> f64 {
    let w = want.as_f64().unwrap();
    (got - w).abs() / w.abs().max(1e-15)
}

#[test]
fn new_measures_match_metafor() {
    let r = reference();
    let cases = r["cases"].as_array().unwrap();
    let (mut n_es, mut n_fit, mut n_back) = (0, 0, 0);
    let (mut worst_es, mut worst_fit) = (0.0f64, 0.0f64);
    for case in cases {
        let m = case["measure"].as_str().unwrap();
        let es = effects(case);
        let (yi, vi) = (
            case["yi"].as_array().unwrap(),
            case["vi"].as_array().unwrap(),
        );
        assert_eq!(es.k(), yi.len(), "{m}: k");
        for i in 0..es.k() {
            close(&format!("{m} yi[{i}]"), es.yi()[i], &yi[i], ES_REL, 1e-15);
            close(&format!("{m} vi[{i}]"), es.vi()[i], &vi[i], ES_REL, 1e-15);
            worst_es = worst_es
                .max(rel(es.yi()[i], &yi[i]))
                .max(rel(es.vi()[i], &vi[i]));
            n_es += 2;
        }
        let fit = RandomEffects::new().fit(&es).unwrap();
        let s = &fit.summary;
        let want = &case["rma"];
        for (key, got) in [
            ("estimate", s.estimate),
            ("se", s.se),
            ("tau2", s.tau2),
            ("ci_lower", s.ci_lower),
            ("ci_upper", s.ci_upper),
            ("pi_lower", s.pi_lower),
            ("pi_upper", s.pi_upper),
        ] {
            close(&format!("{m} {key}"), got, &want[key], FIT_REL, 1e-9);
            if want[key].as_f64().unwrap().abs() > 1e-9 {
                worst_fit = worst_fit.max(rel(got, &want[key]));
            }
            n_fit += 1;
        }
        let back = &case["back"];
        assert_eq!(
            !back.is_null(),
            !fit.back.is_identity(),
            "{m}: back-transform"
        );
        if back.is_null() {
            continue;
        }
        for (key, x) in [
            ("estimate", s.estimate),
            ("ci_lower", s.ci_lower),
            ("ci_upper", s.ci_upper),
            ("pi_lower", s.pi_lower),
            ("pi_upper", s.pi_upper),
        ] {
            close(
                &format!("{m} exp {key}"),
                fit.back.apply(x),
                &back[key],
                FIT_REL,
                1e-9,
            );
            n_back += 1;
        }
    }
    eprintln!(
        "escalc_more: {n_es} yi/vi values (largest relative difference {worst_es:e}), \
         {n_fit} fit values ({worst_fit:e}), {n_back} back-transformed"
    );
    assert_eq!(cases.len(), 31);
    // 7 on bcg (13), 8 on normand1999 (9), UCOR (16), 2 on pritz1997 (14), 4 on nielweise2008
    // (9), 5 on normand1999 (9), 4 on morris2008 (10)
    assert_eq!(
        n_es,
        2 * (7 * 13 + 8 * 9 + 16 + 2 * 14 + 4 * 9 + 5 * 9 + 4 * 10)
    );
    assert_eq!(n_fit, 31 * 7);
    assert_eq!(n_back, 13 * 5);
    for m in Measure::ALL {
        if !matches!(
            m.code(),
            "SMD"
                | "MD"
                | "ROM"
                | "OR"
                | "RR"
                | "RD"
                | "SMDH"
                | "SMCC"
                | "SMCR"
                | "SMCRH"
                | "COR"
                | "ZCOR"
                | "PR"
                | "PLO"
                | "PFT"
                | "AS"
                | "IRR"
                | "IRD"
                | "IRSD"
                | "GEN"
        ) {
            assert!(
                cases.iter().any(|c| c["measure"] == m.code()),
                "no reference for {m}"
            );
        }
    }
}

#[test]
fn effects_and_meta_commands_take_the_new_measures() {
    let r = reference();
    let case = |m: &str| {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["measure"] == m)
            .unwrap()
            .clone()
    };
    let mut n = 0;
    for (file, measure, cols) in [
        ("bcg.csv", "PETO", vec![]),
        ("normand1999.csv", "CVR", vec![]),
        ("molloy2014.csv", "UCOR", vec![]),
        (
            "nielweise2008.csv",
            "IRLN",
            vec!["events=events_t", "person_time=person_time_t"],
        ),
        (
            "normand1999.csv",
            "SMN",
            vec!["mean=mean_t", "sd=sd_t", "n=n_t"],
        ),
        ("morris2008.csv", "ROMC", vec![]),
    ] {
        let f = fixture(file);
        let mut args = vec!["meta", f.as_str(), "--measure", measure, "--format", "json"];
        for c in &cols {
            args.push("--col");
            args.push(c);
        }
        let j = json_of(&args);
        assert_eq!(j["measure"], measure);
        let want = &case(measure)["rma"];
        for key in ["estimate", "se", "tau2"] {
            close(
                &format!("{measure} {key}"),
                j[key].as_f64().unwrap(),
                &want[key],
                FIT_REL,
                1e-9,
            );
            n += 1;
        }
    }
    assert_eq!(n, 18);
}

#[test]
fn bad_values_of_the_new_shapes_name_row_and_column() {
    use common::cli::{assert_fails, run, write_csv};
    let dir = tempfile::tempdir().unwrap();
    for (csv, measure, needles) in [
        (
            "study,mean,sd,n\nA,3,1,10\nB,-3,1,10\n",
            "MNLN",
            ["row 2", "'mean'", "positive mean"],
        ),
        (
            "study,mean,sd,n\nA,3,-1,10\n",
            "MN",
            ["row 1", "'sd'", "cannot be negative"],
        ),
        (
            "study,events,person_time\nA,3,0\n",
            "IR",
            ["row 1", "'person_time'", "must be positive"],
        ),
        (
            "study,mean_post,sd_post,mean_pre,sd_pre,n,ri\nA,3,1,-2,1,10,0.5\n",
            "ROMC",
            ["row 1", "'mean_pre'", "positive means"],
        ),
    ] {
        let f = write_csv(&dir, "bad.csv", csv);
        assert_fails(&run(&["meta", &f, "--measure", measure]), &needles);
    }
}
