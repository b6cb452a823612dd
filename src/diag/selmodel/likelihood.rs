//! The log-likelihood of a selection model (metafor `.selmodel.ll.stepfun` and
//! `.selmodel.ll.cont`): `Σ log w(pᵢ) + log φ(yᵢ; μ, vᵢ + τ²) − log Aᵢ` with
//! `Aᵢ = ∫ w(p(y)) φ(y; μ, vᵢ + τ²) dy`, in closed form for step functions and by adaptive
//! quadrature otherwise.

use crate::dist;

use super::quadrature::integrate;
use super::weight::{interval, pvalue, weight, SelType};

/// The data and the fixed parts of a selection model.
pub(super) struct Likelihood {
    /// Effects, sign-flipped under `alternative = "less"` so that selection favours large `y`.
    pub y: Vec<f64>,
    /// Sampling variances.
    pub v: Vec<f64>,
    /// The type.
    pub kind: SelType,
    /// Steps, ending in 1 (step function; continuous types with a threshold), or empty.
    pub steps: Vec<f64>,
    /// Two-sided p-values.
    pub two_sided: bool,
    /// Observed p-values, clamped to `[pval_min, 1 − pval_min]`.
    pub p: Vec<f64>,
    /// Relative tolerance of the quadrature's error estimate |K21 − G10| (which overstates
    /// the error of the 21-point result by orders of magnitude): 1e-7 while searching, 1e-11
    /// when polishing and for the Hessian.
    pub tol: std::cell::Cell<f64>,
}

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `log φ(y; μ, σ²)`.
fn log_dnorm(y: f64, mu: f64, s2: f64) -> f64 {
    -LN_SQRT_2PI - 0.5 * s2.ln() - 0.5 * (y - mu) * (y - mu) / s2
}

/// `Φ(x)`.
fn pnorm(x: f64) -> f64 {
    dist::norm_sf(-x)
}

impl Likelihood {
    /// The threshold below which continuous selection functions are 1 (metafor `steps[1]`).
    fn s1(&self) -> f64 {
        self.steps.first().copied().unwrap_or(0.0)
    }

    /// The log-likelihood at `(μ, τ², δ)`; NaN where undefined (vᵢ + τ² ≤ 0, a failed integral).
    pub fn ll(&self, mu: f64, tau2: f64, delta: &[f64]) -> f64 {
        let mut ll = 0.0;
        for i in 0..self.y.len() {
            let s2 = self.v[i] + tau2;
            if s2.is_nan() || s2 <= 0.0 {
                return f64::NAN;
            }
            let (logw, a) = match self.kind {
                SelType::Stepfun => (
                    delta[interval(self.p[i], &self.steps)].ln(),
                    self.step_mass(i, mu, s2.sqrt(), delta),
                ),
                k => (
                    weight(k, self.p[i], delta, self.s1()).ln(),
                    self.cont_mass(i, mu, s2.sqrt(), delta),
                ),
            };
            ll += logw + log_dnorm(self.y[i], mu, s2) - a.ln();
        }
        ll
    }

    /// `Aᵢ` of a step function in closed form (metafor's formula: the first interval's weight
    /// is 1).
    fn step_mass(&self, i: usize, mu: f64, sd: f64, delta: &[f64]) -> f64 {
        let sv = self.v[i].sqrt();
        let n = self.steps.len();
        let cut = |j: usize| {
            let s = if self.two_sided {
                self.steps[j] / 2.0
            } else {
                self.steps[j]
            };
            -sv * dist::norm_quantile(s)
        };
        // probability that y lies above c (one-sided), or |y| above c (two-sided)
        let upper = |c: f64| {
            if self.two_sided {
                dist::norm_sf((c - mu) / sd) + pnorm((-c - mu) / sd)
            } else {
                dist::norm_sf((c - mu) / sd)
            }
        };
        let mut a = upper(cut(0));
        for (j, d) in delta.iter().enumerate().take(n).skip(1) {
            let pj = if j < n - 1 {
                upper(cut(j)) - upper(cut(j - 1))
            } else if self.two_sided {
                pnorm((cut(j - 1) - mu) / sd) - pnorm((-cut(j - 1) - mu) / sd)
            } else {
                pnorm((cut(j - 1) - mu) / sd)
            };
            a += d * pj;
        }
        a
    }

    /// `Aᵢ` of a continuous selection function by quadrature over `y = μ + σz`, z ∈ [−40, 40],
    /// split where the integrand has kinks (the p-value clamps, the threshold, y = 0 if
    /// two-sided).
    fn cont_mass(&self, i: usize, mu: f64, sd: f64, delta: &[f64]) -> f64 {
        let sv = self.v[i].sqrt();
        let pmin = self.kind.pval_min();
        let s1 = self.s1();
        let two = self.two_sided;
        let f = |z: f64| {
            let y = mu + sd * z;
            let p = pvalue(y, self.v[i], two).clamp(pmin, 1.0 - pmin);
            weight(self.kind, p, delta, s1) * (-0.5 * z * z).exp()
        };
        let mut points = vec![-40.0, 0.0, 40.0];
        let mut kink = |pk: f64| {
            if pk > 0.0 && pk < 1.0 {
                let c = if two { pk / 2.0 } else { pk };
                let y = -sv * dist::norm_quantile(c);
                points.push((y - mu) / sd);
                if two {
                    points.push((-y - mu) / sd);
                }
            }
        };
        kink(pmin);
        kink(1.0 - pmin);
        kink(s1);
        if two {
            points.push(-mu / sd);
        }
        points.retain(|z| z.abs() <= 40.0 && z.is_finite());
        points.sort_by(f64::total_cmp);
        points.dedup();
        let (a, ok) = integrate(&f, &points, self.tol.get());
        if ok {
            a / (2.0 * std::f64::consts::PI).sqrt()
        } else {
            f64::NAN
        }
    }
}
