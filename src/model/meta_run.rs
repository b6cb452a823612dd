//! The fits one `meta` request asks for, combined into a [`MetaResult`]: the random-effects fit
//! or the meta-regression, subgroups, cluster-robust inference and robust variance estimation.
//! The CLI and the Python module both call [`MetaOptions::fit`].

use super::regression::{MetaRegression, RegressionFit};
use super::robust::{cluster_ids, Robust, RobustFit};
use super::rve::Rve;
use super::subgroup::subgroups;
use super::{Fit, MetaOptions, MetaResult, RandomEffects, RegressionKeys};
use crate::data::Table;
use crate::effect::{EffectOptions, EffectSizes};
use crate::error::Result;

/// A [`MetaResult`] with the studies each analysis left out, for the caller to report.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaRun {
    /// The combined result.
    pub report: MetaResult,
    /// Studies left out of the meta-regression (missing moderator value).
    pub regression_dropped: usize,
    /// Studies left out of the subgroup analysis (missing value in the subgroup column).
    pub subgroups_omitted: usize,
    /// Effects left out of robust variance estimation (missing cluster or moderator value).
    pub rve_dropped: usize,
}

impl MetaOptions {
    /// The random-effects model alone, with effect-size options `effect` and model `model`: no
    /// subgroups, moderators, permutations, robust variance estimation or cluster-robust
    /// inference (set those fields to ask for them).
    pub fn new(effect: EffectOptions, model: RandomEffects) -> Self {
        MetaOptions {
            effect,
            model,
            by: None,
            common_tau2: false,
            mods: Vec::new(),
            permutations: None,
            cluster: None,
            rho: None,
            robust: None,
            robust_type: None,
            newmods: None,
        }
    }

    /// Fits what the options ask for on `table` and its effect sizes `es`: a meta-regression on
    /// `mods` (with its permutation test and the prediction at `newmods`) or the random-effects
    /// model with subgroups by `by`; cluster-robust inference by `robust`; robust variance
    /// estimation by `cluster`.
    ///
    /// # Errors
    /// Errors of the fits: missing columns, too few studies, collinear moderators, bad settings,
    /// no convergence.
    pub fn fit(&self, table: &Table, es: &EffectSizes) -> Result<MetaRun> {
        let model = self.model;
        let mut run = if !self.mods.is_empty() {
            let m =
                MetaRegression::new(model).fit_table(table, es, &self.mods, self.permutations)?;
            let robust = self.robust_on(table, &m.fit, Some(&m.regression))?;
            let mut keys = RegressionKeys::new(&m.regression, m.permutation);
            if let Some(newmods) = &self.newmods {
                keys.prediction = Some(match &self.robust {
                    Some(col) => {
                        let kind = self.robust_type.unwrap_or_default();
                        let ids = cluster_ids(table, col, m.fit.studies.iter().map(|s| s.row))?;
                        keys.prediction_covariance = Some(robust_prediction_label(kind));
                        Robust::new(kind, model.get_level())?.predict(
                            &m.regression,
                            &ids,
                            newmods,
                        )?
                    }
                    None => m.regression.predict(newmods, model.get_level())?,
                });
            }
            MetaRun {
                report: self.report(m.fit, None, Some(keys), robust),
                regression_dropped: m.dropped,
                subgroups_omitted: 0,
                rve_dropped: 0,
            }
        } else {
            let fit = model.fit(es)?;
            let sg = match &self.by {
                Some(by) => Some(subgroups(table, es, by, &model, self.common_tau2)?),
                None => None,
            };
            let omitted = sg.as_ref().map_or(0, |s| s.omitted);
            let robust = self.robust_on(table, &fit, None)?;
            MetaRun {
                report: self.report(fit, sg, None, robust),
                regression_dropped: 0,
                subgroups_omitted: omitted,
                rve_dropped: 0,
            }
        };
        if let Some(c) = &self.cluster {
            let rho = self.rho.unwrap_or(0.8);
            let r = Rve::new(rho, model.get_level())?.fit_table(table, es, c, &self.mods)?;
            run.rve_dropped = r.dropped;
            run.report.rve = Some(r);
        }
        Ok(run)
    }

    fn report(
        &self,
        fit: Fit,
        subgroups: Option<super::subgroup::SubgroupAnalysis>,
        regression: Option<RegressionKeys>,
        robust: Option<RobustFit>,
    ) -> MetaResult {
        MetaResult {
            fit,
            subgroups,
            regression,
            rve: None,
            robust,
            options: self.clone(),
            bayes: None,
        }
    }

    /// Cluster-robust inference on the fitted model: the random-effects `fit`, or the
    /// meta-regression `reg` whose studies `fit` lists.
    fn robust_on(
        &self,
        table: &Table,
        fit: &Fit,
        reg: Option<&RegressionFit>,
    ) -> Result<Option<RobustFit>> {
        let Some(col) = &self.robust else {
            return Ok(None);
        };
        let r = Robust::new(self.robust_type.unwrap_or_default(), self.model.get_level())?;
        let ids = cluster_ids(table, col, fit.studies.iter().map(|s| s.row))?;
        Ok(Some(match reg {
            Some(reg) => r.fit_regression(reg, &ids)?,
            None => r.fit_random_effects(fit, &ids)?,
        }))
    }
}

/// How a prediction from a cluster-robust fit was formed (metafor's `predict()` on a `robust()`
/// fit): the robust covariance and its df.
fn robust_prediction_label(kind: super::robust::RobustType) -> String {
    match kind {
        super::robust::RobustType::Cr1 => "cluster-robust CR1 covariance, t on J - p df (metafor robust())".into(),
        super::robust::RobustType::Cr2 => "cluster-robust CR2 covariance, t on the Satterthwaite df of the prediction (clubSandwich, metafor robust(clubSandwich = TRUE))".into(),
    }
}
