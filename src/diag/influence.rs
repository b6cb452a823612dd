//! Sensitivity: leave-one-out fits and influence diagnostics, and cumulative meta-analysis
//! (metafor `leave1out`, `influence`, `cumul`).

use serde::Serialize;

use rayon::prelude::*;

use crate::dist;
use crate::effect::EffectSizes;
use crate::error::Result;
use crate::model::{LeaveOneOut, RandomEffects, Summary, Workspace};

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
/// Each deletion is fitted by down-dating the sums of the full fit (O(1) per step of its τ²
/// iteration once k is large; see `src/model/downdate.rs`): the same results as refitting
/// every deletion ([`influence_refit`]) to rounding, at k = 100,000 in well under a second.
///
/// ```
/// use peerstat::effect::{EffectSizes, Measure};
/// use peerstat::model::RandomEffects;
/// let yi = [-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01, -0.47, -1.37];
/// let vi = [0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.22, 0.004, 0.06, 0.07];
/// let es = EffectSizes::from_slices(Measure::Rr, &yi, &vi).unwrap();
/// let model = RandomEffects::new();
/// let fast = peerstat::diag::influence(&es, &model).unwrap();
/// let slow = peerstat::diag::influence_refit(&es, &model).unwrap();
/// assert!((fast[3].leave1out_tau2 - slow[3].leave1out_tau2).abs() < 1e-10);
/// ```
///
/// # Errors
/// Fewer than 3 studies; model failures.
pub fn influence(es: &EffectSizes, model: &RandomEffects) -> Result<Vec<Influence>> {
    need(es, 3, "Influence diagnostics")?;
    let mut ws = Workspace::new();
    let full = model.fit_slices(es.yi(), es.vi(), &mut ws)?;
    let loo = LeaveOneOut::new(model, es.yi(), es.vi(), full.tau2, full.estimate);
    let ctx = Context::new(es, model, &full);
    (0..es.k())
        .into_par_iter()
        .map(|i| {
            let d = loo.fit(i)?;
            Ok(ctx.diagnostics(i, &d.summary, d.sum_w_all))
        })
        .collect()
}

/// [`influence`] by refitting every deletion from scratch (O(k²)): the reference the
/// down-dated fits are tested against.
///
/// # Errors
/// Fewer than 3 studies; model failures.
pub fn influence_refit(es: &EffectSizes, model: &RandomEffects) -> Result<Vec<Influence>> {
    need(es, 3, "Influence diagnostics")?;
    let k = es.k();
    let mut ws = Workspace::new();
    let full = model.fit_slices(es.yi(), es.vi(), &mut ws)?;
    let ctx = Context::new(es, model, &full);
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
        let sw_del: f64 = es.vi().iter().map(|vj| 1.0 / (vj + d.tau2)).sum();
        Ok(ctx.diagnostics(i, &d, sw_del))
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

/// What every deletion's diagnostics share: the data, the model and the full fit.
struct Context<'a> {
    es: &'a EffectSizes,
    model: &'a RandomEffects,
    full: &'a Summary,
    cut_dffits: f64,
    cut_cook: f64,
    cut_hat: f64,
}

impl<'a> Context<'a> {
    fn new(es: &'a EffectSizes, model: &'a RandomEffects, full: &'a Summary) -> Context<'a> {
        let k = es.k() as f64;
        Context {
            es,
            model,
            full,
            cut_dffits: 3.0 * (1.0 / (k - 1.0)).sqrt(),
            cut_cook: dist::chi2_quantile(0.5, 1.0),
            cut_hat: 3.0 / k,
        }
    }

    /// The diagnostics of study `i` from its deletion fit `d` and `sw_del = Σⱼ 1/(vⱼ + τ²₋ᵢ)`
    /// over all k studies.
    fn diagnostics(&self, i: usize, d: &Summary, sw_del: f64) -> Influence {
        let (es, full) = (self.es, self.full);
        let vb = full.se * full.se;
        let t2 = d.tau2;
        // Knapp–Hartung scale of the deletion fit (1 under z)
        let s2w = if self.model.get_knha() && d.k > 1 {
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
        let dfbetas = diff / (s2w / sw_del).sqrt();
        let cook_d = diff * diff / vb;
        let infl = dffits.abs() > self.cut_dffits
            || cook_d > self.cut_cook
            || hat > self.cut_hat
            || dfbetas.abs() > 1.0;
        Influence {
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
        }
    }
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
