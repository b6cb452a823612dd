//! Conversions from reported statistics (issue #15) against R references computed from the
//! published formulas (fixtures/metafor/conversions.R → conversions.json): medians with IQR
//! and/or range (Luo 2018, Wan 2014, Shi 2020, Shi's skewness test), Wald CIs and p-values,
//! t / F / p → SMD (metafor escalc `ti`), the design effect of cluster trials, and a table of
//! every kind of row as SMD from CSV and Parquet, in `EffectSizes`, bulk reanalysis and the
//! mixed-row path of `evaluate`.

mod common;

use std::path::Path;

use common::fixtures::reference;
use peerstat::bulk::Reanalysis;
use peerstat::data::{read_table, write_table, Column, ColumnMap, Table};
use peerstat::effect::convert::{fivenum, smd_from_t, t_from_f, t_from_p, vi_from_ci, vi_from_p};
use peerstat::effect::{
    design_effect, row_effects, ClusterAdjust, EffectOptions, EffectSizes, Measure, Source,
    VarianceType,
};
use peerstat::model::RandomEffects;
use peerstat::Error;
use serde_json::Value;

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1.0),
        "{what}: {a} vs R {b}"
    );
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn fivenum_matches_r() {
    let r = reference("conversions.json");
    let mut n = 0;
    let mut skewed = 0;
    for c in r["fivenum"].as_array().unwrap() {
        let iqr = num(&c["q1"]).map(|q1| (q1, num(&c["q3"]).unwrap()));
        let range = num(&c["min"]).map(|a| (a, num(&c["max"]).unwrap()));
        let f = fivenum(
            c["median"].as_f64().unwrap(),
            iqr,
            range,
            c["n"].as_f64().unwrap(),
        )
        .unwrap();
        close(f.mean, c["mean"].as_f64().unwrap(), 1e-8, "mean");
        close(f.sd, c["sd"].as_f64().unwrap(), 1e-8, "sd");
        close(
            f.skew_stat,
            c["skew_stat"].as_f64().unwrap(),
            1e-8,
            "skewness statistic",
        );
        close(
            f.skew_crit,
            c["skew_crit"].as_f64().unwrap(),
            1e-8,
            "critical value",
        );
        assert_eq!(f.skewed(), c["skewed"].as_bool().unwrap());
        skewed += usize::from(f.skewed());
        n += 1;
    }
    assert_eq!((n, skewed), (12, 4));
}

#[test]
fn wald_and_p_match_r() {
    let r = reference("conversions.json");
    let mut n = 0;
    for c in r["ci"].as_array().unwrap() {
        let v = vi_from_ci(
            c["yi"].as_f64().unwrap(),
            c["ci_lower"].as_f64().unwrap(),
            c["ci_upper"].as_f64().unwrap(),
            c["level"].as_f64().unwrap(),
        )
        .unwrap();
        close(v, c["vi"].as_f64().unwrap(), 1e-8, "vi from CI");
        n += 1;
    }
    for c in r["ratio"].as_array().unwrap() {
        let v = vi_from_ci(
            c["ratio"].as_f64().unwrap().ln(),
            c["ci_lower"].as_f64().unwrap().ln(),
            c["ci_upper"].as_f64().unwrap().ln(),
            95.0,
        )
        .unwrap();
        close(v, c["vi"].as_f64().unwrap(), 1e-8, "vi from ratio CI");
        n += 1;
    }
    for c in r["p"].as_array().unwrap() {
        let v = vi_from_p(c["yi"].as_f64().unwrap(), c["pval"].as_f64().unwrap()).unwrap();
        close(v, c["vi"].as_f64().unwrap(), 1e-8, "vi from p");
        n += 1;
    }
    assert_eq!(n, 12);
}

#[test]
fn t_f_p_to_smd_match_metafor_escalc() {
    let r = reference("conversions.json");
    let mut n = 0;
    for c in r["tstat"].as_array().unwrap() {
        let (x, n1, n2) = (
            c["value"].as_f64().unwrap(),
            c["n1"].as_f64().unwrap(),
            c["n2"].as_f64().unwrap(),
        );
        let t = match c["kind"].as_str().unwrap() {
            "t" => x,
            "F" => t_from_f(x),
            _ => t_from_p(x, n1, n2),
        };
        close(t, c["t"].as_f64().unwrap(), 1e-8, "t");
        let vt: VarianceType = c["vtype"].as_str().unwrap().parse().unwrap();
        let (g, v) = smd_from_t(t, n1, n2, vt);
        close(g, c["yi"].as_f64().unwrap(), 1e-8, "g");
        close(v, c["vi"].as_f64().unwrap(), 1e-8, "vi");
        n += 1;
    }
    assert_eq!(n, 14);
    for c in r["design_effect"].as_array().unwrap() {
        let d = design_effect(c["m"].as_f64().unwrap(), c["icc"].as_f64().unwrap()).unwrap();
        close(
            d,
            c["design_effect"].as_f64().unwrap(),
            1e-14,
            "design effect",
        );
    }
}

fn table_csv() -> Table {
    read_table(Path::new("fixtures/conversions.csv"), &ColumnMap::new()).unwrap()
}

fn table_parquet(name: &str) -> Table {
    let dir = std::env::temp_dir().join(format!("peerstat-conv-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("conversions.parquet");
    write_table(&table_csv(), &path).unwrap();
    read_table(&path, &ColumnMap::new()).unwrap()
}

const SOURCES: [(&str, &str, &str); 13] = [
    ("arms", "arms", "arms"),
    ("iqr", "median_iqr", "median_iqr"),
    ("range", "median_range", "median_range"),
    ("five", "median_iqr_range", "median_iqr_range"),
    ("se", "arms", "se"),
    ("ci95", "yi", "ci"),
    ("ci90", "yi", "ci"),
    ("p", "yi", "p"),
    ("t", "t", "t"),
    ("f", "F", "F"),
    ("pt", "p", "p"),
    ("cluster", "arms", "arms"),
    ("cluster_ci", "yi", "ci"),
];

fn check_table(t: &Table) {
    let r = reference("conversions.json");
    let es = EffectSizes::compute(t, Measure::Smd, &EffectOptions::default()).unwrap();
    let refs = r["table"].as_array().unwrap();
    assert_eq!((es.k(), refs.len(), es.omitted().len()), (13, 13, 0));
    for (j, c) in refs.iter().enumerate() {
        assert_eq!(es.study()[j], c["study"].as_str().unwrap());
        close(es.yi()[j], c["yi"].as_f64().unwrap(), 1e-8, &es.study()[j]);
        close(es.vi()[j], c["vi"].as_f64().unwrap(), 1e-8, &es.study()[j]);
        let p = es.sources()[j];
        assert_eq!(
            (
                es.study()[j].as_str(),
                p.yi_source.code(),
                p.vi_source.code()
            ),
            SOURCES[j]
        );
        assert_eq!(
            p.design_effect.is_some(),
            es.study()[j].starts_with("cluster")
        );
    }
    close(
        es.sources()[11].design_effect.unwrap(),
        1.44,
        1e-14,
        "design effect",
    );
}

#[test]
fn every_kind_of_row_matches_r_from_csv_and_parquet() {
    check_table(&table_csv());
    check_table(&table_parquet("table"));
}

#[test]
fn effective_sample_sizes_match_r() {
    let r = reference("conversions.json");
    let mut o = EffectOptions::default();
    o.convert.cluster_adjust = ClusterAdjust::EffectiveN;
    let es = EffectSizes::compute(&table_csv(), Measure::Smd, &o).unwrap();
    let j = es.study().iter().position(|s| s == "cluster").unwrap();
    close(
        es.yi()[j],
        r["cluster_n"]["yi"].as_f64().unwrap(),
        1e-8,
        "yi (n/DE)",
    );
    close(
        es.vi()[j],
        r["cluster_n"]["vi"].as_f64().unwrap(),
        1e-8,
        "vi (n/DE)",
    );
    // the CI row cannot be adjusted on n: its variance is inflated instead, as with `variance`
    let k = es.study().iter().position(|s| s == "cluster_ci").unwrap();
    let refv = r["table"][k]["vi"].as_f64().unwrap();
    close(es.vi()[k], refv, 1e-8, "cluster CI row");
}

#[test]
fn bulk_and_evaluate_paths_give_the_same_effects() {
    let mut t = table_parquet("bulk");
    let es = EffectSizes::compute(&t, Measure::Smd, &EffectOptions::default()).unwrap();
    let fit = RandomEffects::new().fit(&es).unwrap();
    t.push_column("g", Column::Str(vec![Some("all".into()); t.nrows()]))
        .unwrap();
    let res = Reanalysis::new(&["g"], Measure::Smd).run_table(&t).unwrap();
    assert_eq!(res.len(), 1);
    let s = res[0].summary.as_ref().unwrap();
    assert_eq!((s.k, res[0].omitted), (13, 0));
    assert_eq!(s.estimate.to_bits(), fit.summary.estimate.to_bits());
    // evaluate's mixed-row path: the same effects (yi given with a CI is taken as is)
    let rows = row_effects(&t).unwrap();
    let r = reference("conversions.json");
    let mut n = 0;
    for (j, c) in r["table"].as_array().unwrap().iter().enumerate() {
        let e = rows[j].unwrap();
        close(e.yi, c["yi"].as_f64().unwrap(), 1e-8, "row effect yi");
        close(e.vi, c["vi"].as_f64().unwrap(), 1e-8, "row effect vi");
        n += 1;
    }
    assert_eq!(n, 13);
    assert_eq!(rows[5].unwrap().source.vi_source, Source::Ci);
}

/// A one-row table (plus a good row) from CSV text.
fn one(header: &str, row: &str) -> Table {
    let dir = std::env::temp_dir().join(format!("peerstat-conv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("t{k}.csv"));
    std::fs::write(&path, format!("{header}\n{row}\n")).unwrap();
    read_table(&path, &ColumnMap::new()).unwrap()
}

fn value_error(t: &Table, m: Measure, o: &EffectOptions) -> (usize, String, String) {
    match EffectSizes::compute(t, m, o) {
        Err(Error::Value {
            row,
            column,
            message,
            ..
        }) => (row, column, message),
        other => panic!("expected a value error, got {other:?}"),
    }
}

#[test]
fn bad_input_names_row_and_column() {
    let d = EffectOptions::default();
    // a CI not containing its estimate
    let t = one("study,yi,ci_lower,ci_upper", "a,0.9,0.1,0.5");
    let (row, col, msg) = value_error(&t, Measure::Gen, &d);
    assert_eq!((row, col.as_str()), (1, "ci_upper"));
    assert!(msg.contains("does not contain its estimate"), "{msg}");
    // a non-positive ratio bound on the log scale
    let t = one("study,yi,ci_lower,ci_upper", "a,0.8,0,1.5");
    let (_, col, msg) = value_error(&t, Measure::Or, &d);
    assert_eq!(col, "ci_lower");
    assert!(msg.contains("must be positive"), "{msg}");
    // ... which is fine on the log scale
    let mut log = d;
    log.convert.ci_scale = peerstat::effect::CiScale::Log;
    let es = EffectSizes::compute(&t, Measure::Or, &log).unwrap();
    assert_eq!(es.sources()[0].vi_source, Source::Ci);
    // IQR without n
    let t = one(
        "study,n_t,mean_t,sd_t,n_c,median_c,q1_c,q3_c",
        "a,20,5,1,,4,3,6",
    );
    let (_, col, msg) = value_error(&t, Measure::Smd, &d);
    assert_eq!(col, "n_c");
    assert!(msg.contains("group size"), "{msg}");
    // ICC outside [0, 1)
    let t = one(
        "study,n_t,mean_t,sd_t,n_c,mean_c,sd_c,cluster_size,icc",
        "a,20,5,1,20,4,1,10,1.2",
    );
    let (_, col, _) = value_error(&t, Measure::Smd, &d);
    assert_eq!(col, "icc");
    // a cluster size without any ICC
    let t = one(
        "study,n_t,mean_t,sd_t,n_c,mean_c,sd_c,cluster_size",
        "a,20,5,1,20,4,1,10",
    );
    let (_, col, _) = value_error(&t, Measure::Smd, &d);
    assert_eq!(col, "icc");
    // ... but the option supplies it
    let mut icc = d;
    icc.convert.icc = Some(0.05);
    let es = EffectSizes::compute(&t, Measure::Smd, &icc).unwrap();
    close(es.sources()[0].design_effect.unwrap(), 1.45, 1e-15, "DE");
    // unsorted five numbers
    let t = one(
        "study,n_t,median_t,q1_t,q3_t,n_c,mean_c,sd_c",
        "a,20,5,6,8,20,4,1",
    );
    let (_, col, msg) = value_error(&t, Measure::Smd, &d);
    assert_eq!(col, "median_t");
    assert!(msg.contains("min <= q1"), "{msg}");
    // an ICC option out of range is a setting error
    let mut bad = d;
    bad.convert.icc = Some(1.0);
    assert!(matches!(
        EffectSizes::compute(&t, Measure::Smd, &bad),
        Err(Error::Setting { .. })
    ));
}

#[test]
fn rows_without_anything_to_convert_are_named() {
    let t = one(
        "study,n_t,mean_t,sd_t,n_c,mean_c,sd_c,yi",
        "a,20,5,,20,4,1,\nb,20,5,1,20,4,1,",
    );
    let es = EffectSizes::compute(&t, Measure::Smd, &EffectOptions::default()).unwrap();
    assert_eq!(es.k(), 1);
    let o = &es.omitted()[0];
    assert_eq!(o.row, 1);
    assert!(
        o.reason.contains("sd_t") && o.reason.contains("no reported statistic"),
        "{}",
        o.reason
    );
}

#[test]
fn ratio_confidence_intervals_are_logged_in_the_table_path() {
    let r = reference("conversions.json");
    let cases = r["ratio"].as_array().unwrap();
    let mut text = String::from("study,events_t,n_t,events_c,n_c,yi,ci_lower,ci_upper,pval\n");
    text.push_str("table,4,123,11,139,,,,\n");
    for (j, c) in cases.iter().enumerate() {
        text.push_str(&format!(
            "ratio{j},,,,,{},{},{},\n",
            c["ratio"], c["ci_lower"], c["ci_upper"]
        ));
    }
    text.push_str("p,,,,,0.59,,,0.004\n");
    let t = one(
        text.lines().next().unwrap(),
        &text[text.find('\n').unwrap() + 1..],
    );
    let es = EffectSizes::compute(&t, Measure::Or, &EffectOptions::default()).unwrap();
    assert_eq!(es.k(), 5);
    assert_eq!(es.sources()[0].yi_source, Source::TwoByTwo);
    let mut n = 0;
    for (j, c) in cases.iter().enumerate() {
        close(
            es.yi()[j + 1],
            c["yi"].as_f64().unwrap(),
            1e-12,
            "log ratio",
        );
        close(
            es.vi()[j + 1],
            c["vi"].as_f64().unwrap(),
            1e-8,
            "vi of log ratio",
        );
        assert_eq!(es.sources()[j + 1].vi_source, Source::Ci);
        n += 1;
    }
    assert_eq!(n, 3);
    // p-value of a ratio: the log ratio over its z
    let z = 2.878_161_739_095_48; // qnorm(0.998)
    close(
        es.vi()[4],
        (0.59f64.ln() / z).powi(2),
        1e-8,
        "vi from p of a ratio",
    );
}

#[test]
fn skewed_medians_are_flagged_or_omitted() {
    // q1 2.5, median 3, q3 6, n 15: Shi's statistic 0.714 >= 0.658 (conversions.json)
    let t = one(
        "study,n_t,median_t,q1_t,q3_t,n_c,mean_c,sd_c",
        "a,15,3,2.5,6,15,4,1.5\nb,20,5,3,7,20,4,1.5",
    );
    let es = EffectSizes::compute(&t, Measure::Smd, &EffectOptions::default()).unwrap();
    assert_eq!(es.k(), 2);
    assert!(es.sources()[0].skewed && !es.sources()[1].skewed);
    let mut o = EffectOptions::default();
    o.convert.omit_skewed = true;
    let es = EffectSizes::compute(&t, Measure::Smd, &o).unwrap();
    assert_eq!((es.k(), es.omitted().len()), (1, 1));
    assert!(
        es.omitted()[0].reason.contains("Shi's test"),
        "{}",
        es.omitted()[0].reason
    );
    // fewer than 5 in the arm: omitted with the reason, as metafor leaves it NA
    let t = one(
        "study,n_t,median_t,q1_t,q3_t,n_c,mean_c,sd_c",
        "a,4,3,2,5,15,4,1.5\nb,20,5,3,7,20,4,1.5",
    );
    let es = EffectSizes::compute(&t, Measure::Smd, &EffectOptions::default()).unwrap();
    assert_eq!((es.k(), es.omitted()[0].row), (1, 1));
    assert!(
        es.omitted()[0].reason.contains("at least 5"),
        "{}",
        es.omitted()[0].reason
    );
}
