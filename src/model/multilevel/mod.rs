//! Multilevel models with nested random intercepts (metafor `rma.mv(yi, vi, mods, random =
//! ~ 1 | outer/inner)`), GUIDE §9.
//!
//! `y = Xβ + Σ_l Z_l u_l + e`, `u_l ~ N(0, σ²_l I)`, `e ~ N(0, diag(v))`, where level `l` is the
//! combination of the first `l + 1` factors (as metafor's `a/b/c`: `a`, `a/b`, `a/b/c`). The
//! marginal covariance `M = Σ_l σ²_l Z_l Z_lᵀ + diag(v)` is block-diagonal by the outermost
//! factor and is only ever factored block by block.
//!
//! # Formulas
//! * σ² maximise the restricted (REML, default) or full (ML) log-likelihood, by Fisher scoring
//!   with `score_l = −½ tr(P D_l) + ½ yᵀP D_l P y` and `I_lm = ½ tr(P D_l P D_m)`,
//!   `D_l = Z_l Z_lᵀ`, `P = M⁻¹ − M⁻¹X(XᵀM⁻¹X)⁻¹XᵀM⁻¹` (`M⁻¹` in place of `P` under ML); a
//!   component that would turn negative is held at 0.
//! * `β̂ = (XᵀM⁻¹X)⁻¹XᵀM⁻¹y`, `Var(β̂) = (XᵀM⁻¹X)⁻¹`; tests z, or t on `k − p` df or on
//!   containment df per coefficient (`dfs.rs`).
//! * Fit statistics as metafor's `fitstats`: parameters `p + L`; deviance `−2 ll` under REML,
//!   `−2 (ll − ll_saturated)` under ML; `AIC = −2 ll + 2 (p + L)`; `BIC = −2 ll + (p + L) ln n`
//!   with `n = k − p` under REML and `k` under ML.
//! * `QE = (y − Xb)ᵀ V⁻¹ (y − Xb)` with the V-weighted `b`, on `k − p` df.
//! * `I²_l = 100·σ²_l / (Σσ² + ṽ)`, `ṽ = (k − p)/tr(P₀)`, `P₀ = W − WX(XᵀWX)⁻¹XᵀW`, `W = V⁻¹`.
//!
//! # Examples
//!
//! ```
//! use nalgebra::DMatrix;
//! use peerstat::model::multilevel::MultilevelModel;
//! let y = [0.1, 0.3, 0.2, 0.6, 0.7, 0.5, 0.0, -0.1];
//! let v = [0.02, 0.03, 0.02, 0.04, 0.03, 0.02, 0.03, 0.02];
//! let study = vec![0, 0, 1, 1, 2, 2, 3, 3];
//! let esid = vec![0, 1, 0, 1, 0, 1, 0, 1];
//! let x = DMatrix::from_element(8, 1, 1.0);
//! let fit = MultilevelModel::new()
//!     .fit(&y, &v, &[study, esid], &x, &["intrcpt".to_string()])
//!     .unwrap();
//! assert_eq!(fit.sigma2.len(), 2);
//! assert_eq!(fit.sigma2_levels, vec![4, 8]);
//! ```

mod dfs;
mod inference;
mod kernel;
mod levels;
mod lrt;
mod marginal;
mod predict;
mod profile;
mod table;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::dist;
use crate::error::{Error, Setting};
use crate::model::regression::Coefficient;
use crate::model::vcalc::SamplingCovariance;
use crate::model::Estimate;

pub use dfs::MultilevelDfs;
pub use lrt::{likelihood_ratio, Lrt};
pub use marginal::Marginal;
pub(crate) use predict::at as prediction_at;
pub use predict::Prediction;
pub use table::{parse_random, CovSource, MultilevelTable, TableOptions};

/// Estimation method for the variance components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum MultilevelMethod {
    /// Restricted maximum likelihood (metafor's default).
    #[default]
    #[serde(rename = "REML")]
    Reml,
    /// Maximum likelihood.
    #[serde(rename = "ML")]
    Ml,
}

/// The reference distribution of tests and confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MultilevelTest {
    /// Standard normal (metafor `test = "z"`, the default).
    #[default]
    Z,
    /// t (metafor `test = "t"`), on the df of [`MultilevelDfs`].
    T,
}

/// Options of a multilevel model (a builder). Defaults: REML, z tests, 95 %, every variance
/// component estimated, no profile-likelihood intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct MultilevelModel {
    method: MultilevelMethod,
    test: MultilevelTest,
    level: f64,
    max_iter: usize,
    threshold: f64,
    /// Per component, a value it is held at (`None`: estimated); empty: all estimated.
    fixed: Vec<Option<f64>>,
    /// Whether to compute profile-likelihood intervals for the variance components.
    profile: bool,
    /// The df of t tests.
    dfs: MultilevelDfs,
    /// Moderator values at which to predict (after the intercept).
    newmods: Option<Vec<f64>>,
}

impl Default for MultilevelModel {
    fn default() -> Self {
        Self::new()
    }
}

/// A fitted multilevel model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultilevelFit {
    /// Estimation method.
    pub method: MultilevelMethod,
    /// Test used for coefficients.
    pub test: MultilevelTest,
    /// How t tests get their df (`residual`, `contain`).
    pub dfs: MultilevelDfs,
    /// Effects used.
    pub k: usize,
    /// Coefficients in the model.
    pub p: usize,
    /// The first coefficient (the intercept, or the pooled effect without moderators).
    #[serde(flatten)]
    pub first: Estimate,
    /// Degrees of freedom of the first coefficient's t test (`None` for z); every coefficient
    /// carries its own (they differ under [`MultilevelDfs::Contain`]).
    pub df: Option<f64>,
    /// All coefficients, each with its df under t tests.
    pub coefficients: Vec<Coefficient>,
    /// Variance components, outermost level first.
    pub sigma2: Vec<f64>,
    /// Profile-likelihood confidence interval `[lower, upper]` of each variance component
    /// (outermost first; metafor's `confint`), when asked for; `null` bounds for a component
    /// held fixed or a bound that could not be found.
    pub sigma2_ci: Option<Vec<[f64; 2]>>,
    /// Beside `sigma2_ci`, per bound whether it is the end of the search interval rather than a
    /// crossing of the cut-off (metafor prints it with `>`): the true bound lies beyond. Lower
    /// bounds are never capped (a lower bound of 0 is the edge of the parameter space).
    pub sigma2_ci_capped: Option<Vec<[bool; 2]>>,
    /// Whether each component was held at a given value rather than estimated.
    pub sigma2_fixed: Vec<bool>,
    /// Number of distinct levels of each factor (outermost first).
    pub sigma2_levels: Vec<usize>,
    /// The factor of each component, as metafor prints it (`district`, `district/school`).
    pub factors: Vec<String>,
    /// Log-likelihood (restricted under REML).
    pub loglik: f64,
    /// Deviance.
    pub deviance: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Corrected AIC.
    pub aicc: f64,
    /// Test for residual heterogeneity.
    pub qe: f64,
    /// Its degrees of freedom (`k − p`).
    pub qe_df: usize,
    /// Its p-value.
    pub qe_p: f64,
    /// Omnibus test of all coefficients but the first, or of the only one (χ² on `qm_df`, or F
    /// on `(qm_df, qm_df2)` under t tests).
    pub qm: f64,
    /// Its (numerator) degrees of freedom: the number of coefficients tested.
    pub qm_df: usize,
    /// Its denominator df under t tests (`k − p`, or under containment df the smallest df of
    /// the tested coefficients, as metafor).
    pub qm_df2: Option<f64>,
    /// Its p-value.
    pub qm_p: f64,
    /// Typical within-study variance `ṽ`.
    pub vt: f64,
    /// I² per level (percent), outermost first.
    pub i2_levels: Vec<f64>,
    /// Lower bound of the prediction interval for the true effect of a new study (metafor's
    /// `predict`: `estimate ± crit·√(se² + Σσ²)`); `None` with moderators.
    pub pi_lower: Option<f64>,
    /// Upper bound of the prediction interval; `None` with moderators.
    pub pi_upper: Option<f64>,
    /// The prediction at the moderator values asked for (metafor `predict(fit, newmods = …)`),
    /// when asked for.
    pub prediction: Option<Prediction>,
    /// Fisher-scoring iterations.
    pub iterations: usize,
    /// Covariance matrix of the coefficients.
    #[serde(skip)]
    pub vb: DMatrix<f64>,
    /// The fitted working model (design, residuals, marginal covariance), for inference after
    /// the fit such as cluster-robust standard errors.
    #[serde(skip)]
    pub working: Marginal,
}

impl MultilevelModel {
    /// Default options: REML, z tests, 95 %.
    pub fn new() -> Self {
        MultilevelModel {
            method: MultilevelMethod::Reml,
            test: MultilevelTest::Z,
            level: 95.0,
            max_iter: 1000,
            threshold: 1e-10,
            fixed: Vec::new(),
            profile: false,
            dfs: MultilevelDfs::Residual,
            newmods: None,
        }
    }

    /// Holds variance components at given values (metafor `sigma2 = c(0, NA)`): one entry per
    /// random factor, outermost first, `None` for a component to estimate. A held component
    /// counts as no parameter in the fit statistics. An empty list (the default) estimates all.
    pub fn fix_sigma2(mut self, values: Vec<Option<f64>>) -> Self {
        self.fixed = values;
        self
    }

    /// Whether to compute profile-likelihood confidence intervals for the estimated variance
    /// components (`sigma2_ci`; default no): for component `l`, the values of `σ²_l` where
    /// `2·(ll_max − ll_profile(σ²_l))` equals the χ²₁ quantile at the confidence level, the
    /// other components refitted at each value. As metafor's `confint.rma.mv`: the lower bound
    /// is 0 when the deviance at `σ²_l = 0` is below the cut-off, and the search for the upper
    /// bound stops at `max(10, 100·σ̂²_l)` (10 when `σ̂²_l ≤ 1.5e-8`), which is reported when
    /// the deviance there is still below the cut-off.
    pub fn profile_ci(mut self, yes: bool) -> Self {
        self.profile = yes;
        self
    }

    /// Sets how t tests get their degrees of freedom (metafor `dfs`); [`MultilevelDfs::Contain`]
    /// implies t tests, as in metafor.
    pub fn dfs(mut self, dfs: MultilevelDfs) -> Self {
        self.dfs = dfs;
        self
    }

    /// Predicts at these moderator values (`prediction`; metafor `predict(fit, newmods = …)`):
    /// one value per column of the design after the first, which is taken to be the intercept
    /// (factor levels as their 0/1 columns). Its critical value is that of the coefficients'
    /// tests: normal, or t on the smallest df among the coefficients with a non-zero value.
    pub fn newmods(mut self, values: Vec<f64>) -> Self {
        self.newmods = Some(values);
        self
    }

    /// Sets the estimation method.
    pub fn method(mut self, m: MultilevelMethod) -> Self {
        self.method = m;
        self
    }

    /// Sets the test (z, or t on the df of [`MultilevelModel::dfs`]).
    pub fn test(mut self, t: MultilevelTest) -> Self {
        self.test = t;
        self
    }

    /// Confidence level in percent (values in (0.5, 1) are read as proportions).
    ///
    /// # Errors
    /// [`Error::Setting`] outside 50–100 % (exclusive).
    pub fn level(mut self, level: f64) -> Result<Self, Error> {
        self.level = crate::error::check_level(level)?;
        Ok(self)
    }

    /// Maximum Fisher-scoring iterations (default 1000).
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n.max(1);
        self
    }

    /// Fits the model. `levels` holds, per factor and outermost first, an id for every effect
    /// (`[study, esid]`); level `l` is the combination of the first `l + 1` ids. `x` is the
    /// design (intercept first when there is one), `names` its column names.
    ///
    /// # Errors
    /// [`Error::Input`] for inputs of different lengths, non-finite
    /// effects or non-positive variances; [`Error::TooFew`] unless `k > p`, or for a factor
    /// with a single level; [`Error::Singular`] for a rank-deficient design or two factors (neither
    /// held at a value) that
    /// group the effects identically; [`Error::NotConverged`].
    pub fn fit(
        &self,
        y: &[f64],
        v: &[f64],
        levels: &[Vec<usize>],
        x: &DMatrix<f64>,
        names: &[String],
    ) -> Result<MultilevelFit, Error> {
        let factors: Vec<String> = (1..=levels.len()).map(|l| format!("level{l}")).collect();
        self.fit_named(y, v, None, levels, x, names, &factors)
    }

    /// [`MultilevelModel::fit`] with a block-diagonal sampling covariance `V` in place of
    /// `diag(v)` (metafor `rma.mv(yi, V, …)`, for instance with `V` from
    /// [`vcalc`](crate::model::vcalc::vcalc): the correlated-and-hierarchical-effects model).
    /// Every block of `cov` must lie within one level of the outermost factor. A diagonal `cov`
    /// gives exactly the fit of [`MultilevelModel::fit`] with its variances.
    ///
    /// # Errors
    /// [`Error::Input`] for a covariance block spanning two levels of the outermost factor or
    /// of another number of effects; as [`MultilevelModel::fit`] otherwise.
    pub fn fit_cov(
        &self,
        y: &[f64],
        cov: &SamplingCovariance,
        levels: &[Vec<usize>],
        x: &DMatrix<f64>,
        names: &[String],
    ) -> Result<MultilevelFit, Error> {
        let factors: Vec<String> = (1..=levels.len()).map(|l| format!("level{l}")).collect();
        self.fit_named(y, &cov.variances(), Some(cov), levels, x, names, &factors)
    }

    /// [`MultilevelModel::fit`] with the factors named (outermost first) in results and errors,
    /// and an optional block-diagonal sampling covariance (its diagonal is `v`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fit_named(
        &self,
        y: &[f64],
        v: &[f64],
        cov: Option<&SamplingCovariance>,
        levels: &[Vec<usize>],
        x: &DMatrix<f64>,
        names: &[String],
        factors: &[String],
    ) -> Result<MultilevelFit, Error> {
        let k = y.len();
        let p = x.ncols();
        if v.len() != k || x.nrows() != k || levels.iter().any(|l| l.len() != k) {
            return Err(Error::input(
                "multilevel model",
                "effects, variances, level ids and design rows differ in number",
            ));
        }
        if levels.is_empty() {
            return Err(Error::setting(
                Setting::Random,
                "a multilevel model needs at least one random factor",
            ));
        }
        let nl = levels.len();
        if !self.fixed.is_empty() && self.fixed.len() != nl {
            return Err(Error::setting(
                Setting::FixedSigma2,
                format!(
                    "{} fixed variance components given for {nl} random factors",
                    self.fixed.len()
                ),
            ));
        }
        if self
            .fixed
            .iter()
            .flatten()
            .any(|s| !(s.is_finite() && *s >= 0.0))
        {
            return Err(Error::setting(
                Setting::FixedSigma2,
                "a fixed variance component must be finite and non-negative",
            ));
        }
        let held: Vec<bool> = (0..nl)
            .map(|l| matches!(self.fixed.get(l), Some(Some(_))))
            .collect();
        for (i, (&yi, &vi)) in y.iter().zip(v).enumerate() {
            if !(yi.is_finite() && vi.is_finite() && vi > 0.0) {
                return Err(Error::input(
                    format!("effect {}", i + 1),
                    "effects must be finite and variances positive",
                ));
            }
        }
        if k <= p {
            return Err(Error::TooFew {
                analysis: "a multilevel model with these moderators".into(),
                needed: p + 1,
                found: k,
                unit: "effects",
                note: String::new(),
            });
        }
        let singular = || Error::Singular {
            message: "the design matrix is singular (collinear moderators)".into(),
        };
        let (codes, nlevels, factors) = levels::nested(levels, factors, &held)?;
        let dense = cov.filter(|c| !c.is_diagonal());
        if let Some(c) = dense {
            check_nested(c, &codes[0], &factors[0], k)?;
        }
        let blocks = kernel::Blocks::new(y, v, x, &codes, dense);
        let scale = v.iter().sum::<f64>() / k as f64;
        // Fixed-effects pieces (W = V⁻¹): QE, ṽ, and the start.
        let (qe, trp0, logdet_v) = if let Some(f) = dense.map(|_| blocks.fixed()) {
            let f = f.ok_or_else(singular)?;
            (f.qe, f.trp0, Some(f.logdet_v))
        } else {
            let w: Vec<f64> = v.iter().map(|vi| 1.0 / vi).collect();
            let mut xw = x.clone();
            for (mut row, &wi) in xw.row_iter_mut().zip(&w) {
                row *= wi;
            }
            let xtwx_inv = (x.transpose() * &xw)
                .cholesky()
                .ok_or_else(singular)?
                .inverse();
            let yv = DVector::from_column_slice(y);
            let b0 = &xtwx_inv * (xw.transpose() * &yv);
            let res0 = &yv - x * &b0;
            let qe: f64 = res0.iter().zip(&w).map(|(r, wi)| wi * r * r).sum();
            let mut xw2 = x.clone();
            for (mut row, &wi) in xw2.row_iter_mut().zip(&w) {
                row *= wi * wi;
            }
            let trp0 = w.iter().sum::<f64>() - (&xtwx_inv * (x.transpose() * xw2)).trace();
            (qe, trp0, None)
        };
        let df_e = k - p;
        let vt = df_e as f64 / trp0;
        let tau2_dl = ((qe - df_e as f64) / trp0).max(0.0);
        let start: Vec<f64> = (0..nl)
            .map(|l| match self.fixed.get(l) {
                Some(Some(s)) => *s,
                _ => tau2_dl.max(0.01 * scale) / nl as f64,
            })
            .collect();
        let reml = self.method == MultilevelMethod::Reml;
        let sc = kernel::fisher_scoring(
            &blocks,
            &start,
            &held,
            reml,
            scale,
            self.threshold,
            self.max_iter,
        )
        .map_err(|e| match e {
            Some(iterations) => Error::NotConverged {
                procedure: "Fisher scoring of the variance components",
                iterations,
            },
            None => singular(),
        })?;
        let ev = &sc.eval;
        // Coefficients.
        let test = match self.dfs {
            MultilevelDfs::Contain => MultilevelTest::T,
            MultilevelDfs::Residual => self.test,
        };
        let ddf: Option<Vec<f64>> = (test == MultilevelTest::T).then(|| match self.dfs {
            MultilevelDfs::Contain => dfs::contain(x, &codes, &nlevels),
            MultilevelDfs::Residual => vec![df_e as f64; p],
        });
        let tests = inference::tests(&ev.beta, &ev.vb, names, ddf.as_deref(), self.level)
            .ok_or_else(singular)?;
        let df = ddf.as_ref().and_then(|d| d.first().copied());
        let crit = predict::critical(self.level, df);
        // Fit statistics (metafor's fitstats).
        let ll = ev.ll;
        let parms = (p + held.iter().filter(|h| !**h).count()) as f64;
        let n = if reml { df_e } else { k } as f64;
        let deviance = if reml {
            -2.0 * ll
        } else {
            let ln2pi = (2.0 * std::f64::consts::PI).ln();
            let ll_full: f64 = match logdet_v {
                Some(ld) => -0.5 * (k as f64 * ln2pi + ld),
                None => v.iter().map(|vi| -0.5 * (ln2pi + vi.ln())).sum(),
            };
            -2.0 * (ll - ll_full)
        };
        let nc = n.max(parms + 2.0);
        let total: f64 = sc.s2.iter().sum();
        let first = tests
            .coefficients
            .first()
            .map(|c| c.est)
            .unwrap_or_default();
        let sigma2_ci = self.profile.then(|| {
            let prof = profile::Profile {
                blocks: &blocks,
                s2: &sc.s2,
                held: &held,
                ll_max: ll,
                reml,
                scale,
                threshold: self.threshold,
                max_iter: self.max_iter,
                warm: std::cell::RefCell::new(sc.s2.clone()),
            };
            prof.intervals(self.level)
        });
        let (sigma2_ci, sigma2_ci_capped) = match sigma2_ci {
            Some(v) => {
                let (ci, capped) = v.into_iter().unzip();
                (Some(ci), Some(capped))
            }
            None => (None, None),
        };
        let prediction = self
            .newmods
            .as_deref()
            .map(|nm| predict::at(nm, &ev.beta, &ev.vb, total, ddf.as_deref(), self.level))
            .transpose()?;
        let pi = (p == 1).then(|| predict::interval(&first, &sc.s2, crit));
        Ok(MultilevelFit {
            method: self.method,
            test,
            dfs: self.dfs,
            k,
            p,
            first,
            df,
            coefficients: tests.coefficients,
            i2_levels: sc.s2.iter().map(|s| 100.0 * s / (total + vt)).collect(),
            sigma2: sc.s2.clone(),
            sigma2_ci,
            sigma2_ci_capped,
            sigma2_fixed: held,
            sigma2_levels: nlevels,
            factors,
            loglik: ll,
            deviance,
            aic: -2.0 * ll + 2.0 * parms,
            bic: -2.0 * ll + parms * n.ln(),
            aicc: -2.0 * ll + 2.0 * parms * nc / (nc - parms - 1.0),
            qe,
            qe_df: df_e,
            qe_p: dist::chi2_sf(qe, df_e as f64),
            qm: tests.qm,
            qm_df: tests.qm_df,
            qm_df2: tests.qm_df2,
            qm_p: tests.qm_p,
            vt,
            pi_lower: pi.map(|p| p.0),
            pi_upper: pi.map(|p| p.1),
            prediction,
            iterations: sc.iterations,
            vb: ev.vb.clone(),
            working: Marginal::new(
                x.clone(),
                y.iter()
                    .zip((x * &ev.beta).iter())
                    .map(|(y, f)| y - f)
                    .collect(),
                codes,
                sc.s2.clone(),
                v.to_vec(),
                dense.cloned(),
            ),
        })
    }
}

/// Checks that `cov` has `k` effects and that each of its blocks lies within one level of the
/// outermost factor (`outer`: its code per effect).
fn check_nested(
    cov: &SamplingCovariance,
    outer: &[usize],
    factor: &str,
    k: usize,
) -> Result<(), Error> {
    if cov.k() != k {
        return Err(Error::input(
            "sampling covariance",
            format!("it has {} effects, the model {k}", cov.k()),
        ));
    }
    for b in cov.blocks() {
        let first = outer[b.rows[0]];
        if b.rows.iter().any(|&r| outer[r] != first) {
            return Err(Error::input(
                format!("sampling covariance of cluster '{}'", b.label),
                format!("its effects lie in several levels of the outermost random factor '{factor}': the covariance clusters must be nested in that factor (or equal to it)"),
            ));
        }
    }
    Ok(())
}
