//! Bulk reanalysis: bit-for-bit agreement with single analyses, determinism across thread
//! counts, the non-clustered fallback, per-group errors, and agreement with metafor.

use std::path::{Path, PathBuf};
use std::process::Command;

use peerstat::bulk::{simulate_table, Reanalysis};
use peerstat::data::{read_table, write_table, Column, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::{RandomEffects, Tau2Method};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_peerstat")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn floats(t: &Table, name: &str) -> Vec<Option<f64>> {
    match t.get(name).unwrap_or_else(|| panic!("column {name}")) {
        Column::Float(v) => v.clone(),
        Column::Int(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
        c => panic!("{name}: {}", c.type_name()),
    }
}

/// Rows of `t` whose `analysis_id` is `id`, as a table of their own.
fn group(t: &Table, id: i64) -> Table {
    let Some(Column::Int(aid)) = t.get("analysis_id") else {
        panic!()
    };
    let rows: Vec<usize> = (0..t.nrows()).filter(|&i| aid[i] == Some(id)).collect();
    t.take(&rows)
}

const KEYS: [&str; 15] = [
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "statistic",
    "p_value",
    "tau2",
    "tau2_ci_lower",
    "tau2_ci_upper",
    "i2",
    "h2",
    "q",
    "q_p",
    "pi_lower",
    "pi_upper",
];

fn simulated(dir: &Path, n: usize, seed: u64) -> (Table, PathBuf) {
    let t = simulate_table(n, seed);
    let p = dir.join("sim.parquet");
    write_table(&t, &p).unwrap();
    (t, p)
}

#[test]
fn each_group_is_bit_identical_to_a_single_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let (t, input) = simulated(dir.path(), 400, 11);
    for (measure, method, knha) in [
        ("SMD", "REML", true),
        ("GEN", "DL", false),
        ("SMD", "PM", false),
    ] {
        let out = dir.path().join(format!("out_{measure}_{method}.parquet"));
        let (code, _, err) = run(&[
            "reanalyse",
            input.to_str().unwrap(),
            "--group-by",
            "analysis_id",
            "--measure",
            measure,
            "--method",
            method,
            if knha { "--knha" } else { "--level" },
            if knha { "--quiet" } else { "95" },
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let res = read_table(&out, &ColumnMap::new()).unwrap();
        assert_eq!(res.nrows(), 400);
        let ids = floats(&res, "analysis_id");
        let model = RandomEffects::new()
            .method(method.parse::<Tau2Method>().unwrap())
            .knha(knha);
        for row in (0..400).step_by(7) {
            let id = ids[row].unwrap() as i64;
            assert_eq!(id, row as i64, "first-appearance order");
            let g = group(&t, id);
            let es = EffectSizes::compute(
                &g,
                measure.parse::<Measure>().unwrap(),
                &EffectOptions::default(),
            )
            .unwrap();
            let fit = model.fit(&es).unwrap();
            let want = serde_json::to_value(fit).unwrap();
            for key in KEYS {
                let got = floats(&res, key)[row];
                match want[key].as_f64() {
                    Some(w) => assert_eq!(
                        got.map(f64::to_bits),
                        Some(w.to_bits()),
                        "{measure}/{method} analysis {id} {key}: {got:?} vs {w}"
                    ),
                    None => assert_eq!(got, None, "{key}"),
                }
            }
            assert_eq!(floats(&res, "k")[row], Some(es.k() as f64));
        }
    }
}

#[test]
fn bulk_group_matches_meta_command_output() {
    // The same group through `peerstat meta` (JSON) and `peerstat reanalyse`.
    let dir = tempfile::tempdir().unwrap();
    let (t, input) = simulated(dir.path(), 30, 5);
    let g = group(&t, 17);
    let gpath = dir.path().join("g17.csv");
    write_table(&g, &gpath).unwrap();
    let (code, json, err) = run(&[
        "meta",
        gpath.to_str().unwrap(),
        "--measure",
        "SMD",
        "--knha",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let want: serde_json::Value = serde_json::from_str(&json).unwrap();
    let out = dir.path().join("r.csv");
    let (code, _, err) = run(&[
        "reanalyse",
        input.to_str().unwrap(),
        "--group-by",
        "analysis_id",
        "--measure",
        "SMD",
        "--knha",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let res = read_table(&out, &ColumnMap::new()).unwrap();
    for key in KEYS {
        let got = floats(&res, key)[17].unwrap();
        assert_eq!(
            got.to_bits(),
            want[key].as_f64().unwrap().to_bits(),
            "{key}"
        );
    }
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (_, input) = simulated(dir.path(), 3000, 2);
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = dir.path().join(format!("t{threads}.csv"));
        let (code, _, err) = run(&[
            "reanalyse",
            input.to_str().unwrap(),
            "--group-by",
            "analysis_id",
            "--measure",
            "GEN",
            "--knha",
            "--threads",
            threads,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        outputs.push(std::fs::read(out).unwrap());
    }
    assert!(outputs[0].len() > 100_000);
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn unclustered_input_falls_back_and_gives_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let t = simulate_table(200, 4);
    // Interleave: reverse the row order within the file, so every key appears in a different
    // place, then check results by key against the clustered run.
    let n = t.nrows();
    let order: Vec<usize> = (0..n).map(|i| (i * 7919) % n).collect();
    let shuffled = t.take(&order);
    let sp = dir.path().join("shuffled.parquet");
    write_table(&shuffled, &sp).unwrap();
    let out = dir.path().join("out.parquet");
    let (code, _, err) = run(&[
        "reanalyse",
        sp.to_str().unwrap(),
        "--group-by",
        "analysis_id",
        "--measure",
        "GEN",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not clustered"), "{err}");
    let res = read_table(&out, &ColumnMap::new()).unwrap();
    assert_eq!(res.nrows(), 200);
    // First-appearance order of the keys in the shuffled file.
    let Some(Column::Int(aid)) = shuffled.get("analysis_id") else {
        panic!()
    };
    let mut first = Vec::new();
    for a in aid.iter().flatten() {
        if !first.contains(a) {
            first.push(*a);
        }
    }
    let ids = floats(&res, "analysis_id");
    assert_eq!(
        ids.iter().map(|x| x.unwrap() as i64).collect::<Vec<_>>(),
        first
    );
    // Same estimates as the in-memory library run on the clustered table (rows within a group
    // may be in a different order, so compare to 1e-12).
    let lib = Reanalysis::new(&["analysis_id"], Measure::Gen)
        .run_table(&t)
        .unwrap();
    let est = floats(&res, "estimate");
    for (row, id) in first.iter().enumerate() {
        let want = lib[*id as usize].summary.unwrap().estimate;
        assert!((est[row].unwrap() - want).abs() < 1e-12);
    }
}

fn bad_groups_table() -> Table {
    // groups: a fine; b has NaN vi; c all missing; d single study; e a missing value
    let g = |s: &str| Some(s.to_string());
    Table::from_columns(
        "bad",
        vec![
            (
                "review".into(),
                Column::Str(vec![
                    g("a"),
                    g("a"),
                    g("b"),
                    g("b"),
                    g("c"),
                    g("d"),
                    g("e"),
                    g("e"),
                    g("e"),
                ]),
            ),
            (
                "yi".into(),
                Column::Float(vec![
                    Some(0.1),
                    Some(0.3),
                    Some(0.2),
                    Some(0.4),
                    None,
                    Some(0.5),
                    Some(0.1),
                    None,
                    Some(0.2),
                ]),
            ),
            (
                "vi".into(),
                Column::Float(vec![
                    Some(0.01),
                    Some(0.02),
                    Some(f64::NAN),
                    Some(0.02),
                    Some(0.1),
                    Some(0.04),
                    Some(0.01),
                    Some(0.01),
                    Some(0.02),
                ]),
            ),
        ],
    )
    .unwrap()
}

#[test]
fn a_bad_group_gets_an_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet"] {
        let input = dir.path().join(format!("bad.{ext}"));
        write_table(&bad_groups_table(), &input).unwrap();
        let out = dir.path().join(format!("out_{ext}.csv"));
        let (code, _, err) = run(&[
            "reanalyse",
            input.to_str().unwrap(),
            "--group-by",
            "review",
            "--measure",
            "GEN",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let res = read_table(&out, &ColumnMap::new()).unwrap();
        assert_eq!(res.nrows(), 5, "no group is lost");
        let Some(Column::Str(errors)) = res.get("error") else {
            panic!("error column")
        };
        assert_eq!(errors[0], None);
        let b = errors[1].as_deref().unwrap();
        assert!(b.contains("row 3") && b.contains("column vi"), "{b}");
        let c = errors[2].as_deref().unwrap();
        assert!(c.contains("no studies left"), "{c}");
        assert_eq!(errors[3], None, "k = 1 is valid");
        assert_eq!(errors[4], None, "a missing value omits the row");
        let k = floats(&res, "k");
        assert_eq!(k, vec![Some(2.0), None, None, Some(1.0), Some(2.0)]);
        assert!(err.contains("2 failed"), "{err}");
    }
}

#[test]
fn input_errors_stop_the_run_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.parquet");
    write_table(&bad_groups_table(), &input).unwrap();
    let out = dir.path().join("out.parquet");
    let (code, _, err) = run(&[
        "reanalyse",
        input.to_str().unwrap(),
        "--group-by",
        "analysis",
        "--measure",
        "GEN",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("missing column 'analysis'") && err.contains("review"),
        "{err}"
    );
    assert!(!out.exists());
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let (code, _, err) = run(&[
        "reanalyse",
        empty.to_str().unwrap(),
        "--group-by",
        "review",
        "--measure",
        "GEN",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
}

/// metafor's `rma(yi, vi, method = "REML", test = "knha")` on the first analyses of a simulated
/// file (`fixtures/bulk_sample.csv`, reference from `fixtures/metafor/bulk_reference.R`).
#[test]
fn bulk_agrees_with_metafor_on_a_sample() {
    let input = Path::new("fixtures/bulk_sample.csv");
    let reference = read_table(
        Path::new("fixtures/metafor/bulk_reference.csv"),
        &ColumnMap::new(),
    )
    .unwrap();
    let t = read_table(input, &ColumnMap::new()).unwrap();
    let res = Reanalysis::new(&["analysis_id"], Measure::Gen)
        .model(RandomEffects::new().knha(true))
        .run_table(&t)
        .unwrap();
    let ids = floats(&reference, "analysis_id");
    assert_eq!(res.len(), ids.len());
    let mut compared = 0;
    for key in [
        "estimate",
        "se",
        "tau2",
        "i2",
        "q",
        "pi_lower",
        "pi_upper",
        "tau2_ci_lower",
        "tau2_ci_upper",
    ] {
        let want = floats(&reference, key);
        for (r, w) in res.iter().zip(&want) {
            let s = r.summary.unwrap();
            let got = match key {
                "estimate" => s.estimate,
                "se" => s.se,
                "tau2" => s.tau2,
                "i2" => s.i2,
                "q" => s.q,
                "pi_lower" => s.pi_lower,
                "pi_upper" => s.pi_upper,
                "tau2_ci_lower" => s.tau2_ci_lower,
                _ => s.tau2_ci_upper,
            };
            let w = w.unwrap();
            if key == "tau2_ci_upper" && w >= 100.0 {
                // metafor caps the search at tau2.max = 100; peerstat finds the root beyond it
                assert!(got >= w, "{got}");
                continue;
            }
            // τ² near 0 converges to |Δτ²| ≤ 1e-10, which I² (percent) magnifies.
            let floor = if key == "i2" { 1.0 } else { 1e-3 };
            assert!(
                (got - w).abs() <= 1e-6 * w.abs().max(floor),
                "{key}: peerstat {got}, metafor {w}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 1700, "{compared}");
}
