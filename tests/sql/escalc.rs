//! `escalc` against the effect-size kernel of `peerstat effects` ([`EffectSizes::compute`]), bit
//! for bit: every measure family on the metafor reference datasets, bad rows as `error`.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Float64Type;
use peerstat::data::{read_table, Column, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};

use super::support::{query, query_wide, Wide};

/// One row of arm-level data: n, mean, SD per arm (treatment, control).
type Arms = (f64, f64, f64, f64, f64, f64);

#[test]
fn escalc_equals_the_effects_kernel_row_by_row() {
    // SMD rows (the second has a zero SD in one arm; the third a negative SD: an error).
    let arms = [
        (20.0, 5.1, 1.2, 22.0, 4.4, 1.3),
        (15.0, 3.0, 0.0, 15.0, 2.5, 0.8),
        (30.0, 7.0, -1.0, 31.0, 6.5, 1.1),
        (40.0, 2.2, 0.9, 38.0, 2.9, 1.0),
    ];
    let col = |f: fn(&Arms) -> f64| Column::Float(arms.iter().map(|a| Some(f(a))).collect());
    let good = [0usize, 3];
    let table = Table::from_columns(
        "arms",
        [
            ("n_t", col(|a| a.0)),
            ("mean_t", col(|a| a.1)),
            ("sd_t", col(|a| a.2)),
            ("n_c", col(|a| a.3)),
            ("mean_c", col(|a| a.4)),
            ("sd_c", col(|a| a.5)),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect(),
    )
    .unwrap();
    let sub = Table::from_columns(
        "good",
        ["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"]
            .iter()
            .map(|n| {
                let Some(Column::Float(v)) = table.get(n) else {
                    panic!()
                };
                (
                    n.to_string(),
                    Column::Float(good.iter().map(|&i| v[i]).collect()),
                )
            })
            .collect(),
    )
    .unwrap();
    let es = EffectSizes::compute(&sub, Measure::Smd, &Default::default()).unwrap();
    let values: Vec<String> = arms
        .iter()
        .map(|a| {
            format!(
                "({:?}, {:?}, {:?}, {:?}, {:?}, {:?})",
                a.0, a.1, a.2, a.3, a.4, a.5
            )
        })
        .collect();
    let sql = format!(
        "SELECT escalc('SMD', n_t, mean_t, sd_t, n_c, mean_c, sd_c) AS e FROM (VALUES {}) \
         AS t(n_t, mean_t, sd_t, n_c, mean_c, sd_c)",
        values.join(", ")
    );
    let got = query(&vec![(0, Some(0.0), Some(0.0))], 1, &sql);
    let s = got[0].column(0).as_struct();
    assert_eq!(s.len(), 4);
    let yi = s
        .column_by_name("yi")
        .unwrap()
        .as_primitive::<Float64Type>();
    let vi = s
        .column_by_name("vi")
        .unwrap()
        .as_primitive::<Float64Type>();
    let err = s.column_by_name("error").unwrap().as_string::<i32>();
    for (j, &i) in good.iter().enumerate() {
        assert_eq!(yi.value(i).to_bits(), es.yi()[j].to_bits());
        assert_eq!(vi.value(i).to_bits(), es.vi()[j].to_bits());
        assert!(err.is_null(i));
    }
    assert!(
        yi.is_null(2) && !err.is_null(2),
        "negative SD: {:?}",
        err.value(2)
    );
    assert!(err.value(2).contains("sd_t"));
    // A 2×2 table: the log odds ratio by hand (no zero cell, so no correction).
    let got = query(
        &vec![(0, Some(0.0), Some(0.0))],
        1,
        "SELECT escalc('OR', 12, 50, 6, 48) AS e",
    );
    let s = got[0].column(0).as_struct();
    let y = s
        .column_by_name("yi")
        .unwrap()
        .as_primitive::<Float64Type>()
        .value(0);
    let v = s
        .column_by_name("vi")
        .unwrap()
        .as_primitive::<Float64Type>()
        .value(0);
    let want = ((12.0 * 42.0) / (38.0 * 6.0_f64)).ln();
    assert!((y - want).abs() < 1e-12, "{y} vs {want}");
    assert!((v - (1.0 / 12.0 + 1.0 / 38.0 + 1.0 / 6.0 + 1.0 / 42.0)).abs() < 1e-12);
}

/// The columns `escalc` takes after the measure (its documented signature per family).
fn signature(measure: &str) -> &'static [&'static str] {
    match measure {
        "SMD" | "MD" | "ROM" | "SMDH" => &["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"],
        "OR" | "RR" | "RD" | "AS" => &["events_t", "n_t", "events_c", "n_c"],
        "IRR" | "IRD" | "IRSD" => &["events_t", "person_time_t", "events_c", "person_time_c"],
        "SMCC" | "SMCRH" => &["mean_post", "sd_post", "mean_pre", "sd_pre", "n", "ri"],
        "SMCR" => &["mean_post", "mean_pre", "sd_pre", "n", "ri"],
        "COR" | "ZCOR" => &["ri", "n"],
        "PR" | "PLO" | "PFT" => &["events", "n"],
        other => panic!("no signature for {other}"),
    }
}

/// The metafor reference cases (`fixtures/metafor/measures.json`: measure, dataset) and the
/// 2×2 and continuous measures on bcg and normand1999.
fn cases() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("fixtures/metafor/measures.json").unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out: Vec<(String, String)> = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let d = c["dataset"].as_str().unwrap();
            (
                c["measure"].as_str().unwrap().to_string(),
                d.split('_').next().unwrap_or(d).to_string(),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    for m in ["OR", "RR", "RD"] {
        out.push((m.into(), "bcg".into()));
    }
    for m in ["SMD", "MD", "ROM"] {
        out.push((m.into(), "normand1999".into()));
    }
    out
}

#[test]
fn escalc_equals_effects_for_every_measure_family() {
    let (mut rows_checked, mut effects_checked) = (0, 0);
    let mut measures = Vec::new();
    for (m, file) in cases() {
        let t = read_table(
            Path::new(&format!("fixtures/{file}.csv")),
            &ColumnMap::new(),
        )
        .unwrap();
        let measure: Measure = m.parse().unwrap();
        let es = EffectSizes::compute(&t, measure, &EffectOptions::default()).unwrap();
        let names = signature(&m);
        let cols: Vec<Vec<Option<f64>>> = names
            .iter()
            .map(|c| t.numeric(c, "test").unwrap())
            .collect();
        let rows: Wide = (0..t.nrows())
            .map(|i| (i as i64, cols.iter().map(|c| c[i]).collect()))
            .collect();
        let sql = format!(
            "SELECT analysis_id, escalc('{m}', {}) AS e FROM bulk ORDER BY analysis_id",
            names.join(", ")
        );
        let got = query_wide(names, &rows, 2, &sql);
        let mut i = 0;
        for b in &got {
            let s = b.column(1).as_struct();
            let yi = s
                .column_by_name("yi")
                .unwrap()
                .as_primitive::<Float64Type>();
            let vi = s
                .column_by_name("vi")
                .unwrap()
                .as_primitive::<Float64Type>();
            let err = s.column_by_name("error").unwrap().as_string::<i32>();
            for r in 0..b.num_rows() {
                match es.rows().iter().position(|&x| x == i) {
                    Some(j) => {
                        assert!(err.is_null(r), "{m} {file} row {i}: {}", err.value(r));
                        assert_eq!(
                            yi.value(r).to_bits(),
                            es.yi()[j].to_bits(),
                            "{m} {file} yi {i}"
                        );
                        assert_eq!(
                            vi.value(r).to_bits(),
                            es.vi()[j].to_bits(),
                            "{m} {file} vi {i}"
                        );
                        effects_checked += 1;
                    }
                    None => assert!(
                        yi.is_null(r) && !err.is_null(r),
                        "{m} {file} row {i} omitted"
                    ),
                }
                i += 1;
                rows_checked += 1;
            }
        }
        assert_eq!(i, t.nrows(), "{m} {file}: one output row per input row");
        assert_eq!(
            i,
            es.k(),
            "{m} {file}: the reference datasets have no omitted rows"
        );
        measures.push(m);
    }
    measures.sort();
    measures.dedup();
    // Every measure but GEN, each on its reference dataset.
    assert_eq!(measures.len(), 19, "{measures:?}");
    assert_eq!(rows_checked, effects_checked);
    assert_eq!(
        rows_checked,
        2 * 16 + 3 * 14 + 3 * 9 + 3 * 10 + 4 * 13 + 4 * 9,
        "rows compared"
    );
}

#[test]
fn escalc_rejects_a_wrong_signature() {
    for (sql, what) in [
        (
            "SELECT escalc('COR', ri, n, n) FROM bulk",
            "expected 3, 5, 6, 7 or 8 arguments",
        ),
        (
            "SELECT escalc('COR', ri, n, n, n) FROM bulk",
            "takes 2 columns",
        ),
        ("SELECT escalc('SMCR', ri, n) FROM bulk", "takes 5 columns"),
        ("SELECT escalc('XYZ', ri, n) FROM bulk", "unknown measure"),
    ] {
        let ctx = peerstat::sql::context(Some(1));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt
            .block_on(async {
                ctx.sql(&sql.replace("FROM bulk", "FROM (VALUES (0.3, 20.0)) AS bulk(ri, n)"))
                    .await?
                    .collect()
                    .await
            })
            .unwrap_err()
            .to_string();
        assert!(err.contains(what), "{sql}: {err}");
    }
}

#[test]
fn escalc_bad_rows_give_error_for_the_new_families() {
    // A correlation above 1, a proportion with events above n, negative person-time.
    for (m, cols, values) in [
        ("COR", "ri, n", "(1.5, 20.0)"),
        ("PR", "events, n", "(30.0, 20.0)"),
        (
            "IRR",
            "events_t, person_time_t, events_c, person_time_c",
            "(3.0, -10.0, 4.0, 12.0)",
        ),
    ] {
        let sql = format!("SELECT escalc('{m}', {cols}) AS e FROM (VALUES {values}) AS t({cols})");
        let got = query(&vec![(0, Some(0.0), Some(0.0))], 1, &sql);
        let s = got[0].column(0).as_struct();
        let err = s.column_by_name("error").unwrap().as_string::<i32>();
        assert!(!err.is_null(0), "{m}: a bad value is an error");
        assert!(s.column_by_name("yi").unwrap().is_null(0), "{m}: yi null");
    }
}
