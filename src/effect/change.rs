//! Standardised mean changes of one group measured twice (metafor `SMCC`, `SMCR`, `SMCRH`):
//! the post-test mean minus the pre-test mean, standardised, with Hedges' correction
//! `J(n − 1)` ([`hedges_j`]).
//!
//! Canonical columns: `mean_post, sd_post, mean_pre, sd_pre, n, ri` (`ri` the correlation of
//! the pre- and post-test scores); `SMCR` needs no `sd_post`. In metafor's arguments
//! `m1i = mean_post, m2i = mean_pre`; `sd1i = sd_post, sd2i = sd_pre` for `SMCC`; and for the
//! raw-score measures, standardised by the pre-test SD as Becker (1988) and Morris (2008),
//! `sd1i = sd_pre` (`SMCR`) and `sd1i = sd_pre, sd2i = sd_post` (`SMCRH`).

use super::fault::Bad;
use super::formulas::hedges_j;
use super::Measure;
use crate::data::fmt_f64;

/// The canonical columns of `SMCC` and `SMCRH`, in the order the kernel passes them.
pub(crate) const CHANGE: [&str; 6] = ["mean_post", "sd_post", "mean_pre", "sd_pre", "n", "ri"];
/// The canonical columns of `SMCR`.
pub(crate) const CHANGE_RAW: [&str; 5] = ["mean_post", "mean_pre", "sd_pre", "n", "ri"];

/// Standardised mean change with change-score standardisation (metafor `SMCC`, `vtype = "LS"`).
///
/// # Formula
/// `sd_d = √(sd_post² + sd_pre² − 2·r·sd_post·sd_pre)`,
/// `yi = J(n−1)·(mean_post − mean_pre)/sd_d`, `vi = 1/n + yi²/(2n)`.
pub fn smcc(
    mean_post: f64,
    sd_post: f64,
    mean_pre: f64,
    sd_pre: f64,
    n: f64,
    r: f64,
) -> (f64, f64) {
    let sd_d = (sd_post * sd_post + sd_pre * sd_pre - 2.0 * r * sd_post * sd_pre).sqrt();
    let y = hedges_j(n - 1.0) * (mean_post - mean_pre) / sd_d;
    (y, 1.0 / n + y * y / (2.0 * n))
}

/// Standardised mean change with raw-score standardisation by the pre-test SD (metafor `SMCR`,
/// `vtype = "LS"`).
///
/// # Formula
/// `yi = J(n−1)·(mean_post − mean_pre)/sd_pre`, `vi = 2(1 − r)/n + yi²/(2n)`.
pub fn smcr(mean_post: f64, mean_pre: f64, sd_pre: f64, n: f64, r: f64) -> (f64, f64) {
    let y = hedges_j(n - 1.0) * (mean_post - mean_pre) / sd_pre;
    (y, 2.0 * (1.0 - r) / n + y * y / (2.0 * n))
}

/// Standardised mean change with raw-score standardisation by the pre-test SD and a variance
/// that allows the SDs to differ (Bonett 2008; metafor `SMCRH` with `sd1i = sd_pre`,
/// `sd2i = sd_post`).
///
/// # Formula
/// `yi = J·(mean_post − mean_pre)/sd_pre`,
/// `vi = sd_d²/(sd_pre²·(n−1)) + yi²/(2(n−1))`, `J = J(n−1)` (metafor ≥ 4.6-0; metafor 3.8
/// multiplied this by `J²`).
pub fn smcrh(
    mean_post: f64,
    sd_post: f64,
    mean_pre: f64,
    sd_pre: f64,
    n: f64,
    r: f64,
) -> (f64, f64) {
    let j = hedges_j(n - 1.0);
    let var_d = sd_post * sd_post + sd_pre * sd_pre - 2.0 * r * sd_post * sd_pre;
    let y = j * (mean_post - mean_pre) / sd_pre;
    let v = var_d / (sd_pre * sd_pre * (n - 1.0)) + y * y / (2.0 * (n - 1.0));
    (y, v)
}

/// Checks one row's values (in the order of [`CHANGE`] or [`CHANGE_RAW`]).
pub(crate) fn validate(measure: Measure, v: &[f64]) -> Result<(), Bad> {
    let (sds, n, r): (&[usize], usize, usize) = if measure == Measure::Smcr {
        (&[2], 3, 4)
    } else {
        (&[1, 3], 4, 5)
    };
    if super::matched::handles(measure) {
        return validate_matched(measure, v);
    }
    if v[n] < 3.0 {
        return Err(Bad {
            col: n,
            message: format!(
                "sample size must be at least 3 for a standardised mean change, found {}",
                fmt_f64(v[n])
            ),
        });
    }
    for &j in sds {
        if v[j] < 0.0 {
            return Err(Bad {
                col: j,
                message: format!(
                    "standard deviation cannot be negative, found {}",
                    fmt_f64(v[j])
                ),
            });
        }
    }
    super::correlation::check_r(v[r], r)
}

/// [`validate`] for the measures of [`super::matched`]: n ≥ 2, SDs not negative, a correlation
/// in [−1, 1] and, for the log ratios of means (`ROMC`, `CVRC`), positive means.
fn validate_matched(measure: Measure, v: &[f64]) -> Result<(), Bad> {
    if v[4] < 2.0 {
        return Err(Bad {
            col: 4,
            message: format!(
                "sample size must be at least 2 for {}, found {}",
                measure.code(),
                fmt_f64(v[4])
            ),
        });
    }
    for j in [1usize, 3] {
        if v[j] < 0.0 {
            return Err(Bad {
                col: j,
                message: format!(
                    "standard deviation cannot be negative, found {}",
                    fmt_f64(v[j])
                ),
            });
        }
    }
    if matches!(measure, Measure::Romc | Measure::Cvrc) {
        for j in [0usize, 2] {
            if v[j] <= 0.0 {
                return Err(Bad {
                    col: j,
                    message: format!(
                        "{} needs positive means (it is a log ratio), found {}",
                        measure.code(),
                        fmt_f64(v[j])
                    ),
                });
            }
        }
    }
    super::correlation::check_r(v[5], 5)
}

/// One row's effect (values in the order of [`CHANGE`] or [`CHANGE_RAW`]): `(yi, vi)`, or the
/// reason the effect is undefined.
pub(crate) fn row(measure: Measure, v: &[f64]) -> Result<(f64, f64), String> {
    let (y, vi) = match measure {
        Measure::Smcr => smcr(v[0], v[1], v[2], v[3], v[4]),
        Measure::Smcrh => smcrh(v[0], v[1], v[2], v[3], v[4], v[5]),
        m if super::matched::handles(m) => {
            super::matched::matched(m, v[0], v[1], v[2], v[3], v[4], v[5])
        }
        _ => smcc(v[0], v[1], v[2], v[3], v[4], v[5]),
    };
    if !y.is_finite() || !vi.is_finite() {
        return Err(format!(
            "{} is undefined for these values (a standard deviation{} is 0)",
            measure.code(),
            if measure == Measure::Smcc {
                " of the change"
            } else {
                ""
            }
        ));
    }
    if vi <= 0.0 {
        return Err("sampling variance is 0".into());
    }
    Ok((y, vi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_first_study() {
        // metafor's test file (Morris 2008, treatment group of study 1): SMCR 0.5056 (vi 0.0594),
        // SMCC 0.5417 (vi 0.0573), rounded to 4 digits
        let (y, v) = smcr(38.5, 30.6, 15.0, 20.0, 0.47);
        assert!((y - 0.5056).abs() < 5e-5 && (v - 0.0594).abs() < 5e-5);
        let (y, v) = smcc(38.5, 11.6, 30.6, 15.0, 20.0, 0.47);
        assert!((y - 0.5417).abs() < 5e-5 && (v - 0.0573).abs() < 5e-5);
    }
}
