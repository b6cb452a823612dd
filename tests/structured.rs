//! Structured random-effects terms (`meta --random '~ inner | outer' --struct S`, metafor
//! `rma.mv(random = ~ inner | outer, struct = S)`) against metafor 3.8-1.
//!
//! Reference values: `fixtures/metafor/structured.json`, written by
//! `fixtures/metafor/structured.R` (dat.berkey1998 with its sampling covariances; dat.ishak2007
//! by time point, with and without vcalc's AR sampling correlation), keeping per fit the best of
//! nlminb and BFGS (the likelihood is flat in the correlations).

mod common;

use serde_json::Value;

use common::cli::*;
use common::close;

const TOL: f64 = 1e-6;

/// The CLI arguments of a reference case.
fn args_of(case: &Value) -> Vec<String> {
    let s = |k: &str| case[k].as_str().unwrap_or("").to_string();
    let mut a = vec![
        fixture(&format!("{}.csv", s("data"))),
        "--random".into(),
        s("random"),
        "--struct".into(),
        s("struct"),
        "--method".into(),
        s("method"),
    ];
    if !s("mods").is_empty() {
        a.extend(["--mods".into(), s("mods")]);
    }
    let vcov = s("vcov");
    if vcov.starts_with("cluster=") {
        a.extend(["--vcalc".into(), vcov]);
    } else if !vcov.is_empty() {
        a.extend(["--vcov-cols".into(), vcov]);
    }
    if case["tau2_ci"].is_null() {
        a.push("--no-profile-ci".into());
    }
    if s("test") == "t" {
        a.push("--knha".into());
    }
    a
}

fn array(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        x => vec![x.clone()],
    }
}

#[test]
fn structured_terms_match_metafor() {
    let refs = common::fixtures::reference("structured.json");
    let cases = refs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 19);
    let (mut values, mut bounds) = (0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let args = args_of(case);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = meta_json(&argv);
        // Coefficients and their SEs.
        let coefs = got["coefficients"].as_array().unwrap();
        for (j, (b, se)) in array(&case["beta"])
            .iter()
            .zip(array(&case["se"]))
            .enumerate()
        {
            close(
                &format!("{name} beta[{j}]"),
                coefs[j]["estimate"].as_f64().unwrap(),
                b,
                1e-5,
                1e-6,
            );
            close(
                &format!("{name} se[{j}]"),
                coefs[j]["se"].as_f64().unwrap(),
                &se,
                1e-5,
                1e-6,
            );
            values += 2;
        }
        for key in ["loglik", "deviance", "aic", "bic"] {
            close(
                &format!("{name} {key}"),
                num(&got, key),
                &case[key],
                TOL,
                TOL,
            );
            values += 1;
        }
        for (key, want) in [
            ("struct_tau2", "tau2"),
            ("struct_rho", "rho"),
            ("sigma2", "sigma2"),
        ] {
            let g = array(&got[key]);
            let w = if key == "struct_rho" && got["struct_rho"].as_array().unwrap().is_empty() {
                Vec::new()
            } else {
                array(&case[want])
            };
            assert_eq!(g.len(), w.len(), "{name} {key} count");
            for (j, (gv, wv)) in g.iter().zip(&w).enumerate() {
                close(
                    &format!("{name} {key}[{j}]"),
                    gv.as_f64().unwrap(),
                    wv,
                    1e-5,
                    1e-6,
                );
                values += 1;
            }
        }
        // Profile-likelihood bounds, where metafor found them.
        // metafor's confint sometimes returns a point that is no crossing of the cut-off (its
        // refits did not converge): the R script checks each bound by refitting with the
        // component held there, and only true crossings (or the ends of the search interval)
        // are compared.
        for (key, want) in [("struct_tau2_ci", "tau2_ci"), ("struct_rho_ci", "rho_ci")] {
            let Some(w) = case[want].as_array() else {
                continue;
            };
            let checks = &case[format!("{want}_check")];
            let g = got[key].as_array().unwrap();
            for (j, wb) in w.iter().enumerate() {
                for side in 0..2 {
                    let wv = &wb[side];
                    let Some(x) = wv.as_f64() else { continue };
                    let at_end = x == 0.0 || x.abs() == 1.0;
                    let crossing = checks[j][side].as_f64().is_some_and(|c| c.abs() < 1e-4);
                    if !(crossing || at_end) {
                        continue;
                    }
                    let gv = g[j][side].as_f64().unwrap_or(f64::NAN);
                    close(&format!("{name} {key}[{j}][{side}]"), gv, wv, 1e-5, 1e-7);
                    bounds += 1;
                }
            }
        }
        if let Some(pi) = case["pi"].as_array() {
            close(
                &format!("{name} pi_lower"),
                num(&got, "pi_lower"),
                &pi[0],
                TOL,
                TOL,
            );
            close(
                &format!("{name} pi_upper"),
                num(&got, "pi_upper"),
                &pi[1],
                TOL,
                TOL,
            );
            values += 2;
        }
    }
    assert!(values >= 200, "{values} values compared");
    assert_eq!(bounds, 22, "profile bounds compared");
    eprintln!("{values} values and {bounds} profile bounds compared");
}
