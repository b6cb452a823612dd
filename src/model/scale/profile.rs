//! Profile-likelihood confidence intervals of the scale coefficients (metafor
//! `confint(fit, alpha = j)`): the values of αⱼ where the (restricted) log-likelihood, maximised
//! over the other coefficients, falls `χ²₁(level)/2` below its maximum.

use nalgebra::DVector;
use serde::Serialize;

use super::kernel::{Optimum, Problem};
use crate::dist;

/// A profile-likelihood confidence interval of one scale coefficient (metafor
/// `confint(fit, alpha = j)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlphaInterval {
    /// The coefficient's name.
    pub name: String,
    /// The estimate.
    pub estimate: f64,
    /// Lower limit (`null` when the profile does not fall far enough within the search range).
    pub ci_lower: f64,
    /// Upper limit.
    pub ci_upper: f64,
}

/// How far from the estimate a limit is searched, in standard errors (and at least in units).
const REACH_SE: f64 = 200.0;

/// The profile CI of every scale coefficient; a limit that cannot be found (the profile stays
/// above the cut-off within the search range, or a refit fails) is NaN.
pub(super) fn intervals(
    problem: &Problem<'_>,
    opt: &Optimum,
    names: &[String],
    level: f64,
    max_iter: usize,
) -> Vec<AlphaInterval> {
    let cut = 0.5 * dist::chi2_quantile(level / 100.0, 1.0);
    let neg_h = -&opt.eval.hess;
    let se: Vec<f64> = match neg_h.cholesky() {
        Some(c) => c
            .inverse()
            .diagonal()
            .iter()
            .map(|d| d.max(0.0).sqrt())
            .collect(),
        None => vec![1.0; names.len()],
    };
    names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            // Each refit starts from the optimum of the nearest point profiled so far (the
            // profile is followed outwards, so its other coefficients move continuously).
            let last = std::cell::RefCell::new(vec![(opt.alpha[j], opt.alpha.clone())]);
            let drop = |a: f64| -> Option<f64> {
                let (ll, at) = best_refit(problem, &nearest(&last.borrow(), a), j, a, max_iter)?;
                last.borrow_mut().push((a, at));
                Some(opt.eval.ll - ll - cut)
            };
            let est = opt.alpha[j];
            let step = se[j].max(1e-3);
            AlphaInterval {
                name: name.clone(),
                estimate: est,
                ci_lower: limit(&drop, est, -step),
                ci_upper: limit(&drop, est, step),
            }
        })
        .collect()
}

/// The profile at `αⱼ = a`: the best of refits started from `from` with αⱼ replaced, and with
/// the intercept (column 0) shifted to keep τ² fixed at the studies with the smallest and the
/// largest zⱼ (the profile can have two modes, as when αⱼ of a factor level grows and either
/// level's τ² may give way).
fn best_refit(
    problem: &Problem<'_>,
    from: &DVector<f64>,
    j: usize,
    a: f64,
    max_iter: usize,
) -> Option<(f64, DVector<f64>)> {
    let mut fixed = vec![false; from.len()];
    fixed[j] = true;
    let shift = a - from[j];
    let zj = problem.z.column(j);
    let (lo, hi) = zj
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &z| {
            (l.min(z), h.max(z))
        });
    let mut best: Option<(f64, DVector<f64>)> = None;
    let offsets: &[f64] = if j == 0 { &[0.0] } else { &[0.0, lo, hi] };
    for &o in offsets {
        let mut start = from.clone();
        start[j] = a;
        if j != 0 {
            start[0] -= shift * o;
        }
        let found = if start.len() == 1 {
            problem.eval(&start, false).ok().map(|e| (e.ll, start))
        } else {
            problem
                .maximise(start, &fixed, max_iter)
                .ok()
                .map(|o| (o.eval.ll, o.alpha))
        };
        if let Some((ll, at)) = found {
            if best.as_ref().is_none_or(|b| ll > b.0) {
                best = Some((ll, at));
            }
        }
    }
    best
}

/// The optimum found at the profiled value nearest to `a`.
fn nearest(found: &[(f64, DVector<f64>)], a: f64) -> DVector<f64> {
    found
        .iter()
        .min_by(|x, y| (x.0 - a).abs().total_cmp(&(y.0 - a).abs()))
        .map(|x| x.1.clone())
        .unwrap_or_default()
}

/// The root of `drop` (negative at `est`) on the side of `step`: the bracket is found by
/// doubling `step`, the root by bisection refined with the secant (Illinois) rule.
fn limit(drop: &dyn Fn(f64) -> Option<f64>, est: f64, step: f64) -> f64 {
    let (mut inner, mut f_inner) = (est, drop(est).unwrap_or(f64::NAN));
    if !f_inner.is_finite() || f_inner >= 0.0 {
        return f64::NAN;
    }
    let mut h = 2.0 * step;
    let (mut outer, mut f_outer);
    loop {
        outer = est + h;
        match drop(outer) {
            Some(f) if f >= 0.0 => {
                f_outer = f;
                break;
            }
            Some(f) => {
                inner = outer;
                f_inner = f;
            }
            None => return f64::NAN,
        }
        h *= 2.0;
        if h.abs() > REACH_SE * step.abs() {
            return f64::NAN;
        }
    }
    let mut side = 0;
    for _ in 0..200 {
        let mut x = (inner * f_outer - outer * f_inner) / (f_outer - f_inner);
        if !x.is_finite() || (x - inner) * (x - outer) >= 0.0 {
            x = 0.5 * (inner + outer);
        }
        let Some(fx) = drop(x) else {
            return f64::NAN;
        };
        if fx < 0.0 {
            inner = x;
            f_inner = fx;
            if side == -1 {
                f_outer *= 0.5;
            }
            side = -1;
        } else {
            outer = x;
            f_outer = fx;
            if side == 1 {
                f_inner *= 0.5;
            }
            side = 1;
        }
        if (outer - inner).abs() < 1e-11 * x.abs().max(1.0) || fx == 0.0 {
            return x;
        }
    }
    0.5 * (inner + outer)
}
