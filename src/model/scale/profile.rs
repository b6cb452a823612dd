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
                let mut start = nearest(&last.borrow(), a);
                start[j] = a;
                let mut fixed = vec![false; start.len()];
                fixed[j] = true;
                let (ll, at) = if start.len() == 1 {
                    (problem.eval(&start, false).ok()?.ll, start)
                } else {
                    let o = problem.maximise(start, &fixed, max_iter).ok()?;
                    (o.eval.ll, o.alpha)
                };
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
