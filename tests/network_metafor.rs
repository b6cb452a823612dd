//! Network meta-analysis against the references of `fixtures/metafor/network.R`: metafor's
//! contrast-based `rma.mv` (common effect; REML with `random = ~ comparison | study, rho = 1/2`)
//! and netmeta's graph-theoretical method written out in R from its source (generalised DL τ²,
//! Q within and between designs, netsplit), on dat.senn2013, dat.hasselblad1998, dat.linde2016,
//! netmeta's own Senn2013 contrasts and a small hand-checked network.

mod common;

use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, Measure};
use peerstat::model::network::{table, Network, NetworkFit, NetworkMethod, NetworkModel};
use serde_json::Value;

/// (dataset, file, arm-level measure or None for contrast rows, tolerance of the common-effect
/// comparison with metafor: linde2016's multi-arm contrasts are rounded, consistent only to
/// 4e-7, so metafor's baseline contrasts and the pairwise graph differ by up to 1e-7).
const CASES: [(&str, &str, Option<Measure>, f64); 5] = [
    ("senn2013", "senn2013.csv", Some(Measure::Md), 1e-8),
    (
        "hasselblad1998",
        "hasselblad1998.csv",
        Some(Measure::Or),
        1e-8,
    ),
    ("linde2016", "linde2016.csv", None, 1e-6),
    ("senn2013_netmeta", "senn2013_netmeta.csv", None, 1e-8),
    ("toy", "nma_toy.csv", None, 1e-8),
];

fn fit(file: &str, measure: Option<Measure>, reference: &str, method: NetworkMethod) -> NetworkFit {
    let t = read_table(
        std::path::Path::new(&format!("fixtures/{file}")),
        &ColumnMap::new(),
    )
    .unwrap();
    let c = match measure {
        Some(m) => {
            table::contrasts_from_arms(&t, "study", "treatment", m, &EffectOptions::default())
                .unwrap()
        }
        None => table::contrasts_from_rows(&t, "study").unwrap(),
    };
    Network::new()
        .reference(reference)
        .method(method)
        .fit(&c)
        .unwrap()
}

#[track_caller]
fn close(what: &str, got: f64, want: &Value, rel: f64) -> usize {
    let w = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference {want}"));
    assert!(
        (got - w).abs() <= rel * w.abs().max(1.0),
        "{what}: peerstat {got}, reference {w} (diff {:e})",
        (got - w).abs()
    );
    1
}

/// Estimates (and SEs, CIs, PIs when given) against the reference.
fn estimates(what: &str, m: &NetworkModel, want: &Value, rel: f64) -> usize {
    let mut n = 0;
    for w in want.as_array().unwrap() {
        let t = w["treatment"].as_str().unwrap();
        let g = m
            .estimates
            .iter()
            .find(|e| e.treatment == t)
            .unwrap_or_else(|| panic!("{what}: no {t}"));
        n += close(
            &format!("{what} {t} estimate"),
            g.estimate,
            &w["estimate"],
            rel,
        );
        n += close(&format!("{what} {t} se"), g.se, &w["se"], rel);
        n += close(
            &format!("{what} {t} ci_lower"),
            g.ci_lower,
            &w["ci_lower"],
            rel,
        );
        if let (Some(pl), Some(_)) = (g.pi_lower, w["pi_lower"].as_f64()) {
            n += close(&format!("{what} {t} pi_lower"), pl, &w["pi_lower"], rel);
        }
    }
    n
}

#[test]
fn networks_match_metafor_and_the_graph_method() {
    let refs = common::fixtures::reference("network.json");
    let (mut values, mut datasets) = (0, 0);
    for (name, file, measure, tol_common) in CASES {
        let r = &refs[name];
        let reference = r["reference"].as_str().unwrap();
        let dl = fit(file, measure, reference, NetworkMethod::Dl);
        assert_eq!(
            dl.k_studies as u64,
            r["k_studies"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            dl.k_comparisons as u64,
            r["k_comparisons"].as_u64().unwrap(),
            "{name}"
        );
        // Common effect: metafor FE, and netmeta's graph estimates.
        values += estimates(
            &format!("{name} common"),
            &dl.common,
            &r["common"]["estimates"],
            tol_common,
        );
        values += close(
            &format!("{name} Q"),
            dl.q_total,
            &r["common"]["q"],
            tol_common,
        );
        let d = &r["dl"];
        let graph: Vec<Value> = d["common_estimates"].as_array().unwrap().clone();
        values += estimates(
            &format!("{name} graph common"),
            &dl.common,
            &Value::Array(graph),
            1e-8,
        );
        // Generalised DL and the random-effects network.
        values += close(&format!("{name} tau2 DL"), dl.tau2, &d["tau2"], 1e-8);
        values += estimates(
            &format!("{name} DL random"),
            &dl.random,
            &d["estimates"],
            1e-8,
        );
        // The reference gives I² as a proportion.
        values += close(&format!("{name} I2"), dl.i2 / 100.0, &d["i2"], 1e-8);
        for (key, got) in [
            ("q_within", dl.q_within),
            ("q_between", dl.q_between),
            ("q_total", dl.q_total),
        ] {
            values += close(&format!("{name} {key}"), got, &d[key], 1e-8);
        }
        assert_eq!(
            dl.q_within_df as u64,
            d["q_within_df"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            dl.q_between_df as u64,
            d["q_between_df"].as_u64().unwrap(),
            "{name}"
        );
        // REML (metafor's contrast-based model; the likelihood is flat, 1e-6).
        let reml = fit(file, measure, reference, NetworkMethod::Reml);
        values += close(
            &format!("{name} tau2 REML"),
            reml.tau2,
            &r["reml"]["tau2"],
            1e-5,
        );
        values += estimates(
            &format!("{name} REML"),
            &reml.random,
            &r["reml"]["estimates"],
            1e-5,
        );
        // P-scores (larger is better) from each model.
        for p in r["p_scores"].as_array().unwrap() {
            let t = p["treatment"].as_str().unwrap();
            let g = |f: &NetworkFit| {
                f.p_scores
                    .iter()
                    .find(|x| x.treatment == t)
                    .unwrap()
                    .clone()
            };
            values += close(
                &format!("{name} {t} P common"),
                g(&dl).common,
                &p["common_larger_better"],
                tol_common.max(1e-7),
            );
            values += close(
                &format!("{name} {t} P DL"),
                g(&dl).random,
                &p["dl_larger_better"],
                1e-7,
            );
            values += close(
                &format!("{name} {t} P REML"),
                g(&reml).random,
                &p["reml_larger_better"],
                1e-5,
            );
        }
        // Node-splitting, common and random (DL).
        for (key, rows) in [("common", &dl.netsplit), ("random_dl", &dl.netsplit_random)] {
            let want = r["netsplit"][key].as_array().unwrap();
            assert_eq!(rows.len(), want.len(), "{name} netsplit {key} rows");
            for w in want {
                let c = w["comparison"].as_str().unwrap();
                let g = rows
                    .iter()
                    .find(|x| x.comparison == c)
                    .unwrap_or_else(|| panic!("{name}: no {c}"));
                values += close(&format!("{name} {c} direct"), g.direct, &w["direct"], 1e-8);
                values += close(
                    &format!("{name} {c} prop"),
                    g.prop_direct,
                    &w["proportion"],
                    1e-8,
                );
                if let (Some(i), Some(_)) = (g.indirect, w["indirect"].as_f64()) {
                    values += close(&format!("{name} {c} indirect"), i, &w["indirect"], 1e-7);
                    values += close(
                        &format!("{name} {c} p"),
                        g.p_value.unwrap(),
                        &w["p_value"],
                        1e-7,
                    );
                }
            }
        }
        datasets += 1;
    }
    assert_eq!(datasets, 5);
    assert_eq!(values, 1403, "values compared");
    eprintln!("{values} values compared");
}
