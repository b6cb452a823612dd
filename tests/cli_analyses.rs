//! Tests of the `peerstat` analysis commands beyond `meta`'s basic fit: moderators
//! (subgroups, meta-regression, RVE), diagnostics (`bias`, `influence`, MH/Peto) and economics
//! (`cea`).

mod common;

use common::cli::*;

// ---- moderators (issue 4) ----

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
