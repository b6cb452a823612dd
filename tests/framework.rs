//! The evaluation framework: codebook, demo data, `evaluate` and the evidence-and-gap map.

use std::path::Path;
use std::process::Command;

use peerstat::data::{read_table, Column, ColumnMap, Table};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions};
use peerstat::framework::simulate::simulate_framework;
use peerstat::framework::{normalize, Codebook, FieldKind};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn builtin_codebook_has_the_framework() {
    let cb = Codebook::builtin();
    for (field, level) in [
        ("provider", "peer with professional"),
        ("activity", "case management and service liaison"),
        ("mode", "face to face"),
        ("group_size", "large group over 10"),
        ("location", "primary care"),
        ("outcome_domain", "knowledge and confidence"),
        ("design", "cluster rct"),
        ("risk_of_bias", "some concerns"),
    ] {
        let f = cb.field(field).unwrap_or_else(|| panic!("{field}"));
        assert_eq!(f.canonical(level), Some(level), "{field}");
    }
    assert_eq!(
        cb.field("design").unwrap().canonical("Cluster_RCT"),
        Some("cluster rct")
    );
    assert_eq!(
        cb.field("mode").unwrap().canonical("FACE-to-face"),
        Some("face to face")
    );
    assert_eq!(
        normalize("  Self-care  and_self-management "),
        "self care and self management"
    );
    let d = cb.field("duration_months").unwrap();
    assert!(matches!(d.kind, FieldKind::Number { .. }));
    assert_eq!(d.band(2.0).as_deref(), Some("up to 3"));
    assert_eq!(d.band(4.0).as_deref(), Some("3 to 6"));
    assert_eq!(d.band(9.0).as_deref(), Some("over 6"));
    // dimensions in who/what/why/how/where/when order
    assert_eq!(cb.fields[0].dimension, "who");
}

#[test]
fn validation_canonicalises_and_rejects_unknown_levels() {
    let cb = Codebook::builtin();
    let s = |x: &str| Some(x.to_string());
    let mut t = Table::from_columns(
        "t",
        vec![
            (
                "mode".into(),
                Column::Str(vec![s("Face-To-Face"), s("online"), None]),
            ),
            (
                "my_moderator".into(),
                Column::Float(vec![Some(1.0), Some(2.0), Some(3.0)]),
            ),
        ],
    )
    .unwrap();
    let v = cb.validate(&mut t).unwrap();
    assert_eq!(v.coded, ["mode"]);
    assert_eq!(v.extra, ["my_moderator"]);
    assert_eq!(v.canonicalised, 1);
    assert_eq!(
        t.get("mode").unwrap().text(0).as_deref(),
        Some("face to face")
    );
    let mut bad = Table::from_columns(
        "bad.csv",
        vec![(
            "mode".into(),
            Column::Str(vec![s("online"), s("carrier pigeon")]),
        )],
    )
    .unwrap();
    let e = cb.validate(&mut bad).unwrap_err().to_string();
    assert!(
        e.contains("row 2")
            && e.contains("'carrier pigeon'")
            && e.contains("face to face, telephone, online, mixed"),
        "{e}"
    );
    // a replacement codebook
    let custom = Codebook::parse(
        "[fields.mode]\ntype = \"category\"\nlevels = [\"carrier pigeon\"]\n",
        "custom.toml",
    )
    .unwrap();
    assert!(
        custom.validate(&mut bad).is_err(),
        "online is not a level of the custom codebook"
    );
    assert!(Codebook::parse("[fields.x]\ntype = \"category\"\n", "c.toml").is_err());
}

#[test]
fn demo_data_are_deterministic_simulated_and_committed() {
    let (a, ca) = simulate_framework(50, 1);
    let (b, _) = simulate_framework(50, 1);
    assert_eq!(a.columns(), b.columns());
    assert!(peerstat::framework::is_simulated(&a) && peerstat::framework::is_simulated(&ca));
    let mut studies: Vec<String> = a.labels("study");
    studies.sort();
    studies.dedup();
    assert_eq!(studies.len(), 50);
    // mixed data types: arms, 2x2 tables and precomputed yi/sei
    let count = |n: &str| {
        a.numeric(n, "")
            .unwrap()
            .iter()
            .filter(|x| x.is_some())
            .count()
    };
    assert!(count("mean_t") > 10 && count("events_t") > 10 && count("yi") > 5);
    // the committed demo is what `simulate --framework --seed 1` writes
    let committed = read_table(Path::new("seeds/demo.parquet"), &ColumnMap::new()).unwrap();
    assert_eq!(committed.names(), a.names());
    for (x, y) in committed.columns().iter().zip(a.columns()) {
        assert_eq!(x, y);
    }
    assert!(Path::new("seeds/demo_costs.parquet").exists());
    // labelled as simulated in the file's metadata too
    let f = std::fs::File::open("seeds/demo.parquet").unwrap();
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    let kv = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default();
    assert!(kv
        .iter()
        .any(|k| k.key == "peerstat.simulated" && k.value.as_deref() == Some("true")));
}

#[test]
fn evaluate_report_numbers_equal_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let (code, _, err) = run(&[
        "evaluate",
        "seeds/demo.parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("economic companion"), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["simulated"], true);
    assert_eq!(json["input_sha256"].as_str().unwrap().len(), 64);
    let mut t = read_table(Path::new("seeds/demo.parquet"), &ColumnMap::new()).unwrap();
    let costs = read_table(Path::new("seeds/demo_costs.parquet"), &ColumnMap::new()).unwrap();
    let ev = evaluate(
        &mut t,
        &Codebook::builtin(),
        Path::new("seeds/demo.parquet"),
        Some(&costs),
        &EvaluateOptions::default(),
    )
    .unwrap();
    let svgs = peerstat::report::evaluation::svgs(&ev);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("SIMULATED DATA"));
    let doms = json["domains"].as_array().unwrap();
    assert_eq!(doms.len(), ev.domains.len());
    for (j, d) in doms.iter().zip(&ev.domains) {
        let pooled = d
            .pooled
            .as_ref()
            .expect("every demo domain has enough studies");
        let forest = d.forest.as_ref().expect("a forest plot per pooled domain");
        // the JSON pooled fit uses the core keys and equals the library's
        assert_eq!(
            j["pooled"]["estimate"].as_f64().unwrap().to_bits(),
            pooled.summary.estimate.to_bits()
        );
        assert_eq!(
            j["pooled"]["pi_upper"].as_f64().unwrap().to_bits(),
            pooled.summary.pi_upper.to_bits()
        );
        for key in ["k", "tau2", "i2", "q", "studies"] {
            assert!(j["pooled"].get(key).is_some(), "{key}");
        }
        // the report shows the same numbers and the plain-language line
        let ps = &pooled.summary;
        let show = |x: f64| {
            if pooled.measure == peerstat::effect::Measure::Or {
                x.exp()
            } else {
                x
            }
        };
        let shown = format!(
            "{:.2} [{:.2}, {:.2}]",
            show(ps.estimate),
            show(ps.ci_lower),
            show(ps.ci_upper)
        );
        assert!(html.contains(&shown), "{}: {shown}", d.domain);
        assert!(
            html.contains(&d.summary.replace('\'', "&#39;")) || html.contains(&d.summary),
            "{}",
            d.summary
        );
        assert!(d.summary.starts_with("Across "), "{}", d.summary);
        // forest plot file and inline copy
        assert!(out.join(forest).exists());
        assert_eq!(
            std::fs::read_to_string(out.join(forest)).unwrap(),
            svgs.iter().find(|s| &s.0 == forest).unwrap().1
        );
    }
    let mental = ev
        .domains
        .iter()
        .find(|d| d.domain == "mental health")
        .unwrap();
    assert!(
        !mental.subgroups.is_empty(),
        "subgroups by codebook columns"
    );
    assert!(
        ev.domains.iter().any(|d| d.bias.is_some()),
        "bias checks where k >= 10"
    );
    assert!(
        ev.domains.iter().any(|d| d.rve.is_some()),
        "RVE where a study has several effects"
    );
    assert!(
        json["economics"]["pooled"]["by_wtp"]
            .as_array()
            .unwrap()
            .len()
            == 2
    );
    assert!(out.join("egm.html").exists() && out.join("ceac.svg").exists());
}

#[test]
fn map_crosstab_and_page() {
    let (code, csv, err) = run(&["map", "seeds/demo.parquet", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "activity,outcome_domain,measure,studies_mapped,studies,effects,estimate,ci_lower,ci_upper,note"
    );
    assert!(lines.len() > 20);
    let (code, json, _) = run(&[
        "map",
        "seeds/demo.parquet",
        "--format",
        "json",
        "--segment",
        "design",
    ]);
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["simulated"], true);
    assert_eq!(j["segment_label"], "design");
    let cells = j["cells"].as_array().unwrap();
    let pooled = cells.iter().filter(|c| c["estimate"].is_number()).count();
    assert!(
        pooled > 10 && pooled < cells.len(),
        "cells with k >= 2 carry a pooled effect"
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("egm.html");
    let (code, _, err) = run(&["map", "seeds/demo.parquet", "-o", page.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("/*EGM_DATA*/"), "data embedded");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing fetched from the network"
    );
    let (code, _, err) = run(&["map", "seeds/demo.parquet", "--rows", "nothing"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing column 'nothing'"));
}
