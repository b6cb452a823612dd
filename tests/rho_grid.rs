//! `meta --random ... --vcalc ... --rho-grid`: the CHE model refitted at each ρ of a grid. Each
//! row is exactly the fit of a separate `--vcalc ...,rho=X` run.

mod common;

use serde_json::Value;

use common::cli::*;

const RANDOM: &str = "~ 1 | study/esid";

fn vcalc(rho: &str) -> String {
    format!("cluster=study,obs=esid,rho={rho}")
}

fn check(extra: &[&str]) {
    let data = fixture("assink2016.csv");
    let grid = ["0.2", "0.4", "0.6", "0.8"];
    let spec = vcalc("0.6");
    let mut args = vec![
        data.as_str(),
        "--random",
        RANDOM,
        "--vcalc",
        &spec,
        "--rho-grid",
        "0.2,0.4,0.6,0.8",
        "--no-profile-ci",
    ];
    args.extend_from_slice(extra);
    let got = meta_json(&args);
    let rows = got["rho_grid"].as_array().unwrap();
    assert_eq!(rows.len(), grid.len());
    let robust = !extra.is_empty();
    for (row, rho) in rows.iter().zip(grid) {
        let spec = vcalc(rho);
        let mut one = vec![data.as_str(), "--random", RANDOM, "--vcalc", &spec];
        one.extend_from_slice(extra);
        let alone = meta_json(&one);
        // serde_json writes the shortest text that reads back as the same f64: equal JSON
        // numbers are equal bits.
        assert_eq!(row["rho"].as_f64(), rho.parse::<f64>().ok());
        assert_eq!(row["estimate"], alone["estimate"], "rho {rho}");
        assert_eq!(row["se"], alone["se"], "rho {rho}");
        assert_eq!(row["sigma2"], alone["sigma2"], "rho {rho}");
        let first = &alone["robust"]["coefficients"][0];
        if robust {
            assert_eq!(row["robust_se"], first["se"], "rho {rho}");
            assert_eq!(row["robust_df"], first["df"], "rho {rho}");
        } else {
            assert!(row.get("robust_se").is_none() && row.get("robust_df").is_none());
            assert_eq!(*first, Value::Null);
        }
    }
    // The main fit is the one at the --vcalc rho.
    assert_eq!(rows[2]["estimate"], got["estimate"]);
}

#[test]
fn each_row_is_a_separate_vcalc_run() {
    check(&[]);
}

#[test]
fn each_row_is_a_separate_vcalc_run_with_robust_inference() {
    check(&["--robust", "study"]);
    check(&[
        "--robust",
        "study",
        "--robust-type",
        "CR1",
        "--mods",
        "year",
    ]);
}

#[test]
fn text_output_has_a_table_and_the_grid_needs_vcalc() {
    let data = fixture("assink2016.csv");
    let spec = vcalc("0.6");
    let (code, out, err) = run(&[
        "meta",
        &data,
        "--random",
        RANDOM,
        "--vcalc",
        &spec,
        "--rho-grid",
        "0.2,0.8",
        "--robust",
        "study",
        "--no-profile-ci",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Sensitivity to the assumed sampling correlation rho"));
    assert!(out.contains("robust se"));
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Sensitivity"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].trim_start().starts_with("0.2") && rows[1].trim_start().starts_with("0.8"));
    let res = run(&["meta", &data, "--random", RANDOM, "--rho-grid", "0.2,0.8"]);
    assert_eq!(res.0, 2);
    assert!(res.2.contains("--vcalc"), "{}", res.2);
}
