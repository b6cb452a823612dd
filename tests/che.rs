//! The correlated-and-hierarchical-effects (CHE) model: sampling covariances from metafor's
//! `vcalc` and multilevel models with a block-diagonal `V`, against metafor 3.8-1.
//!
//! Reference values: `fixtures/metafor/che.json`, written by `fixtures/metafor/che.R`.

mod common;

use nalgebra::DMatrix;
use peerstat::data::Table;
use peerstat::error::{Error, Setting};
use peerstat::model::multilevel::{CovSource, MultilevelFit, MultilevelMethod, MultilevelModel};
use peerstat::model::vcalc::{vcalc, SamplingCovariance, VcalcSpec};
use proptest::prelude::*;
use serde_json::Value;

use common::close;
use common::fixtures::load_with_row as load;

fn reference() -> Value {
    common::fixtures::reference("che.json")
}

fn texts(t: &Table, col: &str) -> Vec<String> {
    t.texts(col).into_iter().map(Option::unwrap).collect()
}

fn spec(cluster: &str, obs: &str, rho: f64) -> VcalcSpec {
    VcalcSpec {
        cluster: cluster.into(),
        obs: Some(obs.into()),
        rho,
        time: None,
        phi: None,
        ..Default::default()
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

const REL: f64 = 1e-6;

#[test]
fn vcalc_blocks_match_metafor() {
    let r = reference();
    let mut checked = 0;
    for b in r["blocks"].as_array().unwrap() {
        let (t, es) = load(b["dataset"].as_str().unwrap());
        let cluster = texts(&t, "study");
        let obs_col = match b["obs"].as_str().unwrap() {
            "esid_c" => "esid",
            o => o,
        };
        let obs = texts(&t, obs_col);
        let times: Option<Vec<f64>> = b["time"].as_str().map(|c| {
            t.numeric(c, "time")
                .unwrap()
                .into_iter()
                .map(Option::unwrap)
                .collect()
        });
        let time = times.as_deref().map(|x| (x, b["phi"].as_f64().unwrap()));
        let vi: Vec<f64> = t
            .numeric("vi", "vi")
            .unwrap()
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let _ = &es;
        let label = b["cluster"].as_str().unwrap();
        let id = format!("{} cluster {label} {}", b["dataset"], b["rho"]);
        // corrdat repeats one effect (study 27): that cluster's block is singular, so the
        // blocks are computed on the cluster alone, as metafor's are (blockwise).
        let keep: Vec<usize> = (0..vi.len()).filter(|&i| cluster[i] == label).collect();
        let take = |s: &[String]| keep.iter().map(|&i| s[i].clone()).collect::<Vec<_>>();
        let tk: Option<Vec<f64>> = times.as_ref().map(|x| keep.iter().map(|&i| x[i]).collect());
        let cov = vcalc(
            &keep.iter().map(|&i| vi[i]).collect::<Vec<_>>(),
            &take(&cluster),
            Some(&take(&obs)[..]),
            tk.as_deref().map(|x| (x, time.unwrap().1)),
            b["rho"].as_f64().unwrap(),
        )
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        let block = &cov.blocks()[0];
        let rows: Vec<usize> = b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        let got_rows: Vec<usize> = block.rows.iter().map(|&a| keep[a]).collect();
        assert_eq!(got_rows, rows, "{id}: rows");
        for (i, row) in b["matrix"].as_array().unwrap().iter().enumerate() {
            for (j, w) in row.as_array().unwrap().iter().enumerate() {
                close(
                    &format!("{id} V[{i},{j}]"),
                    block.matrix[(i, j)],
                    w,
                    1e-12,
                    1e-16,
                );
                checked += 1;
            }
        }
    }
    println!("vcalc: {checked} entries of 5 blocks agree with metafor to 1e-12");
    assert!(checked > 100, "{checked}");
}

#[test]
fn che_fits_match_metafor() {
    let r = reference();
    let mut checked = 0;
    for c in r["fits"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (t, es) = load(c["dataset"].as_str().unwrap());
        let method = match c["method"].as_str().unwrap() {
            "REML" => MultilevelMethod::Reml,
            _ => MultilevelMethod::Ml,
        };
        let s = spec(
            "study",
            c["obs"].as_str().unwrap(),
            c["rho"].as_f64().unwrap(),
        );
        let random = ["study".to_string(), "esid".to_string()];
        let rep = MultilevelModel::new()
            .method(method)
            .fit_table_vcalc(&t, &es, &random, &strings(&c["mods"]), Some(&s))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(rep.options.vcalc.as_ref(), Some(&s));
        let fit = rep.fit;
        check_fit(id, &fit, c);
        checked += 1;
    }
    assert_eq!(checked, 16, "fits checked");
}

/// Compares a fit with a reference fit of che.json.
fn check_fit(id: &str, fit: &MultilevelFit, c: &Value) {
    let abs = REL * 1e-3;
    assert_eq!(fit.k, c["k"].as_u64().unwrap() as usize, "{id}: k");
    let coefs = c["coefficients"].as_array().unwrap();
    assert_eq!(fit.coefficients.len(), coefs.len(), "{id}");
    let mut worst = 0.0_f64;
    let mut check = |what: String, got: f64, want: &Value, abs: f64| {
        if let Some(w) = want.as_f64() {
            worst = worst.max((got - w).abs() / w.abs().max(1e-3));
        }
        close(&what, got, want, REL, abs);
    };
    for (g, w) in fit.coefficients.iter().zip(coefs) {
        let n = format!("{id} {}", g.name);
        check(format!("{n} estimate"), g.est.estimate, &w["estimate"], abs);
        check(format!("{n} se"), g.est.se, &w["se"], abs);
        check(format!("{n} ci_lower"), g.est.ci_lower, &w["ci_lower"], abs);
        // Small p-values amplify relative differences of z (5e-6 at p = 2.5e-4).
        close(
            &format!("{n} p"),
            g.est.p_value,
            &w["p_value"],
            10.0 * REL,
            abs,
        );
    }
    let want_s2 = c["sigma2"].as_array().unwrap();
    let total: f64 = want_s2.iter().filter_map(Value::as_f64).sum();
    for (l, (g, w)) in fit.sigma2.iter().zip(want_s2).enumerate() {
        check(format!("{id} sigma2[{l}]"), *g, w, abs.max(REL * total));
    }
    for (key, got) in [
        ("loglik", fit.loglik),
        ("deviance", fit.deviance),
        ("aic", fit.aic),
        ("bic", fit.bic),
        ("qe", fit.qe),
        ("qm", fit.qm),
        ("vt", fit.vt),
    ] {
        check(format!("{id} {key}"), got, &c[key], abs);
    }
    for (l, (g, w)) in fit
        .i2_levels
        .iter()
        .zip(c["i2_levels"].as_array().unwrap())
        .enumerate()
    {
        check(format!("{id} i2[{l}]"), *g, w, REL * 100.0);
    }
    println!(
        "{id}: largest relative difference {worst:.2e}; {} iterations; loglik − metafor's {:e}",
        fit.iterations,
        fit.loglik - c["loglik"].as_f64().unwrap()
    );
}

#[test]
fn covariance_columns_match_metafor() {
    let r = reference();
    let mut checked = 0;
    for c in r["column_fits"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (t, es) = load("berkey1998");
        let method = match c["method"].as_str().unwrap() {
            "REML" => MultilevelMethod::Reml,
            _ => MultilevelMethod::Ml,
        };
        let random = ["trial".to_string(), "outcome".to_string()];
        let cols = strings(&c["columns"]);
        let rep = MultilevelModel::new()
            .method(method)
            .fit_table_cov(
                &t,
                &es,
                &random,
                &strings(&c["mods"]),
                Some(&CovSource::Columns(cols.clone())),
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(rep.options.vcov_cols, Some(cols));
        check_fit(id, &rep.fit, c);
        checked += 1;
    }
    assert_eq!(checked, 4, "fits checked");
}

#[test]
fn a_singular_block_names_its_cluster() {
    // corrdat repeats study 27's effect 879: with obs = esid the two are perfectly correlated.
    let (t, es) = load("corrdat");
    let random = ["study".to_string(), "esid".to_string()];
    let e = MultilevelModel::new()
        .fit_table_vcalc(&t, &es, &random, &[], Some(&spec("study", "esid", 0.6)))
        .unwrap_err();
    assert!(matches!(e, Error::Input { .. }), "{e:?}");
    assert!(e.to_string().contains("cluster '27'"), "{e}");
    assert!(!e.to_string().contains("--"), "{e}");
}

#[test]
fn rho_and_phi_outside_minus_one_one_are_setting_errors() {
    for (rho, phi) in [
        (1.5, None),
        (-1.01, None),
        (f64::NAN, None),
        (0.5, Some(1.2)),
    ] {
        let t = [0.0, 1.0];
        let e = vcalc(
            &[0.1, 0.2],
            &[1, 1],
            Some(&[1, 2][..]),
            phi.map(|p| (&t[..], p)),
            rho,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Setting {
                    setting: Setting::SamplingCovariance,
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[test]
fn covariance_clusters_must_nest_in_the_outer_factor() {
    let (t, es) = load("assink2016");
    let random = ["study".to_string(), "esid".to_string()];
    let e = MultilevelModel::new()
        .fit_table_vcalc(&t, &es, &random, &[], Some(&spec("deltype", "id", 0.6)))
        .unwrap_err();
    assert!(matches!(e, Error::Input { .. }), "{e:?}");
    assert!(
        e.to_string().contains("outermost random factor 'study'"),
        "{e}"
    );
}

#[test]
fn time_decay_and_same_observation() {
    // Same obs at times 1 and 3: phi^2; different obs at equal times: rho; both: rho phi^2.
    let vi = [1.0, 4.0, 9.0];
    let t = [1.0, 3.0, 1.0];
    let cov = vcalc(
        &vi,
        &["a"; 3],
        Some(&["x", "x", "y"][..]),
        Some((&t[..], 0.5)),
        0.6,
    )
    .unwrap();
    let m = &cov.blocks()[0].matrix;
    assert_eq!(m[(0, 1)], 1.0 * 0.25 * 2.0);
    assert_eq!(m[(0, 2)], 1.0 * 0.6 * 3.0);
    assert!((m[(1, 2)] - 2.0 * 0.6 * 0.25 * 3.0).abs() < 1e-15);
    assert_eq!(cov.variances(), vi.to_vec());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

    /// rho = 0 gives exactly the fit with V = diag(vi).
    #[test]
    fn rho_zero_is_the_diagonal_fit(
        data in prop::collection::vec((-1.0f64..1.0, 0.01f64..0.2, 1usize..4), 6..12),
        reml in any::<bool>(),
    ) {
        let mut study = Vec::new();
        let mut esid = Vec::new();
        let (mut y, mut v) = (Vec::new(), Vec::new());
        for (s, &(yi, vi, n)) in data.iter().enumerate() {
            for e in 0..n {
                study.push(s);
                esid.push(e);
                y.push(yi + 0.1 * e as f64);
                v.push(vi * (1.0 + e as f64));
            }
        }
        let k = y.len();
        let x = DMatrix::from_element(k, 1, 1.0);
        let names = ["intrcpt".to_string()];
        let levels = [study.clone(), esid.clone()];
        let method = if reml { MultilevelMethod::Reml } else { MultilevelMethod::Ml };
        let model = MultilevelModel::new().method(method);
        let diag = model.fit(&y, &v, &levels, &x, &names);
        let cov = vcalc(&v, &study, Some(&esid[..]), None, 0.0).unwrap();
        prop_assert!(cov.is_diagonal());
        let che = model.fit_cov(&y, &cov, &levels, &x, &names);
        match (diag, che) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.is_ok(), b.is_ok()),
        }
        let d = SamplingCovariance::diagonal(&v).unwrap();
        prop_assert!(d.is_diagonal());
        // A tiny rho takes the dense path (V blocks, W = V⁻¹ per block): it agrees with the
        // diagonal fit to rounding.
        let near = vcalc(&v, &study, Some(&esid[..]), None, 1e-13).unwrap();
        if !near.is_diagonal() {
            if let (Ok(a), Ok(b)) = (
                model.fit(&y, &v, &levels, &x, &names),
                model.fit_cov(&y, &near, &levels, &x, &names),
            ) {
                for (g, w) in [
                    (a.first.estimate, b.first.estimate),
                    (a.first.se, b.first.se),
                    (a.loglik, b.loglik),
                    (a.qe, b.qe),
                    (a.vt, b.vt),
                    (a.deviance, b.deviance),
                ] {
                    prop_assert!(common::rel_close(g, w, 1e-7), "{} vs {}", g, w);
                }
                for (g, w) in a.sigma2.iter().zip(&b.sigma2) {
                    prop_assert!((g - w).abs() <= 1e-7 * (1.0 + a.sigma2.iter().sum::<f64>()), "{} vs {}", g, w);
                }
            }
        }
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_fits_che_and_records_vcalc() {
    let r = reference();
    let want = r["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "assink2016/year/ML/rho=0.8")
        .unwrap();
    let (code, out, err) = run(&[
        "meta",
        "fixtures/assink2016.csv",
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.8",
        "--mods",
        "year",
        "--method",
        "ML",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["options"]["vcalc"]["cluster"], "study");
    assert_eq!(j["options"]["vcalc"]["obs"], "esid");
    assert_eq!(j["options"]["vcalc"]["rho"], 0.8);
    assert!(j["options"]["vcalc"]["time"].is_null());
    let c = &j["coefficients"][1];
    close(
        "cli year",
        c["estimate"].as_f64().unwrap(),
        &want["coefficients"][1]["estimate"],
        REL,
        1e-9,
    );
    close(
        "cli loglik",
        j["loglik"].as_f64().unwrap(),
        &want["loglik"],
        REL,
        1e-9,
    );
}

#[test]
fn cli_vcalc_errors_say_which_flag() {
    let base = [
        "meta",
        "fixtures/assink2016.csv",
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
    ];
    for (spec, needle) in [
        (
            "cluster=study,obs=esid,rho=1.5",
            "hint: set it with --vcalc",
        ),
        ("cluster=study,obs=esid", "rho is missing"),
        (
            "cluster=study,obs=esid,rho=0.6,time=esid",
            "time and phi go together",
        ),
        ("cluster=study,ob=esid,rho=0.6", "unknown key 'ob'"),
        (
            "cluster=deltype,obs=id,rho=0.6",
            "outermost random factor 'study'",
        ),
    ] {
        let mut args = base.to_vec();
        args.push(spec);
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{spec}: {err}");
        assert!(err.contains(needle), "{spec}: {err}");
    }
    let (code, out, err) = run(&[
        "meta",
        "fixtures/corrdat.csv",
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.6",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("cluster '27'") && err.contains("hint:"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "meta",
        "fixtures/assink2016.csv",
        "--vcalc",
        "cluster=study,rho=0.6",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn cli_reads_covariance_columns() {
    let r = reference();
    let want = &r["column_fits"][3];
    assert_eq!(want["id"], "berkey1998/outcome/ML");
    let (code, out, err) = run(&[
        "meta",
        "fixtures/berkey1998.csv",
        "--random",
        "~ 1 | trial/outcome",
        "--vcov-cols",
        "v1i,v2i",
        "--mods",
        "outcome",
        "--method",
        "ML",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["options"]["vcov_cols"], serde_json::json!(["v1i", "v2i"]));
    assert!(j["options"]["vcalc"].is_null());
    close(
        "cli loglik",
        j["loglik"].as_f64().unwrap(),
        &want["loglik"],
        REL,
        1e-9,
    );
    let (code, _, err) = run(&[
        "meta",
        "fixtures/berkey1998.csv",
        "--random",
        "~ 1 | trial/outcome",
        "--vcov-cols",
        "v1i",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cluster '1'") && err.contains("--vcov-cols"),
        "{err}"
    );
}
