//! Sensitivity: leave-one-out fits and influence diagnostics, and cumulative meta-analysis
//! (metafor `leave1out`, `influence`, `cumul`).

use serde::Serialize;

use rayon::prelude::*;

use crate::dist;
use crate::effect::EffectSizes;
use crate::error::Result;
use crate::model::{RandomEffects, Summary, Workspace};

use super::need::need;

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
    // Deletion refits are independent: in parallel, each worker with its own buffers.
    let one = |(y, v, ws): &mut (Vec<f64>, Vec<f64>, Workspace), i: usize| -> Result<Influence> {
        y.clear();
        v.clear();
        for j in (0..k).filter(|&j| j != i) {
            y.push(es.yi()[j]);
            v.push(es.vi()[j]);
        }
        // warm start from the full fit's τ²; no Q-profile CI (not reported)
        let d = model.refit(y, v, ws, full.tau2)?;
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
        Ok(Influence {
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
        })
    };
    (0..k)
        .into_par_iter()
        .map_init(
            || {
                (
                    Vec::with_capacity(k - 1),
                    Vec::with_capacity(k - 1),
                    Workspace::new(),
                )
            },
            one,
        )
        .collect()
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
