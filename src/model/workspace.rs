//! Reusable scratch space for repeated fits.

use crate::dist;

/// Reusable scratch space for [`RandomEffects::fit_slices`](super::RandomEffects::fit_slices): weight buffer and cached
/// distribution quantiles (by degrees of freedom), so that repeated fits allocate nothing.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Normalised effects and variances (reused between fits).
    pub(super) y: Vec<f64>,
    pub(super) v: Vec<f64>,
    /// Warm start for the iterative τ² estimators (on the normalised scale) during a refit.
    pub(super) warm: Option<f64>,
    level: f64,
    chi2: Vec<(f64, f64)>,
    t: Vec<f64>,
}

const CACHE_DF: usize = 1024;

impl Workspace {
    /// A new, empty workspace.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn set_level(&mut self, level: f64) {
        if self.level != level {
            self.level = level;
            self.chi2.clear();
            self.t.clear();
        }
    }

    /// `(χ²_{α/2}, χ²_{1−α/2})` quantiles with `df` degrees of freedom.
    pub(super) fn chi2_bounds(&mut self, df: usize, alpha: f64) -> (f64, f64) {
        let compute = || {
            (
                dist::chi2_quantile(alpha / 2.0, df as f64),
                dist::chi2_quantile(1.0 - alpha / 2.0, df as f64),
            )
        };
        if df >= CACHE_DF {
            return compute();
        }
        if self.chi2.is_empty() {
            self.chi2 = vec![(f64::NAN, f64::NAN); CACHE_DF];
        }
        if self.chi2[df].0.is_nan() {
            self.chi2[df] = compute();
        }
        self.chi2[df]
    }

    /// `t_{1−α/2}` quantile with `df` degrees of freedom.
    pub(super) fn t_crit(&mut self, df: usize, alpha: f64) -> f64 {
        if df >= CACHE_DF {
            return dist::t_quantile(1.0 - alpha / 2.0, df as f64);
        }
        if self.t.is_empty() {
            self.t = vec![f64::NAN; CACHE_DF];
        }
        if self.t[df].is_nan() {
            self.t[df] = dist::t_quantile(1.0 - alpha / 2.0, df as f64);
        }
        self.t[df]
    }
}
