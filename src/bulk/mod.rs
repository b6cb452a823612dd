//! Bulk reanalysis: one random-effects meta-analysis per group of rows, for thousands to
//! millions of groups (every outcome × subgroup of an evidence map, every review in a database,
//! every sensitivity scenario).
//!
//! [`Reanalysis::run`] streams a Parquet file in record batches, reading only the group-key and
//! effect columns, and fits the groups of each batch in parallel (rayon) with the same kernels
//! as `peerstat meta` ([`crate::effect::compute_rows`] and [`RandomEffects::fit_slices`]), so each
//! group's result is bit-for-bit what `peerstat meta` gives on that group alone. Results are
//! written as they are produced, through a temporary file renamed into place at the end.
//!
//! **Memory.** When the input is clustered by group key (all rows of a group adjacent, the usual
//! case), memory is bounded by one record batch plus one group, whatever the file size. When it is
//! not (a key reappears after another key), the run falls back to reading the needed columns of the
//! whole file into memory and grouping them there (memory grows with the input), and says so on
//! standard error. CSV input is always read into memory.
//!
//! **Groups.** Output rows follow the first appearance of each key, identical whatever the thread
//! count. A missing key value forms its own group. A group that cannot be analysed (no usable
//! studies, a bad value, non-convergence) gets its `error` filled and the run goes on.
//!
//! # Examples
//!
//! ```
//! use peerstat::bulk::{simulate_table, Reanalysis};
//! use peerstat::effect::Measure;
//! let table = simulate_table(50, 1);
//! let results = Reanalysis::new(&["analysis_id"], Measure::Smd).run_table(&table).unwrap();
//! assert_eq!(results.len(), 50);
//! assert!(results.iter().all(|g| g.error.is_none()));
//! ```

mod output;
mod simulate;

pub use simulate::{simulate_table, simulate_to};

use std::collections::{HashMap, HashSet};
use std::path::Path;

use arrow_array::{cast::AsArray, types::*, Array, ArrayRef};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;
use serde::Serialize;

use crate::data::read::{append, empty_column, guard, open_parquet};
use crate::data::{read_table, Column, ColumnMap, Table};
use crate::effect::{compute_rows, needed_columns, EffectOptions, Measure, Skip};
use crate::error::{Error, Result};
use crate::model::{RandomEffects, Summary, Workspace};

/// Result columns written after the key columns, in order: the summary columns marked for bulk
/// output in [`Summary::COLUMNS`], then `error`.
pub fn result_columns() -> Vec<&'static str> {
    Summary::COLUMNS
        .iter()
        .filter(|c| c.bulk)
        .map(|c| c.name)
        .chain(std::iter::once("error"))
        .collect()
}

/// Options for a bulk reanalysis (a builder).
#[derive(Debug, Clone)]
pub struct Reanalysis {
    group_by: Vec<String>,
    measure: Measure,
    effect: EffectOptions,
    model: RandomEffects,
    map: ColumnMap,
    batch_rows: usize,
}

/// One group's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// Index (0-based, in the grouped data) of the group's first row, where its key is read.
    #[serde(skip)]
    pub first_row: usize,
    /// The fit (when `error` is `None`).
    pub summary: Option<Summary>,
    /// Why the group could not be analysed.
    pub error: Option<String>,
    /// Rows of the group omitted for missing values or undefined effects.
    pub omitted: usize,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BulkReport {
    /// Groups analysed (including failed ones).
    pub groups: usize,
    /// Groups with an error.
    pub failed: usize,
    /// Input rows read.
    pub rows: usize,
    /// Rows omitted (missing values, undefined effects).
    pub omitted_rows: usize,
    /// Whether the input was clustered by group key (streamed with bounded memory).
    pub clustered: bool,
}

/// Progress callback: `(rows read, total rows if known, groups done)`.
pub type Progress<'a> = &'a (dyn Fn(usize, Option<usize>, usize) + Sync);

/// Rows held column-wise: group keys and the effect columns, with each row's file row number.
struct Buffer {
    keys: Vec<Column>,
    vals: Vec<Vec<Option<f64>>>,
    rows: Vec<usize>,
}

impl Buffer {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn same_key(&self, i: usize, j: usize) -> bool {
        self.keys.iter().all(|c| match c {
            Column::Int(v) => v[i] == v[j],
            Column::Float(v) => v[i].map(f64::to_bits) == v[j].map(f64::to_bits),
            Column::Str(v) => v[i] == v[j],
            Column::Bool(v) => v[i] == v[j],
        })
    }

    fn key(&self, i: usize) -> Vec<KeyPart> {
        self.keys
            .iter()
            .map(|c| match c {
                Column::Int(v) => v[i].map_or(KeyPart::Null, KeyPart::Int),
                Column::Float(v) => v[i].map_or(KeyPart::Null, |x| KeyPart::Float(x.to_bits())),
                Column::Str(v) => v[i].clone().map_or(KeyPart::Null, KeyPart::Str),
                Column::Bool(v) => v[i].map_or(KeyPart::Null, KeyPart::Bool),
            })
            .collect()
    }

    /// A 64-bit hash of the key at row `i` (FNV-1a over the key's bytes, then a splitmix64
    /// finaliser).
    fn key_hash(&self, i: usize) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        for c in &self.keys {
            match c {
                Column::Int(v) => v[i].hash(&mut h),
                Column::Float(v) => v[i].map(f64::to_bits).hash(&mut h),
                Column::Str(v) => v[i].hash(&mut h),
                Column::Bool(v) => v[i].hash(&mut h),
            }
        }
        let mut z = h.finish();
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Contiguous runs of equal keys.
    fn runs(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..self.len() {
            if !self.same_key(i, i - 1) {
                out.push(start..i);
                start = i;
            }
        }
        if self.len() > 0 {
            out.push(start..self.len());
        }
        out
    }

    /// Drops the first `n` rows.
    fn drain_front(&mut self, n: usize) {
        for c in &mut self.keys {
            match c {
                Column::Int(v) => drop(v.drain(..n)),
                Column::Float(v) => drop(v.drain(..n)),
                Column::Str(v) => drop(v.drain(..n)),
                Column::Bool(v) => drop(v.drain(..n)),
            }
        }
        for v in &mut self.vals {
            v.drain(..n);
        }
        self.rows.drain(..n);
    }

    /// Reorders rows so that groups are contiguous, in order of first appearance (stable within
    /// a group, so each group's rows keep their file order). Returns true when the rows were
    /// already clustered.
    fn cluster(&mut self) -> bool {
        let mut ids: HashMap<Vec<KeyPart>, usize> = HashMap::new();
        let gid: Vec<usize> = (0..self.len())
            .map(|i| {
                let n = ids.len();
                *ids.entry(self.key(i)).or_insert(n)
            })
            .collect();
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|&i| gid[i]);
        if order.iter().enumerate().all(|(a, &b)| a == b) {
            return true;
        }
        fn permute<T: Clone>(v: &mut Vec<T>, order: &[usize]) {
            *v = order.iter().map(|&i| v[i].clone()).collect();
        }
        for c in &mut self.keys {
            *c = c.take(&order);
        }
        for v in &mut self.vals {
            permute(v, &order);
        }
        permute(&mut self.rows, &order);
        false
    }
}

/// FNV-1a hasher (fast for short keys; not DoS-resistant, which does not matter here).
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyPart {
    Null,
    Int(i64),
    Float(u64),
    Str(String),
    Bool(bool),
}

/// A Parquet reader projected onto the needed columns.
struct Projected {
    reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    /// Positions of the key columns in each batch.
    keys: Vec<usize>,
    /// Positions of the effect columns in each batch.
    vals: Vec<usize>,
    /// Canonical names of the effect columns.
    names: Vec<&'static str>,
    /// Arrow types of the key columns.
    key_types: Vec<DataType>,
    /// Rows in the file.
    total: usize,
}

/// Per-thread scratch space.
#[derive(Default)]
struct Scratch {
    rows: Vec<std::result::Result<(f64, f64), Skip>>,
    y: Vec<f64>,
    v: Vec<f64>,
    ws: Workspace,
}

/// Lenient numeric conversion of an Arrow array (text that is not a number becomes NaN, which
/// the row validation then reports for its group only).
fn numeric_from_arrow(
    out: &mut Vec<Option<f64>>,
    arr: &ArrayRef,
) -> std::result::Result<(), String> {
    let n = arr.len();
    out.reserve(n);
    macro_rules! prim {
        ($t:ty) => {{
            let a = arr.as_primitive::<$t>();
            out.extend((0..n).map(|i| a.is_valid(i).then(|| a.value(i) as f64)));
        }};
    }
    match arr.data_type() {
        DataType::Float64 => {
            let a = arr.as_primitive::<Float64Type>();
            if a.null_count() == 0 {
                out.extend(a.values().iter().map(|&x| Some(x)));
            } else {
                out.extend((0..n).map(|i| a.is_valid(i).then(|| a.value(i))));
            }
        }
        DataType::Float32 => prim!(Float32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int8 => prim!(Int8Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::Null => out.extend(std::iter::repeat_n(None, n)),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let mut c = Column::Str(Vec::new());
            append(&mut c, arr)?;
            if let Column::Str(v) = c {
                out.extend(
                    v.into_iter()
                        .map(|s| s.map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN))),
                );
            }
        }
        dt => return Err(dt.to_string()),
    }
    Ok(())
}

fn numeric_from_column(c: &Column) -> Vec<Option<f64>> {
    match c {
        Column::Int(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
        Column::Float(v) => v.clone(),
        Column::Str(v) => v
            .iter()
            .map(|s| {
                s.as_ref()
                    .map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN))
            })
            .collect(),
        Column::Bool(v) => v.iter().map(|x| x.map(|_| f64::NAN)).collect(),
    }
}

impl Reanalysis {
    /// A reanalysis grouped by `group_by` (canonical names) with measure `measure`, REML and
    /// metafor's defaults otherwise.
    pub fn new<S: AsRef<str>>(group_by: &[S], measure: Measure) -> Self {
        Reanalysis {
            group_by: group_by.iter().map(|s| s.as_ref().to_string()).collect(),
            measure,
            effect: EffectOptions::default(),
            model: RandomEffects::new(),
            map: ColumnMap::new(),
            batch_rows: 65_536,
        }
    }

    /// Effect-size options.
    pub fn effect_options(mut self, o: EffectOptions) -> Self {
        self.effect = o;
        self
    }

    /// Model options.
    pub fn model(mut self, m: RandomEffects) -> Self {
        self.model = m;
        self
    }

    /// Column renames (`canonical → actual`).
    pub fn columns(mut self, map: ColumnMap) -> Self {
        self.map = map;
        self
    }

    /// Rows per Parquet record batch (default 65,536).
    pub fn batch_rows(mut self, n: usize) -> Self {
        self.batch_rows = n.max(1);
        self
    }

    /// Analyses one group: rows `range` of `buf`.
    fn analyse(
        &self,
        names: &[&str],
        buf: &Buffer,
        range: std::ops::Range<usize>,
        s: &mut Scratch,
    ) -> GroupResult {
        let first_row = range.start;
        let cols: Vec<&[Option<f64>]> = buf.vals.iter().map(|v| v.as_slice()).collect();
        s.rows.clear();
        let fail = |error: String, omitted: usize| GroupResult {
            first_row,
            summary: None,
            error: Some(error),
            omitted,
        };
        if let Err((row, bad)) = compute_rows(
            self.measure,
            &self.effect,
            names,
            &cols,
            range.clone(),
            &mut s.rows,
        ) {
            return fail(
                format!(
                    "row {}, column {}: {}",
                    buf.rows[row] + 1,
                    self.map.actual(names[bad.col]),
                    bad.message
                ),
                0,
            );
        }
        s.y.clear();
        s.v.clear();
        let mut omitted = 0;
        let mut first_skip: Option<(usize, &Skip)> = None;
        for (i, r) in s.rows.iter().enumerate() {
            match r {
                Ok((y, v)) => {
                    s.y.push(*y);
                    s.v.push(*v);
                }
                Err(skip) => {
                    omitted += 1;
                    first_skip.get_or_insert((range.start + i, skip));
                }
            }
        }
        if s.y.is_empty() {
            let why = match first_skip {
                Some((row, Skip::Missing(j))) => format!(
                    "row {}: missing value in column {}",
                    buf.rows[row] + 1,
                    self.map.actual(names[*j])
                ),
                Some((row, Skip::Undefined(r))) => format!("row {}: {r}", buf.rows[row] + 1),
                None => String::new(),
            };
            return fail(
                format!("no studies left to analyse: all {omitted} rows omitted (first: {why})"),
                omitted,
            );
        }
        match self.model.fit_slices(&s.y, &s.v, &mut s.ws) {
            Ok(summary) => GroupResult {
                first_row,
                summary: Some(summary),
                error: None,
                omitted,
            },
            Err(e) => fail(e.to_string(), omitted),
        }
    }

    fn analyse_all(
        &self,
        names: &[&str],
        buf: &Buffer,
        groups: &[std::ops::Range<usize>],
    ) -> Vec<GroupResult> {
        groups
            .par_iter()
            .with_min_len(64)
            .map_init(Scratch::default, |s, g| {
                self.analyse(names, buf, g.clone(), s)
            })
            .collect()
    }

    fn names(&self, has: impl Fn(&str) -> bool) -> Vec<&'static str> {
        needed_columns(self.measure, has)
    }

    fn buffer_from_table(&self, table: &Table) -> Result<(Buffer, Vec<&'static str>)> {
        let mut keys = Vec::new();
        for g in &self.group_by {
            keys.push(
                table
                    .get(g)
                    .ok_or_else(|| table.missing_column(g, "to group by"))?
                    .clone(),
            );
        }
        let names = self.names(|c| table.has(c));
        let mut vals = Vec::new();
        for &n in &names {
            let c = table
                .get(n)
                .ok_or_else(|| table.missing_column(n, &format!("for measure {}", self.measure)))?;
            vals.push(numeric_from_column(c));
        }
        Ok((
            Buffer {
                keys,
                vals,
                rows: (0..table.nrows()).collect(),
            },
            names,
        ))
    }

    /// Analyses every group of an in-memory table (grouped by first appearance of the key; rows
    /// need not be clustered). Results are in group order.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when a group-by or effect column is absent.
    pub fn run_table(&self, table: &Table) -> Result<Vec<GroupResult>> {
        let (buf, names) = self.buffer_from_table(table)?;
        Ok(self.run_buffer(buf, &names).1)
    }

    /// Clusters and analyses an in-memory buffer; also says whether it was already clustered.
    fn run_buffer(&self, mut buf: Buffer, names: &[&str]) -> (Buffer, Vec<GroupResult>, bool) {
        let clustered = buf.cluster();
        let groups = buf.runs();
        let results = self.analyse_all(names, &buf, &groups);
        (buf, results, clustered)
    }

    /// Reads `input` (Parquet streamed, CSV in memory), analyses every group and writes one row
    /// per group to `output` (`.parquet` or `.csv`): the key columns, then [`result_columns`].
    ///
    /// # Errors
    /// Input errors (missing file or column, corrupt file, empty input) and output write errors.
    /// Problems within a group never stop the run: they fill that group's `error`.
    pub fn run(&self, input: &Path, output: &Path, progress: Progress<'_>) -> Result<BulkReport> {
        let name = input.display().to_string();
        if crate::data::FileKind::of(input) == Some(crate::data::FileKind::Parquet) {
            match self.stream_parquet(input, &name, output, progress)? {
                Some(report) => return Ok(report),
                None => {
                    // Not clustered by the key: grouped in memory (`BulkReport::clustered` false).
                    let (buf, names) = self.read_all_parquet(input, &name)?;
                    return self.finish_in_memory(buf, &names, output, progress);
                }
            }
        }
        let table = read_table(input, &self.map)?;
        let (buf, names) = self.buffer_from_table(&table)?;
        self.finish_in_memory(buf, &names, output, progress)
    }

    fn finish_in_memory(
        &self,
        buf: Buffer,
        names: &[&str],
        output: &Path,
        progress: Progress<'_>,
    ) -> Result<BulkReport> {
        let rows = buf.len();
        let key_names = self.key_names();
        let (buf, results, clustered) = self.run_buffer(buf, names);
        let mut sink = output::Sink::create(output)?;
        sink.write(&key_names, &buf, &results)?;
        sink.finish()?;
        progress(rows, Some(rows), results.len());
        Ok(report(rows, &results, clustered))
    }

    fn key_names(&self) -> Vec<String> {
        self.group_by
            .iter()
            .map(|g| self.map.actual(g).to_string())
            .collect()
    }

    /// Resolves the projected Parquet columns: (key column indices, value column indices, names).
    fn projection(
        &self,
        schema: &arrow_schema::Schema,
        name: &str,
    ) -> Result<(Vec<usize>, Vec<usize>, Vec<&'static str>)> {
        let find = |c: &str| schema.index_of(self.map.actual(c)).ok();
        let available = || {
            schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
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
        Ok((keys, vals, names))
    }

    fn parquet_reader(&self, input: &Path, name: &str) -> Result<Projected> {
        let builder = open_parquet(input, name)?;
        let schema = builder.schema().clone();
        let total = builder.metadata().file_metadata().num_rows().max(0) as usize;
        if total == 0 {
            return Err(Error::Empty {
                file: name.to_string(),
                message: "the file has no data rows".into(),
            });
        }
        let (keys, vals, names) = self.projection(&schema, name)?;
        let mut roots: Vec<usize> = keys.iter().chain(&vals).copied().collect();
        roots.sort_unstable();
        roots.dedup();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        // Positions of our columns within the projected batch.
        let pos = |i: usize| roots.iter().position(|&r| r == i).unwrap_or(0);
        let key_types = keys
            .iter()
            .map(|&i| schema.field(i).data_type().clone())
            .collect();
        let keys = keys.into_iter().map(pos).collect();
        let vals = vals.into_iter().map(pos).collect();
        let reader = builder
            .with_projection(mask)
            .with_batch_size(self.batch_rows)
            .build()
            .map_err(|e| Error::format(name, format!("cannot read Parquet data ({e})")))?;
        Ok(Projected {
            reader,
            keys,
            vals,
            names,
            key_types,
            total,
        })
    }

    fn empty_buffer(&self, key_types: &[DataType], nvals: usize) -> Buffer {
        Buffer {
            keys: key_types.iter().map(empty_column).collect(),
            vals: vec![Vec::new(); nvals],
            rows: Vec::new(),
        }
    }

    fn append_batch(
        buf: &mut Buffer,
        batch: &arrow_array::RecordBatch,
        keys: &[usize],
        vals: &[usize],
        first_row: usize,
        name: &str,
    ) -> Result<()> {
        for (c, &k) in buf.keys.iter_mut().zip(keys) {
            append(c, batch.column(k)).map_err(|t| {
                Error::format(name, format!("group column has unsupported type {t}"))
            })?;
        }
        for (v, &k) in buf.vals.iter_mut().zip(vals) {
            numeric_from_arrow(v, batch.column(k)).map_err(|t| {
                Error::format(name, format!("effect column has unsupported type {t}"))
            })?;
        }
        buf.rows.extend(first_row..first_row + batch.num_rows());
        Ok(())
    }

    /// Streams a clustered Parquet file. `Ok(None)` when the file turns out not to be clustered
    /// (nothing is written then).
    fn stream_parquet(
        &self,
        input: &Path,
        name: &str,
        output: &Path,
        progress: Progress<'_>,
    ) -> Result<Option<BulkReport>> {
        let Projected {
            reader,
            keys,
            vals,
            names,
            key_types,
            total,
        } = self.parquet_reader(input, name)?;
        let key_names = self.key_names();
        let mut sink = output::Sink::create(output)?;
        let mut buf = self.empty_buffer(&key_types, vals.len());
        // Keys of finished groups, by 64-bit hash: a collision can only send the run to the
        // (correct, slower) in-memory path, never give a wrong result.
        let mut seen: HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>> =
            HashSet::with_capacity_and_hasher(total / 4 + 16, Default::default());
        let mut rows = 0usize;
        let mut all = BulkReport {
            clustered: true,
            ..BulkReport::default()
        };
        let mut reader = reader;
        loop {
            let next = guard(name, || Ok(reader.next()))?;
            let done = next.is_none();
            if let Some(batch) = next {
                let batch = batch.map_err(|e| {
                    Error::format(
                        name,
                        format!("corrupt or truncated Parquet data after row {rows} ({e})"),
                    )
                })?;
                Self::append_batch(&mut buf, &batch, &keys, &vals, rows, name)?;
                rows += batch.num_rows();
            }
            let mut groups = buf.runs();
            if !done {
                groups.pop(); // the last group may continue in the next batch
            }
            if groups.is_empty() {
                if done {
                    break;
                }
                continue;
            }
            for g in &groups {
                if !seen.insert(buf.key_hash(g.start)) {
                    sink.abandon();
                    return Ok(None);
                }
            }
            let results = self.analyse_all(&names, &buf, &groups);
            sink.write(&key_names, &buf, &results)?;
            let r = report(0, &results, true);
            all.groups += r.groups;
            all.failed += r.failed;
            all.omitted_rows += r.omitted_rows;
            progress(rows, Some(total), all.groups);
            let cut = groups.last().map_or(0, |g| g.end);
            buf.drain_front(cut);
            if done {
                break;
            }
        }
        sink.finish()?;
        all.rows = rows;
        Ok(Some(all))
    }

    fn read_all_parquet(&self, input: &Path, name: &str) -> Result<(Buffer, Vec<&'static str>)> {
        let Projected {
            mut reader,
            keys,
            vals,
            names,
            key_types,
            ..
        } = self.parquet_reader(input, name)?;
        let mut buf = self.empty_buffer(&key_types, vals.len());
        let mut rows = 0;
        while let Some(batch) = guard(name, || Ok(reader.next()))? {
            let batch = batch.map_err(|e| {
                Error::format(
                    name,
                    format!("corrupt or truncated Parquet data after row {rows} ({e})"),
                )
            })?;
            Self::append_batch(&mut buf, &batch, &keys, &vals, rows, name)?;
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
            key_types,
            ..
        } = self.parquet_reader(input, &name)?;
        let mut buf = self.empty_buffer(&key_types, vals.len());
        let (mut rows, mut groups) = (0, 0);
        while let Some(batch) = guard(&name, || Ok(reader.next()))? {
            let batch = batch.map_err(|e| Error::format(&name, e.to_string()))?;
            Self::append_batch(&mut buf, &batch, &keys, &vals, rows, &name)?;
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

fn report(rows: usize, results: &[GroupResult], clustered: bool) -> BulkReport {
    BulkReport {
        groups: results.len(),
        failed: results.iter().filter(|r| r.error.is_some()).count(),
        rows,
        omitted_rows: results.iter().map(|r| r.omitted).sum(),
        clustered,
    }
}
