//! Network meta-analysis (`peerstat network`, library `model::network`): published netmeta
//! numbers, identities that a wrong implementation would miss, and bad input.

mod common;

use common::cli::{assert_fails, run, write_csv};
use peerstat::model::network::{Contrast, Network};
use peerstat::model::{RandomEffects, Tau2Method, Workspace};
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

/// dat.senn2013 (arm-level, mean HbA1c change): netmeta's published common-effect Q
/// decomposition (netmeta `decomp.design` on its `Senn2013`): total 96.99 on 18 df, within
/// designs 74.46 on 11, between designs 22.53 on 7; and τ² = 0.1087 (generalised DL). netmeta's
/// `Senn2013` carries the contrasts with rounded standard errors, metadat's `dat.senn2013` the
/// arms they came from, so the Q values agree to about 0.01 (the exact check is against
/// metafor's contrast-based fit on the same contrasts).
#[test]
fn senn2013_matches_the_published_decomposition() {
    let (code, out, err) = run(&[
        "network",
        "fixtures/senn2013.csv",
        "--measure",
        "MD",
        "--reference",
        "placebo",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let n = |k: &str| j[k].as_f64().unwrap();
    assert!((n("q_total") - 96.99).abs() < 0.015, "{}", n("q_total"));
    assert!((n("q_within") - 74.46).abs() < 0.015, "{}", n("q_within"));
    assert!((n("q_between") - 22.53).abs() < 0.015, "{}", n("q_between"));
    assert_eq!(
        (n("q_total_df"), n("q_within_df"), n("q_between_df")),
        (18.0, 11.0, 7.0)
    );
    assert!((n("tau2") - 0.1087).abs() < 5e-5, "{}", n("tau2"));
    assert_eq!(j["k_studies"], 26);
    assert_eq!(j["k_comparisons"], 28);
}

/// Two treatments: the common effect is the inverse-variance mean and the random effect is
/// DerSimonian–Laird, exactly as `meta`.
#[test]
fn a_two_treatment_network_is_a_meta_analysis() {
    let y = [0.3, 0.1, 0.45, -0.05, 0.2];
    let v = [0.04, 0.03, 0.05, 0.06, 0.02];
    let data: Vec<Contrast> = (0..5)
        .map(|i| c(&format!("s{i}"), "peer", "usual", y[i], v[i]))
        .collect();
    let f = Network::new().reference("usual").fit(&data).unwrap();
    let peer = |m: &peerstat::model::network::NetworkModel| {
        m.estimates
            .iter()
            .find(|e| e.treatment == "peer")
            .unwrap()
            .clone()
    };
    let fe = RandomEffects::new()
        .method(Tau2Method::Ee)
        .fit_slices(&y, &v, &mut Workspace::new())
        .unwrap();
    let dl = RandomEffects::new()
        .method(Tau2Method::Dl)
        .fit_slices(&y, &v, &mut Workspace::new())
        .unwrap();
    near("common", peer(&f.common).estimate, fe.estimate, 1e-12);
    near("common se", peer(&f.common).se, fe.se, 1e-12);
    near("tau2", f.tau2, dl.tau2, 1e-12);
    near("random", peer(&f.random).estimate, dl.estimate, 1e-12);
    near("random se", peer(&f.random).se, dl.se, 1e-12);
    near("q", f.q_total, fe.q, 1e-12);
}

/// The generalised DL τ² by hand on a network without loops (a star of pairwise comparisons):
/// the denominator is Σ over comparisons of (Σw − Σw²/Σw).
#[test]
fn generalised_dl_by_hand_on_a_star() {
    let data = vec![
        c("s1", "A", "U", 0.5, 0.04),
        c("s2", "A", "U", 0.1, 0.05),
        c("s3", "A", "U", 0.3, 0.02),
        c("s4", "B", "U", 0.8, 0.03),
        c("s5", "B", "U", 0.2, 0.06),
    ];
    let f = Network::new().reference("U").fit(&data).unwrap();
    let mut q = 0.0;
    let mut denom = 0.0;
    for group in [&data[..3], &data[3..]] {
        let w: Vec<f64> = group.iter().map(|x| 1.0 / x.vi).collect();
        let sw: f64 = w.iter().sum();
        let mean: f64 = group.iter().zip(&w).map(|(x, w)| w * x.yi).sum::<f64>() / sw;
        q += group
            .iter()
            .zip(&w)
            .map(|(x, w)| w * (x.yi - mean).powi(2))
            .sum::<f64>();
        denom += sw - w.iter().map(|w| w * w).sum::<f64>() / sw;
    }
    let df = 5.0 - 2.0;
    near("q", f.q_total, q, 1e-12);
    near("tau2", f.tau2, (q - df) / denom, 1e-12);
    assert!(f.tau2 > 0.0);
}

/// Relabelling the reference re-expresses every estimate: a vs r2 = (a vs r1) − (r2 vs r1).
#[test]
fn relabelling_the_reference_is_consistent() {
    let data = vec![
        c("s1", "A", "U", 0.5, 0.04),
        c("s2", "B", "U", 0.3, 0.05),
        c("s3", "A", "B", 0.1, 0.03),
        c("s4", "C", "A", -0.2, 0.06),
        c("m1", "A", "U", 0.4, 0.05),
        c("m1", "B", "U", 0.2, 0.06),
        c("m1", "A", "B", 0.2, 0.07),
    ];
    let f1 = Network::new().reference("U").fit(&data).unwrap();
    let f2 = Network::new().reference("B").fit(&data).unwrap();
    let get = |f: &peerstat::model::network::NetworkFit, t: &str| {
        f.random
            .estimates
            .iter()
            .find(|e| e.treatment == t)
            .unwrap()
            .clone()
    };
    let mut checked = 0;
    for t in ["A", "C", "U"] {
        near(
            t,
            get(&f2, t).estimate,
            get(&f1, t).estimate - get(&f1, "B").estimate,
            1e-12,
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
    // The league table is antisymmetric and its diagonal 0.
    let l = &f1.common.league;
    near("antisymmetric", l[0][1].estimate, -l[1][0].estimate, 1e-12);
    assert_eq!(l[2][2].estimate, 0.0);
    // P-scores of the four treatments average 1/2.
    let mean: f64 = f1.p_scores.iter().map(|p| p.common).sum::<f64>() / 4.0;
    near("mean P-score", mean, 0.5, 1e-12);
}

#[test]
fn bad_networks_are_clear_errors() {
    let disconnected = vec![c("s1", "A", "U", 0.5, 0.04), c("s2", "B", "C", 0.3, 0.05)];
    let e = Network::new().fit(&disconnected).unwrap_err().to_string();
    assert!(
        e.contains("disconnected") && e.contains("{A, U}") && e.contains("{B, C}"),
        "{e}"
    );
    let missing_pair = vec![c("m1", "A", "U", 0.4, 0.05), c("m1", "B", "U", 0.2, 0.06)];
    let e = Network::new().fit(&missing_pair).unwrap_err().to_string();
    assert!(e.contains("m1") && e.contains("3 arms"), "{e}");
    let e = Network::new()
        .reference("nope")
        .fit(&disconnected[..1])
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope"), "{e}");
    // Arm-level input: a one-arm study and a treatment twice, each naming the study.
    let dir = TempDir::new().unwrap();
    let one_arm = write_csv(
        &dir,
        "one.csv",
        "study,treatment,n,mean,sd\nS1,peer,50,1.0,2\nS1,usual,50,0.5,2\nS2,peer,40,1.2,2\n",
    );
    assert_fails(
        &run(&["network", &one_arm, "--measure", "MD"]),
        &["S2", "one arm"],
    );
    let twice = write_csv(
        &dir,
        "twice.csv",
        "study,treatment,n,mean,sd\nS1,peer,50,1.0,2\nS1,peer,50,0.5,2\nS2,peer,40,1.2,2\nS2,usual,40,1.0,2\n",
    );
    assert_fails(
        &run(&["network", &twice, "--measure", "MD"]),
        &["S1", "two arms"],
    );
}
