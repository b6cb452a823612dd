//! Cluster-randomised trials: the design effect `1 + (m − 1)·ICC` (Cochrane Handbook §23.1.4)
//! for a mean cluster size `m` and an intracluster correlation `ICC`, applied before pooling.
//!
//! A trial analysed as if individually randomised has too small a sampling variance. Either its
//! variance is multiplied by the design effect ([`ClusterAdjust::Variance`], the default), or its
//! group sizes and event counts are divided by it before the effect is computed
//! ([`ClusterAdjust::EffectiveN`], the "effective sample size" of the Handbook). The two agree
//! closely; the second changes the arms of a 2×2 table and continuous arms only: a row whose
//! variance comes from a CI, p-value, t or F statistic, or is given, has its variance multiplied
//! in both cases.
//!
//! # Examples
//!
//! ```
//! use peerstat::effect::design_effect;
//! // 10 participants per practice, ICC 0.05: 1 + 9 × 0.05
//! assert!((design_effect(10.0, 0.05).unwrap() - 1.45).abs() < 1e-15);
//! assert!(design_effect(10.0, 1.0).is_err());
//! ```

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Setting};

/// How a cluster-randomised trial is adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterAdjust {
    /// Multiply the sampling variance by the design effect.
    #[default]
    Variance,
    /// Divide group sizes and event counts by the design effect before computing the effect.
    #[serde(alias = "n")]
    EffectiveN,
}

impl FromStr for ClusterAdjust {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "variance" => Ok(ClusterAdjust::Variance),
            "n" | "effective_n" => Ok(ClusterAdjust::EffectiveN),
            _ => Err(Error::setting(
                Setting::ClusterAdjust,
                format!("unknown cluster adjustment '{s}': choose variance (multiply the variance by the design effect) or n (divide group sizes and events by it)"),
            )),
        }
    }
}

/// What is wrong with a cluster size or ICC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterError {
    /// The ICC is outside [0, 1).
    Icc,
    /// The mean cluster size is below 1.
    Size,
}

impl ClusterError {
    /// The problem in words.
    pub fn message(self) -> &'static str {
        match self {
            ClusterError::Icc => "an intracluster correlation must lie in [0, 1)",
            ClusterError::Size => "a mean cluster size must be at least 1",
        }
    }
}

/// The design effect `1 + (m − 1)·icc`.
///
/// # Errors
/// [`ClusterError::Icc`] for an ICC outside [0, 1) (or not finite), [`ClusterError::Size`] for
/// `m < 1`.
pub fn design_effect(m: f64, icc: f64) -> std::result::Result<f64, ClusterError> {
    if !(0.0..1.0).contains(&icc) {
        return Err(ClusterError::Icc);
    }
    if !(m >= 1.0 && m.is_finite()) {
        return Err(ClusterError::Size);
    }
    Ok(1.0 + (m - 1.0) * icc)
}
