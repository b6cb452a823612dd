//! Tests of the `peerstat` binary on bad input: exit code 2 and an error naming the file, row
//! (line) and column; missing values.

mod common;

use common::cli::*;

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
