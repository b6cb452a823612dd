//! Parquet input: the projected reader, streaming a clustered file group by group with bounded
//! memory, and reading a whole file into memory when it is not clustered.

use std::collections::HashSet;
use std::path::Path;

use arrow_array::{cast::AsArray, types::*, Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;

use super::buffer::{Buffer, IdentityHasher};
use super::reanalysis::Reanalysis;
use super::result::{summarise, BulkSummary, GroupResult, Progress};
use crate::data::arrow::{append, duration_columns, duration_message, empty_column, Unreadable};
use crate::data::cell::{parse_number, repeated, repeated_message};
use crate::data::read::{guard, open_parquet, parquet_data_error};
use crate::data::{find_column, Column};
use crate::error::{Error, Result};

/// A Parquet reader projected onto the needed columns.
struct Projected {
    reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    /// Positions of the key columns in each batch.
    keys: Vec<usize>,
    /// Positions of the effect columns in each batch.
    vals: Vec<usize>,
    /// Positions of the further columns of a multilevel fit in each batch.
    aux: Vec<usize>,
    /// Canonical names of the effect columns.
    names: Vec<&'static str>,
    /// Names in the file of the key columns, then of the effect columns, then of the further
    /// columns.
    actual: Vec<String>,
    /// Arrow types of the key columns.
    key_types: Vec<DataType>,
    /// Arrow types of the further columns.
    aux_types: Vec<DataType>,
    /// Rows in the file.
    total: usize,
}

/// Lenient numeric conversion of an Arrow array: text that is not a number becomes NaN, and its
/// index and message (the one every command gives, [`parse_number`]) are returned, so that the
/// row validation reports it for its group only. Float64 without nulls is copied directly;
/// every other type goes through the reader's one Arrow type switch ([`append`]).
fn numeric_from_arrow(
    out: &mut Vec<Option<f64>>,
    arr: &ArrayRef,
) -> std::result::Result<Vec<(usize, String)>, Unreadable> {
    let mut bad = Vec::new();
    if arr.data_type() == &DataType::Float64 && arr.null_count() == 0 {
        out.extend(
            arr.as_primitive::<Float64Type>()
                .values()
                .iter()
                .map(|&x| Some(x)),
        );
        return Ok(bad);
    }
    let mut c = empty_column(arr.data_type());
    append(&mut c, arr)?;
    match c {
        Column::Float(v) => out.extend(v),
        Column::Int(v) => out.extend(v.into_iter().map(|x| x.map(|x| x as f64))),
        Column::Str(v) => {
            for (i, s) in v.into_iter().enumerate() {
                out.push(s.map(|s| {
                    parse_number(&s).unwrap_or_else(|m| {
                        bad.push((i, m));
                        f64::NAN
                    })
                }));
            }
        }
        Column::Bool(_) => return Err(Unreadable::Logical),
    }
    Ok(bad)
}

impl Reanalysis {
    /// Resolves the projected Parquet columns: (key column indices, value column indices,
    /// further column indices, names).
    #[allow(clippy::type_complexity)]
    fn projection(
        &self,
        schema: &arrow_schema::Schema,
        name: &str,
    ) -> Result<(Vec<usize>, Vec<usize>, Vec<usize>, Vec<&'static str>)> {
        let fields: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        // As `peerstat meta` reads the file: a repeated column name is refused, and a column is
        // found as `Table::get` finds it.
        if let Some(c) = repeated(&fields) {
            return Err(Error::format(name, repeated_message(c)));
        }
        let find = |c: &str| find_column(&fields, self.map.actual(c));
        let available = || fields.join(", ");
        let missing = |c: &str, purpose: &str| Error::MissingColumn {
            file: name.to_string(),
            column: self.map.actual(c).to_string(),
            canonical: c.to_string(),
            purpose: purpose.to_string(),
            available: available(),
        };
        let mut keys = Vec::new();
        for g in &self.group_by {
            keys.push(find(g).ok_or_else(|| missing(g, "to group by"))?);
        }
        let names = self.names(|c| find(c).is_some());
        let mut vals = Vec::new();
        for &n in &names {
            vals.push(find(n).ok_or_else(|| missing(n, &format!("for measure {}", self.measure)))?);
        }
        let mut aux = Vec::new();
        for n in self.aux_names() {
            aux.push(find(n).ok_or_else(|| missing(n, "for the multilevel model"))?);
        }
        Ok((keys, vals, aux, names))
    }

    fn parquet_reader(&self, input: &Path, name: &str) -> Result<Projected> {
        let builder = open_parquet(input, name)?;
        let schema = builder.schema().clone();
        let durations = duration_columns(builder.metadata().file_metadata().key_value_metadata());
        let total = builder.metadata().file_metadata().num_rows().max(0) as usize;
        if total == 0 {
            return Err(Error::Empty {
                file: name.to_string(),
                message: "the file has no data rows".into(),
            });
        }
        let (keys, vals, aux, names) = self.projection(&schema, name)?;
        let actual: Vec<String> = keys
            .iter()
            .chain(&vals)
            .chain(&aux)
            .map(|&i| schema.field(i).name().clone())
            .collect();
        if let Some(d) = actual.iter().find(|a| durations.contains(a)) {
            return Err(Error::format(name, duration_message(d)));
        }
        let mut roots: Vec<usize> = keys.iter().chain(&vals).chain(&aux).copied().collect();
        roots.sort_unstable();
        roots.dedup();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        // Positions of our columns within the projected batch.
        let pos = |i: usize| roots.iter().position(|&r| r == i).unwrap_or(0);
        let key_types = keys
            .iter()
            .map(|&i| schema.field(i).data_type().clone())
            .collect();
        let aux_types = aux
            .iter()
            .map(|&i| schema.field(i).data_type().clone())
            .collect();
        let keys = keys.into_iter().map(pos).collect();
        let vals = vals.into_iter().map(pos).collect();
        let aux = aux.into_iter().map(pos).collect();
        let reader = builder
            .with_projection(mask)
            .with_batch_size(self.batch_rows)
            .build()
            .map_err(|e| Error::format(name, format!("cannot read Parquet data ({e})")))?;
        Ok(Projected {
            reader,
            keys,
            vals,
            aux,
            names,
            actual,
            key_types,
            aux_types,
            total,
        })
    }

    fn empty_buffer(
        &self,
        (key_types, aux_types): (&[DataType], &[DataType]),
        actual: &[String],
    ) -> Buffer {
        let nkeys = key_types.len();
        let nvals = actual.len() - nkeys - aux_types.len();
        Buffer {
            keys: key_types.iter().map(empty_column).collect(),
            vals: vec![Vec::new(); nvals],
            aux: aux_types.iter().map(empty_column).collect(),
            rows: Vec::new(),
            val_names: actual[nkeys..nkeys + nvals].to_vec(),
            bad: Default::default(),
        }
    }

    fn append_batch(
        buf: &mut Buffer,
        batch: &arrow_array::RecordBatch,
        (keys, vals, aux): (&[usize], &[usize], &[usize]),
        actual: &[String],
        first_row: usize,
        name: &str,
    ) -> Result<()> {
        for ((c, &k), a) in buf.keys.iter_mut().zip(keys).zip(actual) {
            append(c, batch.column(k)).map_err(|u| u.error(name, a, first_row))?;
        }
        for (j, &k) in vals.iter().enumerate() {
            let bad = numeric_from_arrow(&mut buf.vals[j], batch.column(k))
                .map_err(|u| u.error(name, &actual[keys.len() + j], first_row))?;
            for (i, message) in bad {
                buf.bad.insert((j, first_row + i), message);
            }
        }
        let offset = keys.len() + vals.len();
        for (j, (c, &k)) in buf.aux.iter_mut().zip(aux).enumerate() {
            append(c, batch.column(k))
                .map_err(|u| u.error(name, &actual[offset + j], first_row))?;
        }
        buf.rows.extend(first_row..first_row + batch.num_rows());
        Ok(())
    }

    /// Streams a clustered Parquet file, handing each batch's finished groups to `emit`.
    /// `Ok(None)` when the file turns out not to be clustered (the caller then discards what
    /// `emit` received).
    pub(super) fn stream_parquet(
        &self,
        input: &Path,
        name: &str,
        emit: &mut dyn FnMut(&Buffer, &[GroupResult]) -> Result<()>,
        progress: Progress<'_>,
    ) -> Result<Option<BulkSummary>> {
        let Projected {
            reader,
            keys,
            vals,
            aux,
            names,
            actual,
            key_types,
            aux_types,
            total,
        } = self.parquet_reader(input, name)?;
        let mut buf = self.empty_buffer((&key_types, &aux_types), &actual);
        // Keys of finished groups, by 64-bit hash: a collision can only send the run to the
        // (correct, slower) in-memory path, never give a wrong result.
        let mut seen: Seen = HashSet::with_capacity_and_hasher(total / 4 + 16, Default::default());
        let mut rows = 0usize;
        let mut all = BulkSummary {
            clustered: true,
            ..BulkSummary::default()
        };
        // Decoding (decompression, page reading) runs on its own thread, one or two batches
        // ahead, while the batch before is fitted in parallel and written.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Option<RecordBatch>>>(2);
        let finished = std::thread::scope(|scope| -> Result<bool> {
            scope.spawn(move || decode_batches(reader, name, tx));
            let rx = rx;
            loop {
                let next = rx
                    .recv()
                    .map_err(|_| Error::format(name, "the Parquet reader stopped"))??;
                let done = next.is_none();
                if let Some(batch) = next {
                    Self::append_batch(
                        &mut buf,
                        &batch,
                        (&keys, &vals, &aux),
                        &actual,
                        rows,
                        name,
                    )?;
                    rows += batch.num_rows();
                }
                match self.fit_finished(&mut buf, done, &names, &mut seen, emit, &mut all)? {
                    Step::Nothing => {}
                    Step::Repeated => return Ok(false),
                    Step::Fitted => progress(rows, Some(total), all.groups),
                }
                if done {
                    return Ok(true);
                }
            }
        })?;
        if !finished {
            return Ok(None);
        }
        all.rows = rows;
        Ok(Some(all))
    }

    /// Fits the finished groups of `buf` (every group when `done`, else all but the last, which
    /// may continue in the next batch), hands them to `emit`, adds them to `all` and drops them
    /// from the buffer; [`Step::Repeated`] (nothing fitted) when a group's key was seen before.
    fn fit_finished(
        &self,
        buf: &mut Buffer,
        done: bool,
        names: &[&str],
        seen: &mut Seen,
        emit: &mut dyn FnMut(&Buffer, &[GroupResult]) -> Result<()>,
        all: &mut BulkSummary,
    ) -> Result<Step> {
        let mut groups = buf.runs();
        if !done {
            groups.pop(); // the last group may continue in the next batch
        }
        if groups.is_empty() {
            return Ok(Step::Nothing);
        }
        for g in &groups {
            if !seen.insert(buf.key_hash(g.start)) {
                return Ok(Step::Repeated);
            }
        }
        let results = self.analyse_all(names, buf, &groups);
        emit(buf, &results)?;
        let r = summarise(0, &results, true);
        all.groups += r.groups;
        all.failed += r.failed;
        all.omitted_rows += r.omitted_rows;
        let cut = groups.last().map_or(0, |g| g.end);
        buf.drain_front(cut);
        Ok(Step::Fitted)
    }

    pub(super) fn read_all_parquet(
        &self,
        input: &Path,
        name: &str,
    ) -> Result<(Buffer, Vec<&'static str>)> {
        let Projected {
            mut reader,
            keys,
            vals,
            aux,
            names,
            actual,
            key_types,
            aux_types,
            ..
        } = self.parquet_reader(input, name)?;
        let mut buf = self.empty_buffer((&key_types, &aux_types), &actual);
        let mut rows = 0;
        while let Some(batch) = guard(name, || Ok(reader.next()))? {
            let batch = batch.map_err(|e| parquet_data_error(name, rows, e))?;
            Self::append_batch(&mut buf, &batch, (&keys, &vals, &aux), &actual, rows, name)?;
            rows += batch.num_rows();
        }
        Ok((buf, names))
    }

    /// Reads the effect columns of a Parquet file and finds its groups without fitting anything:
    /// the decoding floor that `run` is measured against. Returns (rows, groups).
    ///
    /// # Errors
    /// As [`Reanalysis::run`].
    pub fn decode_only(&self, input: &Path) -> Result<(usize, usize)> {
        let name = input.display().to_string();
        let Projected {
            mut reader,
            keys,
            vals,
            aux,
            actual,
            key_types,
            aux_types,
            ..
        } = self.parquet_reader(input, &name)?;
        let mut buf = self.empty_buffer((&key_types, &aux_types), &actual);
        let (mut rows, mut groups) = (0, 0);
        while let Some(batch) = guard(&name, || Ok(reader.next()))? {
            let batch = batch.map_err(|e| parquet_data_error(&name, rows, e))?;
            Self::append_batch(&mut buf, &batch, (&keys, &vals, &aux), &actual, rows, &name)?;
            rows += batch.num_rows();
            let mut g = buf.runs();
            g.pop();
            groups += g.len();
            let cut = g.last().map_or(0, |g| g.end);
            buf.drain_front(cut);
        }
        Ok((rows, groups + usize::from(buf.len() > 0)))
    }
}

/// Keys of the finished groups, by hash.
type Seen = HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>>;

/// What one batch's finished groups came to.
enum Step {
    /// No group finished in this batch.
    Nothing,
    /// The finished groups were fitted and emitted.
    Fitted,
    /// A finished group's key was seen before: the file is not clustered.
    Repeated,
}

/// Decodes the record batches of `reader` and sends them through `tx`, then `None` at the end
/// (or the first error); stops early when the receiver is gone.
fn decode_batches(
    mut reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    name: &str,
    tx: std::sync::mpsc::SyncSender<Result<Option<RecordBatch>>>,
) {
    let mut read = 0usize;
    loop {
        let msg = match guard(name, || Ok(reader.next())) {
            Err(e) => Err(e),
            Ok(None) => Ok(None),
            Ok(Some(Err(e))) => Err(parquet_data_error(name, read, e)),
            Ok(Some(Ok(b))) => {
                read += b.num_rows();
                Ok(Some(b))
            }
        };
        let more = matches!(msg, Ok(Some(_)));
        if tx.send(msg).is_err() || !more {
            break;
        }
    }
}
