//! `evaluate` reporting safeguards (issue #13): Holm-adjusted subgroup tests, one line per bad
//! value, and the terminal's flags for small k and rows not used.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{run, write_csv};
use common::{close, fixtures};
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation};
use peerstat::framework::Codebook;
use peerstat::Error;
use tempfile::TempDir;

/// Evaluates the CSV `text` with `opts`.
fn eval_csv(text: &str, opts: &EvaluateOptions) -> Result<Evaluation, Error> {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "data.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    evaluate(&mut t, &Codebook::builtin(), &path, None, opts)
}

#[test]
fn subgroup_tests_carry_holm_adjusted_p_values() {
    let r = fixtures::reference("evaluate_safety.json");
    let p: Vec<f64> = r["holm_p"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let got = peerstat::framework::evaluate::holm(&p);
    let want = r["holm"].as_array().unwrap();
    assert_eq!(got.len(), 6);
    for (g, w) in got.iter().zip(want) {
        close("holm", *g, w, 1e-12, 1e-15);
    }
    // the demo: one family over every subgroup test of the report
    let path = Path::new("seeds/demo.parquet");
    let mut t = read_table(path, &ColumnMap::new()).unwrap();
    let ev = evaluate(
        &mut t,
        &Codebook::builtin(),
        path,
        None,
        &EvaluateOptions::default(),
    )
    .unwrap();
    let all: Vec<f64> = ev
        .domains
        .iter()
        .flat_map(|d| d.subgroups.iter().map(|s| s.subgroup_test.p_value))
        .collect();
    assert!(all.len() > 20, "{}", all.len());
    let adjusted = peerstat::framework::evaluate::holm(&all);
    let stored: Vec<f64> = ev
        .domains
        .iter()
        .flat_map(|d| d.subgroup_p_holm.iter().copied())
        .collect();
    assert_eq!(stored, adjusted);
    let smallest = all.iter().copied().fold(f64::INFINITY, f64::min);
    let i = all.iter().position(|&x| x == smallest).unwrap();
    assert!((stored[i] - (smallest * all.len() as f64).min(1.0)).abs() < 1e-15);
}

#[test]
fn one_bad_value_in_several_rows_is_one_line() {
    let text = "study,outcome_domain,activity,yi,vi,higher_is_better\n\
                A,wellbeing,befriending,0.30,0.01,true\n\
                B,wellbeing,befriending,0.10,0.02,true\n\
                C,wellbeing,social support,0.45,0.01,true\n\
                D,wellbeing,befriending,0.45,0.01,true\n";
    let m = eval_csv(text, &EvaluateOptions::default())
        .unwrap_err()
        .to_string();
    assert!(m.contains("3 values do not fit the codebook"), "{m}");
    assert!(
        m.contains("rows 1, 2, 4, column 'activity': 'befriending' is not a level of activity"),
        "{m}"
    );
    assert_eq!(m.matches("befriending").count(), 1, "{m}");
}

#[test]
fn the_terminal_flags_small_k_and_rows_not_used() {
    let dir = TempDir::new().unwrap();
    let input = write_csv(
        &dir,
        "s.csv",
        "study,outcome_domain,yi,vi,higher_is_better\n\
         A,wellbeing,0.30,0.01,true\nB,wellbeing,0.32,0.02,true\n\
         C,mental health,0.2,0.02,true\nD,mental health,,,true\n",
    );
    let out = dir.path().join("r");
    let (code, so, err) = run(&["evaluate", &input, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{so}{err}");
    let text = format!("{so}{err}");
    assert!(
        text.contains("warning (wellbeing): only 2 studies") && text.contains("ad hoc correction"),
        "{text}"
    );
    assert!(
        text.contains("Only 1 trial measured mental health (C)"),
        "{text}"
    );
    assert!(text.contains("row 4 (D): no effect data"), "{text}");
    let (code, _, err) = run(&[
        "evaluate",
        &input,
        "-o",
        out.to_str().unwrap(),
        "--assume-higher-is-better",
    ]);
    assert_eq!(code, 0, "{err}");
    let json = std::fs::read_to_string(out.join("results.json")).unwrap();
    assert!(json.contains("\"assume_higher_is_better\": true"));
    // an options file: thresholds recorded; an unknown key is refused
    let opts = write_csv(&dir, "o.toml", "[thresholds]\nmin_studies_to_pool = 3\n");
    let (code, so, err) = run(&[
        "evaluate",
        &input,
        "-o",
        out.to_str().unwrap(),
        "--options",
        &opts,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        format!("{so}{err}").contains("Only 2 trials measured wellbeing"),
        "{so}{err}"
    );
    let json = std::fs::read_to_string(out.join("results.json")).unwrap();
    assert!(json.contains("\"min_studies_to_pool\": 3"));
    let bad = write_csv(&dir, "bad.toml", "[thresholds]\nmin_studies = 3\n");
    let (code, _, err) = run(&[
        "evaluate",
        &input,
        "-o",
        out.to_str().unwrap(),
        "--options",
        &bad,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field"), "{err}");
}
