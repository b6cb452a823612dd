//! Covariate adjustment by seemingly unrelated regression (SUR).

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};

/// Seemingly unrelated regression of cost and effect on the treatment indicator `arm` plus their
/// own covariates (systemfit defaults: one-step feasible GLS, residual covariance with the
/// geometric-mean degrees-of-freedom correction). Returns the treatment coefficients
/// `[Δc, Δe]` and their 2×2 covariance matrix.
///
/// # Errors
/// [`Error::Length`] when the inputs differ in length; [`Error::Singular`] for a singular
/// design.
pub fn sur(
    cost: &[f64],
    effect: &[f64],
    arm: &[f64],
    xc: &[Vec<f64>],
    xe: &[Vec<f64>],
) -> Result<([f64; 2], DMatrix<f64>)> {
    let n = cost.len();
    Error::check_len("effects", n, effect.len())?;
    Error::check_len("arm indicators", n, arm.len())?;
    for c in xc.iter().chain(xe) {
        Error::check_len("covariate values", n, c.len())?;
    }
    let design = |cov: &[Vec<f64>]| {
        DMatrix::from_fn(n, 2 + cov.len(), |i, j| match j {
            0 => 1.0,
            1 => arm[i],
            _ => cov[j - 2][i],
        })
    };
    let (x1, x2) = (design(xc), design(xe));
    let (y1, y2) = (
        DVector::from_column_slice(cost),
        DVector::from_column_slice(effect),
    );
    let singular = || Error::Singular {
        message: "the covariate design is singular (collinear or constant covariates)".into(),
    };
    let ols = |x: &DMatrix<f64>, y: &DVector<f64>| -> Result<DVector<f64>> {
        let xtx = (x.transpose() * x).try_inverse().ok_or_else(singular)?;
        Ok(&xtx * (x.transpose() * y))
    };
    let e1 = &y1 - &x1 * ols(&x1, &y1)?;
    let e2 = &y2 - &x2 * ols(&x2, &y2)?;
    let (k1, k2) = (x1.ncols() as f64, x2.ncols() as f64);
    let nf = n as f64;
    let s11 = e1.dot(&e1) / (nf - k1);
    let s22 = e2.dot(&e2) / (nf - k2);
    let s12 = e1.dot(&e2) / ((nf - k1) * (nf - k2)).sqrt();
    let sigma = DMatrix::from_row_slice(2, 2, &[s11, s12, s12, s22]);
    let si = sigma.try_inverse().ok_or_else(singular)?;
    let (p1, p2) = (x1.ncols(), x2.ncols());
    let mut xox = DMatrix::zeros(p1 + p2, p1 + p2);
    xox.view_mut((0, 0), (p1, p1))
        .copy_from(&(x1.transpose() * &x1 * si[(0, 0)]));
    xox.view_mut((0, p1), (p1, p2))
        .copy_from(&(x1.transpose() * &x2 * si[(0, 1)]));
    xox.view_mut((p1, 0), (p2, p1))
        .copy_from(&(x2.transpose() * &x1 * si[(1, 0)]));
    xox.view_mut((p1, p1), (p2, p2))
        .copy_from(&(x2.transpose() * &x2 * si[(1, 1)]));
    let mut xoy = DVector::zeros(p1 + p2);
    xoy.rows_mut(0, p1)
        .copy_from(&(x1.transpose() * (&y1 * si[(0, 0)] + &y2 * si[(0, 1)])));
    xoy.rows_mut(p1, p2)
        .copy_from(&(x2.transpose() * (&y1 * si[(1, 0)] + &y2 * si[(1, 1)])));
    let cov = xox.try_inverse().ok_or_else(singular)?;
    let b = &cov * xoy;
    let (i1, i2) = (1, p1 + 1);
    let v = DMatrix::from_row_slice(
        2,
        2,
        &[cov[(i1, i1)], cov[(i1, i2)], cov[(i2, i1)], cov[(i2, i2)]],
    );
    Ok(([b[i1], b[i2]], v))
}
