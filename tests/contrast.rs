//! `meta --contrast` and the `vcov` key against metafor 3.8.1's `anova(fit, X = …)` and
//! `vcov(fit)`, for meta-regressions (z and Knapp–Hartung) and a multilevel model (t).
//!
//! Reference values: `fixtures/inference/contrast.json`, written by
//! `fixtures/inference/contrast.R` (metafor 3.8.1, tight control) on dat.bcg and
//! dat.konstantopoulos2011 (year centred at 1980, `fixtures/inference/konstantopoulos2011_c.csv`).

mod common;

use serde_json::Value;

use common::cli::{fixture, meta_json, run};
use common::close;

const REL: f64 = 1e-6;

fn reference() -> Value {
    let text = std::fs::read_to_string(fixture("inference/contrast.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn contrasts_and_vcov_equal_metafor() {
    let r = reference();
    let cases = r["cases"].as_array().unwrap();
    let mut checked = 0;
    for c in cases {
        let id = c["name"].as_str().unwrap();
        let mut args = vec![fixture(c["file"].as_str().unwrap())];
        for a in c["args"].as_array().unwrap() {
            args.push(a.as_str().unwrap().to_string());
        }
        for k in c["contrasts"].as_array().unwrap() {
            args.push("--contrast".into());
            args.push(k["label"].as_str().unwrap().to_string());
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = meta_json(&a);
        assert_eq!(got["vcov"]["names"], c["vcov"]["names"], "{id}: names");
        let (gm, wm) = (&got["vcov"]["matrix"], &c["vcov"]["matrix"]);
        let p = wm.as_array().unwrap().len();
        for i in 0..p {
            for j in 0..p {
                let scale = (wm[i][i].as_f64().unwrap() * wm[j][j].as_f64().unwrap()).sqrt();
                close(
                    &format!("{id} vcov[{i},{j}]"),
                    gm[i][j].as_f64().unwrap(),
                    &wm[i][j],
                    REL,
                    REL * scale,
                );
                checked += 1;
            }
        }
        let want = c["contrasts"].as_array().unwrap();
        let have = got["contrasts"].as_array().unwrap();
        assert_eq!(have.len(), want.len(), "{id}: contrasts");
        for (g, w) in have.iter().zip(want) {
            assert_eq!(g["label"], w["label"], "{id}");
            for key in ["estimate", "se", "statistic", "p", "ci_lower", "ci_upper"] {
                close(
                    &format!("{id} {} {key}", w["label"]),
                    g[key].as_f64().unwrap(),
                    &w[key],
                    REL,
                    REL * 1e-3,
                );
                checked += 1;
            }
            assert_eq!(g["df"].as_f64(), w["df"].as_f64(), "{id}: df");
        }
    }
    assert_eq!(cases.len(), 3);
    assert_eq!(checked, 16 + 16 + 4 + 3 * 6 + 6);
}

#[test]
fn a_contrast_naming_no_coefficient_is_a_clear_error() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--mods",
        "alloc",
        "--contrast",
        "allocrandom-allocsytematic",
    ]);
    common::cli::assert_fails(
        &res,
        &[
            "allocsytematic",
            "does not start with a coefficient name",
            "allocsystematic",
            "--contrast",
        ],
    );
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--contrast",
        "intrcpt",
    ]);
    common::cli::assert_fails(&res, &["--mods"]);
}
