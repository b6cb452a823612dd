//! The bulk reanalysis builder, and its runs on a file or an in-memory table.

use std::path::Path;

use super::buffer::{numeric_from_column, Buffer};
use super::multilevel::BulkMultilevel;
use super::output;
use super::result::{result_columns, summarise, BulkSummary, GroupResult, Progress};
use crate::data::{read_table, ColumnMap, Table};
use crate::effect::convert::input_columns;
use crate::effect::{needed_columns, EffectOptions, Measure};
use crate::error::Result;
use crate::model::bayes::BulkBayes;
use crate::model::RandomEffects;

/// Options for a bulk reanalysis (a builder).
#[derive(Debug, Clone)]
pub struct Reanalysis {
    pub(super) group_by: Vec<String>,
    pub(super) measure: Measure,
    pub(super) effect: EffectOptions,
    pub(super) model: RandomEffects,
    pub(super) map: ColumnMap,
    pub(super) batch_rows: usize,
    pub(super) multilevel: Option<BulkMultilevel>,
    pub(super) bayes: Option<BulkBayes>,
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
            bayes: None,
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
        if let Some(b) = &self.bayes {
            return super::bayes::columns(b)
                .into_iter()
                .chain(std::iter::once("error".to_string()))
                .collect();
        }
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

    /// Fits the Bayesian random-effects model to each group instead of the random-effects
    /// model (on a fixed quadrature rule: see [`BulkBayes`]); its result columns replace the
    /// univariate ones: `k`, `mu_mean`, `mu_sd`, `mu_median`, `mu_ci_lower`, `mu_ci_upper`,
    /// `tau_mean`, `tau_median`, `tau_ci_lower`, `tau_ci_upper`, `pi_lower`, `pi_upper`,
    /// `prob_mu_gt_0`, a `prob_mu_gt_X` per threshold, then `error`.
    ///
    /// # Examples
    /// ```
    /// use peerstat::bulk::{simulate_table, Reanalysis};
    /// use peerstat::effect::Measure;
    /// use peerstat::model::bayes::{BulkBayes, TauPrior};
    /// let table = simulate_table(20, 1);
    /// let job = Reanalysis::new(&["analysis_id"], Measure::Gen)
    ///     .bayes(BulkBayes::new("half-normal:0.5".parse::<TauPrior>().unwrap()));
    /// let results = job.run_table(&table).unwrap();
    /// assert!(results.iter().all(|g| g.bayes.is_some()));
    /// assert!(job.output_columns().contains(&"prob_mu_gt_0".to_string()));
    /// ```
    pub fn bayes(mut self, b: BulkBayes) -> Self {
        self.bayes = Some(b);
        self
    }

    /// Canonical names of the further columns a multilevel model reads.
    pub(super) fn aux_names(&self) -> Vec<&str> {
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

    /// The effect columns read: the measure's own and any conversion columns present (all of
    /// the measure's own when nothing could be converted, so that a missing one is named).
    pub(super) fn names(&self, has: impl Fn(&str) -> bool) -> Vec<&'static str> {
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
    /// [`Error::MissingColumn`](crate::error::Error::MissingColumn) when a group-by or effect
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
    /// [`Error::MissingColumn`](crate::error::Error::MissingColumn) when a group-by or effect
    /// column is absent. Problems within a group never stop the run: they fill that group's
    /// `error`.
    pub fn results_table(&self, table: &Table) -> Result<(Table, BulkSummary)> {
        let (buf, names) = self.buffer_from_table(table)?;
        let rows = buf.len();
        let (buf, results, clustered) = self.run_buffer(buf, &names);
        let out = output::chunk(&self.key_names(), &buf, &results, self.models())?;
        Ok((out, summarise(rows, &results, clustered)))
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
                sink.write(&key_names, buf, results, self.models())
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
                chunks.push(output::chunk(&key_names, buf, results, self.models())?);
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
            let out = output::chunk(&key_names, &buf, &results, self.models())?;
            return Ok((out, summarise(rows, &results, clustered)));
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
        sink.write(&key_names, &buf, &results, self.models())?;
        sink.finish()?;
        progress(rows, Some(rows), results.len());
        Ok(summarise(rows, &results, clustered))
    }

    /// The models whose columns replace the univariate ones, if any.
    fn models(&self) -> output::Models<'_> {
        (self.multilevel.as_ref(), self.bayes.as_ref())
    }

    fn key_names(&self) -> Vec<String> {
        self.group_by
            .iter()
            .map(|g| self.map.actual(g).to_string())
            .collect()
    }
}
