//! Guarded distribution functions.
//!
//! Thin wrappers over [`statrs`] that guard the regions where its implementations are known to be
//! inaccurate (GUIDE §3): Student-t quantiles for very large degrees of freedom (the normal quantile
//! is used above `df = 1e4`), and χ² quantiles for tiny probabilities or fractional `df < 1` (the
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

/// Degrees of freedom above which the t distribution is replaced by the standard normal.
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
/// Uses the normal quantile above [`T_NORMAL_DF`] (statrs' t quantile breaks down there).
/// Returns NaN for `df <= 0` or NaN inputs.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 || p.is_nan() {
        return f64::NAN;
    }
    if df > T_NORMAL_DF {
        return norm_quantile(p);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom, `2·P(T > |t|)`.
pub fn t_p2(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => (2.0 * d.sf(t.abs())).min(1.0),
        Err(_) => f64::NAN,
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
    let mut x = if start.is_finite() && start > lo && start < hi {
        start
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..200 {
        let f = d.cdf(x) - p;
        if f == 0.0 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let dens = d.pdf(x);
        let mut next = if dens > 0.0 && dens.is_finite() {
            x - f / dens
        } else {
            f64::NAN
        };
        if !(next > lo && next < hi) {
            // Bisect, geometrically when the bracket spans orders of magnitude.
            next = if lo > 0.0 && hi / lo > 4.0 {
                (lo * hi).sqrt()
            } else if lo == 0.0 && hi > 1e-300 {
                hi * 1e-3_f64.max(p.powf(1.0 / (0.5 * df)).min(0.5))
            } else {
                0.5 * (lo + hi)
            };
        }
        if (next - x).abs() <= 1e-15 * x.abs() {
            return next;
        }
        x = next;
    }
    x
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
    fn t_quantile_large_df_uses_normal() {
        let z = norm_quantile(0.975);
        assert_eq!(t_quantile(0.975, 1e7), z);
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
