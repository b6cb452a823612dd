//! Proportions of a single group (metafor `PR`, `PLO`, `PFT`) from the canonical columns
//! `events, n`.
//!
//! As escalc: `PR` and `PLO` add `add` (½) to the events and non-events of a row with none of
//! either (`to = only0`; `all`, `if0all` and `none` as for 2×2 tables); `PFT` adds nothing
//! (escalc's default `add = 0` for it).

use super::fault::Bad;
use super::{AddTo, EffectOptions, Measure};
use crate::data::fmt_f64;

/// The canonical columns of `PR`, `PLO` and `PFT`, in the order the kernel passes them.
pub(crate) const PROPORTION: [&str; 2] = ["events", "n"];

/// A raw proportion and its variance (metafor `PR`, `vtype = "LS"`), after any correction.
///
/// # Formula
/// `p = x/n`, `yi = p`, `vi = p(1 − p)/n`.
pub fn proportion(x: f64, n: f64) -> (f64, f64) {
    let p = x / n;
    (p, p * (1.0 - p) / n)
}

/// A logit-transformed proportion (metafor `PLO`), after any correction.
///
/// # Formula
/// `yi = ln(x/(n − x))`, `vi = 1/x + 1/(n − x)`.
pub fn logit_proportion(x: f64, n: f64) -> (f64, f64) {
    let m = n - x;
    ((x / m).ln(), 1.0 / x + 1.0 / m)
}

/// The Freeman–Tukey double arcsine transformed proportion (metafor `PFT`).
///
/// # Formula
/// `yi = ½·(asin √(x/(n+1)) + asin √((x+1)/(n+1)))`, `vi = 1/(4n + 2)`.
pub fn freeman_tukey(x: f64, n: f64) -> (f64, f64) {
    (
        0.5 * ((x / (n + 1.0)).sqrt().asin() + ((x + 1.0) / (n + 1.0)).sqrt().asin()),
        1.0 / (4.0 * n + 2.0),
    )
}

/// A log-transformed proportion (metafor `PLN`), after any correction.
///
/// # Formula
/// `yi = ln(x/n)`, `vi = 1/x − 1/n`.
pub fn log_proportion(x: f64, n: f64) -> (f64, f64) {
    ((x / n).ln(), 1.0 / x - 1.0 / n)
}

/// The arcsine square-root transformed proportion (metafor `PAS`).
///
/// # Formula
/// `yi = asin √(x/n)`, `vi = 1/(4n)`.
pub fn arcsine_proportion(x: f64, n: f64) -> (f64, f64) {
    ((x / n).sqrt().asin(), 0.25 / n)
}

/// True when a row (`events, n`) has no events or only events.
pub(crate) fn has_zero(v: &[f64]) -> bool {
    v[0] == 0.0 || v[0] == v[1]
}

/// Checks one row's values (`events, n`).
pub(crate) fn validate(v: &[f64]) -> Result<(), Bad> {
    if v[1] <= 0.0 {
        return Err(Bad {
            col: 1,
            message: format!("group size must be positive, found {}", fmt_f64(v[1])),
        });
    }
    if v[0] < 0.0 || v[0] > v[1] {
        return Err(Bad {
            col: 0,
            message: format!(
                "events must lie between 0 and the group size ({}), found {}",
                fmt_f64(v[1]),
                fmt_f64(v[0])
            ),
        });
    }
    Ok(())
}

/// One row's effect (`events, n`), or why it is undefined. `any_zero`: whether any row of the
/// analysis has no events or only events (for `to = if0all`).
pub(crate) fn row(
    measure: Measure,
    v: &[f64],
    opts: &EffectOptions,
    any_zero: bool,
) -> Result<(f64, f64), String> {
    let (mut x, mut m) = (v[0], v[1] - v[0]);
    if !matches!(measure, Measure::Pft | Measure::Pas) {
        let add = match opts.to {
            AddTo::All => true,
            AddTo::Only0 => has_zero(v),
            AddTo::If0All => any_zero,
            AddTo::None => false,
        };
        if add {
            x += opts.add;
            m += opts.add;
        }
    }
    let (y, vi) = match measure {
        Measure::Pr => proportion(x, x + m),
        Measure::Plo => logit_proportion(x, x + m),
        Measure::Pln => log_proportion(x, x + m),
        Measure::Pas => arcsine_proportion(x, x + m),
        _ => freeman_tukey(x, x + m),
    };
    if !y.is_finite() || !vi.is_finite() {
        return Err(format!(
            "{} is undefined for no events or only events (no continuity correction is added)",
            measure.code()
        ));
    }
    if vi <= 0.0 {
        return Err("sampling variance is 0 (no events or only events)".into());
    }
    Ok((y, vi))
}
