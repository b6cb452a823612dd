//! Helpers for the tests of the `peerstat` binary (`tests/cli_*.rs`): running it, writing
//! inputs, reading its output.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

/// The `peerstat` binary built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_peerstat");

/// metafor: rma(yi, vi) on escalc("RR", dat.bcg), REML.
pub const BCG_RR_ESTIMATE: f64 = -0.7145323;
pub const BCG_RR_TAU2: f64 = 0.3132433;

/// Runs peerstat with `args`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("cannot run peerstat");
    (
        out.status.code().expect("peerstat was killed by a signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `contents` to `dir/name` and returns the path as a string.
pub fn write_csv(dir: &TempDir, name: &str, contents: &str) -> String {
    write_bytes(dir, name, contents.as_bytes())
}

/// Writes the bytes `contents` to `dir/name` and returns the path as a string.
pub fn write_bytes(dir: &TempDir, name: &str, contents: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("cannot write test input");
    path_str(&path)
}

/// `p` as a string (temporary and fixture paths are UTF-8).
pub fn path_str(p: &Path) -> String {
    p.to_str().expect("temp path is not UTF-8").to_string()
}

/// Path of `fixtures/NAME` in this repository.
pub fn fixture(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", name]
        .iter()
        .collect();
    path_str(&p)
}

/// Parses peerstat's stdout as JSON, showing it if it is not.
pub fn parse_json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"))
}

/// `v[key]` as a number (panics, naming the key, if it is not one).
pub fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("'{key}' is not a number: {}", v[key]))
}

/// Runs `meta ... --format json`, requires exit 0, returns the parsed JSON.
pub fn meta_json(args: &[&str]) -> Value {
    let mut all = vec!["meta"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "peerstat {all:?} failed: {err}");
    parse_json(&out)
}

/// Asserts a failed run: exit code 2, no panic, and every `needles` item in stderr.
pub fn assert_fails(res: &(i32, String, String), needles: &[&str]) {
    let (code, _, err) = res;
    assert_eq!(*code, 2, "expected exit code 2, got {code}; stderr: {err}");
    assert!(!err.contains("panicked"), "peerstat panicked: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

/// CSV headers of the canonical continuous-outcome and binary-outcome schemas.
pub const CONT_HEADER: &str = "study,n_t,mean_t,sd_t,n_c,mean_c,sd_c\n";
pub const BIN_HEADER: &str = "study,events_t,n_t,events_c,n_c\n";

/// Names of leftover temporary files (`.NAME.tmp-*`) in `dir`.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".tmp-"))
        .collect()
}

/// Runs peerstat with `args`, requires exit 0, returns stdout parsed as JSON.
pub fn json_of(args: &[&str]) -> Value {
    let res = run(args);
    assert_eq!(res.0, 0, "stderr: {}", res.2);
    serde_json::from_str(&res.1).expect("JSON")
}
