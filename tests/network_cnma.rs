//! Component network meta-analysis (`peerstat network --components-sep`, library
//! `Network::fit_components`, netmeta's `netcomb`): identities with the standard network, a
//! hand-computed weighted least-squares fit, identifiability, disconnected networks, and
//! linde2016. The references from R (metafor and netcomb written out) are checked in
//! `network_cnma_metafor.rs`.

mod common;

use common::cli::{run, write_csv};
use peerstat::error::{Error, Setting};
use peerstat::model::network::{CnmaFit, ComponentEstimate, ComponentSpec, Contrast, Network};
use tempfile::TempDir;

fn c(s: &str, a: &str, b: &str, y: f64, v: f64) -> Contrast {
    Contrast {
        study: s.into(),
        treat1: a.into(),
        treat2: b.into(),
        yi: y,
        vi: v,
    }
}

#[track_caller]
fn near(what: &str, a: f64, b: f64, tol: f64) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1.0),
        "{what}: {a} vs {b} (diff {:e})",
        (a - b).abs()
    );
}

fn get<'a>(rows: &'a [ComponentEstimate], name: &str) -> &'a ComponentEstimate {
    rows.iter()
        .find(|e| e.component == name)
        .unwrap_or_else(|| panic!("no component {name}"))
}

/// fixtures/linde2016.csv (contrast rows: study, treat1, treat2, yi, sei).
fn linde() -> Vec<Contrast> {
    let text = std::fs::read_to_string("fixtures/linde2016.csv").unwrap();
    let rows: Vec<Contrast> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let se: f64 = f[4].parse().unwrap();
            c(f[0], f[1], f[2], f[3].parse().unwrap(), se * se)
        })
        .collect();
    assert_eq!(rows.len(), 124);
    rows
}

/// Explicit weighted least squares with two or three columns: (β, (XᵀWX)⁻¹, Q).
fn wls(x: &[Vec<f64>], y: &[f64], w: &[f64]) -> (Vec<f64>, nalgebra::DMatrix<f64>, f64) {
    let p = x[0].len();
    let mut a = nalgebra::DMatrix::<f64>::zeros(p, p);
    let mut b = nalgebra::DVector::<f64>::zeros(p);
    for k in 0..y.len() {
        for i in 0..p {
            b[i] += w[k] * x[k][i] * y[k];
            for j in 0..p {
                a[(i, j)] += w[k] * x[k][i] * x[k][j];
            }
        }
    }
    let inv = a.try_inverse().unwrap();
    let beta: nalgebra::DVector<f64> = &inv * b;
    let q = (0..y.len())
        .map(|k| {
            let fit: f64 = (0..p).map(|i| x[k][i] * beta[i]).sum();
            w[k] * (y[k] - fit).powi(2)
        })
        .sum();
    (beta.iter().copied().collect(), inv, q)
}

/// Every treatment its own single component (a separator that never occurs) with the
/// reference inactive: the additive model is the standard network, so the component effects
/// are the estimates against the reference, Q and τ² are the network's and Q_diff is 0 on 0 df.
/// linde2016 has three-arm studies, so the multi-arm weights are exercised.
#[test]
fn single_components_reproduce_the_standard_network() {
    let data = linde();
    let net = Network::new().reference("Placebo").fit(&data).unwrap();
    let spec = ComponentSpec::separator("|").inactive("Placebo");
    let f = Network::new().fit_components(&data, &spec).unwrap();
    assert_eq!(f.components.len(), 21);
    assert!(f.not_identifiable.is_empty());
    let mut checked = 0;
    for (cm, nm) in [
        (&f.components_common, &net.common),
        (&f.components, &net.random),
    ] {
        for e in &nm.estimates {
            if e.treatment == "Placebo" {
                continue;
            }
            let k = get(cm, &e.treatment);
            near(&e.treatment, k.estimate, e.estimate, 1e-10);
            near(&e.treatment, k.se, e.se, 1e-10);
            near(&e.treatment, k.ci_lower, e.ci_lower, 1e-10);
            checked += 1;
        }
    }
    assert_eq!(checked, 42);
    assert!(net.tau2 > 0.01, "{}", net.tau2);
    near("Q", f.q_additive, net.q_total, 1e-10);
    near("Q standard", f.q_standard, net.q_total, 1e-10);
    near("tau2", f.tau2_additive, net.tau2, 1e-10);
    assert_eq!((f.q_additive_df, f.q_diff_df), (net.q_total_df, 0));
    assert!(f.q_diff.abs() < 1e-8);
    assert_eq!(f.q_diff_p, None);
}

/// Treatments P (inactive), A, B and A+B in two-arm studies: β by explicit weighted least
/// squares on X = BC, Q on 6 − 2 df, the generalised DL τ² (two-arm studies: `(Q − df) /
/// (Σw − Σ w² x'(X'WX)⁻¹x)`), the random-effects refit, and Q_diff against the standard
/// network's Q (from `Network::fit`).
fn toy() -> Vec<Contrast> {
    vec![
        c("s1", "A", "P", 0.5, 0.04),
        c("s2", "B", "P", 0.3, 0.05),
        c("s3", "A+B", "P", 0.9, 0.06),
        c("s4", "A+B", "A", 0.2, 0.05),
        c("s5", "A+B", "B", 0.7, 0.08),
        c("s6", "A", "P", -0.3, 0.03),
    ]
}

#[test]
fn a_small_additive_model_is_weighted_least_squares() {
    let data = toy();
    let x = vec![
        vec![1.0, 0.0],
        vec![0.0, 1.0],
        vec![1.0, 1.0],
        vec![0.0, 1.0],
        vec![1.0, 0.0],
        vec![1.0, 0.0],
    ];
    let y: Vec<f64> = data.iter().map(|d| d.yi).collect();
    let w: Vec<f64> = data.iter().map(|d| 1.0 / d.vi).collect();
    let (beta, inv, q) = wls(&x, &y, &w);
    let spec = ComponentSpec::separator("+")
        .inactive("P")
        .combination("A+B");
    let f = Network::new().fit_components(&data, &spec).unwrap();
    assert_eq!(f.component_names, ["A", "B"]);
    near("A", get(&f.components_common, "A").estimate, beta[0], 1e-12);
    near("B", get(&f.components_common, "B").estimate, beta[1], 1e-12);
    near(
        "se B",
        get(&f.components_common, "B").se,
        inv[(1, 1)].sqrt(),
        1e-12,
    );
    let ab = get(&f.combinations_common, "A+B");
    near("A+B", ab.estimate, beta[0] + beta[1], 1e-12);
    let t = get(&f.treatment_effects_common, "A+B");
    near("treatment A+B", t.estimate, beta[0] + beta[1], 1e-12);
    near("treatment A+B se", t.se, ab.se, 1e-12);
    assert_eq!(get(&f.treatment_effects, "P").estimate, 0.0);
    assert_eq!(f.treatment_effects.len(), 4);
    let var_ab = inv[(0, 0)] + inv[(1, 1)] + 2.0 * inv[(0, 1)];
    near("se A+B", ab.se, var_ab.sqrt(), 1e-12);
    near("Q", f.q_additive, q, 1e-12);
    assert_eq!(f.q_additive_df, 4);
    let h: f64 = (0..6)
        .map(|k| {
            let xk = nalgebra::DVector::from_vec(x[k].clone());
            w[k] * w[k] * (xk.transpose() * &inv * &xk)[(0, 0)]
        })
        .sum();
    let tau2 = ((q - 4.0) / (w.iter().sum::<f64>() - h)).max(0.0);
    assert!(tau2 > 0.0);
    near("tau2", f.tau2_additive, tau2, 1e-12);
    let wr: Vec<f64> = data.iter().map(|d| 1.0 / (d.vi + tau2)).collect();
    let (br, invr, _) = wls(&x, &y, &wr);
    near("A random", get(&f.components, "A").estimate, br[0], 1e-12);
    near(
        "se A random",
        get(&f.components, "A").se,
        invr[(0, 0)].sqrt(),
        1e-12,
    );
    let net = Network::new().reference("P").fit(&data).unwrap();
    near("Q standard", f.q_standard, net.q_total, 1e-12);
    assert_eq!((f.q_standard_df, f.q_diff_df), (3, 1));
    near("Q diff", f.q_diff, q - net.q_total, 1e-12);
    let p = f.q_diff_p.unwrap();
    near("p", p, peerstat::dist::chi2_sf(q - net.q_total, 1.0), 1e-12);
}

/// The interaction A*B (1 for A+B only) saturates this network: three parameters for four
/// treatments, so Q equals the standard network's, and the combination A+B (A + B + A*B) is the
/// standard network's A+B versus P.
#[test]
fn an_interaction_column_saturates_the_toy_network() {
    let data = toy();
    let spec = ComponentSpec::separator("+")
        .inactive("P")
        .interaction("B*A")
        .combination("A+B");
    let f = Network::new().fit_components(&data, &spec).unwrap();
    assert_eq!(f.component_names, ["A", "B", "A*B"]);
    let net = Network::new().reference("P").fit(&data).unwrap();
    near("Q", f.q_additive, net.q_total, 1e-10);
    assert_eq!(f.q_diff_df, 0);
    let ab = net
        .random
        .estimates
        .iter()
        .find(|e| e.treatment == "A+B")
        .unwrap();
    near(
        "A+B",
        get(&f.combinations, "A+B").estimate,
        ab.estimate,
        1e-10,
    );
    near("se A+B", get(&f.combinations, "A+B").se, ab.se, 1e-10);
}

/// A and B always occur together (only "A+B" is given) and D never differs within a study
/// ("C+D" against "D"): C alone is estimated, from its two studies (an inverse-variance mean);
/// A, B and D are reported with their reasons; the combination A+B is estimable, A+C is not.
#[test]
fn non_identifiable_components_are_reported() {
    let data = vec![
        c("s1", "A+B", "P", 0.5, 0.04),
        c("s2", "C", "P", 0.3, 0.05),
        c("s3", "C+D", "D", 0.1, 0.02),
    ];
    let spec = ComponentSpec::separator("+")
        .inactive("P")
        .combination("A+B")
        .combination("A+C");
    let f = Network::new().fit_components(&data, &spec).unwrap();
    let names: Vec<&str> = f.components.iter().map(|e| e.component.as_str()).collect();
    assert_eq!(names, ["C"]);
    near(
        "C",
        get(&f.components_common, "C").estimate,
        (0.3 / 0.05 + 0.1 / 0.02) / (1.0 / 0.05 + 1.0 / 0.02),
        1e-12,
    );
    near(
        "A+B",
        get(&f.combinations_common, "A+B").estimate,
        0.5,
        1e-12,
    );
    let ni: Vec<(&str, &str)> = f
        .not_identifiable
        .iter()
        .map(|n| (n.component.as_str(), n.reason.as_str()))
        .collect();
    assert_eq!(ni.len(), 4, "{ni:?}");
    assert_eq!(
        ni.iter().map(|x| x.0).collect::<Vec<_>>(),
        ["A", "B", "D", "A+C"]
    );
    assert!(ni[0].1.contains("dependent on B"), "{}", ni[0].1);
    assert!(ni[1].1.contains("dependent on A"), "{}", ni[1].1);
    assert!(ni[2].1.contains("never differs"), "{}", ni[2].1);
}

/// Two sub-networks, {P, A, B} and {C, A+C, B+C}, share no study, so the standard network
/// fails; the components A and B connect them. Their estimates are the explicit weighted least
/// squares over both sub-networks; C (in every arm of its studies) is not identifiable. Six
/// treatments in two sub-networks: the standard Q has 5 − 4 df, the additive 5 − 2.
#[test]
fn a_disconnected_network_is_connected_by_components() {
    let data = vec![
        c("s1", "A", "P", 0.5, 0.04),
        c("s2", "B", "P", 0.3, 0.05),
        c("s3", "A+C", "C", 0.4, 0.06),
        c("s4", "B+C", "C", 0.35, 0.05),
        c("s5", "A+C", "B+C", 0.1, 0.07),
    ];
    assert!(Network::new().fit(&data).is_err());
    let f: CnmaFit = Network::new()
        .fit_components(&data, &ComponentSpec::separator("+").inactive("P"))
        .unwrap();
    assert_eq!(f.subnetworks.len(), 2);
    assert!(f
        .subnetworks
        .contains(&vec!["A+C".into(), "B+C".into(), "C".into()]));
    let x = vec![
        vec![1.0, 0.0],
        vec![0.0, 1.0],
        vec![1.0, 0.0],
        vec![0.0, 1.0],
        vec![1.0, -1.0],
    ];
    let y: Vec<f64> = data.iter().map(|d| d.yi).collect();
    let w: Vec<f64> = data.iter().map(|d| 1.0 / d.vi).collect();
    let (beta, inv, q) = wls(&x, &y, &w);
    near("A", get(&f.components_common, "A").estimate, beta[0], 1e-12);
    near("B", get(&f.components_common, "B").estimate, beta[1], 1e-12);
    near(
        "se A",
        get(&f.components_common, "A").se,
        inv[(0, 0)].sqrt(),
        1e-12,
    );
    near("Q", f.q_additive, q, 1e-12);
    assert_eq!(f.not_identifiable.len(), 1);
    assert_eq!(f.not_identifiable[0].component, "C");
    assert_eq!((f.q_additive_df, f.q_standard_df, f.q_diff_df), (3, 1, 2));
}

/// linde2016 with treatments joined by '+' and Placebo inactive (netmeta:
/// `netcomb(net, inactive = "Placebo")`): 18 components, all identifiable, finite effects;
/// Q_diff on 21 − 18 = 3 df. No netmeta reference on this machine, so the values are checked
/// for consistency only (the common-effect combination equals the sum of its components).
#[test]
fn linde2016_components_by_the_cli() {
    let (code, out, err) = run(&[
        "network",
        "fixtures/linde2016.csv",
        "--components-sep",
        "+",
        "--inactive",
        "Placebo",
        "--combination",
        "Face-to-face PST + SSRI",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let comps = j["components"].as_array().unwrap();
    assert_eq!(comps.len(), 18);
    for c in comps
        .iter()
        .chain(j["components_common"].as_array().unwrap())
    {
        for k in ["estimate", "se", "ci_lower", "ci_upper"] {
            assert!(c[k].as_f64().unwrap().is_finite(), "{c}");
        }
    }
    assert_eq!(j["not_identifiable"].as_array().unwrap().len(), 0);
    assert_eq!(j["q_additive_df"], 90);
    assert_eq!(j["q_diff_df"], 3);
    let n = |k: &str| j[k].as_f64().unwrap();
    near(
        "q_diff",
        n("q_diff"),
        n("q_additive") - n("q_standard"),
        1e-12,
    );
    assert!(n("q_diff") > 0.0 && n("q_diff_p") > 0.0 && n("q_diff_p") < 1.0);
    assert!(n("tau2_additive") > 0.0);
    let cc = j["components_common"].as_array().unwrap();
    let est = |name: &str| {
        cc.iter().find(|c| c["component"] == name).unwrap()["estimate"]
            .as_f64()
            .unwrap()
    };
    let combo = j["combinations_common"][0]["estimate"].as_f64().unwrap();
    near(
        "PST + SSRI",
        combo,
        est("Face-to-face PST") + est("SSRI"),
        1e-12,
    );
    let (code, text, err) = run(&[
        "network",
        "fixtures/linde2016.csv",
        "--components-sep",
        "+",
        "--inactive",
        "Placebo",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("Additive component network meta-analysis"),
        "{text}"
    );
    assert!(text.contains("difference       Q = "), "{text}");
}

/// Components from arm-level columns give the same fit as the same treatments named "A+B".
#[test]
fn components_from_columns_match_the_separator() {
    let dir = TempDir::new().unwrap();
    let arms = [
        ("1", "P", 0, 0, 20, 1.0, 1.0),
        ("1", "A", 1, 0, 20, 1.6, 1.1),
        ("2", "P", 0, 0, 25, 0.8, 0.9),
        ("2", "B", 0, 1, 25, 1.1, 1.0),
        ("3", "A+B", 1, 1, 30, 2.0, 1.2),
        ("3", "A", 1, 0, 30, 1.7, 1.1),
        ("3", "P", 0, 0, 30, 1.1, 1.0),
        ("4", "A+B", 1, 1, 15, 1.9, 1.0),
        ("4", "B", 0, 1, 15, 1.2, 1.1),
    ];
    let mut csv = String::from("study,treatment,has_a,has_b,n,mean,sd\n");
    for (s, t, a, b, n, m, sd) in arms {
        let yes = |v: i32| if v == 1 { "yes" } else { "no" };
        csv += &format!("{s},{t},{},{},{n},{m},{sd}\n", yes(a), yes(b));
    }
    let file = write_csv(&dir, "arms.csv", &csv);
    let base = [
        "network",
        file.as_str(),
        "--measure",
        "MD",
        "--format",
        "json",
    ];
    let by_cols = [&base[..], &["--components-from", "has_a,has_b"]].concat();
    let by_sep = [&base[..], &["--components-sep", "+", "--inactive", "P"]].concat();
    let (c1, o1, e1) = run(&by_cols);
    let (c2, o2, e2) = run(&by_sep);
    assert_eq!((c1, c2), (0, 0), "{e1}{e2}");
    let j1: serde_json::Value = serde_json::from_str(&o1).unwrap();
    let j2: serde_json::Value = serde_json::from_str(&o2).unwrap();
    assert_eq!(j1["component_names"], serde_json::json!(["has_a", "has_b"]));
    for (k, name) in [(0, "A"), (1, "B")] {
        let a = j1["components"][k]["estimate"].as_f64().unwrap();
        let b = j2["components"][k]["estimate"].as_f64().unwrap();
        assert_eq!(j2["components"][k]["component"], name);
        near(name, a, b, 1e-12);
    }
    near(
        "q_additive",
        j1["q_additive"].as_f64().unwrap(),
        j2["q_additive"].as_f64().unwrap(),
        1e-12,
    );
    assert_eq!(j1["q_additive_df"], 3);
}

/// Bad component options fail with the setting named.
#[test]
fn bad_component_options_fail() {
    let data = toy();
    let mut checked = 0;
    for spec in [
        ComponentSpec::separator("+").inactive("Z"),
        ComponentSpec::separator("+").interaction("A*Z"),
        ComponentSpec::separator("+").interaction("A"),
        ComponentSpec::separator("+").combination("A+Z"),
    ] {
        let e = Network::new().fit_components(&data, &spec).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Setting {
                    setting: Setting::Components,
                    ..
                }
            ),
            "{e}"
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
    let (code, _, err) = run(&["network", "fixtures/linde2016.csv", "--inactive", "Placebo"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--components-sep"), "{err}");
}
