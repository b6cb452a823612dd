//! The inverse of a symmetric positive definite block from its Cholesky factor, as the fit needs
//! it once per block per iteration.
//!
//! nalgebra's `Cholesky::inverse` solves `L Lᵀ X = I` column by column: two full triangular
//! solves with n right-hand sides, about 2n³ flops, reading `L` across rows. Here the identity's
//! zeros are used: `L⁻¹` is lower triangular (n³/6 flops, by columns of `L`), and
//! `M⁻¹ = L⁻ᵀ L⁻¹` is symmetric, each entry a dot product of two columns of `L⁻¹` (n³/6 flops for
//! one triangle, mirrored). With the factor itself (n³/3) a block costs about 2n³/3 flops instead
//! of 7n³/3, reading memory down columns throughout.

use nalgebra::{Cholesky, DMatrix, Dyn};

/// `M⁻¹` from the Cholesky factor of `M`.
pub(super) fn spd_inverse(chol: &Cholesky<f64, Dyn>) -> DMatrix<f64> {
    let l = chol.l_dirty();
    let n = l.nrows();
    // Column-major storage: column c of an n × n matrix is [c n, (c + 1) n).
    let ls = l.as_slice();
    // X = L⁻¹, column by column: X e_j solves L x = e_j, zero above j (axpy form, down the
    // columns of L).
    let mut x = vec![0.0; n * n];
    for j in 0..n {
        let xs = &mut x[j * n..(j + 1) * n];
        xs[j] = 1.0;
        for k in j..n {
            let lk = &ls[k * n + k..(k + 1) * n];
            let xk = xs[k] / lk[0];
            xs[k] = xk;
            if xk != 0.0 {
                for (xi, li) in xs[k + 1..].iter_mut().zip(&lk[1..]) {
                    *xi -= xk * li;
                }
            }
        }
    }
    // M⁻¹[i, j] = Σ_{k ≥ max(i, j)} X[k, i] X[k, j].
    let mut m = DMatrix::<f64>::zeros(n, n);
    for j in 0..n {
        let xj = &x[j * n..(j + 1) * n];
        for i in j..n {
            let xi = &x[i * n + i..(i + 1) * n];
            let v = dot(xi, &xj[i..]);
            m[(i, j)] = v;
            m[(j, i)] = v;
        }
    }
    m
}

/// `Σ aᵢbᵢ` in four interleaved partial sums, so that the products pipeline (a single running
/// sum waits on every addition).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for q in 0..4 {
            acc[q] += x[q] * y[q];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_nalgebras_inverse() {
        let n = 37;
        // A CHE-like block: 0.3 J + 0.6-correlated sampling covariance + a diagonal.
        let v: Vec<f64> = (0..n).map(|i| 0.01 + 0.002 * i as f64).collect();
        let m = DMatrix::from_fn(n, n, |i, j| {
            0.3 + if i == j {
                v[i]
            } else {
                0.6 * (v[i] * v[j]).sqrt()
            }
        });
        let ch = m.clone().cholesky().unwrap();
        let want = ch.clone().inverse();
        let got = spd_inverse(&ch);
        let scale = want.amax();
        let err = (&got - &want).amax();
        assert!(err <= 1e-12 * scale, "max error {err} at scale {scale}");
        let id = &m * &got;
        assert!((id - DMatrix::identity(n, n)).amax() < 1e-10);
        assert_eq!(got, got.transpose());
    }
}
