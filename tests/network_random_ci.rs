//! Random-effects confidence intervals of a network (`--method-random-ci`): netmeta's
//! `method.random.ci = "t-dist"` (netmeta 3.6-0) and the Hartung–Knapp variants, against
//! `random_ci` of `fixtures/metafor/network.R` (the formulas written out in R, on the generalised
//! DL fit and on metafor's REML fit), on every dataset of that script.

mod common;

use common::cli::{fixture, parse_json, run};
use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, Measure};
use peerstat::model::network::{table, Network, NetworkFit, NetworkMethod, RandomCi};
use serde_json::Value;

/// (dataset, file, arm-level measure or None for contrast rows, reference).
const CASES: [(&str, &str, Option<Measure>, &str); 5] = [
    ("senn2013", "senn2013.csv", Some(Measure::Md), "placebo"),
    (
        "hasselblad1998",
        "hasselblad1998.csv",
        Some(Measure::Or),
        "no_contact",
    ),
    ("linde2016", "linde2016.csv", None, "Placebo"),
    ("senn2013_netmeta", "senn2013_netmeta.csv", None, "Placebo"),
    ("toy", "nma_toy.csv", None, "A"),
];

fn fit(
    file: &str,
    measure: Option<Measure>,
    reference: &str,
    m: NetworkMethod,
    ci: RandomCi,
) -> NetworkFit {
    let t = read_table(std::path::Path::new(&fixture(file)), &ColumnMap::new()).unwrap();
    let c = match measure {
        Some(m) => {
            table::contrasts_from_arms(&t, "study", "treatment", m, &EffectOptions::default())
                .unwrap()
        }
        None => table::contrasts_from_rows(&t, "study").unwrap(),
    };
    Network::new()
        .reference(reference)
        .method(m)
        .random_ci(ci)
        .fit(&c)
        .unwrap()
}

#[track_caller]
fn close(what: &str, got: f64, want: &Value, rel: f64) -> usize {
    let w = want.as_f64().unwrap_or_else(|| panic!("{what}: {want}"));
    assert!(
        (got - w).abs() <= rel * w.abs().max(1.0),
        "{what}: peerstat {got}, reference {w}"
    );
    1
}

/// Compares one method's estimates and league-table bounds; returns the numbers checked.
fn check(what: &str, f: &NetworkFit, want: &Value, rel: f64) -> usize {
    let mut n = close(
        &format!("{what} factor"),
        f.random_ci_factor,
        &want["factor"],
        rel,
    );
    for w in want["estimates"].as_array().unwrap() {
        let t = w["treatment"].as_str().unwrap();
        let e = f
            .random
            .estimates
            .iter()
            .find(|e| e.treatment == t)
            .unwrap();
        for (k, g) in [
            ("estimate", e.estimate),
            ("se", e.se),
            ("ci_lower", e.ci_lower),
            ("ci_upper", e.ci_upper),
        ] {
            n += close(&format!("{what} {t} {k}"), g, &w[k], rel);
        }
    }
    for (i, row) in f.random.league.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let (lo, hi) = (&want["league_lower"][i][j], &want["league_upper"][i][j]);
            n += close(
                &format!("{what} league {i},{j} lower"),
                cell.ci_lower,
                lo,
                rel,
            );
            n += close(
                &format!("{what} league {i},{j} upper"),
                cell.ci_upper,
                hi,
                rel,
            );
        }
    }
    n
}

#[test]
fn random_effects_intervals_match_the_formulas_in_r() {
    let refs = common::fixtures::reference("network.json");
    let mut checked = 0;
    let mut below_one = 0;
    for (name, file, measure, reference) in CASES {
        for (method, key, rel) in [
            (NetworkMethod::Dl, "dl", 1e-8),
            (NetworkMethod::Reml, "reml", 1e-6),
        ] {
            let want = &refs[name][key]["random_ci"];
            let classic = fit(file, measure, reference, method, RandomCi::Classic);
            for (ci, k) in [
                (RandomCi::TDist, "t_dist"),
                (RandomCi::Hk, "hk"),
                (RandomCi::HkSe, "hk_se"),
            ] {
                let f = fit(file, measure, reference, method, ci);
                let what = format!("{name} {key} {k}");
                checked += check(&what, &f, &want[k], rel);
                close(
                    &format!("{what} Q_random"),
                    f.q_random,
                    &want["q_random"],
                    rel,
                );
                assert_eq!(f.random_ci_df, Some(f.q_total_df), "{what}");
                // Prediction intervals, P-scores and the common effect do not change.
                assert_eq!(
                    f.random
                        .estimates
                        .iter()
                        .map(|e| e.pi_lower)
                        .collect::<Vec<_>>(),
                    classic
                        .random
                        .estimates
                        .iter()
                        .map(|e| e.pi_lower)
                        .collect::<Vec<_>>()
                );
                assert_eq!(f.p_scores, classic.p_scores);
                assert_eq!(f.common, classic.common);
            }
            if want["hk"]["factor"].as_f64().unwrap() < 1.0 {
                below_one += 1;
            }
        }
    }
    // 10 fits × 3 methods; the HK factor is below 1 (HK-se differs from HK) in 6 of them.
    assert_eq!(below_one, 6);
    // Per fit and method: the factor, 4 numbers per non-reference treatment and both bounds of
    // every league cell; n = 10, 4, 22, 10, 4 treatments: Σ (1 + 4(n − 1) + 2n²) = 1617.
    assert_eq!(checked, 1617 * 2 * 3, "numbers compared");
}

#[test]
fn the_cli_records_the_method_and_widens_the_intervals() {
    let file = fixture("senn2013.csv");
    let args = |m: &str| {
        let a = [
            "network",
            &file,
            "--measure",
            "MD",
            "--reference",
            "placebo",
            "--format",
            "json",
            "--method-random-ci",
            m,
        ]
        .map(str::to_string);
        let (code, out, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 0, "{err}");
        parse_json(&out)
    };
    let classic = args("classic");
    let hk = args("HK");
    assert_eq!(classic["method_random_ci"], "classic");
    assert_eq!(classic["random_ci_df"], Value::Null);
    assert_eq!(hk["method_random_ci"], "HK");
    assert_eq!(hk["random_ci_df"], 18);
    let refs = common::fixtures::reference("network.json");
    close(
        "HK factor",
        hk["random_ci_factor"].as_f64().unwrap(),
        &refs["senn2013"]["dl"]["random_ci"]["hk"]["factor"],
        1e-8,
    );
    let width = |v: &Value| {
        let e = &v["random"]["estimates"][1];
        e["ci_upper"].as_f64().unwrap() - e["ci_lower"].as_f64().unwrap()
    };
    // t(18) over z, times √0.909: wider than the classic interval by ≈ 1.0030.
    let ratio = width(&hk) / width(&classic);
    assert!(
        (ratio - 2.10092204 / 1.95996398 * 0.909358586710434_f64.sqrt()).abs() < 1e-6,
        "{ratio}"
    );
    let (code, _, err) = run(&[
        "network",
        &file,
        "--measure",
        "MD",
        "--method-random-ci",
        "Wald",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("classic, t-dist, HK or HK-se"), "{err}");
}
