//! The further fail-safe N types (metafor ≥ 4's `fsn(type = )`, `pool = "fisher"` and
//! `weighted = TRUE`): Fisher's and Stouffer's pooling of one-sided p-values, Orwin's N with
//! inverse-variance weights, Rosenberg's N and the "General" N of a random-effects model.
//!
//! metafor 3.8.1 has Rosenthal (Stouffer), unweighted Orwin and Rosenberg; Fisher's pooling,
//! weighted Orwin and General came with metafor 4.0. The formulas are those of the current
//! metafor's `R/fsn.r` (5.0-1, `exact = FALSE`, `mumiss = 0`); metafor finds Fisher's and the
//! General N with `uniroot` on a step function of N and rounds up, peerstat takes the smallest
//! integer N at which the pooled result is no longer significant.

use std::str::FromStr;

use serde::Serialize;

use crate::dist;
use crate::effect::EffectSizes;
use crate::error::{Error, Result, Setting};
use crate::model::RandomEffects;

/// A fail-safe N type (`bias --fsn-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FsnType {
    /// Rosenthal's N (Stouffer's pooling): always reported as `rosenthal`.
    Rosenthal,
    /// Rosenthal's approach with Fisher's pooling of one-sided p-values.
    Fisher,
    /// Rosenthal's approach with Stouffer's pooling (the same N as `rosenthal`).
    Stouffer,
    /// Orwin's N with the unweighted mean: always reported as `orwin`.
    Orwin,
    /// Orwin's N with the inverse-variance weighted mean (metafor ≥ 4's default with `vi`).
    OrwinWeighted,
    /// Rosenberg's N (the weighted common-effect z test).
    Rosenberg,
    /// The General N: null studies of typical variance added to the REML random-effects model.
    General,
}

impl FromStr for FsnType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "rosenthal" => Ok(FsnType::Rosenthal),
            "fisher" => Ok(FsnType::Fisher),
            "stouffer" => Ok(FsnType::Stouffer),
            "orwin" => Ok(FsnType::Orwin),
            "orwin-weighted" => Ok(FsnType::OrwinWeighted),
            "rosenberg" => Ok(FsnType::Rosenberg),
            "general" => Ok(FsnType::General),
            _ => Err(Error::setting(
                Setting::FsnType,
                format!("unknown fail-safe N type '{s}': choose rosenthal, fisher, stouffer, orwin, orwin-weighted, rosenberg or general"),
            )),
        }
    }
}

/// One fail-safe N with what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FsnValue {
    /// The fail-safe N (rounded up, as metafor).
    pub n: f64,
    /// The p-value of the observed studies' pooled result (one-sided for Fisher and Stouffer,
    /// two-sided for Rosenberg and General); absent for Orwin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// The pooled estimate (weighted Orwin, Rosenberg, General).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<f64>,
    /// Orwin's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// The REML τ² (General).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau2: Option<f64>,
}

const ALPHA: f64 = 0.05;

/// metafor's `.rnd.fsn`: up to the next integer unless within √ε of one.
fn round_up(n: f64) -> f64 {
    if n.is_finite() && (n - n.round()).abs() >= f64::EPSILON.sqrt() {
        n.ceil()
    } else {
        n.round()
    }
}

/// The smallest integer `n ≥ 0` with `p(n) ≥ α` (`p` increasing in `n`), at most 10⁷ (metafor's
/// `maxint`).
fn smallest_n(p: impl Fn(f64) -> f64) -> f64 {
    const MAX: f64 = 1e7;
    if p(0.0) >= ALPHA {
        return 0.0;
    }
    let mut hi = 1.0;
    while p(hi) < ALPHA {
        if hi >= MAX {
            return MAX;
        }
        hi = (hi * 2.0).min(MAX);
    }
    let mut lo = hi / 2.0;
    if hi == 1.0 {
        lo = 0.0;
    }
    // p(lo) < α ≤ p(hi)
    while hi - lo > 1.0 {
        let mid = ((lo + hi) / 2.0).floor();
        if p(mid) >= ALPHA {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The fail-safe N as metafor finds it: the root of `p(N) − α` by R's `uniroot` on
/// `(0, 50k)` (tolerance ε^¼, at most 1000 iterations), rounded up; when `p(50k) < α` (metafor
/// then extends the interval) the smallest integer N with `p(N) ≥ α`.
fn uniroot_n(p: &dyn Fn(f64) -> f64, k: f64) -> f64 {
    let f = |n: f64| p(n) - ALPHA;
    let (lo, hi) = (0.0, 50.0 * k);
    let (flo, fhi) = (f(lo), f(hi));
    if flo >= 0.0 {
        return 0.0;
    }
    if fhi < 0.0 {
        return smallest_n(|n| p(n.floor()));
    }
    round_up(super::zeroin::zeroin(
        f,
        (lo, hi),
        (flo, fhi),
        f64::EPSILON.powf(0.25),
        1000,
    ))
}

/// Fisher's pooling: `X² = −2Σ ln p_i − 2N·ln ½` on `2(k + N)` df, `p_i` the one-sided p of
/// `|z_i|`.
pub(super) fn fisher(es: &EffectSizes) -> FsnValue {
    let k = es.k() as f64;
    let x2: f64 = es
        .yi()
        .iter()
        .zip(es.vi())
        .map(|(y, v)| -2.0 * dist::norm_sf((y / v.sqrt()).abs()).ln())
        .sum();
    // metafor: rep(0.5, N) truncates N, the df 2(k + N) do not
    let p = |n: f64| dist::chi2_sf(x2 - 2.0 * n.trunc() * 0.5f64.ln(), 2.0 * (k + n));
    FsnValue {
        n: uniroot_n(&p, k),
        p: Some(p(0.0)),
        estimate: None,
        target: None,
        tau2: None,
    }
}

/// Orwin's N with the inverse-variance weighted mean: `N = k(ȳ_w − target)/target`.
pub(super) fn orwin_weighted(es: &EffectSizes, target: Option<f64>) -> FsnValue {
    let k = es.k() as f64;
    let (sw, swy) = sums(es);
    let est = swy / sw;
    let mut t = target.unwrap_or(est / 2.0);
    if t.signum() != est.signum() {
        t = -t;
    }
    let n = if t == 0.0 {
        f64::INFINITY
    } else {
        round_up((k * (est - t) / t).max(0.0))
    };
    FsnValue {
        n,
        p: None,
        estimate: Some(est),
        target: Some(t),
        tau2: None,
    }
}

/// `(Σw, Σw·y)` with `w = 1/v`.
fn sums(es: &EffectSizes) -> (f64, f64) {
    es.yi()
        .iter()
        .zip(es.vi())
        .fold((0.0, 0.0), |(a, b), (y, v)| (a + 1.0 / v, b + y / v))
}

/// Rosenberg: `N = ((Σwy/z_{1−α/2})² − Σw)·v̄`, `v̄ = 1/mean(1/v)`.
pub(super) fn rosenberg(es: &EffectSizes) -> FsnValue {
    let k = es.k() as f64;
    let (sw, swy) = sums(es);
    let est = swy / sw;
    let z = est * sw.sqrt();
    let vt = k / sw;
    let crit = dist::norm_quantile(1.0 - ALPHA / 2.0);
    FsnValue {
        n: round_up((((swy / crit).powi(2) - sw) * vt).max(0.0)),
        p: Some(dist::norm_p2(z)),
        estimate: Some(est),
        target: None,
        tau2: None,
    }
}

/// General (metafor ≥ 4, `exact = FALSE`): N studies of effect 0 and variance `v̄` join the REML
/// model; its τ² becomes `((k−1)τ² + max(0, N−1)τ² + k(μ̂ − μ̂_N)² + N·μ̂_N²)/(k + N − 1)` with
/// `μ̂_N = kμ̂/(k + N)`, and the two-sided p of the weighted mean of all k + N studies is compared
/// with α.
pub(super) fn general(es: &EffectSizes) -> Result<FsnValue> {
    let fit = RandomEffects::new().fit(es)?;
    let (est, tau2, p0) = (fit.summary.estimate, fit.summary.tau2, fit.summary.p_value);
    let k = es.k() as f64;
    let vt = k / sums(es).0;
    let p = |n: f64| {
        let mu = k * est / (k + n);
        let t2 =
            (((k - 1.0) * tau2 + (n - 1.0).max(0.0) * tau2 + k * (est - mu).powi(2) + n * mu * mu)
                / (k + n - 1.0))
                .max(0.0);
        let (sw, swy) = es
            .yi()
            .iter()
            .zip(es.vi())
            .fold((0.0, 0.0), |(a, b), (y, v)| {
                (a + 1.0 / (v + t2), b + y / (v + t2))
            });
        let sw_all = sw + n / (vt + t2);
        dist::norm_p2(swy / sw_all * sw_all.sqrt())
    };
    let n = if p0 >= ALPHA {
        0.0
    } else {
        uniroot_n(&|n: f64| p(n.floor()), k)
    };
    Ok(FsnValue {
        n,
        p: Some(p0),
        estimate: Some(est),
        target: None,
        tau2: Some(tau2),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_n_finds_the_step() {
        assert_eq!(smallest_n(|n| if n >= 37.0 { 0.06 } else { 0.01 }), 37.0);
        assert_eq!(smallest_n(|n| if n >= 1.0 { 0.06 } else { 0.01 }), 1.0);
        assert_eq!(smallest_n(|_| 0.5), 0.0);
    }

    #[test]
    fn types_parse() {
        assert_eq!(
            "orwin-weighted".parse::<FsnType>().unwrap(),
            FsnType::OrwinWeighted
        );
        assert!("binomial".parse::<FsnType>().is_err());
    }
}
