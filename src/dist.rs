//! Guarded distribution functions.
//!
//! Thin wrappers over [`statrs`] that guard the regions where its implementations are known to be
//! inaccurate: Student-t quantiles for very large degrees of freedom (above `df = 1e4`
//! the normal quantile is polished by Newton steps on the t CDF), and χ² quantiles for tiny probabilities or fractional `df < 1` (the
//! statrs value is polished by safeguarded Newton steps on the CDF, which statrs computes accurately).
//!
//! # Examples
//!
//! ```
//! use peerstat::dist;
//! // qnorm(0.975) in R
//! assert!((dist::norm_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
//! // qchisq(0.975, 12) in R
//! assert!((dist::chi2_quantile(0.975, 12.0) - 23.33666415864534).abs() < 1e-9);
//! ```

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

/// Degrees of freedom above which statrs' t quantile is replaced by Newton steps on the t CDF
/// from the normal quantile.
pub const T_NORMAL_DF: f64 = 1e4;

/// Quantile of the standard normal distribution (`qnorm(p)`).
pub fn norm_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Upper-tail probability of the standard normal, `P(Z > z)`.
pub fn norm_sf(z: f64) -> f64 {
    Normal::standard().sf(z)
}

/// Two-sided p-value of a z statistic, `2·P(Z > |z|)`.
pub fn norm_p2(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    2.0 * norm_sf(z.abs())
}

/// Quantile of Student's t distribution with `df` degrees of freedom (`qt(p, df)`).
///
/// statrs' inversion breaks down for very large `df`; above [`T_NORMAL_DF`] the normal quantile
/// is used as a start and polished by safeguarded Newton steps on the t CDF (which statrs
/// computes accurately), so that `t_p2(t_quantile(1 − α/2, df), df) = α` at every `df` and
/// confidence limits agree with p-values. Returns NaN for `df <= 0` or NaN inputs.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || p.is_nan() {
        return f64::NAN;
    }
    let Ok(t) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    if df <= T_NORMAL_DF || !(0.0 < p && p < 1.0) {
        return t.inverse_cdf(p);
    }
    let z = norm_quantile(p);
    if df > T_R_LARGE_DF {
        // The exact inverse of R's large-df CDF (see `t_sf`).
        let v = 1.0 / (4.0 * df);
        return z / ((1.0 - v) * (1.0 - v) - 2.0 * v * z * z).sqrt();
    }
    // The t quantile lies beyond the normal one, by about (z³ + z)/(4 df).
    let (lo, hi) = if z >= 0.0 {
        (z, z * (1.0 + 1.0 / df) + 1.0 / df)
    } else {
        (z * (1.0 + 1.0 / df) - 1.0 / df, z)
    };
    let start = z + (z * z * z + z) / (4.0 * df);
    crate::root::solve(
        |x| (t.cdf(x) - p, t.pdf(x)),
        crate::root::Bracket::new(lo - 1e-12, hi + 1e-12, start.clamp(lo, hi)),
        |lo, hi, _| 0.5 * (lo + hi),
        |prev, next, lo, hi| {
            (next - prev).abs() <= 1e-15 * prev.abs().max(1e-300) || hi - lo <= 1e-15 * hi.abs()
        },
        100,
    )
    .x
}

/// Degrees of freedom above which the t distribution function is R's normal approximation
/// `Φ(x(1 − 1/(4ν))/√(1 + x²/(2ν)))` (R `pt`, error O(ν⁻²)), where statrs' loses digits.
pub const T_R_LARGE_DF: f64 = 4e5;

/// Upper-tail probability of Student's t, `P(T > t)` (R `pt(t, df, lower = FALSE)`).
pub fn t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df > T_R_LARGE_DF {
        let v = 1.0 / (4.0 * df);
        return norm_sf(t * (1.0 - v) / (1.0 + t * t * 2.0 * v).sqrt());
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => d.sf(t),
        Err(_) => f64::NAN,
    }
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom, `2·P(T > |t|)`.
pub fn t_p2(t: f64, df: f64) -> f64 {
    let p = 2.0 * t_sf(t.abs(), df);
    if p.is_nan() {
        f64::NAN
    } else {
        p.min(1.0)
    }
}

/// Upper-tail probability of the χ² distribution, `P(X > x)` (`pchisq(x, df, lower = FALSE)`).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Upper-tail probability of the F distribution with `(df1, df2)` degrees of freedom.
pub fn f_sf(x: f64, df1: f64, df2: f64) -> f64 {
    if x.is_nan() || df1 <= 0.0 || df2 <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    match statrs::distribution::FisherSnedecor::new(df1, df2) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Quantile of the χ² distribution with `df > 0` degrees of freedom (`qchisq(p, df)`).
///
/// statrs' inversion is used as a starting value and polished by safeguarded Newton iterations
/// on the (accurate) CDF, which repairs statrs' failures for `p < 1e-8` and `df < 1`.
/// Returns NaN outside `0 < p < 1` or for `df <= 0`, 0 at `p = 0` and +∞ at `p = 1`.
pub fn chi2_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || df.is_nan() || df <= 0.0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let Ok(d) = ChiSquared::new(df) else {
        return f64::NAN;
    };
    // Bracket [lo, hi] with cdf(lo) < p < cdf(hi).
    let mut lo = 0.0_f64;
    let mut hi = df.max(1.0);
    while d.cdf(hi) < p {
        lo = hi;
        hi *= 2.0;
        if !hi.is_finite() {
            return f64::INFINITY;
        }
    }
    let start = d.inverse_cdf(p);
    let x = if start.is_finite() && start > lo && start < hi {
        start
    } else {
        0.5 * (lo + hi)
    };
    crate::root::solve(
        |x| (d.cdf(x) - p, d.pdf(x)),
        crate::root::Bracket::new(lo, hi, x),
        // Bisect, geometrically when the bracket spans orders of magnitude.
        |lo, hi, _| {
            if lo > 0.0 && hi / lo > 4.0 {
                (lo * hi).sqrt()
            } else if lo == 0.0 && hi > 1e-300 {
                hi * 1e-3_f64.max(p.powf(1.0 / (0.5 * df)).min(0.5))
            } else {
                0.5 * (lo + hi)
            }
        },
        |prev, next, _, _| (next - prev).abs() <= 1e-15 * prev.abs(),
        200,
    )
    .x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    // Reference values: R 4.x, `qchisq`, `qt`, `pchisq`, printed with digits = 17.
    #[test]
    fn chi2_quantiles_match_r() {
        assert!(rel(chi2_quantile(0.025, 12.0), 4.4037885069817) < 1e-10);
        assert!(rel(chi2_quantile(0.975, 1.0), 5.023_886_187_314_886) < 1e-10);
        assert!(rel(chi2_quantile(0.025, 1.0), 0.00098206911717175) < 1e-9);
    }

    #[test]
    fn chi2_quantile_tiny_p_and_fractional_df() {
        // Round trips through the CDF, which is accurate in statrs.
        for &(p, df) in &[
            (1e-10, 3.0),
            (1e-12, 1.0),
            (0.025, 0.5),
            (0.975, 0.3),
            (1e-9, 0.7),
        ] {
            let x = chi2_quantile(p, df);
            let c = ChiSquared::new(df).unwrap().cdf(x);
            assert!(((c - p) / p).abs() < 1e-8, "p={p} df={df} x={x} cdf={c}");
        }
    }

    #[test]
    fn t_quantile_large_df_is_exact() {
        // Issue #10: above df = 1e4 the quantile used to be the normal one while t_p2 stayed
        // exact, so CIs and p-values disagreed by ~1e-4 relative. Now both are exact:
        // qt(0.975, df) = z + (z³ + z)/(4 df) + (5z⁵ + 16z³ + 3z)/(96 df²) + O(df⁻³).
        let z = norm_quantile(0.975);
        for df in [2e4, 1e5, 1e6, 1e7] {
            let t = t_quantile(0.975, df);
            let cf = z
                + (z.powi(3) + z) / (4.0 * df)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * df * df);
            assert!(rel(t, cf) < 1e-10, "df {df}: {t} vs {cf}");
            assert!(t > z);
            assert!(rel(t_p2(t, df), 0.05) < 1e-9, "df {df}: {}", t_p2(t, df));
            assert!(rel(t_quantile(0.025, df), -t) < 1e-12);
        }
        assert!(rel(t_quantile(0.975, 12.0), 2.1788128296672) < 1e-10);
        assert!(t_quantile(0.975, 0.0).is_nan());
    }

    #[test]
    fn p_values() {
        assert!(
            rel(norm_p2(1.959963984540054), 0.05) < 1e-9,
            "{}",
            norm_p2(1.959963984540054)
        );
        assert!(rel(t_p2(2.1788128296672, 12.0), 0.05) < 1e-9);
        assert_eq!(chi2_sf(0.0, 3.0), 1.0);
    }
}
