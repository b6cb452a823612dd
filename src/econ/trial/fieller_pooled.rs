//! The pooled ICER with Fieller's interval: the ratio of the pooled incremental cost to the
//! pooled incremental effect (each a random-effects meta-analysis with the Knapp–Hartung
//! correction), with the covariance of the two pooled means from the trials' own covariances.
//!
//! With weights `w_c,i = 1/(v_c,i + τ²_c)`, `w_e,i = 1/(v_e,i + τ²_e)` the model-based
//! covariance of the pooled means is `Σ w_c,i w_e,i cov_i / (Σ w_c · Σ w_e)` (trials independent;
//! the between-trial deviations of cost and effect taken as uncorrelated), so their correlation
//! is `ρ = Σ w_c,i w_e,i cov_i / √(Σ w_c · Σ w_e)`. With the Knapp–Hartung standard errors
//! `s_c`, `s_e` the covariance is `ρ s_c s_e`, and the critical value is the t quantile on
//! k − 1 degrees of freedom (as the pooled intervals use). Fieller's set is then
//! `{R : (Δc − R Δe)² ≤ t²(s_c² − 2Rρ s_c s_e + R² s_e²)}`: an interval, two rays (the effect is
//! not significantly different from zero) or the whole line.

use serde::Serialize;

use super::fieller::{fieller_q, FiellerKind};
use super::Increments;
use crate::model::Summary;

/// The pooled ICER and its Fieller interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledIcer {
    /// Pooled incremental cost / pooled incremental effect (£ per QALY).
    pub icer: f64,
    /// Shape of the Fieller set.
    pub kind: FiellerKind,
    /// Lower limit (bounded), or the end of the lower ray (two rays); NaN for the whole line.
    pub lower: f64,
    /// Upper limit (bounded), or the start of the upper ray; NaN for the whole line.
    pub upper: f64,
    /// Correlation of the pooled incremental cost and effect.
    pub correlation: f64,
    /// Degrees of freedom of the t critical value.
    pub df: f64,
}

/// The pooled ICER of `studies`' increments, from their pooled cost and effect (`cost`,
/// `effect`: the random-effects fits `pooled_net_benefit` returns) at `level` percent.
///
/// ```
/// use peerstat::econ::{pooled_icer, pooled_net_benefit, Increments};
/// let inc = |c: f64, e: f64| Increments { inc_cost: c, inc_effect: e, var_cost: 400.0, var_effect: 1e-4, cov: 0.05 };
/// let s = [inc(300.0, 0.03), inc(250.0, 0.02), inc(400.0, 0.04)];
/// let (_, c, e) = pooled_net_benefit(&s, &[20000.0], 95.0).unwrap();
/// let r = pooled_icer(&s, &c, &e, 95.0);
/// assert!((r.icer - c.estimate / e.estimate).abs() < 1e-9);
/// ```
pub fn pooled_icer(
    studies: &[Increments],
    cost: &Summary,
    effect: &Summary,
    level: f64,
) -> PooledIcer {
    let (mut swc, mut swe, mut sww) = (0.0, 0.0, 0.0);
    for s in studies {
        let wc = 1.0 / (s.var_cost + cost.tau2);
        let we = 1.0 / (s.var_effect + effect.tau2);
        swc += wc;
        swe += we;
        sww += wc * we * s.cov;
    }
    let rho = (sww / (swc * swe).sqrt()).clamp(-1.0, 1.0);
    let df = studies.len() as f64 - 1.0;
    let q = crate::dist::t_quantile(1.0 - (1.0 - level / 100.0) / 2.0, df);
    let (sc, se) = (cost.se, effect.se);
    let f = fieller_q(
        cost.estimate,
        effect.estimate,
        sc * sc,
        se * se,
        rho * sc * se,
        q,
    );
    PooledIcer {
        icer: cost.estimate / effect.estimate,
        kind: f.kind,
        lower: f.lower,
        upper: f.upper,
        correlation: rho,
        df,
    }
}
