//! The CMH test with and without continuity correction and Tarone's test (metafor `rma.mh`)
//! against `fixtures/mh/mh.json` (written by `fixtures/mh/mh.R`).

use std::path::Path;

use peerstat::data::{read_table, ColumnMap};
use peerstat::diag;
use peerstat::effect::Measure;
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");

#[test]
fn cmh_and_tarone_match_metafor() {
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}mh/mh.json")).unwrap())
            .unwrap();
    let (mut checked, mut worst) = (0, 0.0f64);
    for c in j["cases"].as_array().unwrap() {
        let file = c["file"].as_str().unwrap();
        let t = read_table(
            Path::new(&format!("{DIR}glmm/{file}")),
            &ColumnMap::default(),
        )
        .unwrap();
        let correct = c["correct"].as_bool().unwrap();
        let f = diag::mantel_haenszel_with(&t, Measure::Or, 95.0, correct).unwrap();
        let ta = f.tarone.unwrap();
        assert_eq!(ta.df as u64, c["tarone_df"].as_u64().unwrap(), "{file}");
        assert_eq!(f.cmh_correction, correct);
        for (what, ours) in [
            ("beta", f.est.estimate),
            ("cmh", f.cmh),
            ("cmh_p", f.cmh_p),
            ("tarone", ta.statistic),
            ("tarone_p", ta.p),
        ] {
            let theirs = c[what].as_f64().unwrap();
            let d = (ours - theirs).abs() / theirs.abs().max(1e-300);
            assert!(
                d < 1e-8,
                "{file} correct={correct} {what}: {ours} vs metafor {theirs} ({d:.2e})"
            );
            worst = worst.max(d);
            checked += 1;
        }
    }
    eprintln!("checked {checked}, largest relative difference {worst:.2e}");
    assert_eq!(checked, 6 * 5);
}

#[test]
fn tarone_is_absent_for_risk_ratios() {
    let t = read_table(
        Path::new(&format!("{DIR}glmm/bcg.csv")),
        &ColumnMap::default(),
    )
    .unwrap();
    let f = diag::mantel_haenszel_with(&t, Measure::Rr, 95.0, false).unwrap();
    assert!(f.tarone.is_none());
    let json = peerstat::report::json(&f).unwrap();
    assert!(!json.contains("tarone"));
}
