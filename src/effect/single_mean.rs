//! Measures of a single group's mean and SD (metafor `MN`, `MNLN`, `CVLN`, `SDLN`, `SMN`) from
//! the canonical columns `mean, sd, n` (metafor's `mi, sdi, ni`).

use super::fault::Bad;
use super::formulas::hedges_j;
use super::Measure;
use crate::data::fmt_f64;

/// The canonical columns, in the order the kernel passes them.
pub(crate) const MEAN: [&str; 3] = ["mean", "sd", "n"];

/// A single-group measure and its variance (metafor 3.8.1 and 5.0 alike) from the mean `m`, SD
/// `sd` and size `n`. Other measures give NaN.
///
/// # Formula
/// `MN`: `yi = m`, `vi = sd²/n`; `MNLN`: `yi = ln m`, `vi = sd²/(n·m²)`;
/// `CVLN`: `yi = ln(sd/m) + 1/(2(n−1))`, `vi = 1/(2(n−1)) + sd²/(n·m²)`;
/// `SDLN`: `yi = ln sd + 1/(2(n−1))`, `vi = 1/(2(n−1))`;
/// `SMN`: `yi = J(n−1)·m/sd`, `vi = 1/n + yi²/(2n)`.
///
/// # Examples
/// ```
/// use peerstat::effect::{single_mean, Measure};
/// let (y, v) = single_mean(Measure::Mn, 10.0, 2.0, 16.0);
/// assert_eq!((y, v), (10.0, 0.25));
/// ```
pub fn single_mean(measure: Measure, m: f64, sd: f64, n: f64) -> (f64, f64) {
    let h = 0.5 / (n - 1.0);
    match measure {
        Measure::Mn => (m, sd * sd / n),
        Measure::Mnln => (m.ln(), sd * sd / (n * m * m)),
        Measure::Cvln => ((sd / m).ln() + h, h + sd * sd / (n * m * m)),
        Measure::Sdln => (sd.ln() + h, h),
        Measure::Smn => {
            let y = hedges_j(n - 1.0) * m / sd;
            (y, 1.0 / n + y * y / (2.0 * n))
        }
        _ => (f64::NAN, f64::NAN),
    }
}

/// Checks one row's values (`mean, sd, n`): SD not negative, n positive, and a positive mean
/// for the log measures.
pub(crate) fn validate(measure: Measure, v: &[f64]) -> Result<(), Bad> {
    if v[1] < 0.0 {
        return Err(Bad {
            col: 1,
            message: format!(
                "standard deviation cannot be negative, found {}",
                fmt_f64(v[1])
            ),
        });
    }
    if v[2] <= 0.0 {
        return Err(Bad {
            col: 2,
            message: format!("group size must be positive, found {}", fmt_f64(v[2])),
        });
    }
    if matches!(measure, Measure::Mnln | Measure::Cvln) && v[0] <= 0.0 {
        return Err(Bad {
            col: 0,
            message: format!(
                "{} needs a positive mean (it takes its log), found {}",
                measure.code(),
                fmt_f64(v[0])
            ),
        });
    }
    Ok(())
}

/// One row's effect (`mean, sd, n`), or why it is undefined.
pub(crate) fn row(measure: Measure, v: &[f64]) -> Result<(f64, f64), String> {
    let (y, vi) = single_mean(measure, v[0], v[1], v[2]);
    if !y.is_finite() || !vi.is_finite() {
        return Err(format!(
            "{} is undefined for these values (n = {}, sd = {})",
            measure.code(),
            fmt_f64(v[2]),
            fmt_f64(v[1])
        ));
    }
    if vi <= 0.0 {
        return Err("sampling variance is 0 (SD of 0)".into());
    }
    Ok((y, vi))
}
