//! Result types of the `bias` and `influence` analyses, with the options that produced them.

use serde::Serialize;

use super::{
    Begg, CumulativeStep, Egger, EggerModel, FailSafe, Influence, Side, TrimFill, TrimFillEstimator,
};
use crate::effect::{EffectOptions, Measure};
use crate::model::{RandomEffects, Tau2Method};

/// The options behind a [`BiasReport`], recorded in its JSON (`options`).
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

/// The options behind an [`InfluenceReport`], recorded in its JSON (`options`).
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
pub struct BiasReport {
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
pub struct InfluenceReport {
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
