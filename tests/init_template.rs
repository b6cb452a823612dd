//! `peerstat init` (the coding template and data dictionary) read back by `evaluate`, the
//! "Converted values" list, the Cox–Snell option for mixed domains, and the conversions through
//! `meta` and `reanalyse` on CSV and Parquet (issue #15).

mod common;

use std::path::Path;

use common::cli::run;
use peerstat::data::{read_table, write_table, Column, ColumnMap};
use serde_json::Value;

fn p(path: &Path) -> String {
    path.display().to_string()
}

fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// The converted rows of an evaluation as (study, yi_source, vi_source).
fn converted(r: &Value) -> Vec<(String, String, String)> {
    r["converted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["study"].as_str().unwrap().to_string(),
                c["yi_source"].as_str().unwrap().to_string(),
                c["vi_source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn estimates(r: &Value) -> Vec<f64> {
    r["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["pooled"]["estimate"].as_f64().unwrap())
        .collect()
}

#[test]
fn init_writes_template_and_dictionary_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new");
    let (code, _, err) = run(&["init", &p(&out)]);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(out.join("studies.csv")).unwrap();
    let md = std::fs::read_to_string(out.join("DATA_DICTIONARY.md")).unwrap();
    // header + two example rows of each of 12 kinds
    assert_eq!(csv.lines().count(), 1 + 24);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for c in [
        "study",
        "outcome_domain",
        "design",
        "median_t",
        "ci_lower",
        "tstat",
        "icc",
    ] {
        assert!(header.contains(&c), "{c} missing from the template");
    }
    // the codebook's levels and every combination are documented
    assert!(md.contains("| `design` | study | category | rct; cluster rct; non randomised;"));
    for kind in [
        "yi",
        "ci",
        "p",
        "arms",
        "se",
        "median_iqr",
        "median_range",
        "t",
        "F",
        "2x2",
        "cluster",
    ] {
        assert!(md.contains(&format!("| `{kind}` |")), "{kind}");
        assert_eq!(md.matches(&format!("* **{kind}**:")).count(), 2, "{kind}");
    }
    // no overwrite without --force; the files are left as they were
    std::fs::write(out.join("DATA_DICTIONARY.md"), "mine").unwrap();
    let (code, _, err) = run(&["init", &p(&out)]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("DATA_DICTIONARY.md")).unwrap(),
        "mine"
    );
    let (code, _, _) = run(&["init", &p(&out), "--force"]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(out.join("DATA_DICTIONARY.md")).unwrap(),
        md
    );
    // nothing temporary left behind
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
}

#[test]
fn the_filled_template_is_evaluated_from_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("tpl");
    assert_eq!(run(&["init", &p(&tpl)]).0, 0);
    // fill in one more study, reported as medians with ranges
    let csv_path = tpl.join("studies.csv");
    let mut text = std::fs::read_to_string(&csv_path).unwrap();
    let header: Vec<String> = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let filled = [
        ("study", "Mine 2024"),
        ("study_id", "Mine 2024"),
        ("outcome_domain", "mental health"),
        ("outcome", "PHQ-9"),
        ("higher_is_better", "false"),
        ("design", "rct"),
        ("n_t", "64"),
        ("median_t", "6"),
        ("q1_t", "3"),
        ("q3_t", "10"),
        ("min_t", "0"),
        ("max_t", "21"),
        ("n_c", "66"),
        ("median_c", "8"),
        ("q1_c", "5"),
        ("q3_c", "12"),
        ("min_c", "0"),
        ("max_c", "23"),
    ];
    let row: Vec<&str> = header
        .iter()
        .map(|h| filled.iter().find(|(c, _)| c == h).map_or("", |(_, v)| *v))
        .collect();
    text.push_str(&row.join(","));
    text.push('\n');
    std::fs::write(&csv_path, text).unwrap();

    let rep = dir.path().join("rep");
    let (code, _, err) = run(&["evaluate", &p(&csv_path), "-o", &p(&rep)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("17 row(s) converted"), "{err}");
    let r = results(&rep);
    assert_eq!(r["rows_not_used"].as_array().unwrap().len(), 0);
    let conv = converted(&r);
    assert_eq!(conv.len(), 17);
    let count = |src: &str| conv.iter().filter(|c| c.2 == src).count();
    assert_eq!(
        [
            count("ci"),
            count("p"),
            count("se"),
            count("median_iqr"),
            count("median_range")
        ],
        [2, 3, 2, 2, 2]
    );
    assert_eq!(
        conv.last().unwrap(),
        &(
            "Mine 2024".into(),
            "median_iqr_range".into(),
            "median_iqr_range".into()
        )
    );
    let de: Vec<f64> = r["converted"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["design_effect"].as_f64())
        .collect();
    assert_eq!(de.len(), 2);
    assert!((de[0] - 1.55).abs() < 1e-12 && (de[1] - 1.14).abs() < 1e-12);
    let html = std::fs::read_to_string(rep.join("index.html")).unwrap();
    assert!(html.contains("<h2>Converted values (17)</h2>"));
    assert!(html.contains("<td>Mine 2024</td><td>mental health</td><td>median_iqr_range</td>"));

    // the same data as Parquet give the same analysis
    let t = read_table(&csv_path, &ColumnMap::new()).unwrap();
    let pq = dir.path().join("studies.parquet");
    write_table(&t, &pq).unwrap();
    let rep2 = dir.path().join("rep2");
    let (code, _, err) = run(&["evaluate", &p(&pq), "-o", &p(&rep2)]);
    assert_eq!(code, 0, "{err}");
    let r2 = results(&rep2);
    assert_eq!(converted(&r2), conv);
    let (a, b) = (estimates(&r), estimates(&r2));
    // mental health, wellbeing, service use (2x2), physical health (rates, as rate ratios)
    assert_eq!(a.len(), 4);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
}

#[test]
fn cox_snell_option_converts_log_odds_ratios_by_1_65() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mixed.csv");
    std::fs::write(
        &data,
        "study,outcome_domain,higher_is_better,n_t,mean_t,sd_t,n_c,mean_c,sd_c,events_t,events_c\n\
         A,wellbeing,true,40,10,3,40,9,3,,\n\
         B,wellbeing,true,50,11,3.5,52,10.2,3.4,,\n\
         C,wellbeing,true,60,,,58,,,30,20\n",
    )
    .unwrap();
    let log_or = (30.0f64 * 38.0 / (30.0 * 20.0)).ln();
    let mut got = Vec::new();
    for (method, c) in [
        ("logit", std::f64::consts::PI / 3f64.sqrt()),
        ("cox-snell", 1.65),
    ] {
        let rep = dir.path().join(method);
        let (code, _, err) = run(&[
            "evaluate",
            &p(&data),
            "-o",
            &p(&rep),
            "--binary-to-smd",
            method,
        ]);
        assert_eq!(code, 0, "{err}");
        let r = results(&rep);
        let d = &r["domains"][0];
        assert!(
            d["scale_note"]
                .as_str()
                .unwrap()
                .contains("1 log odds ratio converted"),
            "{}",
            d["scale_note"]
        );
        let s = &d["pooled"]["studies"][2];
        assert_eq!(s["study"], "C");
        assert!((s["yi"].as_f64().unwrap() - log_or / c).abs() < 1e-12);
        got.push(s["yi"].as_f64().unwrap());
    }
    assert!(got[1] > got[0]);
}

#[test]
fn effects_meta_and_reanalyse_convert_from_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = read_table(Path::new("fixtures/conversions.csv"), &ColumnMap::new()).unwrap();
    let n = t.nrows();
    t.push_column("g", Column::Str(vec![Some("all".into()); n]))
        .unwrap();
    let (csv, pq) = (dir.path().join("c.csv"), dir.path().join("c.parquet"));
    write_table(&t, &csv).unwrap();
    write_table(&t, &pq).unwrap();
    let mut estimates = Vec::new();
    for input in [p(&csv), p(&pq)] {
        let (code, out, err) = run(&["meta", &input, "--measure", "SMD", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("12 effect(s) converted"), "{err}");
        let j: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(j["k"], 13);
        let studies = j["studies"].as_array().unwrap();
        assert_eq!(studies[8]["yi_source"], "t");
        assert_eq!(studies[11]["design_effect"].as_f64(), Some(1.44));
        let estimate = j["estimate"].as_f64().unwrap();
        estimates.push(estimate);
        // effects: the sources beside yi and vi
        let eff = dir.path().join("effects.csv");
        let (code, _, err) = run(&["effects", &input, "--measure", "SMD", "-o", &p(&eff)]);
        assert_eq!(code, 0, "{err}");
        let e = read_table(&eff, &ColumnMap::new()).unwrap();
        let src = e.texts("yi_source");
        assert_eq!(src[9].as_deref(), Some("F"));
        assert_eq!(e.numeric("design_effect", "").unwrap()[12], Some(1.75));
        // reanalyse: one group, the same pooled estimate
        let out = dir.path().join("bulk.csv");
        let (code, _, err) = run(&[
            "reanalyse",
            &input,
            "--measure",
            "SMD",
            "--group-by",
            "g",
            "-o",
            &p(&out),
            "--quiet",
        ]);
        assert_eq!(code, 0, "{err}");
        let b = read_table(&out, &ColumnMap::new()).unwrap();
        assert_eq!(b.nrows(), 1);
        let be = b.numeric("estimate", "").unwrap()[0].unwrap();
        assert!((be - estimate).abs() < 1e-12, "{be} vs {estimate}");
    }
    assert_eq!(estimates[0].to_bits(), estimates[1].to_bits());
    // an ICC option out of range is a usage error naming the flag
    let (code, _, err) = run(&[
        "meta",
        "fixtures/conversions.csv",
        "--measure",
        "SMD",
        "--icc",
        "1.5",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--icc"), "{err}");
}

#[test]
fn mantel_haenszel_refuses_converted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("or.csv");
    std::fs::write(
        &data,
        "study,events_t,n_t,events_c,n_c,yi,ci_lower,ci_upper\n\
         A,4,123,11,139,,,\n\
         B,6,306,29,303,,,\n\
         C,,,,,0.59,0.40,0.87\n",
    )
    .unwrap();
    let (code, out, err) = run(&["meta", &p(&data), "--measure", "OR", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["k"], 3);
    assert!((j["studies"][2]["yi"].as_f64().unwrap() - 0.59f64.ln()).abs() < 1e-12);
    let (code, _, err) = run(&["meta", &p(&data), "--measure", "OR", "--method", "MH"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("row 3") && err.contains("2x2 tables only"),
        "{err}"
    );
}
