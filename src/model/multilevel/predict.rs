//! The prediction interval for the true effect of a new study (metafor's `predict.rma.mv`
//! without new moderator values, nested random intercepts): `estimate ± crit·√(se² + Σσ²)`,
//! with the critical value of the coefficients' tests (z, or t on `k − p` df).

use crate::model::Estimate;

/// `(lower, upper)` of the prediction interval around `est` with variance components `s2` (plus
/// `extra`, a structured term's single τ²) and critical value `crit`.
pub(super) fn interval(est: &Estimate, s2: &[f64], extra: f64, crit: f64) -> (f64, f64) {
    let half = crit * (est.se * est.se + s2.iter().sum::<f64>() + extra).sqrt();
    (est.estimate - half, est.estimate + half)
}
