//! Profile-likelihood confidence intervals for the variance components (metafor's
//! `confint.rma.mv`): for component `l`, the values of `σ²_l` where
//! `2·(ll_max − ll_profile(σ²_l)) = χ²₁(level)`, the other estimated components refitted with
//! `σ²_l` held at each value.

use std::cell::RefCell;

use super::kernel::{fisher_scoring, Blocks};

/// A fitted model, ready to be profiled.
pub(super) struct Profile<'a> {
    /// The data, split into blocks.
    pub blocks: &'a Blocks,
    /// The estimates.
    pub s2: &'a [f64],
    /// Components held at given values (not profiled, never refitted).
    pub held: &'a [bool],
    /// The maximised (restricted) log-likelihood.
    pub ll_max: f64,
    /// REML (else ML).
    pub reml: bool,
    /// The scale of the variances (mean sampling variance).
    pub scale: f64,
    /// Convergence threshold of Fisher scoring.
    pub threshold: f64,
    /// Iteration limit of Fisher scoring.
    pub max_iter: usize,
    /// The other components at the last profile point, the start of the next refit (the search
    /// moves in small steps, so a warm start saves most iterations); reset to the estimates for
    /// every bound.
    pub warm: RefCell<Vec<f64>>,
}

/// Evaluations allowed per bound.
const MAX_EVALS: usize = 200;

impl Profile<'_> {
    /// The interval of every component at `level` percent: `[NaN, NaN]` for a held component,
    /// `NaN` for a bound whose search failed (a refit that did not converge); beside it, per
    /// bound, whether it is the end of the search interval (the deviance there is still below
    /// the cut-off: metafor's `>`).
    pub(super) fn intervals(&self, level: f64) -> Vec<([f64; 2], [bool; 2])> {
        let z = crate::dist::norm_quantile(0.5 + level / 200.0);
        let cut = z * z;
        (0..self.s2.len())
            .map(|l| {
                if self.held[l] {
                    ([f64::NAN, f64::NAN], [false; 2])
                } else {
                    self.interval(l, cut)
                }
            })
            .collect()
    }

    /// `2·(ll_max − ll_profile(val)) − cut` for component `l`; `None` when the refit fails.
    fn excess(&self, l: usize, val: f64, cut: f64) -> Option<f64> {
        let mut start = self.warm.borrow().clone();
        start[l] = val;
        let mut fixed = self.held.to_vec();
        fixed[l] = true;
        let sc = fisher_scoring(
            self.blocks,
            &start,
            &fixed,
            self.reml,
            self.scale,
            self.threshold,
            self.max_iter,
        )
        .ok()?;
        *self.warm.borrow_mut() = sc.s2;
        Some(2.0 * (self.ll_max - sc.eval.ll) - cut)
    }

    /// The interval of component `l` with χ² cut-off `cut`, and whether each bound is the end
    /// of the search interval.
    fn interval(&self, l: usize, cut: f64) -> ([f64; 2], [bool; 2]) {
        let est = self.s2[l];
        // metafor: for a variance, the lower end of the search at 0, the upper at
        // max(10, 100·σ̂²) (10 when σ̂² is at most √eps); for a correlation, [−1, 1] (AR, HAR:
        // [min(0, ρ̂), 1]).
        let (lo, hi, tol) = match self.blocks.structure().filter(|_| self.blocks.is_rho(l)) {
            Some(s) => {
                let (lo, hi) = s.rho_search(est);
                (lo, hi, 1e-12)
            }
            None => {
                let hi = if est <= f64::EPSILON.sqrt() {
                    10.0
                } else {
                    (100.0 * est).max(10.0)
                };
                (0.0, hi, 1e-12 * (self.scale + est))
            }
        };
        let at_est = -cut;
        let rho = self.blocks.is_rho(l);
        self.warm.replace(self.s2.to_vec());
        let lower = if rho {
            self.walk(l, cut, est, lo, tol, false).0
        } else {
            match self.excess(l, lo, cut) {
                Some(f0) if f0 < 0.0 || est <= lo => lo,
                Some(f0) => self.root(l, cut, (lo, f0), (est, at_est), tol),
                None => f64::NAN,
            }
        };
        self.warm.replace(self.s2.to_vec());
        let (upper, at_end) = self.walk(l, cut, est, hi, tol, !rho);
        // An upper bound of a variance at the end of the search lies beyond it (metafor's
        // `>`); a correlation's end, 1, is the edge of its range.
        ([lower, upper], [false, at_end && !rho])
    }

    /// The bound between `est` and the end of the search `end`: steps from `est` towards `end`
    /// (each refit warm-started from the last, which keeps the refits on the profile path),
    /// then the root in the first step whose excess deviance turns positive; `end` when it
    /// never does (flagged `true`). Variances step geometrically (×4 from
    /// `max(σ̂², 10⁻⁶·scale)`), correlations halve the distance to `end` four times and then
    /// take it.
    fn walk(
        &self,
        l: usize,
        cut: f64,
        est: f64,
        end: f64,
        tol: f64,
        geometric: bool,
    ) -> (f64, bool) {
        if est == end {
            return (end, true);
        }
        let mut a = (est, -cut);
        let mut x = est.max(1e-6 * self.scale);
        for j in 1..=40 {
            x = if geometric {
                (x * 4.0).min(end)
            } else if j <= 4 {
                est + (end - est) * (1.0 - 0.5f64.powi(j))
            } else {
                end
            };
            let Some(fx) = self.excess(l, x, cut) else {
                return (f64::NAN, false);
            };
            if fx >= 0.0 {
                return (self.root(l, cut, a, (x, fx), tol), false);
            }
            if x == end {
                return (end, true);
            }
            a = (x, fx);
        }
        (end, true)
    }

    /// The root of the excess deviance between `a` and `b` (points with their values, of
    /// opposite signs) by the Illinois variant of regula falsi, to within `tol`; `NaN` when a
    /// refit fails.
    fn root(&self, l: usize, cut: f64, a: (f64, f64), b: (f64, f64), tol: f64) -> f64 {
        let ((mut xa, mut fa), (mut xb, mut fb)) = (a, b);
        for _ in 0..MAX_EVALS {
            if (xb - xa).abs() <= tol {
                break;
            }
            let mut x = xb - fb * (xb - xa) / (fb - fa);
            if !(x > xa.min(xb) && x < xa.max(xb)) {
                x = 0.5 * (xa + xb);
            }
            let Some(fx) = self.excess(l, x, cut) else {
                return f64::NAN;
            };
            let step = (x - xb).abs();
            if fx == 0.0 {
                return x;
            }
            if (fx > 0.0) == (fb > 0.0) {
                // The same end retained again: halve its value (Illinois).
                fa *= 0.5;
            } else {
                xa = xb;
                fa = fb;
            }
            xb = x;
            fb = fx;
            if step <= tol {
                return x;
            }
        }
        // The end of the bracket with the smaller excess in absolute value.
        if fa.abs() < fb.abs() {
            xa
        } else {
            xb
        }
    }
}
