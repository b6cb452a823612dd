//! "Which elements matter?" in `evaluate` and the map's element view (issue #14 item 6): a
//! component network meta-analysis of the coded elements of each trial against usual care.
//! With one two-arm trial per study it is metafor's DerSimonian–Laird meta-regression on the
//! element levels (`fixtures/metafor/elements.R` on dat.bcg).

mod common;

use std::path::{Path, PathBuf};

use common::cli::{run, write_csv};
use common::close;
use common::fixtures::reference;
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::elements::BASE;
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation};
use peerstat::framework::Codebook;
use serde_json::Value;
use tempfile::TempDir;

fn eval_with(path: &Path, elements: &[&str]) -> Evaluation {
    let mut t = read_table(path, &ColumnMap::new()).unwrap();
    let opts = EvaluateOptions {
        elements: elements.iter().map(|s| s.to_string()).collect(),
        ..EvaluateOptions::default()
    };
    evaluate(&mut t, &Codebook::builtin(), path, None, &opts).unwrap()
}

/// Compares the elements of dat.bcg with metafor's DL meta-regression `case`; returns the
/// number of values checked.
fn check_bcg(elements: &[&str], case: &str) -> usize {
    let ev = eval_with(Path::new("fixtures/bcg_elements.csv"), elements);
    let want = &reference("elements.json")[case];
    let e = ev.domains[0]
        .elements
        .as_ref()
        .expect("an elements analysis");
    let refs: Vec<&str> = e.reference.iter().map(|r| r.level.as_str()).collect();
    let want_refs: Vec<&str> = match &want["reference"] {
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
        x => vec![x.as_str().unwrap()],
    };
    assert_eq!(refs, want_refs, "reference levels: the most frequent");
    assert_eq!(e.effects[0].level, BASE);
    assert_eq!(e.effects.len(), want["coef"].as_array().unwrap().len());
    let mut n = 0;
    for (i, x) in e.effects.iter().enumerate() {
        for (got, key) in [
            (x.estimate, "coef"),
            (x.se, "se"),
            (x.ci_lower, "ci_lower"),
            (x.ci_upper, "ci_upper"),
        ] {
            close(
                &format!("{case} {} {key}", x.level),
                got.unwrap(),
                &want[key][i],
                1e-8,
                1e-12,
            );
            n += 1;
        }
        close(
            "common-effect estimate",
            e.fit
                .components_common
                .iter()
                .find(|c| c.component == component_name(x))
                .unwrap()
                .estimate,
            &want["common_coef"][i],
            1e-8,
            1e-12,
        );
        n += 1;
    }
    let f = &e.fit;
    close("tau2", f.tau2_additive, &want["tau2"], 1e-8, 1e-12);
    close("Q additive", f.q_additive, &want["q_additive"], 1e-8, 0.0);
    close("Q standard", f.q_standard, &want["q_standard"], 1e-8, 0.0);
    assert_eq!(
        f.q_additive_df as u64,
        want["q_additive_df"].as_u64().unwrap()
    );
    assert_eq!(
        f.q_standard_df as u64,
        want["q_standard_df"].as_u64().unwrap()
    );
    n + 5
}

fn component_name(x: &peerstat::framework::elements::ElementEffect) -> String {
    if x.field.is_empty() {
        x.level.clone()
    } else {
        format!("{}: {}", x.field, x.level)
    }
}

#[test]
fn elements_equal_metafors_meta_regression_on_bcg() {
    let n = check_bcg(&["alloc"], "alloc") + check_bcg(&["alloc", "lat_band"], "alloc_lat");
    // 3 + 4 effects × 5 values, and 5 model values per case
    assert_eq!(n, 3 * 5 + 4 * 5 + 10);
}

#[test]
fn elements_state_the_reference_the_clear_effects_and_the_additive_check() {
    let ev = eval_with(
        Path::new("fixtures/bcg_elements.csv"),
        &["alloc", "lat_band"],
    );
    let e = ev.domains[0].elements.as_ref().unwrap();
    assert_eq!(e.fields, ["alloc", "lat_band"]);
    // no element's CI excludes 0 in the DL fit (lat_band south: [-0.039, 1.318])
    assert!(e.clear.is_empty(), "{:?}", e.clear);
    // Q_diff = 51.40 - 31.39 on 2 df: p < 0.05, the additive model is doubtful
    assert_eq!(e.additive_doubtful, Some(true));
    assert_eq!(e.fit.q_diff_df, 2);
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("Which elements of peer support matter?"));
    assert!(html.contains("The additive model fits worse than the network of the combinations"));
    assert!(html.contains("Elements were not randomised"));
}

/// Two elements that always occur together cannot be told apart: both are named with the
/// reason, and a field with one level is part of peer support's effect.
#[test]
fn inseparable_and_constant_elements_are_named() {
    let dir = TempDir::new().unwrap();
    let mut csv = String::from(
        "study,outcome_domain,outcome,provider,mode,group_size,yi,vi,higher_is_better\n",
    );
    let rows = [
        ("A", "trained peer", "face to face", 0.30, 0.02),
        ("B", "trained peer", "face to face", 0.25, 0.03),
        ("C", "lay person", "online", 0.10, 0.02),
        ("D", "lay person", "online", 0.05, 0.04),
        ("E", "trained peer", "face to face", 0.35, 0.03),
    ];
    for (s, p, m, y, v) in rows {
        csv.push_str(&format!(
            "{s},wellbeing,WEMWBS,{p},{m},one to one,{y},{v},true\n"
        ));
    }
    let path = PathBuf::from(write_csv(&dir, "d.csv", &csv));
    let ev = eval_with(&path, &["provider", "mode", "group_size"]);
    let e = ev.domains[0].elements.as_ref().unwrap();
    assert_eq!(e.constant_fields.len(), 1);
    assert_eq!(e.constant_fields[0].field, "group_size");
    let lay = e.effects.iter().find(|x| x.level == "lay person").unwrap();
    let online = e.effects.iter().find(|x| x.level == "online").unwrap();
    assert!(lay.estimate.is_none() && online.estimate.is_none());
    assert!(
        lay.not_estimable
            .as_deref()
            .unwrap()
            .contains("mode: online"),
        "{:?}",
        lay.not_estimable
    );
    // peer support itself is still estimated
    assert!(e.effects[0].estimate.is_some());
}

#[test]
fn a_missing_element_column_is_named_in_skipped() {
    let ev = eval_with(
        Path::new("fixtures/bcg_elements.csv"),
        &["alloc", "provider"],
    );
    assert!(ev.domains[0].elements.is_none());
    assert!(ev
        .skipped
        .iter()
        .chain(ev.domains[0].skipped.iter())
        .any(|s| s.section.contains("which elements matter")
            && s.reason.contains("no provider column")));
}

/// The demo: every pooled domain gets an elements analysis, and the map's element view has a
/// cell for every element level and domain, gaps where no estimate exists; admissions (lower is
/// better) are marked so.
#[test]
fn demo_has_elements_and_the_map_an_element_view() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("r");
    let (code, _, err) = run(&[
        "evaluate",
        "seeds/demo.parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let with = j["domains"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["elements"].is_null())
        .count();
    assert!(with >= 6, "{with} domains with elements");
    let html = std::fs::read_to_string(out.join("egm.html")).unwrap();
    let start = html.find("/*EGM_DATA*/").map(|i| i + 12).unwrap_or(0);
    let data_at = html[..]
        .find("<script id=\"egm-data\" type=\"application/json\">")
        .unwrap();
    assert!(start == 0 || start > data_at);
    let json_start = html[data_at..].find('>').unwrap() + data_at + 1;
    let json_end = html[json_start..].find("</script>").unwrap() + json_start;
    let md: Value = serde_json::from_str(&html[json_start..json_end]).unwrap();
    let v = &md["elements"];
    let (rows, cols) = (
        v["rows"].as_array().unwrap().len(),
        v["cols"].as_array().unwrap().len(),
    );
    assert_eq!(v["rows"][0], BASE);
    // peer support + 4 providers + 4 modes + 3 group sizes
    assert_eq!(rows, 1 + 4 + 4 + 3);
    assert_eq!(v["cells"].as_array().unwrap().len(), rows * cols);
    let service = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["col"] == "service use" && c["row"] == BASE)
        .unwrap();
    assert_eq!(service["lower_is_better"], true);
    assert!(service["estimate"].as_f64().unwrap() < 0.0);
    let gaps = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["estimate"].is_null())
        .count();
    assert!(gaps > 0 && gaps < rows * cols);
    assert!(html.contains("Element view: what each element of peer support adds"));
}
