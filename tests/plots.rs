//! Structure of the SVG plots: one marker per study, diamonds at the estimates, and files
//! written by the CLI.

use std::path::Path;
use std::process::Command;

use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::subgroup::subgroups;
use peerstat::model::RandomEffects;
use peerstat::report::svg;

fn attr(svg: &str, class: &str, name: &str) -> Vec<f64> {
    svg.split(&format!("class=\"{class}\""))
        .skip(1)
        .filter_map(|rest| {
            let key = format!("{name}=\"");
            let start = rest.find(&key)? + key.len();
            let end = rest[start..].find('"')? + start;
            rest[start..end].parse().ok()
        })
        .collect()
}

fn bcg() -> (peerstat::data::Table, EffectSizes) {
    let t = read_table(Path::new("fixtures/bcg.csv"), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    (t, es)
}

#[test]
fn forest_has_one_marker_per_study_and_the_pooled_diamond() {
    let (_, es) = bcg();
    let fit = RandomEffects::new().fit(&es).unwrap();
    let s = svg::forest(&fit, None, "BCG");
    assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    let yi = attr(&s, "study", "data-yi");
    assert_eq!(yi.len(), 13);
    assert_eq!(yi, es.yi());
    let est = attr(&s, "pooled", "data-estimate");
    assert_eq!(est, vec![fit.summary.estimate]);
    assert_eq!(attr(&s, "pi", "data-lower"), vec![fit.summary.pi_lower]);
    // ratio measure: log axis labelled with ratios, the null line at RR = 1
    assert!(s.contains("risk ratio (log scale)"));
    assert!(
        s.contains(">0.49 [0.34, 0.70]<"),
        "pooled RR shown back-transformed"
    );
}

#[test]
fn forest_with_subgroups_has_a_diamond_per_level() {
    let (t, es) = bcg();
    let m = RandomEffects::new();
    let fit = m.fit(&es).unwrap();
    let sg = subgroups(&t, &es, "alloc", &m, false).unwrap();
    let s = svg::forest(&fit, Some(&sg), "BCG by allocation");
    assert_eq!(attr(&s, "study", "data-yi").len(), 13);
    let sub = attr(&s, "subgroup", "data-estimate");
    let want: Vec<f64> = sg
        .subgroups
        .iter()
        .map(|g| g.fit.summary.estimate)
        .collect();
    assert_eq!(sub, want);
    assert_eq!(
        attr(&s, "pooled", "data-estimate"),
        vec![fit.summary.estimate]
    );
    assert!(s.contains("alloc = random"));
    assert!(s.contains("Test for subgroup differences"));
}

#[test]
fn funnel_marks_filled_studies_hollow() {
    let (_, es) = bcg();
    let s = svg::funnel(
        es.yi(),
        es.vi(),
        -0.7,
        &[(0.1, 0.05)],
        Measure::Rr,
        "funnel",
    );
    assert_eq!(attr(&s, "study", "data-yi").len(), 13);
    assert_eq!(attr(&s, "filled", "data-yi"), vec![0.1]);
    assert!(s.contains("class=\"filled\"") && s.contains("fill=\"white\""));
    // the p < .01 background and the three bands inside it
    assert_eq!(s.matches("class=\"contour").count(), 4);
    assert_eq!(attr(&s, "pooled", "data-estimate"), vec![-0.7]);
}

#[test]
fn cli_writes_forest_and_bubble() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("forest.svg");
    let b = dir.path().join("bubble.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args([
            "meta",
            "fixtures/bcg.csv",
            "--measure",
            "RR",
            "--mods",
            "ablat",
        ])
        .arg("--forest")
        .arg(&f)
        .arg("--bubble")
        .arg(&b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bubble = std::fs::read_to_string(&b).unwrap();
    assert_eq!(attr(&bubble, "study", "data-x").len(), 13);
    let slope = attr(&bubble, "fit", "data-slope")[0];
    assert!((slope + 0.0291).abs() < 1e-3);
    let forest = std::fs::read_to_string(&f).unwrap();
    assert_eq!(attr(&forest, "study", "data-yi").len(), 13);
}
