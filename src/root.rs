//! The safeguarded Newton solver shared by the distribution quantiles and the τ² root finders:
//! Newton steps on an increasing function, kept inside a bracket that every evaluation narrows,
//! with a caller-chosen fallback step when Newton leaves the bracket.

/// How a [`solve`] call ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Root {
    /// The root (the last iterate when `iterations` reached the limit).
    pub x: f64,
    /// Evaluations used.
    pub iterations: usize,
}

/// Finds the root of an increasing `f` (returning value and derivative) in `(lo, hi)` starting
/// at `x`. After each evaluation the bracket shrinks to the side of the root; a Newton step
/// outside the bracket (or an unusable derivative) is replaced by `fallback(lo, hi, x)`.
/// Stops when `f(x) == 0`, when `done(x, next, lo, hi)` holds for the step just taken from `x`
/// to `next` (`next` is returned), or after `max_iter` evaluations.
pub(crate) fn solve(
    mut f: impl FnMut(f64) -> (f64, f64),
    mut lo: f64,
    mut hi: f64,
    mut x: f64,
    fallback: impl Fn(f64, f64, f64) -> f64,
    done: impl Fn(f64, f64, f64, f64) -> bool,
    max_iter: usize,
) -> Root {
    for it in 1..=max_iter {
        let (g, dg) = f(x);
        if g == 0.0 {
            return Root { x, iterations: it };
        }
        if g < 0.0 {
            lo = lo.max(x);
        } else {
            hi = hi.min(x);
        }
        let mut next = if dg > 0.0 && dg.is_finite() {
            x - g / dg
        } else {
            f64::NAN
        };
        if !(next > lo && next < hi) {
            next = fallback(lo, hi, x);
        }
        let prev = x;
        x = next;
        if done(prev, x, lo, hi) {
            return Root { x, iterations: it };
        }
    }
    Root {
        x,
        iterations: max_iter,
    }
}
