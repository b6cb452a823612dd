//! The global maximum of a one-parameter (restricted) likelihood of τ² on `[0, ∞)`.
//!
//! Fisher scoring (metafor's algorithm) finds *a* maximum: the one uphill from its start. The
//! ML and REML likelihoods of a random-effects model can have several local maxima (e.g. one at
//! the boundary τ² = 0 and a higher one inside), and scoring can then stop at the lower one with
//! no sign that anything is wrong. This module scans the profile after scoring: the sign of the
//! score on a logarithmic grid from `1e-4·scale` (the mean sampling variance) up to an upper
//! bound beyond which the score is negative, every sign change from rising to falling bracketed
//! and refined, τ² = 0 a candidate where the score there is negative, and the candidate with the
//! highest likelihood wins.
//!
//! # Why the upper bound holds
//! For ML the score is `½ Σ wᵢ (wᵢ rᵢ² − 1)` with `wᵢ = 1/(vᵢ + τ²)`; with `τ² > max rᵢ²` every
//! term is negative. The residuals of an intercept-only fit lie within the range of the effects,
//! so past `range²` there is no maximum; REML's score differs by terms of order `1/k`. The scan
//! goes to `10·range² + 10·max vᵢ` (and at least twice the scoring estimate).
//!
//! # Cost
//! About eight score evaluations per decade of τ² (one pass over the studies each): a profile of
//! `O(k)` evaluations, a few times the cost of scoring itself, and none for closed-form methods.

use crate::error::Error;

/// Grid points per decade of τ².
const PER_DECADE: f64 = 8.0;

/// The lowest grid point, relative to the mean sampling variance: below it the likelihood is
/// flat to within the precision that matters.
const FIRST: f64 = 1e-4;

/// What the scan found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GlobalMax {
    /// τ² at the highest local maximum.
    pub tau2: f64,
    /// The number of local maxima found (τ² = 0 counts when the likelihood falls from it).
    pub maxima: usize,
    /// Score evaluations spent (grid and refinement).
    pub evaluations: usize,
}

/// The profile of a likelihood: `step(τ²)` has the sign of the score (it is the scoring step),
/// `gain(τ²)` is `ll(0) − ll(τ²)`.
pub(crate) struct Profile<S, G> {
    /// The scoring step at τ² (its sign is the score's).
    pub step: S,
    /// `ll(0) − ll(τ²)`.
    pub gain: G,
    /// The mean sampling variance (the scale of τ²).
    pub scale: f64,
    /// An upper bound on the location of any maximum (see the module docs).
    pub upper: f64,
    /// Relative convergence tolerance of the refinement (as scoring's `threshold`).
    pub threshold: f64,
    /// Iteration limit of each refinement.
    pub max_iter: usize,
}

impl<S, G> Profile<S, G>
where
    S: FnMut(f64) -> Result<f64, Error>,
    G: Fn(f64) -> Result<f64, Error>,
{
    /// The global maximum, given the maximum `found` by scoring: `found` itself unless another
    /// local maximum is more likely (by more than rounding). A point where the score or the
    /// likelihood cannot be evaluated is passed over (scoring has reported on `found` already).
    pub fn global(&mut self, found: f64) -> GlobalMax {
        let (brackets, zero_is_max, mut evaluations) = self.scan(found);
        let mut maxima = usize::from(zero_is_max);
        let mut best = (found, self.ll(found));
        if zero_is_max {
            best = self.better(best, 0.0, 0.0);
        }
        for (a, b) in brackets {
            let (t, used) = self.refine(a, b);
            evaluations += used;
            maxima += 1;
            best = self.better(best, t, self.ll(t));
        }
        GlobalMax {
            tau2: best.0,
            maxima: maxima.max(1),
            evaluations,
        }
    }

    /// `ll(τ²) − ll(0)` (NaN where it cannot be evaluated).
    fn ll(&self, t: f64) -> f64 {
        (self.gain)(t).map_or(f64::NAN, |g| -g)
    }

    /// `(t, ll)` if it is another mode, clearly more likely than `best` (rounding must not move
    /// the estimate), else `best`.
    fn better(&self, best: (f64, f64), t: f64, ll: f64) -> (f64, f64) {
        let clearly =
            ll > best.1 + 1e-10 * (1.0 + best.1.abs()) || best.1.is_nan() && ll.is_finite();
        if clearly && (t - best.0).abs() > self.tol(t) {
            (t, ll)
        } else {
            best
        }
    }

    /// The convergence tolerance at τ².
    fn tol(&self, t: f64) -> f64 {
        self.threshold * (t + self.scale)
    }

    /// The brackets `[a, b]` with a rising score at `a` and a falling one at `b`, whether τ² = 0
    /// is a local maximum, and the evaluations spent.
    fn scan(&mut self, found: f64) -> (Vec<(f64, f64)>, bool, usize) {
        let ratio = 10f64.powf(1.0 / PER_DECADE);
        let top = self.upper.max(2.0 * found).max(self.scale);
        let mut brackets = Vec::new();
        let s0 = self.score_sign(0.0);
        let zero_is_max = s0 <= 0.0;
        let (mut prev_t, mut prev_s) = (0.0, s0);
        let mut t = FIRST * self.scale;
        let mut evaluations = 1;
        while prev_t < top && t.is_finite() {
            let s = self.score_sign(t);
            evaluations += 1;
            if prev_s > 0.0 && s <= 0.0 {
                brackets.push((prev_t, t));
            }
            (prev_t, prev_s) = (t, s);
            t *= ratio;
        }
        (brackets, zero_is_max, evaluations)
    }

    /// The scoring step at τ² (NaN where it cannot be evaluated).
    fn score_sign(&mut self, t: f64) -> f64 {
        (self.step)(t).unwrap_or(f64::NAN)
    }

    /// The maximum inside `[a, b]` (score rising at `a`, falling at `b`) by safeguarded scoring
    /// steps; returns it and the evaluations spent.
    fn refine(&mut self, a: f64, b: f64) -> (f64, usize) {
        let (threshold, scale) = (self.threshold, self.scale);
        let step = &mut self.step;
        let r = crate::root::solve_guarded(
            |t| match step(t) {
                Ok(st) if st.is_finite() => (-st, 1.0),
                _ => (0.0, 1.0),
            },
            crate::root::Search {
                lo: a,
                hi: b,
                x: 0.5 * (a + b),
                max_iter: self.max_iter,
                force_progress: true,
            },
            |lo, hi, _| 0.5 * (lo + hi),
            |prev, t, lo, hi| {
                (t - prev).abs() <= threshold * (t + scale) || (hi - lo) <= threshold * (hi + scale)
            },
        );
        (r.x.clamp(a, b), r.iterations)
    }
}
