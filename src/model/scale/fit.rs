//! The fitted location-scale model: options, the fit from designs, and its record.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::kernel::Problem;
use super::profile::AlphaInterval;
use crate::dist;
use crate::error::Error;
use crate::model::regression::Coefficient;
use crate::model::Estimate;

/// How the scale coefficients are estimated (metafor `method = "REML"` or `"ML"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum ScaleMethod {
    /// Restricted maximum likelihood (the default).
    #[default]
    #[serde(rename = "REML")]
    Reml,
    /// Maximum likelihood.
    #[serde(rename = "ML")]
    Ml,
}

/// Location-scale model options (a builder): REML, 95 % level, profile-likelihood CIs for α.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocationScale {
    pub(super) method: ScaleMethod,
    pub(super) level: f64,
    pub(super) max_iter: usize,
    pub(super) profile: bool,
}

impl Default for LocationScale {
    fn default() -> Self {
        LocationScale {
            method: ScaleMethod::Reml,
            level: 95.0,
            max_iter: 500,
            profile: true,
        }
    }
}

/// A fitted location-scale model (metafor `rma(yi, vi, mods = ~ x, scale = ~ z)`, log link).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleFit {
    /// ML or REML.
    pub method: ScaleMethod,
    /// Studies used.
    pub k: usize,
    /// Location coefficients β (intercept first), z tests.
    pub coefficients: Vec<Coefficient>,
    /// Scale coefficients α of `log τ²ᵢ = zᵢα` (intercept first), z tests with SEs from the
    /// observed Hessian of the (restricted) log-likelihood.
    pub alpha: Vec<Coefficient>,
    /// Profile-likelihood CIs of the scale coefficients (when asked for).
    pub alpha_profile: Option<Vec<AlphaInterval>>,
    /// Omnibus test of the location coefficients after the intercept (χ²; `null` without
    /// moderators).
    pub qm: Option<f64>,
    /// Its degrees of freedom.
    pub qm_df: Option<usize>,
    /// Its p-value.
    pub qm_p: Option<f64>,
    /// Omnibus test of the scale coefficients after the intercept (χ²; `null` for an
    /// intercept-only scale model).
    pub qs: Option<f64>,
    /// Its degrees of freedom.
    pub qs_df: Option<usize>,
    /// Its p-value.
    pub qs_p: Option<f64>,
    /// Test for residual heterogeneity (as for a meta-regression: weights `1/vᵢ`).
    pub qe: f64,
    /// Its degrees of freedom (k − p).
    pub qe_df: usize,
    /// Its p-value.
    pub qe_p: f64,
    /// The maximised (restricted) log-likelihood.
    pub loglik: f64,
    /// AIC, with `p + q` parameters.
    pub aic: f64,
    /// BIC (`log k`, or `log(k − p)` under REML, as metafor).
    pub bic: f64,
    /// Iterations of the maximisation.
    pub iterations: usize,
    /// Each study's fitted `τ²ᵢ = exp(zᵢα)`.
    pub tau2: Vec<f64>,
    /// Covariance of β, `(XᵀWX)⁻¹`.
    #[serde(skip)]
    pub vb: DMatrix<f64>,
    /// Covariance of α, the inverse of the negative observed Hessian.
    #[serde(skip)]
    pub va: DMatrix<f64>,
    /// The confidence level (percent).
    #[serde(skip)]
    pub level: f64,
}

impl LocationScale {
    /// REML, 95 % level, profile CIs on.
    pub fn new() -> Self {
        Self::default()
    }

    /// The estimation method.
    pub fn method(mut self, method: ScaleMethod) -> Self {
        self.method = method;
        self
    }

    /// The confidence level in percent (or as a fraction).
    ///
    /// # Errors
    /// [`Error::Setting`] for a level outside (50, 100).
    pub fn level(mut self, level: f64) -> Result<Self, Error> {
        self.level = crate::error::check_level(level)?;
        Ok(self)
    }

    /// Whether to compute profile-likelihood CIs for the scale coefficients.
    pub fn profile_ci(mut self, on: bool) -> Self {
        self.profile = on;
        self
    }

    /// Fits effects `y` with sampling variances `v` on the location design `x` (k × p, named
    /// `x_names`) and the scale design `z` (k × q, named `z_names`; an intercept-only scale
    /// model is a column of ones).
    ///
    /// # Examples
    /// ```
    /// use nalgebra::DMatrix;
    /// use peerstat::model::scale::LocationScale;
    /// let y = [0.1, 0.5, -0.2, 0.8, 0.3, 0.05];
    /// let v = [0.02, 0.03, 0.02, 0.04, 0.03, 0.05];
    /// let ones = DMatrix::from_element(6, 1, 1.0);
    /// let fit = LocationScale::new()
    ///     .fit(&y, &v, &ones, &["intrcpt".into()], &ones, &["intrcpt".into()])
    ///     .unwrap();
    /// // An intercept-only scale model is the random-effects model: tau^2 = exp(alpha_0).
    /// assert!((fit.tau2[0] - fit.alpha[0].est.estimate.exp()).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// [`Error::Length`] when the inputs disagree in length; [`Error::TooFew`] with fewer
    /// studies than `p + q`; [`Error::Singular`] for a singular design; [`Error::NotConverged`]
    /// when the likelihood has no maximum (τ² heading to 0 for some studies).
    pub fn fit(
        &self,
        y: &[f64],
        v: &[f64],
        x: &DMatrix<f64>,
        x_names: &[String],
        z: &DMatrix<f64>,
        z_names: &[String],
    ) -> Result<ScaleFit, Error> {
        check_inputs(y, v, x, x_names, z, z_names)?;
        let problem = Problem {
            y,
            v,
            x,
            z,
            reml: self.method == ScaleMethod::Reml,
        };
        let start = start_values(y, v, x, z)?;
        let opt = problem.maximise(start, &[], self.max_iter)?;
        let neg_h = -&opt.eval.hess;
        let va = neg_h
            .clone()
            .cholesky()
            .map(|c| c.inverse())
            .ok_or_else(|| Error::Undefined {
                what: "standard errors of the scale coefficients".into(),
                reason: "the Hessian of the log-likelihood is not negative definite at the \
                         optimum (the scale model may be over-parameterised)"
                    .into(),
            })?;
        let crit = dist::norm_quantile(1.0 - (1.0 - self.level / 100.0) / 2.0);
        let coefficients = table(x_names, &opt.eval.beta, &opt.eval.vb, crit);
        let alpha = table(z_names, &opt.alpha, &va, crit);
        let (qm, qm_df, qm_p) = omnibus(&opt.eval.beta, &opt.eval.vb);
        let (qs, qs_df, qs_p) = omnibus(&opt.alpha, &va);
        let (qe, qe_df, qe_p) = residual_q(y, v, x)?;
        let (k, p, q) = (y.len(), x.ncols(), z.ncols());
        let parms = (p + q) as f64;
        let n_bic = if problem.reml { k - p } else { k } as f64;
        let mut fit = ScaleFit {
            method: self.method,
            k,
            coefficients,
            alpha,
            alpha_profile: None,
            qm,
            qm_df,
            qm_p,
            qs,
            qs_df,
            qs_p,
            qe,
            qe_df,
            qe_p,
            loglik: opt.eval.ll,
            aic: -2.0 * opt.eval.ll + 2.0 * parms,
            bic: -2.0 * opt.eval.ll + parms * n_bic.ln(),
            iterations: opt.iterations,
            tau2: opt.eval.tau2.clone(),
            vb: opt.eval.vb.clone(),
            va,
            level: self.level,
        };
        if self.profile {
            fit.alpha_profile = Some(super::profile::intervals(
                &problem,
                &opt,
                z_names,
                self.level,
                self.max_iter,
            ));
        }
        Ok(fit)
    }
}

/// Checks lengths, finiteness and that there are more studies than parameters.
fn check_inputs(
    y: &[f64],
    v: &[f64],
    x: &DMatrix<f64>,
    x_names: &[String],
    z: &DMatrix<f64>,
    z_names: &[String],
) -> Result<(), Error> {
    let k = y.len();
    Error::check_len("sampling variances", k, v.len())?;
    Error::check_len("rows of the location design", k, x.nrows())?;
    Error::check_len("rows of the scale design", k, z.nrows())?;
    Error::check_len("location coefficient names", x.ncols(), x_names.len())?;
    Error::check_len("scale coefficient names", z.ncols(), z_names.len())?;
    if k <= x.ncols() + z.ncols() {
        return Err(Error::TooFew {
            analysis: "a location-scale model".into(),
            needed: x.ncols() + z.ncols() + 1,
            found: k,
            unit: "studies",
            note: format!(
                "; it needs more studies than its {} location and {} scale coefficients",
                x.ncols(),
                z.ncols()
            ),
        });
    }
    if y.iter().chain(v).any(|a| !a.is_finite()) || v.iter().any(|&a| a <= 0.0) {
        return Err(Error::Undefined {
            what: "location-scale model".into(),
            reason: "effects must be finite and sampling variances positive".into(),
        });
    }
    Ok(())
}

/// Starting values: the intercept (a column of ones, if any) at the log of a moment estimate
/// of τ² from the equal-weights residuals (at least 1 % of the mean sampling variance), the
/// other coefficients at 0.
fn start_values(
    y: &[f64],
    v: &[f64],
    x: &DMatrix<f64>,
    z: &DMatrix<f64>,
) -> Result<DVector<f64>, Error> {
    let k = y.len();
    let xtx = x.transpose() * x;
    let b = xtx
        .cholesky()
        .ok_or_else(Error::collinear)?
        .solve(&(x.transpose() * DVector::from_column_slice(y)));
    let r = DVector::from_column_slice(y) - x * b;
    let mean_v = v.iter().sum::<f64>() / k as f64;
    let mom = r.iter().map(|e| e * e).sum::<f64>() / (k - x.ncols()).max(1) as f64 - mean_v;
    let tau2 = mom.max(0.01 * mean_v);
    let mut a = DVector::zeros(z.ncols());
    if let Some(j) = (0..z.ncols()).find(|&j| z.column(j).iter().all(|&c| c == 1.0)) {
        a[j] = tau2.ln();
    }
    Ok(a)
}

/// The coefficient table: z tests and CIs at critical value `crit`.
fn table(names: &[String], est: &DVector<f64>, cov: &DMatrix<f64>, crit: f64) -> Vec<Coefficient> {
    names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let se = cov[(j, j)].max(0.0).sqrt();
            Coefficient {
                name: name.clone(),
                est: Estimate::new(est[j], se, crit, dist::norm_p2(est[j] / se)),
                df: None,
            }
        })
        .collect()
}

/// The Wald test of every coefficient after the first (the intercept): `(QM, df, p)`, or all
/// `None` for a single coefficient.
fn omnibus(est: &DVector<f64>, cov: &DMatrix<f64>) -> (Option<f64>, Option<usize>, Option<f64>) {
    let m = est.len().saturating_sub(1);
    if m == 0 {
        return (None, None, None);
    }
    let b = est.rows(1, m).into_owned();
    let c = cov.view((1, 1), (m, m)).into_owned();
    match c.cholesky() {
        Some(ch) => {
            let qm = b.dot(&ch.solve(&b));
            (Some(qm), Some(m), Some(dist::chi2_sf(qm, m as f64)))
        }
        None => (None, Some(m), None),
    }
}

/// The test for residual heterogeneity: `QE = Σ(yᵢ − xᵢb)²/vᵢ` with `b` the weighted
/// least-squares fit with weights `1/vᵢ`, on `k − p` df.
fn residual_q(y: &[f64], v: &[f64], x: &DMatrix<f64>) -> Result<(f64, usize, f64), Error> {
    let k = y.len();
    let w = DVector::from_iterator(k, v.iter().map(|v| 1.0 / v));
    let mut xw = x.clone();
    for (mut row, &wi) in xw.row_iter_mut().zip(w.iter()) {
        row *= wi;
    }
    let yv = DVector::from_column_slice(y);
    let b = (x.transpose() * &xw)
        .cholesky()
        .ok_or_else(Error::collinear)?
        .solve(&(xw.transpose() * &yv));
    let r = yv - x * b;
    let qe: f64 = r.iter().zip(w.iter()).map(|(r, w)| w * r * r).sum();
    let df = k - x.ncols();
    Ok((qe.max(0.0), df, dist::chi2_sf(qe, df as f64)))
}
