//! Duval and Tweedie's trim-and-fill (metafor `trimfill`).

use nalgebra::DMatrix;
use serde::Serialize;

use crate::effect::EffectSizes;
use crate::error::{Error, Result};
use crate::model::regression::MetaRegression;
use crate::model::{RandomEffects, Workspace};

use super::bias::Side;
use super::need::need;

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
    /// Pooled estimate with the filled studies: SE, CI and test.
    #[serde(flatten)]
    pub est: crate::model::Estimate,
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
        None => missing_on_right(es, &base)?,
    };
    let sign = if right { -1.0 } else { 1.0 };
    let mut idx: Vec<usize> = (0..k).collect();
    idx.sort_by(|&a, &b| (sign * es.yi()[a]).total_cmp(&(sign * es.yi()[b])));
    let y: Vec<f64> = idx.iter().map(|&i| sign * es.yi()[i]).collect();
    let v: Vec<f64> = idx.iter().map(|&i| es.vi()[i]).collect();
    let mut ws = Workspace::new();
    let Trimmed { k0, beta, se_k0 } = trim(&base, estimator, (&y, &v), &mut ws)?;
    let orig = sign; // back to the original scale
    let filled: Vec<Filled> = (k - k0..k)
        .map(|i| Filled {
            yi: orig * (2.0 * beta - y[i]),
            vi: v[i],
        })
        .collect();
    let s = if k0 == 0 {
        // Nothing filled: the original model, with its own test (metafor).
        model.fit_slices(es.yi(), es.vi(), &mut ws)?
    } else {
        let mut ya = es.yi().to_vec();
        let mut va = es.vi().to_vec();
        ya.extend(filled.iter().map(|f| f.yi));
        va.extend(filled.iter().map(|f| f.vi));
        base.fit_slices(&ya, &va, &mut ws)?
    };
    Ok(TrimFill {
        k0,
        k0_se: se_k0,
        side: if right { Side::Right } else { Side::Left },
        estimator,
        est: s.estimate_block(),
        tau2: s.tau2,
        filled,
    })
}

/// Whether studies are missing on the right: the slope of y on √v is negative.
fn missing_on_right(es: &EffectSizes, base: &RandomEffects) -> Result<bool> {
    let k = es.k();
    let x = DMatrix::from_fn(k, 2, |i, j| if j == 0 { 1.0 } else { es.vi()[i].sqrt() });
    let names = vec!["intrcpt".to_string(), "sqrt(vi)".to_string()];
    let f = MetaRegression::new(*base).fit(es.yi(), es.vi(), &x, &names)?;
    Ok(f.coefficients[1].est.estimate < 0.0)
}

/// Where the trimming converged.
struct Trimmed {
    /// Missing studies.
    k0: usize,
    /// The estimate from the studies left after trimming `k0`.
    beta: f64,
    /// The standard error of `k0`.
    se_k0: f64,
}

/// Trims the `k0` largest effects of `y` (sorted, missing side on the left) until `k0` settles.
fn trim(
    base: &RandomEffects,
    estimator: TrimFillEstimator,
    (y, v): (&[f64], &[f64]),
    ws: &mut Workspace,
) -> Result<Trimmed> {
    let k = y.len();
    let (mut k0, mut k0_prev) = (0usize, usize::MAX);
    let mut beta = 0.0;
    let mut se_k0 = 0.0;
    for iter in 0.. {
        if k0 == k0_prev {
            break;
        }
        if iter >= 100 {
            return Err(Error::NotConverged {
                procedure: "trim-and-fill",
                iterations: 100,
                detail: String::new(),
            });
        }
        k0_prev = k0;
        let keep = k - k0;
        beta = base.fit_slices(&y[..keep], &v[..keep], ws)?.estimate;
        let d: Vec<f64> = y.iter().map(|yi| yi - beta).collect();
        let (raw, se) = estimate_k0(estimator, &d);
        se_k0 = se;
        k0 = raw.round_ties_even().max(0.0) as usize;
        k0 = k0.min(k - 1);
    }
    Ok(Trimmed { k0, beta, se_k0 })
}

/// The estimator's (unrounded) number of missing studies and its standard error, from the
/// deviations `d` of the effects from the trimmed estimate.
fn estimate_k0(estimator: TrimFillEstimator, d: &[f64]) -> (f64, f64) {
    let k = d.len();
    let kf = k as f64;
    // ranks of |d|, ties by order ("first")
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs()));
    let mut rank = vec![0.0; k];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = (r + 1) as f64;
    }
    match estimator {
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
            (k0, (4.0 * var_sr.sqrt() / (2.0 * kf - 1.0)).max(0.0))
        }
        TrimFillEstimator::R0 => {
            let max_neg = (0..k)
                .filter(|&i| d[i] < 0.0)
                .map(|i| rank[i])
                .fold(0.0, f64::max);
            let k0 = kf - max_neg - 1.0;
            (k0, (2.0 * k0.max(0.0) + 2.0).sqrt())
        }
    }
}
