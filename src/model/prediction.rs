//! Predictions (metafor's `predict.rma`): the prediction interval for the true effect of a new
//! study, and the predicted effect at given moderator values with its confidence and prediction
//! intervals.
//!
//! # Formulas
//! * `pred = x₀ᵀβ̂`, `se = √(x₀ᵀ Var(β̂) x₀)`, `CI = pred ± crit·se`,
//!   `PI = pred ± crit·√(se² + τ²)` with `τ²` the sum of the variance components (multilevel) or
//!   the residual τ² (meta-regression).
//! * `crit`: the normal quantile under z tests; under t tests the t quantile on the smallest df
//!   among the coefficients with a non-zero entry in `x₀` (metafor: `min(ddf[x₀ ≠ 0])`; with
//!   residual df every coefficient has `k − p`).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::dist;
use crate::error::{Error, Setting};

/// A predicted effect at given moderator values (metafor `predict(fit, newmods = …)`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    /// The predicted (average true) effect `x₀ᵀβ̂`.
    pub pred: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence bound.
    pub ci_lower: f64,
    /// Upper confidence bound.
    pub ci_upper: f64,
    /// Lower bound of the prediction interval for the true effect of a new study with these
    /// moderator values.
    pub pi_lower: f64,
    /// Upper bound of the prediction interval.
    pub pi_upper: f64,
    /// Degrees of freedom of the critical value (`None` under z tests).
    pub df: Option<f64>,
}

/// The prediction at `newmods`, the values of every column of the design after the first (the
/// intercept, set to 1), given the coefficients `beta`, their covariance `vb`, the total
/// heterogeneity variance `tau2`, the df of each coefficient's t test (`None` for z tests) and
/// the confidence level in percent.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::NewMods`]) when `newmods` does not have one value per
/// moderator column or a value is not finite.
pub(crate) fn at(
    newmods: &[f64],
    beta: &DVector<f64>,
    vb: &DMatrix<f64>,
    tau2: f64,
    dfs: Option<&[f64]>,
    level: f64,
) -> Result<Prediction, Error> {
    let p = beta.len();
    if newmods.len() + 1 != p {
        return Err(Error::setting(
            Setting::NewMods,
            format!(
                "{} new moderator values given for {} moderator columns of the design (one value per column after the intercept, factor levels as 0/1 columns)",
                newmods.len(),
                p - 1
            ),
        ));
    }
    if newmods.iter().any(|v| !v.is_finite()) {
        return Err(Error::setting(
            Setting::NewMods,
            "new moderator values must be finite numbers",
        ));
    }
    let x0 = DVector::from_iterator(p, std::iter::once(1.0).chain(newmods.iter().copied()));
    let pred = x0.dot(beta);
    let se = (x0.transpose() * vb * &x0)[(0, 0)].max(0.0).sqrt();
    let df = dfs.map(|d| {
        d.iter()
            .zip(x0.iter())
            .filter(|(_, x)| **x != 0.0)
            .map(|(d, _)| *d)
            .fold(f64::INFINITY, f64::min)
    });
    let crit = critical(level, df);
    let half_pi = crit * (se * se + tau2).sqrt();
    Ok(Prediction {
        pred,
        se,
        ci_lower: pred - crit * se,
        ci_upper: pred + crit * se,
        pi_lower: pred - half_pi,
        pi_upper: pred + half_pi,
        df,
    })
}

/// The two-sided critical value at `level` percent: t on `df`, or normal.
pub(crate) fn critical(level: f64, df: Option<f64>) -> f64 {
    let q = 1.0 - (1.0 - level / 100.0) / 2.0;
    match df {
        Some(d) => dist::t_quantile(q, d),
        None => dist::norm_quantile(q),
    }
}
