//! Models: common-effect and random-effects meta-analysis (metafor `rma.uni` conventions; `docs/src/models.md`).
//!
//! [`RandomEffects`] is a small builder holding the model options; [`RandomEffects::fit`] fits
//! [`EffectSizes`] and returns a [`Fit`] (a plain, serialisable struct). The numerical kernel,
//! [`RandomEffects::fit_slices`], takes slices and a reusable [`Workspace`], so bulk reanalysis
//! and single analyses share it and a hot loop does no allocation.
//!
//! # Formulas
//! * Weights `w_i = 1/(v_i + τ²)`; estimate `μ̂ = Σw_i y_i / Σw_i`; `SE = √(1/Σw_i)`.
//! * Knapp–Hartung: `SE_KH = SE·√(Σw_i(y_i − μ̂)²/(k−1))`, t(k−1) reference distribution.
//! * `Q = Σ(y_i − μ̂_EE)²/v_i` with df `k − 1`.
//! * Random effects: `I² = 100·τ²/(τ² + ṽ)`, `H² = (τ² + ṽ)/ṽ` with the typical within-study
//!   variance `ṽ = (k−1)Σw/((Σw)² − Σw²)`, `w = 1/v`. Common effect: `I² = 100·max(0, (Q − (k−1))/Q)`,
//!   `H² = Q/(k−1)`.
//! * Q-profile CI for τ²: the roots of `Σ(y_i − μ̂(τ²))²/(v_i + τ²) = χ²_{k−1}` quantiles,
//!   truncated at 0; CIs for τ, I² and H² follow by the monotone maps.
//! * Prediction interval `μ̂ ± crit·√(SE² + τ²)`, crit `z` (or t(k−1) with the KH SE).
//!
//! # Examples
//!
//! ```
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::{RandomEffects, Tau2Method};
//! // dat.bcg log risk ratios (metafor escalc "RR")
//! let yi = [-0.8893113, -1.5853887, -1.3480731, -1.4415512, -0.2175473, -0.7861155,
//!           -1.6208982, 0.0119523, -0.4694176, -1.3713448, -0.3393588, 0.4459134, -0.0173139];
//! let vi = [0.3255848, 0.1943247, 0.4153718, 0.0200360, 0.0512130, 0.0069063,
//!           0.2230176, 0.0039626, 0.0564342, 0.0730164, 0.0124495, 0.5325058, 0.0714046];
//! let es = EffectSizes::from_slices(Measure::Rr, &yi, &vi).unwrap();
//! let fit = RandomEffects::new().method(Tau2Method::Reml).fit(&es).unwrap();
//! assert!((fit.summary.estimate - (-0.7145)).abs() < 1e-4);
//! assert!((fit.summary.tau2 - 0.3132).abs() < 1e-4);
//! assert!((fit.summary.i2 - 92.22).abs() < 1e-2);
//! ```

pub mod bayes;
pub mod blup;
mod coefficient;
pub mod contrast;
mod downdate;
mod estimate;
mod estimators;
mod fitted;
pub mod glmm;
mod global_max;
mod meta_run;
pub mod multilevel;
mod multilevel_run;
pub mod network;
mod normalise;
mod options;
pub mod parse;
mod prediction;
pub mod regression;
mod result;
pub mod robust;
pub mod rve;
pub mod scale;
pub mod subgroup;
mod summary;
pub mod vcalc;
mod workspace;

use serde::Serialize;

use crate::dist;
use crate::effect::{BackTransform, EffectSizes, Measure, Omission};
use crate::error::{Error, Setting};

pub(crate) use downdate::LeaveOneOut;
pub use estimate::Estimate;
pub(crate) use estimators::inverse_variance_mean;
pub use estimators::qgen;
pub use fitted::Fitted;
pub use meta_run::MetaRun;
pub use multilevel_run::{MultilevelOptions, MultilevelRun};
use normalise::Normaliser;
pub use options::{I2Method, PiMethod, Tau2Method};
pub use result::{MetaOptions, MetaResult, RegressionKeys};
pub use summary::{Convergence, Summary, SummaryColumn, SummaryValue};
pub use workspace::Workspace;

/// Model options (a builder). Defaults: REML, no Knapp–Hartung, 95 % level, metafor's
/// prediction interval and I².
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RandomEffects {
    method: Tau2Method,
    knha: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    knha_adhoc: bool,
    level: f64,
    pi: PiMethod,
    i2: I2Method,
    max_iter: usize,
    threshold: f64,
    stepadj: f64,
    fixed_tau2: Option<f64>,
}

impl Default for RandomEffects {
    fn default() -> Self {
        Self::new()
    }
}

/// One study's contribution to a fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyResult {
    /// Study label.
    pub study: String,
    /// Effect size.
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// Model weight in percent.
    pub weight: f64,
    /// Where `yi` and `vi` came from (`yi_source`, `vi_source`, any design effect), when known.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::effect::Provenance>,
    /// 0-based row of the source table the study came from (plots match studies by it, never
    /// by label, since one study can contribute several effects).
    #[serde(skip)]
    pub row: usize,
}

/// A fitted meta-analysis: the JSON contract of `peerstat meta`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Effect measure.
    pub measure: Measure,
    /// τ² estimator.
    pub method: Tau2Method,
    /// Scalar results.
    #[serde(flatten)]
    pub summary: Summary,
    /// Per-study effect, variance and weight.
    pub studies: Vec<StudyResult>,
    /// Rows left out of the analysis.
    #[serde(skip)]
    pub omitted: Vec<Omission>,
    /// Options used.
    #[serde(skip)]
    pub options: RandomEffects,
    /// How the estimates are shown on their natural scale (from the effect sizes).
    #[serde(skip)]
    pub back: BackTransform,
    /// The pooled estimate, CI and PI on the natural scale (odds ratios, correlations,
    /// proportions …), as flat keys `transform`, `estimate_natural`, `ci_lower_natural` …;
    /// absent for measures shown as analysed.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub back_transformed: Option<crate::effect::BackTransformed>,
}

impl Summary {
    /// The estimate, CI and PI, for [`BackTransform::on`].
    pub fn interval_values(&self) -> [f64; 5] {
        [
            self.estimate,
            self.ci_lower,
            self.ci_upper,
            self.pi_lower,
            self.pi_upper,
        ]
    }
}

impl RandomEffects {
    /// Default options: REML, z-test, 95 %.
    pub fn new() -> Self {
        RandomEffects {
            method: Tau2Method::Reml,
            knha: false,
            knha_adhoc: false,
            level: 95.0,
            pi: PiMethod::Metafor,
            i2: I2Method::Typical,
            max_iter: 1000,
            threshold: 1e-10,
            stepadj: 1.0,
            fixed_tau2: None,
        }
    }

    /// Fixes τ² at a value instead of estimating it (metafor's `tau2 =`), e.g. a common τ² for
    /// subgroups. No Q-profile CI is computed then. `None` estimates it (the default).
    pub fn fixed_tau2(mut self, tau2: Option<f64>) -> Self {
        self.fixed_tau2 = tau2.map(|t| t.max(0.0));
        self
    }

    /// Sets the τ² estimator.
    pub fn method(mut self, m: Tau2Method) -> Self {
        self.method = m;
        self
    }

    /// Knapp–Hartung adjustment (t-test with adjusted SE).
    pub fn knha(mut self, on: bool) -> Self {
        self.knha = on;
        self
    }

    /// Knapp–Hartung with metafor's ad hoc correction (`test = "adhoc"`): the scale factor
    /// `s²` is never below 1, so the standard error is never below the Wald (z-test) standard
    /// error. Turns Knapp–Hartung on when `on`.
    pub fn knha_adhoc(mut self, on: bool) -> Self {
        self.knha_adhoc = on;
        self.knha = self.knha || on;
        self
    }

    /// Whether the ad hoc Knapp–Hartung correction is on.
    pub fn get_knha_adhoc(&self) -> bool {
        self.knha_adhoc
    }

    /// Confidence level in percent (e.g. 95). Values in (0.5, 1) are read as proportions.
    ///
    /// # Errors
    /// [`Error::Setting`] outside 50–100 % (exclusive).
    pub fn level(mut self, level: f64) -> Result<Self, Error> {
        self.level = crate::error::check_level(level)?;
        Ok(self)
    }

    /// Prediction-interval convention.
    pub fn prediction(mut self, pi: PiMethod) -> Self {
        self.pi = pi;
        self
    }

    /// I² convention for random-effects fits.
    pub fn i2_method(mut self, i2: I2Method) -> Self {
        self.i2 = i2;
        self
    }

    /// Maximum iterations for ML/REML/EB (default 1000).
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n.max(1);
        self
    }

    /// Step-length factor for Fisher scoring (metafor's `stepadj`, default 1). A value such as
    /// 0.5 damps the steps, the remedy when ML/REML/EB oscillate and do not converge.
    ///
    /// # Errors
    /// [`Error::Setting`] unless `0 < x ≤ 1`.
    pub fn step_adjustment(mut self, x: f64) -> Result<Self, Error> {
        if !(x > 0.0 && x <= 1.0) {
            return Err(Error::setting(
                Setting::StepAdjustment,
                format!("step adjustment must lie in (0, 1], got {x}"),
            ));
        }
        self.stepadj = x;
        Ok(self)
    }

    /// Convergence threshold on |Δτ²| for ML/REML/EB (default 1e-10; relative to τ² once τ² > 1,
    /// where an absolute 1e-10 would be below floating-point resolution).
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }

    /// The τ² estimator in use.
    pub fn get_method(&self) -> Tau2Method {
        self.method
    }

    /// Whether Knapp–Hartung is on.
    pub fn get_knha(&self) -> bool {
        self.knha
    }

    /// Confidence level in percent.
    pub fn get_level(&self) -> f64 {
        self.level
    }

    /// The prediction-interval convention.
    pub fn get_prediction(&self) -> PiMethod {
        self.pi
    }

    /// Fits the model to effect sizes.
    ///
    /// # Errors
    /// [`Error::NoStudies`], [`Error::UnequalLengths`], [`Error::BadStudy`] for invalid input,
    /// [`Error::TooFewStudies`] for Knapp–Hartung with k = 1, [`Error::Tau2NotConverged`].
    pub fn fit(&self, es: &EffectSizes) -> Result<Fit, Error> {
        let mut ws = Workspace::new();
        let summary = self.fit_slices(es.yi(), es.vi(), &mut ws)?;
        let studies = es
            .study()
            .iter()
            .zip(es.yi().iter().zip(es.vi()))
            .zip(es.rows().iter().zip(es.sources()))
            .map(|((s, (&y, &v)), (&row, &source))| StudyResult {
                study: s.clone(),
                yi: y,
                vi: v,
                weight: 100.0 / (v + summary.tau2) / summary.sum_w,
                source: Some(source),
                row,
            })
            .collect();
        Ok(Fit {
            measure: es.measure(),
            method: self.method,
            studies,
            omitted: es.omitted().to_vec(),
            options: *self,
            back: es.back_transform(),
            back_transformed: es.back_transform().on(summary.interval_values()),
            summary,
        })
    }

    /// The numerical kernel: fits `yi`, `vi` using `ws` for scratch space. Allocation-free once
    /// `ws` has grown to the largest k seen.
    ///
    /// # Errors
    /// [`Error::NoStudies`], [`Error::UnequalLengths`] for empty or mismatched input,
    /// [`Error::BadStudy`] for non-finite values or non-positive variances,
    /// [`Error::TooFewStudies`] for Knapp–Hartung with k = 1, [`Error::Tau2NotConverged`] or
    /// [`Error::NotRepresentable`].
    pub fn fit_slices(&self, yi: &[f64], vi: &[f64], ws: &mut Workspace) -> Result<Summary, Error> {
        let k = yi.len();
        if vi.len() != k {
            return Err(Error::UnequalLengths {
                yi: k,
                vi: vi.len(),
            });
        }
        if k == 0 {
            return Err(Error::NoStudies);
        }
        for (i, (&y, &v)) in yi.iter().zip(vi).enumerate() {
            if !y.is_finite() {
                return Err(Error::BadStudy {
                    index: i + 1,
                    message: "effect size is not a finite number",
                });
            }
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::BadStudy {
                    index: i + 1,
                    message: "sampling variance must be a positive finite number",
                });
            }
        }
        self.fit_normalised(yi, vi, ws, None)
    }

    /// A refit for leave-one-out and similar loops: the iterative τ² estimators start from
    /// `start` (the full fit's τ², a warm start that needs a step or two) and the Q-profile CI
    /// of τ² and I² is not computed (NaN). Inputs must be valid (as checked by
    /// [`RandomEffects::fit_slices`] on the full data).
    pub(crate) fn refit(
        &self,
        yi: &[f64],
        vi: &[f64],
        ws: &mut Workspace,
        start: f64,
    ) -> Result<Summary, Error> {
        self.fit_normalised(yi, vi, ws, Some(start))
    }

    fn fit_normalised(
        &self,
        yi: &[f64],
        vi: &[f64],
        ws: &mut Workspace,
        warm: Option<f64>,
    ) -> Result<Summary, Error> {
        let norm = Normaliser::new(yi, vi);
        ws.warm = warm.map(|t| norm.scale_variance(t));
        let res = if norm.is_identity() {
            self.fit_core(yi, vi, self.fixed_tau2, ws)
        } else {
            let (mut y, mut v) = (std::mem::take(&mut ws.y), std::mem::take(&mut ws.v));
            norm.apply(yi, vi, &mut y, &mut v);
            let fixed = self.fixed_tau2.map(|t| norm.scale_variance(t));
            let res = self.fit_core(&y, &v, fixed, ws);
            (ws.y, ws.v) = (y, v);
            res.map(|s| norm.undo(s))
        };
        ws.warm = None;
        norm.check(res?)
    }

    /// The fit on validated, normalised data (`fixed_tau2` on the same scale).
    fn fit_core(
        &self,
        yi: &[f64],
        vi: &[f64],
        fixed_tau2: Option<f64>,
        ws: &mut Workspace,
    ) -> Result<Summary, Error> {
        let k = yi.len();
        ws.set_level(self.level);
        let common = CommonEffect::new(yi, vi);
        let (q, q_p) = (common.q, common.q_p);

        // τ².
        let (tau2, iterations, converged_by) = if let Some(t) = fixed_tau2 {
            (t, 0, Convergence::Fixed)
        } else if k == 1 {
            (0.0, 0, Convergence::ClosedForm)
        } else {
            estimators::tau2(self, yi, vi, ws)?
        };

        let pooled = self.pooled(yi, vi, tau2, ws);
        let Pooled {
            mu,
            sw,
            se,
            crit,
            df,
            statistic,
            p_value,
            ..
        } = pooled;
        let Heterogeneity {
            i2,
            h2,
            t2_lo,
            t2_hi,
            i2_lo,
            i2_hi,
            h2_lo,
            h2_hi,
        } = self.heterogeneity(yi, vi, &common, tau2, fixed_tau2, ws);
        let (pi_lower, pi_upper) = self.prediction_interval(k, &pooled, tau2, ws);

        Ok(Summary {
            k,
            estimate: mu,
            se,
            ci_lower: mu - crit * se,
            ci_upper: mu + crit * se,
            statistic,
            p_value,
            tau2,
            tau2_ci_lower: t2_lo,
            tau2_ci_upper: t2_hi,
            tau: tau2.sqrt(),
            i2,
            i2_ci_lower: i2_lo,
            i2_ci_upper: i2_hi,
            h2,
            q,
            q_df: k - 1,
            q_p,
            pi_lower,
            pi_upper,
            iterations,
            converged_by,
            df,
            h2_ci_lower: h2_lo,
            h2_ci_upper: h2_hi,
            sum_w: sw,
        })
    }

    /// The random-effects estimate at `tau2`: its standard error, critical value, test
    /// statistic and p value (Knapp–Hartung when asked and k > 1).
    fn pooled(&self, yi: &[f64], vi: &[f64], tau2: f64, ws: &mut Workspace) -> Pooled {
        let k = yi.len();
        // With k = 1 there are no degrees of freedom for Knapp–Hartung: a z-test is used, as metafor.
        let knha = self.knha && k > 1;
        let alpha = 1.0 - self.level / 100.0;
        let kf = k as f64;
        let df_q = k - 1;
        let (mu, sw) = estimators::inverse_variance_mean(yi, vi, tau2);
        let se_raw = (1.0 / sw).sqrt();
        let (se, crit, df) = if knha {
            let rss: f64 = yi
                .iter()
                .zip(vi)
                .map(|(&y, &v)| (y - mu) * (y - mu) / (v + tau2))
                .sum();
            let s2 = rss / (kf - 1.0);
            let s2 = if self.knha_adhoc { s2.max(1.0) } else { s2 };
            (se_raw * s2.sqrt(), ws.t_crit(df_q, alpha), df_q as f64)
        } else {
            (se_raw, dist::norm_quantile(1.0 - alpha / 2.0), f64::NAN)
        };
        let statistic = mu / se;
        let p_value = if knha {
            dist::t_p2(statistic, df)
        } else {
            dist::norm_p2(statistic)
        };
        Pooled {
            mu,
            sw,
            se_raw,
            se,
            crit,
            df,
            statistic,
            p_value,
        }
    }

    /// I² and H² at `tau2`, and the Q-profile intervals for τ², I² and H² (when τ² is estimated
    /// by a random-effects method on k > 1 studies, outside a warm-started refit).
    fn heterogeneity(
        &self,
        yi: &[f64],
        vi: &[f64],
        common: &CommonEffect,
        tau2: f64,
        fixed_tau2: Option<f64>,
        ws: &mut Workspace,
    ) -> Heterogeneity {
        let k = yi.len();
        let df_q = k - 1;
        let alpha = 1.0 - self.level / 100.0;
        let (sw0, sw0sq, q) = (common.sw0, common.sw0sq, common.q);
        let nan = f64::NAN;
        let vt = typical_variance(vi, sw0, sw0sq);
        let q_based = |q: f64| {
            if k > 1 && q > 0.0 {
                ((100.0 * ((q - df_q as f64) / q)).max(0.0), q / df_q as f64)
            } else {
                (0.0, 1.0)
            }
        };
        let typical = |t2: f64| {
            if k > 1 && vt.is_finite() && vt > 0.0 {
                (100.0 * (t2 / (t2 + vt)), (t2 + vt) / vt)
            } else {
                (0.0, 1.0)
            }
        };
        let (i2, h2) = match (self.method, self.i2) {
            (Tau2Method::Ee, _) | (_, I2Method::Q) => q_based(q),
            _ => typical(tau2),
        };
        let (mut t2_lo, mut t2_hi) = (nan, nan);
        let (mut i2_lo, mut i2_hi, mut h2_lo, mut h2_hi) = (nan, nan, nan, nan);
        if self.method != Tau2Method::Ee && k > 1 && fixed_tau2.is_none() && ws.warm.is_none() {
            let (c_lo, c_hi) = ws.chi2_bounds(df_q, alpha);
            let (lo, hi) = estimators::q_profile(yi, vi, c_lo, c_hi, tau2, ws);
            t2_lo = lo;
            t2_hi = hi;
            if self.i2 == I2Method::Typical {
                (i2_lo, h2_lo) = typical(lo);
                (i2_hi, h2_hi) = typical(hi);
            }
        }
        Heterogeneity {
            i2,
            h2,
            t2_lo,
            t2_hi,
            i2_lo,
            i2_hi,
            h2_lo,
            h2_hi,
        }
    }

    /// The prediction interval (metafor's, or Riley's on k − 2 df; none for a common effect).
    fn prediction_interval(
        &self,
        k: usize,
        pooled: &Pooled,
        tau2: f64,
        ws: &mut Workspace,
    ) -> (f64, f64) {
        let (mu, se, se_raw, crit) = (pooled.mu, pooled.se, pooled.se_raw, pooled.crit);
        let nan = f64::NAN;
        let alpha = 1.0 - self.level / 100.0;
        match self.pi {
            // No prediction interval for a common-effect model (metafor).
            _ if self.method == Tau2Method::Ee => (nan, nan),
            PiMethod::Metafor => {
                let half = crit * (se * se + tau2).sqrt();
                (mu - half, mu + half)
            }
            PiMethod::Riley => {
                if k >= 3 {
                    let c = ws.t_crit(k - 2, alpha);
                    let half = c * (se_raw * se_raw + tau2).sqrt();
                    (mu - half, mu + half)
                } else {
                    (nan, nan)
                }
            }
        }
    }
}

/// Higgins and Thompson's typical within-study variance `(k − 1) Σw / ((Σw)² − Σw²)`, `w = 1/v`,
/// from the sums `sw0 = Σw`, `sw0sq = Σw²` when they lose less than half the digits; otherwise
/// (weights spanning many orders of magnitude, or sums that overflow) from
/// [`estimators::weight_pairs`], where nothing cancels or overflows.
fn typical_variance(vi: &[f64], sw0: f64, sw0sq: f64) -> f64 {
    let kf = vi.len() as f64;
    let d = sw0 * sw0 - sw0sq;
    if d.is_finite() && d > 1e-8 * sw0 * sw0 {
        return (kf - 1.0) * sw0 / d;
    }
    let p = estimators::weight_pairs(vi);
    (kf - 1.0) * p.sum * p.vmin / p.pairs
}

/// The common-effect pieces of a fit: the inverse-variance weight sums, the weighted mean, and
/// Cochran's Q with its p value.
struct CommonEffect {
    /// Σ wᵢ with wᵢ = 1/vᵢ.
    sw0: f64,
    /// Σ wᵢ².
    sw0sq: f64,
    /// Cochran's Q about the common-effect mean.
    q: f64,
    /// Its p value on k − 1 df (1 for k = 1).
    q_p: f64,
}

impl CommonEffect {
    /// The common-effect pieces of effects `yi` with variances `vi`.
    fn new(yi: &[f64], vi: &[f64]) -> CommonEffect {
        let k = yi.len();
        let df_q = k - 1;
        let (sw0, sw0sq, mu0) = {
            let (mut s, mut s2, mut sy) = (0.0, 0.0, 0.0);
            for (&y, &v) in yi.iter().zip(vi) {
                let w = 1.0 / v;
                s += w;
                s2 += w * w;
                sy += w * y;
            }
            (s, s2, sy / s)
        };
        let q: f64 = yi
            .iter()
            .zip(vi)
            .map(|(&y, &v)| (y - mu0) * (y - mu0) / v)
            .sum();
        let q_p = if k > 1 {
            dist::chi2_sf(q, df_q as f64)
        } else {
            1.0
        };
        CommonEffect { sw0, sw0sq, q, q_p }
    }
}

/// The random-effects estimate and its test.
struct Pooled {
    /// The estimate.
    mu: f64,
    /// Σ 1/(vᵢ + τ²).
    sw: f64,
    /// The standard error before any Knapp–Hartung scaling.
    se_raw: f64,
    /// The standard error used.
    se: f64,
    /// The critical value of the confidence interval.
    crit: f64,
    /// Degrees of freedom of the t test (NaN for a z test).
    df: f64,
    /// The test statistic.
    statistic: f64,
    /// Its two-sided p value.
    p_value: f64,
}

/// I², H² and the Q-profile intervals (NaN when not computed).
struct Heterogeneity {
    i2: f64,
    h2: f64,
    t2_lo: f64,
    t2_hi: f64,
    i2_lo: f64,
    i2_hi: f64,
    h2_lo: f64,
    h2_hi: f64,
}
