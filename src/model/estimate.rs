//! The estimate block every result shares: estimate, standard error, confidence interval and
//! test, flattened into each result's JSON.

use serde::Serialize;

/// An estimate with its standard error, confidence limits and test statistic with p-value.
/// Results hold it under `#[serde(flatten)]`, so their JSON keys are `estimate`, `se`,
/// `ci_lower`, `ci_upper`, `statistic`, `p_value`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Estimate {
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// Test statistic (z or t), `estimate / se`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

impl Estimate {
    /// The block of `estimate` with standard error `se`: statistic `estimate / se`, limits
    /// `estimate ± crit·se`, and the given p-value.
    pub fn new(estimate: f64, se: f64, crit: f64, p_value: f64) -> Self {
        Estimate {
            estimate,
            se,
            ci_lower: estimate - crit * se,
            ci_upper: estimate + crit * se,
            statistic: estimate / se,
            p_value,
        }
    }
}
