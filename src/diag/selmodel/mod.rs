//! Selection models for publication bias, as metafor 3.8's `selmodel()`: step functions
//! (Vevea & Hedges 1995; the three-parameter selection model with one step at .025), the beta
//! model (Citkowicz & Vevea 2017) and the half-normal, negative-exponential, logistic and power
//! models (Preston et al. 2004), fitted by maximum likelihood with random (ML) or equal
//! effects; optional fixed δ for a Vevea–Woods sensitivity analysis.
//!
//! Where peerstat differs from metafor: the optimum is polished by Newton steps to a step
//! below 1e-10 (metafor's BFGS on a finite-difference gradient stops about 1e-6 short), the
//! integrals of the continuous types are computed to near machine precision (metafor's
//! default `rel.tol` is 1.2e-4), standard errors come from the observed Hessian at that optimum leaving out τ²
//! when it is 0 and δ when it sits at its bound 0, and where metafor would stop at a bound of
//! δ (0 or 100 for a step function, 1e-5 or 100 for beta, 100 for the others) with a warning,
//! peerstat returns an error: the likelihood has no maximum inside the parameter space.

mod likelihood;
mod optimise;
mod quadrature;
mod weight;

use serde::Serialize;

pub use weight::{Alternative, SelType};

use crate::dist;
use crate::effect::EffectSizes;
use crate::error::{Error, Result, Setting};
use crate::model::{RandomEffects, Tau2Method};

use likelihood::Likelihood;
use weight::{interval, pvalue};

/// The options of a selection model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelModelOptions {
    /// The selection function.
    #[serde(rename = "type")]
    pub kind: SelType,
    /// Steps: for a step function the interval bounds of the p-values (1 is added if missing);
    /// for the other types at most one threshold below which `w = 1` (none: 0).
    pub steps: Vec<f64>,
    /// Which p-values drive selection.
    pub alternative: Alternative,
    /// δ held fixed (a Vevea–Woods sensitivity analysis), one value per δ (a step function's
    /// first is 1); estimated when `None`.
    pub delta: Option<Vec<f64>>,
}

/// A fitted selection model (JSON key `selmodel`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelModel {
    /// The selection function.
    #[serde(rename = "type")]
    pub kind: SelType,
    /// Which p-values drive selection.
    pub alternative: Alternative,
    /// `"ML"` (random effects) or `"EE"` (equal effects).
    pub method: &'static str,
    /// The steps (ending in 1), or null for a continuous type without a threshold.
    pub steps: Option<Vec<f64>>,
    /// Every δ, including fixed ones (a step function's δ₁ = 1).
    pub delta: Vec<f64>,
    /// Standard errors of δ (null where fixed or at a bound).
    pub delta_se: Vec<Option<f64>>,
    /// Which δ were held fixed.
    pub delta_fixed: Vec<bool>,
    /// The adjusted estimate μ̂.
    pub estimate: f64,
    /// Its standard error (observed information).
    pub se: f64,
    /// z statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower Wald confidence limit.
    pub ci_lower: f64,
    /// Upper Wald confidence limit.
    pub ci_upper: f64,
    /// Confidence level (percent).
    pub level: f64,
    /// τ̂² (0 for equal effects).
    pub tau2: f64,
    /// Its standard error (null for equal effects or τ̂² = 0).
    pub tau2_se: Option<f64>,
    /// Log-likelihood of the selection model.
    pub ll: f64,
    /// Log-likelihood of the model without selection (ML or EE).
    pub ll0: f64,
    /// Likelihood-ratio statistic `2(ll − ll0)` for no selection.
    pub lrt: f64,
    /// Its degrees of freedom (the number of estimated δ).
    pub lrt_df: usize,
    /// Its p-value (χ²), null when no δ is estimated.
    pub lrt_p: Option<f64>,
    /// Number of studies.
    pub k: usize,
    /// Studies per p-value interval (null without steps).
    pub k_per_interval: Option<Vec<usize>>,
    /// Newton iterations of the final polish.
    pub iterations: usize,
    /// Notes (parameters at a bound).
    pub notes: Vec<String>,
}

/// How the free parameters map to `(μ, τ², δ)`: μ as is, τ = θ (τ² = θ²), each free δ as
/// `exp(θ)` (step function, beta: δ > 0) or `θ²` (the others: δ ≥ 0).
#[derive(Clone)]
struct Layout {
    tau2_free: bool,
    delta: Vec<f64>,
    free: Vec<usize>,
    squared: bool,
}

impl Layout {
    fn unpack(&self, th: &[f64]) -> (f64, f64, Vec<f64>) {
        let tau2 = if self.tau2_free { th[1] * th[1] } else { 0.0 };
        let off = 1 + usize::from(self.tau2_free);
        let mut delta = self.delta.clone();
        for (n, &j) in self.free.iter().enumerate() {
            let t = th[off + n];
            delta[j] = if self.squared { t * t } else { t.exp() };
        }
        (th[0], tau2, delta)
    }

    fn pack(&self, mu: f64, tau2: f64, delta: &[f64]) -> Vec<f64> {
        let mut th = vec![mu];
        if self.tau2_free {
            th.push(tau2.max(0.0).sqrt());
        }
        for &j in &self.free {
            th.push(if self.squared {
                delta[j].sqrt()
            } else {
                delta[j].ln()
            });
        }
        th
    }
}

/// Fits the selection model `opts` to `es` by maximum likelihood: random effects (ML) unless
/// `model` is the equal-effects model ([`Tau2Method::Ee`]); the level of `model`'s intervals.
///
/// # Formula
/// `log L = Σ log w(pᵢ; δ) + log φ(yᵢ; μ, vᵢ + τ²) − log Aᵢ`,
/// `Aᵢ = ∫ w(p(y); δ) φ(y; μ, vᵢ + τ²) dy`, with `pᵢ` the one-sided (or two-sided) p-value of
/// `yᵢ/√vᵢ`. The LRT compares with the model without selection on as many df as estimated δ.
///
/// # Examples
/// ```
/// use peerstat::diag::{selmodel, Alternative, SelModelOptions, SelType};
/// use peerstat::effect::{EffectSizes, Measure};
/// use peerstat::model::RandomEffects;
/// let yi = [0.40, 0.31, 0.05, 0.62, 0.12, 0.55, -0.10, 0.48, 0.20, 0.70, 0.02, 0.35];
/// let vi = [0.02, 0.03, 0.04, 0.09, 0.01, 0.05, 0.03, 0.06, 0.02, 0.08, 0.01, 0.04];
/// let es = EffectSizes::from_slices(Measure::Gen, &yi, &vi).unwrap();
/// let opts = SelModelOptions {
///     kind: SelType::Stepfun,
///     steps: vec![0.025],
///     alternative: Alternative::Greater,
///     delta: None,
/// };
/// let s = selmodel(&es, &opts, &RandomEffects::new()).unwrap();
/// assert_eq!(s.delta.len(), 2);
/// assert_eq!(s.delta[0], 1.0);
/// assert_eq!(s.k_per_interval.as_ref().unwrap().iter().sum::<usize>(), 12);
/// ```
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Selection`]) for bad steps or δ; [`Error::TooFew`] when an
/// interval of p-values holds no study (its δ has no maximum) or there are fewer studies than
/// parameters; [`Error::Undefined`] when the likelihood has no maximum inside the parameter
/// space (δ runs to a bound) or its Hessian is singular; [`Error::NotConverged`].
pub fn selmodel(
    es: &EffectSizes,
    opts: &SelModelOptions,
    model: &RandomEffects,
) -> Result<SelModel> {
    let ee = model.get_method() == Tau2Method::Ee;
    let steps = checked_steps(opts)?;
    let n_delta = match opts.kind {
        SelType::Stepfun => steps.len(),
        SelType::Beta => 2,
        _ => 1,
    };
    let fixed = checked_delta(opts, n_delta)?;
    let lik = likelihood(es, opts, &steps);
    let k_per_interval = (!steps.is_empty()).then(|| {
        let mut c = vec![0; steps.len()];
        lik.p.iter().for_each(|&p| c[interval(p, &steps)] += 1);
        c
    });
    let mut delta0 = vec![1.0; n_delta];
    let mut free = Vec::new();
    for j in 0..n_delta {
        match &fixed {
            Some(d) => delta0[j] = d[j],
            None if opts.kind == SelType::Stepfun && j == 0 => {}
            None => free.push(j),
        }
    }
    check_intervals(opts.kind, k_per_interval.as_deref(), &free)?;
    let n_par = 1 + usize::from(!ee) + free.len();
    if es.k() < n_par {
        return Err(Error::TooFew {
            analysis: format!("The {} selection model", opts.kind.as_str()),
            needed: n_par,
            found: es.k(),
            unit: "studies",
            note: "; it has more parameters than studies".into(),
        });
    }
    let base = model
        .method(if ee { Tau2Method::Ee } else { Tau2Method::Ml })
        .fit(es)?;
    let (mu0, tau20) = (base.summary.estimate, base.summary.tau2);
    let sign = if opts.alternative == Alternative::Less {
        -1.0
    } else {
        1.0
    };
    let ll0: f64 = (0..es.k())
        .map(|i| {
            let s2 = es.vi()[i] + tau20;
            -0.5 * (2.0 * std::f64::consts::PI * s2).ln() - 0.5 * (es.yi()[i] - mu0).powi(2) / s2
        })
        .sum();
    let layout = Layout {
        tau2_free: !ee,
        delta: delta0,
        free,
        squared: !matches!(opts.kind, SelType::Stepfun | SelType::Beta),
    };
    let fit = maximise(&lik, layout, sign * mu0, tau20 + 0.001)?;
    let method = if ee { "EE" } else { "ML" };
    let context = (ll0, model.get_level(), sign, method);
    finish(es, opts, &lik, fit, context, k_per_interval, steps)
}

/// The steps, sorted, with 1 appended for a step function; validated.
fn checked_steps(opts: &SelModelOptions) -> Result<Vec<f64>> {
    let bad = |m: String| Err(Error::setting(Setting::Selection, m));
    if let Some(s) = opts.steps.iter().find(|s| !(**s > 0.0 && **s <= 1.0)) {
        return bad(format!("selection-model steps must lie in (0, 1], got {s}"));
    }
    let mut steps = opts.steps.clone();
    steps.sort_by(f64::total_cmp);
    steps.dedup();
    if steps.last().is_some_and(|&s| s < 1.0) {
        steps.push(1.0);
    }
    match opts.kind {
        SelType::Stepfun if steps.len() < 2 => bad(
            "a step-function selection model needs at least one step below 1 (e.g. 0.025)".into(),
        ),
        SelType::Beta if !steps.is_empty() => bad("the beta selection model takes no steps".into()),
        SelType::Stepfun | SelType::Beta => Ok(steps),
        _ if steps.len() > 2 => bad(format!(
            "the {} selection model takes at most one step (a threshold below which selection \
             is 1)",
            opts.kind.as_str()
        )),
        _ => Ok(steps),
    }
}

/// The fixed δ, validated (length, range, a step function's δ₁ = 1).
fn checked_delta(opts: &SelModelOptions, n: usize) -> Result<Option<Vec<f64>>> {
    let Some(d) = &opts.delta else {
        return Ok(None);
    };
    let bad = |m: String| Err(Error::setting(Setting::Selection, m));
    if d.len() != n {
        return bad(format!(
            "the {} selection model has {n} delta value(s); {} given",
            opts.kind.as_str(),
            d.len()
        ));
    }
    if let Some(x) = d.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        return bad(format!(
            "fixed delta values must be finite and >= 0, got {x}"
        ));
    }
    if opts.kind == SelType::Stepfun && d[0] != 1.0 {
        return bad("a step function's first delta is the reference and must be 1".into());
    }
    if opts.kind == SelType::Beta && d.iter().any(|&x| x <= 0.0) {
        return bad("the beta selection model's delta values must be > 0".into());
    }
    Ok(Some(d.clone()))
}

/// Fails when an interval of p-values holds no study and its δ (or, for the first interval
/// of a step function, any δ) is estimated: the likelihood then has no maximum.
fn check_intervals(kind: SelType, counts: Option<&[usize]>, free: &[usize]) -> Result<()> {
    let Some(c) = counts else { return Ok(()) };
    let empty: Vec<usize> = (0..c.len())
        .filter(|&j| {
            c[j] == 0
                && (free.contains(&j) || (j == 0 && !free.is_empty()) || kind != SelType::Stepfun)
        })
        .collect();
    match empty.first() {
        None => Ok(()),
        Some(_) => Err(Error::TooFew {
            analysis: format!(
                "The {} selection model (p-value interval(s) {} hold no study)",
                kind.as_str(),
                empty
                    .iter()
                    .map(|j| (j + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            needed: 1,
            found: 0,
            unit: "studies in each interval",
            note: "; the likelihood then has no maximum (merge the empty interval with a \
                   neighbour, or fix its delta)"
                .into(),
        }),
    }
}

/// The likelihood's data: effects sign-flipped for `alternative = "less"`, clamped p-values.
fn likelihood(es: &EffectSizes, opts: &SelModelOptions, steps: &[f64]) -> Likelihood {
    let sign = if opts.alternative == Alternative::Less {
        -1.0
    } else {
        1.0
    };
    let two = opts.alternative == Alternative::TwoSided;
    let y: Vec<f64> = es.yi().iter().map(|&y| sign * y).collect();
    let pmin = opts.kind.pval_min();
    let p = y
        .iter()
        .zip(es.vi())
        .map(|(&y, &v)| pvalue(y, v, two).clamp(pmin, 1.0 - pmin))
        .collect();
    Likelihood {
        y,
        v: es.vi().to_vec(),
        kind: opts.kind,
        steps: steps.to_vec(),
        two_sided: two,
        p,
        tol: std::cell::Cell::new(1e-11),
    }
}

/// The maximum: parameters, the layout they were fitted in, Newton iterations, notes.
struct Maximum {
    mu: f64,
    tau2: f64,
    delta: Vec<f64>,
    layout: Layout,
    iterations: usize,
    notes: Vec<String>,
}

/// Nelder–Mead then Newton on the transformed parameters; a parameter that runs to its
/// boundary 0 (τ², or δ of the squared types) is fixed there and the rest refitted.
fn maximise(lik: &Likelihood, mut layout: Layout, mu0: f64, tau2_start: f64) -> Result<Maximum> {
    let mut notes = Vec::new();
    let mut th0 = layout.pack(mu0, tau2_start, &layout.delta.clone());
    for _round in 0..3 {
        let l = layout.clone();
        let f = |th: &[f64]| {
            let (mu, tau2, d) = l.unpack(th);
            -lik.ll(mu, tau2, &d)
        };
        let scale: Vec<f64> = th0.iter().map(|t| 0.1 * t.abs().max(0.5)).collect();
        lik.tol.set(1e-7);
        let nm = optimise::nelder_mead(&f, &th0, &scale, 300 * th0.len());
        lik.tol.set(1e-11);
        let (th, iterations) = optimise::newton(&f, &nm).ok_or_else(|| Error::NotConverged {
            procedure: "The selection model's Newton polish",
            iterations: 200,
            detail: "; the likelihood may have no maximum for these data".into(),
        })?;
        let (mu, tau2, delta) = layout.unpack(&th);
        let off = 1 + usize::from(layout.tau2_free);
        let mut changed = false;
        if layout.tau2_free && tau2 < 1e-10 {
            layout.tau2_free = false;
            notes.push("tau^2 is estimated at its bound 0".to_string());
            changed = true;
        }
        if layout.squared {
            let zero: Vec<usize> = layout
                .free
                .iter()
                .enumerate()
                .filter(|(n, _)| th[off + n].powi(2) < 1e-10)
                .map(|(_, &j)| j)
                .collect();
            for &j in &zero {
                layout.delta[j] = 0.0;
                notes.push(format!(
                    "delta[{}] is estimated at its bound 0 (no selection)",
                    j + 1
                ));
            }
            layout.free.retain(|j| !zero.contains(j));
            changed |= !zero.is_empty();
        }
        if !changed {
            return Ok(Maximum {
                mu,
                tau2,
                delta,
                layout,
                iterations,
                notes,
            });
        }
        let mut d = delta.clone();
        for (j, v) in d.iter_mut().enumerate() {
            if !layout.free.contains(&j) {
                *v = layout.delta[j];
            }
        }
        layout.delta = d.clone();
        th0 = layout.pack(mu, tau2, &d);
    }
    Err(Error::NotConverged {
        procedure: "The selection model's boundary search",
        iterations: 3,
        detail: String::new(),
    })
}

/// Checks the maximum is interior, computes SEs from the observed Hessian and assembles the
/// result.
fn finish(
    es: &EffectSizes,
    opts: &SelModelOptions,
    lik: &Likelihood,
    m: Maximum,
    (ll0, level, sign, method): (f64, f64, f64, &'static str),
    k_per_interval: Option<Vec<usize>>,
    steps: Vec<f64>,
) -> Result<SelModel> {
    let (lo, hi) = match opts.kind {
        SelType::Stepfun => (1e-6, 100.0),
        SelType::Beta => (1e-5, 100.0),
        _ => (0.0, 100.0),
    };
    for &j in &m.layout.free {
        let d = m.delta[j];
        if d <= lo || d >= hi {
            return Err(Error::Undefined {
                what: format!("The {} selection model's maximum", opts.kind.as_str()),
                reason: format!(
                    "delta[{}] runs to {} (bound of metafor's delta in [{lo}, {hi}]): the \
                     likelihood has no maximum inside the parameter space; use fewer or wider \
                     intervals, or fix delta",
                    j + 1,
                    crate::data::fmt_f64(d)
                ),
            });
        }
    }
    let l = &m.layout;
    let nat = |x: &[f64]| {
        let tau2 = if l.tau2_free { x[1] } else { 0.0 };
        let off = 1 + usize::from(l.tau2_free);
        let mut d = l.delta.clone();
        for (n, &j) in l.free.iter().enumerate() {
            d[j] = x[off + n];
        }
        -lik.ll(x[0], tau2, &d)
    };
    let mut x = vec![m.mu];
    if l.tau2_free {
        x.push(m.tau2);
    }
    x.extend(l.free.iter().map(|&j| m.delta[j]));
    let h = optimise::hessian(&nat, &x);
    let cov = h
        .clone()
        .cholesky()
        .map(|c| c.inverse())
        .ok_or_else(|| Error::Undefined {
            what: format!(
                "The {} selection model's standard errors",
                opts.kind.as_str()
            ),
            reason: "the observed information is not positive definite at the maximum (the \
                 selection model is not identified by these data)"
                .into(),
        })?;
    let se = cov[(0, 0)].sqrt();
    let off = 1 + usize::from(l.tau2_free);
    let mut delta_se = vec![None; m.delta.len()];
    for (n, &j) in l.free.iter().enumerate() {
        delta_se[j] = Some(cov[(off + n, off + n)].sqrt());
    }
    let ll = lik.ll(m.mu, m.tau2, &m.delta);
    let lrt = (2.0 * (ll - ll0)).max(0.0);
    let lrt_df = l.free.len();
    let estimate = sign * m.mu;
    let crit = dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let fixed_all = opts.delta.is_some();
    Ok(SelModel {
        kind: opts.kind,
        alternative: opts.alternative,
        method,
        steps: (!steps.is_empty()).then_some(steps),
        delta_fixed: (0..m.delta.len())
            .map(|j| fixed_all || (opts.kind == SelType::Stepfun && j == 0))
            .collect(),
        delta: m.delta,
        delta_se,
        estimate,
        se,
        z: estimate / se,
        p_value: dist::norm_p2(estimate / se),
        ci_lower: estimate - crit * se,
        ci_upper: estimate + crit * se,
        level,
        tau2: m.tau2,
        tau2_se: l.tau2_free.then(|| cov[(1, 1)].sqrt()),
        ll,
        ll0,
        lrt,
        lrt_df,
        lrt_p: (lrt_df > 0).then(|| dist::chi2_sf(lrt, lrt_df as f64)),
        k: es.k(),
        k_per_interval,
        iterations: m.iterations,
        notes: m.notes,
    })
}
