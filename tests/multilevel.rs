//! Multilevel models with nested random intercepts against metafor's `rma.mv`.
//!
//! Reference values: `fixtures/metafor/multilevel.json`, written by
//! `fixtures/metafor/multilevel.R` (metafor 3.8-1, nlminb with `rel.tol = 1e-12`, or `1e-10`
//! where nlminb stops early at 1e-12; the fixture says which).

mod common;

use std::path::Path;

use nalgebra::DMatrix;
use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::multilevel::{
    parse_random, MultilevelMethod, MultilevelModel, MultilevelTest,
};
use peerstat::model::{RandomEffects, Tau2Method};
use serde_json::Value;

use common::fixtures::{load, strings};
use common::{close, rel_close};

fn fit_rows(
    y: &[f64],
    v: &[f64],
    levels: &[Vec<usize>],
    x: &DMatrix<f64>,
    rows: &[usize],
) -> peerstat::model::multilevel::MultilevelFit {
    let take = |s: &[f64]| rows.iter().map(|&i| s[i]).collect::<Vec<_>>();
    let lv: Vec<Vec<usize>> = levels
        .iter()
        .map(|l| rows.iter().map(|&i| l[i]).collect())
        .collect();
    let xr = DMatrix::from_fn(rows.len(), x.ncols(), |i, j| x[(rows[i], j)]);
    let names: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    MultilevelModel::new()
        .fit(&take(y), &take(v), &lv, &xr, &names)
        .unwrap()
}

fn reference() -> Value {
    common::fixtures::reference("multilevel.json")
}

/// Relative tolerance, with an absolute floor of `REL · 1e-3` for values near zero.
const REL: f64 = 1e-6;

#[test]
fn multilevel_matches_metafor() {
    let r = reference();
    let cases = r["fits"].as_array().unwrap();
    let mut checked = 0;
    for c in cases {
        let id = c["id"].as_str().unwrap();
        let (t, es) = load(c["dataset"].as_str().unwrap());
        let method = match c["method"].as_str().unwrap() {
            "REML" => MultilevelMethod::Reml,
            _ => MultilevelMethod::Ml,
        };
        let test = match c["test"].as_str().unwrap() {
            "t" => MultilevelTest::T,
            _ => MultilevelTest::Z,
        };
        let fit = MultilevelModel::new()
            .method(method)
            .test(test)
            .fit_table(&t, &es, &strings(&c["levels"]), &strings(&c["mods"]))
            .unwrap_or_else(|e| panic!("{id}: {e}"))
            .fit;
        let abs = REL * 1e-3;
        let mut worst = 0.0_f64;
        let mut track = |got: f64, want: &Value| {
            if let Some(w) = want.as_f64() {
                worst = worst.max((got - w).abs() / w.abs().max(1e-3));
            }
        };
        for (g, w) in fit
            .coefficients
            .iter()
            .zip(c["coefficients"].as_array().unwrap())
        {
            track(g.est.estimate, &w["estimate"]);
            track(g.est.se, &w["se"]);
        }
        for (g, w) in fit.sigma2.iter().zip(c["sigma2"].as_array().unwrap()) {
            if w.as_f64().is_some_and(|w| w > 1e-6) {
                track(*g, w);
            }
        }
        for (key, got) in [("loglik", fit.loglik), ("aic", fit.aic), ("bic", fit.bic)] {
            track(got, &c[key]);
        }
        println!("{id}: largest relative difference (estimates, SEs, sigma2, loglik, AIC, BIC) {worst:.2e}; {} iterations", fit.iterations);
        assert_eq!(fit.k, c["k"].as_u64().unwrap() as usize, "{id}: k");
        assert_eq!(fit.p, c["p"].as_u64().unwrap() as usize, "{id}: p");
        let coefs = c["coefficients"].as_array().unwrap();
        assert_eq!(fit.coefficients.len(), coefs.len(), "{id}");
        for (g, w) in fit.coefficients.iter().zip(coefs) {
            let n = format!("{id} {}", g.name);
            close(
                &format!("{n} estimate"),
                g.est.estimate,
                &w["estimate"],
                REL,
                abs,
            );
            close(&format!("{n} se"), g.est.se, &w["se"], REL, abs);
            close(
                &format!("{n} statistic"),
                g.est.statistic,
                &w["statistic"],
                REL,
                abs,
            );
            close(&format!("{n} p"), g.est.p_value, &w["p_value"], REL, abs);
            close(
                &format!("{n} ci_lower"),
                g.est.ci_lower,
                &w["ci_lower"],
                REL,
                abs,
            );
            close(
                &format!("{n} ci_upper"),
                g.est.ci_upper,
                &w["ci_upper"],
                REL,
                abs,
            );
        }
        for (l, (g, w)) in fit
            .sigma2
            .iter()
            .zip(c["sigma2"].as_array().unwrap())
            .enumerate()
        {
            // At the boundary metafor's optimiser (on log σ²) stops at a small positive value
            // where peerstat reports 0: absolute tolerance there, 1e-6 of the total variance.
            let total: f64 = c["sigma2"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_f64)
                .sum();
            close(
                &format!("{id} sigma2[{l}]"),
                *g,
                w,
                REL,
                abs.max(REL * total),
            );
        }
        let nl: Vec<usize> = c["sigma2_levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(fit.sigma2_levels, nl, "{id}: levels");
        for (key, got) in [
            ("loglik", fit.loglik),
            ("deviance", fit.deviance),
            ("aic", fit.aic),
            ("bic", fit.bic),
            ("aicc", fit.aicc),
            ("qe", fit.qe),
            ("qe_p", fit.qe_p),
            ("qm", fit.qm),
            ("qm_p", fit.qm_p),
            ("vt", fit.vt),
        ] {
            close(&format!("{id} {key}"), got, &c[key], REL, abs);
        }
        for (l, (g, w)) in fit
            .i2_levels
            .iter()
            .zip(c["i2_levels"].as_array().unwrap())
            .enumerate()
        {
            // Percent: floor of 1e-6 of 100 % (the boundary case is 0 against ~6e-7 %).
            close(&format!("{id} i2[{l}]"), *g, w, REL, REL * 100.0);
        }
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[test]
fn random_formula() {
    assert_eq!(parse_random("~ 1 | study/esid").unwrap(), ["study", "esid"]);
    assert_eq!(parse_random("~1|a/b/c").unwrap(), ["a", "b", "c"]);
    assert!(parse_random("~ x | study").is_err());
    let t =
        peerstat::model::multilevel::parse_terms("~ 1 | study/esid, ~ outcome | study").unwrap();
    assert_eq!(t.nested, ["study", "esid"]);
    assert_eq!(
        t.structured,
        Some(("outcome".to_string(), "study".to_string()))
    );
    assert!(peerstat::model::multilevel::parse_terms("~ a | s, ~ b | s").is_err());
    assert!(parse_random("1 | study").is_err());
    assert!(parse_random("~ 1 | study//esid").is_err());
}

/// One effect per cluster: the one-level model is the univariate random-effects model, so σ²
/// is REML's τ² (and ML's), and the pooled estimate and SE agree.
#[test]
fn one_effect_per_cluster_is_univariate() {
    let (_, es) = load("assink2016");
    let (y, v) = (es.yi(), es.vi());
    let k = y.len();
    let ids: Vec<usize> = (0..k).collect();
    let x = DMatrix::from_element(k, 1, 1.0);
    for (mm, tm) in [
        (MultilevelMethod::Reml, Tau2Method::Reml),
        (MultilevelMethod::Ml, Tau2Method::Ml),
    ] {
        let ml = MultilevelModel::new()
            .method(mm)
            .fit(y, v, std::slice::from_ref(&ids), &x, &["intrcpt".into()])
            .unwrap();
        let uni = RandomEffects::new().method(tm).fit(&es).unwrap().summary;
        assert!(
            rel_close(ml.sigma2[0], uni.tau2, 1e-8),
            "{mm:?}: {} vs {}",
            ml.sigma2[0],
            uni.tau2
        );
        assert!(rel_close(ml.first.estimate, uni.estimate, 1e-8));
        assert!(rel_close(ml.first.se, uni.se, 1e-8));
        assert!(rel_close(ml.qe, uni.q, 1e-10));
    }
}

/// Results do not depend on the order of the rows.
#[test]
fn row_order_does_not_matter() {
    let (t, es) = load("konstantopoulos2011");
    let d = t.numeric("district", "").unwrap();
    let s = t.numeric("school", "").unwrap();
    let yr = t.numeric("year", "").unwrap();
    let k = es.k();
    let id = |c: &[Option<f64>]| -> Vec<usize> {
        es.rows().iter().map(|&r| c[r].unwrap() as usize).collect()
    };
    let levels = vec![id(&d), id(&s)];
    let x = DMatrix::from_fn(k, 2, |i, j| {
        if j == 0 {
            1.0
        } else {
            yr[es.rows()[i]].unwrap()
        }
    });
    let base: Vec<usize> = (0..k).collect();
    let a = fit_rows(es.yi(), es.vi(), &levels, &x, &base);
    for shift in [1, 17, 40] {
        let rows: Vec<usize> = (0..k).rev().map(|i| (i * 31 + shift) % k).collect();
        let b = fit_rows(es.yi(), es.vi(), &levels, &x, &rows);
        for (p, q) in a.sigma2.iter().zip(&b.sigma2) {
            assert!(rel_close(*p, *q, 1e-8), "sigma2 {p} vs {q}");
        }
        for (p, q) in a.coefficients.iter().zip(&b.coefficients) {
            assert!(rel_close(p.est.estimate, q.est.estimate, 1e-8));
            assert!(rel_close(p.est.se, q.est.se, 1e-8));
        }
        assert!(rel_close(a.loglik, b.loglik, 1e-10));
    }
}

/// Errors name the column at fault.
#[test]
fn table_errors_name_the_column() {
    let (t, es) = load("konstantopoulos2011");
    let m = MultilevelModel::new();
    let e = m
        .fit_table(&t, &es, &["district".into(), "classroom".into()], &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("classroom"), "{e}");
    let csv =
        "study,yi,vi,cluster,one\n1,0.1,0.01,a,x\n2,0.3,0.02,,x\n3,0.2,0.01,b,x\n4,0.4,0.03,b,x\n";
    let dir = std::env::temp_dir().join(format!("peerstat-ml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ml.csv");
    std::fs::write(&path, csv).unwrap();
    let t2 = read_table(&path, &ColumnMap::new()).unwrap();
    let es2 = EffectSizes::compute(&t2, Measure::Gen, &EffectOptions::default()).unwrap();
    let e = m
        .fit_table(&t2, &es2, &["cluster".into()], &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("cluster") && e.contains("row 2"), "{e}");
    let e = m
        .fit_table(&t2, &es2, &["one".into()], &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("'one'") && e.contains("levels"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `peerstat meta --random`: every reference case through the CLI (JSON keys, values to 1e-6),
/// the core keys for the first coefficient, and the printout.
#[test]
fn cli_matches_metafor() {
    use common::cli::{assert_fails, fixture, meta_json, num, run};
    let r = reference();
    let mut checked = 0;
    for c in r["fits"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let data = fixture(&format!("{}.csv", c["dataset"].as_str().unwrap()));
        let formula = format!("~ 1 | {}", strings(&c["levels"]).join("/"));
        let mods = strings(&c["mods"]).join(",");
        let mut args = vec![
            data.as_str(),
            "--random",
            formula.as_str(),
            "--method",
            c["method"].as_str().unwrap(),
        ];
        if !mods.is_empty() {
            args.extend(["--mods", mods.as_str()]);
        }
        if c["test"] == "t" {
            args.push("--knha");
        }
        let j = meta_json(&args);
        let first = &c["coefficients"][0];
        for key in [
            "estimate",
            "se",
            "ci_lower",
            "ci_upper",
            "statistic",
            "p_value",
        ] {
            close(
                &format!("{id} {key}"),
                num(&j, key),
                &first[key],
                REL,
                REL * 1e-3,
            );
        }
        for key in ["loglik", "deviance", "aic", "bic"] {
            close(
                &format!("{id} {key}"),
                num(&j, key),
                &c[key],
                REL,
                REL * 1e-3,
            );
        }
        let total: f64 = c["sigma2"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_f64)
            .sum();
        for (key, floor) in [("sigma2", REL * total), ("i2_levels", REL * 100.0)] {
            for (g, w) in j[key]
                .as_array()
                .unwrap()
                .iter()
                .zip(c[key].as_array().unwrap())
            {
                close(&format!("{id} {key}"), g.as_f64().unwrap(), w, REL, floor);
            }
        }
        assert_eq!(j["sigma2_levels"], c["sigma2_levels"], "{id}");
        assert_eq!(
            j["coefficients"].as_array().unwrap().len(),
            c["coefficients"].as_array().unwrap().len()
        );
        assert!(j["tau2"].is_null(), "{id}");
        assert_eq!(j["k"], c["k"], "{id}");
        checked += 1;
    }
    assert_eq!(checked, 13);
    let k11 = fixture("konstantopoulos2011.csv");
    let (code, out, err) = run(&["meta", &k11, "--random", "~ 1 | district/school"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "Multivariate Meta-Analysis Model (k = 56; method: REML)",
        "sigma^2.1   0.0651   0.2551     11     no        district",
        "sigma^2.2   0.0327   0.1809     56     no district/school",
        "QE(df = 55) = 578.8640",
        "intrcpt    0.1847   0.0846    2.1845   0.0289    0.0190    0.3504",
    ] {
        assert!(out.contains(needle), "{needle:?} not in\n{out}");
    }
    // Renamed columns: canonical names in the formula, --col maps them to the file's.
    let j = meta_json(&[
        &k11,
        "--random",
        "~ 1 | cluster/esid",
        "--col",
        "cluster=district",
        "--col",
        "esid=school",
    ]);
    close(
        "renamed",
        num(&j, "estimate"),
        &r["fits"][0]["coefficients"][0]["estimate"],
        REL,
        0.0,
    );
    assert_fails(
        &run(&["meta", &k11, "--random", "~ 1 | district/classroom"]),
        &["classroom", "--col"],
    );
    assert_fails(
        &run(&["meta", &k11, "--random", "~ year + x | district"]),
        &["random-effects formula", "--random"],
    );
    // A structured term needs --random to have one.
    assert_fails(
        &run(&["meta", &k11, "--random", "~ 1 | district", "--struct", "UN"]),
        &["structured term", "--struct"],
    );
    assert_fails(
        &run(&["meta", &k11, "--random", "~ 1 | district", "--method", "DL"]),
        &["REML", "ML"],
    );
}

/// Two factors that group the effects identically cannot both have a variance component.
#[test]
fn identical_levels_are_an_error() {
    let (t, es) = load("konstantopoulos2011");
    let e = MultilevelModel::new()
        .fit_table(
            &t,
            &es,
            &["district".into(), "school".into(), "study".into()],
            &[],
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'district/school' and 'district/school/study'") && e.contains("56 levels"),
        "{e}"
    );
}

/// The Parquet copies of the fixtures give the same fits as the CSVs.
#[test]
fn parquet_equals_csv() {
    for (name, random) in [
        ("konstantopoulos2011", ["district", "school"]),
        ("assink2016", ["study", "esid"]),
    ] {
        let random: Vec<String> = random.iter().map(|s| s.to_string()).collect();
        let fits: Vec<_> = ["csv", "parquet"]
            .iter()
            .map(|ext| {
                let t = read_table(
                    Path::new(&format!("fixtures/{name}.{ext}")),
                    &ColumnMap::new(),
                )
                .unwrap();
                let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
                MultilevelModel::new()
                    .fit_table(&t, &es, &random, &[])
                    .unwrap()
                    .fit
            })
            .collect();
        assert_eq!(fits[0], fits[1], "{name}");
    }
}
