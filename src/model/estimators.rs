//! τ² estimators and the Q-profile confidence interval (intercept-only models).

use super::{ModelError, RandomEffects, Tau2Method, Workspace};

/// Generalised Q statistic `Q(τ²) = Σ(y_i − μ̂(τ²))²/(v_i + τ²)` and its derivative in τ²,
/// `dQ/dτ² = −Σ(y_i − μ̂)²/(v_i + τ²)²` (the μ̂ term vanishes because μ̂ minimises Q).
pub fn qgen(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    let (mu, _) = inverse_variance_mean(yi, vi, tau2);
    let (mut q, mut dq) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        let wr2 = w * (y - mu) * (y - mu);
        q += wr2;
        dq -= w * wr2;
    }
    (q, dq)
}

/// The inverse-variance weighted mean `Σw_i y_i / Σw_i` with `w_i = 1/(v_i + τ²)`, and `Σw_i`:
/// the one weighted mean behind common-effect, random-effects and between-subgroup estimates.
pub(crate) fn inverse_variance_mean(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    let (mut sw, mut swy) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        sw += w;
        swy += w * y;
    }
    (swy / sw, sw)
}

/// Solves `Q(τ²) = target` for τ² ≥ 0, given `Q(0) > target > 0` (Q decreases to 0).
///
/// Newton's method on `g(τ²) = 1/Q(τ²) − 1/target`, which is nearly linear in τ², safeguarded by
/// a bracket (bisection when a step leaves it). Returns the root and the iterations used.
fn solve_q(yi: &[f64], vi: &[f64], target: f64, start: f64) -> (f64, usize) {
    solve_root(|t| qgen(yi, vi, t), target, start)
}

/// Solves `q(τ²).0 = target` for a decreasing `q` returning `(Q, dQ/dτ²)`; see [`solve_q`].
pub(crate) fn solve_root(q: impl Fn(f64) -> (f64, f64), target: f64, start: f64) -> (f64, usize) {
    let inv_target = 1.0 / target;
    // g(τ²) = 1/Q(τ²) − 1/target increases in τ²; its derivative is −Q'/Q².
    let r = crate::root::solve(
        |t| {
            let (q, dq) = q(t);
            (1.0 / q - inv_target, -dq / (q * q))
        },
        0.0,
        f64::INFINITY,
        start.max(0.0),
        |lo, hi, t| {
            if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                (2.0 * t).max(lo + 1.0)
            }
        },
        |prev, t, lo, hi| {
            (t - prev).abs() <= 1e-13 * t.max(1e-6)
                || (hi.is_finite() && (hi - lo) <= 4.0 * f64::EPSILON * hi)
        },
        200,
    );
    (r.x, r.iterations)
}

/// Q-profile confidence limits for τ² (metafor `confint`), given the χ² quantiles
/// `c_lo = χ²_{α/2}` and `c_hi = χ²_{1−α/2}` on k − 1 df and an estimate to start from.
///
/// The lower limit solves `Q(τ²) = c_hi` and the upper `Q(τ²) = c_lo`; a limit whose equation
/// has no non-negative root (because `Q(0)` is already below the quantile) is 0.
pub(crate) fn q_profile(
    yi: &[f64],
    vi: &[f64],
    c_lo: f64,
    c_hi: f64,
    est: f64,
    _ws: &mut Workspace,
) -> (f64, f64) {
    let _ = est;
    let (q0, dq0) = qgen(yi, vi, 0.0);
    // First Newton step on 1/Q from τ² = 0, shared by both limits (1/Q is nearly linear).
    let slope = -dq0 / (q0 * q0);
    let first = |c: f64| {
        if slope > 0.0 && slope.is_finite() {
            (1.0 / c - 1.0 / q0) / slope
        } else {
            0.0
        }
    };
    let lower = if q0 > c_hi {
        solve_q(yi, vi, c_hi, first(c_hi)).0
    } else {
        0.0
    };
    let upper = if q0 > c_lo {
        solve_q(yi, vi, c_lo, first(c_lo).max(lower)).0
    } else {
        0.0
    };
    (lower, upper)
}

/// Sums `(Σw, Σw², Σw³, μ̂, Σw(y−μ̂)², Σw²(y−μ̂)²)` at a given τ².
#[inline]
fn sums(yi: &[f64], vi: &[f64], tau2: f64) -> [f64; 6] {
    let (mut s1, mut s2, mut s3, mut sy) = (0.0, 0.0, 0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        s1 += w;
        s2 += w * w;
        s3 += w * w * w;
        sy += w * y;
    }
    let mu = sy / s1;
    let (mut r1, mut r2) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        let r = y - mu;
        r1 += w * r * r;
        r2 += w * w * r * r;
    }
    [s1, s2, s3, mu, r1, r2]
}

/// metafor's default tolerance for the ll0check (`.Machine$double.eps^0.25`).
pub(crate) const LL0_TOL: f64 = 1.220_703_125e-4;

/// `ll(0) − ll(τ²)` for the (restricted) log-likelihood (metafor's ll0check).
///
/// `Σ ln((v_i + τ²)/v_i)` is accumulated as a log of running products (one `ln` per ~dozens of
/// studies instead of two per study).
fn ll0_minus_ll(yi: &[f64], vi: &[f64], tau2: f64, method: Tau2Method) -> f64 {
    let [s0, _, _, _, rss0, _] = sums(yi, vi, 0.0);
    let [s1, _, _, _, rss1, _] = sums(yi, vi, tau2);
    let mut logdet = 0.0;
    let mut prod = 1.0;
    for &v in vi {
        prod *= 1.0 + tau2 / v;
        if prod > 1e150 {
            logdet += prod.ln();
            prod = 1.0;
        }
    }
    logdet += prod.ln();
    // ll(τ²) = −½[Σ ln(v_i + τ²) + Σw r²] (− ½ ln Σw for REML)
    let mut d = 0.5 * (logdet + rss1 - rss0);
    if method == Tau2Method::Reml {
        d += 0.5 * (s1 / s0).ln();
    }
    d
}

/// Hedges' (HE) estimator for an intercept-only model, not truncated.
fn hedges(yi: &[f64], vi: &[f64]) -> f64 {
    let k = yi.len() as f64;
    let ybar = yi.iter().sum::<f64>() / k;
    let rss: f64 = yi.iter().map(|&y| (y - ybar) * (y - ybar)).sum();
    let vbar = vi.iter().sum::<f64>() / k;
    rss / (k - 1.0) - vbar
}

/// Fisher scoring for ML, REML and EB (metafor's algorithm), shared by intercept-only models and
/// meta-regression. `step(τ²)` gives the raw scoring step at τ²; `ll0_gain(τ²)` gives
/// `ll(0) − ll(τ²)` for metafor's ll0check (ML/REML). Steps are scaled by `stepadj` and halved to
/// keep τ² ≥ 0 (from τ² = 0 a negative step halves to 0); convergence is |Δτ²| ≤ threshold,
/// relative once τ² > 1 (an absolute 1e-10 is below the floating-point resolution of a τ² in the
/// thousands, e.g. net benefit in £²). Returns `(τ², iterations)`.
pub(crate) fn fisher_scoring(
    opts: &RandomEffects,
    start: f64,
    mut step: impl FnMut(f64) -> Result<f64, ModelError>,
    ll0_gain: impl Fn(f64) -> Result<f64, ModelError>,
) -> Result<(f64, usize), ModelError> {
    let mut t = start;
    for it in 1..=opts.max_iter {
        let mut adj = step(t)? * opts.stepadj;
        if !adj.is_finite() {
            return Err(ModelError::NotConverged {
                method: opts.method,
                iterations: it,
            });
        }
        if t + adj < 0.0 {
            if t <= 0.0 {
                adj = 0.0;
            } else {
                while t + adj < 0.0 {
                    adj /= 2.0;
                }
            }
        }
        t += adj;
        if adj.abs() <= opts.threshold * t.max(1.0) {
            let t = t.max(0.0);
            // ll0check: a likelihood at τ² = 0 higher than at the estimate means scoring stopped
            // at a local maximum; τ² is then set to 0.
            if opts.method != Tau2Method::Eb && t > opts.threshold && ll0_gain(t)? > LL0_TOL {
                return Ok((0.0, it));
            }
            return Ok((t, it));
        }
    }
    Err(ModelError::NotConverged {
        method: opts.method,
        iterations: opts.max_iter,
    })
}

/// Estimates τ² (k ≥ 2). Returns `(τ², iterations)`.
pub(crate) fn tau2(
    opts: &RandomEffects,
    yi: &[f64],
    vi: &[f64],
    _ws: &mut Workspace,
) -> Result<(f64, usize), ModelError> {
    let k = yi.len() as f64;
    match opts.method {
        Tau2Method::Ee => Ok((0.0, 0)),
        Tau2Method::Dl => {
            let [s1, s2, _, _, q, _] = sums(yi, vi, 0.0);
            Ok((((q - (k - 1.0)) / (s1 - s2 / s1)).max(0.0), 0))
        }
        Tau2Method::He => Ok((hedges(yi, vi).max(0.0), 0)),
        Tau2Method::Hs => {
            let [s1, _, _, _, q, _] = sums(yi, vi, 0.0);
            Ok((((q - k) / s1).max(0.0), 0))
        }
        Tau2Method::Sj => {
            let ybar = yi.iter().sum::<f64>() / k;
            let t0 = yi.iter().map(|&y| (y - ybar) * (y - ybar)).sum::<f64>() / k;
            if t0 <= 0.0 {
                return Ok((0.0, 0));
            }
            let [_, _, _, _, rss, _] = sums(yi, vi, t0);
            Ok((t0 * rss / (k - 1.0), 0))
        }
        Tau2Method::Pm => {
            let (q0, _) = qgen(yi, vi, 0.0);
            if q0 <= k - 1.0 {
                Ok((0.0, 0))
            } else {
                let start = hedges(yi, vi).max(0.0);
                Ok(solve_q(yi, vi, k - 1.0, start))
            }
        }
        Tau2Method::Ml | Tau2Method::Reml | Tau2Method::Eb => fisher_scoring(
            opts,
            hedges(yi, vi).max(0.0),
            |t| {
                let [s1, s2, s3, _, r1, r2] = sums(yi, vi, t);
                Ok(match opts.method {
                    Tau2Method::Ml => (r2 - s1) / s2,
                    Tau2Method::Reml => {
                        let tr_p = s1 - s2 / s1;
                        let tr_pp = s2 - 2.0 * s3 / s1 + (s2 * s2) / (s1 * s1);
                        (r2 - tr_p) / tr_pp
                    }
                    _ => (r1 * k / (k - 1.0) - k) / s1,
                })
            },
            |t| Ok(ll0_minus_ll(yi, vi, t, opts.method)),
        ),
    }
}
