//! Sampling variances from a reported confidence interval or two-sided p-value (metafor 5's
//! `conv.wald`, Wald-type intervals).
//!
//! # Formula
//!
//! * From a `L`% CI `[lb, ub]` (on the analysis scale, so log-transformed for ratio measures):
//!   `se = (ub − lb) / (2·z)`, `z = Φ⁻¹(1 − (1 − L/100)/2)`; `vi = se²`.
//! * From a two-sided p-value `p` with the estimate `yi`: `z = Φ⁻¹(1 − p/2)`, `se = |yi| / z`.

use crate::dist::norm_quantile;

/// What a reported CI or p-value cannot give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaldError {
    /// The level is not strictly between 0 and 100.
    Level,
    /// The lower bound is not below the upper bound.
    Order,
    /// The estimate lies outside its interval.
    Outside,
    /// The p-value is not in (0, 1], or is 1 (no information on the variance).
    PValue,
    /// The estimate is 0, so a p-value gives no standard error.
    ZeroEstimate,
}

impl WaldError {
    /// The problem in words.
    pub fn message(self) -> &'static str {
        match self {
            WaldError::Level => "a confidence level must lie strictly between 0 and 100 (percent)",
            WaldError::Order => "the lower CI bound must be below the upper bound",
            WaldError::Outside => "the confidence interval does not contain its estimate",
            WaldError::PValue => {
                "a two-sided p-value must lie strictly between 0 and 1 to give a variance"
            }
            WaldError::ZeroEstimate => {
                "an estimate of exactly 0 with a p-value gives no standard error"
            }
        }
    }
}

/// The sampling variance from a `level`% Wald CI `[lb, ub]` around `yi`.
///
/// # Errors
/// [`WaldError`] for a level outside (0, 100), `lb ≥ ub`, or `yi` outside `[lb, ub]`.
///
/// # Examples
///
/// ```
/// use peerstat::effect::convert::vi_from_ci;
/// // 0.5 (0.1 to 0.9): se = 0.8 / (2 × 1.959964) = 0.2040816
/// let v = vi_from_ci(0.5, 0.1, 0.9, 95.0).unwrap();
/// assert!((v.sqrt() - 0.8 / (2.0 * 1.959963984540054)).abs() < 1e-12);
/// ```
pub fn vi_from_ci(yi: f64, lb: f64, ub: f64, level: f64) -> Result<f64, WaldError> {
    if !(level > 0.0 && level < 100.0) {
        return Err(WaldError::Level);
    }
    if lb >= ub {
        return Err(WaldError::Order);
    }
    if yi < lb || yi > ub {
        return Err(WaldError::Outside);
    }
    let z = norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let se = (ub - lb) / (2.0 * z);
    Ok(se * se)
}

/// The sampling variance from a two-sided p-value of a Wald test of `yi = 0`.
///
/// # Errors
/// [`WaldError::PValue`] for `p` outside (0, 1), [`WaldError::ZeroEstimate`] for `yi = 0`.
///
/// # Examples
///
/// ```
/// use peerstat::effect::convert::vi_from_p;
/// // p = 0.05 for 0.4: se = 0.4 / 1.959964
/// let v = vi_from_p(0.4, 0.05).unwrap();
/// assert!((v.sqrt() - 0.4 / 1.959963984540054).abs() < 1e-12);
/// ```
pub fn vi_from_p(yi: f64, p: f64) -> Result<f64, WaldError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(WaldError::PValue);
    }
    if yi == 0.0 {
        return Err(WaldError::ZeroEstimate);
    }
    let z = -norm_quantile(p / 2.0);
    let se = yi.abs() / z;
    Ok(se * se)
}
