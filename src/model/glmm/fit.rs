//! Fitting a GLMM: the equal-effects model, then (random effects) τ by maximum likelihood, and
//! the result with metafor's fit statistics and heterogeneity tests.

use nalgebra::DMatrix;
use serde::Serialize;

use super::cluster::Cluster;
use super::design::{GlmmData, GlmmMeasure, GlmmModel};
use super::hermite::NormalRule;
use super::heterogeneity::{typical_variance, wald, ChiTest};
use super::newton::{Maximum, Problem};
use crate::dist;
use crate::error::{check_level, Error, Result, Setting};
use crate::model::Estimate;

/// A fitted GLMM (metafor `rma.glmm`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlmmFit {
    /// Always `"glmm"`.
    pub model: &'static str,
    /// The measure.
    pub measure: GlmmMeasure,
    /// The two-group model (`UM.FS`, `CM.AL`, `CM.EL`); null for single-group measures.
    pub glmm: Option<GlmmModel>,
    /// `"EE"` (equal effects) or `"ML"` (random effects by maximum likelihood).
    pub method: &'static str,
    /// Studies fitted (double-zero tables dropped).
    pub k: usize,
    /// Quadrature points per study (1: the Laplace approximation).
    pub nagq: usize,
    /// The pooled effect (log OR, log IRR, logit or log rate), its SE, CI and z test.
    #[serde(flatten)]
    pub est: Estimate,
    /// τ² (0 for equal effects).
    pub tau2: f64,
    /// τ.
    pub tau: f64,
    /// I² (percent) from τ² and the typical within-study variance of the escalc estimates.
    pub i2: f64,
    /// H².
    pub h2: f64,
    /// The log-likelihood as metafor reports it (`ll.QE − deviance/2` with lme4's deviance:
    /// the rows' binomial or Poisson log-likelihoods, constants included, at the conditional
    /// modes of the random effects; the marginal log-likelihood for equal effects).
    pub loglik: f64,
    /// The marginal log-likelihood maximised (the random effects integrated out by the
    /// quadrature; lme4's `logLik` plus the constants). Equal to `loglik` for equal effects.
    pub marginal_loglik: f64,
    /// The deviance as metafor reports it: −2 (`loglik` − saturated log-likelihood).
    pub deviance: f64,
    /// AIC.
    pub aic: f64,
    /// BIC (n = the number of rows fitted: 2k for UM.FS).
    pub bic: f64,
    /// AICc.
    pub aicc: f64,
    /// Wald test of heterogeneity (saturated model), df k − 1.
    pub wald_het: ChiTest,
    /// Likelihood-ratio test of heterogeneity (equal-effects vs saturated model), df k − 1.
    pub lrt_het: ChiTest,
    /// Confidence level (percent).
    pub level: f64,
    /// Newton iterations of the last fit.
    pub iterations: usize,
}

/// The log-likelihoods behind the fit statistics and the likelihood-ratio test.
struct LogLiks {
    /// Of the saturated model (one mean per row).
    saturated: f64,
    /// Of the equal-effects model at its maximum.
    equal: f64,
    /// metafor's: at the conditional modes of the random effects.
    conditional: f64,
}

/// GLMM options (a builder): the model, equal or random effects, quadrature points and level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glmm {
    model: GlmmModel,
    random: bool,
    nagq: usize,
    level: f64,
}

impl Glmm {
    /// A random-effects fit of `model` with 7 quadrature points (metafor's default) at 95 %.
    pub fn new(model: GlmmModel) -> Self {
        Glmm {
            model,
            random: true,
            nagq: 7,
            level: 95.0,
        }
    }

    /// Random effects (τ by ML; the default) or equal effects (`false`).
    pub fn random(mut self, random: bool) -> Self {
        self.random = random;
        self
    }

    /// Quadrature points per study (metafor `nAGQ`; 1 is the Laplace approximation).
    ///
    /// # Errors
    /// [`Error::Setting`] for 0 or more than 50 points.
    pub fn nagq(mut self, n: usize) -> Result<Self> {
        if n == 0 || n > 50 {
            return Err(Error::setting(
                Setting::Glmm,
                format!("quadrature points must be 1 to 50, got {n}"),
            ));
        }
        self.nagq = n;
        Ok(self)
    }

    /// The confidence level in percent.
    ///
    /// # Errors
    /// [`Error::Setting`] outside (50, 100).
    pub fn level(mut self, level: f64) -> Result<Self> {
        self.level = check_level(level)?;
        Ok(self)
    }

    /// Fits the model to `data`.
    ///
    /// # Errors
    /// [`Error::TooFew`] with fewer than 2 studies; [`Error::NotConverged`] when the likelihood
    /// cannot be maximised; [`Error::Undefined`] when the information matrix is singular (e.g.
    /// no events at all).
    pub fn fit(&self, data: &GlmmData) -> Result<GlmmFit> {
        let k = data.k();
        if k < 2 {
            return Err(Error::TooFew {
                analysis: "GLMM".into(),
                needed: 2,
                found: k,
                unit: "studies",
                note: " (double-zero tables are dropped)".into(),
            });
        }
        let clusters = data.clusters(self.model);
        let (q, rows) = data.sizes(self.model);
        let rule = NormalRule::new(self.nagq);
        let ee = Problem {
            clusters: &clusters,
            n: q,
            tau: None,
            rule: rule.clone(),
        }
        .maximise(self.start(data, q))?;
        let ll_ee = ee.loglik;
        let fit = if self.random {
            self.random_effects(&clusters, q, rule, ee)?
        } else {
            ee
        };
        let saturated: f64 = clusters
            .iter()
            .flat_map(|c| &c.rows)
            .map(|r| r.saturated())
            .sum();
        let tau = if self.random { fit.x[q] } else { 0.0 };
        let conditional: f64 = clusters
            .iter()
            .map(|c| c.conditional_loglik(&fit.x, tau))
            .sum();
        let lls = LogLiks {
            saturated,
            equal: ll_ee,
            conditional,
        };
        self.result(data, &fit, q, rows, &lls)
    }

    /// The random-effects maximum from the equal-effects one `ee` (τ started at 0.5; τ = 0 when
    /// that is higher).
    fn random_effects(
        &self,
        clusters: &[Cluster],
        q: usize,
        rule: NormalRule,
        ee: Maximum,
    ) -> Result<Maximum> {
        let re = Problem {
            clusters,
            n: q + 1,
            tau: Some(q),
            rule,
        };
        let mut x0 = ee.x.clone();
        x0.push(0.5);
        let m = re.maximise(x0)?;
        if m.loglik >= ee.loglik {
            return Ok(m);
        }
        let mut x = ee.x;
        x.push(0.0);
        let (_, hessian) = re.derivatives(&x);
        Ok(Maximum {
            loglik: re.loglik(&x),
            x,
            hessian,
            iterations: m.iterations,
        })
    }

    /// Starting values: effect 0, study intercepts at the group-2 log odds or log rate (½
    /// added).
    fn start(&self, data: &GlmmData, q: usize) -> Vec<f64> {
        let mut x = vec![0.0; q];
        if q > 1 {
            for (j, c) in data.counts.iter().enumerate() {
                x[1 + j] = match data.measure {
                    GlmmMeasure::Or => ((c.x2 + 0.5) / (c.n2 - c.x2 + 0.5)).ln(),
                    _ => ((c.x2 + 0.5) / c.n2).ln(),
                };
            }
        }
        x
    }

    fn result(
        &self,
        data: &GlmmData,
        fit: &Maximum,
        q: usize,
        rows: usize,
        lls: &LogLiks,
    ) -> Result<GlmmFit> {
        let k = data.k();
        let info: DMatrix<f64> = -&fit.hessian;
        let vcov = info.clone().try_inverse().ok_or_else(|| Error::Undefined {
            what: "the GLMM's standard errors".into(),
            reason: "the information matrix is singular (too few events?)".into(),
        })?;
        let se = vcov[(0, 0)].sqrt();
        let crit = dist::norm_quantile(1.0 - (1.0 - self.level / 100.0) / 2.0);
        let beta = fit.x[0];
        let tau = if self.random { fit.x[q].abs() } else { 0.0 };
        let tau2 = tau * tau;
        let vt = typical_variance(&data.escalc_vi());
        let parms = q + usize::from(self.random);
        let ll = lls.conditional;
        let n = rows as f64;
        let kk = n.max(parms as f64 + 2.0);
        let df = k - 1;
        Ok(GlmmFit {
            model: "glmm",
            measure: data.measure,
            glmm: matches!(data.measure, GlmmMeasure::Or | GlmmMeasure::Irr).then_some(self.model),
            method: if self.random { "ML" } else { "EE" },
            k,
            nagq: self.nagq,
            est: Estimate::new(beta, se, crit, dist::norm_p2(beta / se)),
            tau2,
            tau,
            i2: 100.0 * tau2 / (vt + tau2),
            h2: tau2 / vt + 1.0,
            loglik: ll,
            marginal_loglik: fit.loglik,
            deviance: -2.0 * (ll - lls.saturated),
            aic: -2.0 * ll + 2.0 * parms as f64,
            bic: -2.0 * ll + parms as f64 * n.ln(),
            aicc: -2.0 * ll + 2.0 * parms as f64 * kk / (kk - parms as f64 - 1.0),
            wald_het: ChiTest::new(wald(&data.raw_effects(self.model)), df),
            lrt_het: ChiTest::new(-2.0 * (lls.equal - lls.saturated), df),
            level: self.level,
            iterations: fit.iterations,
        })
    }
}
