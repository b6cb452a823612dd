//! The global maximum of the ML/REML likelihood of τ² (issue #30, item 3): on data whose
//! likelihood has more than one local maximum, scoring alone stopped at the boundary τ² = 0
//! (exit 0, an SE 40 % too small). References: `fixtures/metafor/reml_global.R` (a fine profile
//! grid refined with `optimize`, then metafor's fit at that τ²).

use peerstat::model::{RandomEffects, Summary, Tau2Method, Workspace};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/metafor/reml_global.json"
    ))
    .expect("fixture");
    serde_json::from_str::<Vec<Value>>(&text).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn fit(c: &Value, scale: f64) -> Summary {
    let y: Vec<f64> = floats(&c["yi"]).iter().map(|y| y * scale).collect();
    let v: Vec<f64> = floats(&c["vi"]).iter().map(|v| v * scale * scale).collect();
    let method = match c["method"].as_str() {
        Some("ML") => Tau2Method::Ml,
        _ => Tau2Method::Reml,
    };
    RandomEffects::new()
        .method(method)
        .knha(c["test"] == "knha")
        .fit_slices(&y, &v, &mut Workspace::new())
        .expect("fit")
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-12)
}

#[test]
fn the_global_maximum_is_found_on_every_scale() {
    let mut checked = 0;
    for c in cases() {
        if !c["mods"].as_array().is_some_and(|m| m.is_empty()) {
            continue;
        }
        for scale in [1.0, 1e-6, 1e6] {
            let s = fit(&c, scale);
            let name = c["name"].as_str().unwrap_or("?");
            let tau2 = c["tau2"].as_f64().expect("tau2") * scale * scale;
            if tau2 == 0.0 {
                assert!(
                    s.tau2 <= 1e-12 * scale * scale,
                    "{name} at {scale}: τ² {}",
                    s.tau2
                );
            } else {
                assert!(
                    close(s.tau2, tau2, 1e-6),
                    "{name} at {scale}: τ² {} vs {tau2}",
                    s.tau2
                );
            }
            let est = c["estimate"].as_f64().expect("estimate") * scale;
            let se = c["se"].as_f64().expect("se") * scale;
            assert!(
                close(s.estimate, est, 1e-6),
                "{name}: {} vs {est}",
                s.estimate
            );
            assert!(close(s.se, se, 1e-6), "{name}: se {} vs {se}", s.se);
            let multimodal = c["local_maxima"].as_u64() >= Some(2);
            assert_eq!(
                s.converged_by.as_str() == "multimodal",
                multimodal,
                "{name}: converged_by {}",
                s.converged_by.as_str()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 7 * 3);
}

#[test]
fn the_issue_example_is_no_longer_the_boundary() {
    let c = &cases()[0];
    assert_eq!(c["name"], "issue");
    let s = fit(c, 1.0);
    // Before: −0.5921 (SE 0.1698, τ² = 0, converged_by boundary).
    assert!((s.estimate - -0.683_768_536).abs() < 1e-6, "{}", s.estimate);
    assert!((s.se - 0.283_061_826).abs() < 1e-6, "{}", s.se);
    assert_eq!(s.converged_by.as_str(), "multimodal");
}

#[test]
fn a_tiny_step_adjustment_does_not_pass_for_convergence() {
    // Issue #30 item 12: `--stepadj 1e-9` stopped after one iteration at a wrong τ².
    let (y, v) = (
        [
            -0.889, -1.585, -1.348, -1.442, -0.218, -0.786, -1.621, 0.012, -0.469, -1.371, -0.339,
        ],
        [
            0.326, 0.195, 0.415, 0.020, 0.051, 0.007, 0.223, 0.004, 0.056, 0.073, 0.012,
        ],
    );
    let plain = RandomEffects::new()
        .fit_slices(&y, &v, &mut Workspace::new())
        .expect("fit");
    let damped = RandomEffects::new()
        .step_adjustment(1e-9)
        .expect("stepadj")
        .fit_slices(&y, &v, &mut Workspace::new());
    // Either the right τ² (the bracket closes) or "did not converge": never a wrong τ².
    match damped {
        Ok(d) => {
            assert!(d.iterations > 1, "{}", d.iterations);
            assert!(
                close(d.tau2, plain.tau2, 1e-8),
                "{} vs {}",
                d.tau2,
                plain.tau2
            );
        }
        Err(e) => assert!(
            matches!(e, peerstat::Error::Tau2NotConverged { .. }),
            "{e:?}"
        ),
    }
}
