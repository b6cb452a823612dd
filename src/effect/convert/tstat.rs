//! Hedges' g from a two-sample t statistic, an F statistic with 1 numerator df, or a two-sided
//! p-value with the group sizes (metafor `escalc(measure = "SMD", ti = , …)`; `fi`, `pi` as in
//! metafor ≥ 4).
//!
//! # Formula
//!
//! `t` from `F`: `t = sign(F)·√|F|`; from `p`: `t = sign(p)·q_t(1 − |p|/2, n₁ + n₂ − 2)` (a
//! negative `F` or `p` gives the direction of the effect, as metafor). Then
//! `d = t·√(1/n₁ + 1/n₂)`, `g = J(n₁ + n₂ − 2)·d`, and the variance as for the SMD from arms:
//! LS `1/n₁ + 1/n₂ + g²/(2(n₁ + n₂))`, UB `1/n₁ + 1/n₂ + (1 − (m − 2)/(m·J²))·g²`.

use super::super::formulas::hedges_j;
use super::super::VarianceType;
use crate::dist::t_quantile;

/// The t statistic behind a signed F statistic with 1 numerator df.
pub fn t_from_f(f: f64) -> f64 {
    f.signum() * f.abs().sqrt()
}

/// The t statistic behind a signed two-sided p-value with `n1 + n2 − 2` df; NaN for `|p|`
/// outside (0, 1].
pub fn t_from_p(p: f64, n1: f64, n2: f64) -> f64 {
    if !(p != 0.0 && p.abs() <= 1.0) {
        return f64::NAN;
    }
    -p.signum() * t_quantile(p.abs() / 2.0, n1 + n2 - 2.0)
}

/// Hedges' g and its variance from a two-sample t statistic and the group sizes.
///
/// # Examples
///
/// ```
/// use peerstat::effect::convert::smd_from_t;
/// use peerstat::effect::VarianceType;
/// // metafor: escalc("SMD", ti = 2.1, n1i = 20, n2i = 22): yi 0.636556, vi 0.100278
/// let (g, v) = smd_from_t(2.1, 20.0, 22.0, VarianceType::Ls);
/// assert!((g - 0.636_555_5).abs() < 1e-6);
/// assert!((v - (1.0 / 20.0 + 1.0 / 22.0 + g * g / 84.0)).abs() < 1e-12);
/// ```
pub fn smd_from_t(t: f64, n1: f64, n2: f64, vtype: VarianceType) -> (f64, f64) {
    let d = t * (1.0 / n1 + 1.0 / n2).sqrt();
    let m = n1 + n2 - 2.0;
    let j = hedges_j(m);
    let g = j * d;
    let v = match vtype {
        VarianceType::Ls => 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)),
        VarianceType::Ub => 1.0 / n1 + 1.0 / n2 + (1.0 - (m - 2.0) / (m * j * j)) * g * g,
    };
    (g, v)
}
