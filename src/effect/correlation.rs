//! Correlation coefficients (metafor `COR`, `ZCOR`) from the canonical columns `ri, n`.

use super::fault::Bad;
use super::Measure;
use crate::data::fmt_f64;

/// The canonical columns of `COR` and `ZCOR`, in the order the kernel passes them.
pub(crate) const CORRELATION: [&str; 2] = ["ri", "n"];

/// The raw correlation and its large-sample variance (metafor `COR`, `vtype = "LS"`).
///
/// # Formula
/// `yi = r`, `vi = (1 − r²)²/(n − 1)`.
pub fn correlation(r: f64, n: f64) -> (f64, f64) {
    (r, (1.0 - r * r).powi(2) / (n - 1.0))
}

/// Fisher's r-to-z transformed correlation (metafor `ZCOR`).
///
/// # Formula
/// `yi = ½·ln((1 + r)/(1 − r)) = atanh(r)`, `vi = 1/(n − 3)`.
pub fn fisher_z(r: f64, n: f64) -> (f64, f64) {
    (r.atanh(), 1.0 / (n - 3.0))
}

/// The bias-corrected correlation (Olkin & Pratt 1958; metafor `UCOR`, `vtype = "LS"`).
///
/// # Formula
/// `yi = r·₂F₁(½, ½; (n − 2)/2; 1 − r²)`, `vi = (1 − yi²)²/(n − 1)`; undefined (NaN) for
/// `n ≤ 4`.
///
/// # Examples
/// ```
/// use peerstat::effect::unbiased_correlation;
/// // metafor: escalc("UCOR", ri = 0.3, ni = 20): 0.308538076874
/// let (y, _) = unbiased_correlation(0.3, 20.0);
/// assert!((y - 0.308538076874).abs() < 1e-11);
/// ```
pub fn unbiased_correlation(r: f64, n: f64) -> (f64, f64) {
    if n <= 4.0 {
        return (f64::NAN, f64::NAN);
    }
    let y = r * super::hyperg::hyperg_2f1(0.5, 0.5, (n - 2.0) / 2.0, 1.0 - r * r);
    (y, (1.0 - y * y).powi(2) / (n - 1.0))
}

/// A correlation must lie in [−1, 1]; `col` is its index among the needed columns.
pub(crate) fn check_r(r: f64, col: usize) -> Result<(), Bad> {
    if r.abs() > 1.0 {
        return Err(Bad {
            col,
            message: format!(
                "a correlation must lie between -1 and 1, found {}",
                fmt_f64(r)
            ),
        });
    }
    Ok(())
}

/// Checks one row's values (`ri, n`).
pub(crate) fn validate(v: &[f64]) -> Result<(), Bad> {
    check_r(v[0], 0)?;
    if v[1] <= 0.0 {
        return Err(Bad {
            col: 1,
            message: format!("sample size must be positive, found {}", fmt_f64(v[1])),
        });
    }
    Ok(())
}

/// One row's effect (`ri, n`), or why it is undefined: as metafor, no variance for `n ≤ 3`.
pub(crate) fn row(measure: Measure, v: &[f64]) -> Result<(f64, f64), String> {
    let (r, n) = (v[0], v[1]);
    if n <= 3.0 {
        return Err(format!(
            "the sampling variance of a correlation needs a sample size above 3, found {}",
            fmt_f64(n)
        ));
    }
    let (y, vi) = match measure {
        Measure::Zcor => fisher_z(r, n),
        Measure::Ucor => unbiased_correlation(r, n),
        _ => correlation(r, n),
    };
    if !y.is_finite() || !vi.is_finite() || vi <= 0.0 {
        return Err(format!(
            "{} is undefined for a correlation of {} (zero sampling variance)",
            measure.code(),
            fmt_f64(r)
        ));
    }
    Ok((y, vi))
}
