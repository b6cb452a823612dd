//! Gauss–Hermite rules for integrals against the standard normal density (lme4 `GHrule`).
//!
//! The nodes `z_k` and weights `w_k` (summing to 1) make `Σ w_k g(z_k)` exact for
//! `∫ g(z) φ(z) dz` when `g` is a polynomial of degree below `2n`. They come from the
//! Golub–Welsch eigenproblem of the probabilists' Hermite recurrence: the symmetric tridiagonal
//! matrix with zero diagonal and off-diagonal `√j` (j = 1 … n − 1); the nodes are its
//! eigenvalues, the weights the squared first components of its unit eigenvectors.

use nalgebra::{DMatrix, SymmetricEigen};

/// A Gauss–Hermite rule for the standard normal weight: nodes `z` and weights `w`.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalRule {
    /// The nodes, ascending.
    pub z: Vec<f64>,
    /// The weights (summing to 1).
    pub w: Vec<f64>,
}

impl NormalRule {
    /// The `n`-point rule (`n ≥ 1`; `n = 1` is the single node 0 with weight 1, the Laplace
    /// approximation).
    pub fn new(n: usize) -> Self {
        let n = n.max(1);
        let mut j = DMatrix::<f64>::zeros(n, n);
        for i in 1..n {
            let b = (i as f64).sqrt();
            j[(i, i - 1)] = b;
            j[(i - 1, i)] = b;
        }
        let eig = SymmetricEigen::new(j);
        let mut pairs: Vec<(f64, f64)> = (0..n)
            .map(|i| (eig.eigenvalues[i], eig.eigenvectors[(0, i)].powi(2)))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Symmetrise (the rule is symmetric about 0; this removes rounding asymmetry).
        for i in 0..n / 2 {
            let (a, b) = (pairs[i], pairs[n - 1 - i]);
            let z = 0.5 * (b.0 - a.0);
            let w = 0.5 * (a.1 + b.1);
            pairs[i] = (-z, w);
            pairs[n - 1 - i] = (z, w);
        }
        if n % 2 == 1 {
            pairs[n / 2].0 = 0.0;
        }
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        NormalRule {
            z: pairs.iter().map(|p| p.0).collect(),
            w: pairs.iter().map(|p| p.1 / total).collect(),
        }
    }

    /// The log weights (for sums in log space).
    pub fn log_w(&self) -> Vec<f64> {
        self.w.iter().map(|w| w.ln()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_point_rule_integrates_normal_moments() {
        let r = NormalRule::new(7);
        let m = |p: i32| -> f64 { r.z.iter().zip(&r.w).map(|(z, w)| w * z.powi(p)).sum() };
        assert!((m(0) - 1.0).abs() < 1e-14);
        assert!((m(2) - 1.0).abs() < 1e-13);
        assert!((m(4) - 3.0).abs() < 1e-12);
        assert!((m(12) - 10395.0).abs() < 1e-7);
        // lme4::GHrule(7): largest node 3.750439717725742
        assert!((r.z[6] - 3.750_439_717_725_742).abs() < 1e-12);
    }
}
