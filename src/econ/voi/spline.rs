//! The cubic regression spline basis of mgcv (`s(x, bs = "cr")`, Wood 2017 §5.3.1): a natural
//! cubic spline parameterised by its values at `k` knots placed at the quantiles of the distinct
//! values of `x` (R's `quantile(unique(x), seq(0, 1, length = k))`, type 7), with the wiggliness
//! penalty `∫ f''(x)² dx = βᵀ S β`.
//!
//! # Formula
//! With knots `x₁ < … < x_k`, `h_j = x_{j+1} − x_j`, the second derivatives at the knots are
//! `γ = F β` with `F = [0; B⁻¹D; 0]`, where `D` is `(k−2) × k` with
//! `D_{i,i} = 1/h_i`, `D_{i,i+1} = −1/h_i − 1/h_{i+1}`, `D_{i,i+2} = 1/h_{i+1}` and `B` is the
//! tridiagonal `(k−2) × (k−2)` matrix with `B_{i,i} = (h_i + h_{i+1})/3`,
//! `B_{i,i+1} = B_{i+1,i} = h_{i+1}/6`; `S = Dᵀ B⁻¹ D`. On `[x_j, x_{j+1}]`,
//! `f(x) = a⁻β_j + a⁺β_{j+1} + c⁻γ_j + c⁺γ_{j+1}` with `a⁻ = (x_{j+1} − x)/h_j`,
//! `a⁺ = (x − x_j)/h_j`, `c⁻ = ((x_{j+1} − x)³/h_j − h_j(x_{j+1} − x))/6` and
//! `c⁺ = ((x − x_j)³/h_j − h_j(x − x_j))/6`.

use nalgebra::DMatrix;

use crate::error::{Error, Result};

/// A cubic regression spline basis of dimension `k`.
#[derive(Debug, Clone)]
pub(crate) struct CrBasis {
    knots: Vec<f64>,
    /// `k × k`: parameters (values at the knots) to second derivatives at the knots.
    f: DMatrix<f64>,
    /// The `k × k` penalty matrix.
    pub(crate) s: DMatrix<f64>,
}

/// R's `quantile(u, p, type = 7)` of sorted values `u`.
fn quantile7(u: &[f64], p: f64) -> f64 {
    let n = u.len();
    let index = 1.0 + (n as f64 - 1.0) * p;
    let lo = index.floor() as usize;
    let hi = index.ceil() as usize;
    let q = u[lo - 1];
    let h = index - lo as f64;
    if index > lo as f64 && u[hi - 1] != q {
        (1.0 - h) * q + h * u[hi - 1]
    } else {
        q
    }
}

impl CrBasis {
    /// The basis of dimension `k` for the values `x` of parameter `name`.
    ///
    /// # Errors
    /// [`Error::Input`] when `x` has fewer than `k` distinct finite values.
    pub(crate) fn new(name: &str, x: &[f64], k: usize) -> Result<CrBasis> {
        let mut u: Vec<f64> = x.to_vec();
        u.sort_by(f64::total_cmp);
        u.dedup();
        if u.len() < k || k < 3 {
            return Err(Error::input(
                format!("parameter '{name}'"),
                format!(
                    "has {} distinct values; a cubic regression spline with {k} knots needs at least {k}",
                    u.len()
                ),
            ));
        }
        let knots: Vec<f64> = (0..k)
            .map(|i| quantile7(&u, i as f64 / (k - 1) as f64))
            .collect();
        let h: Vec<f64> = knots.windows(2).map(|w| w[1] - w[0]).collect();
        let m = k - 2;
        let mut d = DMatrix::zeros(m, k);
        let mut b = DMatrix::zeros(m, m);
        for i in 0..m {
            d[(i, i)] = 1.0 / h[i];
            d[(i, i + 1)] = -1.0 / h[i] - 1.0 / h[i + 1];
            d[(i, i + 2)] = 1.0 / h[i + 1];
            b[(i, i)] = (h[i] + h[i + 1]) / 3.0;
            if i + 1 < m {
                b[(i, i + 1)] = h[i + 1] / 6.0;
                b[(i + 1, i)] = h[i + 1] / 6.0;
            }
        }
        let chol = b.cholesky().ok_or_else(|| {
            Error::input(format!("parameter '{name}'"), "knots too close together")
        })?;
        let bid = chol.solve(&d);
        let s = d.transpose() * &bid;
        let s = (&s + s.transpose()) * 0.5;
        let mut f = DMatrix::zeros(k, k);
        f.view_mut((1, 0), (m, k)).copy_from(&bid);
        Ok(CrBasis { knots, f, s })
    }

    /// The basis dimension.
    pub(crate) fn dim(&self) -> usize {
        self.knots.len()
    }

    /// Writes the basis functions at `x` into `out` (length `k`).
    pub(crate) fn row(&self, x: f64, out: &mut [f64]) {
        let kn = &self.knots;
        let k = kn.len();
        // interval j with kn[j] <= x <= kn[j+1], clamped to the first and last
        let j = kn[1..k - 1].partition_point(|&t| t <= x).min(k - 2);
        let (x0, x1) = (kn[j], kn[j + 1]);
        let hj = x1 - x0;
        let (dm, dp) = (x1 - x, x - x0);
        let am = dm / hj;
        let ap = dp / hj;
        let cm = (dm * dm * dm / hj - hj * dm) / 6.0;
        let cp = (dp * dp * dp / hj - hj * dp) / 6.0;
        for (c, o) in out.iter_mut().enumerate() {
            *o = cm * self.f[(j, c)] + cp * self.f[(j + 1, c)];
        }
        out[j] += am;
        out[j + 1] += ap;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_values_at_knots_and_constants() {
        let x: Vec<f64> = (0..101).map(|i| (i as f64 / 100.0).powi(2)).collect();
        let b = CrBasis::new("x", &x, 5).unwrap();
        let mut r = vec![0.0; 5];
        for &xi in &x {
            b.row(xi, &mut r);
            assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        b.row(b.knots[2], &mut r);
        assert!((r[2] - 1.0).abs() < 1e-12);
        // constants and straight lines are not penalised
        let one = DMatrix::from_element(5, 1, 1.0);
        assert!((&b.s * &one).norm() < 1e-9 * b.s.norm());
        let lin = DMatrix::from_column_slice(5, 1, &b.knots);
        assert!((&b.s * &lin).norm() < 1e-9 * b.s.norm());
    }

    #[test]
    fn quantiles_are_r_type_7() {
        let u = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile7(&u, 0.0), 1.0);
        assert_eq!(quantile7(&u, 1.0), 8.0);
        assert!((quantile7(&u, 0.5) - 3.0).abs() < 1e-15);
    }
}
