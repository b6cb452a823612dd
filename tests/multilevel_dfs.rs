//! Inference details of multilevel models with moderators against metafor 3.8-1:
//! `rma.mv(test = "t", dfs = "contain" | "residual")` (per-coefficient df, the omnibus F test's
//! denominator df) and `predict(fit, newmods = …)` (prediction and its CI and PI, under z, t with
//! residual df and t with containment df), and `predict` after a univariate meta-regression.
//!
//! Reference values: `fixtures/metafor/multilevel_dfs.json`, written by
//! `fixtures/metafor/multilevel_dfs.R`.

mod common;

use peerstat::data::{Column, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::multilevel::{MultilevelDfs, MultilevelModel, MultilevelTest, Prediction};
use peerstat::model::regression::MetaRegression;
use peerstat::model::RandomEffects;
use serde_json::Value;

use common::close;
use common::fixtures::{load, reference, strings};

const REL: f64 = 1e-6;

/// A dataset with the extra columns of the fixture (`extra`).
fn dataset(r: &Value, name: &str) -> (Table, EffectSizes) {
    let (mut t, _) = load(name);
    if let Some(cols) = r["extra"][name].as_object() {
        for (col, vals) in cols {
            let v = vals.as_array().unwrap().iter().map(Value::as_f64).collect();
            t.push_column(col, Column::Float(v)).unwrap();
        }
    }
    let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
    (t, es)
}

/// Compares a prediction to metafor's; returns the number of values compared.
fn check_prediction(id: &str, p: &Prediction, w: &Value) -> usize {
    let pairs = [
        ("pred", p.pred),
        ("se", p.se),
        ("ci_lower", p.ci_lower),
        ("ci_upper", p.ci_upper),
        ("pi_lower", p.pi_lower),
        ("pi_upper", p.pi_upper),
    ];
    for (key, got) in pairs {
        close(&format!("{id} prediction {key}"), got, &w[key], REL, REL);
    }
    pairs.len()
}

#[test]
fn dfs_and_predictions_match_metafor() {
    let r = reference("multilevel_dfs.json");
    let (mut fits, mut coefs, mut preds, mut contain_diff) = (0, 0, 0, 0);
    for c in r["fits"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (t, es) = dataset(&r, c["dataset"].as_str().unwrap());
        let levels = strings(&c["levels"]);
        let mods = strings(&c["mods"]);
        let dfs = match c["dfs"].as_str().unwrap() {
            "contain" => MultilevelDfs::Contain,
            _ => MultilevelDfs::Residual,
        };
        let test = match c["test"].as_str().unwrap() {
            "t" => MultilevelTest::T,
            _ => MultilevelTest::Z,
        };
        let mut model = MultilevelModel::new().test(test).dfs(dfs);
        let newmods: Option<Vec<f64>> = c["newmods"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_f64().unwrap()).collect());
        if let Some(nm) = &newmods {
            model = model.newmods(nm.clone());
        }
        let fit = model.fit_table(&t, &es, &levels, &mods).unwrap().fit;
        assert_eq!(fit.k, c["k"].as_u64().unwrap() as usize, "{id}");
        assert_eq!(fit.p, c["p"].as_u64().unwrap() as usize, "{id}");
        let want = c["coefficients"].as_array().unwrap();
        assert_eq!(fit.coefficients.len(), want.len(), "{id}");
        for (got, w) in fit.coefficients.iter().zip(want) {
            let what = format!("{id} {}", got.name);
            assert_eq!(got.name, w["name"].as_str().unwrap(), "{id}");
            // Degrees of freedom are counts: exact.
            match w["df"].as_f64() {
                Some(d) => assert_eq!(got.df, Some(d), "{what} df"),
                None => assert_eq!(got.df, None, "{what} df"),
            }
            if dfs == MultilevelDfs::Contain && got.df != Some(fit.qe_df as f64) {
                contain_diff += 1;
            }
            for key in [
                "estimate",
                "se",
                "statistic",
                "p_value",
                "ci_lower",
                "ci_upper",
            ] {
                let g = match key {
                    "estimate" => got.est.estimate,
                    "se" => got.est.se,
                    "statistic" => got.est.statistic,
                    "p_value" => got.est.p_value,
                    "ci_lower" => got.est.ci_lower,
                    _ => got.est.ci_upper,
                };
                close(&format!("{what} {key}"), g, &w[key], REL, REL * 1e-3);
            }
            coefs += 1;
        }
        // The omnibus test: F(m, min df of the tested coefficients) under t.
        close(&format!("{id} QM"), fit.qm, &c["qm"], REL, 0.0);
        close(&format!("{id} QM p"), fit.qm_p, &c["qm_p"], REL, REL * 1e-3);
        assert_eq!(fit.qm_df as f64, c["qm_df"][0].as_f64().unwrap(), "{id}");
        assert_eq!(fit.qm_df2, c["qm_df"][1].as_f64(), "{id} QM df2");
        // Predictions: at newmods, or (intercept only) the model's own PI.
        let w = &c["prediction"];
        match (&fit.prediction, newmods) {
            (Some(p), Some(_)) => preds += check_prediction(id, p, w),
            (None, None) => {
                close(
                    &format!("{id} pi_lower"),
                    fit.pi_lower.unwrap(),
                    &w["pi_lower"],
                    REL,
                    0.0,
                );
                close(
                    &format!("{id} pi_upper"),
                    fit.pi_upper.unwrap(),
                    &w["pi_upper"],
                    REL,
                    0.0,
                );
                close(
                    &format!("{id} pred"),
                    fit.first.estimate,
                    &w["pred"],
                    REL,
                    0.0,
                );
                preds += 3;
            }
            _ => panic!("{id}: a prediction without newmods or none with them"),
        }
        fits += 1;
    }
    // 6 models × (contain, residual, z); 13 coefficients per triple.
    assert_eq!(fits, 18);
    assert_eq!(coefs, 3 * (2 + 2 + 3 + 5 + 2 + 1));
    assert_eq!(preds, 3 * (5 * 6 + 3));
    // Coefficients whose containment df differs from k − p: every intercept, the study- and
    // district-level moderators (dmean ×2, pubstatus).
    assert_eq!(contain_diff, 6 + 3);
}

#[test]
fn regression_predictions_match_metafor() {
    let r = reference("multilevel_dfs.json");
    let mut n = 0;
    for c in r["uni"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (t, es) = dataset(&r, c["dataset"].as_str().unwrap());
        let knha = c["test"].as_str().unwrap() == "knha";
        let newmods: Vec<f64> = c["newmods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let m = MetaRegression::new(RandomEffects::new().knha(knha))
            .fit_table(&t, &es, &strings(&c["mods"]), None)
            .unwrap();
        let p = m.regression.predict(&newmods, 95.0).unwrap();
        assert_eq!(p.df.is_some(), knha, "{id}");
        n += check_prediction(id, &p, &c["prediction"]);
        // A value too many is refused.
        let mut long = newmods.clone();
        long.push(1.0);
        assert!(m.regression.predict(&long, 95.0).is_err(), "{id}");
    }
    assert_eq!(n, 2 * 6);
}

#[test]
fn capped_profile_bounds_are_flagged_as_metafor() {
    let r = reference("multilevel_dfs.json");
    let c = &r["capped"];
    let nums = |key: &str| -> Vec<f64> {
        c[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let ids = |key: &str| -> Vec<usize> { nums(key).iter().map(|v| *v as usize).collect() };
    let (y, v) = (nums("yi"), nums("vi"));
    let x = nalgebra::DMatrix::from_element(y.len(), 1, 1.0);
    let fit = MultilevelModel::new()
        .profile_ci(true)
        .fit(
            &y,
            &v,
            &[ids("study"), ids("esid")],
            &x,
            &["intrcpt".into()],
        )
        .unwrap();
    let ci = fit.sigma2_ci.unwrap();
    let capped = fit.sigma2_ci_capped.unwrap();
    let want = c["sigma2_ci"].as_array().unwrap();
    let signs = c["signs"].as_array().unwrap();
    assert_eq!(
        (ci.len(), capped.len(), want.len(), signs.len()),
        (2, 2, 2, 2)
    );
    let mut flagged = 0;
    for l in 0..2 {
        for b in 0..2 {
            close(
                &format!("capped sigma2[{l}][{b}]"),
                ci[l][b],
                &want[l][b],
                REL,
                REL,
            );
            let sign = signs[l][b].as_str().unwrap();
            assert_eq!(
                capped[l][b],
                !sign.is_empty(),
                "sigma2[{l}] bound {b}: metafor '{sign}'"
            );
            flagged += usize::from(capped[l][b]);
        }
    }
    // Both upper bounds are the end of the search interval (10), neither lower bound.
    assert_eq!(flagged, 2);
    // An ordinary fit flags nothing.
    let (t, es) = load("konstantopoulos2011");
    let lv = ["district".to_string(), "school".to_string()];
    let f = MultilevelModel::new()
        .profile_ci(true)
        .fit_table(&t, &es, &lv, &[])
        .unwrap()
        .fit;
    assert_eq!(f.sigma2_ci_capped, Some(vec![[false; 2]; 2]));
}

/// The fixture's fit with this id.
fn fit_ref<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

#[test]
fn cli_reports_dfs_and_predictions() {
    use common::cli::{assert_fails, fixture, meta_json, run};
    let r = reference("multilevel_dfs.json");
    let data = fixture("konstantopoulos2011.csv");
    let base = [
        data.as_str(),
        "--random",
        "~ 1 | district/school",
        "--mods",
        "year",
        "--no-profile-ci",
    ];
    let args = |extra: &[&'static str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    // JSON: df per coefficient, the F test's denominator df, the prediction.
    let a = args(&["--dfs", "contain", "--newmods", "1980"]);
    let j = meta_json(&as_str(&a));
    let want = fit_ref(&r, "konstantopoulos2011/district/school/[year]/t/contain");
    let dfs: Vec<f64> = j["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["df"].as_f64().unwrap())
        .collect();
    assert_eq!(dfs, vec![9.0, 54.0]);
    assert_eq!(j["dfs"], "contain");
    assert_eq!(j["test"], "t");
    assert_eq!(j["qm_df2"].as_f64(), Some(54.0));
    assert_eq!(j["options"]["newmods"][0].as_f64(), Some(1980.0));
    for key in ["pred", "se", "ci_lower", "ci_upper", "pi_lower", "pi_upper"] {
        close(
            key,
            j["prediction"][key].as_f64().unwrap(),
            &want["prediction"][key],
            REL,
            0.0,
        );
    }
    assert_eq!(j["prediction"]["df"].as_f64(), Some(9.0));
    // Text: the df column and the prediction line.
    let a = args(&["--dfs", "contain", "--newmods", "1980"]);
    let (code, text, _) = run(&[&["meta"], &as_str(&a)[..]].concat());
    assert_eq!(code, 0);
    assert!(
        text.contains("Model Results (t on containment df)"),
        "{text}"
    );
    assert!(text.contains("F(df1 = 1, df2 = 54)"), "{text}");
    assert!(
        text.contains("Prediction at moderators (1980): pred 0.1276") && text.contains("t on 9 df"),
        "{text}"
    );
    // Without --knha or --dfs: z tests, df null.
    let a = args(&[]);
    let j = meta_json(&as_str(&a));
    assert!(j["coefficients"][1]["df"].is_null());
    assert!(j["qm_df2"].is_null());
    // A wrong number of values is refused with the flag named.
    let a = args(&["--newmods", "1980,1"]);
    assert_fails(
        &run(&[&["meta"], &as_str(&a)[..]].concat()),
        &["2 new moderator values given for 1", "--newmods"],
    );
    // A bad --dfs is explained.
    let a = args(&["--dfs", "between"]);
    assert_fails(
        &run(&[&["meta"], &as_str(&a)[..]].concat()),
        &["residual (k - p) or contain"],
    );
    // The univariate meta-regression predicts too.
    let u = &r["uni"][1];
    let a16 = fixture("assink2016.csv");
    let j = meta_json(&[
        &a16,
        "--mods",
        "year,deltype",
        "--knha",
        "--newmods",
        "3,0,1",
    ]);
    for key in ["pred", "se", "ci_lower", "ci_upper", "pi_lower", "pi_upper"] {
        close(
            key,
            j["prediction"][key].as_f64().unwrap(),
            &u["prediction"][key],
            REL,
            0.0,
        );
    }
}

/// The arguments as string slices.
fn as_str(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn cli_marks_capped_bounds() {
    use common::cli::{parse_json, run, write_csv};
    let r = reference("multilevel_dfs.json");
    let c = &r["capped"];
    let mut csv = String::from("study,esid,yi,vi\n");
    for i in 0..8 {
        csv.push_str(&format!(
            "{},{},{},{}\n",
            c["study"][i], c["esid"][i], c["yi"][i], c["vi"][i]
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_csv(&dir, "capped.csv", &csv);
    let args = ["meta", path.as_str(), "--random", "~ 1 | study/esid"];
    let (code, text, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    // Both upper bounds printed with metafor's '>', and the note.
    assert_eq!(text.matches(">10.0000").count(), 2, "{text}");
    assert!(text.contains("end of the search interval"), "{text}");
    let (code, out, _) = run(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(code, 0);
    let j = parse_json(&out);
    assert_eq!(
        j["sigma2_ci_capped"],
        serde_json::json!([[false, true], [false, true]])
    );
}
