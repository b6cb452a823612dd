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
    bracket: Bracket,
    fallback: impl Fn(f64, f64, f64) -> f64,
    done: impl Fn(f64, f64, f64, f64) -> bool,
    max_iter: usize,
) -> Root {
    let Bracket { lo, hi, x } = bracket;
    let search = Search {
        lo,
        hi,
        x,
        max_iter,
        force_progress: false,
    };
    solve_guarded(f, search, fallback, done)
}

/// The bracket `(lo, hi)` a [`solve`] search stays inside, and its starting point `x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bracket {
    /// Lower end of the bracket.
    pub lo: f64,
    /// Upper end of the bracket (may be infinite).
    pub hi: f64,
    /// The starting point.
    pub x: f64,
}

impl Bracket {
    /// The bracket `(lo, hi)` with starting point `x`.
    pub(crate) fn new(lo: f64, hi: f64, x: f64) -> Bracket {
        Bracket { lo, hi, x }
    }
}

/// Where a [`solve_guarded`] search starts and how it may step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Search {
    /// Lower end of the bracket.
    pub lo: f64,
    /// Upper end of the bracket (may be infinite).
    pub hi: f64,
    /// The starting point.
    pub x: f64,
    /// The most evaluations.
    pub max_iter: usize,
    /// Whether a Newton step longer than half the step before last is replaced by the fallback.
    pub force_progress: bool,
}

/// As [`solve`], from `search`; with `search.force_progress`, a Newton step longer than half the step before last
/// (with a finite bracket) is replaced by the fallback, as in Numerical Recipes' `rtsafe`:
/// Newton can cycle inside a bracket — Fisher scoring does — and would then creep.
pub(crate) fn solve_guarded(
    mut f: impl FnMut(f64) -> (f64, f64),
    search: Search,
    fallback: impl Fn(f64, f64, f64) -> f64,
    done: impl Fn(f64, f64, f64, f64) -> bool,
) -> Root {
    let Search {
        mut lo,
        mut hi,
        mut x,
        max_iter,
        force_progress,
    } = search;
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
