//! Incidence rates of a single group (metafor `IR`, `IRLN`, `IRS`, `IRFT`) from the canonical
//! columns `events, person_time` (metafor's `xi, ti`).
//!
//! As escalc: `IR` and `IRLN` add `add` (½) to the events of a row with none (`to = only0`;
//! `all`, `if0all` and `none` as for 2×2 tables); `IRS` and `IRFT` add nothing (escalc's default
//! `add = 0` for them).

use super::fault::Bad;
use super::{AddTo, EffectOptions, Measure};
use crate::data::fmt_f64;

/// The canonical columns, in the order the kernel passes them.
pub(crate) const SINGLE_RATE: [&str; 2] = ["events", "person_time"];

/// A single-group rate measure and its variance from events `x` and person-time `t`, after any
/// correction. Other measures give NaN.
///
/// # Formula
/// `IR`: `yi = x/t`, `vi = x/t²`; `IRLN`: `yi = ln(x/t)`, `vi = 1/x`;
/// `IRS`: `yi = √(x/t)`, `vi = 1/(4t)`; `IRFT`: `yi = ½(√(x/t) + √(x/t + 1/t))`, `vi = 1/(4t)`.
///
/// # Examples
/// ```
/// use peerstat::effect::{single_rate, Measure};
/// let (y, v) = single_rate(Measure::Ir, 4.0, 200.0);
/// assert!((y - 0.02).abs() < 1e-15 && (v - 1e-4).abs() < 1e-15);
/// ```
pub fn single_rate(measure: Measure, x: f64, t: f64) -> (f64, f64) {
    let r = x / t;
    match measure {
        Measure::Ir => (r, r / t),
        Measure::Irln => (r.ln(), 1.0 / x),
        Measure::Irs => (r.sqrt(), 0.25 / t),
        Measure::Irft => (0.5 * (r.sqrt() + (r + 1.0 / t).sqrt()), 0.25 / t),
        _ => (f64::NAN, f64::NAN),
    }
}

/// True when a row has no events (the rows `to = only0` corrects); never for `IRS`, `IRFT`.
pub(crate) fn has_zero(measure: Measure, v: &[f64]) -> bool {
    !matches!(measure, Measure::Irs | Measure::Irft) && v[0] == 0.0
}

/// Checks one row's values (`events, person_time`).
pub(crate) fn validate(v: &[f64]) -> Result<(), Bad> {
    if v[0] < 0.0 {
        return Err(Bad {
            col: 0,
            message: format!("events cannot be negative, found {}", fmt_f64(v[0])),
        });
    }
    if v[1] <= 0.0 {
        return Err(Bad {
            col: 1,
            message: format!("person-time must be positive, found {}", fmt_f64(v[1])),
        });
    }
    Ok(())
}

/// One row's effect, or why it is undefined. `any_zero`: whether any row of the analysis has no
/// events (for `to = if0all`).
pub(crate) fn row(
    measure: Measure,
    v: &[f64],
    opts: &EffectOptions,
    any_zero: bool,
) -> Result<(f64, f64), String> {
    let (mut x, t) = (v[0], v[1]);
    if !matches!(measure, Measure::Irs | Measure::Irft) {
        let add = match opts.to {
            AddTo::All => true,
            AddTo::Only0 => x == 0.0,
            AddTo::If0All => any_zero,
            AddTo::None => false,
        };
        if add {
            x += opts.add;
        }
    }
    let (y, vi) = single_rate(measure, x, t);
    if !y.is_finite() || !vi.is_finite() {
        return Err(format!(
            "{} is undefined for no events (no continuity correction is added)",
            measure.code()
        ));
    }
    if vi <= 0.0 {
        return Err("sampling variance is 0 (no events)".into());
    }
    Ok((y, vi))
}
