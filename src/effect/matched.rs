//! More measures of one group measured twice (metafor `MC`, `ROMC`, `CVRC`, `VRC`) from the
//! canonical columns `mean_post, sd_post, mean_pre, sd_pre, n, ri` (metafor's `m1i = mean_post,
//! sd1i = sd_post, m2i = mean_pre, sd2i = sd_pre`; `VRC` does not use the means but the rows need
//! them).
//!
//! Where metafor changed (see `docs/src/effects.md`): since metafor 5.0, `ROMC` and `CVRC` add
//! the second-order bias correction of Senior et al. (2020) to `yi` by default
//! (`correct = TRUE`); this follows the current metafor.

use super::Measure;

/// True for the measures of this module.
pub(crate) fn handles(measure: Measure) -> bool {
    matches!(
        measure,
        Measure::Mc | Measure::Romc | Measure::Cvrc | Measure::Vrc
    )
}

/// A pre/post measure and its variance (current metafor, `vtype = "LS"`). Other measures give
/// NaN.
///
/// # Formula
/// With `m1, sd1` post, `m2, sd2` pre, `r` their correlation, `c_j = sd_j²/(n·m_j²)`:
/// `MC`: `yi = m1 − m2`, `vi = (sd1² + sd2² − 2r·sd1·sd2)/n`;
/// `ROMC`: `yi = ln(m1/m2) + ½(c1 − c2)`, `vi = c1 + c2 − 2r·sd1·sd2/(m1·m2·n)`;
/// `CVRC`: `yi = ln(sd1/m1) − ln(sd2/m2) + ½(c2 − c1)`, `vi = ROMC's vi + (1 − r²)/(n − 1)`;
/// `VRC`: `yi = ln(sd1/sd2)`, `vi = (1 − r²)/(n − 1)`.
///
/// # Examples
/// ```
/// use peerstat::effect::{matched, Measure};
/// let (y, v) = matched(Measure::Mc, 12.0, 3.0, 10.0, 3.0, 20.0, 0.5);
/// assert_eq!((y, v), (2.0, 0.45));
/// ```
pub fn matched(
    measure: Measure,
    m1: f64,
    sd1: f64,
    m2: f64,
    sd2: f64,
    n: f64,
    r: f64,
) -> (f64, f64) {
    let (c1, c2) = (sd1 * sd1 / (n * m1 * m1), sd2 * sd2 / (n * m2 * m2));
    let cross = 2.0 * r * sd1 * sd2 / (m1 * m2 * n);
    match measure {
        Measure::Mc => (m1 - m2, (sd1 * sd1 + sd2 * sd2 - 2.0 * r * sd1 * sd2) / n),
        Measure::Romc => ((m1 / m2).ln() + 0.5 * (c1 - c2), c1 + c2 - cross),
        Measure::Cvrc => (
            (sd1 / m1).ln() - (sd2 / m2).ln() + 0.5 * (c2 - c1),
            c1 + c2 - cross + (1.0 - r * r) / (n - 1.0),
        ),
        Measure::Vrc => ((sd1 / sd2).ln(), (1.0 - r * r) / (n - 1.0)),
        _ => (f64::NAN, f64::NAN),
    }
}
