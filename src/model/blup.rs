//! Best linear unbiased predictions of a random-effects model or meta-regression: each study's
//! true effect (metafor `blup()`) and its random effect (metafor `ranef()`).
//!
//! With `λᵢ = τ²/(τ² + vᵢ)`, the fitted value `xᵢβ̂` and its variance `xᵢ V_β xᵢᵀ`:
//! the predicted true effect is `λᵢ yᵢ + (1 − λᵢ) xᵢβ̂` with variance
//! `λᵢ vᵢ + (1 − λᵢ)² xᵢ V_β xᵢᵀ`; the random effect is `λᵢ (yᵢ − xᵢβ̂)` with variance
//! `λᵢ vᵢ + λᵢ² xᵢ V_β xᵢᵀ`. Intervals use the coefficients' critical value (normal, or t on
//! `k − p` df under Knapp–Hartung), as metafor.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::prediction::critical;
use super::regression::RegressionFit;
use super::Fit;

/// One study's predicted true effect (metafor `blup()`) or random effect (`ranef()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blup {
    /// Study label.
    pub study: String,
    /// The prediction.
    pub pred: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower bound of its prediction interval.
    pub pi_lower: f64,
    /// Upper bound of its prediction interval.
    pub pi_upper: f64,
}

/// One level of a random-effect term and its predicted random effect (metafor `ranef()`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RanefLevel {
    /// The level (for nested factors the levels joined by `/`, as metafor: `11/1`).
    pub level: String,
    /// The predicted random effect.
    pub pred: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower bound of its prediction interval.
    pub pi_lower: f64,
    /// Upper bound of its prediction interval.
    pub pi_upper: f64,
}

/// The predictions of a univariate fit: `blup` (true effects) and `ranef` (random effects,
/// one term: the study).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blups {
    /// Each study's predicted true effect.
    pub blup: Vec<Blup>,
    /// The random effects, one list per random-effect term (here one: the study), each as
    /// [`RanefLevel`]s labelled by study.
    pub ranef: Vec<Vec<RanefLevel>>,
}

/// What the predictions need from a fit.
struct Parts<'a> {
    fit: &'a Fit,
    tau2: f64,
    x: DMatrix<f64>,
    beta: DVector<f64>,
    vb: DMatrix<f64>,
    crit: f64,
}

impl Blups {
    /// The BLUPs of the random-effects model `fit` (intercept only) at `level` percent.
    ///
    /// ```
    /// use peerstat::effect::{EffectSizes, Measure};
    /// use peerstat::model::{blup::Blups, RandomEffects};
    /// let es = EffectSizes::from_slices(Measure::Smd, &[0.1, 0.5, 0.3], &[0.02, 0.03, 0.04]).unwrap();
    /// let fit = RandomEffects::new().fit(&es).unwrap();
    /// let b = Blups::of_fit(&fit);
    /// assert_eq!(b.blup.len(), 3);
    /// // The predicted true effect is the observed one shrunk towards the pooled estimate.
    /// assert!((b.blup[0].pred - fit.summary.estimate).abs() <= (0.1 - fit.summary.estimate).abs());
    /// ```
    pub fn of_fit(fit: &Fit) -> Blups {
        let s = &fit.summary;
        let k = fit.studies.len();
        let df = s.df.is_finite().then_some(s.df);
        Self::from_parts(&Parts {
            fit,
            tau2: s.tau2,
            x: DMatrix::from_element(k, 1, 1.0),
            beta: DVector::from_element(1, s.estimate),
            vb: DMatrix::from_element(1, 1, s.se * s.se),
            crit: critical(fit.options.get_level(), df),
        })
    }

    /// The BLUPs of the meta-regression `reg`, whose studies `fit` lists, at `level` percent.
    pub fn of_regression(fit: &Fit, reg: &RegressionFit, level: f64) -> Blups {
        let beta = DVector::from_iterator(
            reg.coefficients.len(),
            reg.coefficients.iter().map(|c| c.est.estimate),
        );
        let df = reg.df.is_finite().then_some(reg.df);
        Self::from_parts(&Parts {
            fit,
            tau2: reg.tau2,
            x: reg.x.clone(),
            beta,
            vb: reg.vb.clone(),
            crit: critical(level, df),
        })
    }

    fn from_parts(p: &Parts) -> Blups {
        let mut blup = Vec::with_capacity(p.fit.studies.len());
        let mut ranef = Vec::with_capacity(p.fit.studies.len());
        for (i, s) in p.fit.studies.iter().enumerate() {
            let xi = p.x.row(i);
            let fitted = (xi * &p.beta)[(0, 0)];
            let var_fitted = (xi * &p.vb * xi.transpose())[(0, 0)];
            let li = if p.tau2.is_infinite() {
                1.0
            } else {
                p.tau2 / (p.tau2 + s.vi)
            };
            let pred = li * s.yi + (1.0 - li) * fitted;
            let var = li * s.vi + (1.0 - li).powi(2) * var_fitted;
            let (lo, hi) = interval(pred, var.sqrt(), p.crit);
            blup.push(Blup {
                study: s.study.clone(),
                pred,
                se: var.sqrt(),
                pi_lower: lo,
                pi_upper: hi,
            });
            let u = li * (s.yi - fitted);
            let var_u = li * s.vi + li * li * var_fitted;
            let (lo, hi) = interval(u, var_u.sqrt(), p.crit);
            ranef.push(RanefLevel {
                level: s.study.clone(),
                pred: u,
                se: var_u.sqrt(),
                pi_lower: lo,
                pi_upper: hi,
            });
        }
        Blups {
            blup,
            ranef: vec![ranef],
        }
    }
}

/// `pred ± crit·se`.
pub(crate) fn interval(pred: f64, se: f64, crit: f64) -> (f64, f64) {
    (pred - crit * se, pred + crit * se)
}
