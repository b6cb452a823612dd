//! The Bayesian random-effects fit on a FIXED quadrature rule, for bulk reanalysis
//! (`peerstat reanalyse --bayes`): the posterior mean, median and central interval of μ and τ,
//! P(μ > 0) (and above further thresholds) and the predictive interval of a new study's effect,
//! with no allocation per analysis once a [`BayesWorkspace`] is warm.
//!
//! # Formula
//! The model and its conditional posteriors are those of [`Bayes`](super::Bayes). The τ axis is
//! mapped onto `t ∈ (−1, 1)` as in the adaptive rule, `τ = c·exp(t/(1 − t²))`, `c` the τ of the
//! largest posterior density on a coarse grid (√ of the harmonic mean of the σᵢ² when that is
//! τ = 0). The integrand in t, `g(t) = p(τ|y)·dτ/dt`, is sampled at the [`NODES`] + 1
//! Chebyshev–Lobatto points `t_j = cos(πj/N)` (it vanishes at both ends) and replaced by its
//! Chebyshev interpolant `Σ a_k T_k(t)`, `a_k = (2/N) Σ″ g(t_j) cos(πjk/N)`:
//! * integrals `∫ h(τ) p(τ|y) dτ` are the Clenshaw–Curtis sums `Σ W_j g(t_j) h(τ_j)`;
//! * τ's CDF is the interpolant's indefinite integral (again a Chebyshev series, evaluated by
//!   Clenshaw's recurrence), so τ's quantiles are found in t by safeguarded Newton steps;
//! * μ's and θ_new's CDFs are the normal mixtures `Σ W_j g(t_j) Φ((x − m_j)/s_j)`
//!   (`s_j² = s²(τ_j)`, plus `τ_j²` for θ_new), their quantiles by safeguarded Newton steps.
//!
//! The node count is fixed so that every summary agrees with the adaptive
//! [`Bayes::fit`](super::Bayes::fit) (relative accuracy 1e-13) to 1e-6 of the larger of the
//! value and the marginal's spread, on random datasets of 2 to 40 studies under every kind of
//! prior (`tests/bayes_bulk.rs` checks that). Only central intervals are offered.
//!
//! # Examples
//! ```
//! use peerstat::model::bayes::{BayesWorkspace, BulkBayes, TauPrior};
//! // bayesmeta's eight-schools example with uniform priors
//! let y = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16];
//! let se: [f64; 8] = [14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6];
//! let v: Vec<f64> = se.iter().map(|s| s * s).collect();
//! let mut ws = BayesWorkspace::default();
//! let row = BulkBayes::new(TauPrior::Uniform).fit(&y, &v, &mut ws).unwrap();
//! assert!((row.tau_median - 5.227732).abs() < 1e-5);
//! assert!(row.prob_mu_gt_0 > 0.9);
//! ```

use std::sync::OnceLock;

use serde::Serialize;

use super::marginal::{phi, phi_cdf};
use super::posterior::Posterior;
use super::prior::{MuPrior, TauPrior};
use super::quadrature::tau_of;
use crate::error::{Error, Result, Setting};

/// N: the fixed rule samples τ's posterior at the N + 1 Chebyshev–Lobatto points of the
/// mapped axis (N − 1 interior ones carry weight).
pub const NODES: usize = 128;

/// Points of the coarse grid that places the rule's scale.
const GRID: usize = 24;

/// A node's share of the posterior mass below which the mixtures drop it.
const NEGLIGIBLE: f64 = 1e-18;

/// The Bayesian model to fit to every group of a bulk reanalysis (a builder): priors as
/// [`Bayes`](super::Bayes), central intervals at `level` (default 0.95).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkBayes {
    tau_prior: TauPrior,
    mu_prior: MuPrior,
    level: f64,
    prob_above: Vec<f64>,
}

/// One analysis's Bayesian fit: the scalars a bulk row carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BayesRow {
    /// Number of studies.
    pub k: usize,
    /// Posterior mean of μ (`None` where it is infinite).
    pub mu_mean: Option<f64>,
    /// Posterior standard deviation of μ (`None` where it is infinite).
    pub mu_sd: Option<f64>,
    /// Posterior median of μ.
    pub mu_median: f64,
    /// Lower end of μ's central credible interval.
    pub mu_ci_lower: f64,
    /// Upper end of μ's central credible interval.
    pub mu_ci_upper: f64,
    /// Posterior mean of τ (`None` where it is infinite).
    pub tau_mean: Option<f64>,
    /// Posterior median of τ.
    pub tau_median: f64,
    /// Lower end of τ's central credible interval.
    pub tau_ci_lower: f64,
    /// Upper end of τ's central credible interval.
    pub tau_ci_upper: f64,
    /// Lower end of the central predictive interval of a new study's effect θ_new.
    pub pi_lower: f64,
    /// Upper end of that interval.
    pub pi_upper: f64,
    /// P(μ > 0).
    pub prob_mu_gt_0: f64,
    /// P(μ > x) for each threshold of [`BulkBayes::prob_above`], in order.
    pub prob_mu_above: Vec<f64>,
}

/// Buffers reused from one analysis to the next (one per worker thread).
#[derive(Debug, Clone, Default)]
pub struct BayesWorkspace {
    /// Effects centred on their mean.
    yc: Vec<f64>,
    /// τ at the nodes.
    tau: Vec<f64>,
    /// log of the unnormalised posterior at the nodes.
    lp: Vec<f64>,
    /// The integrand g(t_j) at the nodes.
    g: Vec<f64>,
    /// m(τ_j) and s²(τ_j).
    m: Vec<f64>,
    s2: Vec<f64>,
    /// Chebyshev coefficients of g, and of its indefinite integral.
    a: Vec<f64>,
    b: Vec<f64>,
    /// The mixture components kept: weight, mean, sd.
    mix: Vec<(f64, f64, f64)>,
}

/// The rule's constant parts: nodes, cosines and Clenshaw–Curtis weights.
struct Rule {
    t: Vec<f64>,
    /// cos(πjk/N), row j.
    cos: Vec<f64>,
    /// Clenshaw–Curtis weights.
    w: Vec<f64>,
}

fn rule() -> &'static Rule {
    static RULE: OnceLock<Rule> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = NODES;
        let pi = std::f64::consts::PI;
        let t: Vec<f64> = (0..=n).map(|j| (pi * j as f64 / n as f64).cos()).collect();
        let mut cos = vec![0.0; (n + 1) * (n + 1)];
        for j in 0..=n {
            for k in 0..=n {
                cos[j * (n + 1) + k] = (pi * ((j * k) % (2 * n)) as f64 / n as f64).cos();
            }
        }
        let half = |i: usize| if i == 0 || i == n { 0.5 } else { 1.0 };
        let w = (0..=n)
            .map(|j| {
                let s: f64 = (0..=n)
                    .step_by(2)
                    .map(|k| half(k) * cos[j * (n + 1) + k] * 2.0 / (1.0 - (k * k) as f64))
                    .sum();
                2.0 / n as f64 * half(j) * s
            })
            .collect();
        Rule { t, cos, w }
    })
}

impl BulkBayes {
    /// The model with prior `tau_prior` for τ, a flat prior for μ, central 95 % intervals.
    pub fn new(tau_prior: TauPrior) -> Self {
        BulkBayes {
            tau_prior,
            mu_prior: MuPrior::Flat,
            level: 0.95,
            prob_above: Vec::new(),
        }
    }

    /// Sets the prior for μ.
    pub fn mu_prior(mut self, p: MuPrior) -> Self {
        self.mu_prior = p;
        self
    }

    /// Sets the intervals' probability.
    ///
    /// # Errors
    /// [`Error::Setting`] unless 0 < level < 1.
    pub fn level(mut self, level: f64) -> Result<Self> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::Setting {
                setting: Setting::Level,
                message: format!("level {level} must lie strictly between 0 and 1"),
            });
        }
        self.level = level;
        Ok(self)
    }

    /// Asks for P(μ > x) at each x.
    ///
    /// # Errors
    /// [`Error::Setting`] for a non-finite threshold.
    pub fn prob_above(mut self, xs: &[f64]) -> Result<Self> {
        if let Some(x) = xs.iter().find(|x| !x.is_finite()) {
            return Err(Error::Setting {
                setting: Setting::Prior,
                message: format!("threshold {x} for P(mu > x) must be finite"),
            });
        }
        self.prob_above = xs.to_vec();
        Ok(self)
    }

    /// Whether the fixed rule is offered for the prior on τ: not for log-t priors on τ²
    /// (`log-t-tau2:…`, `rhodes:…`), where it was found to disagree with the adaptive
    /// quadrature of `meta --bayes` by up to 4e-2 (relative, in the upper bound of τ's
    /// interval) on the agreement test's datasets; bulk refuses them rather than give inexact
    /// summaries.
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::Prior`]) for a log-t prior on τ².
    pub fn check_prior(&self) -> Result<()> {
        if matches!(self.tau_prior, TauPrior::LogTTau2 { .. }) {
            return Err(Error::Setting {
                setting: Setting::Prior,
                message: "log-t priors on tau^2 (log-t-tau2:..., rhodes:...) are not offered in bulk: \
                          the fixed quadrature rule does not agree with the exact one to 1e-6 for them; \
                          fit such analyses one by one with meta --bayes"
                    .into(),
            });
        }
        Ok(())
    }

    /// The thresholds of [`BulkBayes::prob_above`].
    pub fn thresholds(&self) -> &[f64] {
        &self.prob_above
    }

    /// Fits effects `y` with sampling variances `v`, reusing the buffers of `ws`.
    ///
    /// # Errors
    /// [`Error::TooFew`] without studies, [`Error::Input`] for a bad effect or variance,
    /// [`Error::Undefined`] when the posterior is improper or cannot be normalised,
    /// [`Error::NotConverged`] when a quantile search fails.
    pub fn fit(&self, y: &[f64], v: &[f64], ws: &mut BayesWorkspace) -> Result<BayesRow> {
        self.check_prior()?;
        let post = Posterior::unnormalised(y, v, &self.tau_prior, self.mu_prior)?;
        let ybar = y.iter().sum::<f64>() / y.len() as f64;
        ws.yc.clear();
        ws.yc.extend(y.iter().map(|y| y - ybar));
        let scale = self.scale(&post, ybar, ws);
        let z = self.sample(&post, ybar, scale, ws)?;
        let r = rule();
        // normalised weights W_j g_j / Z, in place of g
        for (g, w) in ws.g.iter_mut().zip(&r.w) {
            *g *= w / z;
        }
        let a = 0.5 * (1.0 - self.level);
        let tau_q = |ws: &BayesWorkspace, p: f64| tau_quantile(ws, p, z, scale);
        let (tau_median, tau_lo, tau_hi) = (tau_q(ws, 0.5)?, tau_q(ws, a)?, tau_q(ws, 1.0 - a)?);
        let tau_mean = post
            .tau_moment_finite(1.0)
            .then(|| dot(&ws.g, &ws.tau, |t| t));
        let normal = matches!(self.mu_prior, MuPrior::Normal { .. });
        let mu = self.mixture(ws, false, a)?;
        let mu_ok = (
            normal || post.tau_moment_finite(1.0),
            normal || post.tau_moment_finite(2.0),
        );
        let prob_mu_gt_0 = sf(&ws.mix, 0.0);
        let prob_mu_above = self.prob_above.iter().map(|&x| sf(&ws.mix, x)).collect();
        let pi = self.mixture(ws, true, a)?;
        Ok(BayesRow {
            k: y.len(),
            mu_mean: mu_ok.0.then_some(mu.mean),
            mu_sd: (mu_ok.0 && mu_ok.1).then_some(mu.sd),
            mu_median: mu.median,
            mu_ci_lower: mu.lower,
            mu_ci_upper: mu.upper,
            tau_mean,
            tau_median,
            tau_ci_lower: tau_lo,
            tau_ci_upper: tau_hi,
            pi_lower: pi.lower,
            pi_upper: pi.upper,
            prob_mu_gt_0,
            prob_mu_above,
        })
    }

    /// The rule's scale: the τ of the largest posterior density on a coarse grid, or √ of the
    /// harmonic mean of the σᵢ² when the density is largest at τ = 0 (as the adaptive rule).
    fn scale(&self, post: &Posterior, ybar: f64, ws: &BayesWorkspace) -> f64 {
        let c = post.scale;
        let zero_finite =
            !post.vanishes_at_zero() && !matches!(self.tau_prior, TauPrior::LogTTau2 { .. });
        let mut best = (
            0.0,
            if zero_finite {
                self.ln_posterior(post, ybar, 0.0, &ws.yc).0
            } else {
                f64::NEG_INFINITY
            },
        );
        for i in 1..GRID {
            let t = -0.99 + 1.98 * i as f64 / GRID as f64;
            if let Some((tau, _)) = tau_of(t, c) {
                let l = self.ln_posterior(post, ybar, tau, &ws.yc).0;
                if l > best.1 {
                    best = (tau, l);
                }
            }
        }
        if best.0 > 0.0 {
            best.0
        } else {
            c
        }
    }

    /// log of the unnormalised posterior of τ (up to a constant), and m(τ), s²(τ).
    fn ln_posterior(&self, post: &Posterior, ybar: f64, tau: f64, yc: &[f64]) -> (f64, f64, f64) {
        let t2 = tau * tau;
        let (mut sw, mut swy, mut swy2) = match self.mu_prior {
            MuPrior::Flat => (0.0, 0.0, 0.0),
            MuPrior::Normal { mean, sd } => {
                let (w, d) = (1.0 / (sd * sd), mean - ybar);
                (w, w * d, w * d * d)
            }
        };
        let mut slog = 0.0;
        for (y, v) in yc.iter().zip(post.v) {
            let s = v + t2;
            let w = 1.0 / s;
            sw += w;
            swy += w * y;
            swy2 += w * y * y;
            slog += s.ln();
        }
        let q = (swy2 - swy * swy / sw).max(0.0);
        let prior = if tau > 0.0 {
            post.ln_prior(tau)
        } else {
            self.tau_prior
                .ln_density(0.0, &super::prior::PriorData::new(post.v))
                .0
        };
        (
            prior - 0.5 * (slog + q + sw.ln()),
            ybar + swy / sw,
            1.0 / sw,
        )
    }

    /// Samples the integrand at the nodes (into `ws`), with its Chebyshev coefficients, and
    /// returns its integral Z.
    fn sample(
        &self,
        post: &Posterior,
        ybar: f64,
        scale: f64,
        ws: &mut BayesWorkspace,
    ) -> Result<f64> {
        let r = rule();
        let n = NODES;
        for b in [&mut ws.tau, &mut ws.lp, &mut ws.g, &mut ws.m, &mut ws.s2] {
            b.clear();
            b.resize(n + 1, 0.0);
        }
        let mut top = f64::NEG_INFINITY;
        for j in 1..n {
            if let Some((tau, jac)) = tau_of(r.t[j], scale) {
                let (lp, m, s2) = self.ln_posterior(post, ybar, tau, &ws.yc);
                ws.tau[j] = tau;
                ws.lp[j] = lp + jac.ln();
                ws.m[j] = m;
                ws.s2[j] = s2;
                top = top.max(ws.lp[j]);
            } else {
                ws.lp[j] = f64::NEG_INFINITY;
            }
        }
        if !top.is_finite() {
            return Err(Error::Undefined {
                what: "the posterior of tau".into(),
                reason: "its density is not finite anywhere on (0, inf)".into(),
            });
        }
        for j in 1..n {
            ws.g[j] = (ws.lp[j] - top).exp();
        }
        let z: f64 = ws.g.iter().zip(&r.w).map(|(g, w)| g * w).sum();
        if !(z > 0.0 && z.is_finite()) {
            return Err(Error::Undefined {
                what: "the posterior of tau".into(),
                reason: "its normalising integral is not a positive finite number".into(),
            });
        }
        chebyshev(ws);
        Ok(z)
    }

    /// μ's (or, when `predictive`, θ_new's) mean, sd, median and central interval (tails `a`).
    fn mixture(&self, ws: &mut BayesWorkspace, predictive: bool, a: f64) -> Result<Summary> {
        let top = ws.g.iter().copied().fold(0.0, f64::max);
        ws.mix.clear();
        for j in 1..NODES {
            let p = ws.g[j];
            if p > NEGLIGIBLE * top {
                let var = ws.s2[j]
                    + if predictive {
                        ws.tau[j] * ws.tau[j]
                    } else {
                        0.0
                    };
                ws.mix.push((p, ws.m[j], var.sqrt()));
            }
        }
        let total: f64 = ws.mix.iter().map(|c| c.0).sum();
        let mean = ws.mix.iter().map(|c| c.0 * c.1).sum::<f64>() / total;
        let var = ws
            .mix
            .iter()
            .map(|c| c.0 * (c.2 * c.2 + (c.1 - mean).powi(2)))
            .sum::<f64>()
            / total;
        let sd = var.sqrt();
        let q = |p: f64| mixture_quantile(&ws.mix, total, p, mean, sd);
        Ok(Summary {
            mean,
            sd,
            median: q(0.5)?,
            lower: q(a)?,
            upper: q(1.0 - a)?,
        })
    }
}

/// A mixture's summaries.
struct Summary {
    mean: f64,
    sd: f64,
    median: f64,
    lower: f64,
    upper: f64,
}

/// Σ p_j h(x_j).
fn dot(p: &[f64], x: &[f64], h: impl Fn(f64) -> f64) -> f64 {
    p.iter().zip(x).map(|(p, x)| p * h(*x)).sum()
}

/// P(X > x) for the normal mixture (weights summing to 1 up to the dropped nodes).
fn sf(mix: &[(f64, f64, f64)], x: f64) -> f64 {
    let total: f64 = mix.iter().map(|c| c.0).sum();
    let s: f64 = mix.iter().map(|(p, m, s)| p * phi_cdf((m - x) / s)).sum();
    (s / total).clamp(0.0, 1.0)
}

/// The Chebyshev coefficients of the sampled integrand (`ws.a`, with the end terms halved so
/// that g = Σ a_k T_k) and of its indefinite integral from −1 (`ws.b`).
fn chebyshev(ws: &mut BayesWorkspace) {
    let r = rule();
    let n = NODES;
    ws.a.clear();
    ws.a.resize(n + 1, 0.0);
    for j in 1..n {
        let g = ws.g[j];
        if g == 0.0 {
            continue;
        }
        let row = &r.cos[j * (n + 1)..(j + 1) * (n + 1)];
        for (a, c) in ws.a.iter_mut().zip(row) {
            *a += g * c;
        }
    }
    for (k, a) in ws.a.iter_mut().enumerate() {
        *a *= 2.0 / n as f64;
        if k == 0 || k == n {
            *a *= 0.5;
        }
    }
    // ∫T_0 = T_1, ∫T_k = T_{k+1}/(2(k+1)) − T_{k−1}/(2(k−1))
    ws.b.clear();
    ws.b.resize(n + 2, 0.0);
    let a = |k: usize| ws.a.get(k).copied().unwrap_or(0.0);
    for k in 1..=n + 1 {
        let prev = if k == 1 { 2.0 * a(0) } else { a(k - 1) };
        ws.b[k] = (prev - a(k + 1)) / (2.0 * k as f64);
    }
    let at_minus_one: f64 = (1..=n + 1)
        .map(|k| if k % 2 == 0 { ws.b[k] } else { -ws.b[k] })
        .sum();
    ws.b[0] = -at_minus_one;
}

/// Σ c_k T_k(t) by Clenshaw's recurrence.
fn clenshaw(c: &[f64], t: f64) -> f64 {
    let (mut b1, mut b2) = (0.0, 0.0);
    for &ck in c.iter().skip(1).rev() {
        let b0 = 2.0 * t * b1 - b2 + ck;
        b2 = b1;
        b1 = b0;
    }
    t * b1 - b2 + c.first().copied().unwrap_or(0.0)
}

/// τ's p-quantile: where the interpolant's integral from −1 reaches `p·z` (`z` the integral
/// of the unnormalised series); `ws.g` holds the normalised node masses, which bracket it.
fn tau_quantile(ws: &BayesWorkspace, p: f64, z: f64, scale: f64) -> Result<f64> {
    let r = rule();
    let n = NODES;
    // nodes run from t = 1 (j = 0) down to −1 (j = N): accumulate from −1
    let mut j_hit = 0;
    let mut acc = 0.0;
    for j in (0..=n).rev() {
        acc += ws.g[j];
        if acc >= p {
            j_hit = j;
            break;
        }
    }
    let target = p * z;
    let f = |t: f64| clenshaw(&ws.b, t) - target;
    // a node either side of the node sums' crossing, checked on the series
    let (mut lo, mut hi) = (r.t[(j_hit + 2).min(n)], r.t[j_hit.saturating_sub(1)]);
    if f(lo) > 0.0 {
        lo = -1.0;
    }
    if f(hi) < 0.0 {
        hi = 1.0;
    }
    let t = newton_bracketed(f, |t| clenshaw(&ws.a, t), lo, hi, 1e-15)?;
    Ok(tau_of(t, scale).map_or(if t < 0.0 { 0.0 } else { f64::INFINITY }, |(tau, _)| tau))
}

/// The root of an increasing `f` with derivative `df` in `[lo, hi]` by Newton steps kept
/// inside the bracket (bisection where Newton leaves it), to `tol` in x.
fn newton_bracketed(
    f: impl Fn(f64) -> f64,
    df: impl Fn(f64) -> f64,
    mut lo: f64,
    mut hi: f64,
    tol: f64,
) -> Result<f64> {
    let mut x = 0.5 * (lo + hi);
    for _ in 0..200 {
        let v = f(x);
        if v == 0.0 {
            return Ok(x);
        }
        if v < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let mut next = x - v / df(x);
        if !(next > lo && next < hi && next.is_finite()) {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() <= tol || hi - lo <= tol {
            return Ok(next);
        }
        x = next;
    }
    Err(Error::NotConverged {
        procedure: "the Bayesian posterior summaries (fixed rule)",
        iterations: 200,
        detail: "; no quantile of tau was found".into(),
    })
}

/// The p-quantile of the normal mixture `mix` (total weight `total`), starting from the normal
/// with its mean and sd.
fn mixture_quantile(
    mix: &[(f64, f64, f64)],
    total: f64,
    p: f64,
    mean: f64,
    sd: f64,
) -> Result<f64> {
    let target = p * total;
    let cdf_pdf = |x: f64| {
        let (mut f, mut d) = (0.0, 0.0);
        for &(w, m, s) in mix {
            let z = (x - m) / s;
            f += w * phi_cdf(z);
            d += w * phi(z) / s;
        }
        (f - target, d)
    };
    let step = if sd > 0.0 && sd.is_finite() { sd } else { 1.0 };
    let mut x = mean + step * normal_quantile(p);
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    let tol = 1e-12 * step.max(x.abs());
    for _ in 0..200 {
        let (v, d) = cdf_pdf(x);
        if v == 0.0 {
            return Ok(x);
        }
        if v < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let mut next = x - v / d;
        let bracketed = lo.is_finite() && hi.is_finite();
        if !(next > lo && next < hi && next.is_finite()) {
            next = if bracketed {
                0.5 * (lo + hi)
            } else if v < 0.0 {
                x + 2.0 * step
            } else {
                x - 2.0 * step
            };
        }
        if (next - x).abs() <= tol || (bracketed && hi - lo <= tol) {
            return Ok(next);
        }
        x = next;
    }
    Err(Error::NotConverged {
        procedure: "the Bayesian posterior summaries (fixed rule)",
        iterations: 200,
        detail: "; no quantile of mu or theta_new was found".into(),
    })
}

/// The standard normal p-quantile (Acklam's rational approximation, ~1e-9: a starting point).
fn normal_quantile(p: f64) -> f64 {
    statrs::distribution::ContinuousCDF::inverse_cdf(&statrs::distribution::Normal::standard(), p)
}
