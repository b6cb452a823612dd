//! PET, PEESE and the conditional PET-PEESE estimator (Stanley & Doucouliagos 2014): the limit
//! estimates of metafor's `regtest(model = "lm", predictor = "sei" / "vi")`.

use nalgebra::DMatrix;
use serde::Serialize;

use crate::dist;
use crate::effect::EffectSizes;
use crate::error::{Error, Result, Setting};
use crate::model::regression::MetaRegression;
use crate::model::{RandomEffects, Tau2Method};

use super::bias::check_precisions_differ;
use super::need::need;

/// One precision-effect regression: `yi = b0 + b1·xi`, weights `1/vi`, multiplicative dispersion
/// (R's `lm(yi ~ xi, weights = 1/vi)`), with `xi = sei` (PET) or `xi = vi` (PEESE).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitRegression {
    /// The predictor: `"sei"` (PET) or `"vi"` (PEESE).
    pub predictor: &'static str,
    /// The limit estimate: the intercept `b0` (the effect of a study with infinite precision).
    pub estimate: f64,
    /// Its standard error (with the multiplicative dispersion).
    pub se: f64,
    /// Lower confidence limit, `b0 − t(k − 2)·se`.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// t statistic of the intercept.
    pub intercept_t: f64,
    /// Two-sided p-value of the intercept (t(k − 2)).
    pub intercept_p: f64,
    /// The slope `b1` on the predictor.
    pub slope: f64,
    /// Its standard error.
    pub slope_se: f64,
    /// Two-sided p-value of the slope (Egger's test when the predictor is `sei`).
    pub slope_p: f64,
    /// Residual degrees of freedom, k − 2.
    pub df: f64,
}

/// Which regression PET-PEESE reports (JSON `"pet"` or `"peese"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PetOrPeese {
    /// The PET limit estimate (no evidence of a non-zero effect).
    Pet,
    /// The PEESE limit estimate (PET's intercept is significant).
    Peese,
}

/// The conditional PET-PEESE estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PetPeeseChoice {
    /// The regression whose limit estimate is reported.
    pub chosen: PetOrPeese,
    /// The chosen limit estimate.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// The two-sided level α of the test of PET's intercept.
    pub alpha: f64,
    /// The rule, in words.
    pub rule: String,
}

/// PET, PEESE and the conditional choice between them (JSON keys `pet`, `peese`, `pet_peese`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PetPeese {
    /// Precision-effect test (predictor `sei`).
    pub pet: LimitRegression,
    /// Precision-effect estimate with standard error (predictor `vi`).
    pub peese: LimitRegression,
    /// The conditional estimate.
    pub pet_peese: PetPeeseChoice,
}

/// PET, PEESE and PET-PEESE at confidence level `level` (percent), with the conditional rule of
/// Stanley & Doucouliagos (2014, Res Synth Methods 5:60): report PEESE when PET's intercept
/// differs from 0 (two-sided p-value below `alpha`), otherwise PET. The usual `alpha = 0.10`
/// two-sided is the one-sided 5 % test of Stanley & Doucouliagos in the direction of the estimate.
///
/// # Formula
/// `lm(yi ~ xi, weights = 1/vi)`: WLS with weights `1/vi`, covariance `φ·(XᵀWX)⁻¹` with the
/// dispersion `φ = Σ wᵢ eᵢ² / (k − 2)`, t(k − 2) intervals and tests; `xi = √vi` (PET) or
/// `xi = vi` (PEESE). The limit estimate is the intercept.
///
/// # Examples
/// ```
/// use peerstat::diag::{pet_peese, PetOrPeese};
/// use peerstat::effect::{EffectSizes, Measure};
/// let yi = [0.10, 0.30, 0.35, 0.60, 0.05, 0.42];
/// let vi = [0.01, 0.02, 0.04, 0.09, 0.015, 0.05];
/// let es = EffectSizes::from_slices(Measure::Gen, &yi, &vi).unwrap();
/// let r = pet_peese(&es, 95.0, 0.10).unwrap();
/// let chosen = match r.pet_peese.chosen {
///     PetOrPeese::Pet => &r.pet,
///     PetOrPeese::Peese => &r.peese,
/// };
/// assert_eq!(r.pet_peese.estimate, chosen.estimate);
/// ```
///
/// # Errors
/// [`Error::Setting`] ([`Setting::PetPeeseAlpha`]) for `alpha` outside (0, 1); fewer than 3
/// studies; [`Error::Singular`] when every study has the same sampling variance.
pub fn pet_peese(es: &EffectSizes, level: f64, alpha: f64) -> Result<PetPeese> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::setting(
            Setting::PetPeeseAlpha,
            format!("the PET-PEESE test level must lie strictly between 0 and 1, got {alpha}"),
        ));
    }
    need(es, 3, "PET-PEESE")?;
    check_precisions_differ(es)?;
    let pet = limit_regression(es, level, "sei")?;
    let peese = limit_regression(es, level, "vi")?;
    let chosen = if pet.intercept_p < alpha {
        PetOrPeese::Peese
    } else {
        PetOrPeese::Pet
    };
    let c = match chosen {
        PetOrPeese::Pet => &pet,
        PetOrPeese::Peese => &peese,
    };
    let pet_peese = PetPeeseChoice {
        chosen,
        estimate: c.estimate,
        se: c.se,
        ci_lower: c.ci_lower,
        ci_upper: c.ci_upper,
        alpha,
        rule: format!(
            "PEESE if PET's intercept has two-sided p < {alpha} (t(k-2)), else PET \
             (Stanley & Doucouliagos 2014)"
        ),
    };
    Ok(PetPeese {
        pet,
        peese,
        pet_peese,
    })
}

/// `lm(yi ~ x, weights = 1/vi)` with `x = sei` or `x = vi`.
fn limit_regression(
    es: &EffectSizes,
    level: f64,
    predictor: &'static str,
) -> Result<LimitRegression> {
    let k = es.k();
    let x = DMatrix::from_fn(k, 2, |i, j| match (j, predictor) {
        (0, _) => 1.0,
        (_, "sei") => es.vi()[i].sqrt(),
        _ => es.vi()[i],
    });
    let names = vec!["intrcpt".to_string(), predictor.to_string()];
    let ee = MetaRegression::new(RandomEffects::new().method(Tau2Method::Ee).knha(false));
    let f = ee.fit(es.yi(), es.vi(), &x, &names)?;
    let df = (k - 2) as f64;
    let phi = f.qe / df;
    let se = (f.vb[(0, 0)] * phi).sqrt();
    let slope_se = (f.vb[(1, 1)] * phi).sqrt();
    let b0 = f.coefficients[0].est.estimate;
    let b1 = f.coefficients[1].est.estimate;
    let crit = dist::t_quantile(1.0 - (1.0 - level / 100.0) / 2.0, df);
    Ok(LimitRegression {
        predictor,
        estimate: b0,
        se,
        ci_lower: b0 - crit * se,
        ci_upper: b0 + crit * se,
        intercept_t: b0 / se,
        intercept_p: dist::t_p2(b0 / se, df),
        slope: b1,
        slope_se,
        slope_p: dist::t_p2(b1 / slope_se, df),
        df,
    })
}
