//! Centring and scaling by powers of two, so that a fit's sums stay well inside the range of
//! double precision whatever the scale of the data, and a common offset in the effects does not
//! cost digits. Scaling by a power of two is exact, so on data of ordinary scale the fit is
//! unchanged bit for bit; together with the relative convergence rule it makes every estimator
//! equivariant under `y → a + c·y, v → c²·v`.

use super::Summary;
use crate::dist;
use crate::error::Error;

/// Exponents of the variances' scale within which the data are left as they are.
const FREE_EXPONENT: i32 = 24;

/// A centre and a power-of-two scale for one fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Normaliser {
    shift: f64,
    e: i32,
}

/// The binary exponent of a positive finite number (subnormals included).
fn exponent(x: f64) -> i32 {
    let bits = ((x.to_bits() >> 52) & 0x7ff) as i32;
    if bits == 0 {
        x.log2().floor() as i32
    } else {
        bits - 1023
    }
}

/// `x · 2^e`, exactly (in two steps so that `2^e` itself never overflows).
fn times_pow2(x: f64, e: i32) -> f64 {
    let h = e / 2;
    x * 2f64.powi(h) * 2f64.powi(e - h)
}

impl Normaliser {
    /// The normaliser of validated data (`vi` positive and finite, `yi` finite, k ≥ 1).
    pub(super) fn new(yi: &[f64], vi: &[f64]) -> Self {
        let k = vi.len().max(1) as i64;
        let ev: i64 = vi.iter().map(|&v| i64::from(exponent(v))).sum();
        // sqrt of the geometric-mean variance, to the nearest power of two
        let half = (ev as f64 / k as f64 / 2.0).round() as i32;
        let e = if half.abs() <= FREE_EXPONENT { 0 } else { half };
        let (lo, hi) = yi
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
                (a.min(y), b.max(y))
            });
        let mid = 0.5 * lo + 0.5 * hi;
        let spread = (hi - lo).max(times_pow2(1.0, half));
        let shift = if mid.abs() > spread * 1_048_576.0 {
            mid
        } else {
            0.0
        };
        Normaliser { shift, e }
    }

    /// Whether the data are used as they are.
    pub(super) fn is_identity(&self) -> bool {
        self.shift == 0.0 && self.e == 0
    }

    /// Writes the normalised data into `y` and `v`.
    pub(super) fn apply(&self, yi: &[f64], vi: &[f64], y: &mut Vec<f64>, v: &mut Vec<f64>) {
        y.clear();
        v.clear();
        y.extend(yi.iter().map(|&x| times_pow2(x - self.shift, -self.e)));
        v.extend(vi.iter().map(|&x| self.scale_variance(x)));
    }

    /// A variance (τ²) on the normalised scale.
    pub(super) fn scale_variance(&self, t: f64) -> f64 {
        times_pow2(times_pow2(t, -self.e), -self.e)
    }

    /// A location (an estimate) on the normalised scale.
    pub(super) fn location(&self, x: f64) -> f64 {
        times_pow2(x - self.shift, -self.e)
    }

    /// A sum of weights `Σ 1/(v + τ²)` of the normalised data on the original scale.
    pub(super) fn undo_weight(&self, w: f64) -> f64 {
        times_pow2(times_pow2(w, -self.e), -self.e)
    }

    /// The summary of the normalised fit on the original scale.
    pub(super) fn undo(&self, mut s: Summary) -> Summary {
        let e = self.e;
        let loc = |x: f64| self.shift + times_pow2(x, e);
        let var = |x: f64| times_pow2(times_pow2(x, e), e);
        s.estimate = loc(s.estimate);
        s.ci_lower = loc(s.ci_lower);
        s.ci_upper = loc(s.ci_upper);
        s.pi_lower = loc(s.pi_lower);
        s.pi_upper = loc(s.pi_upper);
        s.se = times_pow2(s.se, e);
        s.tau2 = var(s.tau2);
        s.tau2_ci_lower = var(s.tau2_ci_lower);
        s.tau2_ci_upper = var(s.tau2_ci_upper);
        s.tau = times_pow2(s.tau, e);
        s.sum_w = times_pow2(times_pow2(s.sum_w, -e), -e);
        if self.shift != 0.0 {
            s.statistic = s.estimate / s.se;
            s.p_value = if s.df.is_nan() {
                dist::norm_p2(s.statistic)
            } else {
                dist::t_p2(s.statistic, s.df)
            };
        }
        s
    }

    /// The summary, or an error when a result is not representable in double precision.
    pub(super) fn check(&self, s: Summary) -> Result<Summary, Error> {
        let bad = |what: &'static str| Err(Error::NotRepresentable { what });
        if !s.estimate.is_finite() {
            return bad("the pooled estimate");
        }
        if !(s.se.is_finite() && s.se > 0.0) {
            return bad("the standard error");
        }
        if !s.tau2.is_finite() {
            return bad("tau^2");
        }
        if !s.q.is_finite() {
            return bad("the Q statistic");
        }
        if s.tau2_ci_lower > s.tau2_ci_upper {
            return bad("the confidence interval of tau^2");
        }
        Ok(s)
    }
}
