//! More measures of two groups' means and SDs (metafor `SMD1`, `SMD1H`, `CVR`, `VR`, `RPB`,
//! `RBIS`, `D2ORN`, `D2ORL`) from the canonical columns `n_t, mean_t, sd_t, n_c, mean_c, sd_c`
//! (`VR` does not use the means, `SMD1` not `sd_t`, but the rows need them all).
//!
//! Where metafor changed (see `docs/src/effects.md`): `SMD1H`'s variance uses `n − 1` since
//! metafor 4.6-0 (3.8.1: `n`), and `CVR` adds the second-order bias correction of Senior et al.
//! (2020) by default since metafor 5.0 (`correct = TRUE`); both follow the current metafor.

use super::formulas::hedges_j;
use super::Measure;
use crate::dist::norm_quantile;

/// True for the two-group measures of this module.
pub(crate) fn handles(measure: Measure) -> bool {
    matches!(
        measure,
        Measure::Smd1
            | Measure::Smd1h
            | Measure::Cvr
            | Measure::Vr
            | Measure::Rpb
            | Measure::Rbis
            | Measure::D2orn
            | Measure::D2orl
    )
}

/// A two-group measure and its variance (current metafor, `vtype = "LS"`) from sizes `n1, n2`,
/// means `m1, m2` and SDs `sd1, sd2` (intervention, control). Other measures give NaN.
///
/// # Formula
/// With `s_p` the pooled SD, `d = (m1 − m2)/s_p`, `N = n1 + n2`:
/// `SMD1`: `yi = J(n2−1)·(m1 − m2)/sd2`, `vi = 1/n1 + 1/n2 + yi²/(2n2)`;
/// `SMD1H`: as `SMD1`, `vi = (sd1²/sd2²)/(n1−1) + 1/(n2−1) + yi²/(2(n2−1))`;
/// `CVR`: `yi = ln(sd1/m1) − ln(sd2/m2) + 1/(2(n1−1)) − 1/(2(n2−1)) + ½(sd2²/(n2m2²) − sd1²/(n1m1²))`,
/// `vi = 1/(2(n1−1)) + sd1²/(n1m1²) + 1/(2(n2−1)) + sd2²/(n2m2²)`;
/// `VR`: `yi = ln(sd1/sd2) + 1/(2(n1−1)) − 1/(2(n2−1))`, `vi = 1/(2(n1−1)) + 1/(2(n2−1))`;
/// `RPB`: `h = (N−2)/n1 + (N−2)/n2`, `yi = d/√(d² + h)`, `vi = h²/(h + d²)³·(1/n1 + 1/n2 + d²/(2N))`;
/// `RBIS`: `yi = √(p1p2)/φ(z)·r_pb`, `z = Φ⁻¹(1 − p1)`, `p1 = n1/N`, Soper's variance;
/// `D2ORL`: `yi = π/√3·d`, `vi = π²/3·(1/n1 + 1/n2 + d²/(2N))`; `D2ORN`: as `D2ORL` with 1.65.
///
/// # Examples
/// ```
/// use peerstat::effect::{two_group, Measure};
/// // VR of SDs 2 and 1 with 11 per group: ln 2, variance 1/20 + 1/20
/// let (y, v) = two_group(Measure::Vr, 11.0, 5.0, 2.0, 11.0, 5.0, 1.0);
/// assert!((y - 2f64.ln()).abs() < 1e-15 && (v - 0.1).abs() < 1e-15);
/// ```
pub fn two_group(
    measure: Measure,
    n1: f64,
    m1: f64,
    sd1: f64,
    n2: f64,
    m2: f64,
    sd2: f64,
) -> (f64, f64) {
    let n = n1 + n2;
    let sdp = (((n1 - 1.0) * sd1 * sd1 + (n2 - 1.0) * sd2 * sd2) / (n - 2.0)).sqrt();
    let d = (m1 - m2) / sdp;
    let base = 1.0 / n1 + 1.0 / n2 + d * d / (2.0 * n);
    match measure {
        Measure::Smd1 => {
            let y = hedges_j(n2 - 1.0) * (m1 - m2) / sd2;
            (y, 1.0 / n1 + 1.0 / n2 + y * y / (2.0 * n2))
        }
        Measure::Smd1h => {
            let y = hedges_j(n2 - 1.0) * (m1 - m2) / sd2;
            let v = (sd1 * sd1 / (sd2 * sd2)) / (n1 - 1.0)
                + 1.0 / (n2 - 1.0)
                + y * y / (2.0 * (n2 - 1.0));
            (y, v)
        }
        Measure::Cvr => {
            let (c1, c2) = (sd1 * sd1 / (n1 * m1 * m1), sd2 * sd2 / (n2 * m2 * m2));
            let (h1, h2) = (0.5 / (n1 - 1.0), 0.5 / (n2 - 1.0));
            let y = (sd1 / m1).ln() - (sd2 / m2).ln() + h1 - h2 + 0.5 * (c2 - c1);
            (y, h1 + c1 + h2 + c2)
        }
        Measure::Vr => {
            let (h1, h2) = (0.5 / (n1 - 1.0), 0.5 / (n2 - 1.0));
            ((sd1 / sd2).ln() + h1 - h2, h1 + h2)
        }
        Measure::Rpb | Measure::Rbis => biserial(measure, n1, n2, d),
        Measure::D2orl => {
            let f = std::f64::consts::PI / 3f64.sqrt();
            (f * d, f * f * base)
        }
        Measure::D2orn => (1.65 * d, 1.65 * 1.65 * base),
        _ => (f64::NAN, f64::NAN),
    }
}

/// The point-biserial (`RPB`) or biserial (`RBIS`) correlation from the uncorrected SMD `d`.
fn biserial(measure: Measure, n1: f64, n2: f64, d: f64) -> (f64, f64) {
    let n = n1 + n2;
    let h = (n - 2.0) / n1 + (n - 2.0) / n2;
    let rpb = d / (d * d + h).sqrt();
    if measure == Measure::Rpb {
        let v = h * h / (h + d * d).powi(3) * (1.0 / n1 + 1.0 / n2 + d * d / (2.0 * n));
        return (rpb, v);
    }
    let (p1, p2) = (n1 / n, n2 / n);
    let z = -norm_quantile(p1);
    let fz = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let y = (p1 * p2).sqrt() / fz * rpb;
    let t = if y.abs() > 1.0 { y.signum() } else { y };
    let v = (p1 * p2 / (fz * fz) - (1.5 + (1.0 - p1 * z / fz) * (1.0 + p2 * z / fz)) * t * t
        + t.powi(4))
        / (n - 1.0);
    (y, v)
}
