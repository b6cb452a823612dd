//! Result types of `peerstat meta` that combine several model fits: the core fit with the
//! subgroup, meta-regression and robust-variance keys, and the options that produced it.

use serde::Serialize;

use super::regression::{Coefficient, Permutation, RegressionFit};
use super::robust::{RobustFit, RobustType};
use super::rve::RveFit;
use super::subgroup::SubgroupAnalysis;
use super::{Fit, RandomEffects};
use crate::effect::EffectOptions;

/// Keys a meta-regression adds to the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionKeys {
    /// Coefficients, intercept first.
    pub coefficients: Vec<Coefficient>,
    /// Omnibus test of the moderators.
    pub qm: f64,
    /// Its degrees of freedom.
    pub qm_df: usize,
    /// Its p-value.
    pub qm_p: f64,
    /// Test for residual heterogeneity.
    pub qe: f64,
    /// Its degrees of freedom.
    pub qe_df: usize,
    /// Its p-value.
    pub qe_p: f64,
    /// Pseudo-R² (percent).
    pub r2: f64,
    /// Permutation test, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permutation: Option<Permutation>,
    /// The prediction at given moderator values, when asked for (set by the caller, see
    /// [`RegressionFit::predict`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<crate::model::prediction::Prediction>,
    /// The coefficients' covariance matrix (metafor `vcov(fit)`; Knapp–Hartung-scaled under
    /// `--knha`, as metafor); `None` where the coefficients come from elsewhere (the CHE
    /// meta-regressions of `evaluate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcov: Option<crate::model::contrast::Vcov>,
    /// The linear contrasts asked for (metafor `anova(fit, X = …)`), when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contrasts: Option<Vec<crate::model::contrast::Contrast>>,
    /// How `prediction`'s CI and prediction interval were formed when not from the model-based
    /// covariance: under `--robust`, the cluster-robust covariance and its df (as metafor's
    /// `predict()` on a `robust()` fit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction_covariance: Option<String>,
}

impl RegressionKeys {
    /// The added keys of a regression fit.
    pub fn new(r: &RegressionFit, permutation: Option<Permutation>) -> Self {
        RegressionKeys {
            coefficients: r.coefficients.clone(),
            qm: r.qm,
            qm_df: r.qm_df,
            qm_p: r.qm_p,
            qe: r.qe,
            qe_df: r.qe_df,
            qe_p: r.qe_p,
            r2: r.r2,
            permutation,
            prediction: None,
            vcov: Some(crate::model::contrast::Vcov::new(
                &r.coefficients
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>(),
                &r.vb,
            )),
            contrasts: None,
            prediction_covariance: None,
        }
    }
}

/// The options behind a [`MetaResult`], recorded in its JSON (`options`) so that a result can be
/// reproduced from its output alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaOptions {
    /// Effect-size options (variance type, continuity correction, double zeros, strictness).
    pub effect: EffectOptions,
    /// Model options (estimator, Knapp–Hartung, level, prediction interval, I², iterations).
    pub model: RandomEffects,
    /// Subgroup column, when subgroups were run.
    pub by: Option<String>,
    /// Whether subgroups share one τ².
    pub common_tau2: bool,
    /// Moderator columns of a meta-regression.
    pub mods: Vec<String>,
    /// Permutations of the permutation test (with its seed).
    pub permutations: Option<(usize, u64)>,
    /// Cluster column of robust variance estimation.
    pub cluster: Option<String>,
    /// Assumed within-cluster correlation of robust variance estimation.
    pub rho: Option<f64>,
    /// Cluster column of cluster-robust inference on the fitted model.
    pub robust: Option<String>,
    /// Its estimator (CR1 or CR2).
    pub robust_type: Option<RobustType>,
    /// The moderator values of the regression's `prediction`, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newmods: Option<Vec<f64>>,
    /// Whether each study's BLUP and random effect were asked for (metafor `blup()`,
    /// `ranef()`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blup: bool,
    /// Linear contrasts of the meta-regression's coefficients (`allocrandom-allocsystematic`),
    /// metafor `anova(fit, X = …)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contrasts: Vec<String>,
}

/// The full JSON of `peerstat meta`: the core keys, plus the keys of subgroup and moderator
/// analyses when they were run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaResult {
    /// Core fit (overall fit for subgroups; the regression's core results for moderators).
    #[serde(flatten)]
    pub fit: Fit,
    /// Subgroup analysis (`subgroups`, `subgroup_test`, `subgroup_test_common_tau2`, …).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub subgroups: Option<SubgroupAnalysis>,
    /// Meta-regression keys.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub regression: Option<RegressionKeys>,
    /// Robust variance estimation for dependent effects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rve: Option<RveFit>,
    /// Cluster-robust inference on the fitted model (random effects or meta-regression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust: Option<RobustFit>,
    /// The options that produced the result.
    pub options: MetaOptions,
    /// The Bayesian random-effects fit, when asked for (set by the caller, see
    /// [`crate::model::bayes::Bayes::fit`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bayes: Option<crate::model::bayes::BayesFit>,
    /// Each study's predicted true effect (`blup`) and random effect (`ranef`), when asked for
    /// ([`MetaOptions::blup`]).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub blups: Option<crate::model::blup::Blups>,
}
