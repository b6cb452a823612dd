//! The prediction interval of a multilevel model without moderators; predictions at moderator
//! values are `model/prediction.rs`'s.

pub(super) use crate::model::prediction::{at, critical};
use crate::model::Estimate;

/// `(lower, upper)` of the prediction interval around `est` with variance components `s2` (plus
/// `extra`, a structured term's single τ²) and critical value `crit` (the model without
/// moderators).
pub(super) fn interval(est: &Estimate, s2: &[f64], extra: f64, crit: f64) -> (f64, f64) {
    let half = crit * (est.se * est.se + s2.iter().sum::<f64>() + extra).sqrt();
    (est.estimate - half, est.estimate + half)
}
