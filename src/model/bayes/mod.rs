//! Bayesian random-effects meta-analysis: the normal–normal hierarchical model as R's bayesmeta
//! fits it, computed exactly.
//!
//! `yᵢ ~ N(θᵢ, σᵢ²)`, `θᵢ ~ N(μ, τ²)`, priors `p(μ)` (flat or normal, [`MuPrior`]) and `p(τ)`
//! ([`TauPrior`]) independent. μ is integrated out analytically; τ's marginal posterior is
//! normalised, and every summary (of τ, μ, a new study's θ_new and the study effects θᵢ) taken,
//! by adaptive quadrature over τ to a relative accuracy of 1e-13, with quantiles by Newton steps
//! on the exact CDFs. bayesmeta approximates μ's marginal on its DIRECT grid; these values are
//! the exact ones bayesmeta approximates (`docs/src/bayes.md`).
//!
//! # Formula
//! * μ | τ, y ~ N(m(τ), s²(τ)), `s² = 1/(Σ 1/(σᵢ² + τ²) [+ 1/s₀²])`,
//!   `m = s²·(Σ yᵢ/(σᵢ² + τ²) [+ m₀/s₀²])`.
//! * θ_new | τ, y ~ N(m, s² + τ²); θᵢ | τ, y ~ N(bᵢyᵢ + (1 − bᵢ)m, bᵢσᵢ² + (1 − bᵢ)²s²),
//!   `bᵢ = τ²/(σᵢ² + τ²)`.
//! * Marginal likelihood `∫ L(τ) p(τ) dτ` with `L(τ) = ∫ Πᵢ N(yᵢ; μ, σᵢ² + τ²) p(μ) dμ`, reported
//!   only when both priors are proper; Bayes factors (bayesmeta's "actual" ones)
//!   `BF(τ = 0) = L(0)/marglik`, `BF(μ = 0) = ∫ Πᵢ N(yᵢ; 0, σᵢ² + τ²) p(τ) dτ / marglik`.
//!
//! # Examples
//! ```
//! use peerstat::model::bayes::{Bayes, TauPrior};
//! // bayesmeta's eight-schools example (Rubin 1981) with uniform priors
//! let y = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16];
//! let se: [f64; 8] = [14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6];
//! let v: Vec<f64> = se.iter().map(|s| s * s).collect();
//! let fit = Bayes::new(TauPrior::Uniform).fit(&y, &v, &[]).unwrap();
//! assert!((fit.tau.median - 5.227732).abs() < 1e-6);
//! ```

mod fixed;
mod marginal;
mod posterior;
mod prior;
mod quadrature;
pub mod tables;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

pub use fixed::{BayesRow, BayesWorkspace, BulkBayes, NODES};
pub use marginal::Marginal;
use marginal::{summarise, tau_mode, Mixture, TauMarginal};
use posterior::{Conditional, Posterior};
pub use prior::{rhodes_levels, turner_levels, MuPrior, TauPrior};

use crate::error::{Error, Result, Setting};

/// Which credible intervals are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    /// Equal tail probabilities (the 2.5 % and 97.5 % quantiles at level 0.95).
    #[default]
    Central,
    /// The shortest interval (highest posterior density for a unimodal marginal; bayesmeta's
    /// default).
    Shortest,
}

impl FromStr for Interval {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "central" => Ok(Interval::Central),
            "shortest" => Ok(Interval::Shortest),
            _ => Err(Error::Setting {
                setting: Setting::Prior,
                message: format!("unknown interval type '{s}'; use central or shortest"),
            }),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interval::Central => "central",
            Interval::Shortest => "shortest",
        })
    }
}

/// Options of the Bayesian fit (a builder). Defaults: flat μ prior, central 95 % intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bayes {
    tau_prior: TauPrior,
    mu_prior: MuPrior,
    interval: Interval,
    level: f64,
    prob_above: Vec<f64>,
}

/// P(μ > threshold).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    /// The threshold.
    pub threshold: f64,
    /// The posterior probability that μ exceeds it.
    pub prob: f64,
}

/// One study's shrinkage estimate: the posterior of its own effect θᵢ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShrunkStudy {
    /// Study label.
    pub study: String,
    /// The observed effect yᵢ.
    pub yi: f64,
    /// Its standard error σᵢ.
    pub sei: f64,
    /// Posterior mean of θᵢ.
    pub shrunk_mean: f64,
    /// Posterior standard deviation of θᵢ.
    pub shrunk_sd: f64,
    /// Posterior median of θᵢ.
    pub shrunk_median: f64,
    /// Lower end of θᵢ's credible interval.
    pub ci_lower: f64,
    /// Upper end of θᵢ's credible interval.
    pub ci_upper: f64,
}

/// The result of a Bayesian random-effects meta-analysis (JSON key `bayes`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BayesFit {
    /// The prior for τ (its specification, e.g. `half-normal:0.5`).
    pub tau_prior: TauPrior,
    /// The prior for μ (`flat` or `normal:M,S`).
    pub mu_prior: MuPrior,
    /// The interval type.
    pub interval: Interval,
    /// The interval's probability.
    pub level: f64,
    /// Number of studies.
    pub k: usize,
    /// The heterogeneity τ.
    pub tau: Marginal,
    /// The overall effect μ.
    pub mu: Marginal,
    /// The effect of a new study (posterior predictive).
    pub theta_new: Marginal,
    /// P(μ > 0).
    pub prob_mu_gt_0: f64,
    /// P(μ > x) for each requested threshold.
    pub prob_mu_above: Vec<Threshold>,
    /// ∫∫ p(y|μ,τ) p(μ) p(τ) dμ dτ; `None` unless both priors are proper.
    pub marginal_likelihood: Option<f64>,
    /// Bayes factor of τ = 0 against the model (`None` unless both priors are proper).
    pub bayes_factor_tau0: Option<f64>,
    /// Bayes factor of μ = 0 against the model (`None` unless both priors are proper).
    pub bayes_factor_mu0: Option<f64>,
    /// Why the marginal likelihood and Bayes factors are missing, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marginal_likelihood_note: Option<String>,
    /// Per-study shrinkage estimates.
    pub studies: Vec<ShrunkStudy>,
}

impl Bayes {
    /// The model with prior `tau_prior` for τ, a flat prior for μ, central 95 % intervals.
    pub fn new(tau_prior: TauPrior) -> Self {
        Bayes {
            tau_prior,
            mu_prior: MuPrior::Flat,
            interval: Interval::Central,
            level: 0.95,
            prob_above: Vec::new(),
        }
    }

    /// Sets the prior for μ.
    pub fn mu_prior(mut self, p: MuPrior) -> Self {
        self.mu_prior = p;
        self
    }

    /// Sets the interval type.
    pub fn interval(mut self, i: Interval) -> Self {
        self.interval = i;
        self
    }

    /// Sets the intervals' probability (0 < level < 1).
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Asks for P(μ > x) at each x.
    pub fn prob_above(mut self, xs: &[f64]) -> Self {
        self.prob_above = xs.to_vec();
        self
    }

    /// Fits effects `y` with sampling variances `v`; `labels` names the studies (numbered
    /// 1, 2, … where empty).
    ///
    /// # Errors
    /// [`Error::Setting`] for a level outside (0, 1) or a non-finite threshold;
    /// [`Error::TooFew`] without studies; [`Error::Input`] for a bad effect or variance;
    /// [`Error::Undefined`] when the posterior is improper; [`Error::NotConverged`] when a
    /// quadrature or root search fails.
    pub fn fit(&self, y: &[f64], v: &[f64], labels: &[String]) -> Result<BayesFit> {
        self.validate()?;
        let post = Posterior::new(y, v, &self.tau_prior, self.mu_prior)?;
        let shortest = self.interval == Interval::Shortest;
        let tau = self.tau_summary(&post, shortest)?;
        let mu = self.mixture_summary(&post, |_, c| (c.mean, c.var), false)?;
        let theta_new = self.mixture_summary(&post, |t, c| (c.mean, c.var + t * t), true)?;
        let mu_mix = Mixture {
            post: &post,
            cond: |_, c: Conditional| (c.mean, c.var),
        };
        let prob_mu_above = self
            .prob_above
            .iter()
            .map(|&x| {
                Ok(Threshold {
                    threshold: x,
                    prob: mu_mix.sf(x)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (marginal_likelihood, bf_tau0, bf_mu0, note) = self.evidence(&post)?;
        Ok(BayesFit {
            tau_prior: self.tau_prior.clone(),
            mu_prior: self.mu_prior,
            interval: self.interval,
            level: self.level,
            k: y.len(),
            tau,
            mu,
            theta_new,
            prob_mu_gt_0: mu_mix.sf(0.0)?,
            prob_mu_above,
            marginal_likelihood,
            bayes_factor_tau0: bf_tau0,
            bayes_factor_mu0: bf_mu0,
            marginal_likelihood_note: note,
            studies: self.shrinkage(&post, labels)?,
        })
    }

    /// An error for a level outside (0, 1) or a non-finite threshold.
    fn validate(&self) -> Result<()> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::Setting {
                setting: Setting::Level,
                message: format!("level {} must lie strictly between 0 and 1", self.level),
            });
        }
        if let Some(x) = self.prob_above.iter().find(|x| !x.is_finite()) {
            return Err(Error::Setting {
                setting: Setting::Prior,
                message: format!("threshold {x} for P(mu > x) must be finite"),
            });
        }
        Ok(())
    }

    /// τ's summaries (moments only where finite).
    fn tau_summary(&self, post: &Posterior, shortest: bool) -> Result<Marginal> {
        let d = TauMarginal { post };
        let mean = if post.tau_moment_finite(1.0) {
            Some(post.expect(|t, _| [t], (0.0, f64::INFINITY), [0.0])?[0])
        } else {
            None
        };
        let sd = match mean {
            Some(m) if post.tau_moment_finite(2.0) => {
                Some(post.expect(|t, _| [(t - m).powi(2)], (0.0, f64::INFINITY), [0.0])?[0].sqrt())
            }
            _ => None,
        };
        summarise(&d, (mean, sd), tau_mode(post)?, shortest, self.level)
    }

    /// A mixture's summaries (μ, or θ_new when `predictive`): its mean needs E[τ] finite and
    /// its standard deviation E[τ²] where the component's spread grows like τ (θ_new, and μ
    /// under a flat prior).
    fn mixture_summary(
        &self,
        post: &Posterior,
        cond: impl Fn(f64, Conditional) -> (f64, f64),
        predictive: bool,
    ) -> Result<Marginal> {
        let d = Mixture { post, cond };
        let (mean_ok, var_ok) = if predictive {
            (post.tau_moment_finite(1.0), post.tau_moment_finite(2.0))
        } else {
            // μ | τ has variance s²(τ) ≤ s₀² under a normal prior: all moments finite
            let normal = matches!(self.mu_prior, MuPrior::Normal { .. });
            (
                normal || post.tau_moment_finite(1.0),
                normal || post.tau_moment_finite(2.0),
            )
        };
        let (mean, var) = if mean_ok {
            d.moments(var_ok)?
        } else {
            (f64::NAN, None)
        };
        let moments = (mean_ok.then_some(mean), var.map(f64::sqrt));
        let mode = d.mode()?;
        summarise(
            &d,
            moments,
            mode,
            self.interval == Interval::Shortest,
            self.level,
        )
    }

    /// The marginal likelihood and the Bayes factors for τ = 0 and μ = 0 (both priors proper).
    #[allow(clippy::type_complexity)]
    fn evidence(
        &self,
        post: &Posterior,
    ) -> Result<(Option<f64>, Option<f64>, Option<f64>, Option<String>)> {
        let why = match (self.tau_prior.is_proper(), self.mu_prior) {
            (false, _) => Some("the tau prior is improper"),
            (_, MuPrior::Flat) => Some("the mu prior is flat (improper)"),
            _ => None,
        };
        if let Some(why) = why {
            return Ok((
                None,
                None,
                None,
                Some(format!(
                    "no marginal likelihood or Bayes factors: {why} (they need proper priors for both tau and mu)"
                )),
            ));
        }
        let ln_ml = post.ln_marginal_likelihood();
        let ln_l0 = post.ln_likelihood(0.0).0;
        let ln_mu0 = post.ln_likelihood_mu0()?;
        Ok((
            Some(ln_ml.exp()),
            Some((ln_l0 - ln_ml).exp()),
            Some((ln_mu0 - ln_ml).exp()),
            None,
        ))
    }

    /// Each study's shrinkage estimate.
    fn shrinkage(&self, post: &Posterior, labels: &[String]) -> Result<Vec<ShrunkStudy>> {
        let shortest = self.interval == Interval::Shortest;
        (0..post.k())
            .map(|i| {
                let (yi, vi) = (post.y[i], post.v[i]);
                let d = Mixture {
                    post,
                    cond: move |t: f64, c: Conditional| {
                        let b = t * t / (vi + t * t);
                        (
                            b * yi + (1.0 - b) * c.mean,
                            b * vi + (1.0 - b).powi(2) * c.var,
                        )
                    },
                };
                let (mean, var) = d.moments(true)?;
                let (ci_lower, ci_upper) = if shortest {
                    marginal::shortest(&d, self.level)?
                } else {
                    marginal::central(&d, self.level)?
                };
                Ok(ShrunkStudy {
                    study: labels
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| (i + 1).to_string()),
                    yi,
                    sei: vi.sqrt(),
                    shrunk_mean: mean,
                    shrunk_sd: var.unwrap_or(f64::NAN).sqrt(),
                    shrunk_median: marginal::quantile(&d, 0.5)?,
                    ci_lower,
                    ci_upper,
                })
            })
            .collect()
    }
}
