//! Input handling (issue #11, items 7, 8, 9, 11, 12 and 13): Arrow integer types, Parquet page
//! checksums and codecs, one validation path for every command, refused options, and messages
//! that say what was seen. Messages about Parquet files written here are in
//! `tests/inputs/parquet.rs`; the rest below.

mod common;
#[path = "inputs/parquet.rs"]
mod parquet_inputs;

use common::cli::*;
use tempfile::TempDir;

/// `yi`, `vi` of BCG (log RR) as comma-separated text with this separator and header.
fn bcg_yi(sep: &str, header: [&str; 3]) -> String {
    let csv = std::fs::read_to_string(fixture("bcg_yi.csv")).unwrap();
    let mut out = header.join(sep) + "\n";
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        out += &format!("{}{sep}{}{sep}{}\n", f[0], f[1], f[2]);
    }
    out
}

/// The pooled estimate of `meta FILE --format json` (GEN unless `measure` says otherwise).
fn estimate(file: &str, extra: &[&str]) -> f64 {
    let mut args = vec![file];
    args.extend_from_slice(extra);
    num(&meta_json(&args), "estimate")
}

/// The demonstration evidence base as CSV in `dir` (`demo.csv`, with its `demo_costs.csv`).
fn demo_csv(dir: &TempDir) -> String {
    let f = path_str(&dir.path().join("demo.csv"));
    let res = run(&["simulate", "--framework", "--seed", "1", "-o", &f]);
    assert_eq!(res.0, 0, "{}", res.2);
    f
}

/// `csv` with column `col` of every data row replaced by `f(row index, old value)`.
fn with_column(csv: &str, col: &str, f: impl Fn(usize, &str) -> String) -> String {
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let j = header.split(',').position(|h| h == col).unwrap();
    let mut out = format!("{header}\n");
    for (i, line) in lines.enumerate() {
        // The demonstration file quotes no field.
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[j] = f(i, &cells[j]);
        out += &(cells.join(",") + "\n");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// 9. One validation path for every command
// ---------------------------------------------------------------------------------------------

#[test]
fn negative_sei_is_refused_by_meta_and_evaluate_alike() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(demo_csv(&dir)).unwrap();
    // The first row with a standard error gets a negative one.
    let sei = demo
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == "sei")
        .unwrap();
    let first = demo
        .lines()
        .skip(1)
        .position(|l| !l.split(',').nth(sei).unwrap().is_empty())
        .unwrap();
    let bad = with_column(&demo, "sei", |i, v| {
        if i == first {
            format!("-{v}")
        } else {
            v.to_string()
        }
    });
    let f = write_csv(&dir, "neg.csv", &bad);
    let row = format!("row {}", first + 1);
    let needles = [f.as_str(), &row, "column 'sei'", "cannot be negative"];
    assert_fails(
        &run(&["evaluate", &f, "-o", &path_str(&dir.path().join("report"))]),
        &needles,
    );
    assert_fails(&run(&["meta", &f, "--measure", "GEN"]), &needles);
}

#[test]
fn reanalyse_reports_text_in_a_number_column_as_meta_does() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "text.csv",
        "g,study,yi,vi\nA,a1,0.1,0.1\nA,a2,0.3,abc\nB,b1,0.2,0.1\nB,b2,0.4,0.2\n",
    );
    assert_fails(
        &run(&["meta", &f, "--measure", "GEN"]),
        &["row 2", "column 'vi'", "expected a number, found 'abc'"],
    );
    let out = path_str(&dir.path().join("out.csv"));
    let res = run(&[
        "reanalyse",
        &f,
        "--group-by",
        "g",
        "--measure",
        "GEN",
        "-o",
        &out,
        "-q",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let text = std::fs::read_to_string(&out).unwrap();
    let a = text.lines().nth(1).unwrap();
    assert!(
        a.contains("row 2, column vi: expected a number, found 'abc'"),
        "{text}"
    );
    assert!(!text.contains("NaN"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 12. Options that were accepted silently
// ---------------------------------------------------------------------------------------------

#[test]
fn threads_are_clamped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("out.csv"));
    let res = run(&[
        "reanalyse",
        &fixture("bcg_yi.csv"),
        "--group-by",
        "study",
        "--measure",
        "GEN",
        "--threads",
        "1000",
        "-o",
        &out,
        "-q",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    assert!(
        res.2.contains("note: --threads 1000") && res.2.contains("using"),
        "{}",
        res.2
    );
}

#[test]
fn zero_permutations_are_refused() {
    let res = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--mods",
        "ablat",
        "--permutations",
        "0",
    ]);
    assert_fails(
        &res,
        &["at least 2 permutations", "got 0", "--permutations"],
    );
}

#[test]
fn unknown_segment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = demo_csv(&dir);
    let res = run(&["map", &f, "--segment", "nonexistent", "--format", "json"]);
    assert_fails(&res, &[&f, "missing column 'nonexistent'", "segment"]);
    // Without --segment the default (risk_of_bias) is used.
    let j = json_of(&["map", &f, "--format", "json"]);
    assert_eq!(j["segment_label"], "risk of bias");
}

#[test]
fn rename_of_a_column_never_read_is_refused() {
    let bcg = fixture("bcg.csv");
    let res = run(&["meta", &bcg, "--measure", "RR", "--col", "nonsense=yi"]);
    assert_fails(&res, &["'nonsense=yi'", "not a column read here", "--col"]);
    // Swapped sides are caught the same way.
    let res = run(&["meta", &bcg, "--measure", "RR", "--col", "n1i=n_t"]);
    assert_fails(&res, &["'n1i'"]);
    // A rename of a column the options name is fine.
    let j = meta_json(&[
        &bcg,
        "--measure",
        "RR",
        "--col",
        "region=alloc",
        "--by",
        "region",
    ]);
    assert_eq!(j["subgroups"].as_array().map(Vec::len), Some(3), "{j}");
}

#[test]
fn orwin_target_nan_is_refused() {
    let res = run(&[
        "bias",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--orwin-target",
        "NaN",
    ]);
    assert_fails(&res, &["Orwin's target", "finite", "--orwin-target"]);
}

// ---------------------------------------------------------------------------------------------
// 13. Messages that say what was seen
// ---------------------------------------------------------------------------------------------

#[test]
fn tab_and_semicolon_separated_csv_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let want = estimate(&fixture("bcg_yi.csv"), &[]);
    for (name, sep) in [("tabs.csv", "\t"), ("semicolons.csv", ";")] {
        let f = write_csv(&dir, name, &bcg_yi(sep, ["study", "yi", "vi"]));
        assert_eq!(estimate(&f, &[]), want, "{name}");
    }
    // A ';'-separated file with decimal commas and no decimal points is read with ',' as the
    // decimal mark (European spreadsheets), and the command says so.
    let f = write_csv(&dir, "comma.csv", "study;yi;vi\nA;0,1;0,2\nB;0,3;0,1\n");
    let g = write_csv(&dir, "point.csv", "study;yi;vi\nA;0.1;0.2\nB;0.3;0.1\n");
    let (code, _, err) = run(&["meta", &f]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("decimal commas"), "{err}");
    assert_eq!(estimate(&f, &[]), estimate(&g, &[]));
    // Where decimal points appear too, a decimal comma is an error named as such.
    let f = write_csv(&dir, "mixed.csv", "study;yi;vi\nA;0,1;0.2\nB;0,3;0.1\n");
    assert_fails(
        &run(&["meta", &f]),
        &["row 1", "column 'yi'", "'0,1'", "decimal comma"],
    );
}

#[test]
fn upper_case_headers_are_matched() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "upper.csv", &bcg_yi(",", ["Study", "YI", "VI"]));
    // GEN is chosen for the YI column, as for yi.
    let j = meta_json(&[&f]);
    assert_eq!(num(&j, "estimate"), estimate(&fixture("bcg_yi.csv"), &[]));
    assert_eq!(j["studies"][0]["study"], "Aronson 1948");
    // Errors name the column as the file spells it.
    let f = write_csv(&dir, "bad.csv", "STUDY,YI,VI\nA,0.1,0.1\nB,0.2,-1\n");
    assert_fails(&run(&["meta", &f]), &["row 2", "column 'VI'"]);
}

#[test]
fn long_cells_are_cut_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(demo_csv(&dir)).unwrap();
    let huge = "x".repeat(2_000_000);
    let bad = with_column(&demo, "risk_of_bias", |i, v| {
        if i == 0 {
            huge.clone()
        } else {
            v.to_string()
        }
    });
    let f = write_csv(&dir, "huge.csv", &bad);
    let res = run(&["map", &f, "--format", "json"]);
    assert_fails(&res, &["row 1", "not a level of risk_of_bias", "xxx…'"]);
    assert!(res.2.len() < 2_000, "{} bytes of stderr", res.2.len());
    let f = write_csv(&dir, "huge_yi.csv", &format!("yi,vi\n{huge},1\n0.1,1\n"));
    let res = run(&["meta", &f]);
    assert_fails(&res, &["expected a number, found 'xxx", "…'"]);
    assert!(res.2.len() < 2_000, "{} bytes of stderr", res.2.len());
}

#[test]
fn repeated_strategy_names_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "strategies.csv",
        "strategy,cost,effect\nA,100,1\nB,200,2\nB,300,3\n",
    );
    assert_fails(
        &run(&["cea", &f]),
        &[
            &f,
            "row 3 (line 4)",
            "column 'strategy'",
            "'B' appears twice (first in row 2)",
        ],
    );
}

#[test]
fn empty_outcome_domain_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(demo_csv(&dir)).unwrap();
    let f = write_csv(
        &dir,
        "nodomain.csv",
        &with_column(&demo, "outcome_domain", |_, _| String::new()),
    );
    let res = run(&["evaluate", &f, "-o", &path_str(&dir.path().join("report"))]);
    assert_fails(&res, &[&f, "the outcome_domain column is empty"]);
    assert!(!res.2.contains("no row has a usable effect"), "{}", res.2);
}

#[test]
fn huge_numbers_are_written_compactly() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "rom.csv",
        &format!("{CONT_HEADER}A,10,-1e308,1,10,1,1\nB,12,2,1,11,1,1\n"),
    );
    let res = run(&["meta", &f, "--measure", "ROM"]);
    assert_fails(&res, &["column 'mean_t'", "positive means", "found -1e308"]);
    assert!(!res.2.contains("00000000000"), "{}", res.2);
}

#[test]
fn egger_with_equal_variances_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(
        &dir,
        "equal.csv",
        "study,yi,vi\nA,0.1,0.04\nB,0.3,0.04\nC,-0.2,0.04\nD,0.5,0.04\n",
    );
    let res = run(&["bias", &f]);
    assert_fails(
        &res,
        &[
            "Egger's test needs studies of different precision",
            "sampling variances are equal",
        ],
    );
    assert!(!res.2.contains("collinear"), "{}", res.2);
}

#[test]
fn reanalyse_help_does_not_claim_a_default_measure() {
    let (code, out, _) = run(&["reanalyse", "--help"]);
    assert_eq!(code, 0);
    let measure = out
        .split("--measure")
        .nth(1)
        .expect("reanalyse --help documents --measure");
    let help: String = measure.chars().take(300).collect();
    assert!(!help.contains("default: GEN"), "{help}");
    assert!(help.contains("required"), "{help}");
    // The other commands keep their default.
    let (_, out, _) = run(&["meta", "--help"]);
    assert!(
        out.contains("default: GEN when a yi column exists"),
        "{out}"
    );
}
