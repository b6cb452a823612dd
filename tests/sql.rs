//! The DataFusion functions (feature `sql`): `rma` and `egger` equal the library's bulk kernel
//! bit for bit, whatever the partitioning and row order; bad groups give `error`.
#![cfg(feature = "sql")]

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::datasource::MemTable;
use peerstat::bulk::{result_columns, simulate_table, Reanalysis};
use peerstat::data::{Column, Table};
use peerstat::diag::{egger, EggerModel};
use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::{RandomEffects, Summary, SummaryValue, Tau2Method};

/// Rows `(analysis_id, yi, vi)`.
type Rows = Vec<(i64, Option<f64>, Option<f64>)>;

fn simulated(analyses: usize, seed: u64) -> Rows {
    let t = simulate_table(analyses, seed);
    let (Some(Column::Int(a)), Some(Column::Float(y)), Some(Column::Float(v))) =
        (t.get("analysis_id"), t.get("yi"), t.get("vi"))
    else {
        panic!("simulated columns")
    };
    a.iter()
        .zip(y)
        .zip(v)
        .map(|((a, y), v)| (a.unwrap_or(-1), *y, *v))
        .collect()
}

fn cmp(a: &Option<f64>, b: &Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(y),
    }
}

/// The rows sorted as the functions sort them: by key, then `(yi, vi)`.
fn canonical(rows: &Rows) -> Rows {
    let mut r = rows.clone();
    r.sort_by(|a, b| a.0.cmp(&b.0).then(cmp(&a.1, &b.1)).then(cmp(&a.2, &b.2)));
    r
}

/// `reanalyse`'s results (measure GEN) on each group alone, its rows in canonical order, by
/// key (error messages then name rows within the group, as the SQL functions do).
fn reference(rows: &Rows, model: RandomEffects) -> Vec<(i64, Option<Summary>, Option<String>)> {
    let r = canonical(rows);
    let mut out = Vec::new();
    let mut start = 0;
    while start < r.len() {
        let key = r[start].0;
        let end = start + r[start..].iter().take_while(|x| x.0 == key).count();
        let g = &r[start..end];
        let table = Table::from_columns(
            "ref",
            vec![
                (
                    "analysis_id".into(),
                    Column::Int(g.iter().map(|x| Some(x.0)).collect()),
                ),
                ("yi".into(), Column::Float(g.iter().map(|x| x.1).collect())),
                ("vi".into(), Column::Float(g.iter().map(|x| x.2).collect())),
            ],
        )
        .unwrap();
        let res = Reanalysis::new(&["analysis_id"], Measure::Gen)
            .model(model)
            .run_table(&table)
            .unwrap();
        assert_eq!(res.len(), 1);
        for g in res {
            out.push((key, g.summary, g.error));
        }
        start = end;
    }
    out
}

fn batch(rows: &[(i64, Option<f64>, Option<f64>)]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("analysis_id", DataType::Int64, false),
        Field::new("yi", DataType::Float64, true),
        Field::new("vi", DataType::Float64, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )),
    ];
    RecordBatch::try_new(schema, cols).unwrap()
}

/// Runs `sql` over table `bulk` holding `rows` split into `partitions` partitions (round
/// robin by row, so a group's rows land in several) with as many target partitions.
fn query(rows: &Rows, partitions: usize, sql: &str) -> Vec<RecordBatch> {
    let mut parts: Vec<Rows> = vec![Vec::new(); partitions];
    for (i, r) in rows.iter().enumerate() {
        parts[i % partitions].push(*r);
    }
    let schema = batch(&[]).schema();
    let mem = MemTable::try_new(
        schema,
        parts.iter().map(|p| vec![batch(p)]).collect::<Vec<_>>(),
    )
    .unwrap();
    let ctx = peerstat::sql::context(Some(partitions));
    ctx.register_table("bulk", Arc::new(mem)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async { ctx.sql(sql).await?.collect().await })
        .unwrap()
}

/// `(key, struct row)` pairs of a `SELECT analysis_id, f(...) ... ORDER BY analysis_id` result.
fn keyed(batches: &[RecordBatch]) -> Vec<(i64, StructArray)> {
    let mut out = Vec::new();
    for b in batches {
        let keys = b.column(0).as_primitive::<Int64Type>();
        let s = b.column(1).as_struct();
        for i in 0..b.num_rows() {
            out.push((keys.value(i), s.slice(i, 1)));
        }
    }
    out
}

fn float(s: &StructArray, name: &str) -> Option<f64> {
    let c = s
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>();
    (!c.is_null(0)).then(|| c.value(0))
}

fn int(s: &StructArray, name: &str) -> Option<i64> {
    let c = s.column_by_name(name).unwrap().as_primitive::<Int64Type>();
    (!c.is_null(0)).then(|| c.value(0))
}

fn text(s: &StructArray, name: &str) -> Option<String> {
    let c = s.column_by_name(name).unwrap().as_string::<i32>();
    (!c.is_null(0)).then(|| c.value(0).to_string())
}

/// Asserts each SQL row equals the reference bit for bit; returns the values compared.
fn assert_same(
    got: &[(i64, StructArray)],
    want: &[(i64, Option<Summary>, Option<String>)],
) -> usize {
    assert_eq!(got.len(), want.len());
    let mut compared = 0;
    for ((key, s), (rkey, summary, error)) in got.iter().zip(want) {
        assert_eq!(key, rkey);
        assert_eq!(&text(s, "error"), error, "group {key}");
        for c in Summary::COLUMNS.iter().filter(|c| c.bulk) {
            let value = summary.as_ref().map(|x| (c.get)(x));
            match value {
                Some(SummaryValue::Float(x)) => {
                    let want = x.is_finite().then_some(x);
                    assert_eq!(
                        float(s, c.name).map(f64::to_bits),
                        want.map(f64::to_bits),
                        "group {key}, {}",
                        c.name
                    );
                }
                Some(SummaryValue::Int(n)) => assert_eq!(int(s, c.name), Some(n as i64)),
                Some(SummaryValue::Text(t)) => assert_eq!(text(s, c.name).as_deref(), Some(t)),
                None => {}
            }
            compared += 1;
        }
    }
    compared
}

const RMA_KNHA: &str =
    "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id ORDER BY analysis_id";

#[test]
fn rma_struct_has_the_bulk_result_columns() {
    let names: Vec<String> = peerstat::sql::rma_fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, result_columns());
    assert_eq!(names.first().map(String::as_str), Some("k"));
    assert_eq!(names.last().map(String::as_str), Some("error"));
}

#[test]
fn rma_equals_reanalyse_bit_for_bit_for_any_partitioning_and_order() {
    let rows = simulated(300, 7);
    let want = reference(&rows, RandomEffects::new().knha(true));
    assert_eq!(want.len(), 300);
    assert!(want.iter().all(|w| w.2.is_none()));
    let mut shuffled = rows.clone();
    // A fixed permutation (reversal, then interleaving halves).
    shuffled.reverse();
    let half = shuffled.len() / 2;
    let (a, b) = shuffled.split_at(half);
    let shuffled: Rows = b
        .iter()
        .zip(a)
        .flat_map(|(x, y)| [*x, *y])
        .chain(b.iter().skip(a.len()).copied())
        .collect();
    assert_eq!(shuffled.len(), rows.len());
    let mut checked = 0;
    for data in [&rows, &shuffled] {
        for p in [1, 2, 8] {
            let got = keyed(&query(data, p, RMA_KNHA));
            checked += assert_same(&got, &want);
        }
    }
    assert_eq!(checked, 6 * 300 * result_columns().len().saturating_sub(1));
}

#[test]
fn rma_options_are_the_models() {
    let rows = simulated(40, 3);
    let model = RandomEffects::new()
        .method(Tau2Method::Dl)
        .level(90.0)
        .unwrap();
    let want = reference(&rows, model);
    let sql = "SELECT analysis_id, rma(yi, vi, 'DL', false, 90) AS fit FROM bulk \
               GROUP BY analysis_id ORDER BY analysis_id";
    let got = keyed(&query(&rows, 2, sql));
    assert_eq!(assert_same(&got, &want), 40 * (result_columns().len() - 1));
    // Different from the REML default, so the options did reach the fit.
    let reml = keyed(&query(&rows, 2, RMA_KNHA));
    assert_ne!(float(&got[0].1, "ci_lower"), float(&reml[0].1, "ci_lower"));
}

#[test]
fn bad_groups_give_error_and_nulls_without_failing_the_query() {
    let mut rows = simulated(5, 11);
    rows.push((100, Some(0.2), Some(0.04))); // k = 1
    rows.extend([(101, Some(0.1), Some(-0.02)), (101, Some(0.3), Some(0.05))]); // vi < 0
    rows.extend([
        (102, Some(f64::NAN), Some(0.02)),
        (102, Some(0.3), Some(0.05)),
    ]); // NaN
    rows.extend([(103, None, Some(0.02)), (103, None, None)]); // nothing to analyse
    let want = reference(&rows, RandomEffects::new().knha(true));
    let got = keyed(&query(&rows, 2, RMA_KNHA));
    assert_eq!(got.len(), 9);
    assert_eq!(assert_same(&got, &want), 9 * (result_columns().len() - 1));
    for bad in [101, 102, 103] {
        let (_, s) = got.iter().find(|g| g.0 == bad).unwrap();
        assert!(text(s, "error").is_some(), "group {bad} has an error");
        assert_eq!(float(s, "estimate"), None);
        assert_eq!(int(s, "k"), None);
    }
    let (_, one) = got.iter().find(|g| g.0 == 100).unwrap();
    let single = &want.iter().find(|w| w.0 == 100).unwrap();
    assert_eq!(text(one, "error"), single.2);
    let good = got.iter().filter(|g| text(&g.1, "error").is_none()).count();
    assert!(good >= 5, "the simulated groups are fitted ({good})");
}

#[test]
fn egger_equals_the_library_test() {
    let rows = simulated(30, 5);
    let sql = "SELECT analysis_id, egger(yi, vi) AS e FROM bulk GROUP BY analysis_id ORDER BY analysis_id";
    let sorted = canonical(&rows);
    let mut checked = 0;
    for p in [1, 8] {
        let got = keyed(&query(&rows, p, sql));
        assert_eq!(got.len(), 30);
        for (key, s) in &got {
            let g: Vec<_> = sorted.iter().filter(|r| r.0 == *key).collect();
            let y: Vec<f64> = g.iter().map(|r| r.1.unwrap()).collect();
            let v: Vec<f64> = g.iter().map(|r| r.2.unwrap()).collect();
            let es = EffectSizes::from_slices(Measure::Gen, &y, &v).unwrap();
            match egger(&es, &RandomEffects::new(), EggerModel::default()) {
                Ok(t) => {
                    assert_eq!(text(s, "error"), None);
                    assert_eq!(int(s, "k"), Some(y.len() as i64));
                    assert_eq!(
                        float(s, "statistic").map(f64::to_bits),
                        Some(t.statistic.to_bits())
                    );
                    assert_eq!(
                        float(s, "p_value").map(f64::to_bits),
                        Some(t.p_value.to_bits())
                    );
                    assert_eq!(
                        float(s, "limit_estimate").map(f64::to_bits),
                        Some(t.limit_estimate.to_bits())
                    );
                    checked += 1;
                }
                Err(e) => assert_eq!(text(s, "error"), Some(e.to_string())),
            }
        }
    }
    assert!(
        checked >= 40,
        "most simulated groups have k >= 3 ({checked})"
    );
}

fn peerstat(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peerstat {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// CSV text to rows of cells (no quoting in these files).
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let head = lines.next().unwrap().split(',').map(String::from).collect();
    (
        head,
        lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect(),
    )
}

#[test]
fn cli_sql_matches_reanalyse_and_writes_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).display().to_string();
    peerstat(&[
        "simulate",
        "--analyses",
        "60",
        "--seed",
        "4",
        "-o",
        &path("bulk.parquet"),
    ]);
    peerstat(&[
        "reanalyse",
        &path("bulk.parquet"),
        "--group-by",
        "analysis_id",
        "--measure",
        "GEN",
        "--knha",
        "-o",
        &path("re.csv"),
    ]);
    let table = format!("bulk={}", path("bulk.parquet"));
    peerstat(&[
        "sql", "--table", &table, "--threads", "2", "-o", &path("sql.csv"),
        "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id ORDER BY analysis_id",
    ]);
    let (rh, re) = csv_rows(&std::fs::read_to_string(path("re.csv")).unwrap());
    let (sh, sq) = csv_rows(&std::fs::read_to_string(path("sql.csv")).unwrap());
    // The struct is spread into reanalyse's columns, in its order.
    assert_eq!(sh, rh);
    assert_eq!(sq.len(), 60);
    let col = |h: &[String], n: &str| h.iter().position(|c| c == n).unwrap();
    let (k, est) = (col(&rh, "k"), col(&rh, "estimate"));
    let mut re_sorted = re.clone();
    re_sorted.sort_by_key(|r| r[0].parse::<i64>().unwrap());
    for (a, b) in sq.iter().zip(&re_sorted) {
        assert_eq!(a[0], b[0]);
        assert_eq!(a[k], b[k]);
        // reanalyse fits rows in file order, sql sorted by (yi, vi): equal to rounding.
        let (x, y): (f64, f64) = (a[est].parse().unwrap(), b[est].parse().unwrap());
        assert!((x - y).abs() <= 1e-9 * y.abs().max(1e-3), "{x} vs {y}");
    }
    // A quoted path in FROM, JSON and Parquet output, and the Parquet read back.
    let from = format!(
        "SELECT count(*) AS n FROM '{}' WHERE analysis_id < 10",
        path("bulk.parquet")
    );
    let json = peerstat(&["sql", "--format", "json", &from]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let n = v[0]["n"].as_i64().unwrap();
    let rows_lt10 = re_sorted[..10]
        .iter()
        .map(|r| r[k].parse::<i64>().unwrap())
        .sum::<i64>();
    assert_eq!(n, rows_lt10, "rows of the first 10 analyses (all used)");
    peerstat(&[
        "sql",
        "--table",
        &table,
        "-o",
        &path("fits.parquet"),
        "SELECT analysis_id, rma(yi, vi) AS fit FROM bulk GROUP BY analysis_id",
    ]);
    let back = peerstat(&[
        "sql",
        "--table",
        &format!("f={}", path("fits.parquet")),
        "--format",
        "csv",
        "SELECT count(*) AS groups, sum(fit['k']) AS k FROM f WHERE fit['error'] IS NULL",
    ]);
    let total: i64 = re.iter().map(|r| r[k].parse::<i64>().unwrap()).sum();
    assert_eq!(back.trim(), format!("groups,k\n60,{total}"));
}

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
