//! Bulk reanalysis: one random-effects meta-analysis per group of rows, for thousands to
//! millions of groups (every outcome × subgroup of an evidence map, every review in a database,
//! every sensitivity scenario).
//!
//! [`Reanalysis::run`] streams a Parquet file in record batches, reading only the group-key and
//! effect columns, and fits the groups of each batch in parallel (rayon) with the same kernels
//! as `peerstat meta` (`effect::compute_rows` and [`RandomEffects::fit_slices`]), so each
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

mod buffer;
mod multilevel;
mod output;
mod simulate;
mod stream;

pub use multilevel::{BulkMultilevel, MultilevelRow, RobustRow};
pub use simulate::{simulate_table, simulate_to, SIM_COLUMNS};

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use self::buffer::{numeric_from_column, Buffer};
use crate::data::{read_table, ColumnMap, Table};
use crate::effect::convert::{effect_rows, input_columns, NoEffect, RowResult};
use crate::effect::{needed_columns, EffectOptions, Measure};
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
    multilevel: Option<BulkMultilevel>,
}

/// One group's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    /// Index (0-based, in the grouped data) of the group's first row, where its key is read.
    #[serde(skip)]
    pub first_row: usize,
    /// The fit (when `error` is `None` and no multilevel model was asked for).
    pub summary: Option<Summary>,
    /// The multilevel fit (when `error` is `None` and a multilevel model was asked for).
    pub multilevel: Option<MultilevelRow>,
    /// Why the group could not be analysed.
    pub error: Option<String>,
    /// Rows of the group omitted for missing values or undefined effects.
    pub omitted: usize,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BulkSummary {
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

/// Per-thread scratch space.
#[derive(Default)]
struct Scratch {
    rows: Vec<RowResult>,
    y: Vec<f64>,
    v: Vec<f64>,
    ws: Workspace,
    /// Rows of the group (0-based in the buffer), and those used (0-based in the group).
    idx: Vec<usize>,
    used: Vec<usize>,
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
            multilevel: None,
        }
    }

    /// Fits a multilevel model to each group instead of the random-effects model (the
    /// [`Reanalysis::model`] options are then unused); its result columns replace the
    /// univariate ones (see [`Reanalysis::columns`]).
    pub fn multilevel(mut self, m: BulkMultilevel) -> Self {
        self.multilevel = Some(m);
        self
    }

    /// The result columns written after the key columns, in order: [`result_columns`], or
    /// with a multilevel model `k`, `estimate`, `se`, `ci_lower`, `ci_upper`, `statistic`,
    /// `p_value` (of the first coefficient, as in univariate runs), `df`, `sigma2_1` … `sigma2_L`
    /// and `i2_1` … `i2_L` (one per random factor, outermost first), `q`, `q_df`, `q_p` (the
    /// test for residual heterogeneity, QE), `loglik`, `deviance`, `aic`, `bic`, `pi_lower`,
    /// `pi_upper`, `iterations`, with robust inference `robust_clusters`, `robust_se`,
    /// `robust_df`, `robust_statistic`, `robust_p`, `robust_ci_lower`, `robust_ci_upper`; then
    /// `error`.
    pub fn output_columns(&self) -> Vec<String> {
        match &self.multilevel {
            None => result_columns().into_iter().map(String::from).collect(),
            Some(m) => m
                .output_columns(&[])
                .into_iter()
                .map(|(n, _)| n)
                .chain(std::iter::once("error".to_string()))
                .collect(),
        }
    }

    /// Canonical names of the further columns a multilevel model reads.
    fn aux_names(&self) -> Vec<&str> {
        self.multilevel
            .as_ref()
            .map_or_else(Vec::new, BulkMultilevel::columns_read)
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
        (names, ml, aux): (&[&str], Option<&BulkMultilevel>, &[String]),
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
            multilevel: None,
            error: Some(error),
            omitted,
        };
        if let Err(bad) = effect_rows(
            self.measure,
            &self.effect,
            names,
            &cols,
            range.clone(),
            &mut s.rows,
        ) {
            let row = bad.row;
            let col = names.iter().position(|n| *n == bad.column);
            // A cell that is not a number is held as NaN: report it as the text it was.
            let message = col
                .and_then(|j| buf.bad.get(&(j, buf.rows[row])))
                .cloned()
                .unwrap_or(bad.message);
            let column = col.map_or(bad.column, |j| buf.val_names[j].as_str());
            return fail(
                format!("row {}, column {column}: {message}", buf.rows[row] + 1),
                0,
            );
        }
        s.y.clear();
        s.v.clear();
        s.used.clear();
        let mut omitted = 0;
        let mut first_skip: Option<(usize, &NoEffect)> = None;
        for (i, r) in s.rows.iter().enumerate() {
            match r {
                Ok((y, v, _)) => {
                    s.y.push(*y);
                    s.v.push(*v);
                    s.used.push(i);
                }
                Err(skip) => {
                    omitted += 1;
                    first_skip.get_or_insert((range.start + i, skip));
                }
            }
        }
        if s.y.is_empty() {
            let why = match first_skip {
                Some((row, skip)) => format!(
                    "row {}: {}",
                    buf.rows[row] + 1,
                    skip.reason(|c| names
                        .iter()
                        .position(|n| *n == c)
                        .map_or(c.to_string(), |j| buf.val_names[j].clone()))
                ),
                None => String::new(),
            };
            return fail(
                format!("no studies left to analyse: all {omitted} rows omitted (first: {why})"),
                omitted,
            );
        }
        if let Some(ml) = ml {
            s.idx.clear();
            s.idx.extend(range.clone());
            let cols = aux
                .iter()
                .zip(&buf.aux)
                .map(|(n, c)| (n.clone(), c.take(&s.idx)))
                .collect();
            let fit = Table::from_columns("group", cols)
                .and_then(|t| ml.fit_group(self.measure, &t, (&s.y, &s.v), &s.used));
            return match fit {
                Ok(row) => GroupResult {
                    first_row,
                    summary: None,
                    multilevel: Some(row),
                    error: None,
                    omitted,
                },
                Err(e) => fail(group_error(e, buf, range.start), omitted),
            };
        }
        match self.model.fit_slices(&s.y, &s.v, &mut s.ws) {
            Ok(summary) => GroupResult {
                first_row,
                summary: Some(summary),
                multilevel: None,
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
        // The multilevel model with the columns named as in the file (the group tables' names).
        let ml = self.multilevel.as_ref().map(|m| m.mapped(&self.map));
        let aux: Vec<String> = self
            .aux_names()
            .into_iter()
            .map(|n| self.map.actual(n).to_string())
            .collect();
        let how = (names, ml.as_ref(), aux.as_slice());
        // One scratch space per worker thread for the whole run, so buffers and the cached
        // quantiles of the workspace are built once, not per batch or per rayon split.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        groups
            .par_iter()
            .with_min_len(64)
            .map(|g| {
                SCRATCH.with(|s| match s.try_borrow_mut() {
                    Ok(mut s) => self.analyse(how, buf, g.clone(), &mut s),
                    // (re-entered on this thread by rayon work stealing: a fresh one)
                    Err(_) => self.analyse(how, buf, g.clone(), &mut Scratch::default()),
                })
            })
            .collect()
    }

    /// The effect columns read: the measure's own and any conversion columns present (all of
    /// the measure's own when nothing could be converted, so that a missing one is named).
    fn names(&self, has: impl Fn(&str) -> bool) -> Vec<&'static str> {
        input_columns(self.measure, &has).unwrap_or_else(|_| needed_columns(self.measure, has))
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
        let mut bad = std::collections::HashMap::new();
        for (j, &n) in names.iter().enumerate() {
            let c = table
                .get(n)
                .ok_or_else(|| table.missing_column(n, &format!("for measure {}", self.measure)))?;
            if matches!(c, crate::data::Column::Bool(_)) {
                return Err(table.value_error(0, n, crate::data::cell::LOGICAL));
            }
            let (v, b) = numeric_from_column(c);
            vals.push(v);
            bad.extend(b.into_iter().map(|(i, m)| ((j, i), m)));
        }
        let mut aux = Vec::new();
        for n in self.aux_names() {
            aux.push(
                table
                    .get(n)
                    .ok_or_else(|| table.missing_column(n, "for the multilevel model"))?
                    .clone(),
            );
        }
        Ok((
            Buffer {
                keys,
                vals,
                aux,
                rows: (0..table.nrows()).collect(),
                val_names: names
                    .iter()
                    .map(|n| table.actual_name(n).to_string())
                    .collect(),
                bad,
            },
            names,
        ))
    }

    /// Analyses every group of an in-memory table (grouped by first appearance of the key; rows
    /// need not be clustered). Results are in group order.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when a group-by or effect
    /// column is absent.
    pub fn run_table(&self, table: &Table) -> Result<Vec<GroupResult>> {
        self.effect.convert.check()?;
        let (buf, names) = self.buffer_from_table(table)?;
        Ok(self.run_buffer(buf, &names).1)
    }

    /// Analyses every group of an in-memory table and returns the rows [`Reanalysis::run`]
    /// writes (the key columns, then [`result_columns`], or the multilevel columns), with what
    /// the run did. Groups are in order of first appearance; rows need not be clustered.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when a group-by or effect column is absent. Problems within a
    /// group never stop the run: they fill that group's `error`.
    pub fn results_table(&self, table: &Table) -> Result<(Table, BulkSummary)> {
        let (buf, names) = self.buffer_from_table(table)?;
        let rows = buf.len();
        let (buf, results, clustered) = self.run_buffer(buf, &names);
        let out = output::chunk(&self.key_names(), &buf, &results, self.multilevel.as_ref())?;
        Ok((out, report(rows, &results, clustered)))
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
    pub fn run(&self, input: &Path, output: &Path, progress: Progress<'_>) -> Result<BulkSummary> {
        self.effect.convert.check()?;
        let name = input.display().to_string();
        if crate::data::FileKind::of(input) == Some(crate::data::FileKind::Parquet) {
            let key_names = self.key_names();
            let mut sink = output::Sink::create(output)?;
            let mut emit = |buf: &Buffer, results: &[GroupResult]| {
                sink.write(&key_names, buf, results, self.multilevel.as_ref())
            };
            match self.stream_parquet(input, &name, &mut emit, progress)? {
                Some(report) => {
                    sink.finish()?;
                    return Ok(report);
                }
                None => {
                    sink.abandon();
                    // Not clustered by the key: grouped in memory (`BulkSummary::clustered` false).
                    let (buf, names) = self.read_all_parquet(input, &name)?;
                    return self.finish_in_memory(buf, &names, output, progress);
                }
            }
        }
        let table = read_table(input, &self.map)?;
        let (buf, names) = self.buffer_from_table(&table)?;
        self.finish_in_memory(buf, &names, output, progress)
    }

    /// As [`Reanalysis::run`], with the results returned as a table (the rows `run` writes)
    /// instead of written to a file: a Parquet `input` is streamed in record batches (memory
    /// bounded by a batch and a group when it is clustered by the key, else grouped in memory
    /// as `run` does), other files are read whole.
    ///
    /// # Errors
    /// As [`Reanalysis::run`], without the output errors.
    pub fn results_file(&self, input: &Path) -> Result<(Table, BulkSummary)> {
        self.effect.convert.check()?;
        let name = input.display().to_string();
        if crate::data::FileKind::of(input) == Some(crate::data::FileKind::Parquet) {
            let key_names = self.key_names();
            let mut chunks = Vec::new();
            let mut emit = |buf: &Buffer, results: &[GroupResult]| {
                chunks.push(output::chunk(
                    &key_names,
                    buf,
                    results,
                    self.multilevel.as_ref(),
                )?);
                Ok(())
            };
            let streamed = self.stream_parquet(input, &name, &mut emit, &|_, _, _| {})?;
            if let (Some(report), false) = (streamed, chunks.is_empty()) {
                return Ok((output::concat(chunks)?, report));
            }
            // Not clustered (or empty: the key columns then keep their types).
            let (buf, names) = self.read_all_parquet(input, &name)?;
            let rows = buf.len();
            let (buf, results, clustered) = self.run_buffer(buf, &names);
            let out = output::chunk(&key_names, &buf, &results, self.multilevel.as_ref())?;
            return Ok((out, report(rows, &results, clustered)));
        }
        let table = read_table(input, &self.map)?;
        self.results_table(&table)
    }

    fn finish_in_memory(
        &self,
        buf: Buffer,
        names: &[&str],
        output: &Path,
        progress: Progress<'_>,
    ) -> Result<BulkSummary> {
        let rows = buf.len();
        let key_names = self.key_names();
        let (buf, results, clustered) = self.run_buffer(buf, names);
        let mut sink = output::Sink::create(output)?;
        sink.write(&key_names, &buf, &results, self.multilevel.as_ref())?;
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
}

/// A group's error as its row shows it: a bad value with its row in the input file (the
/// group's `first`-th buffered row is its first), other errors as they read.
fn group_error(e: Error, buf: &Buffer, first: usize) -> String {
    match e {
        Error::Value {
            row,
            column,
            message,
            ..
        } => {
            let file_row = buf
                .rows
                .get(first + row.saturating_sub(1))
                .map_or(row, |r| r + 1);
            format!("row {file_row}, column {column}: {message}")
        }
        e => e.to_string(),
    }
}

fn report(rows: usize, results: &[GroupResult], clustered: bool) -> BulkSummary {
    BulkSummary {
        groups: results.len(),
        failed: results.iter().filter(|r| r.error.is_some()).count(),
        rows,
        omitted_rows: results.iter().map(|r| r.omitted).sum(),
        clustered,
    }
}
