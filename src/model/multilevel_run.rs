//! What one `meta --random` request asks for, combined into a [`MultilevelResult`]: the
//! multilevel fit on table columns, the likelihood-ratio test against the model without one
//! random factor, cluster-robust inference, and the refits across a grid of `vcalc`'s ρ. The CLI
//! and the Python module both call [`MultilevelOptions::fit`].

use super::multilevel::{
    likelihood_ratio, random_effects, CovSource, MultilevelModel, MultilevelTable, RandomTerms,
};
use super::robust::{cluster_ids, MultilevelResult, RhoRow, Robust, RobustFit};
use nalgebra::DVector;

use super::contrast::{contrast, Contrast, Vcov};
use super::multilevel::MultilevelFit;
use crate::data::Table;
use crate::effect::EffectSizes;
use crate::error::{Error, Result, Setting};

/// The options of a multilevel analysis on table columns (see [`MultilevelOptions::fit`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MultilevelOptions {
    /// The model (method, test, held components, structure, profile CIs …).
    pub model: MultilevelModel,
    /// The random-effects terms.
    pub terms: RandomTerms,
    /// The moderator columns (empty: intercept only).
    pub mods: Vec<String>,
    /// Where the sampling covariances come from (`None`: `vi` on the diagonal).
    pub cov: Option<CovSource>,
    /// The variance components held at given values (one per nested factor, outer first;
    /// `None` entries estimated), as given to the model: the reduced model of
    /// [`MultilevelOptions::lrt_drop`] holds the dropped one at 0 besides these.
    pub sigma2: Option<Vec<Option<f64>>>,
    /// A nested random factor to test by a likelihood-ratio test against the model without it
    /// (its variance component held at 0; metafor `anova(full, reduced)`).
    pub lrt_drop: Option<String>,
    /// Cluster-robust inference on the fit, clustered by the named column.
    pub robust: Option<(Robust, String)>,
    /// Values of `vcalc`'s ρ at which the model is refitted (no profile CIs), each row with the
    /// robust SE and df when [`MultilevelOptions::robust`] is set. Needs a `vcalc` covariance.
    pub rho_grid: Vec<f64>,
    /// Whether to predict the random effects of every level of every nested term (metafor
    /// `ranef()`).
    pub blup: bool,
    /// Linear contrasts of the coefficients (metafor `anova(fit, X = …)`).
    pub contrasts: Vec<String>,
}

/// A [`MultilevelResult`] with the effects the fit left out, for the caller to report.
#[derive(Debug, Clone, PartialEq)]
pub struct MultilevelRun {
    /// The combined result.
    pub report: MultilevelResult,
    /// Effects left out of the model (missing moderator value).
    pub dropped: usize,
}

impl MultilevelOptions {
    /// Options for `model` with the terms `terms`, and nothing else asked for.
    pub fn new(model: MultilevelModel, terms: RandomTerms) -> Self {
        MultilevelOptions {
            model,
            terms,
            mods: Vec::new(),
            cov: None,
            sigma2: None,
            lrt_drop: None,
            robust: None,
            rho_grid: Vec::new(),
            blup: false,
            contrasts: Vec::new(),
        }
    }

    /// The columns the options name: the random factors, the moderators, the covariance
    /// columns and the robust cluster column.
    pub fn columns(&self) -> Vec<&str> {
        let mut named: Vec<&str> = self.terms.nested.iter().map(String::as_str).collect();
        if let Some((i, o)) = &self.terms.structured {
            named.extend([i.as_str(), o.as_str()]);
        }
        named.extend(self.mods.iter().map(String::as_str));
        match &self.cov {
            Some(CovSource::Vcalc(s)) => named.extend(s.columns()),
            Some(CovSource::Columns(c)) => named.extend(c.iter().map(String::as_str)),
            None => {}
        }
        named.extend(self.robust.iter().map(|(_, c)| c.as_str()));
        named
    }

    /// Checks the options that need no data: the factor of `lrt_drop` (its position among the
    /// nested factors) and that a ρ grid has a `vcalc` covariance to vary.
    ///
    /// # Errors
    /// [`Error::Setting`] naming the problem.
    pub fn check(&self) -> Result<Option<usize>> {
        if !self.rho_grid.is_empty() && !matches!(self.cov, Some(CovSource::Vcalc(_))) {
            return Err(Error::setting(
                Setting::SamplingCovariance,
                "a rho grid refits the model at each rho of the vcalc covariance: give vcalc",
            ));
        }
        if let Some(r) = self
            .rho_grid
            .iter()
            .find(|r| !(r.is_finite() && r.abs() <= 1.0))
        {
            return Err(Error::setting(
                Setting::SamplingCovariance,
                format!("rho grid: {r} is not a correlation (between -1 and 1)"),
            ));
        }
        let factors = &self.terms.nested;
        self.lrt_drop
            .as_ref()
            .map(|name| {
                factors
                    .iter()
                    .position(|f| f.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        Error::setting(
                            Setting::Random,
                            format!(
                                "lrt drop {name}: not a nested random factor (factors: {})",
                                factors.join(", ")
                            ),
                        )
                    })
            })
            .transpose()
    }

    /// Fits what the options ask for on `table` and its effect sizes `es`: the model, the
    /// likelihood-ratio test of `lrt_drop`, cluster-robust inference by `robust` and the refits
    /// across `rho_grid`.
    ///
    /// # Errors
    /// [`MultilevelOptions::check`]'s errors, then those of the fits: missing columns, too few
    /// effects or clusters, bad settings, no convergence.
    pub fn fit(&self, table: &Table, es: &EffectSizes) -> Result<MultilevelRun> {
        let drop = self.check()?;
        let fit = |m: MultilevelModel, cov: Option<&CovSource>| {
            m.fit_table_terms(table, es, &self.terms, &self.mods, cov)
        };
        let mut rep = fit(self.model.clone(), self.cov.as_ref())?;
        if let Some(d) = drop {
            let factors = &self.terms.nested;
            let mut held = self
                .sigma2
                .clone()
                .unwrap_or_else(|| vec![None; factors.len()]);
            if let Some(slot) = held.get_mut(d) {
                *slot = Some(0.0);
            }
            let reduced = fit(
                self.model.clone().profile_ci(false).fix_sigma2(held),
                self.cov.as_ref(),
            )?;
            rep.lrt = Some(likelihood_ratio(&rep.fit, &reduced.fit, &factors[d])?);
        }
        let robust_on = |t: &MultilevelTable| -> Result<Option<RobustFit>> {
            self.robust
                .as_ref()
                .map(|(r, col)| {
                    let ids = cluster_ids(table, col, t.rows.iter().copied())?;
                    r.fit_multilevel(&t.fit, &ids)
                })
                .transpose()
        };
        let robust = robust_on(&rep)?;
        if let (Some(_), Some((r, col))) = (&robust, &self.robust) {
            rep.options.robust = Some(col.clone());
            rep.options.robust_type = Some(r.kind());
        }
        let rho_grid = match (&self.cov, self.rho_grid.is_empty()) {
            (Some(CovSource::Vcalc(s)), false) => {
                let mut rows = Vec::with_capacity(self.rho_grid.len());
                for &rho in &self.rho_grid {
                    let at = CovSource::Vcalc(s.with_rho(rho));
                    let t = fit(self.model.clone().profile_ci(false), Some(&at))?;
                    rows.push(RhoRow::new(rho, &t.fit, robust_on(&t)?.as_ref()));
                }
                Some(rows)
            }
            _ => None,
        };
        let dropped = rep.dropped;
        let contrasts = self.contrasts_of(&rep.fit)?;
        let names: Vec<String> = rep
            .fit
            .coefficients
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let vcov = Vcov::new(&names, &rep.fit.vb);
        let ranef = if self.blup {
            let labels = self.level_labels(table, &rep.rows)?;
            Some(random_effects(&rep.fit, &labels, self.model.get_level())?)
        } else {
            None
        };
        Ok(MultilevelRun {
            report: MultilevelResult {
                table: rep,
                robust,
                rho_grid,
                ranef,
                vcov: Some(vcov),
                contrasts,
            },
            dropped,
        })
    }
}

impl MultilevelOptions {
    /// The contrasts asked for on the coefficients of `fit`: z, or t on the smallest df of the
    /// coefficients a contrast involves.
    fn contrasts_of(&self, fit: &MultilevelFit) -> Result<Option<Vec<Contrast>>> {
        if self.contrasts.is_empty() {
            return Ok(None);
        }
        if self.robust.is_some() {
            return Err(Error::setting(
                Setting::Contrast,
                "contrasts use the model-based covariance of the coefficients; with cluster-robust inference (--robust) they are not available yet",
            ));
        }
        let names: Vec<String> = fit.coefficients.iter().map(|c| c.name.clone()).collect();
        let beta =
            DVector::from_iterator(names.len(), fit.coefficients.iter().map(|c| c.est.estimate));
        let level = self.model.get_level();
        let mut out = Vec::with_capacity(self.contrasts.len());
        for spec in &self.contrasts {
            let z = contrast(spec, &names, &beta, &fit.vb, None, level)?;
            let df = z
                .weights
                .iter()
                .zip(&fit.coefficients)
                .filter(|(w, _)| **w != 0.0)
                .filter_map(|(_, c)| c.df)
                .reduce(f64::min);
            out.push(match df {
                Some(_) => contrast(spec, &names, &beta, &fit.vb, df, level)?,
                None => z,
            });
        }
        Ok(Some(out))
    }

    /// The label of each effect (table `rows`) at each nested level: the factors' values from
    /// the outermost to that level, joined by `/` as metafor labels nested levels (`11/1`).
    fn level_labels(&self, table: &Table, rows: &[usize]) -> Result<Vec<Vec<String>>> {
        let mut out: Vec<Vec<String>> = Vec::with_capacity(self.terms.nested.len());
        for name in &self.terms.nested {
            let col = table
                .get(name)
                .ok_or_else(|| table.missing_column(name, "as a random-effects factor"))?;
            let own: Vec<String> = rows
                .iter()
                .map(|&r| col.key(r).unwrap_or_default())
                .collect();
            let joined = match out.last() {
                Some(outer) => outer
                    .iter()
                    .zip(own)
                    .map(|(o, s)| format!("{o}/{s}"))
                    .collect(),
                None => own,
            };
            out.push(joined);
        }
        Ok(out)
    }
}
