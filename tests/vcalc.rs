//! metafor's `vcalc` options beyond cluster/obs/time: `type` (with and without `obs`),
//! `subgroup`, `grp1`/`grp2`, `w1`/`w2`, `time2`, `grp1` alone, and the CHE fit on top, against
//! metafor 3.8-1.
//!
//! Reference values: `fixtures/metafor/vcalc.json`, written by `fixtures/metafor/vcalc.R`.

mod common;

use std::collections::HashMap;

use peerstat::error::{Error, Setting};
use peerstat::model::multilevel::MultilevelModel;
use peerstat::model::vcalc::{
    vcalc_full, SamplingCovariance, VcalcColumns, VcalcCorrelations, VcalcSpec,
};
use serde_json::Value;

use common::close;
use common::fixtures::load_with_row as load;

fn reference() -> Value {
    common::fixtures::reference("vcalc.json")
}

fn opt_str(o: &Value, key: &str) -> Option<String> {
    o[key].as_str().map(String::from)
}

/// The reference options as a [`VcalcSpec`].
fn spec(o: &Value) -> VcalcSpec {
    VcalcSpec {
        cluster: o["cluster"].as_str().unwrap().into(),
        obs: opt_str(o, "obs"),
        rho: o["rho"].as_f64().unwrap_or(0.0),
        time: opt_str(o, "time"),
        phi: o["phi"].as_f64(),
        subgroup: opt_str(o, "subgroup"),
        type_col: opt_str(o, "type"),
        rho_type: o["rho_type"].as_f64(),
        time2: opt_str(o, "time2"),
        grp1: opt_str(o, "grp1"),
        grp2: opt_str(o, "grp2"),
        w1: opt_str(o, "w1"),
        w2: opt_str(o, "w2"),
    }
}

/// Compares `cov` with the reference entries (non-zero lower triangle, diagonal included) to
/// 1e-10 relative; every other entry of `cov` must be zero. Returns the entries checked.
fn compare(id: &str, cov: &SamplingCovariance, case: &Value) -> usize {
    let mut ours: HashMap<(usize, usize), f64> = HashMap::new();
    for b in cov.blocks() {
        for (a, &i) in b.rows.iter().enumerate() {
            for (c, &j) in b.rows.iter().enumerate() {
                if i >= j && b.matrix[(a, c)] != 0.0 {
                    ours.insert((i, j), b.matrix[(a, c)]);
                }
            }
        }
    }
    let entries = case["entries"].as_array().unwrap();
    assert_eq!(entries.len() as u64, case["count"].as_u64().unwrap());
    let mut checked = 0;
    for e in entries {
        let (i, j) = (
            e[0].as_u64().unwrap() as usize,
            e[1].as_u64().unwrap() as usize,
        );
        let got = ours
            .get(&(i, j))
            .unwrap_or_else(|| panic!("{id}: V[{i},{j}] is zero, metafor {}", e[2]));
        close(&format!("{id} V[{i},{j}]"), *got, &e[2], 1e-10, 1e-15);
        checked += 1;
    }
    assert_eq!(
        ours.len(),
        checked,
        "{id}: peerstat has non-zero entries metafor has not"
    );
    checked
}

#[test]
fn vcalc_on_real_data_matches_metafor() {
    let r = reference();
    let mut cases = 0;
    let mut entries = 0;
    for c in r["cases"].as_array().unwrap() {
        let id = c["name"].as_str().unwrap();
        let (t, es) = load(c["dataset"].as_str().unwrap());
        assert_eq!(es.k() as u64, c["k"].as_u64().unwrap(), "{id}");
        let s = spec(&c["options"]);
        let cov = s.covariance(&t, es.rows(), es.vi()).unwrap();
        entries += compare(id, &cov, c);
        cases += 1;
    }
    assert_eq!(cases, 8);
    // Every case has off-diagonal entries (the options do something).
    assert!(entries > 8 * 66, "{entries}");
}

#[test]
fn che_fits_on_vcalc_options_match_metafor() {
    let r = reference();
    let mut checked = 0;
    for c in r["cases"].as_array().unwrap() {
        let id = c["name"].as_str().unwrap();
        let (t, es) = load(c["dataset"].as_str().unwrap());
        let random: Vec<String> = common::fixtures::strings(&c["random"]);
        let s = spec(&c["options"]);
        let rep = MultilevelModel::new()
            .profile_ci(false)
            .fit_table_vcalc(&t, &es, &random, &[], Some(&s))
            .unwrap();
        let (f, w) = (&rep.fit, &c["fit"]);
        assert_eq!(f.k as u64, w["k"].as_u64().unwrap(), "{id}");
        close(
            &format!("{id} estimate"),
            f.first.estimate,
            &w["estimate"],
            1e-6,
            1e-9,
        );
        close(&format!("{id} se"), f.first.se, &w["se"], 1e-6, 1e-9);
        close(&format!("{id} loglik"), f.loglik, &w["loglik"], 1e-6, 1e-9);
        let s2 = w["sigma2"].as_array().unwrap();
        assert_eq!(f.sigma2.len(), s2.len());
        let total: f64 = f.sigma2.iter().sum();
        for (l, (g, want)) in f.sigma2.iter().zip(s2).enumerate() {
            close(&format!("{id} sigma2[{l}]"), *g, want, 1e-6, 1e-7 * total);
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn synthetic_group_and_time_designs_match_metafor() {
    let r = reference();
    let mut checked = 0;
    for c in r["synthetic"].as_array().unwrap() {
        let id = c["name"].as_str().unwrap();
        let d = &c["data"];
        let texts = |k: &str| common::fixtures::strings(&d[k]);
        let nums = |k: &str| -> Vec<f64> {
            d[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let o = &c["options"];
        let given = |k: &str| o[k].is_string();
        let (grp1, grp2) = (texts("grp1"), texts("grp2"));
        let (t1, t2, w1, w2) = (nums("time1"), nums("time2"), nums("w1"), nums("w2"));
        let cols = VcalcColumns {
            grp1: given("grp1").then_some(&grp1[..]),
            grp2: given("grp2").then_some(&grp2[..]),
            time1: given("time").then_some(&t1[..]),
            time2: given("time2").then_some(&t2[..]),
            w1: given("w1").then_some(&w1[..]),
            w2: given("w2").then_some(&w2[..]),
            ..VcalcColumns::default()
        };
        let corr = VcalcCorrelations {
            rho_obs: 0.0,
            rho_type: 0.0,
            phi: o["phi"].as_f64().unwrap_or(1.0),
        };
        let cov = vcalc_full(&nums("vi"), &texts("cluster"), &cols, corr).unwrap();
        checked += compare(id, &cov, c);
    }
    assert_eq!(checked, 11 + 11 + 6 + 6);
}

#[test]
fn shared_control_correlation_is_a_half_for_equal_groups() {
    // Two treatments against one control, equal sizes: metafor's 0.5; with w: the exact
    // sqrt(n_t1 n_t2 / ((n_t1 + n_c)(n_t2 + n_c))).
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let (cl, g1, g2) = (s(&["a", "a"]), s(&["t1", "t2"]), s(&["c", "c"]));
    let corr = VcalcCorrelations {
        rho_obs: 0.0,
        rho_type: 0.0,
        phi: 1.0,
    };
    let mut cols = VcalcColumns {
        grp1: Some(&g1),
        grp2: Some(&g2),
        ..VcalcColumns::default()
    };
    let v = vcalc_full(&[0.04, 0.09], &cl, &cols, corr).unwrap();
    assert!((v.blocks()[0].matrix[(1, 0)] - 0.5 * 0.2 * 0.3).abs() < 1e-15);
    let (w1, w2) = ([10.0, 40.0], [20.0, 20.0]);
    cols.w1 = Some(&w1);
    cols.w2 = Some(&w2);
    let v = vcalc_full(&[0.04, 0.09], &cl, &cols, corr).unwrap();
    let want = (10.0_f64 * 40.0 / (30.0 * 60.0)).sqrt() * 0.2 * 0.3;
    assert!((v.blocks()[0].matrix[(1, 0)] - want).abs() < 1e-15);
    // subgroups split the cluster: independent effects.
    let sub = s(&["m", "f"]);
    cols.subgroup = Some(&sub);
    let v = vcalc_full(&[0.04, 0.09], &cl, &cols, corr).unwrap();
    assert_eq!(v.blocks().len(), 2);
    assert_eq!(v.blocks()[1].label, "a.f");
}

#[test]
fn bad_group_options_are_refused_as_metafor_does() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let (cl, g) = (s(&["a", "a"]), s(&["t", "c"]));
    let corr = VcalcCorrelations {
        rho_obs: 0.0,
        rho_type: 0.0,
        phi: 1.0,
    };
    let only2 = VcalcColumns {
        grp2: Some(&g),
        ..VcalcColumns::default()
    };
    let e = vcalc_full(&[0.1, 0.1], &cl, &only2, corr).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Setting {
                setting: Setting::SamplingCovariance,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("grp2 needs grp1"), "{e}");
    // The same group on both sides of a contrast: no variance.
    let same = VcalcColumns {
        grp1: Some(&g),
        grp2: Some(&g),
        ..VcalcColumns::default()
    };
    let e = vcalc_full(&[0.1, 0.1], &cl, &same, corr).unwrap_err();
    assert!(e.to_string().contains("same group"), "{e}");
    let w = [10.0, -1.0];
    let bad_w = VcalcColumns {
        grp1: Some(&g),
        w1: Some(&w),
        ..VcalcColumns::default()
    };
    let e = vcalc_full(&[0.1, 0.1], &cl, &bad_w, corr).unwrap_err();
    assert!(e.to_string().contains("effect 2"), "{e}");
    let e = vcalc_full(
        &[0.1, 0.1],
        &cl,
        &VcalcColumns::default(),
        VcalcCorrelations {
            rho_type: 1.5,
            ..corr
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("between types"), "{e}");
}

#[test]
fn type_without_rho_type_and_missing_columns_are_named() {
    let (t, es) = load("knapp2017");
    let base = VcalcSpec {
        cluster: "study".into(),
        type_col: Some("task".into()),
        ..VcalcSpec::default()
    };
    let e = base.covariance(&t, es.rows(), es.vi()).unwrap_err();
    assert!(e.to_string().contains("rho_type"), "{e}");
    let missing = VcalcSpec {
        grp1: Some("arm".into()),
        rho_type: Some(0.5),
        ..base
    };
    let e = missing.covariance(&t, es.rows(), es.vi()).unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }), "{e}");
    assert!(e.to_string().contains("arm"), "{e}");
}

// ------------------------------------------------------------------ the command line

fn cli(args: &[&str]) -> (i32, String, String) {
    common::cli::run(args)
}

#[test]
fn cli_vcalc_keys_reproduce_metafor() {
    // study/esid is the model study/row for assink2016 (esid is unique within studies).
    let r = reference();
    let mut checked = 0;
    for c in r["cases"].as_array().unwrap() {
        if c["dataset"] != "assink2016" {
            continue;
        }
        let data = format!("fixtures/{}.csv", c["dataset"].as_str().unwrap());
        let spec = c["cli"].as_str().unwrap();
        let (code, out, err) = cli(&[
            "meta",
            &data,
            "--random",
            "~ 1 | study/esid",
            "--vcalc",
            spec,
            "--no-profile-ci",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{spec}: {err}");
        let j: Value = serde_json::from_str(&out).unwrap();
        let w = &c["fit"];
        close(
            spec,
            j["estimate"].as_f64().unwrap(),
            &w["estimate"],
            1e-6,
            1e-9,
        );
        close(spec, j["se"].as_f64().unwrap(), &w["se"], 1e-6, 1e-9);
        close(
            spec,
            j["loglik"].as_f64().unwrap(),
            &w["loglik"],
            1e-6,
            1e-9,
        );
        let o = &c["options"];
        assert_eq!(j["options"]["vcalc"]["type"], o["type"], "{spec}");
        assert_eq!(j["options"]["vcalc"]["subgroup"], o["subgroup"], "{spec}");
        assert_eq!(j["options"]["vcalc"]["rho_type"], o["rho_type"], "{spec}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn cli_knapp_shared_groups_and_text_output() {
    let (code, out, err) = cli(&[
        "meta",
        "fixtures/knapp2017.csv",
        "--random",
        "~ 1 | study/comp",
        "--vcalc",
        "cluster=study,obs=task_diff,rho=0.4,grp1=group1,grp2=group2,w1=n_sz,w2=n_hc",
        "--no-profile-ci",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("grp1 = group1, grp2 = group2, w1 = n_sz, w2 = n_hc"),
        "{out}"
    );
    let w = &reference()["cases"][4]["fit"];
    assert_eq!(reference()["cases"][4]["name"], "knapp2017 grp+w+obs");
    let (code, out, err) = cli(&[
        "meta",
        "fixtures/knapp2017.csv",
        "--random",
        "~ 1 | study/comp",
        "--vcalc",
        "cluster=study,obs=task_diff,rho=0.4,grp1=group1,grp2=group2,w1=n_sz,w2=n_hc",
        "--no-profile-ci",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    close(
        "knapp estimate",
        j["estimate"].as_f64().unwrap(),
        &w["estimate"],
        1e-6,
        1e-9,
    );
}

#[test]
fn cli_vcalc_errors_name_the_problem() {
    let run = |spec: &str| {
        cli(&[
            "meta",
            "fixtures/assink2016.csv",
            "--random",
            "~ 1 | study/esid",
            "--vcalc",
            spec,
        ])
    };
    let (code, _, err) = run("cluster=study,type=deltype,obs=esid,rho=0.7");
    assert_ne!(code, 0);
    assert!(err.contains("within-type and the between-type"), "{err}");
    let (code, _, err) = run("cluster=study,obs=esid,rho=0.6,rho_type=0.3");
    assert_ne!(code, 0);
    assert!(err.contains("rho_type needs type"), "{err}");
    let (code, _, err) = run("cluster=study,obs=esid,rho=0.6,grp1=arm");
    assert_ne!(code, 0);
    assert!(err.contains("arm"), "{err}");
    let (code, _, err) = run("cluster=study,obs=esid,rho=0.6,grp1=deltype,w1=year");
    assert_ne!(code, 0);
    assert!(err.contains("year"), "{err}");
    let (code, _, err) = run("cluster=study,obs=esid,rho=0.6,grp2=deltype");
    assert_ne!(code, 0);
    assert!(err.contains("grp2 needs grp1"), "{err}");
}
