//! `bias --fsn-type` (issue 28, item 6) against `fixtures/diag/fsn_types.json`, written by
//! `fixtures/diag/fsn_types.R`: the current metafor's fsn() formulas (Fisher, Stouffer, weighted
//! Orwin, Rosenberg, General) computed in R, checked there against metafor 3.8.1's fsn()
//! (Rosenthal, Rosenberg) and, with metafor 5's sources, against its own fsn().

mod common;

use std::path::Path;

use common::cli::{fixture, json_of};
use common::close;
use peerstat::data::{read_table, ColumnMap};
use peerstat::diag::{fail_safe, FsnType, FsnValue};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use serde_json::Value;

const REL: f64 = 1e-6;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/diag/fsn_types.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn effects(case: &Value) -> EffectSizes {
    let file = format!("fixtures/{}.csv", case["dataset"].as_str().unwrap());
    let t = read_table(Path::new(&file), &ColumnMap::new()).unwrap();
    let m: Measure = case["measure"].as_str().unwrap().parse().unwrap();
    EffectSizes::compute(&t, m, &EffectOptions::default()).unwrap()
}

const ALL: [FsnType; 7] = [
    FsnType::Rosenthal,
    FsnType::Fisher,
    FsnType::Stouffer,
    FsnType::Orwin,
    FsnType::OrwinWeighted,
    FsnType::Rosenberg,
    FsnType::General,
];

/// Checks one type: N exactly, the other values to 1e-6; returns (values checked, largest
/// relative difference).
fn check(what: &str, got: Option<FsnValue>, want: &Value) -> (usize, f64) {
    let got = got.unwrap_or_else(|| panic!("{what}: not computed"));
    assert_eq!(got.n, want["n"].as_f64().unwrap(), "{what}: N");
    let (mut n, mut worst) = (1, 0.0f64);
    for (key, x) in [
        ("p", got.p),
        ("estimate", got.estimate),
        ("target", got.target),
        ("tau2", got.tau2),
    ] {
        assert_eq!(x.is_some(), !want[key].is_null(), "{what} {key}");
        if let Some(x) = x {
            close(&format!("{what} {key}"), x, &want[key], REL, 1e-300);
            let w = want[key].as_f64().unwrap();
            worst = worst.max((x - w).abs() / w.abs());
            n += 1;
        }
    }
    (n, worst)
}

#[test]
fn fsn_types_match_metafor_formulas() {
    let r = reference();
    let cases = r["cases"].as_array().unwrap();
    let (mut n, mut worst) = (0, 0.0f64);
    for case in cases {
        let d = case["dataset"].as_str().unwrap();
        let es = effects(case);
        let f = fail_safe(&es, None)
            .unwrap()
            .with_types(&es, &ALL, None)
            .unwrap();
        assert_eq!(f.rosenthal, case["stouffer"]["n"].as_f64().unwrap(), "{d}");
        for (key, got) in [
            ("stouffer", f.stouffer),
            ("fisher", f.fisher),
            ("orwin_weighted", f.orwin_weighted),
            ("rosenberg", f.rosenberg),
            ("general", f.general),
        ] {
            let (c, w) = check(&format!("{d} {key}"), got, &case[key]);
            n += c;
            worst = worst.max(w);
        }
    }
    eprintln!("fsn_types: {n} values checked, largest relative difference {worst:e}");
    assert_eq!(cases.len(), 4);
    // per case: stouffer 2, fisher 2, orwin_weighted 3, rosenberg 3, general 4
    assert_eq!(n, 4 * 14);
}

#[test]
fn bias_command_reports_requested_types_only() {
    let r = reference();
    let want = &r["cases"][0];
    let j = json_of(&[
        "bias",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--fsn-type",
        "fisher",
        "--fsn-type",
        "general",
        "--format",
        "json",
    ]);
    let f = &j["fail_safe_n"];
    assert_eq!(f["fisher"]["n"].as_f64(), want["fisher"]["n"].as_f64());
    assert_eq!(f["general"]["n"].as_f64(), want["general"]["n"].as_f64());
    assert!(f.get("rosenberg").is_none() && f.get("orwin_weighted").is_none());
    // without --fsn-type the JSON is as before
    let j = json_of(&[
        "bias",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--format",
        "json",
    ]);
    let keys: Vec<&String> = j["fail_safe_n"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["rosenthal", "rosenthal_p", "orwin", "orwin_target"]);
}
