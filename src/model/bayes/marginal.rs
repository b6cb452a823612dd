//! One-dimensional posterior marginals and their summaries: τ's marginal posterior, and the
//! normal mixtures `∫ N(x; m(τ), s²(τ)) p(τ|y) dτ` of μ, of a new study's effect θ_new and of
//! each study's own effect θᵢ (the shrinkage estimates).
//!
//! # Formula
//! A mixture's CDF is `F(x) = ∫ Φ((x − m(τ))/s(τ)) p(τ|y) dτ`, its density `∫ φ(·)/s p dτ`; its
//! mean `E[m]` and variance `E[s²] + E[(m − E m)²]`. Quantiles solve `F(x) = p` by safeguarded
//! Newton steps (the density is the derivative); the mode is the root of the density's
//! derivative; the shortest interval of probability `L` is `[Q(p), Q(p + L)]` with the density
//! equal at both ends (bisection on p), or `[0, Q(L)]` for τ when its density at 0 is higher.

use serde::Serialize;
use statrs::function::erf::erfc;

use super::posterior::{Conditional, Posterior};
use super::quadrature::tau_of;
use crate::error::{Error, Result};

/// The summaries of one marginal posterior (bayesmeta's `summary` column).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Marginal {
    /// Posterior mean (`None` where it is infinite: a heavy-tailed posterior of τ).
    pub mean: Option<f64>,
    /// Posterior standard deviation (`None` where it is infinite).
    pub sd: Option<f64>,
    /// Posterior median.
    pub median: f64,
    /// Posterior mode.
    pub mode: f64,
    /// Lower end of the credible (prediction) interval.
    pub ci_lower: f64,
    /// Upper end of the credible (prediction) interval.
    pub ci_upper: f64,
}

/// A continuous distribution on the line (or half-line) with CDF and density.
pub(crate) trait Dist {
    /// F(x) and f(x).
    fn cdf_pdf(&self, x: f64) -> Result<(f64, f64)>;
    /// A starting point and step for bracketing quantiles.
    fn start(&self) -> (f64, f64);
    /// The lower end of the support, if finite.
    fn lower(&self) -> Option<f64>;
}

/// Standard normal CDF, accurate in both tails.
pub(crate) fn phi_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal density.
pub(crate) fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// τ's marginal posterior.
pub(crate) struct TauMarginal<'p, 'a> {
    /// The posterior.
    pub post: &'p Posterior<'a>,
}

impl Dist for TauMarginal<'_, '_> {
    fn cdf_pdf(&self, x: f64) -> Result<(f64, f64)> {
        if x <= 0.0 {
            return Ok((0.0, self.post.density(0.0)));
        }
        let [p] = self.post.expect(|_, _| [1.0], (0.0, x), [1e-17])?;
        Ok((p.min(1.0), self.post.density(x)))
    }
    fn start(&self) -> (f64, f64) {
        (self.post.scale, self.post.scale)
    }
    fn lower(&self) -> Option<f64> {
        Some(0.0)
    }
}

/// A normal mixture over τ's posterior: `cond(τ, μ | τ)` gives the component's mean and variance.
pub(crate) struct Mixture<'p, 'a, F: Fn(f64, Conditional) -> (f64, f64)> {
    /// The posterior.
    pub post: &'p Posterior<'a>,
    /// The component at τ.
    pub cond: F,
}

impl<F: Fn(f64, Conditional) -> (f64, f64)> Mixture<'_, '_, F> {
    /// E[m] and var = E[s²] + E[(m − E m)²] (the variance only when `with_var`).
    pub(crate) fn moments(&self, with_var: bool) -> Result<(f64, Option<f64>)> {
        let [mean] = self
            .post
            .expect(|t, c| [(self.cond)(t, c).0], (0.0, f64::INFINITY), [0.0])?;
        if !with_var {
            return Ok((mean, None));
        }
        let [var] = self.post.expect(
            |t, c| {
                let (m, v) = (self.cond)(t, c);
                [v + (m - mean).powi(2)]
            },
            (0.0, f64::INFINITY),
            [0.0],
        )?;
        Ok((mean, Some(var)))
    }

    /// P(X > x), computed directly (no cancellation near 1).
    pub(crate) fn sf(&self, x: f64) -> Result<f64> {
        let [s] = self.post.expect(
            |t, c| {
                let (m, v) = (self.cond)(t, c);
                [phi_cdf((m - x) / v.sqrt())]
            },
            (0.0, f64::INFINITY),
            [1e-17],
        )?;
        Ok(s.clamp(0.0, 1.0))
    }

    /// The density's derivative at x, to absolute accuracy `abs` (near the mode the integrand
    /// changes sign and cancels to rounding noise).
    fn dpdf(&self, x: f64, abs: f64) -> Result<f64> {
        let [d] = self.post.expect(
            |t, c| {
                let (m, v) = (self.cond)(t, c);
                let s = v.sqrt();
                let z = (x - m) / s;
                [-z * phi(z) / v]
            },
            (0.0, f64::INFINITY),
            [abs],
        )?;
        Ok(d)
    }

    /// The mode: the root of the density's derivative between two quantiles around it.
    pub(crate) fn mode(&self) -> Result<f64> {
        for (pl, ph) in [(0.2, 0.8), (0.01, 0.99), (1e-6, 1.0 - 1e-6)] {
            let (lo, hi) = (quantile(self, pl)?, quantile(self, ph)?);
            // |f'| is of the order of 1/spread² away from the mode
            let abs = 1e-14 / (hi - lo).powi(2);
            if self.dpdf(lo, abs)? > 0.0 && self.dpdf(hi, abs)? < 0.0 {
                return bisect(|x| Ok(-self.dpdf(x, abs)?), lo, hi);
            }
        }
        Err(Error::Undefined {
            what: "the posterior mode".into(),
            reason: "the density has no interior maximum between its 1e-6 and 1 - 1e-6 quantiles"
                .into(),
        })
    }
}

impl<F: Fn(f64, Conditional) -> (f64, f64)> Dist for Mixture<'_, '_, F> {
    fn cdf_pdf(&self, x: f64) -> Result<(f64, f64)> {
        let [p, d] = self.post.expect(
            |t, c| {
                let (m, v) = (self.cond)(t, c);
                let s = v.sqrt();
                let z = (x - m) / s;
                [phi_cdf(z), phi(z) / s]
            },
            (0.0, f64::INFINITY),
            [1e-17, 0.0],
        )?;
        Ok((p.clamp(0.0, 1.0), d))
    }
    fn start(&self) -> (f64, f64) {
        let tau = self.post.scale;
        let (m, v) = (self.cond)(tau, self.post.conditional(tau));
        (m, v.sqrt().max(f64::MIN_POSITIVE))
    }
    fn lower(&self) -> Option<f64> {
        None
    }
}

/// The p-quantile of `d` (0 < p < 1).
pub(crate) fn quantile(d: &impl Dist, p: f64) -> Result<f64> {
    let (x0, step) = d.start();
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    // bracket
    let mut s = step;
    let mut x = x0;
    for _ in 0..200 {
        let (f, _) = d.cdf_pdf(x)?;
        if f < p {
            lo = x;
            if hi.is_finite() {
                break;
            }
            x += s;
        } else {
            hi = x;
            if lo.is_finite() {
                break;
            }
            x = match d.lower() {
                Some(l) if x - s <= l => l + 0.5 * (x - l),
                _ => x - s,
            };
            if let Some(l) = d.lower() {
                if x - l < 1e-300 {
                    lo = l;
                    break;
                }
            }
        }
        s *= 2.0;
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(not_found("a bracket for the quantile"));
    }
    newton(|x| d.cdf_pdf(x).map(|(f, dens)| (f - p, dens)), lo, hi)
}

/// The root of an increasing `g` (value, derivative) in `(lo, hi)` by Newton steps kept inside
/// the bracket (bisection where Newton leaves it).
fn newton(mut g: impl FnMut(f64) -> Result<(f64, f64)>, mut lo: f64, mut hi: f64) -> Result<f64> {
    let mut x = 0.5 * (lo + hi);
    for _ in 0..300 {
        let (v, dv) = g(x)?;
        if v == 0.0 {
            return Ok(x);
        }
        if v < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let mut next = x - v / dv;
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        let tol = 4.0 * f64::EPSILON * next.abs().max(1e-300);
        if (next - x).abs() <= tol || hi - lo <= tol {
            return Ok(next);
        }
        x = next;
    }
    Err(not_found("the quantile (Newton iterations)"))
}

/// The root of an increasing `g` in `[lo, hi]` by bisection (g(lo) < 0 < g(hi)).
pub(crate) fn bisect(
    mut g: impl FnMut(f64) -> Result<f64>,
    mut lo: f64,
    mut hi: f64,
) -> Result<f64> {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi || hi - lo <= 2.0 * f64::EPSILON * mid.abs() {
            return Ok(mid);
        }
        if g(mid)? < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi))
}

/// An [`Error::NotConverged`] for a search that failed.
fn not_found(what: &str) -> Error {
    Error::NotConverged {
        procedure: "the Bayesian posterior summaries",
        iterations: 300,
        detail: format!("; no {what} was found"),
    }
}

/// The central interval of probability `level`.
pub(crate) fn central(d: &impl Dist, level: f64) -> Result<(f64, f64)> {
    let a = 0.5 * (1.0 - level);
    Ok((quantile(d, a)?, quantile(d, 1.0 - a)?))
}

/// The shortest interval of probability `level` (a unimodal density).
pub(crate) fn shortest(d: &impl Dist, level: f64) -> Result<(f64, f64)> {
    if let Some(l) = d.lower() {
        let upper = quantile(d, level)?;
        if d.cdf_pdf(l)?.1 >= d.cdf_pdf(upper)?.1 {
            return Ok((l, upper));
        }
    }
    let gap = |p: f64| -> Result<f64> {
        let (a, b) = (quantile(d, p)?, quantile(d, p + level)?);
        Ok(d.cdf_pdf(a)?.1 - d.cdf_pdf(b)?.1)
    };
    let edge = 1e-9 * (1.0 - level);
    let (mut lo, mut hi) = (edge, 1.0 - level - edge);
    if gap(lo)? >= 0.0 {
        hi = lo;
    } else if gap(hi)? <= 0.0 {
        lo = hi;
    }
    for _ in 0..60 {
        if hi - lo <= 1e-15 {
            break;
        }
        let mid = 0.5 * (lo + hi);
        if gap(mid)? < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let p = 0.5 * (lo + hi);
    Ok((quantile(d, p)?, quantile(d, p + level)?))
}

/// τ's posterior mode: 0, or the root of the log density's derivative next to the grid maximum.
pub(crate) fn tau_mode(post: &Posterior) -> Result<f64> {
    let n = 80;
    let grid: Vec<f64> = (1..n)
        .filter_map(|i| tau_of(-0.99 + 1.98 * i as f64 / n as f64, post.scale).map(|(t, _)| t))
        .collect();
    let mut best = (0usize, f64::NEG_INFINITY);
    for (i, tau) in grid.iter().enumerate() {
        let l = post.ln_unnormalised(*tau).0;
        if l > best.1 {
            best = (i, l);
        }
    }
    let at_zero = post.ln_unnormalised(0.0).0;
    let lo = if best.0 == 0 { 0.0 } else { grid[best.0 - 1] };
    // (an unbounded density at 0, as under a log-t prior, has its mode there)
    if at_zero >= best.1 {
        return Ok(0.0);
    }
    let hi = grid.get(best.0 + 1).copied().unwrap_or(grid[best.0] * 2.0);
    let slope = |t: f64| post.ln_unnormalised(t).1;
    if lo == 0.0 && !post.vanishes_at_zero() && slope(grid[0].min(hi) * 1e-6) <= 0.0 {
        // the density falls from τ = 0 up to the grid's first points
        if at_zero >= post.ln_unnormalised(grid[0]).0 {
            return Ok(0.0);
        }
    }
    let lo = if lo == 0.0 { grid[0] * 1e-12 } else { lo };
    if slope(lo) <= 0.0 || slope(hi) >= 0.0 {
        return Ok(grid[best.0]);
    }
    bisect(|t| Ok(-slope(t)), lo, hi)
}

/// The summaries of `d` with the given moments, mode, interval kind and level.
pub(crate) fn summarise(
    d: &impl Dist,
    moments: (Option<f64>, Option<f64>),
    mode: f64,
    shortest_interval: bool,
    level: f64,
) -> Result<Marginal> {
    let (ci_lower, ci_upper) = if shortest_interval {
        shortest(d, level)?
    } else {
        central(d, level)?
    };
    Ok(Marginal {
        mean: moments.0,
        sd: moments.1,
        median: quantile(d, 0.5)?,
        mode,
        ci_lower,
        ci_upper,
    })
}
