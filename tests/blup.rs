//! `meta --blup` against metafor 3.8.1's `blup()` and `ranef()` (rma.uni) and `ranef()`
//! (rma.mv, nested random intercepts).
//!
//! Reference values: `fixtures/blup/blup.json`, written by `fixtures/blup/blup.R` (metafor
//! 3.8.1, tight control) on dat.bcg (log risk ratios; `fixtures/bcg.csv`) and
//! dat.konstantopoulos2011 (`fixtures/konstantopoulos2011.csv`).

mod common;

use serde_json::Value;

use common::cli::{fixture, meta_json};
use common::close;

/// Relative tolerance (absolute below 1e-2: random effects near zero).
const REL: f64 = 1e-6;

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("blup/blup.json")).unwrap()).unwrap()
}

fn args(c: &Value) -> Vec<String> {
    c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// Compares rows (`pred`, `se`, `pi_lower`, `pi_upper`) in order; returns the values checked.
fn rows(id: &str, got: &Value, want: &Value) -> usize {
    let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
    assert_eq!(got.len(), want.len(), "{id}: rows");
    let mut n = 0;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        for key in ["pred", "se", "pi_lower", "pi_upper"] {
            close(
                &format!("{id} row {i} {key}"),
                g[key].as_f64().unwrap(),
                &w[key],
                REL,
                REL * 1e-2,
            );
            n += 1;
        }
    }
    n
}

#[test]
fn blup_and_ranef_of_univariate_fits_equal_metafor() {
    let r = reference();
    let mut checked = 0;
    let cases = r["uni"].as_array().unwrap();
    for c in cases {
        let id = c["name"].as_str().unwrap();
        let mut a = vec![fixture("bcg.csv")];
        a.extend(args(c));
        a.push("--blup".into());
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let got = meta_json(&a);
        checked += rows(&format!("{id} blup"), &got["blup"], &c["blup"]);
        let ranef = got["ranef"].as_array().unwrap();
        assert_eq!(ranef.len(), 1, "{id}: one random-effect term");
        checked += rows(&format!("{id} ranef"), &ranef[0], &c["ranef"]);
        assert_eq!(
            got["blup"][0]["study"], "Aronson 1948",
            "{id}: rows labelled by study"
        );
    }
    assert_eq!(cases.len(), 5);
    assert_eq!(checked, 5 * 2 * 13 * 4);
}

#[test]
fn ranef_of_multilevel_fits_equal_metafor_level_by_level() {
    let r = reference();
    let mut checked = 0;
    let cases = r["multilevel"].as_array().unwrap();
    for c in cases {
        let id = c["name"].as_str().unwrap();
        let mut a = vec![fixture("konstantopoulos2011.csv")];
        a.extend(args(c));
        a.extend(["--blup".to_string(), "--no-profile-ci".to_string()]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let got = meta_json(&a);
        let terms = got["ranef"].as_array().unwrap();
        let want = c["ranef"].as_object().unwrap();
        assert_eq!(terms.len(), 2, "{id}: district, district/school");
        for (t, (name, levels)) in terms.iter().zip(want) {
            let levels = levels.as_array().unwrap();
            assert_eq!(
                t.as_array().unwrap().len(),
                levels.len(),
                "{id} {name}: levels"
            );
            for w in levels {
                let label = w["level"].as_str().unwrap();
                let g = t
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|g| g["level"] == label)
                    .unwrap_or_else(|| panic!("{id} {name}: no level {label}"));
                for key in ["pred", "se", "pi_lower", "pi_upper"] {
                    let what = format!("{id} {name} {label} {key}");
                    close(&what, g[key].as_f64().unwrap(), &w[key], REL, REL * 1e-2);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(cases.len(), 3);
    assert_eq!(checked, 3 * (11 + 56) * 4);
}

#[test]
fn blup_is_absent_unless_asked_for() {
    let got = meta_json(&[&fixture("bcg.csv"), "--measure", "RR"]);
    assert!(got.get("blup").is_none() && got.get("ranef").is_none());
}
