//! Cluster-robust inference (CR1 as metafor `robust()`, CR2 as clubSandwich) against R.
//!
//! Reference values: `fixtures/metafor/robust.json`, written by `fixtures/metafor/robust.R`
//! (metafor 3.8-1, clubSandwich 0.5.8, REML with `threshold = 1e-12 * mean(vi)`).

mod common;

use std::path::Path;

use nalgebra::DMatrix;
use peerstat::data::{read_table, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::regression::MetaRegression;
use peerstat::model::robust::{cluster_ids, Robust, RobustFit, RobustType};
use peerstat::model::RandomEffects;
use proptest::prelude::*;
use serde_json::Value;

use common::{close, rel_close};

const REL: f64 = 1e-6;

fn reference() -> Value {
    let text = std::fs::read_to_string("fixtures/metafor/robust.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn data(name: &str) -> (Table, EffectSizes) {
    let path = format!("fixtures/{name}.csv");
    let t = read_table(Path::new(&path), &ColumnMap::new()).unwrap();
    let measure = if name == "bcg" {
        Measure::Rr
    } else {
        Measure::Gen
    };
    let es = EffectSizes::compute(&t, measure, &EffectOptions::default()).unwrap();
    (t, es)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

/// Cluster ids: from the table column when it exists (through the library's `cluster_ids`),
/// otherwise from the labels the R script recorded.
fn clusters(t: &Table, rows: &[usize], case: &Value) -> Vec<usize> {
    let col = case["cluster_column"].as_str().unwrap();
    if t.has(col) {
        return cluster_ids(t, col, rows.iter().copied()).unwrap();
    }
    let labels = strings(&case["cluster"]);
    let mut uniq = labels.clone();
    uniq.sort();
    uniq.dedup();
    labels
        .iter()
        .map(|l| uniq.binary_search(l).unwrap())
        .collect()
}

fn robust_of(case: &Value) -> RobustFit {
    let (t, es) = data(case["data"].as_str().unwrap());
    let kind = match case["type"].as_str().unwrap() {
        "CR1" => RobustType::Cr1,
        "CR0" => RobustType::Cr0,
        _ => RobustType::Cr2,
    };
    let rob = Robust::new(kind, 95.0).unwrap();
    let model = RandomEffects::new().threshold(1e-12);
    let mods = strings(&case["mods"]);
    if mods.is_empty() {
        let fit = model.fit(&es).unwrap();
        close("tau2", fit.summary.tau2, &case["tau2"], REL, 0.0);
        let rows: Vec<usize> = fit.studies.iter().map(|s| s.row).collect();
        rob.fit_random_effects(&fit, &clusters(&t, &rows, case))
            .unwrap()
    } else {
        let m = MetaRegression::new(model)
            .fit_table(&t, &es, &mods, None)
            .unwrap();
        close("tau2", m.regression.tau2, &case["tau2"], REL, 0.0);
        let rows: Vec<usize> = m.fit.studies.iter().map(|s| s.row).collect();
        rob.fit_regression(&m.regression, &clusters(&t, &rows, case))
            .unwrap()
    }
}

#[test]
fn robust_matches_metafor_and_clubsandwich() {
    let r = reference();
    let mut n = 0;
    for case in r["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let fit = robust_of(case);
        assert_eq!(
            fit.clusters as u64,
            case["clusters"].as_u64().unwrap(),
            "{id}"
        );
        let names = strings(&case["names"]);
        assert_eq!(fit.coefficients.len(), names.len(), "{id}");
        for (i, c) in fit.coefficients.iter().enumerate() {
            let at = |key: &str| case[key][i].clone();
            let what = |key: &str| format!("{id} {} {key}", names[i]);
            close(&what("estimate"), c.est.estimate, &at("estimate"), REL, 0.0);
            close(&what("se"), c.est.se, &at("se"), REL, 0.0);
            close(
                &what("statistic"),
                c.est.statistic,
                &at("statistic"),
                REL,
                0.0,
            );
            close(&what("df"), c.df, &at("df"), REL, 0.0);
            close(&what("p"), c.est.p_value, &at("p_value"), REL, 0.0);
            close(&what("ci_lower"), c.est.ci_lower, &at("ci_lower"), REL, 0.0);
            close(&what("ci_upper"), c.est.ci_upper, &at("ci_upper"), REL, 0.0);
            for (j, want) in case["vb"][i].as_array().unwrap().iter().enumerate() {
                let scale = (fit.vcov[(i, i)] * fit.vcov[(j, j)]).sqrt();
                close(&what("vb"), fit.vcov[(i, j)], want, REL, REL * scale);
            }
        }
        match (&fit.htz, case["wald"].is_null()) {
            (None, true) => {}
            (Some(h), false) => {
                let w = &case["wald"];
                close(&format!("{id} F"), h.f, &w["f"], REL, 0.0);
                close(&format!("{id} df1"), h.df1, &w["df1"], REL, 0.0);
                close(&format!("{id} df2"), h.df2, &w["df2"], REL, 0.0);
                close(&format!("{id} Wald p"), h.p_value, &w["p_value"], REL, 0.0);
            }
            (h, _) => panic!("{id}: Wald test {h:?}, reference {}", case["wald"]),
        }
        n += 1;
    }
    assert_eq!(n, 13, "every case in robust.json is checked");
}

/// metafor's own test (tests/testthat/test_misc_robust.r): CR2 variance and df on dat.bcg.
#[test]
fn metafor_published_values() {
    let r = reference();
    let fit = robust_of(&r["cases"][0]);
    assert!((fit.vcov[(0, 0)] - 0.03229357).abs() < 1e-8);
    assert!((fit.coefficients[0].df - 11.04125).abs() < 1e-5);
}

#[test]
fn bad_input_is_a_typed_error() {
    let x = DMatrix::from_element(4, 2, 1.0);
    let rob = Robust::new(RobustType::Cr2, 95.0).unwrap();
    let err = rob
        .fit(&x, &[1.0; 4], &[0.0; 4], &[0.0; 2], &[0, 0, 1, 1], &[])
        .unwrap_err();
    assert!(
        matches!(err, peerstat::Error::TooFew { found: 2, .. }),
        "{err}"
    );
    let err = rob
        .fit(&x, &[1.0; 3], &[0.0; 4], &[0.0; 2], &[0, 1, 2, 3], &[])
        .unwrap_err();
    assert!(matches!(err, peerstat::Error::Length { .. }), "{err}");
    let (t, es) = data("bcg");
    let err = cluster_ids(&t, "nope", 0..es.k()).unwrap_err();
    assert!(
        matches!(err, peerstat::Error::MissingColumn { .. }),
        "{err}"
    );
}

/// A random regression problem: design with intercept + 1 or 2 covariates, weights,
/// residuals, cluster ids (1–4 effects per cluster).
fn problem() -> impl Strategy<Value = (DMatrix<f64>, Vec<f64>, Vec<f64>, Vec<usize>)> {
    (1usize..3, 6usize..20).prop_flat_map(|(q, n)| {
        (
            prop::collection::vec(-2.0f64..2.0, n * 4 * q),
            prop::collection::vec(0.5f64..20.0, n * 4),
            prop::collection::vec(-1.0f64..1.0, n * 4),
            prop::collection::vec(1usize..5, n),
        )
            .prop_map(move |(xs, w, e, sizes)| {
                let cluster: Vec<usize> = sizes
                    .iter()
                    .enumerate()
                    .flat_map(|(j, &s)| std::iter::repeat_n(j, s))
                    .collect();
                let k = cluster.len();
                let x = DMatrix::from_fn(
                    k,
                    q + 1,
                    |r, c| if c == 0 { 1.0 } else { xs[r * q + c - 1] },
                );
                (x, w[..k].to_vec(), e[..k].to_vec(), cluster)
            })
    })
}

fn cr2(x: &DMatrix<f64>, w: &[f64], e: &[f64], cl: &[usize]) -> Option<RobustFit> {
    let beta = vec![0.1; x.ncols()];
    Robust::new(RobustType::Cr2, 95.0)
        .unwrap()
        .fit(x, w, e, &beta, cl, &[])
        .ok()
}

/// Satterthwaite df computed densely (Bell & McCaffrey 2002, Tipton 2015): columns
/// `g_j = Φ^{1/2}(I − H)_{j·}ᵀ A_j W_j X_j M c` over all k rows, `df = tr(GᵀG)² / ‖GᵀG‖²`,
/// with `A_j` computed densely from clubSandwich's definition.
fn dense_df(x: &DMatrix<f64>, w: &[f64], cl: &[usize], i: usize) -> f64 {
    let k = x.nrows();
    let wm = DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(w));
    let m = (x.transpose() * &wm * x).try_inverse().unwrap();
    let ih = DMatrix::identity(k, k) - x * &m * x.transpose() * &wm;
    let n = cl.iter().max().unwrap() + 1;
    let mut g = DMatrix::zeros(k, n);
    for j in 0..n {
        let rows: Vec<usize> = (0..k).filter(|&r| cl[r] == j).collect();
        let kj = rows.len();
        // clubSandwich's definition, densely: U = chol(Φ_j) = diag(w^{-1/2}),
        // G = U (I − H)_jj Φ_j Uᵀ, A_j = Uᵀ G^{-1/2} U.
        let u: Vec<f64> = rows.iter().map(|&r| 1.0 / w[r].sqrt()).collect();
        let gm = DMatrix::from_fn(kj, kj, |r, c| {
            u[r] * ih[(rows[r], rows[c])] / w[rows[c]] * u[c]
        });
        let eig = nalgebra::SymmetricEigen::new((&gm + gm.transpose()) * 0.5);
        let isq = &eig.eigenvectors
            * DMatrix::from_diagonal(&eig.eigenvalues.map(|l| 1.0 / l.sqrt()))
            * eig.eigenvectors.transpose();
        // A_j W_j
        let aw = DMatrix::from_fn(kj, kj, |r, c| u[r] * isq[(r, c)] * u[c] * w[rows[c]]);
        let xj = DMatrix::from_fn(kj, x.ncols(), |r, c| x[(rows[r], c)]);
        let v = aw * xj * m.column(i);
        for r in 0..k {
            let s: f64 = (0..kj).map(|a| ih[(rows[a], r)] * v[a]).sum();
            g[(r, j)] = s / w[r].sqrt();
        }
    }
    let gg = g.transpose() * g;
    gg.trace().powi(2) / gg.norm_squared()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, rng_seed: proptest::test_runner::RngSeed::Fixed(12), ..ProptestConfig::default() })]

    /// One effect per cluster: CR2 is the HC2-type estimator
    /// `M Σ x_i x_iᵀ w_i² e_i² / (1 − h_ii) M`, `h_ii = w_i x_iᵀ M x_i`.
    #[test]
    fn singleton_clusters_are_hc2((x, w, e, _) in problem()) {
        let k = x.nrows();
        let cl: Vec<usize> = (0..k).collect();
        let Some(fit) = cr2(&x, &w, &e, &cl) else { return Ok(()); };
        let wm = DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(&w));
        let m = (x.transpose() * wm * &x).try_inverse().unwrap();
        let mut meat = DMatrix::zeros(x.ncols(), x.ncols());
        for i in 0..k {
            let xi = x.row(i).transpose();
            let h = w[i] * (xi.transpose() * &m * &xi)[(0, 0)];
            meat += &xi * xi.transpose() * (w[i] * w[i] * e[i] * e[i] / (1.0 - h));
        }
        let v = &m * meat * &m;
        for i in 0..x.ncols() {
            prop_assert!(rel_close(fit.vcov[(i, i)], v[(i, i)], 1e-8), "{} vs {}", fit.vcov[(i, i)], v[(i, i)]);
            let df = dense_df(&x, &w, &cl, i);
            prop_assert!(rel_close(fit.coefficients[i].df, df, 1e-7), "df {} vs {}", fit.coefficients[i].df, df);
        }
    }

    /// Block-wise Satterthwaite df equal the dense computation for clusters of several effects.
    #[test]
    fn df_match_dense_computation((x, w, e, cl) in problem()) {
        let Some(fit) = cr2(&x, &w, &e, &cl) else { return Ok(()); };
        for i in 0..x.ncols() {
            let df = dense_df(&x, &w, &cl, i);
            prop_assert!(rel_close(fit.coefficients[i].df, df, 1e-7), "df {} vs {}", fit.coefficients[i].df, df);
        }
    }

    /// Relabelling clusters and reordering rows change nothing.
    #[test]
    fn cluster_labels_and_row_order_do_not_matter((x, w, e, cl) in problem(), seed in 0u64..1000) {
        let Some(a) = cr2(&x, &w, &e, &cl) else { return Ok(()); };
        let n = cl.iter().max().unwrap() + 1;
        let relabel: Vec<usize> = (0..n).map(|j| (n - 1 - j + seed as usize) % n * 3 + 100).collect();
        let k = x.nrows();
        let order: Vec<usize> = (0..k).map(|i| (i * 5 + seed as usize) % k).collect();
        let mut seen = order.clone();
        seen.sort_unstable();
        seen.dedup();
        let order = if seen.len() == k { order } else { (0..k).rev().collect() };
        let x2 = DMatrix::from_fn(k, x.ncols(), |r, c| x[(order[r], c)]);
        let w2: Vec<f64> = order.iter().map(|&i| w[i]).collect();
        let e2: Vec<f64> = order.iter().map(|&i| e[i]).collect();
        let cl2: Vec<usize> = order.iter().map(|&i| relabel[cl[i]]).collect();
        let b = cr2(&x2, &w2, &e2, &cl2).unwrap();
        for (ca, cb) in a.coefficients.iter().zip(&b.coefficients) {
            prop_assert!(rel_close(ca.est.se, cb.est.se, 1e-9));
            prop_assert!(rel_close(ca.df, cb.df, 1e-9));
        }
        match (a.htz, b.htz) {
            (Some(ha), Some(hb)) => {
                prop_assert!(rel_close(ha.f, hb.f, 1e-9));
                prop_assert!(rel_close(ha.df2, hb.df2, 1e-9));
            }
            (None, None) => {}
            _ => prop_assert!(false, "HTZ present in one fit only"),
        }
    }
}

/// `peerstat meta --robust COL [--robust-type]` gives the reference values in its JSON.
#[test]
fn cli_robust_json_matches_reference() {
    use common::cli::{fixture, meta_json};
    let r = reference();
    let case = |id: &str| {
        r["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let runs: [(&str, Vec<&str>); 5] = [
        (
            "bcg_alloc_cr0",
            vec![
                "--measure",
                "RR",
                "--robust",
                "alloc",
                "--robust-type",
                "CR0",
            ],
        ),
        (
            "bcg_trial_cr2",
            vec!["--measure", "RR", "--robust", "trial"],
        ),
        (
            "bcg_alloc_cr1",
            vec![
                "--measure",
                "RR",
                "--robust",
                "alloc",
                "--robust-type",
                "CR1",
            ],
        ),
        (
            "bcg_mods_trial_cr2",
            vec![
                "--measure",
                "RR",
                "--mods",
                "ablat,year",
                "--robust",
                "trial",
            ],
        ),
        (
            "corrdat_mods_study_cr1",
            vec![
                "--measure",
                "GEN",
                "--mods",
                "males,college,binge",
                "--robust",
                "study",
                "--robust-type",
                "cr1",
            ],
        ),
    ];
    for (id, args) in runs {
        let want = case(id);
        let file = fixture(&format!("{}.csv", want["data"].as_str().unwrap()));
        let mut all = vec![file.as_str()];
        all.extend(args.iter().copied());
        let j = meta_json(&all);
        let rob = &j["robust"];
        assert_eq!(rob["type"], want["type"], "{id}");
        assert_eq!(rob["clusters"], want["clusters"], "{id}");
        for (i, c) in rob["coefficients"].as_array().unwrap().iter().enumerate() {
            assert_eq!(c["name"], want["names"][i], "{id}");
            for key in [
                "estimate",
                "se",
                "statistic",
                "df",
                "p_value",
                "ci_lower",
                "ci_upper",
            ] {
                let got = c[key].as_f64().unwrap();
                close(&format!("{id} {i} {key}"), got, &want[key][i], 1e-6, 0.0);
            }
        }
        if want["wald"].is_null() {
            assert!(rob.get("htz").is_none(), "{id}");
        } else {
            for key in ["f", "df1", "df2", "p_value"] {
                let got = rob["htz"][key].as_f64().unwrap();
                close(
                    &format!("{id} wald {key}"),
                    got,
                    &want["wald"][key],
                    1e-6,
                    0.0,
                );
            }
        }
        assert_eq!(j["options"]["robust"], want["cluster_column"], "{id}");
    }
}

#[test]
fn cli_robust_text_and_conflicts() {
    use common::cli::{assert_fails, fixture, run};
    let bcg = fixture("bcg.csv");
    let (code, out, err) = run(&[
        "meta",
        &bcg,
        "--measure",
        "RR",
        "--mods",
        "ablat",
        "--robust",
        "trial",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Cluster-robust inference on the fitted model, CR2"),
        "{out}"
    );
    assert!(out.contains("HTZ test of moderators"), "{out}");
    assert_fails(
        &run(&[
            "meta",
            &bcg,
            "--measure",
            "RR",
            "--robust",
            "trial",
            "--cluster",
            "trial",
        ]),
        &["--robust", "--cluster"],
    );
    assert_fails(
        &run(&[
            "meta",
            &bcg,
            "--measure",
            "RR",
            "--robust",
            "alloc",
            "--mods",
            "ablat,year",
        ]),
        &[
            "at least 4 clusters (found 3)",
            "hint: cluster by a column with more",
        ],
    );
    assert_fails(
        &run(&["meta", &bcg, "--measure", "RR", "--robust", "nope"]),
        &["nope"],
    );
    // A missing cluster label is an error naming the row, never a silent drop.
    let dir = tempfile::tempdir().unwrap();
    let csv = common::cli::write_csv(
        &dir,
        "gap.csv",
        "yi,vi,site\n0.1,0.01,a\n0.3,0.02,a\n0.2,0.01,b\n0.4,0.03,\n0.5,0.02,c\n",
    );
    assert_fails(
        &run(&["meta", &csv, "--measure", "GEN", "--robust", "site"]),
        &["row 4", "cluster label is missing"],
    );
}
