//! The records the analysis of a domain shares with its helpers: a section not run
//! ([`Skipped`]), how a domain's effects are oriented, one analysed effect, the sensitivity
//! analyses, and the inputs every domain's analysis reads ([`DomainData`]).

use serde::Serialize;

use super::codebook::Codebook;
use super::options::Thresholds;
use crate::data::Table;
use crate::model::{RandomEffects, Summary};

/// A section of the evaluation that was not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The section (for example "bias", "subgroups by mode", "economics: acceptability curve").
    pub section: String,
    /// Why: it does not apply to these data, or the error that stopped it.
    pub reason: String,
}

impl Skipped {
    pub(crate) fn new(section: impl Into<String>, reason: impl Into<String>) -> Self {
        Skipped {
            section: section.into(),
            reason: reason.into(),
        }
    }
}

/// Sensitivity analyses of one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Pooled fit of low risk-of-bias effects only (when ≥ 2).
    pub low_risk_only: Option<Summary>,
    /// Smallest and largest leave-one-out estimate.
    pub leave_one_out_range: Option<[f64; 2]>,
}

/// One effect of a domain, as analysed (log odds ratios on the log scale).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyEffect {
    /// 1-based data row.
    pub row: usize,
    /// Study label.
    pub study: String,
    /// Effect.
    pub yi: f64,
    /// Lower confidence limit (normal).
    pub ci_lower: f64,
    /// Upper confidence limit (normal).
    pub ci_upper: f64,
}

/// What every domain's analysis shares.
pub(crate) struct DomainData<'a> {
    pub table: &'a Table,
    pub codebook: &'a Codebook,
    pub study_ids: &'a [String],
    /// `None` when the data have no risk-of-bias column.
    pub risk_of_bias: Option<Vec<Option<String>>>,
    pub model: RandomEffects,
    pub level: f64,
    pub simulated: bool,
    pub thresholds: Thresholds,
    /// The assumed sampling correlation of the CHE model.
    pub rho: f64,
    /// The element fields of "which elements matter?".
    pub elements: &'a [String],
    /// Every option of the evaluation (per-domain minimal important differences, the
    /// `[small_k]` settings).
    pub options: &'a super::options::EvaluateOptions,
}
