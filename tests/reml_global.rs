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
