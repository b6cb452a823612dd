//! Leave-one-out fits by down-dating the sums of the full fit (metafor `leave1out`,
//! `influence`), so that each deletion's τ² iteration costs O(1) per step instead of O(k).
//!
//! # Method
//! Every τ² estimator of an intercept-only model reads the data only through sums
//! `A_m(τ²) = Σ w^m`, `B_m = Σ w^m y`, `C_m = Σ w^m y²` (`m = 1, 2, 3`, `w = 1/(v + τ²)`), a
//! log-determinant `Σ ln(1 + τ²/v)` and unweighted sums (see [`Tau2Data`]). Around an
//! expansion point `t_c`, with `w_c = 1/(v + t_c)`, `u = w_c/max w_c ≤ 1`, `δ = τ² − t_c` and
//! `x = −δ·max w_c`,
//!
//! `A_m(τ²) = (max w_c)^m Σₙ C(m+n−1, n) xⁿ Σu^{m+n}`, and
//! `Σ ln(v + τ²) = Σ ln(v + t_c) − Σₙ xⁿ Σuⁿ / n`,
//!
//! (and the same for `B_m`, `C_m` with `u^p y`, `u^p y²`): power sums of the full data stored
//! once per expansion point give the full sums at any τ² near it in O(order); the deleted
//! study's own terms are then subtracted. Expansion points are τ² = 0 (Q, DL, HS, I²), the full
//! fit's τ² (where every deletion's iteration starts and ends: the deletion moves τ² by
//! O(1/k)), the Sidik–Jonkman start, and the grid of the global-maximum scan of ML and REML
//! (whose points move by the factor `scale₋ᵢ/scale = 1 + O(1/k)` between deletions).
//!
//! # When the sums are computed directly
//! A query is answered from the expansion only when `|x| ≤ 0.1` and the series' truncation
//! bound is below 1e-17, and when subtracting the deleted study loses fewer than four digits
//! (the study does not dominate `A_m` or `C_m`); otherwise the sums are computed directly over
//! the k − 1 remaining studies, as a refit would. Small k (or a dominant study) therefore costs
//! what a refit costs; large k costs O(1) per evaluation. Results agree with a refit to
//! rounding (the property test `tests/influence_downdate.rs` asserts 1e-10).

use rayon::prelude::*;

use super::estimators::{self, Tau2Data};
use super::normalise::Normaliser;
use super::{Convergence, I2Method, RandomEffects, Summary, Tau2Method};
use crate::dist;
use crate::error::Error;

/// The largest `|x| = |δ|·max w_c` answered from an expansion.
const RHO_MAX: f64 = 0.1;

/// The series' relative truncation bound accepted.
const TRUNCATION: f64 = 1e-17;

/// The loss of digits accepted when a study's terms are subtracted (`full/deleted` sum ratio).
const CANCELLATION: f64 = 1e4;

/// Stored series order of the expansion points whose deletions' distance is not known in
/// advance (τ² = 0, the full τ², the Sidik–Jonkman start).
const ORDER: usize = 24;

/// Grid points per decade and first point of the global-maximum scan (see `global_max.rs`).
const PER_DECADE: f64 = 8.0;
const FIRST: f64 = 1e-4;

/// Power sums of the full data at one τ².
#[derive(Debug, Clone)]
struct Expansion {
    /// The expansion point `t_c`.
    t: f64,
    /// `max w_c = 1/(v_min + t_c)`.
    wmax: f64,
    /// `Σ uᵖ`, `Σ uᵖ y`, `Σ uᵖ y²` for `p = 0 ..= order + 3`.
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    /// `Σ ln(1 + t_c/v)`.
    logdet: f64,
    /// The series order available.
    order: usize,
}

impl Expansion {
    fn new(y: &[f64], v: &[f64], vmin: f64, t: f64, order: usize) -> Expansion {
        let wmax = 1.0 / (vmin + t);
        let n = order + 4;
        let (mut a, mut b, mut c) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut logdet = 0.0;
        for (&yj, &vj) in y.iter().zip(v) {
            let u = (vmin + t) / (vj + t);
            let (mut p, yy) = (1.0, yj * yj);
            for q in 0..n {
                a[q] += p;
                b[q] += p * yj;
                c[q] += p * yy;
                p *= u;
            }
            logdet += (t / vj).ln_1p();
        }
        Expansion {
            t,
            wmax,
            a,
            b,
            c,
            logdet,
            order,
        }
    }

    /// `[A_m, B_m, C_m]` for `m = 1, 2, 3` and `Σ ln(1 + τ²/v)` of the full data at `τ² = t + δ`,
    /// or `None` when the series is not accurate there.
    fn at(&self, tau2: f64) -> Option<([[f64; 3]; 3], f64)> {
        let x = -(tau2 - self.t) * self.wmax;
        let rho = x.abs();
        if rho > RHO_MAX {
            return None;
        }
        let mut s = [[0.0; 3]; 3];
        let mut log_series = 0.0;
        let mut xn = 1.0;
        let mut n = 0;
        loop {
            // C(m + n − 1, n) for m = 1, 2, 3
            let nf = n as f64;
            let coef = [1.0, nf + 1.0, 0.5 * (nf + 1.0) * (nf + 2.0)];
            for m in 0..3 {
                let p = m + 1 + n;
                let f = coef[m] * xn;
                s[0][m] += f * self.a[p];
                s[1][m] += f * self.b[p];
                s[2][m] += f * self.c[p];
            }
            if n > 0 {
                log_series += xn * self.a[n] / nf;
            }
            if coef[2] * xn.abs() * rho < TRUNCATION || rho == 0.0 {
                break;
            }
            n += 1;
            if n > self.order {
                return None;
            }
            xn *= x;
        }
        let mut scale = self.wmax;
        for m in 0..3 {
            for row in &mut s {
                row[m] *= scale;
            }
            scale *= self.wmax;
        }
        Some((s, self.logdet - log_series))
    }
}

/// The full data (normalised and centred) with its expansions: answers each deletion's fit.
#[derive(Debug)]
pub(crate) struct LeaveOneOut {
    opts: RandomEffects,
    norm: Normaliser,
    /// Normalised effects minus `centre`.
    y: Vec<f64>,
    /// Normalised variances.
    v: Vec<f64>,
    centre: f64,
    /// Expansions sorted by τ².
    points: Vec<Expansion>,
    /// `Σv`, `Σy`, `Σy²`.
    sum_v: f64,
    sum_y: f64,
    sum_yy: f64,
    /// Indices of the two largest and two smallest effects.
    top: [usize; 2],
    bottom: [usize; 2],
    /// The full fit's τ² on the normalised scale.
    tau2: f64,
}

/// One deletion's fit: the [`Summary`] a warm-started refit gives (no Q-profile CI, no
/// prediction interval, no p value of Q: NaN), and `Σ 1/(vⱼ + τ²₋ᵢ)` over all k studies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deletion {
    /// The fit without the study.
    pub summary: Summary,
    /// The full data's `Σ 1/(vⱼ + τ²₋ᵢ)` (the deleted study included).
    pub sum_w_all: f64,
}

impl LeaveOneOut {
    /// Prepares the deletions of validated data `yi`, `vi` (k ≥ 3) whose full fit under `opts`
    /// has τ² `tau2` and estimate `estimate`.
    pub(crate) fn new(
        opts: &RandomEffects,
        yi: &[f64],
        vi: &[f64],
        tau2: f64,
        estimate: f64,
    ) -> LeaveOneOut {
        let norm = Normaliser::new(yi, vi);
        let (mut y, mut v) = (Vec::new(), Vec::new());
        norm.apply(yi, vi, &mut y, &mut v);
        let tau2 = norm.scale_variance(tau2);
        let centre = norm.location(estimate);
        let centre = if centre.is_finite() { centre } else { 0.0 };
        y.iter_mut().for_each(|x| *x -= centre);
        let vmin = v.iter().copied().fold(f64::INFINITY, f64::min);
        let k = y.len();
        let sum_v: f64 = v.iter().sum();
        let mut centres = vec![(0.0, ORDER), (tau2, ORDER)];
        if opts.method == Tau2Method::Sj {
            centres.push((Slices2 { y: &y }.sj_start(), ORDER));
        }
        if matches!(opts.method, Tau2Method::Ml | Tau2Method::Reml) && opts.fixed_tau2.is_none() {
            centres.extend(grid(&y, &v, sum_v, vmin, tau2));
        }
        let mut points: Vec<Expansion> = centres
            .par_iter()
            .map(|&(t, order)| Expansion::new(&y, &v, vmin, t, order))
            .collect();
        points.sort_by(|a, b| a.t.total_cmp(&b.t));
        let order_by = |f: &dyn Fn(f64, f64) -> bool| {
            let mut best = [0usize, 1usize.min(k - 1)];
            if !f(y[best[0]], y[best[1]]) {
                best.swap(0, 1);
            }
            for (j, &x) in y.iter().enumerate().skip(2) {
                if f(x, y[best[0]]) {
                    best = [j, best[0]];
                } else if f(x, y[best[1]]) {
                    best[1] = j;
                }
            }
            best
        };
        let top = order_by(&|a, b| a >= b);
        let bottom = order_by(&|a, b| a <= b);
        LeaveOneOut {
            opts: *opts,
            norm,
            sum_y: y.iter().sum(),
            sum_yy: y.iter().map(|x| x * x).sum(),
            y,
            v,
            centre,
            points,
            sum_v,
            top,
            bottom,
            tau2,
        }
    }

    /// The fit without study `i`.
    ///
    /// # Errors
    /// As a refit: [`Error::Tau2NotConverged`], [`Error::NotRepresentable`].
    pub(crate) fn fit(&self, i: usize) -> Result<Deletion, Error> {
        let d = Deleted { e: self, i };
        let k = self.y.len() - 1;
        let (tau2, iterations, converged_by) = match self.opts.fixed_tau2 {
            Some(t) => (self.norm.scale_variance(t), 0, Convergence::Fixed),
            None => estimators::tau2_of(&self.opts, &d, Some(self.tau2))?,
        };
        let s = d.sums8(tau2);
        let [s1, _, _, mu, r1, _, _, _] = s;
        let opts = &self.opts;
        let alpha = 1.0 - opts.level / 100.0;
        let se_raw = (1.0 / s1).sqrt();
        let (se, crit, df) = if opts.knha {
            let s2 = r1 / (k as f64 - 1.0);
            let s2 = if opts.knha_adhoc { s2.max(1.0) } else { s2 };
            let df = (k - 1) as f64;
            (
                se_raw * s2.sqrt(),
                dist::t_quantile(1.0 - alpha / 2.0, df),
                df,
            )
        } else {
            (se_raw, dist::norm_quantile(1.0 - alpha / 2.0), f64::NAN)
        };
        let estimate = mu + self.centre;
        let statistic = estimate / se;
        let p_value = if opts.knha {
            dist::t_p2(statistic, df)
        } else {
            dist::norm_p2(statistic)
        };
        let [w0, w0sq, _, _, q, _, _, _] = d.sums8(0.0);
        let (i2, h2) = self.i2_h2(i, tau2, q, w0, w0sq);
        let nan = f64::NAN;
        let summary = Summary {
            k,
            estimate,
            se,
            ci_lower: estimate - crit * se,
            ci_upper: estimate + crit * se,
            statistic,
            p_value,
            tau2,
            tau2_ci_lower: nan,
            tau2_ci_upper: nan,
            tau: tau2.sqrt(),
            i2,
            i2_ci_lower: nan,
            i2_ci_upper: nan,
            h2,
            q,
            q_df: k - 1,
            q_p: nan,
            pi_lower: nan,
            pi_upper: nan,
            iterations,
            converged_by,
            df,
            h2_ci_lower: nan,
            h2_ci_upper: nan,
            sum_w: s1,
        };
        let wi = 1.0 / (self.v[i] + tau2);
        let sum_w_all = self.norm.undo_weight(s1 + wi);
        let summary = self.norm.check(self.norm.undo(summary))?;
        Ok(Deletion { summary, sum_w_all })
    }

    /// I² and H² of deletion `i` (as [`RandomEffects`]'s heterogeneity).
    fn i2_h2(&self, i: usize, tau2: f64, q: f64, sw0: f64, sw0sq: f64) -> (f64, f64) {
        let k = self.y.len() - 1;
        let df_q = (k - 1) as f64;
        let opts = &self.opts;
        if opts.method == Tau2Method::Ee || opts.i2 == I2Method::Q {
            return if q > 0.0 {
                ((100.0 * ((q - df_q) / q)).max(0.0), q / df_q)
            } else {
                (0.0, 1.0)
            };
        }
        let d = sw0 * sw0 - sw0sq;
        let vt = if d.is_finite() && d > 1e-8 * sw0 * sw0 {
            df_q * sw0 / d
        } else {
            super::typical_variance(&self.others(i, &self.v), sw0, sw0sq)
        };
        if vt.is_finite() && vt > 0.0 {
            (100.0 * (tau2 / (tau2 + vt)), (tau2 + vt) / vt)
        } else {
            (0.0, 1.0)
        }
    }

    /// `x` without element `i`.
    fn others(&self, i: usize, x: &[f64]) -> Vec<f64> {
        x.iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, &a)| a)
            .collect()
    }

    /// The expansion nearest τ² (by the series' ratio), if one answers it.
    fn full_sums(&self, tau2: f64) -> Option<([[f64; 3]; 3], f64)> {
        let p = self.points.partition_point(|e| e.t <= tau2);
        let lo = p.checked_sub(1).and_then(|j| self.points[j].at(tau2));
        lo.or_else(|| self.points.get(p).and_then(|e| e.at(tau2)))
    }
}

/// The grid points of the ML/REML global-maximum scan over every deletion (see
/// `global_max.rs`), with the series order that covers them, when the deletions' grids lie
/// within the series' reach of the full data's.
fn grid(y: &[f64], v: &[f64], sum_v: f64, vmin: f64, tau2: f64) -> Vec<(f64, usize)> {
    let k = v.len() as f64;
    let scale = sum_v / k;
    let vmax = v.iter().copied().fold(0.0, f64::max);
    // scale₋ᵢ/scale − 1 = (scale − vᵢ)/((k − 1)·scale)
    let rho = (scale - vmin).max(vmax - scale) / ((k - 1.0) * scale) * 1.01 + 1e-15;
    if rho > 0.5 * RHO_MAX {
        return Vec::new();
    }
    let mut order = 1;
    while 0.5 * (order as f64 + 1.0) * (order as f64 + 2.0) * rho.powi(order as i32 + 1)
        >= TRUNCATION
    {
        order += 1;
    }
    let order = order.min(ORDER);
    let scale_max = (sum_v - vmin) / (k - 1.0);
    let upper = 10.0 * estimators::range2(y) + 10.0 * scale_max;
    let top = 2.0 * upper.max(4.0 * tau2).max(scale_max) + scale_max;
    let ratio = 10f64.powf(1.0 / PER_DECADE);
    let mut t = FIRST * scale;
    let mut out = Vec::new();
    while t < top && t.is_finite() {
        out.push((t, order));
        t *= ratio;
    }
    out
}

/// Unweighted sums of a slice (the Sidik–Jonkman start of the full data).
struct Slices2<'a> {
    y: &'a [f64],
}

impl Slices2<'_> {
    fn sj_start(&self) -> f64 {
        let k = self.y.len() as f64;
        let ybar = self.y.iter().sum::<f64>() / k;
        self.y.iter().map(|&x| (x - ybar) * (x - ybar)).sum::<f64>() / k
    }
}

/// The data without study `i`, as a [`Tau2Data`].
struct Deleted<'a> {
    e: &'a LeaveOneOut,
    i: usize,
}

impl Deleted<'_> {
    /// `[A_m, B_m, C_m]` (m = 1, 2, 3) and `Σ ln(1 + τ²/v)` of the k − 1 studies at τ².
    fn raw(&self, tau2: f64) -> ([[f64; 3]; 3], f64) {
        let e = self.e;
        let (yi, vi) = (e.y[self.i], e.v[self.i]);
        if let Some((mut s, logdet)) = e.full_sums(tau2) {
            let w = 1.0 / (vi + tau2);
            let mut wm = w;
            let mut ok = true;
            let [a, b, c] = &mut s;
            for ((am, bm), cm) in a.iter_mut().zip(b.iter_mut()).zip(c.iter_mut()) {
                let (fa, fc) = (*am, *cm);
                *am -= wm;
                *bm -= wm * yi;
                *cm -= wm * yi * yi;
                ok &= fa < CANCELLATION * *am && (fc <= CANCELLATION * *cm || fc == 0.0);
                wm *= w;
            }
            if ok {
                return (s, logdet - (tau2 / vi).ln_1p());
            }
        }
        self.direct(tau2)
    }

    /// As [`Deleted::raw`], summed over the k − 1 studies.
    fn direct(&self, tau2: f64) -> ([[f64; 3]; 3], f64) {
        let e = self.e;
        let mut s = [[0.0; 3]; 3];
        let mut logdet = 0.0;
        for (j, (&y, &v)) in e.y.iter().zip(&e.v).enumerate() {
            if j == self.i {
                continue;
            }
            let w = 1.0 / (v + tau2);
            let mut wm = w;
            let [a, b, c] = &mut s;
            for ((am, bm), cm) in a.iter_mut().zip(b.iter_mut()).zip(c.iter_mut()) {
                *am += wm;
                *bm += wm * y;
                *cm += wm * y * y;
                wm *= w;
            }
            logdet += (tau2 / v).ln_1p();
        }
        (s, logdet)
    }
}

impl Tau2Data for Deleted<'_> {
    fn k(&self) -> usize {
        self.e.y.len() - 1
    }
    fn mean_v(&self) -> f64 {
        (self.e.sum_v - self.e.v[self.i]) / self.k() as f64
    }
    fn range2(&self) -> f64 {
        let e = self.e;
        let hi = e.top[usize::from(e.top[0] == self.i)];
        let lo = e.bottom[usize::from(e.bottom[0] == self.i)];
        let r = e.y[hi] - e.y[lo];
        r * r
    }
    fn hedges(&self) -> f64 {
        let k = self.k() as f64;
        k / (k - 1.0) * self.sj_start() - self.mean_v()
    }
    fn sj_start(&self) -> f64 {
        let e = self.e;
        let k = self.k() as f64;
        let yi = e.y[self.i];
        let sy = e.sum_y - yi;
        let syy = e.sum_yy - yi * yi;
        let ybar = sy / k;
        let rss = syy - k * ybar * ybar;
        if e.sum_yy < CANCELLATION * rss {
            return rss / k;
        }
        let y = e.others(self.i, &e.y);
        Slices2 { y: &y }.sj_start()
    }
    fn sums(&self, tau2: f64) -> [f64; 6] {
        let [s1, s2, s3, mu, r1, r2, _, _] = self.sums8(tau2);
        [s1, s2, s3, mu, r1, r2]
    }
    fn sums8(&self, tau2: f64) -> [f64; 8] {
        let (s, _) = self.raw(tau2);
        let [a, b, c] = s;
        let mu = b[0] / a[0];
        let r1 = (c[0] - mu * b[0]).max(0.0);
        let r2 = (c[1] - 2.0 * mu * b[1] + mu * mu * a[1]).max(0.0);
        let r3 = (c[2] - 2.0 * mu * b[2] + mu * mu * a[2]).max(0.0);
        let t2 = b[1] - mu * a[1];
        [a[0], a[1], a[2], mu, r1, r2, r3, t2]
    }
    fn qgen(&self, tau2: f64) -> (f64, f64) {
        let [_, _, _, _, r1, r2, _, _] = self.sums8(tau2);
        (r1, -r2)
    }
    fn ll0_minus_ll(&self, tau2: f64, method: Tau2Method) -> f64 {
        let [s0, _, _, _, rss0, _] = self.sums(0.0);
        let (s, logdet) = self.raw(tau2);
        let [a, b, c] = s;
        let mu = b[0] / a[0];
        let rss1 = (c[0] - mu * b[0]).max(0.0);
        let s1 = a[0];
        let mut d = 0.5 * (logdet + rss1 - rss0);
        if method == Tau2Method::Reml {
            d += 0.5 * (s1 / s0).ln();
        }
        d
    }
    fn dl_denominator_exact(&self) -> f64 {
        let v = self.e.others(self.i, &self.e.v);
        estimators::Slices { yi: &v, vi: &v }.dl_denominator_exact()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_matches_direct_sums() {
        let y: Vec<f64> = (0..50).map(|j| ((j * 7 % 13) as f64 - 6.0) / 5.0).collect();
        let v: Vec<f64> = (0..50).map(|j| 0.01 + (j % 9) as f64 / 20.0).collect();
        let vmin = v.iter().copied().fold(f64::INFINITY, f64::min);
        let e = Expansion::new(&y, &v, vmin, 0.2, ORDER);
        let (s, logdet) = e.at(0.205).expect("within reach");
        let t = 0.205;
        let a1: f64 = v.iter().map(|vj| 1.0 / (vj + t)).sum();
        let c3: f64 = y
            .iter()
            .zip(&v)
            .map(|(yj, vj)| yj * yj / (vj + t).powi(3))
            .sum();
        let ld: f64 = v.iter().map(|vj| (t / vj).ln_1p()).sum();
        assert!((s[0][0] - a1).abs() < 1e-13 * a1);
        assert!((s[2][2] - c3).abs() < 1e-13 * c3);
        assert!((logdet - ld).abs() < 1e-13 * ld);
    }
}
