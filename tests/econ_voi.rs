//! Value of information against R's voi on its chemotherapy example (`fixtures/econ/voi/`,
//! written by `fixtures/econ/voi/voi.R` from voi's `.rda` data): EVPI, EVPPI by Strong–Oakley
//! blocks and Sadatsafavi segments (voi's code, deterministic: 1e-6 relative), and EVPPI by GAM
//! (mgcv 1.8-41 `gam(y ~ te(…, bs = "cr"))` as voi calls it: within 0.5 % as issue 25 asks;
//! peerstat's own algorithm lands within 1e-6 for one and two parameters, asserted at 1e-5).

mod common;

use std::path::Path;

use peerstat::data::{read_table, ColumnMap, Table};
use peerstat::econ::draws::draw_matrices;
use peerstat::econ::table::{analyse_table, CeaOptions};
use peerstat::econ::voi::{
    add_evppi, evsi, EvppiMethod, EvppiOptions, EvsiMethod, EvsiOptions, Parameters, Study,
};
use serde_json::Value;

use common::cli::{assert_fails, json_of, run};
use common::close;

const CEA: &str = "fixtures/econ/voi/chemo_cea.csv";
const PARS: &str = "fixtures/econ/voi/chemo_pars.csv";

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string("fixtures/econ/voi/voi.json").unwrap()).unwrap()
}

fn read(p: &str) -> Table {
    read_table(Path::new(p), &ColumnMap::new()).unwrap()
}

fn wtp(r: &Value) -> Vec<f64> {
    r["wtp"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// EVPPIs of `groups` by `method` at the reference WTPs: `out[w][g]`.
fn evppis(groups: Vec<Vec<String>>, method: EvppiMethod, blocks: Option<usize>) -> Vec<Vec<f64>> {
    let r = reference();
    let draws = read(CEA);
    let opts = CeaOptions {
        wtp: wtp(&r),
        ..CeaOptions::default()
    };
    let mut rep = analyse_table(&draws, &opts).unwrap();
    let d = rep.draws.as_mut().unwrap();
    let params = Parameters::from_tables(&read(PARS), &draws).unwrap();
    let (_, c, e) = draw_matrices(&draws).unwrap();
    let o = EvppiOptions {
        groups,
        method,
        blocks,
        se_draws: 0,
        seed: 1,
    };
    add_evppi(d, &c, &e, &params, &o).unwrap();
    d.by_wtp
        .iter()
        .map(|w| w.evppi.iter().map(|v| v.evppi).collect())
        .collect()
}

#[test]
fn evpi_matches_voi() {
    let r = reference();
    let rep = analyse_table(
        &read(CEA),
        &CeaOptions {
            wtp: wtp(&r),
            ..CeaOptions::default()
        },
    )
    .unwrap();
    let d = rep.draws.unwrap();
    assert_eq!(d.draws, 10_000);
    let want = r["evpi"].as_array().unwrap();
    assert_eq!(d.by_wtp.len(), 5);
    for (w, x) in d.by_wtp.iter().zip(want) {
        close(&format!("EVPI at {}", w.wtp), w.evpi, x, 1e-6, 0.0);
    }
    // voi's published value (tests/testthat/test_evpi.R)
    close(
        "EVPI 20000 (voi)",
        d.by_wtp[1].evpi,
        &r["published"]["evpi_20000"],
        1e-6,
        0.0,
    );
}

#[test]
fn strong_oakley_matches_voi() {
    let r = reference();
    let mut checked = 0;
    for case in r["so"].as_array().unwrap() {
        let p = case["parameter"].as_str().unwrap().to_string();
        let b = case["blocks"].as_u64().unwrap() as usize;
        let got = evppis(vec![vec![p.clone()]], EvppiMethod::StrongOakley, Some(b));
        for (w, x) in got.iter().zip(case["evppi"].as_array().unwrap()) {
            close(&format!("SO {p} {b}"), w[0], x, 1e-6, 1e-6);
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 2 * 5);
    let got = evppis(
        vec![vec!["p_side_effects_t2".into()]],
        EvppiMethod::StrongOakley,
        Some(20),
    );
    close("SO 20 (voi)", got[1][0], &r["published"]["so20"], 1e-6, 0.0);
}

#[test]
fn sadatsafavi_matches_voi() {
    let r = reference();
    let mut checked = 0;
    for case in r["sal"].as_array().unwrap() {
        let p = case["parameter"].as_str().unwrap().to_string();
        let got = evppis(vec![vec![p.clone()]], EvppiMethod::Sadatsafavi, None);
        for (w, x) in got.iter().zip(case["evppi"].as_array().unwrap()) {
            close(&format!("SAL {p}"), w[0], x, 1e-6, 1e-6);
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 5);
}

#[test]
fn gam_matches_mgcv() {
    let r = reference();
    let cases: Vec<&Value> = r["gam"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parameters"].as_array().unwrap().len() <= 2)
        .collect();
    let groups: Vec<Vec<String>> = cases.iter().map(|c| strings(&c["parameters"])).collect();
    let got = evppis(groups, EvppiMethod::Gam, None);
    let mut checked = 0;
    for (g, case) in cases.iter().enumerate() {
        for (w, x) in case["evppi"].as_array().unwrap().iter().enumerate() {
            close(
                &format!("GAM {:?} w{w}", case["parameters"]),
                got[w][g],
                x,
                1e-5,
                1e-3,
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 5);
    close(
        "GAM p_side_effects_t2 (voi)",
        got[1][0],
        &r["published"]["gam_pi2"],
        1e-5,
        0.0,
    );
}

/// Three parameters (125 coefficients, a rank-deficient basis as p_side_effects_t2 is a function
/// of the other two): within the issue's 0.5 %. Slow unoptimised: `cargo test --release
/// --test econ_voi -- --ignored`.
#[test]
#[ignore]
fn gam_three_parameters_within_half_a_percent() {
    let r = reference();
    let case = &r["gam"][4];
    let got = evppis(vec![strings(&case["parameters"])], EvppiMethod::Gam, None);
    for (w, x) in case["evppi"].as_array().unwrap().iter().enumerate() {
        close("GAM 3 parameters", got[w][0], x, 5e-3, 0.0);
    }
}

#[test]
fn cli_adds_evppi_in_flag_order() {
    let j = json_of(&[
        "cea",
        CEA,
        "--params",
        PARS,
        "--wtp",
        "20000",
        "--evppi",
        "p_side_effects_t2",
        "--evppi",
        "p_side_effects_t2,logor_side_effects",
        "--format",
        "json",
    ]);
    let e = j["by_wtp"][0]["evppi"].as_array().unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["method"], "gam");
    assert_eq!(
        strings(&e[1]["parameters"]),
        ["p_side_effects_t2", "logor_side_effects"]
    );
    let r = reference();
    close(
        "CLI GAM",
        e[0]["evppi"].as_f64().unwrap(),
        &r["gam"][0]["evppi"][1],
        1e-5,
        0.0,
    );
    let j = json_of(&[
        "cea",
        CEA,
        "--params",
        PARS,
        "--wtp",
        "20000",
        "--evppi",
        "p_side_effects_t2",
        "--evppi-method",
        "so",
        "--blocks",
        "40",
        "--format",
        "json",
    ]);
    let e = &j["by_wtp"][0]["evppi"][0];
    assert_eq!(e["method"], "so");
    assert_eq!(e["blocks"], 40);
    close(
        "CLI SO 40",
        e["evppi"].as_f64().unwrap(),
        &r["so"][3]["evppi"][1],
        1e-6,
        0.0,
    );
    // without --evppi the JSON has no evppi key
    let j = json_of(&["cea", CEA, "--wtp", "20000", "--format", "json"]);
    assert!(j["by_wtp"][0].get("evppi").is_none());
}

#[test]
fn cli_refuses_bad_voi_options() {
    assert_fails(
        &run(&["cea", CEA, "--evppi", "p_side_effects_t2"]),
        &["--params"],
    );
    assert_fails(
        &run(&[
            "cea",
            CEA,
            "--params",
            PARS,
            "--evppi",
            "p_side_effects_t2",
            "--evppi-method",
            "so",
        ]),
        &["blocks"],
    );
    assert_fails(
        &run(&[
            "cea",
            CEA,
            "--params",
            PARS,
            "--evppi",
            "p_side_effects_t2",
            "--evppi-method",
            "so",
            "--blocks",
            "3",
        ]),
        &["divides"],
    );
    assert_fails(
        &run(&[
            "cea",
            CEA,
            "--params",
            PARS,
            "--evppi",
            "p_side_effects_t1,p_side_effects_t2",
            "--evppi-method",
            "sal",
        ]),
        &["one parameter"],
    );
    assert_fails(
        &run(&["cea", CEA, "--params", PARS, "--evppi", "nope"]),
        &["nope"],
    );
}

/// EVSI (random): peerstat with seed 1 within 4 Monte Carlo SDs (of the difference between one
/// run and R's mean over 20 seeds) of voi's regression method in R (`voi.json` "evsi"); moment
/// matching targets the same EVSI and is held to the same band.
fn evsi_within_mc_error(method: EvsiMethod) {
    let r = reference();
    let draws = read(CEA);
    let params = Parameters::from_tables(&read(PARS), &draws).unwrap();
    let (_, c, e) = draw_matrices(&draws).unwrap();
    let mut checked = 0;
    for case in r["evsi"].as_array().unwrap() {
        let design = case["design"].as_str().unwrap();
        let pars = strings(&case["parameters"]).join(",");
        let opts = EvsiOptions {
            studies: vec![Study::parse(&format!("{design}:{pars}")).unwrap()],
            n: vec![case["n"].as_u64().unwrap()],
            method,
            sd: 1.0,
            q: 50,
            seed: 1,
        };
        let got = evsi(&c, &e, &params, &[20000.0], &opts).unwrap()[0][0].evsi;
        let (mean, sd) = (case["mean"].as_f64().unwrap(), case["sd"].as_f64().unwrap());
        let band = 4.0 * sd * (1.0 + 1.0 / 20.0f64).sqrt();
        assert!(
            (got - mean).abs() <= band,
            "{method:?} {design} n={}: peerstat {got}, voi in R {mean} ± {sd}",
            case["n"]
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn evsi_regression_within_monte_carlo_error_of_voi() {
    evsi_within_mc_error(EvsiMethod::Regression);
}

#[test]
fn evsi_moment_matching_within_monte_carlo_error_of_voi() {
    evsi_within_mc_error(EvsiMethod::MomentMatching);
}

#[test]
fn population_values_and_enbs() {
    let j = json_of(&[
        "cea",
        CEA,
        "--params",
        PARS,
        "--wtp",
        "20000",
        "--evppi",
        "p_side_effects_t2",
        "--evsi",
        "trial-binary:p_side_effects_t1,p_side_effects_t2",
        "--evsi-n",
        "10,100,1000",
        "--population",
        "5000",
        "--horizon",
        "10",
        "--discount",
        "0.035",
        "--study-cost",
        "100000,500",
        "--format",
        "json",
    ]);
    // Σ_{t=0}^{9} 5000 / 1.035^t, by hand
    let mult: f64 = (0..10).map(|t| 5000.0 / 1.035f64.powi(t)).sum();
    assert!((j["population"]["multiplier"].as_f64().unwrap() - mult).abs() < 1e-9 * mult);
    let w = &j["by_wtp"][0];
    let evpi = w["evpi"].as_f64().unwrap();
    assert!((w["population_evpi"].as_f64().unwrap() - evpi * mult).abs() < 1e-9 * evpi * mult);
    let e = &w["evppi"][0];
    assert!(
        (e["population_evppi"].as_f64().unwrap() - e["evppi"].as_f64().unwrap() * mult).abs()
            < 1e-6
    );
    let s = w["evsi"].as_array().unwrap();
    assert_eq!(s.len(), 3);
    let mut best = (f64::NEG_INFINITY, 0);
    for (i, x) in s.iter().enumerate() {
        let n = x["n"].as_f64().unwrap();
        let cost = 100000.0 + 500.0 * 2.0 * n; // two arms of n
        assert_eq!(x["study_cost"].as_f64().unwrap(), cost);
        let enbs = x["evsi"].as_f64().unwrap() * mult - cost;
        assert!((x["enbs"].as_f64().unwrap() - enbs).abs() < 1e-6 * enbs.abs());
        if enbs > best.0 {
            best = (enbs, i);
        }
    }
    for (i, x) in s.iter().enumerate() {
        assert_eq!(x["optimal"].as_bool().unwrap(), i == best.1);
    }
    assert_fails(
        &run(&["cea", CEA, "--study-cost", "1,2"]),
        &["--population"],
    );
    assert_fails(
        &run(&[
            "cea",
            CEA,
            "--params",
            PARS,
            "--evsi",
            "binary:p_side_effects_t1,p_side_effects_t2",
        ]),
        &["needs 1 parameter"],
    );
    assert_fails(
        &run(&["cea", CEA, "--params", PARS, "--evsi", "binary:c_hospital"]),
        &["outside [0, 1]"],
    );
}

/// The GAM EVPPI's standard error is random (coefficient draws): with 200 draws peerstat's lies
/// within 20 % of voi's method in R with 1000 draws (`voi.json` "gam_se"; the Monte Carlo
/// error of an SD from 200 draws is about 5 %). voi's own test value, 2.509941 from only 10
/// draws, is too noisy to check against.
#[test]
fn gam_standard_error_near_voi() {
    let j = json_of(&[
        "cea",
        CEA,
        "--params",
        PARS,
        "--wtp",
        "20000",
        "--evppi",
        "p_side_effects_t2",
        "--evppi-se",
        "200",
        "--format",
        "json",
    ]);
    let se = j["by_wtp"][0]["evppi"][0]["se"].as_f64().unwrap();
    let want = reference()["gam_se"]["se"].as_f64().unwrap();
    assert!((se - want).abs() < 0.2 * want, "se {se}, R {want}");
}
