//! Tests of the `peerstat` binary against data loss and panics: outputs naming an input, labels
//! too long for a text table, interrupted and oversized writes, decoder panics.

mod common;

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::cli::*;

/// Runs peerstat with `args` in the directory `cwd`; returns (exit code, stdout, stderr).
fn run_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("cannot run peerstat");
    (
        out.status.code().expect("peerstat was killed by a signal"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts peerstat with `args`, its output captured.
fn spawn(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run peerstat")
}

/// Waits for `child` at most `secs` seconds; kills it (and fails) if it is still running.
fn wait_at_most(child: &mut Child, secs: u64, what: &str) -> (ExitStatus, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("cannot wait for peerstat") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            return (status, err);
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: peerstat still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (at most 20 s) until `child` has a temporary file in `dir`, so that it is writing.
fn wait_for_temp_file(child: &mut Child, dir: &Path) {
    let start = Instant::now();
    while temp_files(dir).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "peerstat ended before writing"
        );
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no temporary file"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
}

/// Sends `signal` (e.g. "TERM") to `child`.
fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("cannot run kill")
        .success();
    assert!(ok, "kill -{signal} failed");
}

// ---------------------------------------------------------------------------------------------
// 1. An output naming an input is refused before any work
// ---------------------------------------------------------------------------------------------

/// Runs `args` (with `{in}` replaced by `input` as spelled) in `dir` and requires a refusal that
/// names the output and the input and leaves the input's bytes unchanged.
fn assert_refused(dir: &Path, input: &str, args: &[&str]) {
    let target = dir.join(input.trim_start_matches("./"));
    let before = std::fs::read(&target).unwrap();
    let res = run_in(dir, args);
    assert_fails(&res, &["is the input", input]);
    assert_eq!(
        std::fs::read(&target).unwrap(),
        before,
        "peerstat {args:?} changed its input"
    );
    assert!(temp_files(dir).is_empty(), "{:?}", temp_files(dir));
}

#[test]
fn meta_refuses_every_output_onto_its_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("bcg.csv"), dir.path().join("g.csv")).unwrap();
    let abs = path_str(&dir.path().join("g.csv"));
    let d = dir.path();
    assert_refused(
        d,
        "g.csv",
        &["meta", "g.csv", "--measure", "RR", "-o", "g.csv"],
    );
    assert_refused(
        d,
        "g.csv",
        &["meta", "g.csv", "--measure", "RR", "-o", "./g.csv"],
    );
    assert_refused(
        d,
        "g.csv",
        &["meta", "./g.csv", "--measure", "RR", "-o", &abs],
    );
    assert_refused(
        d,
        "g.csv",
        &["meta", "g.csv", "--measure", "RR", "--forest", "g.csv"],
    );
    assert_refused(
        d,
        "g.csv",
        &[
            "meta",
            "g.csv",
            "--measure",
            "RR",
            "--mods",
            "ablat",
            "--bubble",
            &abs,
        ],
    );
    assert_refused(
        d,
        "g.csv",
        &[
            "meta",
            "g.csv",
            "--measure",
            "RR",
            "--method",
            "MH",
            "-o",
            "g.csv",
        ],
    );
    // A symbolic link to the input is the input.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("g.csv"), d.join("link.csv")).unwrap();
        assert_refused(
            d,
            "g.csv",
            &["meta", "g.csv", "--measure", "RR", "-o", "link.csv"],
        );
    }
}

#[test]
fn every_command_refuses_an_output_onto_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(fixture("bcg.csv"), d.join("g.csv")).unwrap();
    std::fs::copy(fixture("bcg.parquet"), d.join("g.parquet")).unwrap();
    std::fs::copy("fixtures/econ/patients.csv", d.join("p.csv")).unwrap();
    assert_refused(
        d,
        "g.csv",
        &["effects", "g.csv", "--measure", "RR", "-o", "./g.csv"],
    );
    assert_refused(
        d,
        "g.parquet",
        &["effects", "g.parquet", "--measure", "RR", "-o", "g.parquet"],
    );
    assert_refused(
        d,
        "g.csv",
        &[
            "reanalyse",
            "g.csv",
            "--group-by",
            "alloc",
            "--measure",
            "RR",
            "-o",
            "g.csv",
        ],
    );
    assert_refused(
        d,
        "g.csv",
        &["bias", "g.csv", "--measure", "RR", "--funnel", "g.csv"],
    );
    assert_refused(
        d,
        "g.csv",
        &["bias", "g.csv", "--measure", "RR", "-o", "g.csv"],
    );
    assert_refused(
        d,
        "g.csv",
        &["influence", "g.csv", "--measure", "RR", "-o", "g.csv"],
    );
    let cea = [
        "cea",
        "p.csv",
        "--treatment",
        "peer",
        "--control",
        "control",
        "--boot",
        "20",
    ];
    for flag in ["-o", "--plane", "--ceac", "--draws-out"] {
        let mut args = cea.to_vec();
        args.extend([flag, "./p.csv"]);
        assert_refused(d, "./p.csv", &args);
    }
}

#[test]
fn framework_commands_refuse_outputs_onto_their_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/demo.parquet");
    let costs = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/demo_costs.parquet");
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/framework.toml");
    std::fs::create_dir(d.join("rep")).unwrap();
    std::fs::copy(&demo, d.join("rep/demo.parquet")).unwrap();
    std::fs::copy(&costs, d.join("rep/demo_costs.parquet")).unwrap();
    std::fs::copy(&book, d.join("rep/book.toml")).unwrap();
    std::fs::copy(&demo, d.join("demo.parquet")).unwrap();
    // The report folder is replaced as a whole: no input may live in it.
    assert_refused(
        d,
        "rep/demo.parquet",
        &["evaluate", "rep/demo.parquet", "-o", "rep"],
    );
    assert_refused(
        d,
        "rep/demo_costs.parquet",
        &[
            "evaluate",
            "demo.parquet",
            "--costs",
            "rep/demo_costs.parquet",
            "-o",
            "./rep/",
        ],
    );
    assert_refused(
        d,
        "rep/book.toml",
        &[
            "evaluate",
            "demo.parquet",
            "--codebook",
            "rep/book.toml",
            "-o",
            "rep",
        ],
    );
    assert_refused(
        d,
        "demo.parquet",
        &["map", "demo.parquet", "-o", "demo.parquet"],
    );
    assert_refused(
        d,
        "rep/book.toml",
        &[
            "map",
            "demo.parquet",
            "--codebook",
            "rep/book.toml",
            "-o",
            "rep/book.toml",
        ],
    );
}

#[test]
fn two_outputs_onto_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("x.svg"));
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--forest",
        &out,
        "-o",
        &out,
    ]);
    assert_fails(&res, &["--forest", "-o", "the same file"]);
    assert!(!dir.path().join("x.svg").exists());
}

// ---------------------------------------------------------------------------------------------
// 2. Labels of any length in text tables
// ---------------------------------------------------------------------------------------------

#[test]
fn very_long_labels_are_truncated_in_text_tables_and_kept_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let long = "é".repeat(70_000);
    let f = write_csv(
        &dir,
        "long.csv",
        &format!(
            "study,yi,vi,grp,x,cl\n{long},0.1,0.02,{long},1,{long}\nB,0.4,0.03,{long},2,{long}\n\
             C,0.3,0.05,b,3,c\nD,0.2,0.04,b,4,c\nE,0.5,0.02,b,5,d\nF,0.6,0.03,b,6,d\n"
        ),
    );
    let runs: [&[&str]; 6] = [
        &["meta", &f],
        &["meta", &f, "--by", "grp"],
        &["meta", &f, "--mods", "grp"],
        &["meta", &f, "--mods", "grp", "--cluster", "cl"],
        &["influence", &f],
        &["influence", &f, "--cumulative"],
    ];
    for args in runs {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "peerstat {:?}: {err}", &args[..args.len().min(4)]);
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.contains('…'), "no truncated label in {out}");
        for line in out.lines() {
            assert!(
                line.chars().count() < 200,
                "line of {} chars",
                line.chars().count()
            );
        }
    }
    let json = meta_json(&[&f]);
    assert_eq!(json["studies"][0]["study"].as_str().unwrap(), long);
}

#[test]
fn very_long_labels_in_cea_and_mantel_haenszel_tables() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(70_000);
    let s = write_csv(
        &dir,
        "s.csv",
        &format!("strategy,cost,effect\n{long},100,1\nB,200,1.5\nC,400,1.6\n"),
    );
    let b = write_csv(
        &dir,
        "b.csv",
        &format!("{BIN_HEADER}{long},4,123,11,139\nB,6,306,29,303\nC,3,231,11,220\n"),
    );
    for args in [
        vec!["cea", s.as_str()],
        vec!["meta", b.as_str(), "--measure", "OR", "--method", "MH"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "peerstat {:?}: {err}", args[0]);
        assert!(!err.contains("panicked"), "{err}");
        for line in out.lines() {
            assert!(
                line.chars().count() < 200,
                "line of {} chars",
                line.chars().count()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. No debris from interrupted or oversized writes
// ---------------------------------------------------------------------------------------------

#[test]
fn stale_temp_file_of_the_target_is_removed_by_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stale = d.join(".out.csv.tmp-999999");
    std::fs::write(&stale, "half a file").unwrap();
    // A temporary file of a live process (this test) and one of another target stay.
    let live = d.join(format!(".out.csv.tmp-{}", std::process::id()));
    std::fs::write(&live, "being written").unwrap();
    let other = d.join(".other.csv.tmp-999999");
    std::fs::write(&other, "not ours").unwrap();
    let out = path_str(&d.join("out.csv"));
    let res = run(&[
        "effects",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "-o",
        &out,
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    assert!(!stale.exists(), "the stale temporary file is left");
    assert!(live.exists() && other.exists());
}

#[test]
fn term_during_simulate_removes_its_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("big.parquet"));
    let mut child = spawn(&["simulate", "--analyses", "3000000", "-o", &out]);
    wait_for_temp_file(&mut child, dir.path());
    signal(&child, "TERM");
    let (status, err) = wait_at_most(&mut child, 20, "simulate after TERM");
    assert_eq!(status.code(), Some(143), "{status:?} {err}");
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
    assert!(!dir.path().join("big.parquet").exists());
}

#[test]
fn int_during_reanalyse_removes_its_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = path_str(&dir.path().join("in.parquet"));
    let res = run(&["simulate", "--analyses", "200000", "-o", &input]);
    assert_eq!(res.0, 0, "{}", res.2);
    let out = path_str(&dir.path().join("out.csv"));
    let mut child = spawn(&[
        "reanalyse",
        &input,
        "--group-by",
        "analysis_id",
        "--measure",
        "GEN",
        "--threads",
        "1",
        "-o",
        &out,
    ]);
    wait_for_temp_file(&mut child, dir.path());
    signal(&child, "INT");
    let (status, err) = wait_at_most(&mut child, 20, "reanalyse after INT");
    assert_eq!(status.code(), Some(130), "{status:?} {err}");
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
    assert!(!dir.path().join("out.csv").exists());
}

#[test]
fn simulate_over_the_cap_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("huge.parquet"));
    let mut child = spawn(&["simulate", "--analyses", "100000000000", "-o", &out]);
    let (status, err) = wait_at_most(&mut child, 10, "simulate over the cap");
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("--allow-large"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // With the override, the size is still checked against the free space.
    let mut child = spawn(&[
        "simulate",
        "--analyses",
        "100000000000",
        "--allow-large",
        "-o",
        &out,
    ]);
    let (status, err) = wait_at_most(&mut child, 10, "simulate beyond the free space");
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(err.contains("free"), "{err}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn evaluate_replaces_the_report_folder_as_a_whole() {
    let dir = tempfile::tempdir().unwrap();
    let rep = dir.path().join("rep");
    std::fs::create_dir(&rep).unwrap();
    // A plot of a previous run with more domains: not part of the new report.
    std::fs::write(rep.join("forest_99.svg"), "<svg/>").unwrap();
    std::fs::write(rep.join("index.html"), "old").unwrap();
    let res = run(&["evaluate", "seeds/demo.parquet", "-o", &path_str(&rep)]);
    assert_eq!(res.0, 0, "{}", res.2);
    assert!(!rep.join("forest_99.svg").exists(), "an old file is left");
    assert_ne!(
        std::fs::read_to_string(rep.join("index.html")).unwrap(),
        "old"
    );
    assert!(rep.join("results.json").exists());
    assert!(
        temp_files(dir.path()).is_empty(),
        "{:?}",
        temp_files(dir.path())
    );
    assert!(temp_files(&rep).is_empty(), "{:?}", temp_files(&rep));
    // A folder holding other files is not replaced.
    std::fs::write(rep.join("notes.txt"), "mine").unwrap();
    let res = run(&["evaluate", "seeds/demo.parquet", "-o", &path_str(&rep)]);
    assert_fails(&res, &["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(rep.join("notes.txt")).unwrap(),
        "mine"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. A decoder panic is an error, silently
// ---------------------------------------------------------------------------------------------

/// bcg.parquet with one byte changed so that the Arrow decoder panics (offset + len out of
/// bounds) on the data, or the Parquet metadata parser (negative column start) on the footer.
fn panicking_parquet(dir: &tempfile::TempDir, offset: usize, was: u8) -> String {
    let mut bytes = std::fs::read(fixture("bcg.parquet")).unwrap();
    assert_eq!(bytes[offset], was, "fixture changed; find another byte");
    bytes[offset] = 0xff;
    write_bytes(dir, &format!("panic_{offset}.parquet"), &bytes)
}

#[test]
fn decoder_panic_is_an_error_without_panic_text() {
    let dir = tempfile::tempdir().unwrap();
    let data = panicking_parquet(&dir, 1390, 26);
    let footer = panicking_parquet(&dir, 1733, 144);
    let out = path_str(&dir.path().join("out.csv"));
    let runs: [&[&str]; 3] = [
        &["meta", &data, "--measure", "RR"],
        &["meta", &footer, "--measure", "RR"],
        // The damaged column (year) is the group key, decoded by the streaming reader.
        &[
            "reanalyse",
            &data,
            "--group-by",
            "year",
            "--measure",
            "RR",
            "-q",
            "-o",
            &out,
        ],
    ];
    for args in runs {
        // Backtraces on, as in a developer's shell: still none printed.
        let o = Command::new(BIN)
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("corrupt Parquet file"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!err.contains("backtrace"), "{err}");
    }
}
