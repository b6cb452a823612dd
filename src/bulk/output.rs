//! Incremental, atomic output for bulk results: chunks are appended to a temporary file in the
//! output's directory, which is renamed into place by [`Sink::finish`].

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::buffer::Buffer;
use super::multilevel::BulkMultilevel;
use super::result::GroupResult;
use crate::data::write::{to_record_batch, TempFile};
use crate::data::{Column, Table};
use crate::error::{Error, Result};
use crate::model::bayes::BulkBayes;
use crate::model::{Summary, SummaryValue};

enum Writer {
    Parquet(
        Option<ArrowWriter<BufWriter<File>>>,
        Option<BufWriter<File>>,
    ),
    Csv(csv::Writer<BufWriter<File>>, bool),
}

/// A results file being written (through a [`TempFile`], renamed into place by
/// [`Sink::finish`]; removed if the sink is dropped or abandoned).
pub(super) struct Sink {
    tmp: TempFile,
    name: String,
    w: Option<Writer>,
}

impl Sink {
    pub(super) fn create(path: &Path) -> Result<Self> {
        let is_parquet = crate::data::FileKind::output(path)? == crate::data::FileKind::Parquet;
        let (tmp, file) = TempFile::create(path)?;
        let w = if is_parquet {
            Writer::Parquet(None, Some(file))
        } else {
            Writer::Csv(csv::Writer::from_writer(file), false)
        };
        Ok(Sink {
            name: tmp.name().to_string(),
            tmp,
            w: Some(w),
        })
    }

    /// Appends one row per result: its key values and results.
    pub(super) fn write(
        &mut self,
        key_names: &[String],
        buf: &Buffer,
        results: &[GroupResult],
        models: Models<'_>,
    ) -> Result<()> {
        let table = chunk(key_names, buf, results, models)?;
        let name = self.name.clone();
        let pq = |e| crate::data::write::parquet_write_error(&name, e);
        let cv = |e| crate::data::write::csv_write_error(&name, e);
        match self.w.as_mut() {
            Some(Writer::Parquet(w, file)) => {
                let batch = to_record_batch(&table)?;
                if w.is_none() {
                    // Result columns are unique floats: dictionaries would only cost time.
                    let props = WriterProperties::builder()
                        .set_compression(Compression::SNAPPY)
                        .set_dictionary_enabled(false)
                        .build();
                    let f = file
                        .take()
                        .ok_or_else(|| Error::format(&name, "writer closed"))?;
                    *w = Some(ArrowWriter::try_new(f, batch.schema(), Some(props)).map_err(pq)?);
                }
                if let Some(w) = w.as_mut() {
                    w.write(&batch).map_err(pq)?;
                }
            }
            Some(Writer::Csv(w, header)) => {
                if !*header {
                    w.write_record(table.names()).map_err(cv)?;
                    *header = true;
                }
                let mut rec = Vec::with_capacity(table.names().len());
                for i in 0..table.nrows() {
                    rec.clear();
                    rec.extend(
                        table
                            .columns()
                            .iter()
                            .map(|c| c.text(i).unwrap_or_default()),
                    );
                    w.write_record(&rec).map_err(cv)?;
                }
            }
            None => return Err(Error::format(&name, "writer closed")),
        }
        Ok(())
    }

    /// Closes the file and renames it into place.
    pub(super) fn finish(mut self) -> Result<()> {
        let name = self.name.clone();
        let file = match self.w.take() {
            Some(Writer::Parquet(Some(w), _)) => w
                .into_inner()
                .map_err(|e| crate::data::write::parquet_write_error(&name, e))?,
            Some(Writer::Parquet(None, Some(f))) => f,
            Some(Writer::Csv(w, _)) => w
                .into_inner()
                .map_err(|e| Error::io(&name, e.into_error()))?,
            _ => return Err(Error::format(&name, "writer closed")),
        };
        self.tmp.commit(file)
    }

    /// Gives up: the temporary file is removed (the output is untouched).
    pub(super) fn abandon(self) {}
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The models whose columns replace the univariate ones: multilevel, Bayesian.
pub(super) type Models<'a> = (Option<&'a BulkMultilevel>, Option<&'a BulkBayes>);

/// The output rows for a chunk of results, as a table: the key columns, then the univariate
/// result columns or, with a multilevel model `ml` or a Bayesian model, its columns, then
/// `error`.
pub(super) fn chunk(
    key_names: &[String],
    buf: &Buffer,
    results: &[GroupResult],
    (ml, bayes): Models<'_>,
) -> Result<Table> {
    let mut cols: Vec<(String, Column)> = Vec::with_capacity(key_names.len() + 20);
    let first: Vec<usize> = results.iter().map(|r| r.first_row).collect();
    for (name, c) in key_names.iter().zip(&buf.keys) {
        cols.push((name.clone(), c.take(&first)));
    }
    if let Some(b) = bayes {
        let error = Column::Str(results.iter().map(|r| r.error.clone()).collect());
        for (name, col) in super::bayes::output_columns(b, results)
            .into_iter()
            .chain(std::iter::once(("error".into(), error)))
        {
            cols.push((result_label(key_names, &name), col));
        }
        return Table::from_columns("output", cols);
    }
    if let Some(ml) = ml {
        let rows: Vec<_> = results.iter().map(|r| r.multilevel.as_ref()).collect();
        let error = Column::Str(results.iter().map(|r| r.error.clone()).collect());
        let named = ml.output_columns(&rows);
        for (name, col) in named
            .into_iter()
            .chain(std::iter::once(("error".into(), error)))
        {
            cols.push((result_label(key_names, &name), col));
        }
        return Table::from_columns("output", cols);
    }
    let results_cols = Summary::COLUMNS.iter().filter(|c| c.bulk);
    let named = results_cols.map(|c| {
        let get = |r: &GroupResult| r.summary.as_ref().map(|s| (c.get)(s));
        let col = match (c.get)(&Summary::default()) {
            SummaryValue::Int(_) => Column::Int(
                results
                    .iter()
                    .map(|r| match get(r) {
                        Some(SummaryValue::Int(n)) => Some(n as i64),
                        _ => None,
                    })
                    .collect(),
            ),
            SummaryValue::Float(_) => Column::Float(
                results
                    .iter()
                    .map(|r| match get(r) {
                        Some(SummaryValue::Float(x)) => finite(x),
                        _ => None,
                    })
                    .collect(),
            ),
            SummaryValue::Text(_) => Column::Str(
                results
                    .iter()
                    .map(|r| match get(r) {
                        Some(SummaryValue::Text(t)) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        (c.name, col)
    });
    let error = Column::Str(results.iter().map(|r| r.error.clone()).collect());
    for (name, col) in named.chain(std::iter::once(("error", error))) {
        cols.push((result_label(key_names, name), col));
    }
    Table::from_columns("output", cols)
}

/// The chunks of a streamed run as one table (at least one chunk; all have the columns of the
/// first, in its order and of its types, as [`chunk`] makes them).
pub(super) fn concat(chunks: Vec<Table>) -> Result<Table> {
    let mut chunks = chunks.into_iter();
    let first = chunks
        .next()
        .ok_or_else(|| Error::format("output", "no results to gather"))?;
    let names = first.names().to_vec();
    let mut cols: Vec<Column> = first.columns().to_vec();
    for t in chunks {
        for (c, more) in cols.iter_mut().zip(t.columns()) {
            match (c, more) {
                (Column::Float(a), Column::Float(b)) => a.extend_from_slice(b),
                (Column::Int(a), Column::Int(b)) => a.extend_from_slice(b),
                (Column::Str(a), Column::Str(b)) => a.extend_from_slice(b),
                (Column::Bool(a), Column::Bool(b)) => a.extend_from_slice(b),
                (c, b) => {
                    return Err(Error::format(
                        "output",
                        format!(
                            "a results chunk holds a {} column where the first holds {}",
                            b.type_name(),
                            c.type_name()
                        ),
                    ))
                }
            }
        }
    }
    Table::from_columns("output", names.into_iter().zip(cols).collect())
}

/// A result column's name in the output: `result_NAME` when a key column is called `NAME`.
fn result_label(key_names: &[String], name: &str) -> String {
    if key_names.iter().any(|k| k == name) {
        format!("result_{name}")
    } else {
        name.to_string()
    }
}
