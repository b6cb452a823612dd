//! Faults found by a fuzz-and-fault run (issue 30): standard output that cannot be written,
//! an unbounded `simulate --framework`, NaN keys, `init` writing onto its own codebook,
//! contradictory directions, stale temporaries of killed runs, full disks and a second
//! `evaluate` into its own report folder. Each test failed before its fix.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::cli::*;
use peerstat::data::{write_table, Column, Table};
use tempfile::TempDir;

/// Runs peerstat with `args` and standard output on `/dev/full`; returns (exit code, stderr).
fn run_to_full(args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(BIN)
        .args(args)
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_failed_write_to_standard_output_is_an_io_error() {
    let bcg = fixture("bcg.csv");
    for args in [
        vec!["meta", bcg.as_str(), "--measure", "RR", "--format", "json"],
        vec!["meta", bcg.as_str(), "--measure", "RR"],
        vec!["influence", bcg.as_str(), "--measure", "RR"],
        vec!["bias", bcg.as_str(), "--measure", "RR"],
        vec!["--help"],
    ] {
        let (code, err) = run_to_full(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.contains("standard output"), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let bcg = fixture("bcg.csv");
    let mut child = Command::new(BIN)
        .args(["meta", &bcg, "--measure", "RR", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader closes before the result is written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn simulate_framework_trials_are_capped() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("demo.parquet");
    let start = std::time::Instant::now();
    let (code, _, err) = run(&[
        "simulate",
        "--framework",
        "--trials",
        "100000000",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--trials 100000000"), "{err}");
    assert!(err.contains("--allow-large"), "{err}");
    assert!(start.elapsed().as_secs() < 10, "refused before any work");
    assert!(!out.exists());
}

#[test]
fn a_nan_cluster_label_is_refused_like_a_null() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nan.parquet");
    let f = |v: &[f64]| Column::Float(v.iter().map(|&x| Some(x)).collect());
    let t = Table::from_columns(
        "nan.parquet",
        vec![
            ("cl".into(), f(&[1.0, 1.0, f64::NAN, f64::NAN, 2.0, 3.0])),
            ("yi".into(), f(&[0.1, 0.2, 0.3, -0.1, 0.5, 0.0])),
            ("vi".into(), f(&[0.01, 0.02, 0.03, 0.02, 0.05, 0.04])),
        ],
    )
    .unwrap();
    write_table(&t, &path).unwrap();
    let p = path.to_str().unwrap();
    // A random-effects factor: refused, naming the row, as a null is.
    let (code, out, err) = run(&["meta", p, "--random", "~ 1 | cl", "--format", "json"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("row 3"), "{err}");
    assert!(err.contains("factor is missing"), "{err}");
    // A cluster: left out with a warning, as a null is (not one cluster called "NaN").
    let (code, _, err) = run(&["meta", p, "--cluster", "cl", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 effects left out"), "{err}");
}

#[test]
fn init_never_writes_onto_its_codebook() {
    for name in ["studies.csv", "DATA_DICTIONARY.md"] {
        let dir = TempDir::new().unwrap();
        let cb = dir.path().join(name);
        let text = std::fs::read_to_string("seeds/framework.toml").unwrap();
        std::fs::write(&cb, &text).unwrap();
        let (code, _, err) = run(&[
            "init",
            dir.path().to_str().unwrap(),
            "--codebook",
            cb.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains("--codebook"), "{err}");
        assert_eq!(std::fs::read_to_string(&cb).unwrap(), text);
    }
}

#[cfg(unix)]
#[test]
fn init_keeps_a_dangling_link_without_force() {
    let dir = TempDir::new().unwrap();
    let link = dir.path().join("studies.csv");
    std::os::unix::fs::symlink(dir.path().join("nowhere.csv"), &link).unwrap();
    let (code, _, err) = run(&["init", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn contradictory_directions_within_an_outcome_are_refused() {
    let dir = TempDir::new().unwrap();
    let mut s = String::from("study,outcome_domain,outcome,yi,vi,higher_is_better\n");
    for (i, h) in ["true", "true", "false", "true", "true", "true"]
        .iter()
        .enumerate()
    {
        s += &format!("S{i},mental health,WEMWBS,0.{i},0.04,{h}\n");
    }
    let input = write_csv(&dir, "d.csv", &s);
    let out = dir.path().join("r");
    let (code, _, err) = run(&["evaluate", &input, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'WEMWBS'"), "{err}");
    assert!(err.contains("rows 1, 2, 4, 5, 6"), "{err}");
    assert!(err.contains("lower in row 3"), "{err}");
}

/// Plants the temporaries a killed run (PID 999999, not running) would leave beside `output`.
fn plant_debris(output: &Path) -> Vec<std::path::PathBuf> {
    assert!(!Path::new("/proc/999999").exists());
    let dir = output.parent().unwrap();
    let name = output.file_name().unwrap().to_str().unwrap();
    let file = dir.join(format!(".{name}.tmp-999999"));
    std::fs::write(&file, "partial").unwrap();
    let old = dir.join(format!(".{name}.tmp-999999.old"));
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("x"), "partial").unwrap();
    vec![file, old]
}

#[test]
fn stale_temporaries_are_removed_at_start() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out.json");
    // A run that succeeds.
    let debris = plant_debris(&out);
    let bcg = fixture("bcg.csv");
    let o = out.to_str().unwrap();
    let (code, _, err) = run(&["meta", &bcg, "--measure", "RR", "--format", "json", "-o", o]);
    assert_eq!(code, 0, "{err}");
    assert!(debris.iter().all(|p| !p.exists()));
    // A run whose work fails after the paths are checked.
    let debris = plant_debris(&out);
    let bad = write_csv(&dir, "bad.csv", "study,yi\nA,0.1\nB,0.2\n");
    let (code, _, err) = run(&["meta", &bad, "--format", "json", "-o", o]);
    assert_ne!(code, 0, "{err}");
    assert!(debris.iter().all(|p| !p.exists()), "{err}");
}

#[cfg(unix)]
#[test]
fn a_full_disk_is_an_io_error() {
    let dir = TempDir::new().unwrap();
    let bulk = fixture("bulk_sample.csv");
    for ext in ["csv", "parquet"] {
        let out = dir.path().join(format!("full.{ext}"));
        std::os::unix::fs::symlink("/dev/full", &out).unwrap();
        let o = out.to_str().unwrap();
        let args = [
            "reanalyse",
            &bulk,
            "--group-by",
            "analysis_id",
            "--measure",
            "SMD",
            "-o",
            o,
        ];
        let (code, _, err) = run(&args);
        assert_eq!(code, 3, "reanalyse {ext}: {err}");
        let (code, _, err) = run(&["simulate", "--analyses", "50", "-o", o]);
        assert_eq!(code, 3, "simulate {ext}: {err}");
    }
}

#[test]
fn evaluate_replaces_its_own_report() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("report");
    let o = out.to_str().unwrap();
    for _ in 0..2 {
        let (code, _, err) = run(&["evaluate", "seeds/demo.parquet", "-o", o]);
        assert_eq!(code, 0, "{err}");
    }
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("rob_traffic_")),
        "{names:?}"
    );
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (code, _, err) = run(&["evaluate", "seeds/demo.parquet", "-o", o]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("notes.txt"), "{err}");
}
