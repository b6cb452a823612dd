//! Multilevel models with variance components held at given values (`meta --random ...
//! --sigma2 'NA,0'`, metafor's `rma.mv(..., sigma2 = c(NA, 0))`).
//!
//! Reference values: `fixtures/metafor/multilevel_fixed.json`, written by
//! `fixtures/metafor/multilevel_fixed.R` (metafor 3.8-1, `rel.tol = 1e-12`).

mod common;

use std::path::Path;

use serde_json::Value;

use common::cli::*;
use common::close;

const TOL: f64 = 1e-6;

fn reference() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/metafor/multilevel_fixed.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn fixed_components_match_metafor() {
    let data = fixture("konstantopoulos2011.csv");
    let fits = reference()["fits"].as_array().unwrap().clone();
    assert_eq!(fits.len(), 2);
    for want in &fits {
        let arg = want["sigma2_arg"].as_str().unwrap();
        let got = meta_json(&[&data, "--random", "~ 1 | district/school", "--sigma2", arg]);
        for key in ["estimate", "se", "loglik", "qe"] {
            close(
                &format!("{arg} {key}"),
                num(&got, key),
                &want[key],
                TOL,
                TOL,
            );
        }
        let s2 = got["sigma2"].as_array().unwrap();
        for (l, w) in want["sigma2"].as_array().unwrap().iter().enumerate() {
            close(
                &format!("{arg} sigma2[{l}]"),
                s2[l].as_f64().unwrap(),
                w,
                TOL,
                TOL,
            );
        }
        // The held component is recorded, and exact.
        let held: Vec<Option<f64>> = arg.split(',').map(|p| p.parse::<f64>().ok()).collect();
        let rec: Vec<Option<f64>> = got["options"]["sigma2"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect();
        assert_eq!(rec, held);
        let flags: Vec<bool> = got["sigma2_fixed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        assert_eq!(flags, held.iter().map(Option::is_some).collect::<Vec<_>>());
        for (l, h) in held.iter().enumerate() {
            if let Some(h) = h {
                assert_eq!(s2[l].as_f64().unwrap(), *h);
            }
        }
    }
    // Without --sigma2 nothing is recorded.
    let free = meta_json(&[
        &data,
        "--random",
        "~ 1 | district/school",
        "--no-profile-ci",
    ]);
    assert!(free["options"]["sigma2"].is_null());
}

/// One effect per outer cluster with the inner component held at 0: the model is the
/// univariate random-effects model (REML), σ²₁ its τ².
#[test]
fn inner_held_at_zero_is_univariate() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(fixture("bcg_yi.csv")).unwrap();
    let mut csv = String::new();
    for (i, line) in src.lines().enumerate() {
        csv.push_str(line);
        csv.push_str(if i == 0 { ",esid\n" } else { ",1\n" });
    }
    let data = write_csv(&dir, "bcg_esid.csv", &csv);
    let ml = meta_json(&[&data, "--random", "~ 1 | study/esid", "--sigma2", "NA,0"]);
    let uni = meta_json(&[&data, "--method", "REML"]);
    let s2 = ml["sigma2"].as_array().unwrap();
    close(
        "sigma2[0]",
        s2[0].as_f64().unwrap(),
        &uni["tau2"],
        1e-8,
        1e-10,
    );
    assert_eq!(s2[1].as_f64(), Some(0.0));
    for key in ["estimate", "se", "q"] {
        close(key, num(&ml, key), &uni[key], 1e-8, 1e-10);
    }
    // Without the held component the two factors cannot be told apart.
    let res = run(&["meta", &data, "--random", "~ 1 | study/esid"]);
    assert_fails(&res, &["group the effects identically"]);
}

#[test]
fn bad_sigma2_is_refused_with_a_hint() {
    let data = fixture("konstantopoulos2011.csv");
    let random = "~ 1 | district/school";
    let res = run(&["meta", &data, "--random", random, "--sigma2", "NA"]);
    assert_fails(
        &res,
        &["1 fixed variance components given for 2", "--sigma2"],
    );
    let res = run(&["meta", &data, "--random", random, "--sigma2", "NA,-1"]);
    assert_fails(&res, &["finite and non-negative", "--sigma2"]);
    let res = run(&["meta", &data, "--random", random, "--sigma2", "NA,inf"]);
    assert_fails(&res, &["finite and non-negative", "--sigma2"]);
    let res = run(&["meta", &data, "--random", random, "--sigma2", "NA,x"]);
    assert_fails(&res, &["'x' is neither a number nor NA"]);
    // An empty entry is NA.
    let a = meta_json(&[
        &data,
        "--random",
        random,
        "--sigma2",
        ",0",
        "--no-profile-ci",
    ]);
    let b = meta_json(&[
        &data,
        "--random",
        random,
        "--sigma2",
        "NA,0",
        "--no-profile-ci",
    ]);
    assert_eq!(a["estimate"], b["estimate"]);
}
