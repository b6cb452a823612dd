//! Pooling net benefit across trials.

use serde::Serialize;

use super::increments::Increments;
use crate::error::{Error, Result};
use crate::model::{RandomEffects, Summary, Workspace};

/// Random-effects pooled INMB (and Δc, Δe) across trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledWtp {
    /// Willingness to pay.
    pub wtp: f64,
    /// Per-study INMB.
    pub study_inmb: Vec<f64>,
    /// Per-study INMB variance.
    pub study_var: Vec<f64>,
    /// Pooled fit (REML + Knapp–Hartung).
    #[serde(flatten)]
    pub fit: Summary,
}

/// Pools per-study increments: INMB at each λ, Δc and Δe, by REML with Knapp–Hartung (and
/// prediction intervals). Returns (by WTP, pooled Δc, pooled Δe).
///
/// # Errors
/// Fewer than 2 studies; model failures.
pub fn pooled_net_benefit(
    studies: &[Increments],
    wtp: &[f64],
    level: f64,
) -> Result<(Vec<PooledWtp>, Summary, Summary)> {
    if studies.len() < 2 {
        return Err(Error::TooFew {
            analysis: "pooling net benefit".into(),
            needed: 2,
            found: studies.len(),
            unit: "studies",
            note: String::new(),
        });
    }
    let model = RandomEffects::new().knha(true).level(level)?;
    let mut ws = Workspace::new();
    let mut by = Vec::with_capacity(wtp.len());
    for &l in wtp {
        let y: Vec<f64> = studies
            .iter()
            .map(|s| l * s.inc_effect - s.inc_cost)
            .collect();
        let v: Vec<f64> = studies
            .iter()
            .map(|s| l * l * s.var_effect + s.var_cost - 2.0 * l * s.cov)
            .collect();
        let fit = model.fit_slices(&y, &v, &mut ws)?;
        by.push(PooledWtp {
            wtp: l,
            study_inmb: y,
            study_var: v,
            fit,
        });
    }
    let dc: Vec<f64> = studies.iter().map(|s| s.inc_cost).collect();
    let vc: Vec<f64> = studies.iter().map(|s| s.var_cost).collect();
    let de: Vec<f64> = studies.iter().map(|s| s.inc_effect).collect();
    let ve: Vec<f64> = studies.iter().map(|s| s.var_effect).collect();
    let fc = model.fit_slices(&dc, &vc, &mut ws)?;
    let fe = model.fit_slices(&de, &ve, &mut ws)?;
    Ok((by, fc, fe))
}

/// Acceptability curve of pooled net benefit: at each willingness to pay in `wtp`, the
/// probability that the pooled INMB is positive, `P(T > −t)` with the Knapp–Hartung statistic
/// `t` on k − 1 degrees of freedom (the curve a commissioner reads beside the pooled INMB).
///
/// # Errors
/// As [`pooled_net_benefit`].
pub fn pooled_ceac(studies: &[Increments], wtp: &[f64], level: f64) -> Result<Vec<f64>> {
    let (by, _, _) = pooled_net_benefit(studies, wtp, level)?;
    Ok(by
        .iter()
        .map(|w| {
            let half = crate::dist::t_p2(w.fit.statistic, w.fit.df) / 2.0;
            if w.fit.statistic >= 0.0 {
                1.0 - half
            } else {
                half
            }
        })
        .collect())
}
