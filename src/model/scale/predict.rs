//! Predictions of a location-scale model (metafor `predict(fit, newmods = …, newscale = …)`):
//! τ² at given scale values, and the effect at given moderator values with a prediction
//! interval that uses that setting's τ².
//!
//! # Formulas
//! * `log τ²₀ = z₀ᵀα̂`, `se = √(z₀ᵀ Var(α̂) z₀)`, CI `± z·se`; τ² and its CI by `exp`.
//! * `pred = x₀ᵀβ̂`, `se = √(x₀ᵀ Var(β̂) x₀)`, `PI = pred ± z·√(se² + τ²₀)`.

use nalgebra::DVector;
use serde::Serialize;

use super::fit::ScaleFit;
use crate::error::{Error, Setting};
use crate::model::prediction::{at, critical, Prediction};

/// A prediction of a location-scale model at one setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalePrediction {
    /// The moderator values (`null` when only τ² is predicted).
    pub newmods: Option<Vec<f64>>,
    /// The scale values (one per scale column after the intercept).
    pub newscale: Vec<f64>,
    /// The predicted `log τ²`.
    pub log_tau2: f64,
    /// Its standard error.
    pub log_tau2_se: f64,
    /// Lower confidence limit of `log τ²`.
    pub log_tau2_ci_lower: f64,
    /// Upper confidence limit of `log τ²`.
    pub log_tau2_ci_upper: f64,
    /// The predicted τ² of this setting, `exp(z₀ᵀα̂)`.
    pub tau2: f64,
    /// Lower confidence limit of τ².
    pub tau2_ci_lower: f64,
    /// Upper confidence limit of τ².
    pub tau2_ci_upper: f64,
    /// The predicted effect with its CI and the prediction interval with this setting's τ²
    /// (when moderator values were given).
    pub effect: Option<Prediction>,
}

impl ScaleFit {
    /// τ² at the scale values `newscale` (one per scale column after the intercept), and,
    /// with `newmods` (one per location column after the intercept), the predicted effect
    /// with the prediction interval that uses this τ².
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::NewScale`], [`Setting::NewMods`]) for a wrong number of
    /// values or a value that is not finite.
    pub fn predict(
        &self,
        newmods: Option<&[f64]>,
        newscale: &[f64],
    ) -> Result<ScalePrediction, Error> {
        let q = self.alpha.len();
        if newscale.len() + 1 != q {
            return Err(Error::setting(
                Setting::NewScale,
                format!(
                    "{} new scale values given for {} scale columns after the intercept (one value per column, factor levels as 0/1 columns)",
                    newscale.len(),
                    q - 1
                ),
            ));
        }
        if newscale.iter().any(|v| !v.is_finite()) {
            return Err(Error::setting(
                Setting::NewScale,
                "new scale values must be finite numbers",
            ));
        }
        let z0 = DVector::from_iterator(q, std::iter::once(1.0).chain(newscale.iter().copied()));
        let alpha = DVector::from_iterator(q, self.alpha.iter().map(|c| c.est.estimate));
        let eta = z0.dot(&alpha);
        let se = (z0.transpose() * &self.va * &z0)[(0, 0)].max(0.0).sqrt();
        let crit = critical(self.level, None);
        let tau2 = eta.exp();
        let effect = match newmods {
            Some(m) => {
                let beta = DVector::from_iterator(
                    self.coefficients.len(),
                    self.coefficients.iter().map(|c| c.est.estimate),
                );
                Some(at(m, &beta, &self.vb, tau2, None, self.level)?)
            }
            None => None,
        };
        Ok(ScalePrediction {
            newmods: newmods.map(<[f64]>::to_vec),
            newscale: newscale.to_vec(),
            log_tau2: eta,
            log_tau2_se: se,
            log_tau2_ci_lower: eta - crit * se,
            log_tau2_ci_upper: eta + crit * se,
            tau2,
            tau2_ci_lower: (eta - crit * se).exp(),
            tau2_ci_upper: (eta + crit * se).exp(),
            effect,
        })
    }
}
