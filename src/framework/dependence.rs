//! Dependence-aware pooling for `evaluate` and the map: where a study contributes several
//! effects, the correlated-and-hierarchical-effects (CHE) model with cluster-robust inference
//! (Pustejovsky & Tipton 2022; metafor's `vcalc → rma.mv → robust(clubSandwich = TRUE)`):
//!
//! * `V` from `vcalc(vi, cluster = study, obs = effect, rho)`: effects of one study have
//!   sampling errors correlated `ρ` (default 0.6);
//! * `rma.mv(yi, V, random = ~ 1 | study/effect)`, REML;
//! * CR2 cluster-robust SE by study, t on Satterthwaite df (clubSandwich `coef_test`);
//! * with fewer than 4 robust df (very few studies) CR2 standard errors are unreliable (Tipton
//!   2015): the larger of the CR2 and the model-based SE is used, on the CR2 df, and flagged —
//!   as the ad hoc Knapp–Hartung correction of the univariate path;
//! * the prediction interval `β̂ ± t_df·√(SE_CR2² + σ²_study + σ²_effect)` (metafor's `predict` on
//!   the robust object);
//! * the same model at `ρ` = 0.2, 0.4, 0.6, 0.8, with its robust SE, to show how much the
//!   assumed correlation matters.
//!
//! The result takes the place of the univariate fit (`pooled`) so that the plots and words
//! read it as any pooled fit: `estimate`, `se` and the CI are the robust ones; `tau2` is the total
//! `σ²_study + σ²_effect`; `i2` is the sum of the multilevel I²; `q` is the test for residual
//! heterogeneity; the weights are metafor's `weights()` for `rma.mv` (the diagonal of `M⁻¹`, in
//! percent). [`Dependence`] records the rest.

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::multilevel::{MultilevelFit, MultilevelModel};
use crate::model::robust::{Robust, RobustType};
use crate::model::vcalc::vcalc;
use crate::model::{Convergence, Estimate, Fit, RandomEffects, StudyResult, Summary, Tau2Method};

/// The values of ρ of the sensitivity sweep.
pub const RHO_SWEEP: [f64; 4] = [0.2, 0.4, 0.6, 0.8];

/// The CHE model at one value of the assumed correlation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RhoPoint {
    /// The assumed sampling correlation.
    pub rho: f64,
    /// Pooled estimate.
    pub estimate: f64,
    /// Its CR2 standard error.
    pub se: f64,
    /// Lower bound of its robust CI.
    pub ci_lower: f64,
    /// Upper bound.
    pub ci_upper: f64,
}

/// How a domain's dependent effects were pooled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dependence {
    /// The model in words.
    pub model: String,
    /// The assumed correlation of sampling errors within a study.
    pub rho: f64,
    /// Studies (clusters).
    pub studies: usize,
    /// Effects.
    pub effects: usize,
    /// Between-study and within-study variance components `[σ²_study, σ²_effect]`.
    pub sigma2: [f64; 2],
    /// Satterthwaite df of the robust t test.
    pub robust_df: f64,
    /// True when the robust df were below 4 and the SE is the larger of the CR2 and the
    /// model-based SE (CR2 alone is unreliable with so few studies).
    pub few_df_guard: bool,
    /// The model-based (not robust) estimate and SE, for comparison.
    pub model_based: Estimate,
    /// The fit at each ρ of [`RHO_SWEEP`] (the chosen ρ included when it is one of them).
    pub rho_sweep: Vec<RhoPoint>,
}

/// Codes `0..` of labels, in order of appearance.
pub(crate) fn codes(labels: &[String]) -> Vec<usize> {
    let mut map = std::collections::HashMap::new();
    labels
        .iter()
        .map(|l| {
            let n = map.len();
            *map.entry(l.as_str()).or_insert(n)
        })
        .collect()
}

/// The CHE model and its CR2 inference at `rho`.
fn che(
    y: &[f64],
    v: &[f64],
    study: &[String],
    rho: f64,
    level: f64,
) -> Result<(MultilevelFit, crate::model::robust::RobustFit)> {
    let k = y.len();
    let ids: Vec<usize> = (0..k).collect();
    let cov = vcalc(v, study, Some(&ids), None, rho)?;
    let sc = codes(study);
    let x = DMatrix::from_element(k, 1, 1.0);
    let fit = MultilevelModel::new().level(level)?.fit_cov(
        y,
        &cov,
        &[sc.clone(), ids],
        &x,
        &["intrcpt".to_string()],
    )?;
    let rob = Robust::new(RobustType::Cr2, level)?.fit_multilevel(&fit, &sc)?;
    Ok((fit, rob))
}

/// Dependent effects to pool: several effects per study.
#[derive(Debug, Clone, Copy)]
pub struct DependentData<'a> {
    /// The effects.
    pub yi: &'a [f64],
    /// Their sampling variances.
    pub vi: &'a [f64],
    /// The study of each effect (one label per effect).
    pub study: &'a [String],
    /// The effects' 0-based table rows (for the plots).
    pub rows: &'a [usize],
    /// The effect measure recorded in the pooled [`Fit`].
    pub measure: crate::effect::Measure,
}

/// Pools the effects of `data` with the CHE model at `rho` and CR2 inference, and the sweep
/// over [`RHO_SWEEP`]; `base` supplies the options recorded in the returned [`Fit`].
///
/// # Errors
/// As [`MultilevelModel::fit_cov`] and [`Robust::fit_multilevel`] (for instance fewer than two
/// studies, or a model that cannot be fitted).
pub fn pool_dependent(
    data: &DependentData<'_>,
    base: RandomEffects,
    rho: f64,
    level: f64,
) -> Result<(Fit, Dependence)> {
    let DependentData {
        yi: y,
        vi: v,
        study,
        measure,
        ..
    } = *data;
    let k = y.len();
    Error::check_len("effects and study labels", k, study.len())?;
    let (fit, rob) = che(y, v, study, rho, level)?;
    let rc = rob
        .coefficients
        .first()
        .ok_or_else(|| Error::input("CHE model", "no coefficient"))?;
    let df = rc.df;
    let crit = crate::dist::t_quantile(1.0 - (1.0 - level / 100.0) / 2.0, df);
    let guard = df < 4.0;
    let se = if guard {
        rc.est.se.max(fit.first.se)
    } else {
        rc.est.se
    };
    let est = rc.est.estimate;
    let (studies, total_w) = weighted_studies(data, &fit)?;
    let summary = robust_summary(&fit, k, (est, se, df, crit), total_w);
    let at_rho = RhoPoint {
        rho,
        estimate: est,
        se,
        ci_lower: est - crit * se,
        ci_upper: est + crit * se,
    };
    let sweep = rho_sweep(data, at_rho, level)?;
    let dep = Dependence {
        model: format!(
            "correlated and hierarchical effects (CHE): random effects for study and for effect within study, sampling errors of one study correlated {rho} (vcalc), REML; CR2 cluster-robust standard errors by study with Satterthwaite df (clubSandwich)"
        ),
        rho,
        studies: rob.clusters,
        effects: k,
        sigma2: [
            fit.sigma2.first().copied().unwrap_or(f64::NAN),
            fit.sigma2.get(1).copied().unwrap_or(f64::NAN),
        ],
        robust_df: df,
        few_df_guard: guard,
        model_based: fit.first,
        rho_sweep: sweep,
    };
    Ok((
        Fit {
            measure,
            method: Tau2Method::Reml,
            studies,
            omitted: Vec::new(),
            options: base,
            back: crate::effect::BackTransform::of(measure),
            back_transformed: crate::effect::BackTransform::of(measure)
                .on(summary.interval_values()),
            summary,
        },
        dep,
    ))
}

/// Each effect with metafor's `weights()` for `rma.mv` (the diagonal of `W = M⁻¹` by study
/// block, in percent), and the sum of the weights.
///
/// # Errors
/// [`Error::Singular`] when a study's marginal covariance is not positive definite.
fn weighted_studies(
    data: &DependentData<'_>,
    fit: &MultilevelFit,
) -> Result<(Vec<StudyResult>, f64)> {
    let k = data.yi.len();
    let mut w = vec![0.0; k];
    let mut blocks: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, &c) in codes(data.study).iter().enumerate() {
        blocks.entry(c).or_default().push(i);
    }
    for g in blocks.values() {
        let m = fit.working.block(g);
        let inv = m
            .cholesky()
            .map(|c| c.inverse())
            .ok_or_else(|| Error::Singular {
                message: "the CHE model's marginal covariance of a study is not positive definite"
                    .into(),
            })?;
        for (a, &i) in g.iter().enumerate() {
            w[i] = inv[(a, a)];
        }
    }
    let total_w: f64 = w.iter().sum();
    let studies = (0..k)
        .map(|i| StudyResult {
            study: data.study[i].clone(),
            yi: data.yi[i],
            vi: data.vi[i],
            weight: 100.0 * w[i] / total_w,
            source: None,
            row: data.rows.get(i).copied().unwrap_or(i),
        })
        .collect();
    Ok((studies, total_w))
}

/// The summary of the CHE fit of `k` effects with its robust inference: `(estimate, se, df, t
/// critical value)`;
/// τ² is the total `σ²_study + σ²_effect`, I² the sum of the multilevel I².
fn robust_summary(
    fit: &MultilevelFit,
    k: usize,
    (est, se, df, crit): (f64, f64, f64, f64),
    sum_w: f64,
) -> Summary {
    let s2: f64 = fit.sigma2.iter().sum();
    let half_pi = crit * (se * se + s2).sqrt();
    Summary {
        k,
        estimate: est,
        se,
        ci_lower: est - crit * se,
        ci_upper: est + crit * se,
        statistic: est / se,
        p_value: crate::dist::t_p2(est / se, df),
        tau2: s2,
        tau2_ci_lower: f64::NAN,
        tau2_ci_upper: f64::NAN,
        tau: s2.sqrt(),
        i2: fit.i2_levels.iter().sum(),
        i2_ci_lower: f64::NAN,
        i2_ci_upper: f64::NAN,
        h2: f64::NAN,
        q: fit.qe,
        q_df: fit.qe_df,
        q_p: fit.qe_p,
        pi_lower: est - half_pi,
        pi_upper: est + half_pi,
        iterations: fit.iterations,
        converged_by: Convergence::default(),
        df,
        h2_ci_lower: f64::NAN,
        h2_ci_upper: f64::NAN,
        sum_w,
    }
}

/// The CHE model at each ρ of [`RHO_SWEEP`] (`at_rho`: the fit at the chosen ρ, used when the
/// sweep meets it).
///
/// # Errors
/// As [`che`].
fn rho_sweep(data: &DependentData<'_>, at_rho: RhoPoint, level: f64) -> Result<Vec<RhoPoint>> {
    let mut sweep = Vec::with_capacity(RHO_SWEEP.len());
    for &r in &RHO_SWEEP {
        let point = if r == at_rho.rho {
            at_rho
        } else {
            let (_, rb) = che(data.yi, data.vi, data.study, r, level)?;
            let c = rb
                .coefficients
                .first()
                .ok_or_else(|| Error::input("CHE model", "no coefficient"))?;
            RhoPoint {
                rho: r,
                estimate: c.est.estimate,
                se: c.est.se,
                ci_lower: c.est.ci_lower,
                ci_upper: c.est.ci_upper,
            }
        };
        sweep.push(point);
    }
    Ok(sweep)
}

/// The CHE estimate alone (no robust inference, no sweep): for leave-one-study-out ranges.
///
/// # Errors
/// As [`MultilevelModel::fit_cov`].
pub(crate) fn che_estimate(y: &[f64], v: &[f64], study: &[String], rho: f64) -> Result<f64> {
    let k = y.len();
    let ids: Vec<usize> = (0..k).collect();
    let cov = vcalc(v, study, Some(&ids), None, rho)?;
    let x = DMatrix::from_element(k, 1, 1.0);
    let fit = MultilevelModel::new().fit_cov(
        y,
        &cov,
        &[codes(study), ids],
        &x,
        &["intrcpt".to_string()],
    )?;
    Ok(fit.first.estimate)
}
