//! Incidence rates per arm (metafor `IRR`, `IRD`, `IRSD`) from the canonical columns
//! `events_t, person_time_t, events_c, person_time_c` (service use, admissions: events and the
//! person-time at risk in each arm).
//!
//! As escalc: `IRR` and `IRD` add `add` (½) to both event counts of a study with a zero count
//! (`to = only0`; `all`, `if0all`, `none` as for 2×2 tables); `IRSD` adds nothing (escalc's
//! default `add = 0` for it). With `drop00`, studies without events in both arms are dropped.

use super::fault::Bad;
use super::{AddTo, EffectOptions, Measure};
use crate::data::fmt_f64;

/// The canonical columns of the rate measures, in the order the kernel passes them.
pub(crate) const RATE: [&str; 4] = ["events_t", "person_time_t", "events_c", "person_time_c"];

/// An incidence-rate measure and its variance from events `x1`, `x2` and person-time `t1`,
/// `t2` (intervention, control), after any continuity correction.
///
/// # Formula
/// `IRR`: `yi = ln((x1/t1)/(x2/t2))`, `vi = 1/x1 + 1/x2`;
/// `IRD`: `yi = x1/t1 − x2/t2`, `vi = x1/t1² + x2/t2²`;
/// `IRSD`: `yi = √(x1/t1) − √(x2/t2)`, `vi = 1/(4t1) + 1/(4t2)`.
/// Other measures give NaN.
pub fn incidence_rates(measure: Measure, x1: f64, t1: f64, x2: f64, t2: f64) -> (f64, f64) {
    let (r1, r2) = (x1 / t1, x2 / t2);
    match measure {
        Measure::Irr => (r1.ln() - r2.ln(), 1.0 / x1 + 1.0 / x2),
        Measure::Ird => (r1 - r2, r1 / t1 + r2 / t2),
        Measure::Irsd => (r1.sqrt() - r2.sqrt(), 1.0 / (4.0 * t1) + 1.0 / (4.0 * t2)),
        _ => (f64::NAN, f64::NAN),
    }
}

/// True when a study has no events in an arm.
pub(crate) fn has_zero(v: &[f64]) -> bool {
    v[0] == 0.0 || v[2] == 0.0
}

/// Checks one row's values (in the order of [`RATE`]).
pub(crate) fn validate(v: &[f64]) -> Result<(), Bad> {
    for (x, t) in [(0usize, 1usize), (2, 3)] {
        if v[x] < 0.0 {
            return Err(Bad {
                col: x,
                message: format!("events cannot be negative, found {}", fmt_f64(v[x])),
            });
        }
        if v[t] <= 0.0 {
            return Err(Bad {
                col: t,
                message: format!("person-time must be positive, found {}", fmt_f64(v[t])),
            });
        }
    }
    Ok(())
}

/// One row's effect (in the order of [`RATE`]), or why it is undefined or dropped.
pub(crate) fn row(
    measure: Measure,
    v: &[f64],
    opts: &EffectOptions,
    any_zero: bool,
) -> Result<(f64, f64), String> {
    let (mut x1, t1, mut x2, t2) = (v[0], v[1], v[2], v[3]);
    if opts.drop00 && x1 == 0.0 && x2 == 0.0 {
        return Err("no events in both arms, dropped (double-zero studies are dropped)".into());
    }
    if measure != Measure::Irsd {
        let add = match opts.to {
            AddTo::All => true,
            AddTo::Only0 => has_zero(v),
            AddTo::If0All => any_zero,
            AddTo::None => false,
        };
        if add {
            x1 += opts.add;
            x2 += opts.add;
        }
    }
    let (y, vi) = incidence_rates(measure, x1, t1, x2, t2);
    if !y.is_finite() || !vi.is_finite() {
        return Err(format!(
            "{} is undefined for a study with no events in an arm (no continuity correction is added)",
            measure.code()
        ));
    }
    if vi <= 0.0 {
        return Err("sampling variance is 0 (no events in both arms)".into());
    }
    Ok((y, vi))
}
