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
    /// Steps where Newton left the bracket and the fallback was taken.
    pub fallbacks: usize,
    /// Whether the stopping rule (or an exact zero) ended the search, rather than `max_iter`.
    pub converged: bool,
}

/// Finds the root of an increasing `f` (returning value and derivative) in `(lo, hi)` starting
/// at `x`. After each evaluation the bracket shrinks to the side of the root; a Newton step
/// outside the bracket (or an unusable derivative) is replaced by `fallback(lo, hi, x)`.
/// Stops when `f(x) == 0`, when `done(x, next, lo, hi)` holds for the step just taken from `x`
/// to `next` (`next` is returned), or after `max_iter` evaluations.
pub(crate) fn solve(
    f: impl FnMut(f64) -> (f64, f64),
    lo: f64,
    hi: f64,
    x: f64,
    fallback: impl Fn(f64, f64, f64) -> f64,
    done: impl Fn(f64, f64, f64, f64) -> bool,
    max_iter: usize,
) -> Root {
    solve_guarded(f, lo, hi, x, fallback, done, max_iter, false)
}

/// As [`solve`]; with `force_progress`, a Newton step longer than half the step before last
/// (with a finite bracket) is replaced by the fallback, as in Numerical Recipes' `rtsafe`:
/// Newton can cycle inside a bracket — Fisher scoring does — and would then creep.
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_guarded(
    mut f: impl FnMut(f64) -> (f64, f64),
    mut lo: f64,
    mut hi: f64,
    mut x: f64,
    fallback: impl Fn(f64, f64, f64) -> f64,
    done: impl Fn(f64, f64, f64, f64) -> bool,
    max_iter: usize,
    force_progress: bool,
) -> Root {
    let mut fallbacks = 0;
    let mut steps = [f64::INFINITY; 2];
    for it in 1..=max_iter {
        let (g, dg) = f(x);
        if g == 0.0 {
            return Root {
                x,
                iterations: it,
                fallbacks,
                converged: true,
            };
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
        let stalled = force_progress && hi.is_finite() && (next - x).abs() > 0.5 * steps[0];
        if stalled || !(next > lo && next < hi) {
            next = fallback(lo, hi, x);
            fallbacks += 1;
        }
        steps = [steps[1], (next - x).abs()];
        let prev = x;
        x = next;
        if done(prev, x, lo, hi) {
            return Root {
                x,
                iterations: it,
                fallbacks,
                converged: true,
            };
        }
    }
    Root {
        x,
        iterations: max_iter,
        fallbacks,
        converged: false,
    }
}
