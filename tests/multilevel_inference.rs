//! Inference on the variance components of multilevel models against metafor 3.8-1:
//! profile-likelihood CIs (`confint.rma.mv`), the prediction interval (`predict.rma.mv`) and
//! likelihood-ratio tests dropping one level (`anova(full, reduced)`).
//!
//! Reference values: `fixtures/metafor/multilevel_inference.json`, written by
//! `fixtures/metafor/multilevel_inference.R`.

mod common;

use peerstat::model::multilevel::{
    likelihood_ratio, MultilevelMethod, MultilevelModel, MultilevelTest,
};
use serde_json::Value;

use common::close;
use common::fixtures::{load, strings};

/// Profile-likelihood bounds: relative tolerance (a bound at 0 must be 0 to 1e-10).
const CI_REL: f64 = 1e-5;
/// Prediction intervals and likelihood-ratio tests.
const REL: f64 = 1e-6;

#[test]
fn inference_matches_metafor() {
    let text = std::fs::read_to_string("fixtures/metafor/multilevel_inference.json").unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    let (mut fits, mut bounds, mut lrts) = (0, 0, 0);
    let mut worst_ci: f64 = 0.0;
    for c in r["fits"].as_array().unwrap() {
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
        let levels = strings(&c["levels"]);
        let model = MultilevelModel::new().method(method).test(test);
        let full = model
            .clone()
            .profile_ci(true)
            .fit_table(&t, &es, &levels, &[])
            .unwrap()
            .fit;
        assert_eq!(full.k, c["k"].as_u64().unwrap() as usize, "{id}");
        close(&format!("{id} loglik"), full.loglik, &c["loglik"], REL, 0.0);
        // Profile-likelihood CIs.
        let ci = full.sigma2_ci.as_ref().expect("intervals asked for");
        let want = c["sigma2_ci"].as_array().unwrap();
        assert_eq!(ci.len(), want.len(), "{id}");
        for (l, (got, w)) in ci.iter().zip(want).enumerate() {
            for (b, side) in ["lower", "upper"].iter().enumerate() {
                let wv = w[b].as_f64().unwrap();
                close(
                    &format!("{id} sigma2[{l}] {side}"),
                    got[b],
                    &w[b],
                    CI_REL,
                    1e-10,
                );
                if wv > 0.0 {
                    worst_ci = worst_ci.max((got[b] - wv).abs() / wv);
                }
                bounds += 1;
            }
        }
        // Prediction interval.
        close(
            &format!("{id} estimate"),
            full.first.estimate,
            &c["estimate"],
            REL,
            0.0,
        );
        close(&format!("{id} se"), full.first.se, &c["se"], REL, 0.0);
        close(
            &format!("{id} pi_lower"),
            full.pi_lower.unwrap(),
            &c["pi_lower"],
            REL,
            0.0,
        );
        close(
            &format!("{id} pi_upper"),
            full.pi_upper.unwrap(),
            &c["pi_upper"],
            REL,
            0.0,
        );
        // Likelihood-ratio tests, one level held at 0 at a time.
        for (l, w) in c["lrt"].as_array().unwrap().iter().enumerate() {
            let mut fixed = vec![None; levels.len()];
            fixed[l] = Some(0.0);
            let reduced = model
                .clone()
                .fix_sigma2(fixed)
                .fit_table(&t, &es, &levels, &[])
                .unwrap()
                .fit;
            assert_eq!(reduced.sigma2[l], 0.0, "{id}");
            let dropped = w["dropped"].as_str().unwrap();
            let got = likelihood_ratio(&full, &reduced, dropped).unwrap();
            let what = format!("{id} drop {dropped}");
            assert_eq!(got.dropped, dropped);
            assert_eq!(got.df, w["df"].as_u64().unwrap() as usize, "{what}");
            close(&format!("{what} lrt"), got.lrt, &w["lrt"], REL, 0.0);
            close(
                &format!("{what} p"),
                got.p_value,
                &w["p_value"],
                REL,
                1e-300,
            );
            close(
                &format!("{what} ll"),
                got.loglik_reduced,
                &w["loglik_reduced"],
                REL,
                0.0,
            );
            close(
                &format!("{what} aic"),
                got.aic_reduced,
                &w["aic_reduced"],
                REL,
                0.0,
            );
            close(
                &format!("{what} bic"),
                got.bic_reduced,
                &w["bic_reduced"],
                REL,
                0.0,
            );
            if let Some(u) = w["rma_uni_loglik"].as_f64() {
                // Dropping the outer level of a two-level model with one effect per inner level
                // leaves rma.uni's model.
                close(
                    &format!("{what} rma.uni"),
                    reduced.loglik,
                    &Value::from(u),
                    REL,
                    0.0,
                );
            }
            // The order of the arguments does not matter.
            assert_eq!(likelihood_ratio(&reduced, &full, dropped).unwrap(), got);
            lrts += 1;
        }
        fits += 1;
    }
    eprintln!("largest relative difference of a profile bound: {worst_ci:e}");
    assert_eq!((fits, bounds, lrts), (7, 32, 16));
}

#[test]
fn likelihood_ratio_refuses_incomparable_fits() {
    let (t, es) = load("assink2016");
    let levels = vec!["study".to_string(), "esid".to_string()];
    let full = MultilevelModel::new()
        .fit_table(&t, &es, &levels, &[])
        .unwrap()
        .fit;
    let ml = MultilevelModel::new()
        .method(MultilevelMethod::Ml)
        .fix_sigma2(vec![Some(0.0), None])
        .fit_table(&t, &es, &levels, &[])
        .unwrap()
        .fit;
    assert!(likelihood_ratio(&full, &ml, "study").is_err());
    assert!(likelihood_ratio(&full, &full, "nothing").is_err());
    let mods = MultilevelModel::new()
        .fix_sigma2(vec![Some(0.0), None])
        .fit_table(&t, &es, &levels, &["year".to_string()])
        .unwrap()
        .fit;
    assert!(likelihood_ratio(&full, &mods, "study").is_err());
    // Wrong number of fixed components, or a negative one.
    assert!(MultilevelModel::new()
        .fix_sigma2(vec![Some(0.0)])
        .fit_table(&t, &es, &levels, &[])
        .is_err());
    assert!(MultilevelModel::new()
        .fix_sigma2(vec![Some(-1.0), None])
        .fit_table(&t, &es, &levels, &[])
        .is_err());
}

#[test]
fn prediction_interval_only_without_moderators() {
    let (t, es) = load("konstantopoulos2011");
    let levels = vec!["district".to_string(), "school".to_string()];
    let f = MultilevelModel::new()
        .fit_table(&t, &es, &levels, &["year".to_string()])
        .unwrap()
        .fit;
    assert_eq!((f.pi_lower, f.pi_upper), (None, None));
    assert!(f.sigma2_ci.is_none());
}

#[test]
fn cli_reports_intervals_and_lrt() {
    use common::cli::{assert_fails, fixture, meta_json, num, run};
    let text = std::fs::read_to_string("fixtures/metafor/multilevel_inference.json").unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    let want = r["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "assink2016/study/esid/ML/z")
        .unwrap();
    let data = fixture("assink2016.csv");
    let args = [
        "meta",
        data.as_str(),
        "--random",
        "~ 1 | study/esid",
        "--method",
        "ML",
        "--lrt-drop",
        "esid",
    ];
    let j = meta_json(&args[1..]);
    close("pi_lower", num(&j, "pi_lower"), &want["pi_lower"], REL, 0.0);
    close("pi_upper", num(&j, "pi_upper"), &want["pi_upper"], REL, 0.0);
    let ci = j["sigma2_ci"].as_array().unwrap();
    assert_eq!(ci.len(), 2);
    for (got, w) in ci.iter().zip(want["sigma2_ci"].as_array().unwrap()) {
        for b in 0..2 {
            close("sigma2_ci", got[b].as_f64().unwrap(), &w[b], CI_REL, 1e-10);
        }
    }
    let lrt = &j["lrt"];
    let w = &want["lrt"][1];
    assert_eq!(lrt["dropped"], "esid");
    assert_eq!(lrt["df"], w["df"]);
    for key in [
        "lrt",
        "p_value",
        "loglik_reduced",
        "aic_reduced",
        "bic_reduced",
    ] {
        close(key, num(lrt, key), &w[key], REL, 1e-300);
    }
    // The text table carries the intervals and the test.
    let (code, out, _) = run(&args);
    assert_eq!(code, 0);
    assert!(out.contains("ci.lb") && out.contains("Prediction interval for a new study"));
    assert!(out.contains("Likelihood-ratio test without esid"));
    // An unknown factor is refused, naming the factors.
    let bad = run(&[
        "meta",
        data.as_str(),
        "--random",
        "~ 1 | study/esid",
        "--lrt-drop",
        "school",
    ]);
    assert_fails(&bad, &["--lrt-drop school", "study, esid"]);
}

/// The CHE model (`V` from `vcalc`, a dense block per study): profile CIs and the prediction
/// interval against metafor.
#[test]
fn che_intervals_match_metafor() {
    use peerstat::model::vcalc::VcalcSpec;
    let text = std::fs::read_to_string("fixtures/metafor/multilevel_inference.json").unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    let c = &r["che"];
    let (t, es) = load("assink2016");
    let spec = VcalcSpec {
        cluster: "study".into(),
        obs: Some("esid".into()),
        rho: 0.6,
        time: None,
        phi: None,
        ..Default::default()
    };
    let levels = vec!["study".to_string(), "esid".to_string()];
    let f = MultilevelModel::new()
        .profile_ci(true)
        .fit_table_vcalc(&t, &es, &levels, &[], Some(&spec))
        .unwrap()
        .fit;
    close("che loglik", f.loglik, &c["loglik"], REL, 0.0);
    let ci = f.sigma2_ci.unwrap();
    let mut n = 0;
    for (got, w) in ci.iter().zip(c["sigma2_ci"].as_array().unwrap()) {
        for b in 0..2 {
            close("che sigma2_ci", got[b], &w[b], CI_REL, 1e-10);
            n += 1;
        }
    }
    assert_eq!(n, 4);
    close(
        "che pi_lower",
        f.pi_lower.unwrap(),
        &c["pi_lower"],
        REL,
        0.0,
    );
    close(
        "che pi_upper",
        f.pi_upper.unwrap(),
        &c["pi_upper"],
        REL,
        0.0,
    );
}

#[test]
fn profile_cis_can_be_skipped_from_the_command_line() {
    let run = |extra: &[&str]| -> Value {
        let mut args = vec![
            "meta",
            "fixtures/konstantopoulos2011.csv",
            "--random",
            "~ 1 | district/school",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_peerstat"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let with = run(&[]);
    assert_eq!(with["sigma2_ci"].as_array().map(Vec::len), Some(2));
    let without = run(&["--no-profile-ci"]);
    assert!(without.get("sigma2_ci").is_none_or(Value::is_null));
    // the fit itself is the same
    assert_eq!(with["estimate"], without["estimate"]);
    assert_eq!(with["sigma2"], without["sigma2"]);
}

#[test]
fn multilevel_json_records_the_robust_options() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args([
            "meta",
            "fixtures/assink2016.csv",
            "--random",
            "~ 1 | study/esid",
            "--robust",
            "study",
            "--no-profile-ci",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["options"]["robust"], "study");
    assert_eq!(j["options"]["robust_type"], "CR2");
    assert_eq!(j["robust"]["clusters"], 17);
}
