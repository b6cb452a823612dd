//! Small-study effects: Egger's regression test, Begg's rank correlation test (with the exact
//! Kendall distribution) and fail-safe N (metafor `regtest`, `ranktest`, `fsn`).

use nalgebra::DMatrix;
use serde::Serialize;

use crate::data::fmt_f64;
use crate::dist;
use crate::effect::EffectSizes;
use crate::error::{Error, Result, Setting};
use crate::model::regression::MetaRegression;
use crate::model::{RandomEffects, Tau2Method};

use super::fsn_types::{fisher, general, orwin_weighted, rosenberg, FsnType, FsnValue};
use super::need::need;

/// Which regression Egger's test runs (JSON `"rma"` or `"classic"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EggerModel {
    /// metafor's `regtest` default: the same model with the standard error as moderator (z, or
    /// t under Knapp–Hartung).
    #[default]
    Rma,
    /// The original test: weighted least squares with multiplicative dispersion, t(k − 2).
    Classic,
}

/// The side of the funnel on which trim-and-fill imputes missing studies (JSON `"left"` or
/// `"right"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Studies missing on the left (small or negative effects).
    Left,
    /// Studies missing on the right.
    Right,
}

impl Side {
    /// `"left"` or `"right"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Side {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Egger's regression test for funnel-plot asymmetry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Egger {
    /// The regression run.
    pub model: EggerModel,
    /// z (or t) statistic of the standard-error slope.
    pub statistic: f64,
    /// Degrees of freedom of t (null for z).
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// The slope on the standard error.
    pub slope: f64,
    /// Limit estimate: the intercept (effect as the standard error tends to 0).
    pub limit_estimate: f64,
    /// Its lower confidence limit.
    pub limit_ci_lower: f64,
    /// Its upper confidence limit.
    pub limit_ci_upper: f64,
    /// Confidence level (percent) of the limit estimate's interval.
    pub level: f64,
}

/// Egger's test. [`EggerModel::Rma`] is metafor's `regtest` default (refit `model` with `sei` as
/// moderator; z, or t(k − 2) under Knapp–Hartung); [`EggerModel::Classic`] is the original WLS
/// version (`lm(yi ~ sei, weights = 1/vi)`, t(k − 2)).
///
/// # Errors
/// Fewer than 3 studies; [`Error::Singular`] when every study has the same sampling variance
/// (the standard error cannot then be a moderator); model failures.
pub fn egger(es: &EffectSizes, model: &RandomEffects, kind: EggerModel) -> Result<Egger> {
    need(es, 3, "Egger's test")?;
    check_precisions_differ(es)?;
    let k = es.k();
    let x = DMatrix::from_fn(k, 2, |i, j| if j == 0 { 1.0 } else { es.vi()[i].sqrt() });
    let names = vec!["intrcpt".to_string(), "sei".to_string()];
    match kind {
        EggerModel::Classic => egger_classic(es, model, &x, &names),
        EggerModel::Rma => egger_rma(es, model, &x, &names),
    }
}

/// Fails with [`Error::Singular`] when every study has the same sampling variance.
pub(super) fn check_precisions_differ(es: &EffectSizes) -> Result<()> {
    let k = es.k();
    let (lo, hi) = es
        .vi()
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if hi - lo <= 1e-12 * hi.abs() {
        return Err(Error::Singular {
            message: format!(
                "Egger's test needs studies of different precision: all {k} sampling variances \
                 are equal ({}), so the standard error cannot explain the effects",
                fmt_f64(hi)
            ),
        });
    }
    Ok(())
}

/// The original test: weighted least squares with multiplicative dispersion, t(k − 2).
fn egger_classic(
    es: &EffectSizes,
    model: &RandomEffects,
    x: &DMatrix<f64>,
    names: &[String],
) -> Result<Egger> {
    let level = model.get_level();
    let alpha = 1.0 - level / 100.0;
    let ee = MetaRegression::new(model.method(Tau2Method::Ee).knha(false));
    let f = ee.fit(es.yi(), es.vi(), x, names)?;
    let df = (es.k() - 2) as f64;
    let phi = f.qe / df; // multiplicative dispersion
    let se0 = (f.vb[(0, 0)] * phi).sqrt();
    let se1 = (f.vb[(1, 1)] * phi).sqrt();
    let b0 = f.coefficients[0].est.estimate;
    let b1 = f.coefficients[1].est.estimate;
    let t = b1 / se1;
    let crit = dist::t_quantile(1.0 - alpha / 2.0, df);
    Ok(Egger {
        model: EggerModel::Classic,
        statistic: t,
        df,
        p_value: dist::t_p2(t, df),
        slope: b1,
        limit_estimate: b0,
        limit_ci_lower: b0 - crit * se0,
        limit_ci_upper: b0 + crit * se0,
        level,
    })
}

/// metafor's `regtest` default: `model` refitted with the standard error as moderator.
fn egger_rma(
    es: &EffectSizes,
    model: &RandomEffects,
    x: &DMatrix<f64>,
    names: &[String],
) -> Result<Egger> {
    let f = MetaRegression::new(*model).fit(es.yi(), es.vi(), x, names)?;
    let c1 = &f.coefficients[1];
    let c0 = &f.coefficients[0];
    Ok(Egger {
        model: EggerModel::Rma,
        statistic: c1.est.statistic,
        df: f.df,
        p_value: c1.est.p_value,
        slope: c1.est.estimate,
        limit_estimate: c0.est.estimate,
        limit_ci_lower: c0.est.ci_lower,
        limit_ci_upper: c0.est.ci_upper,
        level: model.get_level(),
    })
}

/// Begg and Mazumdar's rank correlation test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Begg {
    /// Kendall's τ_b between standardised deviates and sampling variances.
    pub tau: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// True when the exact null distribution was used (no ties), else the normal approximation.
    pub exact: bool,
}

/// Begg's rank correlation test (metafor `ranktest`): deviates from the common-effect mean
/// standardised by `√(v_i − 1/Σw)`, Kendall's τ_b with sampling variances, and the p-value of R's
/// `cor.test(method = "kendall", exact = TRUE)`: exact when there are no ties, normal
/// approximation with tie correction otherwise.
///
/// # Errors
/// Fewer than 3 studies.
pub fn begg(es: &EffectSizes) -> Result<Begg> {
    need(es, 3, "Begg's rank correlation test")?;
    let (theta, sw) = crate::model::inverse_variance_mean(es.yi(), es.vi(), 0.0);
    let vb = 1.0 / sw;
    let x: Vec<f64> = es
        .yi()
        .iter()
        .zip(es.vi())
        .map(|(y, v)| (y - theta) / (v - vb).sqrt())
        .collect();
    kendall(&x, es.vi())
}

/// Kendall's τ_b and its two-sided p-value as R's `cor.test(..., exact = TRUE)`.
fn kendall(x: &[f64], y: &[f64]) -> Result<Begg> {
    let n = x.len();
    let (mut s, mut tx, mut ty) = (0i64, 0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            let a = (x[i] - x[j]).partial_cmp(&0.0).map_or(0, |o| o as i64);
            let b = (y[i] - y[j]).partial_cmp(&0.0).map_or(0, |o| o as i64);
            s += a * b;
            tx += i64::from(a == 0);
            ty += i64::from(b == 0);
        }
    }
    let t0 = (n * (n - 1) / 2) as f64;
    let tau = s as f64 / ((t0 - tx as f64) * (t0 - ty as f64)).sqrt();
    let ties = {
        let distinct = |v: &[f64]| {
            let mut u = v.to_vec();
            u.sort_by(f64::total_cmp);
            u.dedup();
            u.len()
        };
        distinct(x).min(distinct(y)) < n
    };
    if !ties && n <= 500 {
        return Ok(Begg {
            tau,
            p_value: kendall_exact_p(tau, n),
            exact: true,
        });
    }
    Ok(Begg {
        tau,
        p_value: kendall_normal_p(x, y, tau),
        exact: false,
    })
}

/// The exact two-sided p-value of Kendall's τ among `n` untied pairs.
fn kendall_exact_p(tau: f64, n: usize) -> f64 {
    // q = number of concordant pairs; exact null distribution by Kendall's recursion.
    let q = ((tau + 1.0) * (n * (n - 1)) as f64 / 4.0).round() as usize;
    let cdf = kendall_cdf(n);
    let half = (n * (n - 1)) as f64 / 4.0;
    let p = if q as f64 > half {
        1.0 - cdf[q - 1]
    } else {
        cdf[q]
    };
    (2.0 * p).min(1.0)
}

/// The two-sided p-value of Kendall's τ by the normal approximation with tie correction (no
/// continuity correction).
fn kendall_normal_p(x: &[f64], y: &[f64], tau: f64) -> f64 {
    let n = x.len();
    let t0 = (n * (n - 1) / 2) as f64;
    let groups = |v: &[f64]| -> Vec<f64> {
        let mut u = v.to_vec();
        u.sort_by(f64::total_cmp);
        let mut out = Vec::new();
        let mut i = 0;
        while i < u.len() {
            let mut j = i;
            while j + 1 < u.len() && u[j + 1] == u[i] {
                j += 1;
            }
            if j > i {
                out.push((j - i + 1) as f64);
            }
            i = j + 1;
        }
        out
    };
    let (gx, gy) = (groups(x), groups(y));
    let nf = n as f64;
    let t1: f64 = gx.iter().map(|t| t * (t - 1.0)).sum::<f64>() / 2.0;
    let t2: f64 = gy.iter().map(|t| t * (t - 1.0)).sum::<f64>() / 2.0;
    let sstat = tau * ((t0 - t1) * (t0 - t2)).sqrt();
    let v0 = nf * (nf - 1.0) * (2.0 * nf + 5.0);
    let vt: f64 = gx.iter().map(|t| t * (t - 1.0) * (2.0 * t + 5.0)).sum();
    let vu: f64 = gy.iter().map(|t| t * (t - 1.0) * (2.0 * t + 5.0)).sum();
    let v1 = gx.iter().map(|t| t * (t - 1.0)).sum::<f64>()
        * gy.iter().map(|t| t * (t - 1.0)).sum::<f64>();
    let v2 = gx.iter().map(|t| t * (t - 1.0) * (t - 2.0)).sum::<f64>()
        * gy.iter().map(|t| t * (t - 1.0) * (t - 2.0)).sum::<f64>();
    let var_s = (v0 - vt - vu) / 18.0
        + v1 / (2.0 * nf * (nf - 1.0))
        + v2 / (9.0 * nf * (nf - 1.0) * (nf - 2.0));
    let z = sstat / var_s.sqrt();
    dist::norm_p2(z)
}

/// `P(T ≤ q)`, q = 0..=n(n−1)/2, for the number of concordant pairs T among n untied pairs
/// (the distribution of inversions of a random permutation).
fn kendall_cdf(n: usize) -> Vec<f64> {
    let max = n * (n - 1) / 2;
    let mut p = vec![0.0; max + 1];
    p[0] = 1.0;
    let mut len = 1;
    for m in 2..=n {
        // add an element: inversions increase by 0..m-1, uniformly
        let new_len = len + m - 1;
        let mut q = vec![0.0; new_len];
        let mut window = 0.0;
        for k in 0..new_len {
            if k < len {
                window += p[k];
            }
            if k >= m && k - m < len {
                window -= p[k - m];
            }
            q[k] = window / m as f64;
        }
        p[..new_len].copy_from_slice(&q);
        len = new_len;
    }
    let mut acc = 0.0;
    p.iter()
        .map(|x| {
            acc += x;
            acc.min(1.0)
        })
        .collect()
}

/// Fail-safe N.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailSafe {
    /// Rosenthal's N: null studies needed to raise the combined (Stouffer) one-sided p above α.
    pub rosenthal: f64,
    /// The combined one-sided p-value.
    pub rosenthal_p: f64,
    /// Orwin's N: null studies needed to bring the unweighted mean effect to the target.
    pub orwin: f64,
    /// Orwin's target (default: half the mean effect).
    pub orwin_target: f64,
    /// Fisher's pooling (`--fsn-type fisher`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fisher: Option<super::fsn_types::FsnValue>,
    /// Stouffer's pooling, as `rosenthal` (`--fsn-type stouffer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stouffer: Option<super::fsn_types::FsnValue>,
    /// Orwin's N with the weighted mean (`--fsn-type orwin-weighted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orwin_weighted: Option<super::fsn_types::FsnValue>,
    /// Rosenberg's N (`--fsn-type rosenberg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rosenberg: Option<super::fsn_types::FsnValue>,
    /// The General N (`--fsn-type general`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub general: Option<super::fsn_types::FsnValue>,
}

/// Fail-safe N (metafor `fsn`): Rosenthal `N = (Σz_i)²/z²_{1−α} − k` with `z_i = y_i/√v_i`
/// (one-sided α = 0.05), and Orwin `N = k(ȳ − target)/target` with the unweighted mean ȳ and
/// target ȳ/2 unless given. Both are rounded up (as metafor).
///
/// # Errors
/// [`Error::Setting`] ([`Setting::OrwinTarget`]) for a target that is not a finite number;
/// fewer than 2 studies.
pub fn fail_safe(es: &EffectSizes, orwin_target: Option<f64>) -> Result<FailSafe> {
    if let Some(t) = orwin_target.filter(|t| !t.is_finite()) {
        return Err(Error::setting(
            Setting::OrwinTarget,
            format!("Orwin's target effect must be a finite number, got {t}"),
        ));
    }
    need(es, 2, "Fail-safe N")?;
    let k = es.k() as f64;
    let sz: f64 = es.yi().iter().zip(es.vi()).map(|(y, v)| y / v.sqrt()).sum();
    let z = sz.abs() / k.sqrt();
    let crit = dist::norm_quantile(0.95);
    let round = |n: f64| {
        if n.is_finite() && (n - n.round()).abs() >= f64::EPSILON.sqrt() {
            n.ceil()
        } else {
            n.round()
        }
    };
    let ros = round((k * (z / crit).powi(2) - k).max(0.0));
    let mean = es.yi().iter().sum::<f64>() / k;
    let mut target = orwin_target.unwrap_or(mean / 2.0);
    if target.signum() != mean.signum() {
        target = -target;
    }
    let orwin = if target == 0.0 {
        f64::INFINITY
    } else {
        round((k * (mean - target) / target).max(0.0))
    };
    Ok(FailSafe {
        rosenthal: ros,
        rosenthal_p: dist::norm_sf(z),
        orwin,
        orwin_target: target,
        fisher: None,
        stouffer: None,
        orwin_weighted: None,
        rosenberg: None,
        general: None,
    })
}

impl FailSafe {
    /// Adds the fail-safe N of each of `types` not always reported (`fisher`, `stouffer`,
    /// `orwin_weighted`, `rosenberg`, `general`), with Orwin's `target` (half the weighted mean
    /// when `None`) and α = 0.05, as metafor's `fsn`.
    ///
    /// # Errors
    /// Errors of the REML fit (General).
    ///
    /// # Examples
    /// ```
    /// use peerstat::diag::{fail_safe, FsnType};
    /// use peerstat::effect::{EffectSizes, Measure};
    /// let es = EffectSizes::from_slices(Measure::Gen, &[0.5, 0.4, 0.6], &[0.04, 0.05, 0.06]).unwrap();
    /// let f = fail_safe(&es, None).unwrap().with_types(&es, &[FsnType::Rosenberg], None).unwrap();
    /// assert!(f.rosenberg.unwrap().n > 0.0);
    /// ```
    pub fn with_types(
        mut self,
        es: &EffectSizes,
        types: &[FsnType],
        target: Option<f64>,
    ) -> Result<FailSafe> {
        for t in types {
            match t {
                FsnType::Fisher => self.fisher = Some(fisher(es)),
                FsnType::Stouffer => {
                    self.stouffer = Some(FsnValue {
                        n: self.rosenthal,
                        p: Some(self.rosenthal_p),
                        estimate: None,
                        target: None,
                        tau2: None,
                    })
                }
                FsnType::OrwinWeighted => self.orwin_weighted = Some(orwin_weighted(es, target)),
                FsnType::Rosenberg => self.rosenberg = Some(rosenberg(es)),
                FsnType::General => self.general = Some(general(es)?),
                FsnType::Rosenthal | FsnType::Orwin => {}
            }
        }
        Ok(self)
    }
}
