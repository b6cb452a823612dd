//! A European Excel CSV (`;` between fields, decimal commas) is read, and the reading is stated
//! (issue 27 §4). tests/inputs/european_bcg.csv is fixtures/bcg_yi.csv written that way.

mod common;

use common::cli::{fixture, meta_json, run};

#[test]
fn a_semicolon_file_with_decimal_commas_reads_as_the_plain_one() {
    let eu = "tests/inputs/european_bcg.csv";
    let a = meta_json(&[eu]);
    let b = meta_json(&[&fixture("bcg_yi.csv")]);
    let mut checked = 0;
    for key in ["estimate", "se", "tau2", "ci_lower", "ci_upper", "q"] {
        let (x, y) = (a[key].as_f64().unwrap(), b[key].as_f64().unwrap());
        assert!(
            (x - y).abs() <= 1e-12 * y.abs().max(1.0),
            "{key}: {x} vs {y}"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
    assert_eq!(a["k"], 13);
    let (code, _, err) = run(&["meta", eu]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("numbers with decimal commas") && err.contains("read 0,5 as 0.5"),
        "{err}"
    );
    // the plain file: nothing said
    let (_, _, err) = run(&["meta", &fixture("bcg_yi.csv")]);
    assert!(!err.contains("decimal commas"), "{err}");
}

#[test]
fn a_semicolon_file_with_decimal_points_is_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    // decimal points anywhere: commas stay text
    let f = common::cli::write_csv(
        &dir,
        "mixed.csv",
        "study;yi;vi\nA, B;0.5;0.04\nC;0.25;0.09\nD;0.3;0.05\n",
    );
    let (code, out, err) = run(&["meta", &f]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("decimal commas"), "{err}");
    assert!(out.contains("k = 3"), "{out}");
}
