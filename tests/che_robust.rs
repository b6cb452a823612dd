//! Cluster-robust inference on multilevel fits (the CR2 step of metafor's CHE workflow) against
//! metafor 3.8-1 `robust()` and clubSandwich 0.5.8.
//!
//! Reference values: `fixtures/metafor/che_robust.json`, written by
//! `fixtures/metafor/che_robust.R`.

mod common;

use nalgebra::DMatrix;
use peerstat::data::Column;
use peerstat::effect::{EffectSizes, Measure};
use peerstat::error::Error;
use peerstat::model::multilevel::{CovSource, MultilevelModel};
use peerstat::model::robust::{cluster_ids, Robust, RobustFit, RobustType};
use peerstat::model::vcalc::VcalcSpec;
use peerstat::model::RandomEffects;
use proptest::prelude::*;
use serde_json::Value;

use common::fixtures::load_with_row as load;
use common::{close, rel_close};

fn reference() -> Value {
    common::fixtures::reference("che_robust.json")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

/// The case's CHE (or diagonal) fit and its CR2 and CR1 inference clustered by study.
fn robust_of(case: &Value) -> (RobustFit, RobustFit) {
    let (t, es) = load(case["dataset"].as_str().unwrap());
    let source = case["rho"].as_f64().map(|rho| {
        CovSource::Vcalc(VcalcSpec {
            cluster: "study".into(),
            obs: Some(case["obs"].as_str().unwrap().into()),
            rho,
            time: None,
            phi: None,
            ..Default::default()
        })
    });
    let rep = MultilevelModel::new()
        .fit_table_cov(
            &t,
            &es,
            &["study".into(), "esid".into()],
            &strings(&case["mods"]),
            source.as_ref(),
        )
        .unwrap();
    let ids = cluster_ids(&t, "study", rep.rows.iter().copied()).unwrap();
    let fit = |kind| {
        Robust::new(kind, 95.0)
            .unwrap()
            .fit_multilevel(&rep.fit, &ids)
            .unwrap()
    };
    (fit(RobustType::Cr2), fit(RobustType::Cr1))
}

const REL: f64 = 1e-6;
const REL_P: f64 = 1e-5;

/// Compares with [`close`], relative to `max(|want|, scale)`, and records the largest relative
/// difference in `worst`.
fn cmp(what: &str, got: f64, want: &Value, rel: f64, scale: f64, worst: &mut f64) {
    close(what, got, want, rel, rel * scale);
    if let Some(w) = want.as_f64() {
        *worst = worst.max((got - w).abs() / w.abs().max(scale));
    }
}

fn check(id: &str, got: &RobustFit, want: &Value, worst: &mut f64) -> usize {
    assert_eq!(
        got.clusters as u64,
        want["clusters"].as_u64().unwrap(),
        "{id}"
    );
    let coefs = want["coefficients"].as_array().unwrap();
    assert_eq!(got.coefficients.len(), coefs.len(), "{id}");
    let mut n = 0;
    for (c, w) in got.coefficients.iter().zip(coefs) {
        let what = |k: &str| format!("{id} {} {k}", c.name);
        cmp(
            &what("estimate"),
            c.est.estimate,
            &w["estimate"],
            REL,
            0.0,
            worst,
        );
        cmp(&what("se"), c.est.se, &w["se"], REL, 0.0, worst);
        cmp(
            &what("statistic"),
            c.est.statistic,
            &w["statistic"],
            REL,
            0.0,
            worst,
        );
        cmp(&what("df"), c.df, &w["df"], REL, 0.0, worst);
        cmp(
            &what("p_value"),
            c.est.p_value,
            &w["p_value"],
            REL_P,
            0.0,
            worst,
        );
        // Relative to the SE: a bound near 0 loses digits to cancellation.
        let se = w["se"].as_f64().unwrap();
        cmp(
            &what("ci_lower"),
            c.est.ci_lower,
            &w["ci_lower"],
            REL,
            se,
            worst,
        );
        cmp(
            &what("ci_upper"),
            c.est.ci_upper,
            &w["ci_upper"],
            REL,
            se,
            worst,
        );
        n += 7;
    }
    match (&got.htz, want.get("htz")) {
        (None, None) => {}
        (Some(h), Some(w)) => {
            cmp(&format!("{id} htz f"), h.f, &w["f"], REL, 0.0, worst);
            cmp(&format!("{id} htz df1"), h.df1, &w["df1"], REL, 0.0, worst);
            cmp(&format!("{id} htz df2"), h.df2, &w["df2"], REL, 0.0, worst);
            cmp(
                &format!("{id} htz p"),
                h.p_value,
                &w["p_value"],
                REL_P,
                0.0,
                worst,
            );
            n += 4;
        }
        (g, w) => panic!("{id}: htz {g:?}, reference {w:?}"),
    }
    n
}

#[test]
fn che_robust_matches_metafor_and_clubsandwich() {
    let r = reference();
    let (mut cases, mut values, mut worst) = (0, 0, 0.0f64);
    for case in r["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let (cr2, cr1) = robust_of(case);
        assert_eq!(cr2.kind, RobustType::Cr2);
        values += check(&format!("{id} CR2"), &cr2, &case["cr2"], &mut worst);
        values += check(&format!("{id} CR1"), &cr1, &case["cr1"], &mut worst);
        cases += 1;
    }
    assert_eq!(
        cases, 9,
        "every case in che_robust.json is checked (CR2 and CR1)"
    );
    // 19 coefficients × 7 values and 6 Wald tests × 4 values, for CR2 and for CR1.
    assert_eq!(values, 2 * (19 * 7 + 6 * 4));
    eprintln!("{cases} cases, {values} values, largest relative difference {worst:e}");
}

/// CR2 refuses clusters that split a level of the outermost random factor (as clubSandwich);
/// CR1 takes them and matches metafor, which computes it with the full working weight matrix.
#[test]
fn split_clusters_cr1_matches_metafor_and_cr2_is_refused() {
    let r = reference();
    let (mut t, es) = load("assink2016");
    let study = t.texts("study");
    let deltype = t.texts("deltype");
    let both = study
        .iter()
        .zip(&deltype)
        .map(|(s, d)| Some(format!("{}:{}", s.as_deref()?, d.as_deref()?)))
        .collect();
    t.push_column("study_deltype", Column::Str(both)).unwrap();
    let (mut cases, mut worst) = (0, 0.0f64);
    for case in r["split_cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let spec = VcalcSpec {
            cluster: "study".into(),
            obs: Some("esid".into()),
            rho: case["rho"].as_f64().unwrap(),
            time: None,
            phi: None,
            ..Default::default()
        };
        let rep = MultilevelModel::new()
            .fit_table_vcalc(
                &t,
                &es,
                &["study".into(), "esid".into()],
                &strings(&case["mods"]),
                Some(&spec),
            )
            .unwrap();
        let col = case["cluster"].as_str().unwrap();
        let ids = cluster_ids(&t, col, rep.rows.iter().copied()).unwrap();
        let cr2 = Robust::new(RobustType::Cr2, 95.0)
            .unwrap()
            .fit_multilevel(&rep.fit, &ids);
        match cr2 {
            Err(e @ Error::Input { .. }) => assert!(e.to_string().contains("nested"), "{e}"),
            other => panic!("{id}: expected an input error, got {other:?}"),
        }
        let cr1 = Robust::new(RobustType::Cr1, 95.0)
            .unwrap()
            .fit_multilevel(&rep.fit, &ids)
            .unwrap();
        check(&format!("{id} CR1"), &cr1, &case["cr1"], &mut worst);
        let short = Robust::new(RobustType::Cr1, 95.0)
            .unwrap()
            .fit_multilevel(&rep.fit, &ids[1..]);
        assert!(matches!(short, Err(Error::Length { .. })), "{short:?}");
        cases += 1;
    }
    assert_eq!(cases, 2, "every split case in che_robust.json is checked");
    eprintln!("split clusters: largest relative difference {worst:e}");
}

/// Effects, variances, a moderator and robust cluster ids grouping single-effect studies.
fn problem() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<usize>)> {
    (8usize..20).prop_flat_map(|k| {
        (
            prop::collection::vec(-1.0f64..1.0, k),
            prop::collection::vec(0.01f64..0.2, k),
            prop::collection::vec(0.0f64..3.0, k),
            prop::collection::vec(0usize..5, k),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// With one effect per study (`~ 1 | study`), the multilevel model is the random-effects
    /// model: its CR2 (dense working-model path) equals the univariate CR2 (diagonal path) with
    /// clusters of whole studies, with and without a moderator.
    #[test]
    fn one_effect_per_cluster_is_the_univariate_cr2((y, v, m, cl) in problem()) {
        let k = y.len();
        let mut ids: Vec<usize> = cl.clone();
        ids.sort_unstable();
        ids.dedup();
        prop_assume!(ids.len() >= 4);
        let levels = [(0..k).collect::<Vec<usize>>()];
        let es = EffectSizes::from_slices(Measure::Gen, &y, &v).unwrap();
        for with_mod in [false, true] {
            let p = 1 + usize::from(with_mod);
            let x = DMatrix::from_fn(k, p, |i, j| if j == 0 { 1.0 } else { m[i] });
            let names: Vec<String> = ["intrcpt", "m"][..p].iter().map(|s| s.to_string()).collect();
            let ml = MultilevelModel::new().fit(&y, &v, &levels, &x, &names).unwrap();
            let r = Robust::new(RobustType::Cr2, 95.0).unwrap();
            let dense = r.fit_multilevel(&ml, &cl).unwrap();
            // The univariate kernel at the same σ² and residuals.
            let s2 = ml.sigma2[0];
            let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + s2)).collect();
            let beta: Vec<f64> = ml.coefficients.iter().map(|c| c.est.estimate).collect();
            let diag = r.fit(&x, &w, ml.working.residuals(), &beta, &cl, &names).unwrap();
            for (a, b) in dense.coefficients.iter().zip(&diag.coefficients) {
                prop_assert!(rel_close(a.est.se, b.est.se, 1e-9), "se {} {}", a.est.se, b.est.se);
                prop_assert!(rel_close(a.df, b.df, 1e-9), "df {} {}", a.df, b.df);
            }
            if let (Some(a), Some(b)) = (&dense.htz, &diag.htz) {
                prop_assert!(rel_close(a.f, b.f, 1e-9) && rel_close(a.df2, b.df2, 1e-9));
            }
            // And the univariate random-effects fit (REML τ² = σ²) gives the same CR2.
            if !with_mod {
                let re = RandomEffects::default().fit(&es).unwrap();
                let uni = r.fit_random_effects(&re, &cl).unwrap();
                prop_assert!(rel_close(re.summary.tau2, s2, 1e-6), "tau2 {} {s2}", re.summary.tau2);
                prop_assert!(rel_close(uni.coefficients[0].est.se, dense.coefficients[0].est.se, 1e-6));
                prop_assert!(rel_close(uni.coefficients[0].df, dense.coefficients[0].df, 1e-6));
            }
        }
    }
}

/// `peerstat meta --random … --vcalc … --robust COL [--robust-type]`: the reference values in
/// the JSON key `robust`, the text section, and the CR2 nesting error with its hint.
#[test]
fn cli_robust_on_multilevel_fits() {
    use common::cli::{assert_fails, fixture, meta_json, run};
    let r = reference();
    let case = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "assink2016/year/vcalc(rho=0.6)")
        .unwrap();
    let file = fixture("assink2016.csv");
    let che = [
        file.as_str(),
        "--random",
        "~ 1 | study/esid",
        "--vcalc",
        "cluster=study,obs=esid,rho=0.6",
        "--mods",
        "year",
        "--robust",
        "study",
    ];
    for (kind, key, extra) in [
        ("CR2", "cr2", vec![]),
        ("CR1", "cr1", vec!["--robust-type", "CR1"]),
    ] {
        let mut args = che.to_vec();
        args.extend(extra);
        let j = meta_json(&args);
        let (rob, want) = (&j["robust"], &case[key]);
        assert_eq!(rob["type"], kind);
        assert_eq!(rob["clusters"], want["clusters"]);
        for (c, w) in rob["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .zip(want["coefficients"].as_array().unwrap())
        {
            for k in ["estimate", "se", "df", "p_value"] {
                close(
                    &format!("{kind} {k}"),
                    c[k].as_f64().unwrap(),
                    &w[k],
                    REL_P,
                    0.0,
                );
            }
        }
        for k in ["f", "df2", "p_value"] {
            let got = rob["htz"][k].as_f64().unwrap();
            close(&format!("{kind} htz {k}"), got, &want["htz"][k], REL_P, 0.0);
        }
    }
    let (code, out, err) = run(&[
        "meta",
        &file,
        "--random",
        "~ 1 | study/esid",
        "--robust",
        "study",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Multivariate Meta-Analysis Model"), "{out}");
    assert!(
        out.contains("Cluster-robust inference on the fitted model, CR2 (clubSandwich)"),
        "{out}"
    );
    assert_fails(
        &run(&[
            "meta",
            &file,
            "--random",
            "~ 1 | study/esid",
            "--robust",
            "deltype",
        ]),
        &["nested", "hint:", "--robust-type CR1"],
    );
}
