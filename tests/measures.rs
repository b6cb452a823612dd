//! The effect measures of issue 15 (part 2) against metafor 3.8's `escalc` and `rma` (REML) on
//! metadat datasets: `fixtures/metafor/measures.json`, written by `fixtures/metafor/measures.R`.
//! Library, CSV and Parquet, and the `effects`, `meta` and `reanalyse` commands.

mod common;

use std::path::Path;

use common::cli::{assert_fails, fixture, json_of, run, write_csv};
use common::close;
use common::fixtures::reference;
use peerstat::data::{read_table, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::RandomEffects;
use serde_json::Value;

/// escalc's yi and vi: 1e-10 relative (an absolute floor of 1e-15 for exact zeros).
const ES_REL: f64 = 1e-10;
/// REML fits and back-transforms: 1e-6 relative (absolute floor 1e-9).
const FIT_REL: f64 = 1e-6;

fn table(dataset: &str, ext: &str) -> Table {
    let file = dataset.split('_').next().unwrap_or(dataset);
    read_table(
        Path::new(&format!("fixtures/{file}.{ext}")),
        &ColumnMap::new(),
    )
    .unwrap()
}

/// The effects of one reference case: for `morris2008_T` / `_C` the rows of that arm.
fn effects(case: &Value, ext: &str) -> EffectSizes {
    let dataset = case["dataset"].as_str().unwrap();
    let measure: Measure = case["measure"].as_str().unwrap().parse().unwrap();
    let t = table(dataset, ext);
    let es = EffectSizes::compute(&t, measure, &EffectOptions::default()).unwrap();
    match dataset.rsplit_once('_') {
        Some((_, arm)) => {
            let arms = t.texts("arm");
            let idx: Vec<usize> = (0..es.k())
                .filter(|&i| arms[es.rows()[i]].as_deref() == Some(arm))
                .collect();
            es.subset(&idx)
        }
        None => es,
    }
}

fn arr(v: &Value) -> Vec<Value> {
    v.as_array().unwrap().clone()
}

#[test]
fn escalc_and_rma_match_metafor() {
    let r = reference("measures.json");
    let cases = r["cases"].as_array().unwrap();
    let (mut n_es, mut n_fit, mut n_back) = (0, 0, 0);
    let mut measures = Vec::new();
    for case in cases {
        let m = case["measure"].as_str().unwrap();
        let d = case["dataset"].as_str().unwrap();
        measures.push(m.to_string());
        let es = effects(case, "csv");
        let (yi, vi) = (arr(&case["yi"]), arr(&case["vi"]));
        assert_eq!(es.k(), yi.len(), "{m} {d}: k");
        assert_eq!(es.k() as u64, case["k"].as_u64().unwrap());
        for i in 0..es.k() {
            close(
                &format!("{m} {d} yi[{i}]"),
                es.yi()[i],
                &yi[i],
                ES_REL,
                1e-15,
            );
            close(
                &format!("{m} {d} vi[{i}]"),
                es.vi()[i],
                &vi[i],
                ES_REL,
                1e-15,
            );
            n_es += 2;
        }
        let fit = RandomEffects::new().fit(&es).unwrap();
        let s = &fit.summary;
        let want = &case["rma"];
        for (key, got) in [
            ("estimate", s.estimate),
            ("se", s.se),
            ("tau2", s.tau2),
            ("ci_lower", s.ci_lower),
            ("ci_upper", s.ci_upper),
            ("pi_lower", s.pi_lower),
            ("pi_upper", s.pi_upper),
        ] {
            close(&format!("{m} {d} {key}"), got, &want[key], FIT_REL, 1e-9);
            n_fit += 1;
        }
        let back = &case["back"];
        if back.is_null() {
            assert!(fit.back.is_identity(), "{m}: no back-transform expected");
            continue;
        }
        assert!(!fit.back.is_identity(), "{m}: back-transform expected");
        // the fit's JSON carries the same values, flat (`estimate_natural`, …)
        let bt = fit.back_transformed.expect("back-transformed values");
        for (key, x, shown) in [
            ("estimate", s.estimate, bt.estimate),
            ("ci_lower", s.ci_lower, bt.ci_lower),
            ("ci_upper", s.ci_upper, bt.ci_upper),
            ("pi_lower", s.pi_lower, bt.pi_lower),
            ("pi_upper", s.pi_upper, bt.pi_upper),
        ] {
            close(
                &format!("{m} {d} back-transformed {key}"),
                fit.back.apply(x),
                &back[key],
                FIT_REL,
                1e-9,
            );
            assert_eq!(shown.to_bits(), fit.back.apply(x).to_bits());
            n_back += 1;
        }
        if let peerstat::effect::BackTransform::FreemanTukey { n_harmonic } = fit.back {
            close(
                "PFT harmonic mean n",
                n_harmonic,
                &back["n_harmonic"],
                1e-12,
                0.0,
            );
        }
    }
    // 16 cases: 16·2 + 14·3 + 9·3 + 5·6 + 13 + 9 = 153 studies, two values each
    assert_eq!(cases.len(), 16);
    assert_eq!(n_es, 2 * 153);
    assert_eq!(n_fit, 16 * 7);
    // ZCOR, PLO, PFT, IRR
    assert_eq!(n_back, 4 * 5);
    for m in [
        "COR", "ZCOR", "PR", "PLO", "PFT", "IRR", "IRD", "IRSD", "SMCC", "SMCR", "SMCRH", "AS",
        "SMDH",
    ] {
        assert!(measures.iter().any(|x| x == m), "no reference for {m}");
    }
}

#[test]
fn morris_smcr_differences_match_table_1() {
    // Morris (2008), Table 1 through metafor's test file: SMCR of the treatment minus that of
    // the control group, 0.74, 0.95, 1.81, 1.15, 0.51 rounded
    let r = reference("measures.json");
    let want = &r["morris_smcr_difference"];
    let mut cases = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["measure"] == "SMCR");
    let t = effects(cases.next().unwrap(), "csv");
    let c = effects(cases.next().unwrap(), "csv");
    let (yi, vi) = (arr(&want["yi"]), arr(&want["vi"]));
    for i in 0..5 {
        close(
            "SMCR difference yi",
            t.yi()[i] - c.yi()[i],
            &yi[i],
            ES_REL,
            1e-15,
        );
        close(
            "SMCR difference vi",
            t.vi()[i] + c.vi()[i],
            &vi[i],
            ES_REL,
            1e-15,
        );
    }
    let rounded: Vec<f64> = (0..5)
        .map(|i| ((t.yi()[i] - c.yi()[i]) * 100.0).round() / 100.0)
        .collect();
    assert_eq!(rounded, [0.74, 0.95, 1.81, 1.15, 0.51]);
}

#[test]
fn parquet_gives_the_csv_effects() {
    let r = reference("measures.json");
    let mut n = 0;
    for case in r["cases"].as_array().unwrap() {
        let d = case["dataset"].as_str().unwrap();
        if d == "bcg" || d == "normand1999" {
            continue;
        }
        let (a, b) = (effects(case, "csv"), effects(case, "parquet"));
        assert_eq!(a.yi(), b.yi(), "{d}");
        assert_eq!(a.vi(), b.vi(), "{d}");
        n += 1;
    }
    assert_eq!(n, 14);
}

fn es_of(csv: &str, measure: Measure, opts: &EffectOptions) -> EffectSizes {
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "t.csv", csv);
    let t = read_table(Path::new(&f), &ColumnMap::new()).unwrap();
    EffectSizes::compute(&t, measure, opts).unwrap()
}

fn assert_values(es: &EffectSizes, yi: &[f64], vi: &[f64]) {
    assert_eq!(es.k(), yi.len());
    for i in 0..yi.len() {
        close("yi", es.yi()[i], &Value::from(yi[i]), ES_REL, 1e-15);
        close("vi", es.vi()[i], &Value::from(vi[i]), ES_REL, 1e-15);
    }
}

const ZERO_RATES: &str = "study,events_t,person_time_t,events_c,person_time_c\n\
                          A,0,100,4,150\nB,3,200,0,120\nC,0,50,0,60\n";

#[test]
fn zero_events_are_corrected_as_escalc() {
    let opts = EffectOptions::default();
    // metafor: escalc("IRR", x1i=c(0,3,0), t1i=c(100,200,50), x2i=c(4,0,0), t2i=c(150,120,60))
    let es = es_of(ZERO_RATES, Measure::Irr, &opts);
    assert_values(
        &es,
        &[-1.7917594692280545, 1.435084525289323, 0.1823215567939549],
        &[2.2222222222222223, 2.2857142857142856, 4.0],
    );
    // escalc("IRD", same data)
    let es = es_of(ZERO_RATES, Measure::Ird, &opts);
    assert_values(
        &es,
        &[
            -0.024999999999999998,
            0.013333333333333336,
            0.001666666666666667,
        ],
        &[0.00025, 0.00012222222222222224, 0.0003388888888888889],
    );
    // escalc("IRSD", first two rows): no correction (add = 0)
    let es = es_of(ZERO_RATES, Measure::Irsd, &opts);
    assert_eq!(es.k(), 3);
    assert_values(
        &es.subset(&[0, 1]),
        &[-0.16329931618554522, 0.1224744871391589],
        &[0.004166666666666667, 0.003333333333333333],
    );
    // drop00 drops the study without events (escalc: NA)
    let drop = EffectOptions {
        drop00: true,
        ..EffectOptions::default()
    };
    let es = es_of(ZERO_RATES, Measure::Irr, &drop);
    assert_eq!(es.k(), 2);
    assert!(es.omitted()[0].reason.contains("no events in both arms"));
    // escalc("PLO", xi=c(0,5), ni=c(10,10))
    let es = es_of("study,events,n\nA,0,10\nB,5,10\n", Measure::Plo, &opts);
    assert_values(&es, &[-3.044522437723423, 0.0], &[2.0952380952380953, 0.4]);
    // escalc("AS", ai=c(0,5), n1i=c(10,10), ci=c(3,10), n2i=c(12,10)): no correction
    let es = es_of(
        "study,events_t,n_t,events_c,n_c\nA,0,10,3,12\nB,5,10,10,10\n",
        Measure::As,
        &opts,
    );
    assert_values(
        &es,
        &[-std::f64::consts::FRAC_PI_6, -std::f64::consts::FRAC_PI_4],
        &[0.04583333333333334, 0.05],
    );
}

#[test]
fn small_samples_and_perfect_correlations_are_omitted_with_reasons() {
    let es = es_of(
        "study,ri,n\nA,0.3,50\nB,0.2,3\nC,1,20\n",
        Measure::Zcor,
        &EffectOptions::default(),
    );
    assert_eq!(es.k(), 1);
    let reasons: Vec<&str> = es.omitted().iter().map(|o| o.reason.as_str()).collect();
    assert!(reasons[0].contains("above 3"), "{reasons:?}");
    assert!(reasons[1].contains("undefined"), "{reasons:?}");
}

#[test]
fn bad_values_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    for (csv, measure, needles) in [
        (
            "study,events_t,person_time_t,events_c,person_time_c\nA,1,100,2,100\nB,1,100,2,0\n",
            "IRR",
            ["row 2", "'person_time_c'", "person-time must be positive"],
        ),
        (
            "study,events_t,person_time_t,events_c,person_time_c\nA,-1,100,2,100\n",
            "IRD",
            ["row 1", "'events_t'", "events cannot be negative"],
        ),
        (
            "study,ri,n\nA,0.3,50\nB,1.2,40\n",
            "COR",
            ["row 2", "'ri'", "between -1 and 1"],
        ),
        (
            "study,events,n\nA,3,10\nB,12,10\n",
            "PFT",
            ["row 2", "'events'", "between 0 and the group size"],
        ),
        (
            "study,mean_post,sd_post,mean_pre,sd_pre,n,ri\nA,3,1,2,1,10,0.5\nB,3,1,2,-1,10,0.5\n",
            "SMCC",
            ["row 2", "'sd_pre'", "cannot be negative"],
        ),
        (
            "study,mean_post,mean_pre,sd_pre,n,ri\nA,3,2,1,2,0.5\n",
            "SMCR",
            ["row 1", "'n'", "at least 3"],
        ),
    ] {
        let f = write_csv(&dir, "bad.csv", csv);
        assert_fails(&run(&["meta", &f, "--measure", measure]), &needles);
    }
    // a missing column is named with the measure
    let f = write_csv(&dir, "m.csv", "study,ri\nA,0.3\n");
    assert_fails(&run(&["meta", &f, "--measure", "ZCOR"]), &["'n'", "ZCOR"]);
}

fn case<'a>(r: &'a Value, measure: &str, dataset: &str) -> &'a Value {
    r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["measure"] == measure && c["dataset"] == dataset)
        .unwrap()
}

#[test]
fn meta_command_on_csv_and_parquet() {
    let r = reference("measures.json");
    let mut n = 0;
    for (file, measure, dataset) in [
        ("nielweise2008.parquet", "IRR", "nielweise2008"),
        ("nielweise2008.csv", "IRSD", "nielweise2008"),
        ("molloy2014.parquet", "ZCOR", "molloy2014"),
        ("pritz1997.csv", "PFT", "pritz1997"),
        ("pritz1997.parquet", "PLO", "pritz1997"),
        ("bcg.parquet", "AS", "bcg"),
        ("normand1999.csv", "SMDH", "normand1999"),
    ] {
        let j = json_of(&[
            "meta",
            &fixture(file),
            "--measure",
            measure,
            "--format",
            "json",
        ]);
        let want = &case(&r, measure, dataset)["rma"];
        assert_eq!(j["measure"], measure);
        for key in ["estimate", "se", "tau2"] {
            close(
                &format!("{file} {key}"),
                j[key].as_f64().unwrap(),
                &want[key],
                FIT_REL,
                1e-9,
            );
            n += 1;
        }
    }
    assert_eq!(n, 21);
    // the text report shows the pooled estimate back-transformed (metafor: predict with
    // transf = exp: 0.6728 [0.4314, 1.0494]; transf.ipft.hm: 0.8029 [0.7022, 0.8893])
    let (code, out, err) = run(&["meta", &fixture("nielweise2008.csv"), "--measure", "IRR"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Back-transformed (incidence rate ratio): 0.6728 (95% CI 0.4314 to 1.0494)"),
        "{out}"
    );
    let (code, out, err) = run(&["meta", &fixture("pritz1997.parquet"), "--measure", "PFT"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Back-transformed (proportion, harmonic mean n = 12.5875): 0.8029 (95% CI 0.7022 to 0.8893)"),
        "{out}"
    );
    let (_, out, _) = run(&["meta", &fixture("molloy2014.csv"), "--measure", "ZCOR"]);
    assert!(
        out.contains("Back-transformed (correlation): 0.1488 (95% CI 0.0878 to 0.2087)"),
        "{out}"
    );
}

#[test]
fn effects_command_writes_escalc_values() {
    let r = reference("measures.json");
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for (file, measure, dataset) in [
        ("molloy2014.csv", "COR", "molloy2014"),
        ("pritz1997.parquet", "PR", "pritz1997"),
        ("nielweise2008.parquet", "IRD", "nielweise2008"),
    ] {
        let out = dir.path().join(format!("{measure}.csv"));
        let (code, _, err) = run(&[
            "effects",
            &fixture(file),
            "--measure",
            measure,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let t = read_table(&out, &ColumnMap::new()).unwrap();
        let yi = t.numeric("yi", "").unwrap();
        let vi = t.numeric("vi", "").unwrap();
        let c = case(&r, measure, dataset);
        let (wy, wv) = (arr(&c["yi"]), arr(&c["vi"]));
        assert_eq!(yi.len(), wy.len());
        for i in 0..yi.len() {
            // written as text: shortest round-trip representation
            close("yi", yi[i].unwrap(), &wy[i], ES_REL, 1e-15);
            close("vi", vi[i].unwrap(), &wv[i], ES_REL, 1e-15);
            n += 1;
        }
    }
    assert_eq!(n, 16 + 14 + 9);
}

#[test]
fn reanalyse_fits_each_arm_of_the_change_scores() {
    let r = reference("measures.json");
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for (ext, measure) in [("parquet", "SMCR"), ("csv", "SMCC"), ("parquet", "SMCRH")] {
        let out = dir.path().join(format!("{measure}.csv"));
        let (code, _, err) = run(&[
            "reanalyse",
            &fixture(&format!("morris2008.{ext}")),
            "--group-by",
            "arm",
            "--measure",
            measure,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let t = read_table(&out, &ColumnMap::new()).unwrap();
        let arms = t.texts("arm");
        let est = t.numeric("estimate", "").unwrap();
        let tau2 = t.numeric("tau2", "").unwrap();
        assert_eq!(arms.len(), 2);
        for (i, arm) in arms.iter().enumerate() {
            let arm = arm.as_deref().unwrap();
            let want = &case(&r, measure, &format!("morris2008_{arm}"))["rma"];
            close(
                "estimate",
                est[i].unwrap(),
                &want["estimate"],
                FIT_REL,
                1e-9,
            );
            close("tau2", tau2[i].unwrap(), &want["tau2"], FIT_REL, 1e-9);
            n += 1;
        }
    }
    assert_eq!(n, 6);
}

#[test]
fn help_lists_the_measures() {
    let (code, out, _) = run(&["meta", "--help"]);
    assert_eq!(code, 0);
    for m in [
        "SMDH",
        "SMCC",
        "SMCR",
        "SMCRH",
        "COR",
        "ZCOR",
        "PR",
        "PLO",
        "PFT",
        "AS",
        "IRR",
        "IRD",
        "IRSD",
        "person_time_t",
    ] {
        assert!(out.contains(m), "meta --help lacks {m}");
    }
    let (code, _, err) = run(&["meta", &fixture("bcg.csv"), "--measure", "XYZ"]);
    assert_eq!(code, 2);
    assert!(err.contains("IRR") && err.contains("PFT"), "{err}");
}

/// `--vtype` is SMD's: given with another measure it is a usage error, not silently ignored.
#[test]
fn vtype_with_another_measure_is_an_error() {
    let res = run(&[
        "meta",
        &fixture("molloy2014.csv"),
        "--measure",
        "ZCOR",
        "--vtype",
        "UB",
    ]);
    assert_eq!(res.0, 2, "{}", res.2);
    assert!(
        res.2.contains("--vtype") && res.2.contains("ZCOR"),
        "{}",
        res.2
    );
    // with SMD it still applies
    let ok = run(&[
        "meta",
        &fixture("gibson2002.csv"),
        "--measure",
        "SMD",
        "--vtype",
        "UB",
    ]);
    assert_eq!(ok.0, 0, "{}", ok.2);
}
