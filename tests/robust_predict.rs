//! Predictions at moderator values with cluster-robust inference (`meta --robust … --newmods`)
//! use the robust covariance and its df and say so, as metafor's `predict()` on a `robust()` fit.
//!
//! Reference values: `fixtures/metafor/robust_predict.json`, written by
//! `fixtures/metafor/robust_predict.R` (metafor 3.8-1, clubSandwich 0.5.8; dat.bcg, log RR,
//! `mods = ~ ablat + year`, each trial its own cluster, REML with tight convergence).

mod common;

use common::cli::{fixture, meta_json, run};
use common::close;
use serde_json::Value;

const REL: f64 = 1e-6;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/metafor/robust_predict.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `meta` on bcg with `mods = ~ ablat + year` at `newmods`, robust by trial as `kind` ("model":
/// no robust inference).
fn args(kind: &str, newmods: &str) -> Vec<String> {
    let mut a: Vec<String> = [
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--mods",
        "ablat,year",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(["--newmods".into(), newmods.into()]);
    if kind != "model" {
        a.extend([
            "--robust".into(),
            "trial".into(),
            "--robust-type".into(),
            kind.into(),
        ]);
    }
    a
}

#[test]
fn robust_predictions_agree_with_metafor_and_clubsandwich() {
    let r = reference();
    let mut checked = 0;
    for case in r["cases"].as_array().unwrap() {
        let kind = case["type"].as_str().unwrap();
        let at: Vec<String> = case["newmods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap().to_string())
            .collect();
        let a = args(kind, &at.join(","));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let j = meta_json(&a);
        let p = &j["prediction"];
        let what = format!("{kind} at {at:?}");
        for key in ["pred", "se", "ci_lower", "ci_upper", "pi_lower", "pi_upper"] {
            close(
                &format!("{what}: {key}"),
                p[key].as_f64().unwrap(),
                &case[key],
                REL,
                REL,
            );
        }
        match kind {
            "model" => assert!(j.get("prediction_covariance").is_none(), "{what}"),
            _ => {
                close(
                    &format!("{what}: df"),
                    p["df"].as_f64().unwrap(),
                    &case["df"],
                    REL,
                    REL,
                );
                let how = j["prediction_covariance"].as_str().unwrap();
                assert!(
                    how.contains(&format!("cluster-robust {kind}")),
                    "{what}: {how}"
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
}

#[test]
fn the_printout_says_which_covariance_the_prediction_used() {
    let a = args("CR2", "30,1970");
    let mut all = vec!["meta"];
    all.extend(a.iter().map(String::as_str));
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    // metafor: predict(robust(fit, cluster = trial, clubSandwich = TRUE), newmods = c(30, 1970))
    assert!(out.contains("CI [-0.9318, -0.3241]"), "{out}");
    assert!(
        out.contains("(CI and prediction interval from the cluster-robust CR2 covariance"),
        "{out}"
    );
    let plain = args("model", "30,1970");
    let mut all = vec!["meta"];
    all.extend(plain.iter().map(String::as_str));
    let (_, out, _) = run(&all);
    assert!(
        out.contains("CI [-0.8686, -0.3873]") && !out.contains("cluster-robust CR2 covariance"),
        "{out}"
    );
}
