//! The data of the distributed tests: simulated rows, Parquet directories, the library's
//! reference results and exact comparisons.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, Schema};
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

/// Writes `rows` as `files` Parquet files in `dir`, dealt round robin by row, so every group's
/// rows are spread over several files (and so partitions and executors).
pub fn write_parquet_dir(rows: &Rows, dir: &Path, files: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for f in 0..files {
        let part: Rows = rows.iter().skip(f).step_by(files).copied().collect();
        let b = batch(&part);
        let file = std::fs::File::create(dir.join(format!("part-{f}.parquet"))).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(file, b.schema(), None).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();
    }
}

pub fn cmp(a: &Option<f64>, b: &Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(y),
    }
}

/// The library's bulk fit (`reanalyse`, measure GEN) of each group alone, its rows in the
/// order the SQL aggregate sorts them, `(yi, vi)`, by key.
pub fn reference(rows: &Rows, model: RandomEffects) -> Vec<(i64, Option<Summary>, Option<String>)> {
    let mut r = rows.clone();
    r.sort_by(|a, b| a.0.cmp(&b.0).then(cmp(&a.1, &b.1)).then(cmp(&a.2, &b.2)));
    let mut out = Vec::new();
    for g in r.chunk_by(|a, b| a.0 == b.0) {
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
        for fit in res {
            out.push((g[0].0, fit.summary, fit.error));
        }
    }
    out
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
            match summary.as_ref().map(|x| (c.get)(x)) {
                Some(SummaryValue::Float(x)) => assert_eq!(
                    float(s, c.name).map(f64::to_bits),
                    x.is_finite().then_some(x).map(f64::to_bits),
                    "group {key}, {}",
                    c.name
                ),
                Some(SummaryValue::Int(n)) => assert_eq!(int(s, c.name), Some(n as i64)),
                Some(SummaryValue::Text(t)) => assert_eq!(text(s, c.name).as_deref(), Some(t)),
                None => {}
            }
            compared += 1;
        }
    }
    compared
}

/// Every cell of a result as exact text (Arrow's shortest round-trip float formatting), row by
/// row.
pub fn cells(batches: &[RecordBatch]) -> Vec<String> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let opts = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for b in batches {
        let fmts: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts).unwrap())
            .collect();
        for i in 0..b.num_rows() {
            let row: Vec<String> = fmts.iter().map(|f| f.value(i).to_string()).collect();
            out.push(row.join(" | "));
        }
    }
    out
}
