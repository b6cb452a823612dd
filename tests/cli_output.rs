//! Tests of the `peerstat` binary's output contracts: degenerate data, the JSON/CSV/table
//! formats, column renames, effect-size export, `-o` and atomic writes.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::cli::*;

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
        // How τ² was obtained (issue #11: report the algorithm that finished).
        "converged_by",
        // The options that produced the result (issue #10: every command's JSON records them).
        "options",
        // The pooled result on the natural scale (issue #15: back-transforms), flat.
        "transform",
        "estimate_natural",
        "ci_lower_natural",
        "ci_upper_natural",
        "pi_lower_natural",
        "pi_upper_natural",
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
    assert_eq!(j["transform"], "exp");
    assert_eq!(num(&j, "estimate_natural"), num(&j, "estimate").exp());
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
        assert_eq!(
            sk,
            ["study", "vi", "vi_source", "weight", "yi", "yi_source"]
        );
        assert_eq!(
            (&s["yi_source"], &s["vi_source"]),
            (&"2x2".into(), &"2x2".into())
        );
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
            "study",
            "events_t",
            "n_t",
            "events_c",
            "n_c",
            "ablat",
            "alloc",
            "year",
            "trial",
            "yi",
            "vi",
            "yi_source",
            "vi_source"
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
    let (g, r) = (
        gen["studies"].as_array().unwrap(),
        rr["studies"].as_array().unwrap(),
    );
    assert_eq!(g.len(), 13);
    for (a, b) in g.iter().zip(r) {
        for key in ["study", "yi", "vi", "weight"] {
            assert_eq!(a[key], b[key]);
        }
        // the sources say where the values came from: given, or the 2x2 table
        assert_eq!(
            (&a["yi_source"], &b["yi_source"]),
            (&"yi".into(), &"2x2".into())
        );
    }
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
