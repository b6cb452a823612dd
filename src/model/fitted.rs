//! The interface every fitted model shares, in the spirit of metafor's methods `coef`, `vcov`,
//! `logLik`, `fitted`, `residuals` and `predict`: [`Fitted`].
//!
//! Implemented by the univariate fit ([`Fit`]), the meta-regression ([`RegressionFit`], and
//! [`ModeratorFit`], which also knows its estimator and so its log-likelihood), the multilevel
//! model ([`MultilevelFit`] and its table-level result [`MultilevelTable`]) and the network
//! ([`NetworkFit`]: the random-effects treatment effects against the reference). Printing a
//! coefficient table, predicting at moderator values and inference after the fit can then be
//! written once, over the trait.
//!
//! # Formulas
//! * Univariate log-likelihood (metafor `logLik.rma`), `w_i = 1/(v_i + τ²)`,
//!   `RSS = Σ w_i (y_i − μ̂)²`: under REML
//!   `−½(k − 1) ln 2π + ½ ln k − ½ Σ ln(v_i + τ²) − ½ ln Σw_i − ½ RSS`; under every other
//!   estimator the ML log-likelihood at the estimated τ²,
//!   `−½ k ln 2π − ½ Σ ln(v_i + τ²) − ½ RSS` (τ² = 0 for the common-effect model).
//! * Meta-regression: the same with `X` in place of the intercept, `ln det(XᵀX)` for `ln k`,
//!   `ln det(XᵀWX)` for `ln Σw` and `k − p` for `k − 1` under REML.
//! * Network: the covariance of the effects against the reference `r` is
//!   `C_ab = f·(Σ_ab − Σ_ar − Σ_rb + Σ_rr)`, `Σ` the covariance of the treatment effects and
//!   `f` the Hartung–Knapp factor of the confidence intervals (1 unless asked for).

use nalgebra::{DMatrix, DVector};

use super::multilevel::{MultilevelFit, MultilevelTable};
use super::network::NetworkFit;
use super::prediction::{at as prediction_at, Prediction};
use super::regression::{Coefficient, ModeratorFit, RegressionFit};
use super::{Estimate, Fit, Tau2Method};
use crate::dist;
use crate::error::{Error, Setting};

/// A fitted model: its coefficient table, their covariance, its log-likelihood, fitted values,
/// residuals and predictions (metafor's `coef(summary(fit))`, `vcov`, `logLik`, `fitted`,
/// `residuals`, `predict`).
///
/// The coefficients are the crate's [`Coefficient`] records (name, [`Estimate`] with SE,
/// statistic, p-value and CI, and the df of a t test), in the order of the model's design
/// (intercept first). The trait is object safe: `&dyn Fitted` takes any fit.
///
/// # Examples
///
/// ```
/// use peerstat::effect::{EffectSizes, Measure};
/// use peerstat::model::{Fitted, RandomEffects};
/// // dat.bcg log risk ratios (metafor escalc "RR")
/// let yi = [-0.8893113, -1.5853887, -1.3480731, -1.4415512, -0.2175473, -0.7861155,
///           -1.6208982, 0.0119523, -0.4694176, -1.3713448, -0.3393588, 0.4459134, -0.0173139];
/// let vi = [0.3255848, 0.1943247, 0.4153718, 0.0200360, 0.0512130, 0.0069063,
///           0.2230176, 0.0039626, 0.0564342, 0.0730164, 0.0124495, 0.5325058, 0.0714046];
/// let es = EffectSizes::from_slices(Measure::Rr, &yi, &vi).unwrap();
/// let fit = RandomEffects::new().fit(&es).unwrap(); // REML
///
/// let table = fit.coefficients(); // one row, "intrcpt"
/// assert_eq!(table[0].name, "intrcpt");
/// assert!((fit.coef()[0] - (-0.7145)).abs() < 1e-4);
/// assert!((fit.vcov()[(0, 0)].sqrt() - 0.1798).abs() < 1e-4); // the SE
/// // metafor: logLik(rma(yi, vi, data = dat.bcg)) = -12.2024 (restricted)
/// assert!((fit.log_likelihood().unwrap() - (-12.2024)).abs() < 1e-3);
/// let resid = fit.residuals().unwrap();
/// assert!((resid[0] - (yi[0] - fit.coef()[0])).abs() < 1e-12);
/// // predict(res): the pooled effect with its 95 % prediction interval
/// let p = fit.predict(&[], 95.0).unwrap();
/// assert!((p.pi_lower - fit.summary.pi_lower).abs() < 1e-12);
/// // an intercept-only model has no moderators to predict at
/// assert!(fit.predict(&[1.0], 95.0).is_err());
///
/// // any fit through one interface
/// let models: Vec<&dyn Fitted> = vec![&fit];
/// assert_eq!(models[0].coefficients().len(), 1);
/// ```
pub trait Fitted {
    /// The coefficient table (metafor `coef(summary(fit))`): every coefficient with its
    /// estimate, SE, test statistic, p-value, CI and, under t tests, df.
    fn coefficients(&self) -> Vec<Coefficient>;

    /// The covariance matrix of the coefficients (metafor `vcov`), p × p in the order of
    /// [`Fitted::coefficients`]; its diagonal holds the squared SEs.
    fn vcov(&self) -> DMatrix<f64>;

    /// The log-likelihood at the estimates (metafor `logLik`; restricted under REML), or `None`
    /// where the model keeps no likelihood (a network by generalised DerSimonian–Laird, a
    /// meta-regression that does not record its estimator).
    fn log_likelihood(&self) -> Option<f64>;

    /// The fitted values `Xβ̂`, one per effect (metafor `fitted`), or `None` where the fit keeps
    /// no design (a network).
    fn fitted_values(&self) -> Option<Vec<f64>>;

    /// The residuals `y − Xβ̂`, one per effect (metafor `residuals`), or `None` where the fit
    /// keeps no data (a network).
    fn residuals(&self) -> Option<Vec<f64>>;

    /// The variance of a new study's true effect around the model's prediction, which widens
    /// the prediction interval: τ² (univariate, residual τ² of a meta-regression, network), the
    /// sum of the variance components of a multilevel model (plus a structured term's single τ²;
    /// NaN for a structured term with several).
    fn tau2(&self) -> f64;

    /// The design matrix `X` of the coefficients, one row per effect in the order of
    /// [`Fitted::residuals`], or `None` where the fit keeps none (or its effects are not
    /// independent given the coefficients: multilevel and network fits).
    fn design(&self) -> Option<DMatrix<f64>> {
        None
    }

    /// The weight of each effect in the estimate, `1/(vᵢ + τ̂²)`, for a fit of independent
    /// effects, or `None` (multilevel and network fits).
    fn weights(&self) -> Option<Vec<f64>> {
        None
    }

    /// The estimates alone (metafor `coef`).
    fn coef(&self) -> Vec<f64> {
        self.coefficients().iter().map(|c| c.est.estimate).collect()
    }

    /// The prediction at moderator values `newmods` (metafor `predict(fit, newmods = …)`), one
    /// value per coefficient after the intercept (none for a model without moderators): the
    /// predicted effect, its CI from [`Fitted::vcov`] and the prediction interval adding
    /// [`Fitted::tau2`], at `level` percent, with the coefficients' critical value (t on the
    /// smallest df among the coefficients used, or normal).
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::NewMods`]) for a wrong number of values, a value that is
    /// not finite, or a model without an intercept to predict from (a network).
    fn predict(&self, newmods: &[f64], level: f64) -> Result<Prediction, Error> {
        let coefficients = self.coefficients();
        let beta = DVector::from_iterator(
            coefficients.len(),
            coefficients.iter().map(|c| c.est.estimate),
        );
        let dfs: Option<Vec<f64>> = coefficients.iter().map(|c| c.df).collect();
        prediction_at(
            newmods,
            &beta,
            &self.vcov(),
            self.tau2(),
            dfs.as_deref(),
            level,
        )
    }
}

impl Fitted for Fit {
    /// The pooled effect as one coefficient `intrcpt` (SE, CI and test as in the summary, with
    /// the Knapp–Hartung df under Knapp–Hartung).
    fn coefficients(&self) -> Vec<Coefficient> {
        let s = &self.summary;
        vec![Coefficient {
            name: "intrcpt".to_string(),
            est: Estimate {
                estimate: s.estimate,
                se: s.se,
                ci_lower: s.ci_lower,
                ci_upper: s.ci_upper,
                statistic: s.statistic,
                p_value: s.p_value,
            },
            df: s.df.is_finite().then_some(s.df),
        }]
    }

    fn vcov(&self) -> DMatrix<f64> {
        DMatrix::from_element(1, 1, self.summary.se * self.summary.se)
    }

    /// Restricted under REML, else the ML log-likelihood at the estimated (or held) τ², as
    /// metafor.
    fn log_likelihood(&self) -> Option<f64> {
        let (tau2, mu) = (self.summary.tau2, self.summary.estimate);
        let k = self.studies.len() as f64;
        let (mut sum_w, mut sum_ln_w, mut rss) = (0.0, 0.0, 0.0);
        for st in &self.studies {
            let w = 1.0 / (st.vi + tau2);
            sum_w += w;
            sum_ln_w += w.ln();
            rss += w * (st.yi - mu) * (st.yi - mu);
        }
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        Some(if self.method == Tau2Method::Reml {
            -0.5 * (k - 1.0) * ln2pi + 0.5 * k.ln() + 0.5 * sum_ln_w - 0.5 * sum_w.ln() - 0.5 * rss
        } else {
            -0.5 * k * ln2pi + 0.5 * sum_ln_w - 0.5 * rss
        })
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        Some(vec![self.summary.estimate; self.studies.len()])
    }

    fn residuals(&self) -> Option<Vec<f64>> {
        let mu = self.summary.estimate;
        Some(self.studies.iter().map(|s| s.yi - mu).collect())
    }

    fn tau2(&self) -> f64 {
        self.summary.tau2
    }

    /// A column of ones (the intercept).
    fn design(&self) -> Option<DMatrix<f64>> {
        Some(DMatrix::from_element(self.studies.len(), 1, 1.0))
    }

    fn weights(&self) -> Option<Vec<f64>> {
        let tau2 = self.summary.tau2;
        Some(self.studies.iter().map(|s| 1.0 / (s.vi + tau2)).collect())
    }
}

impl Fitted for RegressionFit {
    fn coefficients(&self) -> Vec<Coefficient> {
        self.coefficients.clone()
    }

    fn vcov(&self) -> DMatrix<f64> {
        self.vb.clone()
    }

    /// `None`: the fit does not record whether τ² came from REML; [`ModeratorFit`] gives it.
    fn log_likelihood(&self) -> Option<f64> {
        None
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        Some(design_times_beta(&self.x, &self.coefficients))
    }

    fn residuals(&self) -> Option<Vec<f64>> {
        Some(self.residuals.clone())
    }

    fn tau2(&self) -> f64 {
        self.tau2
    }

    fn design(&self) -> Option<DMatrix<f64>> {
        Some(self.x.clone())
    }

    fn weights(&self) -> Option<Vec<f64>> {
        Some(self.weights.clone())
    }
}

impl Fitted for ModeratorFit {
    fn coefficients(&self) -> Vec<Coefficient> {
        self.regression.coefficients()
    }

    fn vcov(&self) -> DMatrix<f64> {
        self.regression.vcov()
    }

    /// Restricted under REML, else the ML log-likelihood at the estimated τ², as metafor.
    fn log_likelihood(&self) -> Option<f64> {
        regression_loglik(&self.regression, self.fit.method == Tau2Method::Reml)
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        self.regression.fitted_values()
    }

    fn residuals(&self) -> Option<Vec<f64>> {
        self.regression.residuals()
    }

    fn tau2(&self) -> f64 {
        self.regression.tau2
    }

    fn design(&self) -> Option<DMatrix<f64>> {
        self.regression.design()
    }

    fn weights(&self) -> Option<Vec<f64>> {
        self.regression.weights()
    }
}

/// `Xβ̂` for design `x` and coefficients `coefficients`.
fn design_times_beta(x: &DMatrix<f64>, coefficients: &[Coefficient]) -> Vec<f64> {
    let beta = DVector::from_iterator(
        coefficients.len(),
        coefficients.iter().map(|c| c.est.estimate),
    );
    (x * beta).iter().copied().collect()
}

/// The (restricted when `reml`) log-likelihood of a meta-regression from its design, model
/// weights and residuals; `None` for a singular `XᵀX` or `XᵀWX`.
fn regression_loglik(r: &RegressionFit, reml: bool) -> Option<f64> {
    let (k, p) = (r.x.nrows() as f64, r.x.ncols() as f64);
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    let sum_ln_w: f64 = r.weights.iter().map(|w| w.ln()).sum();
    let rss: f64 = r
        .weights
        .iter()
        .zip(&r.residuals)
        .map(|(w, e)| w * e * e)
        .sum();
    if !reml {
        return Some(-0.5 * k * ln2pi + 0.5 * sum_ln_w - 0.5 * rss);
    }
    let mut xw = r.x.clone();
    for (mut row, &w) in xw.row_iter_mut().zip(&r.weights) {
        row *= w;
    }
    let ln_det = |m: DMatrix<f64>| {
        m.cholesky()
            .map(|c| 2.0 * c.l().diagonal().iter().map(|d| d.ln()).sum::<f64>())
    };
    let ln_det_xx = ln_det(r.x.transpose() * &r.x)?;
    let ln_det_xwx = ln_det(r.x.transpose() * xw)?;
    Some(-0.5 * (k - p) * ln2pi + 0.5 * ln_det_xx + 0.5 * sum_ln_w - 0.5 * ln_det_xwx - 0.5 * rss)
}

impl Fitted for MultilevelFit {
    fn coefficients(&self) -> Vec<Coefficient> {
        self.coefficients.clone()
    }

    fn vcov(&self) -> DMatrix<f64> {
        self.vb.clone()
    }

    /// Restricted under REML (metafor `logLik.rma`, as `loglik`).
    fn log_likelihood(&self) -> Option<f64> {
        Some(self.loglik)
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        Some(design_times_beta(self.working.x(), &self.coefficients))
    }

    fn residuals(&self) -> Option<Vec<f64>> {
        Some(self.working.residuals().to_vec())
    }

    fn tau2(&self) -> f64 {
        let structured = match &self.structured {
            Some(st) if st.struct_tau2.len() == 1 => st.struct_tau2[0],
            Some(_) => f64::NAN,
            None => 0.0,
        };
        self.sigma2.iter().sum::<f64>() + structured
    }
}

impl Fitted for MultilevelTable {
    fn coefficients(&self) -> Vec<Coefficient> {
        self.fit.coefficients()
    }

    fn vcov(&self) -> DMatrix<f64> {
        self.fit.vcov()
    }

    fn log_likelihood(&self) -> Option<f64> {
        self.fit.log_likelihood()
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        self.fit.fitted_values()
    }

    fn residuals(&self) -> Option<Vec<f64>> {
        self.fit.residuals()
    }

    fn tau2(&self) -> f64 {
        self.fit.tau2()
    }
}

/// The random-effects network: one coefficient per treatment but the reference (its effect
/// against the reference, in `treatments` order), with the random-effects CIs (normal, or t on
/// the network's df under `t-dist`/Hartung–Knapp, whose factor scales the SEs and covariance).
impl Fitted for NetworkFit {
    fn coefficients(&self) -> Vec<Coefficient> {
        let df = self.random_ci_df.map(|d| d as f64);
        self.random
            .estimates
            .iter()
            .filter(|e| e.treatment != self.reference)
            .map(|e| {
                let statistic = e.estimate / e.se;
                Coefficient {
                    name: e.treatment.clone(),
                    est: Estimate {
                        estimate: e.estimate,
                        se: e.se,
                        ci_lower: e.ci_lower,
                        ci_upper: e.ci_upper,
                        statistic,
                        p_value: match df {
                            Some(d) => dist::t_p2(statistic, d),
                            None => dist::norm_p2(statistic),
                        },
                    },
                    df,
                }
            })
            .collect()
    }

    fn vcov(&self) -> DMatrix<f64> {
        let cov = self.random.covariance();
        let r = self
            .treatments
            .iter()
            .position(|t| *t == self.reference)
            .unwrap_or(0);
        let others: Vec<usize> = (0..self.treatments.len()).filter(|&t| t != r).collect();
        let f = self.random_ci_factor;
        DMatrix::from_fn(others.len(), others.len(), |i, j| {
            let (a, b) = (others[i], others[j]);
            f * (cov[(a, b)] - cov[(a, r)] - cov[(r, b)] + cov[(r, r)])
        })
    }

    /// The restricted log-likelihood under REML; `None` under generalised DerSimonian–Laird.
    fn log_likelihood(&self) -> Option<f64> {
        self.loglik
    }

    fn fitted_values(&self) -> Option<Vec<f64>> {
        None
    }

    fn residuals(&self) -> Option<Vec<f64>> {
        None
    }

    fn tau2(&self) -> f64 {
        self.tau2
    }

    /// Always an error: a network has no intercept and no moderators to predict at (its
    /// prediction intervals per treatment are in `random.estimates`).
    fn predict(&self, _newmods: &[f64], _level: f64) -> Result<Prediction, Error> {
        Err(Error::setting(
            Setting::NewMods,
            "a network meta-analysis has no moderators to predict at (see the prediction intervals of the random-effects estimates)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::data::{read_table, ColumnMap, Table};
    use crate::effect::{EffectOptions, EffectSizes, Measure};
    use crate::model::multilevel::{MultilevelMethod, MultilevelModel};
    use crate::model::network::{table, Network, NetworkMethod};
    use crate::model::regression::MetaRegression;
    use crate::model::RandomEffects;

    fn close(what: &str, got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() <= tol * want.abs().max(1.0),
            "{what}: got {got}, want {want}"
        );
    }

    fn fixture(name: &str, measure: Measure) -> (Table, EffectSizes) {
        let t = read_table(
            Path::new(&format!("fixtures/{name}.csv")),
            &ColumnMap::new(),
        )
        .unwrap();
        let es = EffectSizes::compute(&t, measure, &EffectOptions::default()).unwrap();
        (t, es)
    }

    /// logLik, coef and vcov of rma(yi, vi, data = dat.bcg, measure = "RR") against metafor
    /// (fixtures/metafor/reference.json).
    #[test]
    fn univariate_matches_metafor() {
        let (_, es) = fixture("bcg", Measure::Rr);
        for (method, loglik) in [
            (Tau2Method::Reml, -12.20237141549357),
            (Tau2Method::Ml, -12.66507634827681),
            (Tau2Method::Dl, -12.682335781427907),
            (Tau2Method::Pm, -12.69433691621574),
            (Tau2Method::Ee, -70.22356990443093),
        ] {
            let fit = RandomEffects::new().method(method).fit(&es).unwrap();
            close(
                &format!("{method} logLik"),
                fit.log_likelihood().unwrap(),
                loglik,
                1e-7,
            );
            let c = &fit.coefficients()[0];
            assert_eq!(c.est.estimate, fit.summary.estimate);
            assert_eq!(c.est.p_value, fit.summary.p_value);
            assert_eq!(c.df, None);
            assert_eq!(fit.vcov()[(0, 0)], fit.summary.se * fit.summary.se);
        }
        let fit = RandomEffects::new().knha(true).fit(&es).unwrap();
        close("REML estimate", fit.coef()[0], -0.7145323421581394, 1e-8);
        close(
            "KH se",
            fit.vcov()[(0, 0)].sqrt(),
            0.18079174409284787,
            1e-7,
        );
        assert_eq!(fit.coefficients()[0].df, Some(12.0));
        // predict(res): the model's own prediction interval (t on k - 1 df under KH).
        let p = fit.predict(&[], 95.0).unwrap();
        assert_eq!(p.df, Some(12.0));
        close("pred", p.pred, fit.summary.estimate, 1e-12);
        close("pi.lb", p.pi_lower, fit.summary.pi_lower, 1e-12);
        close("pi.ub", p.pi_upper, fit.summary.pi_upper, 1e-12);
        close("ci.lb", p.ci_lower, fit.summary.ci_lower, 1e-12);
        let (fitted, resid) = (fit.fitted_values().unwrap(), fit.residuals().unwrap());
        assert_eq!(resid.len(), 13);
        for ((f, e), s) in fitted.iter().zip(&resid).zip(&fit.studies) {
            close("fitted + residual", f + e, s.yi, 1e-12);
        }
        assert!(fit.predict(&[1.0], 95.0).is_err());
    }

    /// rma.uni's REML log-likelihood on konstantopoulos2011 (as recorded beside the multilevel
    /// references, fixtures/metafor/multilevel_inference.json).
    #[test]
    fn univariate_loglik_konstantopoulos() {
        let (_, es) = fixture("konstantopoulos2011", Measure::Gen);
        let fit = RandomEffects::new().fit(&es).unwrap();
        close(
            "logLik",
            fit.log_likelihood().unwrap(),
            -16.84549945261063,
            1e-7,
        );
    }

    /// rma(yi, vi, mods = ~ ablat, data = dat.bcg): coefficients (fixtures/metafor/
    /// moderators.json), vcov against the SEs, logLik against rma.mv(random = ~ 1 | study).
    #[test]
    fn regression_matches_metafor() {
        let (t, es) = fixture("bcg", Measure::Rr);
        let mods = ["ablat".to_string()];
        for method in [Tau2Method::Reml, Tau2Method::Ml] {
            let m = MetaRegression::new(RandomEffects::new().method(method))
                .fit_table(&t, &es, &mods, None)
                .unwrap();
            let ll = m.log_likelihood().unwrap();
            let ml = if method == Tau2Method::Reml {
                MultilevelMethod::Reml
            } else {
                MultilevelMethod::Ml
            };
            let mv = MultilevelModel::new()
                .method(ml)
                .fit_table(&t, &es, &["study".to_string()], &mods)
                .unwrap();
            close(
                &format!("{method} logLik vs rma.mv"),
                ll,
                mv.fit.loglik,
                1e-6,
            );
            assert_eq!(m.regression.log_likelihood(), None);
        }
        let m = MetaRegression::new(RandomEffects::new())
            .fit_table(&t, &es, &mods, None)
            .unwrap();
        let r = &m.regression;
        let want = [
            (0.2514682099787292, 0.2490953966772501),
            (-0.029101725011180992, 0.007195327222568716),
        ];
        let v = r.vcov();
        for (j, (c, (est, se))) in r.coefficients().iter().zip(want).enumerate() {
            close("estimate", c.est.estimate, est, 1e-7);
            close("se", c.est.se, se, 1e-6);
            close("vcov diagonal", v[(j, j)].sqrt(), se, 1e-6);
        }
        close("vcov symmetric", v[(0, 1)], v[(1, 0)], 1e-12);
        assert!(
            v[(0, 1)] < 0.0,
            "intercept and latitude are negatively correlated"
        );
        let y: Vec<f64> = m.fit.studies.iter().map(|s| s.yi).collect();
        let (f, e) = (r.fitted_values().unwrap(), r.residuals().unwrap());
        for i in 0..y.len() {
            close("fitted + residual", f[i] + e[i], y[i], 1e-10);
        }
        let p = m.predict(&[30.0], 95.0).unwrap();
        assert_eq!(p, r.predict(&[30.0], 95.0).unwrap());
        close(
            "pred",
            p.pred,
            0.2514682099787292 - 30.0 * 0.029101725011180992,
            1e-7,
        );
        assert!(m.predict(&[], 95.0).is_err());
    }

    /// rma.mv(random = ~ 1 | district/school) on konstantopoulos2011: logLik and predict
    /// (fixtures/metafor/multilevel_inference.json).
    #[test]
    fn multilevel_matches_metafor() {
        let (t, es) = fixture("konstantopoulos2011", Measure::Gen);
        let random = ["district".to_string(), "school".to_string()];
        let r = MultilevelModel::new()
            .fit_table(&t, &es, &random, &[])
            .unwrap();
        close(
            "logLik",
            r.log_likelihood().unwrap(),
            -7.958724033710968,
            1e-7,
        );
        assert_eq!(r.fit.log_likelihood(), Some(r.fit.loglik));
        close("tau2", r.tau2(), r.fit.sigma2[0] + r.fit.sigma2[1], 1e-15);
        let p = r.predict(&[], 95.0).unwrap();
        close("pred", p.pred, 0.18471316367288151, 1e-6);
        close("se", p.se, 0.08455591874205966, 1e-6);
        close("pi.lb", p.pi_lower, -0.4502309700846512, 1e-6);
        close("pi.ub", p.pi_upper, 0.8196572974304142, 1e-6);
        assert_eq!(r.coefficients(), r.fit.coefficients);
        assert_eq!(r.vcov(), r.fit.vb);
        let e = r.residuals().unwrap();
        assert_eq!(e.len(), 56);
        close("residual 1", e[0], -0.18 - p.pred, 1e-12);
        let f = r.fitted_values().unwrap();
        assert!(f.iter().all(|f| (f - p.pred).abs() < 1e-12));
    }

    /// The REML network on the toy data: coefficients, vcov and logLik of metafor's
    /// contrast-based rma.mv (fixtures/metafor/network.json).
    #[test]
    fn network_matches_metafor() {
        let t = read_table(Path::new("fixtures/nma_toy.csv"), &ColumnMap::new()).unwrap();
        let c = table::contrasts_from_rows(&t, "study").unwrap();
        let fit = Network::new()
            .reference("A")
            .method(NetworkMethod::Reml)
            .fit(&c)
            .unwrap();
        let coefs = fit.coefficients();
        let names: Vec<&str> = coefs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["B", "C", "D"]);
        close("B", coefs[0].est.estimate, -0.893795393414367, 1e-6);
        close("B se", coefs[0].est.se, 0.278704465913513, 1e-6);
        assert_eq!(coefs[0].df, None);
        let want = [
            [0.0776761793201365, 0.037125923334704, 0.037125923334704],
            [0.037125923334704, 0.104242316351295, 0.104242316351295],
            [0.037125923334704, 0.104242316351295, 0.426729137055085],
        ];
        let v = fit.vcov();
        for (i, row) in want.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                close(&format!("vcov[{i},{j}]"), v[(i, j)], *w, 1e-6);
            }
        }
        close(
            "logLik",
            fit.log_likelihood().unwrap(),
            -3.03857417475281,
            1e-6,
        );
        assert_eq!(fit.fitted_values(), None);
        assert!(fit.predict(&[], 95.0).is_err());
        let dl = Network::new().reference("A").fit(&c).unwrap();
        assert_eq!(dl.log_likelihood(), None);
        close("DL tau2", dl.tau2(), 0.19496398603995, 1e-8);
    }
}
