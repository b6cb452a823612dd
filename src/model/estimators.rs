//! τ² estimators and the Q-profile confidence interval (intercept-only models).

use super::{Convergence, RandomEffects, Tau2Method, Workspace};
use crate::error::Error;

/// Generalised Q statistic `Q(τ²) = Σ(y_i − μ̂(τ²))²/(v_i + τ²)` and its derivative in τ²,
/// `dQ/dτ² = −Σ(y_i − μ̂)²/(v_i + τ²)²` (the μ̂ term vanishes because μ̂ minimises Q).
pub fn qgen(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    let (mu, _) = inverse_variance_mean(yi, vi, tau2);
    let (mut q, mut dq) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        let wr2 = w * (y - mu) * (y - mu);
        q += wr2;
        dq -= w * wr2;
    }
    (q, dq)
}

/// The inverse-variance weighted mean `Σw_i y_i / Σw_i` with `w_i = 1/(v_i + τ²)`, and `Σw_i`:
/// the one weighted mean behind common-effect, random-effects and between-subgroup estimates.
pub(crate) fn inverse_variance_mean(yi: &[f64], vi: &[f64], tau2: f64) -> (f64, f64) {
    let (mut sw, mut swy) = (0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        sw += w;
        swy += w * y;
    }
    (swy / sw, sw)
}

/// Solves `Q(τ²) = target` for τ² ≥ 0, given `Q(0) > target > 0` (Q decreases to 0).
///
/// Newton's method on `g(τ²) = 1/Q(τ²) − 1/target`, which is nearly linear in τ², safeguarded by
/// a bracket (bisection when a step leaves it). Returns the root and the iterations used.
fn solve_q(yi: &[f64], vi: &[f64], target: f64, start: f64) -> (f64, usize) {
    let scale = vi.iter().sum::<f64>() / vi.len() as f64;
    solve_root(|t| qgen(yi, vi, t), target, start, scale)
}

/// Solves `q(τ²).0 = target` for a decreasing `q` returning `(Q, dQ/dτ²)`; see [`solve_q`].
///
/// `scale` (the mean sampling variance) sets the convergence rule's floor, so that the root is
/// found to the same relative precision whatever the scale of the data.
pub(crate) fn solve_root(
    q: impl Fn(f64) -> (f64, f64),
    target: f64,
    start: f64,
    scale: f64,
) -> (f64, usize) {
    let inv_target = 1.0 / target;
    // g(τ²) = 1/Q(τ²) − 1/target increases in τ²; its derivative is −Q'/Q².
    let r = crate::root::solve(
        |t| {
            let (q, dq) = q(t);
            (1.0 / q - inv_target, -dq / (q * q))
        },
        crate::root::Bracket::new(0.0, f64::INFINITY, start.max(0.0)),
        |lo, hi, t| {
            if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                (2.0 * t).max(lo + scale)
            }
        },
        |prev, t, lo, hi| {
            (t - prev).abs() <= 1e-13 * t.max(1e-6 * scale)
                || (hi.is_finite() && (hi - lo) <= 4.0 * f64::EPSILON * hi)
        },
        200,
    );
    (r.x, r.iterations)
}

/// Q-profile confidence limits for τ² (metafor `confint`), given the χ² quantiles
/// `c_lo = χ²_{α/2}` and `c_hi = χ²_{1−α/2}` on k − 1 df and an estimate to start from.
///
/// The lower limit solves `Q(τ²) = c_hi` and the upper `Q(τ²) = c_lo`; a limit whose equation
/// has no non-negative root (because `Q(0)` is already below the quantile) is 0.
pub(crate) fn q_profile(
    yi: &[f64],
    vi: &[f64],
    c_lo: f64,
    c_hi: f64,
    est: f64,
    _ws: &mut Workspace,
) -> (f64, f64) {
    let _ = est;
    let (q0, dq0) = qgen(yi, vi, 0.0);
    // First Newton step on 1/Q from τ² = 0, shared by both limits (1/Q is nearly linear).
    let slope = -dq0 / (q0 * q0);
    let first = |c: f64| {
        if slope > 0.0 && slope.is_finite() {
            (1.0 / c - 1.0 / q0) / slope
        } else {
            0.0
        }
    };
    let lower = if q0 > c_hi {
        solve_q(yi, vi, c_hi, first(c_hi)).0
    } else {
        0.0
    };
    let upper = if q0 > c_lo {
        solve_q(yi, vi, c_lo, first(c_lo).max(lower)).0
    } else {
        0.0
    };
    (lower, upper)
}

/// Sums `(Σw, Σw², Σw³, μ̂, Σw(y−μ̂)², Σw²(y−μ̂)²)` at a given τ².
#[inline]
fn sums(yi: &[f64], vi: &[f64], tau2: f64) -> [f64; 6] {
    let [s1, s2, s3, mu, r1, r2, _, _] = sums8(yi, vi, tau2);
    [s1, s2, s3, mu, r1, r2]
}

/// As [`sums`], plus `Σw³(y−μ̂)²` and `Σw²(y−μ̂)` for Newton steps.
#[inline]
fn sums8(yi: &[f64], vi: &[f64], tau2: f64) -> [f64; 8] {
    let (mut s1, mut s2, mut s3, mut sy) = (0.0, 0.0, 0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        s1 += w;
        s2 += w * w;
        s3 += w * w * w;
        sy += w * y;
    }
    let mu = sy / s1;
    let (mut r1, mut r2, mut r3, mut t2) = (0.0, 0.0, 0.0, 0.0);
    for (&y, &v) in yi.iter().zip(vi) {
        let w = 1.0 / (v + tau2);
        let r = y - mu;
        let wr = w * r;
        r1 += wr * r;
        r2 += wr * wr;
        r3 += w * wr * wr;
        t2 += w * wr;
    }
    [s1, s2, s3, mu, r1, r2, r3, t2]
}

/// metafor's default tolerance for the ll0check (`.Machine$double.eps^0.25`).
pub(crate) const LL0_TOL: f64 = 1.220_703_125e-4;

/// `ll(0) − ll(τ²)` for the (restricted) log-likelihood (metafor's ll0check).
///
/// `Σ ln((v_i + τ²)/v_i)` is accumulated as a log of running products (one `ln` per ~dozens of
/// studies instead of two per study).
fn ll0_minus_ll(yi: &[f64], vi: &[f64], tau2: f64, method: Tau2Method) -> f64 {
    let [s0, _, _, _, rss0, _] = sums(yi, vi, 0.0);
    let [s1, _, _, _, rss1, _] = sums(yi, vi, tau2);
    let mut logdet = 0.0;
    let mut prod = 1.0;
    for &v in vi {
        prod *= 1.0 + tau2 / v;
        if prod > 1e150 {
            logdet += prod.ln();
            prod = 1.0;
        }
    }
    logdet += prod.ln();
    // ll(τ²) = −½[Σ ln(v_i + τ²) + Σw r²] (− ½ ln Σw for REML)
    let mut d = 0.5 * (logdet + rss1 - rss0);
    if method == Tau2Method::Reml {
        d += 0.5 * (s1 / s0).ln();
    }
    d
}

/// The squared range of the effects (the scale of where a likelihood maximum can lie).
pub(crate) fn range2(yi: &[f64]) -> f64 {
    let (lo, hi) = yi
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &y| {
            (lo.min(y), hi.max(y))
        });
    (hi - lo) * (hi - lo)
}

/// Hedges' (HE) estimator for an intercept-only model, not truncated.
fn hedges(yi: &[f64], vi: &[f64]) -> f64 {
    let k = yi.len() as f64;
    let ybar = yi.iter().sum::<f64>() / k;
    let rss: f64 = yi.iter().map(|&y| (y - ybar) * (y - ybar)).sum();
    let vbar = vi.iter().sum::<f64>() / k;
    rss / (k - 1.0) - vbar
}

/// Fisher scoring for ML, REML and EB (metafor's algorithm), shared by intercept-only models and
/// meta-regression, safeguarded so that it always finishes at a maximum.
///
/// `step(τ²)` gives the raw scoring step `U/I` (score over expected information) at τ²; its sign
/// is the sign of the score, so every evaluation narrows a bracket `[lo, hi]` around the
/// maximum (`lo` where the likelihood still rises, `hi` where it falls; `lo` starts at 0). Steps
/// are scaled by `stepadj`; a step that leaves the bracket (the oscillation that makes plain
/// Fisher scoring fail) is replaced by bisection, so the iteration cannot fail to converge.
/// Convergence is `|Δτ²| ≤ threshold · (τ² + scale)` with `scale` the mean sampling variance:
/// relative to the scale of the data, so that the result is equivariant under `y → c·y,
/// v → c²·v`. `ll0_gain(τ²)` gives `ll(0) − ll(τ²)` for metafor's ll0check (ML/REML).
/// Returns `(τ², iterations, converged_by)`.
///
/// ML and REML likelihoods can have several local maxima; the maximum scoring finds is then
/// checked against the whole profile on `[0, ∞)` ([`global_max`](super::global_max)) with
/// `range2` the squared range of the effects (the scan's upper bound), and the global maximum is
/// returned, with `converged_by` [`Convergence::Multimodal`] whenever there is more than one.
pub(crate) fn fisher_scoring(
    opts: &RandomEffects,
    start: f64,
    scale: f64,
    range2: f64,
    zero_shortcut: bool,
    mut step: impl FnMut(f64) -> Result<f64, Error>,
    ll0_gain: impl Fn(f64) -> Result<f64, Error>,
) -> Result<(f64, usize, Convergence), Error> {
    let (t, iterations, how) =
        scoring_maximum(opts, start, scale, zero_shortcut, &mut step, &ll0_gain)?;
    if opts.method == Tau2Method::Eb {
        return Ok((t, iterations, how));
    }
    let vmax_bound = 10.0 * scale;
    let g = super::global_max::Profile {
        step: &mut step,
        gain: &ll0_gain,
        scale,
        upper: 10.0 * range2 + vmax_bound,
        threshold: opts.threshold,
        max_iter: opts.max_iter,
    }
    .global(t);
    if g.maxima < 2 {
        return Ok((t, iterations, how));
    }
    let used = if g.tau2 == t { 0 } else { g.evaluations };
    Ok((g.tau2, iterations + used, Convergence::Multimodal))
}

/// The maximum Fisher scoring reaches from `start` (see [`fisher_scoring`]), with metafor's
/// ll0check.
fn scoring_maximum(
    opts: &RandomEffects,
    start: f64,
    scale: f64,
    zero_shortcut: bool,
    step: &mut impl FnMut(f64) -> Result<f64, Error>,
    ll0_gain: &impl Fn(f64) -> Result<f64, Error>,
) -> Result<(f64, usize, Convergence), Error> {
    let tol = opts.threshold;
    let mut r = scoring_run(opts, start, scale, zero_shortcut, step)?;
    // The shortcut to τ² = 0 trusts that the likelihood has one maximum; if the start point is
    // more likely than τ² = 0, search again without it (as metafor does, from the start).
    if zero_shortcut
        && r.x <= tol * scale
        && start > tol * scale
        && opts.method != Tau2Method::Eb
        && ll0_gain(start)? < 0.0
    {
        let used = r.iterations;
        r = scoring_run(opts, start, scale, false, step)?;
        r.iterations += used;
    }
    if r.iterations >= opts.max_iter && !r.converged {
        return Err(Error::Tau2NotConverged {
            method: opts.method.code(),
            iterations: opts.max_iter,
        });
    }
    let t = r.x.max(0.0);
    if t <= tol * scale {
        return Ok((t, r.iterations, Convergence::Boundary));
    }
    // ll0check: a likelihood at τ² = 0 higher than at the estimate means scoring stopped at a
    // local maximum; τ² is then set to 0.
    if opts.method != Tau2Method::Eb && ll0_gain(t)? > LL0_TOL {
        return Ok((0.0, r.iterations, Convergence::Boundary));
    }
    let how = if r.fallbacks > 0 {
        Convergence::Bracketed
    } else {
        Convergence::Scoring
    };
    Ok((t, r.iterations, how))
}

/// One bracketed scoring search (see [`fisher_scoring`]); with `zero_shortcut`, the first step
/// below 0 tries τ² = 0 itself.
fn scoring_run(
    opts: &RandomEffects,
    start: f64,
    scale: f64,
    zero_shortcut: bool,
    step: &mut impl FnMut(f64) -> Result<f64, Error>,
) -> Result<crate::root::Root, Error> {
    let tol = opts.threshold;
    let mut bad = None;
    let zero_tried = std::cell::Cell::new(!zero_shortcut || start <= 0.0);
    let r = crate::root::solve_guarded(
        |t| match step(t) {
            // f = −step is increasing through the maximum; a Newton step on f with slope
            // 1/stepadj is the scoring step scaled by stepadj.
            Ok(st) if st.is_finite() => (-st, 1.0 / opts.stepadj),
            Ok(_) => {
                bad.get_or_insert(Error::Tau2NotConverged {
                    method: opts.method.code(),
                    iterations: 0,
                });
                (0.0, 1.0)
            }
            Err(e) => {
                bad.get_or_insert(e);
                (0.0, 1.0)
            }
        },
        crate::root::Search {
            lo: 0.0,
            hi: f64::INFINITY,
            x: start.max(0.0),
            max_iter: opts.max_iter,
            force_progress: true,
        },
        |lo, hi, t| {
            if lo == 0.0 && !zero_tried.replace(true) {
                // A step below 0 with no rising point seen yet: try the boundary itself.
                0.0
            } else if hi.is_finite() {
                if lo > 0.0 && hi / lo > 4.0 {
                    (lo * hi).sqrt()
                } else {
                    0.5 * (lo + hi)
                }
            } else {
                (2.0 * t).max(lo + scale)
            }
        },
        |prev, t, lo, hi| {
            // The change is the step scaled by stepadj: a damped step must not pass for
            // convergence (stepadj 1e-9 once stopped after one iteration at a wrong τ²).
            (t - prev).abs() <= tol * opts.stepadj.min(1.0) * (t + scale)
                || (hi.is_finite() && (hi - lo) <= tol * (hi + scale))
        },
    );
    match bad {
        Some(e) => Err(e),
        None => Ok(r),
    }
}

/// The data an intercept-only τ² estimator reads: the sums of the fit at any τ², so that an
/// estimator runs the same on slices ([`Slices`]) and on sums down-dated from a larger fit
/// (leave-one-out, [`super::downdate`]).
pub(crate) trait Tau2Data {
    /// The number of studies.
    fn k(&self) -> usize;
    /// The mean sampling variance.
    fn mean_v(&self) -> f64;
    /// The squared range of the effects.
    fn range2(&self) -> f64;
    /// Hedges' (HE) estimator, not truncated.
    fn hedges(&self) -> f64;
    /// `Σ(y − ȳ)²/k`, the Sidik–Jonkman starting value.
    fn sj_start(&self) -> f64;
    /// [`sums`] at τ².
    fn sums(&self, tau2: f64) -> [f64; 6];
    /// [`sums8`] at τ².
    fn sums8(&self, tau2: f64) -> [f64; 8];
    /// [`qgen`] at τ².
    fn qgen(&self, tau2: f64) -> (f64, f64);
    /// [`ll0_minus_ll`] at τ².
    fn ll0_minus_ll(&self, tau2: f64, method: Tau2Method) -> f64;
    /// The DerSimonian–Laird denominator `Σw − Σw²/Σw` when the sums `s1 = Σw`, `s2 = Σw²`
    /// (at τ² = 0) cancel or overflow.
    fn dl_denominator_exact(&self) -> f64;
}

/// Effects and variances as slices (the ordinary fit).
pub(crate) struct Slices<'a> {
    /// The effects.
    pub yi: &'a [f64],
    /// Their sampling variances.
    pub vi: &'a [f64],
}

impl Tau2Data for Slices<'_> {
    fn k(&self) -> usize {
        self.yi.len()
    }
    fn mean_v(&self) -> f64 {
        self.vi.iter().sum::<f64>() / self.yi.len() as f64
    }
    fn range2(&self) -> f64 {
        range2(self.yi)
    }
    fn hedges(&self) -> f64 {
        hedges(self.yi, self.vi)
    }
    fn sj_start(&self) -> f64 {
        let k = self.yi.len() as f64;
        let ybar = self.yi.iter().sum::<f64>() / k;
        self.yi
            .iter()
            .map(|&y| (y - ybar) * (y - ybar))
            .sum::<f64>()
            / k
    }
    fn sums(&self, tau2: f64) -> [f64; 6] {
        sums(self.yi, self.vi, tau2)
    }
    fn sums8(&self, tau2: f64) -> [f64; 8] {
        sums8(self.yi, self.vi, tau2)
    }
    fn qgen(&self, tau2: f64) -> (f64, f64) {
        qgen(self.yi, self.vi, tau2)
    }
    fn ll0_minus_ll(&self, tau2: f64, method: Tau2Method) -> f64 {
        ll0_minus_ll(self.yi, self.vi, tau2, method)
    }
    fn dl_denominator_exact(&self) -> f64 {
        let p = weight_pairs(self.vi);
        p.pairs / (p.sum * p.vmin)
    }
}

/// Estimates τ² (k ≥ 2). Returns `(τ², iterations, how)`.
pub(crate) fn tau2(
    opts: &RandomEffects,
    yi: &[f64],
    vi: &[f64],
    ws: &mut Workspace,
) -> Result<(f64, usize, Convergence), Error> {
    tau2_of(opts, &Slices { yi, vi }, ws.warm)
}

/// The ML or REML step at τ² (from the sums of [`sums8`]): Newton's (score over observed information) where the
/// log-likelihood is concave, else Fisher scoring's (over expected information). Both have the
/// sign of the score. With `e = Py`: score `U = ½(e'e − tr P)` (REML; `tr W` for ML), expected
/// information `½ tr PP` (`½ Σw²`), observed `e'Pe − ½ tr PP` with `e'Pe = Σw e² − (Σw e)²/Σw`.
fn likelihood_step_of(s: [f64; 8], method: Tau2Method) -> f64 {
    let [s1, s2, s3, _, _, r2, r3, t2] = s;
    let epe = r3 - t2 * t2 / s1;
    let (tr, half_trpp) = match method {
        Tau2Method::Ml => (s1, 0.5 * s2),
        _ => (
            s1 - s2 / s1,
            0.5 * (s2 - 2.0 * s3 / s1 + (s2 * s2) / (s1 * s1)),
        ),
    };
    let u = 0.5 * (r2 - tr);
    let observed = epe - half_trpp;
    if observed > 0.0 && observed.is_finite() {
        u / observed
    } else {
        u / half_trpp
    }
}

/// Estimates τ² (k ≥ 2) from any [`Tau2Data`], the iterative estimators starting at `warm`
/// when given. Returns `(τ², iterations, how)`.
pub(crate) fn tau2_of<D: Tau2Data>(
    opts: &RandomEffects,
    d: &D,
    warm: Option<f64>,
) -> Result<(f64, usize, Convergence), Error> {
    let closed = |t: f64| Ok((t, 0, Convergence::ClosedForm));
    let start = || warm.unwrap_or_else(|| d.hedges()).max(0.0);
    let k = d.k() as f64;
    match opts.method {
        Tau2Method::Ee => closed(0.0),
        Tau2Method::Dl => {
            let [s1, s2, _, _, q, _] = d.sums(0.0);
            let denom = if s2.is_finite() && s1 * s1 - s2 > 1e-8 * s1 * s1 {
                s1 - s2 / s1
            } else {
                // Σw² overflowed or cancels (variances spanning many orders of magnitude):
                // Σw − Σw²/Σw = ((Σw)² − Σw²) / Σw, in units of the largest weight.
                d.dl_denominator_exact()
            };
            closed(((q - (k - 1.0)) / denom).max(0.0))
        }
        Tau2Method::He => closed(d.hedges().max(0.0)),
        Tau2Method::Hs => {
            let [s1, _, _, _, q, _] = d.sums(0.0);
            closed(((q - k) / s1).max(0.0))
        }
        Tau2Method::Sj => {
            let t0 = d.sj_start();
            if t0 <= 0.0 {
                return closed(0.0);
            }
            let [_, _, _, _, rss, _] = d.sums(t0);
            closed(t0 * rss / (k - 1.0))
        }
        Tau2Method::Pm => {
            let (q0, _) = d.qgen(0.0);
            if q0 <= k - 1.0 {
                Ok((0.0, 0, Convergence::Boundary))
            } else {
                let scale = d.mean_v();
                let (t, it) = solve_root(|t| d.qgen(t), k - 1.0, start(), scale);
                Ok((t, it, Convergence::RootFinding))
            }
        }
        Tau2Method::Ml | Tau2Method::Reml | Tau2Method::Eb => fisher_scoring(
            opts,
            start(),
            d.mean_v(),
            d.range2(),
            true,
            |t| {
                Ok(match opts.method {
                    Tau2Method::Ml | Tau2Method::Reml => {
                        likelihood_step_of(d.sums8(t), opts.method)
                    }
                    _ => {
                        let [s1, _, _, _, r1, _] = d.sums(t);
                        (r1 * k / (k - 1.0) - k) / s1
                    }
                })
            },
            |t| Ok(d.ll0_minus_ll(t, opts.method)),
        ),
    }
}

/// `(Σw)² − Σw²` (`w = 1/v`) without cancellation or overflow, in units of the largest weight
/// `w_m = 1/v_min`: with `w'ᵢ = v_min/vᵢ ≤ 1` and `R = Σ_{i≠m} w'ᵢ`,
/// `(Σw')² − Σw'² = R² − Σ_{i≠m} w'ᵢ² + 2R` (every term is a sum of non-negative products but
/// the first difference, which is small beside `2R` whenever one weight dominates).
pub(super) fn weight_pairs(vi: &[f64]) -> WeightPairs {
    let Some((m, &vmin)) = vi.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) else {
        return WeightPairs {
            vmin: f64::NAN,
            sum: f64::NAN,
            pairs: f64::NAN,
        };
    };
    let (mut r, mut r2) = (0.0, 0.0);
    for (i, &v) in vi.iter().enumerate() {
        if i != m {
            let w = vmin / v;
            r += w;
            r2 += w * w;
        }
    }
    WeightPairs {
        vmin,
        sum: 1.0 + r,
        pairs: r * r - r2 + 2.0 * r,
    }
}

/// [`weight_pairs`]: the sums of the inverse-variance weights in units of the largest.
pub(super) struct WeightPairs {
    /// The smallest variance (`1 / w_m`).
    pub(super) vmin: f64,
    /// `Σw / w_m`.
    pub(super) sum: f64,
    /// `((Σw)² − Σw²) / w_m²`.
    pub(super) pairs: f64,
}
