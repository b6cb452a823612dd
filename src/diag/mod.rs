//! Diagnostics: publication bias (Egger, Begg, trim-and-fill, fail-safe N), sensitivity and
//! influence (leave-one-out, influence measures, cumulative meta-analysis), and the
//! common-effect methods for 2×2 tables (Mantel–Haenszel, Peto), with metafor's conventions
//! (`regtest`, `ranktest`, `trimfill`, `fsn`, `influence`, `leave1out`, `cumul`, `rma.mh`,
//! `rma.peto`; GUIDE §4).
//!
//! # Examples
//!
//! ```
//! use peerstat::diag;
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::RandomEffects;
//! let yi = [0.10, 0.30, 0.35, 0.60, 0.05, 0.42];
//! let vi = [0.01, 0.02, 0.04, 0.09, 0.015, 0.05];
//! let es = EffectSizes::from_slices(Measure::Gen, &yi, &vi).unwrap();
//! let b = diag::begg(&es).unwrap();
//! assert!(b.tau > 0.0 && b.exact);
//! let tf = diag::trimfill(&es, &RandomEffects::new(), diag::TrimFillEstimator::L0, None).unwrap();
//! assert_eq!(tf.k0, tf.filled.len());
//! ```

mod mh;
mod result;

pub use mh::{mantel_haenszel, peto, MhFit, MhMethod};
pub use result::{BiasOptions, BiasReport, InfluenceOptions, InfluenceReport};

use nalgebra::DMatrix;
use serde::Serialize;

use crate::dist;
use crate::effect::{EffectSizes, Measure};
use crate::error::{Error, Result};
use crate::model::regression::MetaRegression;
use crate::model::{RandomEffects, Summary, Tau2Method, Workspace};

fn need(es: &EffectSizes, k: usize, what: &str) -> Result<()> {
    if es.k() < k {
        Err(Error::TooFew {
            analysis: what.to_string(),
            needed: k,
            found: es.k(),
            unit: "studies",
            note: "; with so few studies the test says nothing".into(),
        })
    } else {
        Ok(())
    }
}

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
/// Fewer than 3 studies; model failures.
pub fn egger(es: &EffectSizes, model: &RandomEffects, kind: EggerModel) -> Result<Egger> {
    need(es, 3, "Egger's test")?;
    let k = es.k();
    let x = DMatrix::from_fn(k, 2, |i, j| if j == 0 { 1.0 } else { es.vi()[i].sqrt() });
    let names = vec!["intrcpt".to_string(), "sei".to_string()];
    let level = model.get_level();
    let alpha = 1.0 - level / 100.0;
    if kind == EggerModel::Classic {
        let ee = MetaRegression::new(model.method(Tau2Method::Ee).knha(false));
        let f = ee.fit(es.yi(), es.vi(), &x, &names)?;
        let df = (k - 2) as f64;
        let phi = f.qe / df; // multiplicative dispersion
        let se0 = (f.vb[(0, 0)] * phi).sqrt();
        let se1 = (f.vb[(1, 1)] * phi).sqrt();
        let b0 = f.coefficients[0].estimate;
        let b1 = f.coefficients[1].estimate;
        let t = b1 / se1;
        let crit = dist::t_quantile(1.0 - alpha / 2.0, df);
        return Ok(Egger {
            model: EggerModel::Classic,
            statistic: t,
            df,
            p_value: dist::t_p2(t, df),
            slope: b1,
            limit_estimate: b0,
            limit_ci_lower: b0 - crit * se0,
            limit_ci_upper: b0 + crit * se0,
            level,
        });
    }
    let f = MetaRegression::new(*model).fit(es.yi(), es.vi(), &x, &names)?;
    let c1 = &f.coefficients[1];
    let c0 = &f.coefficients[0];
    Ok(Egger {
        model: EggerModel::Rma,
        statistic: c1.statistic,
        df: f.df,
        p_value: c1.p_value,
        slope: c1.estimate,
        limit_estimate: c0.estimate,
        limit_ci_lower: c0.ci_lower,
        limit_ci_upper: c0.ci_upper,
        level,
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
    let sw: f64 = es.vi().iter().map(|v| 1.0 / v).sum();
    let theta = es.yi().iter().zip(es.vi()).map(|(y, v)| y / v).sum::<f64>() / sw;
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
        // q = number of concordant pairs; exact null distribution by Kendall's recursion.
        let q = ((tau + 1.0) * (n * (n - 1)) as f64 / 4.0).round() as usize;
        let cdf = kendall_cdf(n);
        let half = (n * (n - 1)) as f64 / 4.0;
        let p = if q as f64 > half {
            1.0 - cdf[q - 1]
        } else {
            cdf[q]
        };
        return Ok(Begg {
            tau,
            p_value: (2.0 * p).min(1.0),
            exact: true,
        });
    }
    // Normal approximation with tie correction (no continuity correction).
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
    Ok(Begg {
        tau,
        p_value: dist::norm_p2(z),
        exact: false,
    })
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

/// Trim-and-fill estimator of the number of missing studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum TrimFillEstimator {
    /// Duval and Tweedie's L0 (default).
    #[default]
    L0,
    /// R0.
    R0,
}

/// A study imputed by trim-and-fill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Filled {
    /// Effect (mirror image of a trimmed study about the trimmed estimate).
    pub yi: f64,
    /// Its sampling variance (that of the mirrored study).
    pub vi: f64,
}

/// Trim-and-fill results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrimFill {
    /// Estimated number of missing studies.
    pub k0: usize,
    /// Standard error of k0.
    pub k0_se: f64,
    /// Side on which studies were missing.
    pub side: Side,
    /// Estimator used.
    pub estimator: TrimFillEstimator,
    /// Pooled estimate with the filled studies.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// Its p-value.
    pub p_value: f64,
    /// τ² with the filled studies.
    pub tau2: f64,
    /// Studies filled in.
    pub filled: Vec<Filled>,
}

/// Duval and Tweedie's trim-and-fill (metafor `trimfill`). The side is chosen from the sign of the
/// slope of y on √v (negative → studies missing on the right) unless given. Every fit uses the
/// τ² estimator of `model`; as in metafor, the final fit on the augmented data uses a z-test
/// (when k0 = 0 the original model, with its own test, is reported).
///
/// # Errors
/// Fewer than 3 studies; no convergence within 100 iterations; model failures.
pub fn trimfill(
    es: &EffectSizes,
    model: &RandomEffects,
    estimator: TrimFillEstimator,
    side: Option<Side>,
) -> Result<TrimFill> {
    need(es, 3, "Trim-and-fill")?;
    let base = model.knha(false);
    let k = es.k();
    let right = match side {
        Some(s) => s == Side::Right,
        None => {
            let x = DMatrix::from_fn(k, 2, |i, j| if j == 0 { 1.0 } else { es.vi()[i].sqrt() });
            let names = vec!["intrcpt".to_string(), "sqrt(vi)".to_string()];
            let f = MetaRegression::new(base).fit(es.yi(), es.vi(), &x, &names)?;
            f.coefficients[1].estimate < 0.0
        }
    };
    let sign = if right { -1.0 } else { 1.0 };
    let mut idx: Vec<usize> = (0..k).collect();
    idx.sort_by(|&a, &b| (sign * es.yi()[a]).total_cmp(&(sign * es.yi()[b])));
    let y: Vec<f64> = idx.iter().map(|&i| sign * es.yi()[i]).collect();
    let v: Vec<f64> = idx.iter().map(|&i| es.vi()[i]).collect();
    let mut ws = Workspace::new();
    let (mut k0, mut k0_prev) = (0usize, usize::MAX);
    let mut beta = 0.0;
    let mut se_k0 = 0.0;
    let kf = k as f64;
    for iter in 0.. {
        if k0 == k0_prev {
            break;
        }
        if iter >= 100 {
            return Err(Error::NotConverged {
                procedure: "trim-and-fill",
                iterations: 100,
            });
        }
        k0_prev = k0;
        let keep = k - k0;
        beta = base.fit_slices(&y[..keep], &v[..keep], &mut ws)?.estimate;
        let d: Vec<f64> = y.iter().map(|yi| yi - beta).collect();
        // ranks of |d|, ties by order ("first")
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs()));
        let mut rank = vec![0.0; k];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = (r + 1) as f64;
        }
        let raw = match estimator {
            TrimFillEstimator::L0 => {
                let sr: f64 = (0..k).filter(|&i| d[i] > 0.0).map(|i| rank[i]).sum();
                let k0 = (4.0 * sr - kf * (kf + 1.0)) / (2.0 * kf - 1.0);
                let var_sr = (kf * (kf + 1.0) * (2.0 * kf + 1.0)
                    + 10.0 * k0.powi(3)
                    + 27.0 * k0 * k0
                    + 17.0 * k0
                    - 18.0 * kf * k0 * k0
                    - 18.0 * kf * k0
                    + 6.0 * kf * kf * k0)
                    / 24.0;
                se_k0 = (4.0 * var_sr.sqrt() / (2.0 * kf - 1.0)).max(0.0);
                k0
            }
            TrimFillEstimator::R0 => {
                let max_neg = (0..k)
                    .filter(|&i| d[i] < 0.0)
                    .map(|i| rank[i])
                    .fold(0.0, f64::max);
                let k0 = kf - max_neg - 1.0;
                se_k0 = (2.0 * k0.max(0.0) + 2.0).sqrt();
                k0
            }
        };
        k0 = raw.round_ties_even().max(0.0) as usize;
        k0 = k0.min(k - 1);
    }
    let orig = sign; // back to the original scale
    if k0 == 0 {
        let s = model.fit_slices(es.yi(), es.vi(), &mut ws)?;
        return Ok(TrimFill {
            k0,
            k0_se: se_k0,
            side: if right { Side::Right } else { Side::Left },
            estimator,
            estimate: s.estimate,
            se: s.se,
            ci_lower: s.ci_lower,
            ci_upper: s.ci_upper,
            p_value: s.p_value,
            tau2: s.tau2,
            filled: Vec::new(),
        });
    }
    let filled: Vec<Filled> = (k - k0..k)
        .map(|i| Filled {
            yi: orig * (2.0 * beta - y[i]),
            vi: v[i],
        })
        .collect();
    let mut ya = es.yi().to_vec();
    let mut va = es.vi().to_vec();
    ya.extend(filled.iter().map(|f| f.yi));
    va.extend(filled.iter().map(|f| f.vi));
    let s = base.fit_slices(&ya, &va, &mut ws)?;
    Ok(TrimFill {
        k0,
        k0_se: se_k0,
        side: if right { Side::Right } else { Side::Left },
        estimator,
        estimate: s.estimate,
        se: s.se,
        ci_lower: s.ci_lower,
        ci_upper: s.ci_upper,
        p_value: s.p_value,
        tau2: s.tau2,
        filled,
    })
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
}

/// Fail-safe N (metafor `fsn`): Rosenthal `N = (Σz_i)²/z²_{1−α} − k` with `z_i = y_i/√v_i`
/// (one-sided α = 0.05), and Orwin `N = k(ȳ − target)/target` with the unweighted mean ȳ and
/// target ȳ/2 unless given. Both are rounded up (as metafor).
///
/// # Errors
/// Fewer than 2 studies.
pub fn fail_safe(es: &EffectSizes, orwin_target: Option<f64>) -> Result<FailSafe> {
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
    })
}

/// Leave-one-out and influence diagnostics of one study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influence {
    /// Study label.
    pub study: String,
    /// Estimate without the study.
    pub leave1out_estimate: f64,
    /// Its SE.
    pub leave1out_se: f64,
    /// Lower CI limit without the study.
    pub leave1out_ci_lower: f64,
    /// Upper CI limit without the study.
    pub leave1out_ci_upper: f64,
    /// Its p-value.
    pub leave1out_p_value: f64,
    /// τ² without the study.
    pub leave1out_tau2: f64,
    /// I² without the study.
    pub leave1out_i2: f64,
    /// Externally studentised residual.
    pub rstudent: f64,
    /// DFFITS.
    pub dffits: f64,
    /// Cook's distance.
    pub cook_d: f64,
    /// Covariance ratio.
    pub cov_ratio: f64,
    /// DFBETAS of the estimate.
    pub dfbetas: f64,
    /// τ² with the study deleted.
    pub tau2_deleted: f64,
    /// Q with the study deleted.
    pub qe_deleted: f64,
    /// Hat value (leverage).
    pub hat: f64,
    /// Weight in the full model (percent).
    pub weight: f64,
    /// Flagged as influential (metafor's rule).
    pub influential: bool,
}

/// Leave-one-out fits and influence diagnostics (metafor `leave1out` and `influence`): every
/// deletion refit uses `model` (estimator, Knapp–Hartung, level). A study is influential when
/// |DFFITS| > 3√(1/(k−1)), Cook's D > χ²₁(0.5), hat > 3/k, or |DFBETAS| > 1.
///
/// # Errors
/// Fewer than 3 studies; model failures.
pub fn influence(es: &EffectSizes, model: &RandomEffects) -> Result<Vec<Influence>> {
    need(es, 3, "Influence diagnostics")?;
    let k = es.k();
    let mut ws = Workspace::new();
    let full = model.fit_slices(es.yi(), es.vi(), &mut ws)?;
    let vb = full.se * full.se;
    let cut_dffits = 3.0 * (1.0 / (k as f64 - 1.0)).sqrt();
    let cut_cook = dist::chi2_quantile(0.5, 1.0);
    let cut_hat = 3.0 / k as f64;
    let mut y = Vec::with_capacity(k - 1);
    let mut v = Vec::with_capacity(k - 1);
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        y.clear();
        v.clear();
        for j in (0..k).filter(|&j| j != i) {
            y.push(es.yi()[j]);
            v.push(es.vi()[j]);
        }
        let d = model.fit_slices(&y, &v, &mut ws)?;
        let t2 = d.tau2;
        // Knapp–Hartung scale of the deletion fit (1 under z)
        let s2w = if model.get_knha() && d.k > 1 {
            (d.se * d.se) * d.sum_w
        } else {
            1.0
        };
        let vb_d = d.se * d.se;
        let w_i = 1.0 / (es.vi()[i] + full.tau2);
        let hat = w_i / full.sum_w;
        let resid = es.yi()[i] - d.estimate;
        let rstudent = if resid.abs() < 100.0 * f64::EPSILON {
            0.0
        } else {
            resid / (s2w * (es.vi()[i] + t2) + vb_d).sqrt()
        };
        let diff = full.estimate - d.estimate;
        let dffits = diff / (s2w * hat * (t2 + es.vi()[i])).sqrt();
        let sw_del: f64 = es.vi().iter().map(|vj| 1.0 / (vj + t2)).sum();
        let dfbetas = diff / (s2w / sw_del).sqrt();
        let cook_d = diff * diff / vb;
        let infl =
            dffits.abs() > cut_dffits || cook_d > cut_cook || hat > cut_hat || dfbetas.abs() > 1.0;
        out.push(Influence {
            study: es.study()[i].clone(),
            leave1out_estimate: d.estimate,
            leave1out_se: d.se,
            leave1out_ci_lower: d.ci_lower,
            leave1out_ci_upper: d.ci_upper,
            leave1out_p_value: d.p_value,
            leave1out_tau2: t2,
            leave1out_i2: d.i2,
            rstudent,
            dffits,
            cook_d,
            cov_ratio: vb_d / vb,
            dfbetas,
            tau2_deleted: t2,
            qe_deleted: d.q,
            hat,
            weight: 100.0 * hat,
            influential: infl,
        });
    }
    Ok(out)
}

/// One step of a cumulative meta-analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CumulativeStep {
    /// Study added at this step.
    pub study: String,
    /// Fit of the studies so far (core keys).
    #[serde(flatten)]
    pub summary: Summary,
}

/// Cumulative meta-analysis (metafor `cumul`): studies are added one at a time in `order`
/// (ascending, stable; data order when `None`) and `model` refitted each time (a z-test at the
/// first step, where k = 1).
///
/// # Errors
/// Model failures.
pub fn cumulative(
    es: &EffectSizes,
    model: &RandomEffects,
    order: Option<&[f64]>,
) -> Result<Vec<CumulativeStep>> {
    let k = es.k();
    let mut idx: Vec<usize> = (0..k).collect();
    if let Some(o) = order {
        idx.sort_by(|&a, &b| o[a].total_cmp(&o[b]));
    }
    let mut ws = Workspace::new();
    let mut y = Vec::with_capacity(k);
    let mut v = Vec::with_capacity(k);
    let mut out = Vec::with_capacity(k);
    for &i in &idx {
        y.push(es.yi()[i]);
        v.push(es.vi()[i]);
        let s = model.fit_slices(&y, &v, &mut ws)?;
        out.push(CumulativeStep {
            study: es.study()[i].clone(),
            summary: s,
        });
    }
    Ok(out)
}

/// Names the scale of a measure for messages.
pub fn scale_note(m: Measure) -> &'static str {
    if m.is_log_scale() {
        "log scale"
    } else {
        "analysis scale"
    }
}
