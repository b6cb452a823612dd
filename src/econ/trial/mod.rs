//! Trial-based cost-effectiveness: increments from patient data or published arm summaries,
//! Fieller's interval for the ICER, incremental net monetary benefit, the stratified bootstrap,
//! covariate adjustment by seemingly unrelated regression (SUR), discounting, and pooling net
//! benefit across trials.
//!
//! # Formulas
//! * `Δc = c̄_T − c̄_C`, `Δe = ē_T − ē_C`; `Var Δc = s²_c,T/n_T + s²_c,C/n_C`, likewise `Var Δe`,
//!   and `Cov = cov_T/n_T + cov_C/n_C` (sample covariances; from summaries `cov = r·sd_c·sd_e`).
//! * Fieller: the ICERs R with `(Δc − RΔe)² ≤ z²(Var Δc − 2R·Cov + R²Var Δe)`, i.e. the roots of
//!   `aR² + bR + c = 0` with `a = Δe² − z²VarΔe`, `b = −2(ΔcΔe − z²Cov)`, `c = Δc² − z²VarΔc`:
//!   bounded `[r₁, r₂]` when `a > 0`; the union of two rays `(−∞, r₁] ∪ [r₂, ∞)` when `a < 0` and
//!   the discriminant is positive; the whole line when it is negative.
//! * `INMB(λ) = λΔe − Δc`, `SE² = λ²VarΔe + VarΔc − 2λCov`, normal CI.
//! * Bootstrap: resampling patients with replacement within each arm; replicate b draws from
//!   ChaCha8 stream b of the seed (identical whatever the thread count). ICER percentiles are
//!   taken in angle order on the cost-effectiveness plane, measured from the direction of the point
//!   estimate; when the central angles reach Δe = 0 the interval is unbounded (reported as such:
//!   use the INMB or the CEAC then).
//! * SUR (systemfit defaults): OLS per equation, residual covariance
//!   `σ_ij = e_i'e_j / √((n − k_i)(n − k_j))`, then one feasible-GLS step.
//! * Discounting: year t (0 = first year) weighted `1/(1+r)^t` (start of year), `1/(1+r)^(t+1)` (end
//!   of year) or `1/(1+r)^(t+½)` (continuous, mid-year approximation).

mod bootstrap;
mod discount;
mod fieller;
mod fieller_pooled;
mod increments;
mod options;
mod pooled;
mod sur;

pub use bootstrap::Bootstrap;
pub use discount::{discount_factor, Timing};
pub use fieller::{fieller, Fieller, FiellerKind};
pub use fieller_pooled::{pooled_icer, PooledIcer};
pub use increments::{patient_increments, Increments};
pub use options::PatientOptions;
pub use pooled::{pooled_ceac, pooled_net_benefit, PooledWtp};
pub use sur::sur;

use serde::Serialize;

use self::bootstrap::bootstrap;
use self::increments::{by_arm, increments};
use crate::dist;
use crate::error::{Error, Result};

/// Incremental net monetary benefit at one willingness to pay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Inmb {
    /// Willingness to pay.
    pub wtp: f64,
    /// INMB.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// Bootstrap P(INMB > 0) (CEAC), when bootstrapped.
    pub p_positive: f64,
}

fn inmb(dc: f64, de: f64, vc: f64, ve: f64, cov: f64, wtp: &[f64], level: f64) -> Vec<Inmb> {
    let z = dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    wtp.iter()
        .map(|&l| {
            let est = l * de - dc;
            let se = (l * l * ve + vc - 2.0 * l * cov).max(0.0).sqrt();
            Inmb {
                wtp: l,
                estimate: est,
                se,
                ci_lower: est - z * se,
                ci_upper: est + z * se,
                p_positive: f64::NAN,
            }
        })
        .collect()
}

/// A trial-based cost-effectiveness result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialResult {
    /// Intervention arm.
    pub treatment: String,
    /// Comparator arm.
    pub control: String,
    /// Patients (or arm sizes) per arm: [treatment, control].
    pub n: [usize; 2],
    /// Δc (adjusted when covariates were given).
    pub inc_cost: f64,
    /// Δe (adjusted when covariates were given).
    pub inc_effect: f64,
    /// ICER = Δc/Δe.
    pub icer: f64,
    /// Fieller interval.
    pub fieller: Fieller,
    /// INMB by willingness to pay.
    pub inmb: Vec<Inmb>,
    /// Unadjusted increments, when covariate-adjusted values are reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unadjusted: Option<Increments>,
    /// Variances used.
    pub variances: Increments,
    /// Bootstrap, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<Bootstrap>,
}

fn finish(
    treatment: &str,
    control: &str,
    n: [usize; 2],
    inc: Increments,
    wtp: &[f64],
    level: f64,
) -> TrialResult {
    TrialResult {
        treatment: treatment.into(),
        control: control.into(),
        n,
        inc_cost: inc.inc_cost,
        inc_effect: inc.inc_effect,
        icer: inc.inc_cost / inc.inc_effect,
        fieller: fieller::fieller_at(
            inc.inc_cost,
            inc.inc_effect,
            inc.var_cost,
            inc.var_effect,
            inc.cov,
            level,
        ),
        inmb: inmb(
            inc.inc_cost,
            inc.inc_effect,
            inc.var_cost,
            inc.var_effect,
            inc.cov,
            wtp,
            level,
        ),
        unadjusted: None,
        variances: inc,
        bootstrap: None,
    }
}

/// A published arm summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    /// Arm name.
    pub arm: String,
    /// Size.
    pub n: f64,
    /// Mean cost.
    pub mean_cost: f64,
    /// SD of cost.
    pub sd_cost: f64,
    /// Mean effect.
    pub mean_effect: f64,
    /// SD of effect.
    pub sd_effect: f64,
    /// Correlation of cost and effect.
    pub corr: f64,
}

impl ArmSummary {
    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::input(format!("arm '{}'", self.arm), m));
        if self.n.is_nan() || self.n <= 1.0 {
            return bad(format!("n must be at least 2, got {}", self.n));
        }
        if self.sd_cost < 0.0 || self.sd_effect < 0.0 {
            return bad("standard deviations cannot be negative".into());
        }
        if self.corr.is_nan() || self.corr.abs() > 1.0 {
            return bad(format!("corr must lie in [-1, 1], got {}", self.corr));
        }
        for x in [
            self.mean_cost,
            self.mean_effect,
            self.sd_cost,
            self.sd_effect,
        ] {
            if !x.is_finite() {
                return bad("means and SDs must be finite numbers".into());
            }
        }
        Ok(())
    }
}

/// Increments from two arm summaries (`Var` of a mean = sd²/n, `Cov = corr·sd_c·sd_e/n`).
///
/// # Errors
/// n ≤ 1, negative SD, |corr| > 1, non-finite values.
pub fn arm_increments(t: &ArmSummary, c: &ArmSummary) -> Result<Increments> {
    t.check()?;
    c.check()?;
    Ok(Increments {
        inc_cost: t.mean_cost - c.mean_cost,
        inc_effect: t.mean_effect - c.mean_effect,
        var_cost: t.sd_cost.powi(2) / t.n + c.sd_cost.powi(2) / c.n,
        var_effect: t.sd_effect.powi(2) / t.n + c.sd_effect.powi(2) / c.n,
        cov: t.corr * t.sd_cost * t.sd_effect / t.n + c.corr * c.sd_cost * c.sd_effect / c.n,
    })
}

/// Trial result from two arm summaries.
///
/// # Errors
/// As [`arm_increments`].
pub fn analyse_arms(
    t: &ArmSummary,
    c: &ArmSummary,
    wtp: &[f64],
    level: f64,
) -> Result<TrialResult> {
    let level = crate::error::check_level(level)?;
    let inc = arm_increments(t, c)?;
    Ok(finish(
        &t.arm,
        &c.arm,
        [t.n as usize, c.n as usize],
        inc,
        wtp,
        level,
    ))
}

/// Trial result from patient-level costs and effects, `treated[i]` telling the arm of patient i.
///
/// # Errors
/// [`Error::Length`] when `cost`, `effect`, `treated` or a covariate differ in length;
/// [`Error::Setting`] for a confidence level outside (50, 100); [`Error::TooFew`] for an arm
/// with fewer than 2 patients; [`Error::Singular`] for a singular covariate design.
pub fn analyse_patients(
    treatment: &str,
    control: &str,
    cost: &[f64],
    effect: &[f64],
    treated: &[bool],
    opts: &PatientOptions,
) -> Result<TrialResult> {
    let n = cost.len();
    Error::check_len("patient effects", n, effect.len())?;
    Error::check_len("patient arms", n, treated.len())?;
    for c in opts.cost_covariates.iter().chain(&opts.effect_covariates) {
        Error::check_len("covariate values", n, c.len())?;
    }
    crate::error::check_level(opts.level)?;
    let [ct, et, cc, ec] = by_arm(cost, effect, treated);
    for (arm, n) in [(treatment, ct.len()), (control, cc.len())] {
        if n < 2 {
            return Err(Error::TooFew {
                analysis: format!("arm '{arm}'"),
                needed: 2,
                found: n,
                unit: "patients",
                note: String::new(),
            });
        }
    }
    let raw = increments(&ct, &et, &cc, &ec);
    let adjusted = !opts.cost_covariates.is_empty() || !opts.effect_covariates.is_empty();
    let inc = if adjusted {
        let arm: Vec<f64> = treated.iter().map(|&t| f64::from(u8::from(t))).collect();
        let s = sur(
            cost,
            effect,
            &arm,
            &opts.cost_covariates,
            &opts.effect_covariates,
        )?;
        Increments {
            inc_cost: s.0[0],
            inc_effect: s.0[1],
            var_cost: s.1[(0, 0)],
            var_effect: s.1[(1, 1)],
            cov: s.1[(0, 1)],
        }
    } else {
        raw
    };
    let mut r = finish(
        treatment,
        control,
        [ct.len(), cc.len()],
        inc,
        &opts.wtp,
        opts.level,
    );
    if adjusted {
        r.unadjusted = Some(raw);
    }
    if opts.boot > 0 {
        let b = bootstrap(&ct, &et, &cc, &ec, inc, opts);
        for i in &mut r.inmb {
            i.p_positive = b
                .draws
                .iter()
                .filter(|(dc, de)| i.wtp * de - dc > 0.0)
                .count() as f64
                / b.draws.len() as f64;
        }
        r.bootstrap = Some(b);
    }
    Ok(r)
}
