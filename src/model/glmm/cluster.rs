//! One cluster's marginal log-likelihood by adaptive Gauss–Hermite quadrature (lme4's `nAGQ`).
//!
//! With `b = τ·u`, `u ~ N(0, 1)` and `h(u) = Σ_r ℓ_r(η_r + z_r τ u) − u²/2`, the cluster's
//! likelihood is `∫ e^{h(u)} du / √(2π)`. Centring the rule at the mode `û` of `h` and scaling it
//! by `s = 1/√(−h''(û))` (for canonical links `−h'' = 1 + τ² Σ z_r² w_r`, the PIRLS weights),
//! `ln L ≈ ln s + ln Σ_k w_k exp(h(û + s z_k) + z_k²/2)`; one node is the Laplace approximation.

use super::family::Row;
use super::hermite::NormalRule;

/// The rows of one cluster (study) sharing one random effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Its rows.
    pub rows: Vec<Row>,
    /// The parameters its rows depend on (sorted; the τ index is added by the caller).
    pub params: Vec<usize>,
}

impl Cluster {
    /// A cluster of `rows`, with the parameters they use.
    pub fn new(rows: Vec<Row>) -> Self {
        let mut params: Vec<usize> = rows
            .iter()
            .flat_map(|r| r.fixed.iter().map(|f| f.0))
            .collect();
        params.sort_unstable();
        params.dedup();
        Cluster { rows, params }
    }

    /// The marginal log-likelihood at fixed effects `theta` and random-effect SD `tau` (any
    /// sign: the likelihood is even in τ), by the rule `rule` (with its log weights `log_w`).
    pub fn loglik(&self, theta: &[f64], tau: f64, rule: &NormalRule, log_w: &[f64]) -> f64 {
        let lin: Vec<f64> = self.rows.iter().map(|r| r.linear(theta)).collect();
        if tau == 0.0 {
            return self
                .rows
                .iter()
                .zip(&lin)
                .map(|(r, &e)| r.loglik(e).0)
                .sum();
        }
        let u = self.mode(&lin, tau);
        let (_, _, curv) = self.h(&lin, tau, u);
        let s = 1.0 / curv.sqrt();
        let terms: Vec<f64> = rule
            .z
            .iter()
            .zip(log_w)
            .map(|(&z, &lw)| lw + self.h(&lin, tau, u + s * z).0 + 0.5 * z * z)
            .collect();
        let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        s.ln() + top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
    }

    /// The conditional log-likelihood at the mode of the random effect (the rows'
    /// log-likelihoods at lme4's conditional modes; metafor's `ll.QE − deviance/2`).
    pub fn conditional_loglik(&self, theta: &[f64], tau: f64) -> f64 {
        let lin: Vec<f64> = self.rows.iter().map(|r| r.linear(theta)).collect();
        let u = if tau == 0.0 {
            0.0
        } else {
            self.mode(&lin, tau)
        };
        self.rows
            .iter()
            .zip(&lin)
            .map(|(r, &e)| r.loglik(e + r.z * tau * u).0)
            .sum()
    }

    /// `h(u)`, `h'(u)` and `−h''(u)`.
    fn h(&self, lin: &[f64], tau: f64, u: f64) -> (f64, f64, f64) {
        let (mut v, mut g, mut c) = (-0.5 * u * u, -u, 1.0);
        for (r, &e) in self.rows.iter().zip(lin) {
            let zt = r.z * tau;
            let (l, d, w) = r.loglik(e + zt * u);
            v += l;
            g += zt * d;
            c += zt * zt * w;
        }
        (v, g, c)
    }

    /// The mode of the concave `h`, by safeguarded Newton steps from 0.
    fn mode(&self, lin: &[f64], tau: f64) -> f64 {
        let mut u = 0.0;
        let (mut hv, mut g, mut c) = self.h(lin, tau, u);
        for _ in 0..200 {
            let mut step = g / c;
            let mut accepted = false;
            for _ in 0..60 {
                let (nv, ng, nc) = self.h(lin, tau, u + step);
                if nv >= hv - 1e-14 * hv.abs().max(1.0) {
                    u += step;
                    (hv, g, c) = (nv, ng, nc);
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if !accepted || step.abs() <= 1e-15 * (1.0 + u.abs()) {
                break;
            }
        }
        u
    }
}
