//! What a bulk reanalysis gives: one result per group, the summary of a run, its progress
//! callback, and the result columns written after the key columns.

use serde::Serialize;

use super::multilevel::MultilevelRow;
use crate::model::bayes::BayesRow;
use crate::model::Summary;

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
    /// The Bayesian fit (when `error` is `None` and a Bayesian model was asked for).
    pub bayes: Option<BayesRow>,
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

/// What a run did, from its groups' results.
pub(super) fn summarise(rows: usize, results: &[GroupResult], clustered: bool) -> BulkSummary {
    BulkSummary {
        groups: results.len(),
        failed: results.iter().filter(|r| r.error.is_some()).count(),
        rows,
        omitted_rows: results.iter().map(|r| r.omitted).sum(),
        clustered,
    }
}
