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

use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use crate::dist;
use crate::error::{Error, Result};
use crate::model::{RandomEffects, Summary, Workspace};

/// Kind of a Fieller interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FiellerKind {
    /// `[lower, upper]`.
    Bounded,
    /// `(−∞, lower] ∪ [upper, ∞)`.
    TwoRays,
    /// Every ICER is compatible with the data.
    WholeLine,
}

/// Fieller's confidence set for an ICER.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fieller {
    /// Shape of the set.
    pub kind: FiellerKind,
    /// Lower limit (bounded), or the end of the lower ray (two rays); null for the whole line.
    pub lower: f64,
    /// Upper limit (bounded), or the start of the upper ray (two rays); null for the whole line.
    pub upper: f64,
}

/// Fieller's interval at level `level` (percent) from increments and their (co)variances.
pub fn fieller(dc: f64, de: f64, vc: f64, ve: f64, cov: f64, level: f64) -> Fieller {
    let z = dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let z2 = z * z;
    let a = de * de - z2 * ve;
    let b = -2.0 * (dc * de - z2 * cov);
    let c = dc * dc - z2 * vc;
    let disc = b * b - 4.0 * a * c;
    if disc < 0.0 || a == 0.0 {
        return Fieller {
            kind: FiellerKind::WholeLine,
            lower: f64::NAN,
            upper: f64::NAN,
        };
    }
    let s = disc.sqrt();
    let (r1, r2) = ((-b - s) / (2.0 * a), (-b + s) / (2.0 * a));
    let (lo, hi) = (r1.min(r2), r1.max(r2));
    Fieller {
        kind: if a > 0.0 {
            FiellerKind::Bounded
        } else {
            FiellerKind::TwoRays
        },
        lower: lo,
        upper: hi,
    }
}

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

/// Increments with their variances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Increments {
    /// Δc.
    pub inc_cost: f64,
    /// Δe.
    pub inc_effect: f64,
    /// Var Δc.
    pub var_cost: f64,
    /// Var Δe.
    pub var_effect: f64,
    /// Cov(Δc, Δe).
    pub cov: f64,
}

/// Bootstrap results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bootstrap {
    /// Replicates.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// Percentile ICER interval kind (`bounded`, or `unbounded` when the central angles reach
    /// Δe = 0).
    pub icer_interval: String,
    /// Lower ICER percentile (angle-ordered).
    pub icer_lower: f64,
    /// Upper ICER percentile (angle-ordered).
    pub icer_upper: f64,
    /// Percentile interval of Δc.
    pub inc_cost_ci: [f64; 2],
    /// Percentile interval of Δe.
    pub inc_effect_ci: [f64; 2],
    /// Replicate increments `(Δc, Δe)` (not in the JSON; written by `--draws-out`).
    #[serde(skip)]
    pub draws: Vec<(f64, f64)>,
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
        fieller: fieller(
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

/// Discounting timing convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Timing {
    /// Amounts fall at the start of each year: year t is weighted `1/(1+r)^t`.
    #[default]
    Start,
    /// At the end of each year: `1/(1+r)^(t+1)`.
    End,
    /// Spread over the year (mid-year approximation): `1/(1+r)^(t+½)`.
    Continuous,
}

/// Discount factor for year `t` (0 = first year) at annual rate `r`.
pub fn discount_factor(r: f64, t: f64, timing: Timing) -> f64 {
    let e = match timing {
        Timing::Start => t,
        Timing::End => t + 1.0,
        Timing::Continuous => t + 0.5,
    };
    (1.0 + r).powf(-e)
}

/// Options for patient-level analysis. The default: WTP £20,000 and £30,000, a 95 % level, no
/// bootstrap, seed 1, no covariates.
#[derive(Debug, Clone)]
pub struct PatientOptions {
    /// Willingness-to-pay values.
    pub wtp: Vec<f64>,
    /// Confidence level (percent).
    pub level: f64,
    /// Bootstrap replicates (0 = none).
    pub boot: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Covariates (column values per patient) for the cost equation.
    pub cost_covariates: Vec<Vec<f64>>,
    /// Covariates for the effect equation.
    pub effect_covariates: Vec<Vec<f64>>,
}

impl Default for PatientOptions {
    fn default() -> Self {
        PatientOptions {
            wtp: vec![20_000.0, 30_000.0],
            level: 95.0,
            boot: 0,
            seed: 1,
            cost_covariates: Vec::new(),
            effect_covariates: Vec::new(),
        }
    }
}

fn mean_var_cov(c: &[f64], e: &[f64]) -> (f64, f64, f64, f64, f64) {
    let n = c.len() as f64;
    let mc = c.iter().sum::<f64>() / n;
    let me = e.iter().sum::<f64>() / n;
    let (mut vc, mut ve, mut cv) = (0.0, 0.0, 0.0);
    for (x, y) in c.iter().zip(e) {
        vc += (x - mc) * (x - mc);
        ve += (y - me) * (y - me);
        cv += (x - mc) * (y - me);
    }
    (mc, me, vc / (n - 1.0), ve / (n - 1.0), cv / (n - 1.0))
}

fn increments(ct: &[f64], et: &[f64], cc: &[f64], ec: &[f64]) -> Increments {
    let (mct, met, vct, vet, cvt) = mean_var_cov(ct, et);
    let (mcc, mec, vcc, vec_, cvc) = mean_var_cov(cc, ec);
    let (nt, nc) = (ct.len() as f64, cc.len() as f64);
    Increments {
        inc_cost: mct - mcc,
        inc_effect: met - mec,
        var_cost: vct / nt + vcc / nc,
        var_effect: vet / nt + vec_ / nc,
        cov: cvt / nt + cvc / nc,
    }
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
    let pick = |v: &[f64], t: bool| -> Vec<f64> {
        v.iter()
            .zip(treated)
            .filter(|(_, &x)| x == t)
            .map(|(y, _)| *y)
            .collect()
    };
    let (ct, et, cc, ec) = (
        pick(cost, true),
        pick(effect, true),
        pick(cost, false),
        pick(effect, false),
    );
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // R's type-7 quantile
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn bootstrap(
    ct: &[f64],
    et: &[f64],
    cc: &[f64],
    ec: &[f64],
    point: Increments,
    opts: &PatientOptions,
) -> Bootstrap {
    let reps = opts.boot;
    let draws: Vec<(f64, f64)> = (0..reps)
        .into_par_iter()
        .map(|b| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(b as u64);
            let mut mean = |c: &[f64], e: &[f64]| {
                let n = c.len();
                let (mut sc, mut se) = (0.0, 0.0);
                for _ in 0..n {
                    let i = rng.random_range(0..n);
                    sc += c[i];
                    se += e[i];
                }
                (sc / n as f64, se / n as f64)
            };
            let (mct, met) = mean(ct, et);
            let (mcc, mec) = mean(cc, ec);
            (mct - mcc, met - mec)
        })
        .collect();
    let alpha = 1.0 - opts.level / 100.0;
    // Angles relative to the point estimate's direction, wrapped to (−π, π].
    let base = point.inc_cost.atan2(point.inc_effect);
    let mut ang: Vec<f64> = draws
        .iter()
        .map(|(dc, de)| {
            let mut a = dc.atan2(*de) - base;
            while a > std::f64::consts::PI {
                a -= 2.0 * std::f64::consts::PI;
            }
            while a <= -std::f64::consts::PI {
                a += 2.0 * std::f64::consts::PI;
            }
            a
        })
        .collect();
    ang.sort_by(f64::total_cmp);
    let (alo, ahi) = (
        percentile(&ang, alpha / 2.0) + base,
        percentile(&ang, 1.0 - alpha / 2.0) + base,
    );
    // Bounded only if both limits stay on the same side of the Δe = 0 axis as the estimate.
    let side = point.inc_effect.signum();
    let bounded =
        alo.cos() * side > 0.0 && ahi.cos() * side > 0.0 && (ahi - alo) < std::f64::consts::PI;
    let (ilo, ihi) = if bounded {
        let (a, b) = (alo.tan(), ahi.tan());
        (a.min(b), a.max(b))
    } else {
        (f64::NAN, f64::NAN)
    };
    let mut dcs: Vec<f64> = draws.iter().map(|d| d.0).collect();
    let mut des: Vec<f64> = draws.iter().map(|d| d.1).collect();
    dcs.sort_by(f64::total_cmp);
    des.sort_by(f64::total_cmp);
    Bootstrap {
        replicates: reps,
        seed: opts.seed,
        icer_interval: if bounded { "bounded" } else { "unbounded" }.into(),
        icer_lower: ilo,
        icer_upper: ihi,
        inc_cost_ci: [
            percentile(&dcs, alpha / 2.0),
            percentile(&dcs, 1.0 - alpha / 2.0),
        ],
        inc_effect_ci: [
            percentile(&des, alpha / 2.0),
            percentile(&des, 1.0 - alpha / 2.0),
        ],
        draws,
    }
}

/// Seemingly unrelated regression of cost and effect on the treatment indicator `arm` plus their
/// own covariates (systemfit defaults: one-step feasible GLS, residual covariance with the
/// geometric-mean degrees-of-freedom correction). Returns the treatment coefficients
/// `[Δc, Δe]` and their 2×2 covariance matrix.
///
/// # Errors
/// [`Error::Length`] when the inputs differ in length; [`Error::Singular`] for a singular
/// design.
pub fn sur(
    cost: &[f64],
    effect: &[f64],
    arm: &[f64],
    xc: &[Vec<f64>],
    xe: &[Vec<f64>],
) -> Result<([f64; 2], DMatrix<f64>)> {
    let n = cost.len();
    Error::check_len("effects", n, effect.len())?;
    Error::check_len("arm indicators", n, arm.len())?;
    for c in xc.iter().chain(xe) {
        Error::check_len("covariate values", n, c.len())?;
    }
    let design = |cov: &[Vec<f64>]| {
        DMatrix::from_fn(n, 2 + cov.len(), |i, j| match j {
            0 => 1.0,
            1 => arm[i],
            _ => cov[j - 2][i],
        })
    };
    let (x1, x2) = (design(xc), design(xe));
    let (y1, y2) = (
        DVector::from_column_slice(cost),
        DVector::from_column_slice(effect),
    );
    let singular = || Error::Singular {
        message: "the covariate design is singular (collinear or constant covariates)".into(),
    };
    let ols = |x: &DMatrix<f64>, y: &DVector<f64>| -> Result<DVector<f64>> {
        let xtx = (x.transpose() * x).try_inverse().ok_or_else(singular)?;
        Ok(&xtx * (x.transpose() * y))
    };
    let e1 = &y1 - &x1 * ols(&x1, &y1)?;
    let e2 = &y2 - &x2 * ols(&x2, &y2)?;
    let (k1, k2) = (x1.ncols() as f64, x2.ncols() as f64);
    let nf = n as f64;
    let s11 = e1.dot(&e1) / (nf - k1);
    let s22 = e2.dot(&e2) / (nf - k2);
    let s12 = e1.dot(&e2) / ((nf - k1) * (nf - k2)).sqrt();
    let sigma = DMatrix::from_row_slice(2, 2, &[s11, s12, s12, s22]);
    let si = sigma.try_inverse().ok_or_else(singular)?;
    let (p1, p2) = (x1.ncols(), x2.ncols());
    let mut xox = DMatrix::zeros(p1 + p2, p1 + p2);
    xox.view_mut((0, 0), (p1, p1))
        .copy_from(&(x1.transpose() * &x1 * si[(0, 0)]));
    xox.view_mut((0, p1), (p1, p2))
        .copy_from(&(x1.transpose() * &x2 * si[(0, 1)]));
    xox.view_mut((p1, 0), (p2, p1))
        .copy_from(&(x2.transpose() * &x1 * si[(1, 0)]));
    xox.view_mut((p1, p1), (p2, p2))
        .copy_from(&(x2.transpose() * &x2 * si[(1, 1)]));
    let mut xoy = DVector::zeros(p1 + p2);
    xoy.rows_mut(0, p1)
        .copy_from(&(x1.transpose() * (&y1 * si[(0, 0)] + &y2 * si[(0, 1)])));
    xoy.rows_mut(p1, p2)
        .copy_from(&(x2.transpose() * (&y1 * si[(1, 0)] + &y2 * si[(1, 1)])));
    let cov = xox.try_inverse().ok_or_else(singular)?;
    let b = &cov * xoy;
    let (i1, i2) = (1, p1 + 1);
    let v = DMatrix::from_row_slice(
        2,
        2,
        &[cov[(i1, i1)], cov[(i1, i2)], cov[(i2, i1)], cov[(i2, i2)]],
    );
    Ok(([b[i1], b[i2]], v))
}

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

/// Increments of one study from patient data (for pooling).
///
/// # Errors
/// [`Error::Length`] when the inputs differ in length; [`Error::TooFew`] for an arm with fewer
/// than 2 patients.
pub fn patient_increments(cost: &[f64], effect: &[f64], treated: &[bool]) -> Result<Increments> {
    Error::check_len("patient effects", cost.len(), effect.len())?;
    Error::check_len("patient arms", cost.len(), treated.len())?;
    let pick = |v: &[f64], t: bool| -> Vec<f64> {
        v.iter()
            .zip(treated)
            .filter(|(_, &x)| x == t)
            .map(|(y, _)| *y)
            .collect()
    };
    let (ct, et, cc, ec) = (
        pick(cost, true),
        pick(effect, true),
        pick(cost, false),
        pick(effect, false),
    );
    if ct.len() < 2 || cc.len() < 2 {
        return Err(Error::TooFew {
            analysis: "each arm".into(),
            needed: 2,
            found: ct.len().min(cc.len()),
            unit: "patients",
            note: String::new(),
        });
    }
    Ok(increments(&ct, &et, &cc, &ec))
}
