//! The fits one `meta` request asks for, combined into a [`MetaResult`]: the random-effects fit
//! or the meta-regression, subgroups, cluster-robust inference and robust variance estimation.
//! The CLI and the Python module both call [`MetaOptions::fit`].

use super::blup::Blups;
use super::regression::{MetaRegression, RegressionFit};
use super::robust::{cluster_ids, Robust, RobustFit};
use super::rve::Rve;
use super::subgroup::subgroups;
use super::{Fit, MetaOptions, MetaResult, RandomEffects, RegressionKeys};
use crate::data::Table;
use crate::effect::{EffectOptions, EffectSizes};
use nalgebra::DVector;

use super::contrast::{contrast, Contrast};
use crate::error::{Error, Result, Setting};

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
            blup: false,
            contrasts: Vec::new(),
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
        self.check_contrasts()?;
        let mut run = if !self.mods.is_empty() {
            let m =
                MetaRegression::new(model).fit_table(table, es, &self.mods, self.permutations)?;
            let robust = self.robust_on(table, &m.fit, Some(&m.regression))?;
            let blups = self
                .blup
                .then(|| Blups::of_regression(&m.fit, &m.regression, model.get_level()));
            let mut keys = RegressionKeys::new(&m.regression, m.permutation);
            keys.contrasts = self.contrasts_of(&m.regression)?;
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
            let mut report = self.report(m.fit, None, Some(keys), robust);
            report.blups = blups;
            MetaRun {
                report,
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
            let blups = self.blup.then(|| Blups::of_fit(&fit));
            let mut report = self.report(fit, sg, None, robust);
            report.blups = blups;
            MetaRun {
                report,
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
            blups: None,
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

impl MetaOptions {
    /// Contrasts need a meta-regression and model-based inference.
    fn check_contrasts(&self) -> Result<()> {
        if self.contrasts.is_empty() {
            return Ok(());
        }
        if self.mods.is_empty() {
            return Err(Error::setting(
                Setting::Contrast,
                "contrasts compare the coefficients of a meta-regression: give the moderators (--mods)",
            ));
        }
        if self.robust.is_some() {
            return Err(Error::setting(
                Setting::Contrast,
                "contrasts use the model-based covariance of the coefficients; with cluster-robust inference (--robust) they are not available yet",
            ));
        }
        Ok(())
    }

    /// The contrasts asked for, on the coefficients of `reg` (t on its df under Knapp–Hartung).
    fn contrasts_of(&self, reg: &RegressionFit) -> Result<Option<Vec<Contrast>>> {
        if self.contrasts.is_empty() {
            return Ok(None);
        }
        let names: Vec<String> = reg.coefficients.iter().map(|c| c.name.clone()).collect();
        let beta =
            DVector::from_iterator(names.len(), reg.coefficients.iter().map(|c| c.est.estimate));
        let df = reg.df.is_finite().then_some(reg.df);
        self.contrasts
            .iter()
            .map(|c| contrast(c, &names, &beta, &reg.vb, df, self.model.get_level()))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

/// How a prediction from a cluster-robust fit was formed (metafor's `predict()` on a `robust()`
/// fit): the robust covariance and its df.
fn robust_prediction_label(kind: super::robust::RobustType) -> String {
    match kind {
        super::robust::RobustType::Cr1 => "cluster-robust CR1 covariance, t on J - p df (metafor robust())".into(),
        super::robust::RobustType::Cr0 => "cluster-robust CR0 covariance, t on J - p df (metafor robust(adjust = FALSE))".into(),
        super::robust::RobustType::Cr2 => "cluster-robust CR2 covariance, t on the Satterthwaite df of the prediction (clubSandwich, metafor robust(clubSandwich = TRUE))".into(),
    }
}
