//! Result types of the `bias` and `influence` analyses, with the options that produced them.

use serde::Serialize;

use super::bias::{begg, egger, fail_safe, Begg, Egger, EggerModel, FailSafe, Side};
use super::influence::{cumulative, influence, CumulativeStep, Influence};
use super::trimfill::{trimfill, TrimFill, TrimFillEstimator};
use crate::data::Table;
use crate::effect::{EffectOptions, EffectSizes, Measure};
use crate::error::Result;
use crate::model::{RandomEffects, Tau2Method};

/// The options behind a [`BiasResult`], recorded in its JSON (`options`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BiasOptions {
    /// Effect-size options.
    pub effect: EffectOptions,
    /// Model options.
    pub model: RandomEffects,
    /// Egger's regression.
    pub egger: EggerModel,
    /// Trim-and-fill estimator.
    pub estimator: TrimFillEstimator,
    /// Trim-and-fill side (chosen from the data when `None`).
    pub side: Option<Side>,
    /// Orwin's target (half the mean effect when `None`).
    pub orwin_target: Option<f64>,
}

/// The options behind an [`InfluenceResult`], recorded in its JSON (`options`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfluenceOptions {
    /// Effect-size options.
    pub effect: EffectOptions,
    /// Model options.
    pub model: RandomEffects,
    /// Cumulative meta-analysis instead of leave-one-out.
    pub cumulative: bool,
    /// Column ordering the cumulative analysis (data order when `None`).
    pub order: Option<String>,
}

/// JSON of `peerstat bias`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BiasResult {
    /// Effect measure.
    pub measure: Measure,
    /// τ² estimator of the model tested.
    pub method: Tau2Method,
    /// Number of studies.
    pub k: usize,
    /// Egger's regression test.
    pub egger: Egger,
    /// Begg's rank correlation test.
    pub begg: Begg,
    /// Trim-and-fill.
    pub trimfill: TrimFill,
    /// Fail-safe N.
    pub fail_safe_n: FailSafe,
    /// The options that produced the result (absent when run inside `evaluate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<BiasOptions>,
}

/// JSON of `peerstat influence`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfluenceResult {
    /// Effect measure.
    pub measure: Measure,
    /// τ² estimator.
    pub method: Tau2Method,
    /// Number of studies.
    pub k: usize,
    /// Leave-one-out and influence diagnostics per study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studies: Option<Vec<Influence>>,
    /// Cumulative meta-analysis steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cumulative: Option<Vec<CumulativeStep>>,
    /// The options that produced the result.
    pub options: InfluenceOptions,
}

impl BiasOptions {
    /// Runs every bias test on `es`: Egger's regression, Begg's rank correlation, trim-and-fill
    /// and the fail-safe N (whose Orwin target is checked first, before any test runs).
    ///
    /// # Errors
    /// [`crate::error::Error::Setting`] for a bad Orwin target; errors of the tests (too few studies,
    /// no convergence).
    pub fn run(&self, es: &EffectSizes) -> Result<BiasResult> {
        let fail_safe_n = fail_safe(es, self.orwin_target)?;
        Ok(BiasResult {
            measure: es.measure(),
            method: self.model.get_method(),
            k: es.k(),
            egger: egger(es, &self.model, self.egger)?,
            begg: begg(es)?,
            trimfill: trimfill(es, &self.model, self.estimator, self.side)?,
            fail_safe_n,
            options: Some(self.clone()),
        })
    }
}

impl InfluenceOptions {
    /// Leave-one-out diagnostics of `es`, or with `cumulative` the cumulative meta-analysis in
    /// data order or ordered by the numeric column `order` of `table`.
    ///
    /// # Errors
    /// [`crate::error::Error::MissingColumn`] or [`crate::error::Error::Value`] for the order column; errors
    /// of the fits.
    pub fn run(&self, table: &Table, es: &EffectSizes) -> Result<InfluenceResult> {
        let (studies, cumulative) = if self.cumulative {
            let order = match &self.order {
                Some(c) => {
                    let col = table.numeric(c, "to order the cumulative analysis")?;
                    let mut o = Vec::with_capacity(es.k());
                    for &r in es.rows() {
                        o.push(col[r].ok_or_else(|| {
                            table.value_error(
                                r,
                                c,
                                "missing value in the column ordering the cumulative analysis",
                            )
                        })?);
                    }
                    Some(o)
                }
                None => None,
            };
            let steps = cumulative(es, &self.model, order.as_deref())?;
            (None, Some(steps))
        } else {
            (Some(influence(es, &self.model)?), None)
        };
        Ok(InfluenceResult {
            measure: es.measure(),
            method: self.model.get_method(),
            k: es.k(),
            studies,
            cumulative,
            options: self.clone(),
        })
    }
}
