//! metafor's heterogeneity tests of a GLMM (`QE.Wld`, `QE.LRT`): the Wald and likelihood-ratio
//! tests of the equal-effects model against the saturated model (one effect per study), and
//! the typical within-study variance behind I² and H².

use serde::Serialize;

use crate::dist;

/// A χ² test: statistic, degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChiTest {
    /// The statistic.
    pub statistic: f64,
    /// Its degrees of freedom.
    pub df: usize,
    /// Its p-value.
    pub p: f64,
}

impl ChiTest {
    /// The test of `statistic` (negative values set to 0, as metafor) on `df` degrees of freedom
    /// (p = 1 when `df` is 0).
    pub fn new(statistic: f64, df: usize) -> Self {
        let statistic = statistic.max(0.0);
        let p = if df == 0 {
            1.0
        } else {
            dist::chi2_sf(statistic, df as f64)
        };
        ChiTest { statistic, df, p }
    }
}

/// The Wald statistic of the saturated model's study effects being equal: the inverse-variance
/// weighted sum of squares of the per-study estimates about their weighted mean. A study with a
/// zero count has an unbounded estimate with unbounded variance in the saturated fit (its
/// weight tends to 0), so it is left out, which is the limit metafor's `glm` fit approaches.
pub fn wald(effects: &[(f64, f64)]) -> f64 {
    let finite: Vec<(f64, f64)> = effects
        .iter()
        .copied()
        .filter(|(y, v)| y.is_finite() && v.is_finite() && *v > 0.0)
        .collect();
    let sw: f64 = finite.iter().map(|(_, v)| 1.0 / v).sum();
    if finite.len() < 2 || sw <= 0.0 {
        return 0.0;
    }
    let mean = finite.iter().map(|(y, v)| y / v).sum::<f64>() / sw;
    finite.iter().map(|(y, v)| (y - mean).powi(2) / v).sum()
}

/// The typical within-study variance `ṽ = (k − 1)Σw/((Σw)² − Σw²)`, `w = 1/v` (metafor's
/// default `i2def`, intercept-only).
pub fn typical_variance(vi: &[f64]) -> f64 {
    let k = vi.len() as f64;
    let sw: f64 = vi.iter().map(|v| 1.0 / v).sum();
    let sw2: f64 = vi.iter().map(|v| 1.0 / (v * v)).sum();
    (k - 1.0) * sw / (sw * sw - sw2)
}
