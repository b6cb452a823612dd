//! The value of more research: the expected value of sample information (EVSI) of a new two-arm
//! trial of `n` per arm of the effect, by a normal preposterior analysis on the log effect, and
//! its expected net benefit of sampling (ENBS = EVSI − trial cost), with the optimal `n`.
//!
//! The decision's net monetary benefit at willingness to pay λ is linear in the events avoided:
//! `NMB(θ) = A + K·(1 − RR(θ))`, where `A` is the benefit with no events avoided and `K` the
//! value of avoiding every baseline event. The other inputs enter multilinearly and
//! independently of θ, so their means can be plugged in. Prior θ ~ N(μ, s²) (s: the SD the case
//! draws the effect from); a trial with sampling variance `v` of its log effect gives posterior
//! means m′ ~ N(μ, s⁴/(s² + v)) and posterior variance s²v/(s² + v). Then
//! `EVSI = E_{m′}[max(E[NMB | m′], 0)] − max(E[NMB], 0)`, integrated numerically (composite
//! Simpson, split at the root); as `n → ∞` it tends to the EVPPI of the effect.

use serde::Serialize;

use super::effect::Ratio;
use super::years::Inputs;

/// The value of a trial of one size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialValue {
    /// Participants per arm.
    pub n: usize,
    /// Expected value of sample information to this population (£).
    pub evsi: f64,
    /// Trial cost: fixed + 2n × cost per participant.
    pub cost: f64,
    /// Expected net benefit of sampling: evsi − cost.
    pub enbs: f64,
}

/// The sampling variance of the log effect of a two-arm trial with `n` per arm, at the point
/// estimate: risks (RR: `(1−p₁)/(n p₁) + (1−p₀)/(n p₀)`, OR: `1/(n p₁(1−p₁)) + 1/(n p₀(1−p₀))`) or
/// rates over `follow_up` years (`1/(n r₀ T) + 1/(n r₁ T)`). Infinite when no events are
/// expected.
pub fn trial_variance(x: &Inputs, n: usize, follow_up: f64) -> f64 {
    let n = n as f64;
    let b = x.baseline;
    let rr = x.risk_ratio();
    let v = if x.measure == Ratio::SMD {
        // Hedges' large-sample variance of an SMD with n per arm
        2.0 / n + x.theta * x.theta / (4.0 * n)
    } else if x.baseline_is_risk {
        let (p0, p1) = (b, (b * rr).min(1.0));
        match x.measure {
            Ratio::OR => 1.0 / (n * p1 * (1.0 - p1)) + 1.0 / (n * p0 * (1.0 - p0)),
            _ => (1.0 - p1) / (n * p1) + (1.0 - p0) / (n * p0),
        }
    } else {
        1.0 / (n * b * follow_up) + 1.0 / (n * b * rr * follow_up)
    };
    if v.is_finite() && v > 0.0 {
        v
    } else {
        f64::INFINITY
    }
}

/// `(A, K)` of `NMB(θ) = A + K·(1 − RR(θ))` at willingness to pay `wtp`.
pub fn linear_parts(x: &Inputs, wtp: f64) -> (f64, f64) {
    let (mut a, mut k) = (0.0, 0.0);
    for (t, u) in x.uptake.iter().enumerate() {
        let p = x.eligible * u;
        let (dc, de) = (x.cost_factors[t], x.effect_factors[t]);
        a += -(p * x.cost_per_participant + x.fixed_cost_per_year) * dc
            + wtp * p * x.qaly_per_participant * de;
        k += p * x.baseline * (x.unit_cost * dc + wtp * x.qaly_per_event * de);
    }
    (a, k)
}

/// `L` of the SMD term `L·θ` of the net monetary benefit: `wtp · Σ_t participants_t ·
/// qaly_per_sd · effect factor_t` (0 for a ratio).
pub fn smd_slope(x: &Inputs, wtp: f64) -> f64 {
    if x.measure != Ratio::SMD {
        return 0.0;
    }
    x.uptake
        .iter()
        .enumerate()
        .map(|(t, u)| wtp * x.eligible * u * x.qaly_per_sd * x.effect_factors[t])
        .sum()
}

/// E[RR(θ)] for θ ~ N(m, v): `exp(m + v/2)` for ratios applied directly; Simpson over ±10 SD
/// for an odds ratio converted at the baseline risk.
fn expected_rr(measure: Ratio, risk: f64, m: f64, v: f64) -> f64 {
    match measure {
        Ratio::RR | Ratio::IRR => (m + v / 2.0).exp(),
        Ratio::SMD => 1.0,
        Ratio::OR if v <= 0.0 => measure.risk_ratio(m, risk),
        Ratio::OR => {
            let s = v.sqrt();
            simpson(-10.0, 10.0, 400, |z| {
                measure.risk_ratio(m + s * z, risk) * phi(z)
            })
        }
    }
}

fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Composite Simpson's rule over [a, b] with `n` (even) intervals.
fn simpson(a: f64, b: f64, n: usize, f: impl Fn(f64) -> f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        s += w * f(a + i as f64 * h);
    }
    s * h / 3.0
}

/// The preposterior value of learning the log effect with residual variance `post_var` and
/// preposterior variance `w` of the posterior mean (prior N(`mu`, `w + post_var`)).
pub fn preposterior_value(x: &Inputs, wtp: f64, mu: f64, w: f64, post_var: f64) -> f64 {
    if w.is_nan() || w <= 0.0 {
        return 0.0;
    }
    let (a, k) = linear_parts(x, wtp);
    let l = smd_slope(x, wtp);
    let h = |m: f64| a + k * (1.0 - expected_rr(x.measure, x.baseline, m, post_var)) + l * m;
    let prior =
        (a + k * (1.0 - expected_rr(x.measure, x.baseline, mu, w + post_var)) + l * mu).max(0.0);
    let sw = w.sqrt();
    let g = |z: f64| h(mu + sw * z);
    let (lo, hi) = (-9.0, 9.0);
    // h is monotone in m′: split the integral where it changes sign
    let (glo, ghi) = (g(lo), g(hi));
    let integrand = |z: f64| g(z).max(0.0) * phi(z);
    let total = if glo > 0.0 && ghi > 0.0 || glo <= 0.0 && ghi <= 0.0 {
        simpson(lo, hi, 4000, integrand)
    } else {
        let (mut l, mut r) = (lo, hi);
        for _ in 0..200 {
            let c = 0.5 * (l + r);
            if (g(c) > 0.0) == (glo > 0.0) {
                l = c;
            } else {
                r = c;
            }
        }
        let root = 0.5 * (l + r);
        simpson(lo, root, 4000, integrand) + simpson(root, hi, 4000, integrand)
    };
    (total - prior).max(0.0)
}

/// EVSI of a two-arm trial with `n` per arm (prior SD `s` of the log effect).
pub fn evsi(x: &Inputs, wtp: f64, s: f64, n: usize, follow_up: f64) -> f64 {
    let v = trial_variance(x, n, follow_up);
    if !v.is_finite() || s <= 0.0 {
        return 0.0;
    }
    let s2 = s * s;
    preposterior_value(x, wtp, x.theta, s2 * s2 / (s2 + v), s2 * v / (s2 + v))
}

/// The EVPPI of the effect (perfect information on the log effect alone).
pub fn evppi_effect(x: &Inputs, wtp: f64, s: f64) -> f64 {
    preposterior_value(x, wtp, x.theta, s * s, 0.0)
}
