//! The effect-size formulas (see the table in the module documentation of [`crate::effect`]).

use super::{Measure, VarianceType};

/// Hedges' exact small-sample correction `J(m) = Γ(m/2) / (√(m/2)·Γ((m−1)/2))`, computed on the
/// log scale so that it cannot overflow.
///
/// For `m < 40` the log-gamma difference is used directly; above, where that difference of two
/// large numbers loses digits, the Stirling series of `ln Γ(x + ½) − ln Γ(x)` (x = (m−1)/2, terms
/// through B₈) keeps full double precision (error below 1e-14).
pub fn hedges_j(m: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    if m < 40.0 {
        return (ln_gamma(m / 2.0) - 0.5 * (m / 2.0).ln() - ln_gamma((m - 1.0) / 2.0)).exp();
    }
    let x = (m - 1.0) / 2.0;
    let l1 = (1.0 / (2.0 * x)).ln_1p();
    let mut s = x * l1 - 0.5 - 0.5 * l1;
    for (c, p) in [
        (1.0 / 12.0, 1),
        (-1.0 / 360.0, 3),
        (1.0 / 1260.0, 5),
        (-1.0 / 1680.0, 7),
    ] {
        s += c * ((x + 0.5).powi(-p) - x.powi(-p));
    }
    s.exp()
}

/// Hedges' g and its variance from arm summaries (`1` = intervention, `2` = control).
pub fn smd(
    n1: f64,
    m1: f64,
    sd1: f64,
    n2: f64,
    m2: f64,
    sd2: f64,
    vtype: VarianceType,
) -> (f64, f64) {
    let m = n1 + n2 - 2.0;
    let sp = (((n1 - 1.0) * sd1 * sd1 + (n2 - 1.0) * sd2 * sd2) / m).sqrt();
    let j = hedges_j(m);
    let g = j * (m1 - m2) / sp;
    let v = match vtype {
        VarianceType::Ls => 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)),
        VarianceType::Ub => 1.0 / n1 + 1.0 / n2 + (1.0 - (m - 2.0) / (m * j * j)) * g * g,
    };
    (g, v)
}

/// SMD with heteroscedastic SDs (Bonett 2008; metafor `SMDH`) and its variance: the mean
/// difference over `√((sd1² + sd2²)/2)`, corrected by `J(n1 + n2 − 2)`.
///
/// # Formula
/// `yi = J·(m1 − m2)/s`, `s² = (sd1² + sd2²)/2`;
/// `vi = yi²·(sd1⁴/(n1−1) + sd2⁴/(n2−1)) / (2·(sd1² + sd2²)²) + (sd1²/(n1−1) + sd2²/(n2−1)) / s²`
/// with the corrected `yi` (Bonett 2008, eq. 8; metafor ≥ 4.6-0 — metafor 3.8 multiplied this
/// by `J²`, e.g. dat.normand1999 study 1: 0.013091 in 3.8.1 against 0.013155 now).
pub fn smd_heteroscedastic(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> (f64, f64) {
    let j = hedges_j(n1 + n2 - 2.0);
    let (v1, v2) = (sd1 * sd1, sd2 * sd2);
    let s2 = (v1 + v2) / 2.0;
    let y = j * (m1 - m2) / s2.sqrt();
    let v = y * y * (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0)) / (2.0 * (v1 + v2) * (v1 + v2))
        + (v1 / (n1 - 1.0) + v2 / (n2 - 1.0)) / s2;
    (y, v)
}

/// Raw mean difference and its (heteroscedastic) variance.
pub fn mean_difference(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> (f64, f64) {
    (m1 - m2, sd1 * sd1 / n1 + sd2 * sd2 / n2)
}

/// Log ratio of means and its variance (means must be positive).
pub fn ratio_of_means(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> (f64, f64) {
    (
        (m1 / m2).ln(),
        sd1 * sd1 / (n1 * m1 * m1) + sd2 * sd2 / (n2 * m2 * m2),
    )
}

/// OR, RR, RD or AS (arcsine square-root risk difference) with its variance from a 2×2 table after any continuity correction has been
/// applied: `a` events and `n1` size in the intervention arm, `c` and `n2` in the control arm.
/// Returns non-finite values when the effect is undefined (for example a zero cell with no
/// correction).
pub fn two_by_two(measure: Measure, a: f64, n1: f64, c: f64, n2: f64) -> (f64, f64) {
    let b = n1 - a;
    let d = n2 - c;
    let p1 = a / n1;
    let p2 = c / n2;
    match measure {
        Measure::Or => (
            (a * d / (b * c)).ln(),
            1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d,
        ),
        Measure::Rr => ((p1 / p2).ln(), 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2),
        Measure::Rd => (p1 - p2, p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2),
        Measure::As => (
            p1.sqrt().asin() - p2.sqrt().asin(),
            1.0 / (4.0 * n1) + 1.0 / (4.0 * n2),
        ),
        _ => (f64::NAN, f64::NAN),
    }
}
