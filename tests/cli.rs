//! Integration tests for the `peerstat` binary: exit codes, error messages, the JSON/CSV/table
//! output contracts, column renames, effect-size export and atomic writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_peerstat");

/// metafor: rma(yi, vi) on escalc("RR", dat.bcg), REML.
const BCG_RR_ESTIMATE: f64 = -0.7145323;
const BCG_RR_TAU2: f64 = 0.3132433;

/// Runs peerstat with `args`; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
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
fn write_csv(dir: &TempDir, name: &str, contents: &str) -> String {
    write_bytes(dir, name, contents.as_bytes())
}

fn write_bytes(dir: &TempDir, name: &str, contents: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("cannot write test input");
    path_str(&path)
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("temp path is not UTF-8").to_string()
}

fn fixture(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", name]
        .iter()
        .collect();
    path_str(&p)
}

fn parse_json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("'{key}' is not a number: {}", v[key]))
}

/// Runs `meta ... --format json`, requires exit 0, returns the parsed JSON.
fn meta_json(args: &[&str]) -> Value {
    let mut all = vec!["meta"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "peerstat {all:?} failed: {err}");
    parse_json(&out)
}

/// Asserts a failed run: exit code 2, no panic, and every `needles` item in stderr.
fn assert_fails(res: &(i32, String, String), needles: &[&str]) {
    let (code, _, err) = res;
    assert_eq!(*code, 2, "expected exit code 2, got {code}; stderr: {err}");
    assert!(!err.contains("panicked"), "peerstat panicked: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

const CONT_HEADER: &str = "study,n_t,mean_t,sd_t,n_c,mean_c,sd_c\n";
const BIN_HEADER: &str = "study,events_t,n_t,events_c,n_c\n";

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2 with file, row (line) and column named
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_column_lists_columns_and_suggests_col() {
    let bcg = fixture("bcg.csv");
    let res = run(&["meta", &bcg, "--measure", "SMD"]);
    assert_fails(
        &res,
        &[
            &bcg,
            "missing column 'mean_t'",
            "columns present: study, events_t, n_t, events_c, n_c, ablat, alloc, year, trial",
            "--col mean_t=",
        ],
    );
}

#[test]

fn missing_renamed_column_hint_uses_canonical_name() {
    let bcg = fixture("bcg.csv");
    let res = run(&["meta", &bcg, "--measure", "RR", "--col", "n_t=nn1"]);
    assert_fails(&res, &[&bcg, "missing column 'nn1'", "--col n_t="]);
    assert!(
        !res.2.contains("--col nn1="),
        "hint names the wrong column: {}",
        res.2
    );
}

#[test]
fn non_numeric_text_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "text.csv",
        &format!("{CONT_HEADER}A,10,1,1,10,0,1\nB,12,2,abc,11,0,1\n"),
    );
    let res = run(&["meta", &f, "--measure", "MD"]);
    assert_fails(&res, &[&f, "row 2 (line 3)", "column 'sd_t'", "'abc'"]);
}

#[test]
fn negative_sd_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "negsd.csv",
        &format!("{CONT_HEADER}A,10,1,1,10,0,1\nB,12,2,1,11,0,-0.5\nC,9,1,1,9,0,1\n"),
    );
    let res = run(&["meta", &f, "--measure", "SMD"]);
    assert_fails(
        &res,
        &[&f, "row 2 (line 3)", "column 'sd_c'", "cannot be negative"],
    );
}

#[test]
fn negative_vi_with_gen_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "negvi.csv",
        "study,yi,vi\nA,0.1,0.1\nB,0.2,0.3\nC,0.2,-0.1\n",
    );
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(
        &res,
        &[&f, "row 3 (line 4)", "column 'vi'", "sampling variance"],
    );
}

#[test]
fn negative_sei_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "negsei.csv", "study,yi,sei\nA,0.1,-0.2\nB,0.2,0.3\n");
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(
        &res,
        &[&f, "row 1 (line 2)", "column 'sei'", "standard error"],
    );
}

#[test]
fn group_size_of_one_in_continuous_arm_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "n1.csv",
        &format!("{CONT_HEADER}A,10,1,1,10,0,1\nB,12,2,1,1,0,1\n"),
    );
    let res = run(&["meta", &f, "--measure", "MD"]);
    assert_fails(&res, &[&f, "row 2 (line 3)", "column 'n_c'", "at least 2"]);
}

#[test]
fn events_above_group_size_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "evgt.csv",
        &format!("{BIN_HEADER}A,3,10,2,10\nB,12,10,2,10\n"),
    );
    let res = run(&["meta", &f, "--measure", "OR"]);
    assert_fails(
        &res,
        &[&f, "row 2 (line 3)", "column 'events_t'", "found 12"],
    );
}

#[test]
fn negative_events_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "evneg.csv",
        &format!("{BIN_HEADER}A,3,10,2,10\nB,2,10,-1,10\n"),
    );
    let res = run(&["meta", &f, "--measure", "RR"]);
    assert_fails(
        &res,
        &[&f, "row 2 (line 3)", "column 'events_c'", "found -1"],
    );
}

#[test]
fn nan_cell_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "nan.csv", "study,yi,vi\nA,0.1,0.1\nB,NaN,0.1\n");
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "row 2 (line 3)", "column 'yi'", "finite"]);
}

#[test]
fn inf_cell_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "inf.csv",
        &format!("{CONT_HEADER}A,10,1,1,10,0,1\nB,12,inf,1,11,0,1\n"),
    );
    let res = run(&["meta", &f, "--measure", "SMD"]);
    assert_fails(&res, &[&f, "row 2 (line 3)", "column 'mean_t'", "finite"]);
}

#[test]
fn non_finite_cell_in_parquet_names_row_without_line() {
    // `effects` passes extra columns through untouched, so a NaN in `y2` reaches the Parquet file.
    let dir = tempfile::tempdir().unwrap();
    let csv = write_csv(
        &dir,
        "extra.csv",
        "study,events_t,n_t,events_c,n_c,y2,v2\n\
         A,4,123,11,139,0.1,0.1\nB,6,306,29,303,0.2,0.2\nC,3,231,11,220,NaN,0.1\n",
    );
    let pq = path_str(&dir.path().join("extra.parquet"));
    let (code, _, err) = run(&["effects", &csv, "--measure", "RR", "-o", &pq]);
    assert_eq!(code, 0, "{err}");
    let res = run(&["meta", &pq, "--col", "yi=y2", "--col", "vi=v2"]);
    assert_fails(&res, &[&pq, "row 3, column 'y2'", "NaN"]);
    assert!(!res.2.contains("line"), "Parquet has no lines: {}", res.2);
}

#[test]
fn empty_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "empty.csv", "");
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "empty"]);
}

#[test]
fn header_only_csv_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "header.csv", "study,yi,vi\n");
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "no data rows"]);
}

#[test]
fn ragged_csv_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "ragged.csv",
        "study,yi,vi\nA,0.1,0.1\nB,0.2,0.1\nC,0.3,0.1,9\n",
    );
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "line 4", "4 fields", "header has 3"]);
}

#[test]

fn line_number_counts_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Line 1 header, line 2 A, line 3 blank, line 4 B (the bad row).
    let f = write_csv(&dir, "blank.csv", "study,yi,vi\nA,0.1,0.1\n\nB,0.2,-0.1\n");
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "row 2 (line 4)", "column 'vi'"]);
}

#[test]

fn line_number_counts_multiline_quoted_fields() {
    let dir = tempfile::tempdir().unwrap();
    // Lines 2-3 hold study "A\nmultiline"; the bad row B is on line 4.
    let f = write_csv(
        &dir,
        "multiline.csv",
        "study,yi,vi\n\"A\nmultiline\",0.1,0.1\nB,0.2,-0.1\n",
    );
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "row 2 (line 4)", "column 'vi'"]);
}

#[test]
fn truncated_parquet_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("bcg.parquet")).unwrap();
    let f = write_bytes(&dir, "half.parquet", &bytes[..bytes.len() / 2]);
    let res = run(&["meta", &f, "--measure", "RR"]);
    assert_fails(&res, &[&f, "Parquet"]);
}

#[test]
fn garbage_parquet_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    // Deterministic pseudo-random bytes (xorshift).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let f = write_bytes(&dir, "garbage.parquet", &bytes);
    let res = run(&["meta", &f, "--measure", "RR"]);
    assert_fails(&res, &[&f, "Parquet"]);
}

#[test]

fn corrupt_arrow_schema_in_parquet_is_read_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("bcg.parquet")).unwrap();
    // Offset 2719 lies in the base64 ARROW:schema value of the footer key-value metadata.
    assert_eq!(
        bytes[2719], b'A',
        "fixture changed; pick a byte in ARROW:schema"
    );
    bytes[2719] = b'+';
    let f = write_bytes(&dir, "corrupt.parquet", &bytes);
    let res = run(&["meta", &f, "--measure", "RR", "--format", "json"]);
    // The Arrow schema in the footer is not needed (types come from the Parquet schema), so
    // the data, which are intact, are read: no panic, the BCG result.
    assert_eq!(res.0, 0, "stderr: {}", res.2);
    assert!(res.1.contains("-0.71453234"), "{}", res.1);
}

#[test]
fn unknown_measure_is_rejected() {
    let res = run(&["meta", &fixture("bcg.csv"), "--measure", "XYZ"]);
    assert_fails(&res, &["unknown measure 'XYZ'", "SMD", "GEN"]);
}

#[test]
fn unknown_method_is_rejected() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--method",
        "FOO",
    ]);
    assert_fails(&res, &["unknown method 'FOO'", "REML", "DL"]);
}

#[test]
fn non_positive_mean_for_rom_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "rom.csv",
        &format!("{CONT_HEADER}A,10,1,1,10,1,1\nB,12,2,1,11,0,1\n"),
    );
    let res = run(&["meta", &f, "--measure", "ROM"]);
    assert_fails(&res, &[&f, "row 2 (line 3)", "column 'mean_c'", "positive"]);
    // The same data is fine for MD.
    assert_eq!(run(&["meta", &f, "--measure", "MD"]).0, 0);
}

#[test]
fn unknown_file_extension_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "data.xlsx", "study,yi,vi\nA,0.1,0.1\n");
    let res = run(&["meta", &f, "--measure", "GEN"]);
    assert_fails(&res, &[&f, "unknown file type"]);
}

#[test]
fn col_without_equals_is_rejected() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--col",
        "n_t",
    ]);
    assert_fails(&res, &["--col expects canonical=actual", "'n_t'"]);
}

#[test]
fn level_120_is_rejected() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--level",
        "120",
    ]);
    assert_fails(&res, &["confidence level", "120"]);
}

// ---------------------------------------------------------------------------------------------
// Missing values
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_values_omit_studies_with_warning() {
    let (code, out, err) = run(&[
        "meta",
        &fixture("gibson2002.csv"),
        "--measure",
        "SMD",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("omitted"), "{err}");
    assert!(err.contains("row 14 (study 'Yoon 1993')"), "{err}");
    assert!(err.contains("row 15 (study 'Brewin 1995')"), "{err}");
    let j = parse_json(&out);
    assert_eq!(j["k"], 13);
    let names: Vec<&str> = j["studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["study"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"Yoon 1993") && !names.contains(&"Brewin 1995"));
}

#[test]
fn missing_values_with_strict_fail() {
    let g = fixture("gibson2002.csv");
    let res = run(&["meta", &g, "--measure", "SMD", "--strict"]);
    assert_fails(
        &res,
        &[&g, "row 14 (line 15)", "column 'mean_t'", "missing"],
    );
}

// ---------------------------------------------------------------------------------------------
// Degenerate data
// ---------------------------------------------------------------------------------------------

#[test]
fn single_study_works() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "k1.csv", "study,yi,vi\nOnly,0.3,0.04\n");
    let j = meta_json(&[&f]);
    assert_eq!(j["k"], 1);
    assert_eq!(num(&j, "tau2"), 0.0);
    assert!((num(&j, "estimate") - 0.3).abs() < 1e-12);
    assert!((num(&j, "se") - 0.2).abs() < 1e-12);
    assert_eq!(j["q_df"], 0);
    assert!((num(&j["studies"][0], "weight") - 100.0).abs() < 1e-9);
}

#[test]
fn identical_effects_have_no_heterogeneity() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "same.csv",
        "study,yi,vi\nA,0.25,0.01\nB,0.25,0.04\nC,0.25,0.02\nD,0.25,0.09\n",
    );
    let j = meta_json(&[&f]);
    assert_eq!(j["k"], 4);
    assert_eq!(num(&j, "tau2"), 0.0);
    assert_eq!(num(&j, "i2"), 0.0);
    assert!(num(&j, "q").abs() < 1e-12);
    assert!((num(&j, "estimate") - 0.25).abs() < 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Output contracts
// ---------------------------------------------------------------------------------------------

#[test]
fn json_contract_for_bcg_rr() {
    let j = meta_json(&[&fixture("bcg.csv"), "--measure", "RR"]);
    let obj = j.as_object().expect("top level is an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = vec![
        "measure",
        "method",
        "k",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "statistic",
        "p_value",
        "tau2",
        "tau2_ci_lower",
        "tau2_ci_upper",
        "tau",
        "i2",
        "i2_ci_lower",
        "i2_ci_upper",
        "h2",
        "q",
        "q_df",
        "q_p",
        "pi_lower",
        "pi_upper",
        "iterations",
        "studies",
        // The options that produced the result (issue #10: every command's JSON records them).
        "options",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(j["options"]["model"]["method"], "REML");
    assert_eq!(j["options"]["effect"]["to"], "only0");
    // Flat: every value but `studies` and `options` is a scalar.
    for (k, v) in obj {
        if k != "studies" && k != "options" {
            assert!(
                !v.is_object() && !v.is_array(),
                "'{k}' is not a scalar: {v}"
            );
        }
    }
    assert_eq!(j["measure"], "RR");
    assert_eq!(j["method"], "REML");
    assert_eq!(j["k"], 13);
    assert!((num(&j, "estimate") - BCG_RR_ESTIMATE).abs() < 1e-6);
    assert!((num(&j, "tau2") - BCG_RR_TAU2).abs() < 1e-6);

    let studies = j["studies"].as_array().expect("studies is a list");
    assert_eq!(studies.len(), 13);
    let mut total = 0.0;
    for s in studies {
        let mut sk: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        sk.sort_unstable();
        assert_eq!(sk, ["study", "vi", "weight", "yi"]);
        assert!(s["study"].is_string());
        total += num(s, "weight");
    }
    assert!((total - 100.0).abs() < 1e-9, "weights sum to {total}");
    assert_eq!(studies[0]["study"], "Aronson 1948");
    // metafor escalc("RR"), Aronson 1948
    assert!((num(&studies[0], "yi") + 0.889_311_334).abs() < 1e-8);
}

#[test]
fn parquet_and_csv_give_identical_json() {
    let args = ["--measure", "RR", "--format", "json"];
    let (c1, csv_out, e1) = run(&[&["meta", &fixture("bcg.csv")][..], &args].concat());
    let (c2, pq_out, e2) = run(&[&["meta", &fixture("bcg.parquet")][..], &args].concat());
    assert_eq!((c1, c2), (0, 0), "{e1}{e2}");
    assert!(!csv_out.is_empty());
    assert_eq!(csv_out, pq_out);
}

#[test]
fn csv_format_is_header_and_one_row() {
    let bcg = fixture("bcg.csv");
    let (code, out, err) = run(&["meta", &bcg, "--measure", "RR", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let header: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(header.len(), row.len());
    assert_eq!(header[..4], ["measure", "method", "k", "estimate"]);
    assert!(!header.contains(&"studies"));
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("measure"), "RR");
    assert_eq!(col("k"), "13");
    let est: f64 = col("estimate").parse().unwrap();
    let j = meta_json(&[&bcg, "--measure", "RR"]);
    assert_eq!(est, num(&j, "estimate"));
    assert!((est - BCG_RR_ESTIMATE).abs() < 1e-6);
}

#[test]
fn table_format_has_header_and_back_transform() {
    let (code, out, err) = run(&["meta", &fixture("bcg.csv"), "--measure", "RR"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Random-Effects Model (k = 13; tau^2 estimator: REML)"),
        "{out}"
    );
    // exp(-0.7145323) = 0.4894
    let back = out
        .lines()
        .find(|l| l.contains("risk ratio") && l.starts_with("Back-transformed"))
        .unwrap_or_else(|| panic!("no back-transformed risk ratio line:\n{out}"));
    assert!(back.contains("0.4894"), "{back}");
}

#[test]
fn col_renames_columns() {
    let dir = tempfile::tempdir().unwrap();
    let canonical = std::fs::read_to_string(fixture("normand1999.csv")).unwrap();
    let (head, body) = canonical.split_once('\n').unwrap();
    assert_eq!(head.trim_end(), "study,n_t,mean_t,sd_t,n_c,mean_c,sd_c");
    let renamed = write_csv(
        &dir,
        "renamed.csv",
        &format!("study,n1,m1,s1,n2,m2,s2\n{body}"),
    );
    let want = meta_json(&[&fixture("normand1999.csv"), "--measure", "SMD"]);
    let mut args = vec![renamed.as_str(), "--measure", "SMD"];
    for spec in [
        "n_t=n1",
        "mean_t=m1",
        "sd_t=s1",
        "n_c=n2",
        "mean_c=m2",
        "sd_c=s2",
    ] {
        args.extend_from_slice(&["--col", spec]);
    }
    let got = meta_json(&args);
    assert_eq!(got["k"], 9);
    assert_eq!(got, want);
    // Without the renames the file is rejected.
    let res = run(&["meta", &renamed, "--measure", "SMD"]);
    assert_fails(&res, &[&renamed, "missing column 'n_t'"]);
}

// ---------------------------------------------------------------------------------------------
// effects, -o and atomic writes
// ---------------------------------------------------------------------------------------------

#[test]
fn effects_to_csv_keeps_columns_and_adds_yi_vi() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("out.csv"));
    let (code, _, err) = run(&[
        "effects",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "-o",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "study", "events_t", "n_t", "events_c", "n_c", "ablat", "alloc", "year", "trial", "yi",
            "vi"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 13);
    assert_eq!(&rows[0][0], "Aronson 1948");
    let arms: Vec<&str> = (1..5).map(|i| &rows[0][i]).collect();
    assert_eq!(arms, ["4", "123", "11", "139"]);
    let fit = meta_json(&[&fixture("bcg.csv"), "--measure", "RR"]);
    for (r, s) in rows.iter().zip(fit["studies"].as_array().unwrap()) {
        assert_eq!(&r[0], s["study"].as_str().unwrap());
        assert_eq!(r[9].parse::<f64>().unwrap(), num(s, "yi"));
        assert_eq!(r[10].parse::<f64>().unwrap(), num(s, "vi"));
    }
}

#[test]
fn effects_to_parquet_round_trips_through_gen() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("out.parquet"));
    let (code, _, err) = run(&[
        "effects",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "-o",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    let gen = meta_json(&[&out, "--measure", "GEN"]);
    let rr = meta_json(&[&fixture("bcg.csv"), "--measure", "RR"]);
    assert_eq!(gen["measure"], "GEN");
    assert_eq!(gen["k"], 13);
    assert!((num(&gen, "estimate") - num(&rr, "estimate")).abs() < 1e-12);
    assert!((num(&gen, "tau2") - num(&rr, "tau2")).abs() < 1e-12);
    assert_eq!(gen["studies"], rr["studies"]);
}

/// Names of leftover temporary files (`.NAME.tmp-*`) in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".tmp-"))
        .collect()
}

#[test]
fn bad_input_leaves_existing_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write_csv(
        &dir,
        "bad.csv",
        &format!("{CONT_HEADER}A,10,1,1,10,0,1\nB,12,2,-1,11,0,1\n"),
    );
    let sentinel: &[u8] = b"previous contents\n\x00\xff";
    for name in ["out.csv", "out.parquet"] {
        let out = write_bytes(&dir, name, sentinel);
        let res = run(&["effects", &bad, "--measure", "MD", "-o", &out]);
        assert_fails(&res, &[&bad, "row 2 (line 3)", "column 'sd_t'"]);
        assert_eq!(std::fs::read(&out).unwrap(), sentinel, "{name} was changed");
    }
    let out = write_bytes(&dir, "fit.json", sentinel);
    let res = run(&[
        "meta",
        &bad,
        "--measure",
        "MD",
        "--format",
        "json",
        "-o",
        &out,
    ]);
    assert_fails(&res, &[&bad, "column 'sd_t'"]);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        sentinel,
        "fit.json was changed"
    );
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn effects_with_unknown_output_type_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("out.txt"));
    let res = run(&[
        "effects",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "-o",
        &out,
    ]);
    assert_fails(&res, &[&out, "unknown output type"]);
    assert!(!Path::new(&out).exists());
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn meta_output_file_gets_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("fit.json"));
    write_bytes(&dir, "fit.json", b"old");
    let bcg = fixture("bcg.csv");
    let (code, stdout, err) = run(&[
        "meta",
        &bcg,
        "--measure",
        "RR",
        "--format",
        "json",
        "-o",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty(), "stdout: {stdout}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(parse_json(&written), meta_json(&[&bcg, "--measure", "RR"]));
    assert!((num(&parse_json(&written), "estimate") - BCG_RR_ESTIMATE).abs() < 1e-6);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

#[test]

fn closed_stderr_pipe_does_not_panic() {
    let mut child = Command::new(BIN)
        .args(["meta", &fixture("gibson2002.csv"), "--measure", "SMD"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before peerstat writes its "omitted" warnings.
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

// ---- moderators (issue 4) ----

fn json_of(args: &[&str]) -> serde_json::Value {
    let res = run(args);
    assert_eq!(res.0, 0, "stderr: {}", res.2);
    serde_json::from_str(&res.1).expect("JSON")
}

#[test]
fn subgroups_json_has_levels_and_tests() {
    let j = json_of(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--by",
        "alloc",
        "--format",
        "json",
    ]);
    // core keys are the overall fit
    assert!((j["estimate"].as_f64().unwrap() + 0.7145323).abs() < 1e-6);
    let sg = j["subgroups"].as_array().unwrap();
    let levels: Vec<&str> = sg.iter().map(|g| g["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["alternate", "random", "systematic"]);
    assert_eq!(sg[1]["k"], 7);
    assert!(sg[0]["tau2"].is_number() && sg[0]["studies"].is_array());
    assert_eq!(j["subgroup_test"]["df"], 2);
    assert!(j["subgroup_test"]["p_value"].as_f64().unwrap() > 0.1);
    assert_eq!(j["subgroup_test_common_tau2"]["df"], 2);
}

#[test]
fn subgroup_with_single_study_level_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "s.csv",
        "study,yi,vi,mode\nA,0.1,0.01,online\nB,0.3,0.02,online\nC,0.5,0.03,phone\nD,0.2,0.01,\n",
    );
    let res = run(&["meta", &f, "--by", "mode", "--format", "json"]);
    assert_eq!(res.0, 0, "{}", res.2);
    assert!(
        res.2
            .contains("1 studies left out of the subgroup analysis"),
        "{}",
        res.2
    );
    let j: serde_json::Value = serde_json::from_str(&res.1).unwrap();
    assert_eq!(j["k"], 4, "overall fit keeps every study");
    assert_eq!(j["subgroups"][1]["single_study"], true);
    assert_eq!(j["subgroups"][0]["single_study"], false);
}

#[test]
fn meta_regression_json_keys() {
    let j = json_of(&[
        "meta",
        &fixture("bcg.parquet"),
        "--measure",
        "RR",
        "--mods",
        "ablat,alloc",
        "--format",
        "json",
    ]);
    let names: Vec<&str> = j["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["intrcpt", "ablat", "allocrandom", "allocsystematic"]
    );
    assert_eq!(j["qm_df"], 3);
    assert_eq!(j["qe_df"], 9);
    for key in ["qm", "qm_p", "qe", "qe_p", "r2", "tau2"] {
        assert!(j[key].is_number(), "{key}");
    }
    let j = json_of(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--mods",
        "ablat",
        "--knha",
        "--permutations",
        "200",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(j["permutation"]["used"], 200);
    assert_eq!(j["permutation"]["p_values"].as_array().unwrap().len(), 2);
}

#[test]
fn moderator_errors_exit_2() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--mods",
        "latitude",
    ]);
    assert_fails(&res, &["missing column 'latitude'"]);
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--mods",
        "ablat,ablat",
    ]);
    assert_fails(&res, &["collinear"]);
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--by",
        "nothing",
    ]);
    assert_fails(&res, &["missing column 'nothing'"]);
}

#[test]
fn rve_json() {
    let j = json_of(&[
        "meta",
        &fixture("corrdat.csv"),
        "--cluster",
        "study",
        "--mods",
        "males,college,binge",
        "--format",
        "json",
    ]);
    assert_eq!(j["rve"]["clusters"], 39);
    assert_eq!(j["rve"]["effects"], 172);
    // robumeta: b(college) = 0.4122631, tau^2 = 0.1558
    assert!((j["rve"]["coefficients"][2]["estimate"].as_f64().unwrap() - 0.41226314).abs() < 1e-7);
    assert!(j["rve"]["coefficients"][2]["df"].as_f64().unwrap() > 13.0);
}

// ---- diagnostics (issue 5) ----

#[test]
fn bias_json_and_funnel() {
    let dir = tempfile::tempdir().unwrap();
    let funnel = dir.path().join("f.svg");
    let res = run(&[
        "bias",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--format",
        "json",
        "--funnel",
        funnel.to_str().unwrap(),
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let j: serde_json::Value = serde_json::from_str(&res.1).unwrap();
    for key in ["statistic", "p_value", "limit_estimate"] {
        assert!(j["egger"][key].is_number(), "{key}");
    }
    assert!((j["begg"]["tau"].as_f64().unwrap() - 1.0 / 39.0).abs() < 1e-12);
    assert_eq!(j["trimfill"]["k0"], 1);
    assert_eq!(j["trimfill"]["side"], "right");
    assert_eq!(j["trimfill"]["filled"].as_array().unwrap().len(), 1);
    assert_eq!(j["fail_safe_n"]["rosenthal"], 598.0);
    assert_eq!(j["fail_safe_n"]["orwin"], 13.0);
    let svg = std::fs::read_to_string(funnel).unwrap();
    assert_eq!(svg.matches("class=\"study\"").count(), 13);
    assert_eq!(svg.matches("class=\"filled\"").count(), 1);
}

#[test]
fn bias_with_two_studies_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "two.csv", "study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\n");
    let res = run(&["bias", &f]);
    assert_fails(&res, &["at least 3 studies"]);
}

#[test]
fn influence_and_cumulative_json() {
    let res = run(&[
        "influence",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--format",
        "json",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let j: serde_json::Value = serde_json::from_str(&res.1).unwrap();
    let st = j["studies"].as_array().unwrap();
    assert_eq!(st.len(), 13);
    for key in [
        "study",
        "leave1out_estimate",
        "leave1out_se",
        "leave1out_tau2",
        "rstudent",
        "dffits",
        "cook_d",
        "cov_ratio",
        "tau2_deleted",
        "qe_deleted",
        "hat",
        "weight",
        "influential",
    ] {
        assert!(st[0].get(key).is_some(), "{key}");
    }
    let res = run(&[
        "influence",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--cumulative",
        "--order",
        "year",
        "--format",
        "json",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let j: serde_json::Value = serde_json::from_str(&res.1).unwrap();
    let c = j["cumulative"].as_array().unwrap();
    assert_eq!(c.len(), 13);
    assert_eq!(c[0]["study"], "Aronson 1948", "earliest year first");
    assert_eq!(c[1]["study"], "Ferguson & Simes 1949");
    assert_eq!(c[12]["study"], "TPT Madras 1980", "latest year last");
    assert_eq!(c[12]["k"], 13);
}

#[test]
fn mantel_haenszel_and_peto_methods() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--method",
        "MH",
        "--format",
        "json",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let j: serde_json::Value = serde_json::from_str(&res.1).unwrap();
    assert_eq!(j["method"], "MH");
    assert!((j["estimate"].as_f64().unwrap().exp() - 0.6353).abs() < 1e-4);
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "OR",
        "--method",
        "PETO",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    assert!(res.1.contains("odds ratio 0.6222"), "{}", res.1);
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--method",
        "PETO",
    ]);
    assert_fails(&res, &["--measure OR"]);
    let res = run(&[
        "meta",
        &fixture("normand1999.csv"),
        "--measure",
        "SMD",
        "--method",
        "MH",
    ]);
    assert_fails(&res, &["OR, RR or RD"]);
}

// ---- economics (issue 6) ----

#[test]
fn cea_shapes_json_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let j = json_of(&[
        "cea",
        "fixtures/econ/strategies_herc.csv",
        "--format",
        "json",
    ]);
    assert_eq!(j["shape"], "strategies");
    assert_eq!(j["frontier"][1]["icer"], 5000.0);
    assert_eq!(j["frontier"][5]["status"], "D");
    let ceac = dir.path().join("ceac.svg");
    let plane = dir.path().join("plane.svg");
    let res = run(&[
        "cea",
        "fixtures/econ/psa.csv",
        "--wtp-grid",
        "0:50000:5000",
        "--reference",
        "usual care",
        "--format",
        "json",
        "--ceac",
        ceac.to_str().unwrap(),
        "--plane",
        plane.to_str().unwrap(),
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let j: serde_json::Value = serde_json::from_str(&res.1).unwrap();
    assert_eq!(j["by_wtp"].as_array().unwrap().len(), 11);
    for key in [
        "wtp",
        "nmb",
        "p_best",
        "p_inmb_positive",
        "ceaf_strategy",
        "evpi",
    ] {
        assert!(j["by_wtp"][3].get(key).is_some(), "{key}");
    }
    let svg = std::fs::read_to_string(&ceac).unwrap();
    assert_eq!(svg.matches("class=\"ceac\"").count(), 3);
    assert_eq!(svg.matches("class=\"ceaf\"").count(), 11);
    let svg = std::fs::read_to_string(&plane).unwrap();
    assert_eq!(svg.matches("class=\"draws\"").count(), 2);
    let out = dir.path().join("boot.parquet");
    let j = json_of(&[
        "cea",
        "fixtures/econ/patients.csv",
        "--treatment",
        "peer",
        "--control",
        "control",
        "--boot",
        "300",
        "--seed",
        "4",
        "--draws-out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    for key in [
        "inc_cost",
        "inc_effect",
        "icer",
        "fieller",
        "inmb",
        "bootstrap",
    ] {
        assert!(j.get(key).is_some(), "{key}");
    }
    assert_eq!(j["fieller"]["kind"], "bounded");
    let back = peerstat::data::read_table(&out, &peerstat::data::ColumnMap::new()).unwrap();
    assert_eq!(back.nrows(), 300, "draws file has one row per replicate");
    assert_eq!(back.names(), ["replicate", "inc_cost", "inc_effect"]);
}

#[test]
fn cea_bad_input() {
    let res = run(&["cea", "fixtures/econ/patients.csv"]);
    assert_fails(&res, &["--treatment and --control", "'peer'"]);
    let res = run(&["cea", "fixtures/bcg.csv"]);
    assert_fails(&res, &["cannot tell the data shape"]);
    let res = run(&["cea", "fixtures/econ/psa.csv", "--reference", "nobody"]);
    assert_fails(&res, &["'nobody' is not a strategy"]);
}
