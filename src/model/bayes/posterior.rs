//! The exact joint posterior of the normal–normal hierarchical model, with μ integrated out
//! analytically and τ's marginal posterior normalised by adaptive quadrature.
//!
//! # Formula
//! `yᵢ ~ N(μ, σᵢ² + τ²)`. With the terms `(yTerm, varTerm)` = the data `(yᵢ, σᵢ² + τ²)` plus,
//! for a normal μ prior, `(m₀, s₀²)`, μ given τ is normal with
//! `s²(τ) = 1/Σ 1/varTerm` and `m(τ) = s²·Σ yTerm/varTerm`, and the likelihood with μ integrated
//! out (bayesmeta's `likelihood(tau = t)`) is
//! `log L(τ) = −½[(n−1) log 2π + Σ log varTerm + Σ (yTerm − m)²/varTerm + log Σ 1/varTerm]`,
//! n the number of terms. The marginal posterior of τ is `p(τ|y) = p(τ)·L(τ)/Z`.

use super::prior::{MuPrior, PriorData, Tail, TauPrior};
use super::quadrature::{integrate, tau_of};
use crate::error::{Error, Result};

/// Relative accuracy of every integral over τ.
pub(crate) const REL_TOL: f64 = 1e-13;

/// The posterior of one meta-analysis: data, priors and the normalising constant of τ's
/// marginal posterior.
#[derive(Debug, Clone)]
pub(crate) struct Posterior<'a> {
    /// Effects yᵢ.
    pub y: &'a [f64],
    /// Sampling variances σᵢ².
    pub v: &'a [f64],
    /// The prior for τ.
    pub tau_prior: &'a TauPrior,
    /// The prior for μ.
    pub mu_prior: MuPrior,
    /// Constants of data-dependent τ priors.
    data: PriorData<'a>,
    /// Scale of the τ axis of the quadrature.
    pub scale: f64,
    /// log of the unnormalised posterior's reference value (subtracted before `exp`).
    shift: f64,
    /// ∫ exp(log p(τ) + log L(τ) − shift) dτ.
    norm: f64,
}

/// Conditional posterior of μ given τ: mean m(τ) and variance s²(τ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Conditional {
    /// m(τ).
    pub mean: f64,
    /// s²(τ).
    pub var: f64,
}

impl<'a> Posterior<'a> {
    /// The posterior for effects `y` with sampling variances `v` under the two priors.
    ///
    /// # Errors
    /// [`Error::TooFew`] without studies, [`Error::Input`] for a non-finite effect or a
    /// non-positive variance, [`Error::Undefined`] when the posterior is improper.
    pub(crate) fn new(
        y: &'a [f64],
        v: &'a [f64],
        tau_prior: &'a TauPrior,
        mu_prior: MuPrior,
    ) -> Result<Self> {
        check_data(y, v)?;
        let data = PriorData::new(v);
        let mut p = Posterior {
            y,
            v,
            tau_prior,
            mu_prior,
            data,
            scale: data.harmonic.sqrt(),
            shift: 0.0,
            norm: 1.0,
        };
        p.check_proper()?;
        let (tau_max, max) = p.grid_max();
        if !max.is_finite() {
            return Err(Error::Undefined {
                what: "the posterior of tau".into(),
                reason: "its density is not finite anywhere on (0, inf)".into(),
            });
        }
        if tau_max > 0.0 {
            p.scale = tau_max;
        }
        p.shift = p.grid_max().1;
        let [z] = p.integrate_unnormalised(|_, _| [1.0], (0.0, f64::INFINITY))?;
        if !(z > 0.0 && z.is_finite()) {
            return Err(Error::Undefined {
                what: "the posterior of tau".into(),
                reason: "its normalising integral is not a positive finite number".into(),
            });
        }
        p.norm = z;
        Ok(p)
    }

    /// The posterior without its normalisation (the data and priors checked as by
    /// [`Posterior::new`]; scale √(harmonic mean of the σᵢ²), no shift, norm 1): for fixed
    /// rules that normalise on their own nodes (`model::bayes::fixed`).
    ///
    /// # Errors
    /// As [`Posterior::new`], but for the normalisation.
    pub(crate) fn unnormalised(
        y: &'a [f64],
        v: &'a [f64],
        tau_prior: &'a TauPrior,
        mu_prior: MuPrior,
    ) -> Result<Self> {
        check_data(y, v)?;
        let data = PriorData::new(v);
        let p = Posterior {
            y,
            v,
            tau_prior,
            mu_prior,
            data,
            scale: data.harmonic.sqrt(),
            shift: 0.0,
            norm: 1.0,
        };
        p.check_proper()?;
        Ok(p)
    }

    /// log p(τ) (the prior's density; τ > 0).
    pub(crate) fn ln_prior(&self, tau: f64) -> f64 {
        self.tau_prior.ln_density(tau, &self.data).0
    }

    /// k, the number of studies.
    pub(crate) fn k(&self) -> usize {
        self.y.len()
    }

    /// The exponent b of the posterior density's tail τ^(−b) beyond the prior's
    /// (`k − 1` with a flat μ prior, `k` with a normal one).
    fn likelihood_decay(&self) -> f64 {
        let k = self.k() as f64;
        match self.mu_prior {
            MuPrior::Flat => k - 1.0,
            MuPrior::Normal { .. } => k,
        }
    }

    /// Whether E[τ^m] is finite under the posterior.
    pub(crate) fn tau_moment_finite(&self, m: f64) -> bool {
        let b = self.likelihood_decay();
        match self.tau_prior.tail() {
            Tail::Fast => true,
            Tail::Power(a) => a + b - m > 1.0,
            Tail::LogPower => b >= m,
        }
    }

    /// An error unless the posterior of τ integrates (the prior's and likelihood's tails).
    fn check_proper(&self) -> Result<()> {
        if self.tau_moment_finite(0.0) {
            return Ok(());
        }
        let normal = f64::from(u8::from(matches!(self.mu_prior, MuPrior::Normal { .. })));
        let need = match self.tau_prior.tail() {
            Tail::Power(a) => (2.0 - a - normal).floor() + 1.0,
            _ => 1.0,
        };
        Err(Error::Undefined {
            what: "the posterior".into(),
            reason: format!(
                "it is improper: with the {} prior for tau and the {} prior for mu, k = {} studies do not make the posterior of tau integrate (its density decays too slowly as tau grows); use a proper tau prior (e.g. half-normal:S) or at least {} studies",
                self.tau_prior,
                self.mu_prior,
                self.k(),
                need.ceil().max(1.0)
            ),
        })
    }

    /// m(τ) and s²(τ).
    pub(crate) fn conditional(&self, tau: f64) -> Conditional {
        let t2 = tau * tau;
        let (mut sw, mut swy) = match self.mu_prior {
            MuPrior::Flat => (0.0, 0.0),
            MuPrior::Normal { mean, sd } => (1.0 / (sd * sd), mean / (sd * sd)),
        };
        for (y, v) in self.y.iter().zip(self.v) {
            let w = 1.0 / (v + t2);
            sw += w;
            swy += w * y;
        }
        Conditional {
            mean: swy / sw,
            var: 1.0 / sw,
        }
    }

    /// log L(τ) (μ integrated out) and its derivative in τ.
    pub(crate) fn ln_likelihood(&self, tau: f64) -> (f64, f64) {
        let c = self.conditional(tau);
        let t2 = tau * tau;
        let (mut n, mut slog, mut q) = (0.0, 0.0, 0.0);
        let (mut sw, mut sq2, mut sw2) = (0.0, 0.0, 0.0);
        if let MuPrior::Normal { mean, sd } = self.mu_prior {
            n += 1.0;
            slog += 2.0 * sd.ln();
            q += (mean - c.mean).powi(2) / (sd * sd);
        }
        for (y, v) in self.y.iter().zip(self.v) {
            let w = 1.0 / (v + t2);
            let r2 = (y - c.mean).powi(2);
            n += 1.0;
            slog += (v + t2).ln();
            q += r2 * w;
            sw += w;
            sq2 += r2 * w * w;
            sw2 += w * w;
        }
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let value = -0.5 * ((n - 1.0) * ln2pi + slog + q - c.var.ln());
        // d/dτ: the envelope theorem removes m's dependence on τ.
        let deriv = -tau * (sw - sq2 - sw2 * c.var);
        (value, deriv)
    }

    /// log of the unnormalised posterior of τ minus the shift, and its derivative.
    pub(crate) fn ln_unnormalised(&self, tau: f64) -> (f64, f64) {
        if tau == 0.0 && self.vanishes_at_zero() {
            return (f64::NEG_INFINITY, f64::INFINITY);
        }
        if tau == 0.0 && matches!(self.tau_prior, TauPrior::LogTTau2 { .. }) {
            // p(τ) ~ 1/(τ·|log τ|^(df+1)): unbounded (but integrable) at 0
            return (f64::INFINITY, f64::NEG_INFINITY);
        }
        let (lp, dp) = self.tau_prior.ln_density(tau, &self.data);
        let (ll, dl) = self.ln_likelihood(tau);
        (lp + ll - self.shift, dp + dl)
    }

    /// Whether the τ prior's density is 0 at τ = 0.
    pub(crate) fn vanishes_at_zero(&self) -> bool {
        matches!(
            self.tau_prior,
            TauPrior::LogNormalTau2 { .. }
                | TauPrior::Jeffreys
                | TauPrior::I2
                | TauPrior::Shrinkage
        )
    }

    /// The normalised posterior density of τ (0 for τ < 0).
    pub(crate) fn density(&self, tau: f64) -> f64 {
        if tau < 0.0 {
            return 0.0;
        }
        self.ln_unnormalised(tau).0.exp() / self.norm
    }

    /// The argmax of the log posterior on a coarse grid of the τ axis (0 included where the
    /// density is finite there), and its value.
    pub(crate) fn grid_max(&self) -> (f64, f64) {
        let at_zero = self.ln_unnormalised(0.0).0;
        let mut best = (
            0.0,
            if at_zero.is_finite() {
                at_zero
            } else {
                f64::NEG_INFINITY
            },
        );
        for i in 1..80 {
            let t = -0.99 + 1.98 * i as f64 / 80.0;
            if let Some((tau, _)) = tau_of(t, self.scale) {
                let l = self.ln_unnormalised(tau).0;
                if l > best.1 || best.1.is_nan() {
                    best = (tau, l);
                }
            }
        }
        best
    }

    /// ∫ f(τ, conditional)·exp(log-posterior − shift) dτ over `range`, unnormalised.
    fn integrate_unnormalised<const N: usize>(
        &self,
        f: impl Fn(f64, Conditional) -> [f64; N],
        range: (f64, f64),
    ) -> Result<[f64; N]> {
        integrate(
            |tau| {
                let w = self.ln_unnormalised(tau).0.exp();
                if w == 0.0 {
                    return [0.0; N];
                }
                f(tau, self.conditional(tau)).map(|v| v * w)
            },
            self.scale,
            range,
            REL_TOL,
            [0.0; N],
        )
    }

    /// The posterior expectation of `f(τ, conditional)` over τ in `range` (probability-weighted:
    /// the full range gives E[f]); `abs` absolute tolerances per component.
    pub(crate) fn expect<const N: usize>(
        &self,
        f: impl Fn(f64, Conditional) -> [f64; N],
        range: (f64, f64),
        abs: [f64; N],
    ) -> Result<[f64; N]> {
        let z = self.norm;
        integrate(
            |tau| {
                let w = self.ln_unnormalised(tau).0.exp() / z;
                if w == 0.0 {
                    return [0.0; N];
                }
                f(tau, self.conditional(tau)).map(|v| v * w)
            },
            self.scale,
            range,
            REL_TOL,
            abs,
        )
    }

    /// log of the marginal likelihood ∫ L(τ) p(τ) dτ (meaningful for proper priors only).
    pub(crate) fn ln_marginal_likelihood(&self) -> f64 {
        self.norm.ln() + self.shift
    }

    /// log p(y | μ = 0) = log ∫ Πᵢ N(yᵢ; 0, σᵢ² + τ²) p(τ) dτ.
    pub(crate) fn ln_likelihood_mu0(&self) -> Result<f64> {
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let ln_joint = |tau: f64| -> f64 {
            let t2 = tau * tau;
            let s: f64 = self
                .y
                .iter()
                .zip(self.v)
                .map(|(y, v)| ln2pi + (v + t2).ln() + y * y / (v + t2))
                .sum();
            -0.5 * s
        };
        // shift by the largest value on the grid for a representable integrand
        let mut shift = f64::NEG_INFINITY;
        for i in 0..=80 {
            let t = -0.99 + 1.98 * i as f64 / 80.0;
            if let Some((tau, _)) = tau_of(t, self.scale) {
                shift = shift.max(ln_joint(tau) + self.tau_prior.ln_density(tau, &self.data).0);
            }
        }
        let [z] = integrate(
            |tau| {
                if tau == 0.0 && self.vanishes_at_zero() {
                    return [0.0];
                }
                [(ln_joint(tau) + self.tau_prior.ln_density(tau, &self.data).0 - shift).exp()]
            },
            self.scale,
            (0.0, f64::INFINITY),
            REL_TOL,
            [0.0],
        )?;
        Ok(z.ln() + shift)
    }
}

/// An error unless there is at least one study, every effect is finite and every variance
/// positive and finite.
fn check_data(y: &[f64], v: &[f64]) -> Result<()> {
    if y.len() != v.len() {
        return Err(Error::Length {
            what: "vi",
            expected: y.len(),
            found: v.len(),
        });
    }
    if y.is_empty() {
        return Err(Error::TooFew {
            analysis: "Bayesian meta-analysis".into(),
            needed: 1,
            found: 0,
            unit: "studies",
            note: "; without data the posterior is the prior (improper with a flat mu prior)"
                .into(),
        });
    }
    for (i, (y, v)) in y.iter().zip(v).enumerate() {
        if !(y.is_finite() && v.is_finite() && *v > 0.0) {
            return Err(Error::Input {
                what: format!("effect {}", i + 1),
                message: format!(
                    "yi = {y}, vi = {v}: the Bayesian model needs a finite effect and a positive, finite sampling variance"
                ),
            });
        }
    }
    Ok(())
}
