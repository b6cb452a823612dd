//! Helpers of the SQL tests (and of the distributed ones, which include this file): simulated
//! data, in-memory tables split into partitions, queries, reading struct results, and the
//! library's reference results compared bit for bit.
// Each test crate that includes this file uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use peerstat::bulk::{simulate_table, Reanalysis};
use peerstat::data::{Column, Table};
use peerstat::effect::Measure;
use peerstat::model::{RandomEffects, Summary, SummaryValue};

/// Rows `(analysis_id, yi, vi)`.
pub type Rows = Vec<(i64, Option<f64>, Option<f64>)>;

pub fn simulated(analyses: usize, seed: u64) -> Rows {
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

pub fn cmp(a: &Option<f64>, b: &Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(y),
    }
}

/// The rows sorted as the functions sort them: by key, then `(yi, vi)`.
pub fn canonical(rows: &Rows) -> Rows {
    let mut r = rows.clone();
    r.sort_by(|a, b| a.0.cmp(&b.0).then(cmp(&a.1, &b.1)).then(cmp(&a.2, &b.2)));
    r
}

pub fn batch(rows: &[(i64, Option<f64>, Option<f64>)]) -> RecordBatch {
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
pub fn query(rows: &Rows, partitions: usize, sql: &str) -> Vec<RecordBatch> {
    query_plan(rows, partitions, sql, false)
}

/// [`query`] planned in peerstat's [`context`](peerstat::sql::context) (the row-collecting
/// aggregates in one phase), or with `two_phase` in a plain DataFusion session with the
/// functions registered (DataFusion's partial states, shuffled and merged).
pub fn query_plan(rows: &Rows, partitions: usize, sql: &str, two_phase: bool) -> Vec<RecordBatch> {
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
    let ctx = if two_phase {
        let config = SessionConfig::new().with_target_partitions(partitions);
        let ctx = SessionContext::new_with_config(config);
        peerstat::sql::register(&ctx);
        ctx
    } else {
        peerstat::sql::context(Some(partitions))
    };
    ctx.register_table("bulk", Arc::new(mem)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async { ctx.sql(sql).await?.collect().await })
        .unwrap()
}

/// `(key, struct row)` pairs of a `SELECT analysis_id, f(...) ... ORDER BY analysis_id` result.
pub fn keyed(batches: &[RecordBatch]) -> Vec<(i64, StructArray)> {
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

pub fn float(s: &StructArray, name: &str) -> Option<f64> {
    let c = s
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>();
    (!c.is_null(0)).then(|| c.value(0))
}

pub fn int(s: &StructArray, name: &str) -> Option<i64> {
    let c = s.column_by_name(name).unwrap().as_primitive::<Int64Type>();
    (!c.is_null(0)).then(|| c.value(0))
}

pub fn text(s: &StructArray, name: &str) -> Option<String> {
    let c = s.column_by_name(name).unwrap().as_string::<i32>();
    (!c.is_null(0)).then(|| c.value(0).to_string())
}

/// Rows `(analysis_id, values…)` of a table with named double columns.
pub type Wide = Vec<(i64, Vec<Option<f64>>)>;

/// Table `bulk` with key `analysis_id` and the double columns `names`, holding `rows` split into
/// `partitions` partitions (round robin by row), queried with as many target partitions.
pub fn query_wide(names: &[&str], rows: &Wide, partitions: usize, sql: &str) -> Vec<RecordBatch> {
    let schema = Arc::new(Schema::new(
        std::iter::once(Field::new("analysis_id", DataType::Int64, false))
            .chain(
                names
                    .iter()
                    .map(|n| Field::new(*n, DataType::Float64, true)),
            )
            .collect::<Vec<_>>(),
    ));
    let batch = |part: &[&(i64, Vec<Option<f64>>)]| {
        let mut cols: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(
            part.iter().map(|r| r.0),
        ))];
        for j in 0..names.len() {
            cols.push(Arc::new(Float64Array::from(
                part.iter().map(|r| r.1[j]).collect::<Vec<_>>(),
            )));
        }
        RecordBatch::try_new(schema.clone(), cols).unwrap()
    };
    let parts: Vec<Vec<RecordBatch>> = (0..partitions)
        .map(|p| {
            let part: Vec<_> = rows.iter().skip(p).step_by(partitions).collect();
            vec![batch(&part)]
        })
        .collect();
    let mem = MemTable::try_new(schema.clone(), parts).unwrap();
    let ctx = peerstat::sql::context(Some(partitions));
    ctx.register_table("bulk", Arc::new(mem)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async { ctx.sql(sql).await?.collect().await })
        .unwrap()
}

/// A fixed permutation of `v` (reversal, then interleaving the halves).
pub fn shuffled<T: Clone>(v: &[T]) -> Vec<T> {
    let mut r = v.to_vec();
    r.reverse();
    let half = r.len() / 2;
    let (a, b) = r.split_at(half);
    let out: Vec<T> = b
        .iter()
        .zip(a)
        .flat_map(|(x, y)| [x.clone(), y.clone()])
        .chain(b.iter().skip(a.len()).cloned())
        .collect();
    assert_eq!(out.len(), v.len());
    out
}

/// A small deterministic generator (64-bit LCG, high bits).
pub struct Lcg(pub u64);

impl Lcg {
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// `reanalyse`'s results (measure GEN) on each group alone, its rows in canonical order, by
/// key (error messages then name rows within the group, as the SQL functions do).
pub fn reference(rows: &Rows, model: RandomEffects) -> Vec<(i64, Option<Summary>, Option<String>)> {
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

/// Asserts each SQL row equals the reference bit for bit; returns the values compared.
pub fn assert_same(
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
