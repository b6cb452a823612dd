//! The additive component network meta-analysis (`Network::fit_components`, netmeta's
//! `netcomb`) against `fixtures/metafor/cnma.R`: metafor's contrast-based `rma.mv` with the
//! component design (common effect; random effects at netcomb's τ²) and netcomb written out in
//! R from netmeta's source (generalised DL τ² of the additive model, Q_additive, Q_diff), on
//! dat.linde2016 and a small network with an interaction, a combination and two components
//! that always occur together.

mod common;

use common::cli::fixture;
use peerstat::data::{read_table, ColumnMap};
use peerstat::model::network::{table, CnmaFit, ComponentEstimate, ComponentSpec, Network};
use serde_json::Value;

/// (reference key, file, inactive, interactions, combinations).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const CASES: [Case; 3] = [
    (
        "linde2016",
        "linde2016.csv",
        "Placebo",
        &[],
        &["Face-to-face PST + SSRI", "Face-to-face CBT + SSRI"],
    ),
    ("toy", "cnma_toy.csv", "P", &["A*B"], &["C+D", "A+B", "A+C"]),
    ("toy_additive", "cnma_toy.csv", "P", &[], &["C+D", "A+B"]),
];

fn fit(case: &Case) -> CnmaFit {
    let (_, file, inactive, interactions, combinations) = *case;
    let t = read_table(std::path::Path::new(&fixture(file)), &ColumnMap::new()).unwrap();
    let c = table::contrasts_from_rows(&t, "study").unwrap();
    let mut spec = ComponentSpec::separator("+").inactive(inactive);
    for i in interactions {
        spec = spec.interaction(i);
    }
    for cb in combinations {
        spec = spec.combination(cb);
    }
    Network::new().fit_components(&c, &spec).unwrap()
}

#[track_caller]
fn close(what: &str, got: f64, want: &Value, rel: f64) -> usize {
    let w = want.as_f64().unwrap_or_else(|| panic!("{what}: {want}"));
    assert!(
        (got - w).abs() <= rel * w.abs().max(1.0),
        "{what}: peerstat {got}, reference {w} (diff {:e})",
        (got - w).abs()
    );
    1
}

/// Every row of `want` (and no other) in `got`, all four numbers.
fn rows(what: &str, got: &[ComponentEstimate], want: &Value, rel: f64) -> usize {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: rows");
    let mut n = 0;
    for w in want {
        let name = w["component"].as_str().unwrap();
        let g = got
            .iter()
            .find(|e| e.component == name)
            .unwrap_or_else(|| panic!("{what}: no {name}"));
        n += close(
            &format!("{what} {name} estimate"),
            g.estimate,
            &w["estimate"],
            rel,
        );
        n += close(&format!("{what} {name} se"), g.se, &w["se"], rel);
        n += close(
            &format!("{what} {name} ci_lower"),
            g.ci_lower,
            &w["ci_lower"],
            rel,
        );
        n += close(
            &format!("{what} {name} ci_upper"),
            g.ci_upper,
            &w["ci_upper"],
            rel,
        );
    }
    n
}

fn names(v: &Value) -> Vec<String> {
    common::fixtures::strings(v)
}

#[test]
fn component_models_match_metafor_and_netcomb_written_out() {
    let refs = common::fixtures::reference("cnma.json");
    let mut checked = 0;
    for case in &CASES {
        let key = case.0;
        let r = &refs[key];
        let f = fit(case);
        // linde2016's multi-arm contrasts are rounded (consistent to 4e-7): metafor's baseline
        // contrasts and the pairwise graph then differ by up to 1e-7.
        let rel_metafor = if key == "linde2016" { 1e-6 } else { 1e-8 };
        assert_eq!(f.component_names, names(&r["component_names"]), "{key}");
        let mut not_id: Vec<String> = names(&r["not_identifiable"]);
        not_id.extend(names(&r["combinations_not_identifiable"]));
        let got: Vec<String> = f
            .not_identifiable
            .iter()
            .map(|n| n.component.clone())
            .collect();
        assert_eq!(got, not_id, "{key}: not identifiable");
        for (k, g) in [
            ("q_additive", f.q_additive),
            ("q_standard", f.q_standard),
            ("q_diff", f.q_diff),
            ("tau2", f.tau2_additive),
        ] {
            checked += close(&format!("{key} {k}"), g, &r[k], 1e-8);
        }
        checked += close(
            &format!("{key} q_diff_p"),
            f.q_diff_p.unwrap(),
            &r["q_diff_p"],
            1e-8,
        );
        checked += close(
            &format!("{key} q_additive_p"),
            f.q_additive_p.unwrap(),
            &r["q_additive_p"],
            1e-8,
        );
        assert_eq!(f.q_additive_df as u64, r["q_additive_df"].as_u64().unwrap());
        assert_eq!(f.q_standard_df as u64, r["q_standard_df"].as_u64().unwrap());
        assert_eq!(f.q_diff_df as u64, r["q_diff_df"].as_u64().unwrap());
        checked += close(
            &format!("{key} metafor QE"),
            f.q_additive,
            &r["metafor"]["qe"],
            rel_metafor,
        );
        assert_eq!(
            f.q_additive_df as u64,
            r["metafor"]["qe_df"].as_u64().unwrap()
        );
        let g = &r["graph"];
        let m = &r["metafor"];
        for (what, got, want, rel) in [
            (
                "components common",
                &f.components_common,
                &g["components_common"],
                1e-8,
            ),
            (
                "components random",
                &f.components,
                &g["components_random"],
                1e-8,
            ),
            (
                "combinations common",
                &f.combinations_common,
                &g["combinations_common"],
                1e-8,
            ),
            (
                "combinations random",
                &f.combinations,
                &g["combinations_random"],
                1e-8,
            ),
            (
                "treatments common",
                &f.treatment_effects_common,
                &g["treatments_common"],
                1e-8,
            ),
            (
                "treatments random",
                &f.treatment_effects,
                &g["treatments_random"],
                1e-8,
            ),
            (
                "metafor components common",
                &f.components_common,
                &m["components_common"],
                rel_metafor,
            ),
            (
                "metafor components random",
                &f.components,
                &m["components_random"],
                rel_metafor,
            ),
            (
                "metafor combinations common",
                &f.combinations_common,
                &m["combinations_common"],
                rel_metafor,
            ),
            (
                "metafor combinations random",
                &f.combinations,
                &m["combinations_random"],
                rel_metafor,
            ),
        ] {
            checked += rows(&format!("{key} {what}"), got, want, rel);
        }
    }
    // linde2016: 18 components, 2 combinations, 22 treatments; toy: 3 identifiable columns
    // (A, B, A*B), 2 combinations, 6 treatments; toy_additive: 2 columns, 2 combinations, 6
    // treatments. Per case 7 statistics, then 4 numbers per row: graph (common + random) and
    // metafor (components and combinations, common + random).
    let per = |c: usize, k: usize, t: usize| 7 + 4 * (2 * (c + k + t) + 2 * (c + k));
    assert_eq!(checked, per(18, 2, 22) + per(3, 2, 6) + per(2, 2, 6));
}

#[test]
fn the_toy_network_has_heterogeneity_and_an_unidentifiable_pair() {
    // Guards that the reference exercises the random-effects formula and identifiability.
    let refs = common::fixtures::reference("cnma.json");
    for key in ["toy", "toy_additive", "linde2016"] {
        assert!(refs[key]["tau2"].as_f64().unwrap() > 0.01, "{key}");
    }
    let f = fit(&CASES[1]);
    let cd = f
        .not_identifiable
        .iter()
        .find(|n| n.component == "C")
        .unwrap();
    assert!(cd.reason.contains('D'), "{}", cd.reason);
    let both = f
        .combinations
        .iter()
        .find(|e| e.component == "C+D")
        .unwrap();
    assert!(both.se > 0.0 && both.se.is_finite());
}
