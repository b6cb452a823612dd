//! Regression of net benefit on parameters by a penalised regression spline, as R's voi does by
//! default (`mgcv::gam(y ~ te(<parameters>, bs = "cr"))`): a tensor product of cubic regression
//! spline bases (5 knots per parameter, 4 for four parameters, as voi asks of `te()`), one
//! wiggliness penalty per parameter, and the smoothing parameters chosen by generalised
//! cross-validation (mgcv's default `method = "GCV.Cp"` for a Gaussian model with unknown scale).
//!
//! # Formula
//! The basis row of draw `i` is `x_i = x_i^(1) ⊗ … ⊗ x_i^(m)` (marginal [`CrBasis`] rows); the
//! penalties are `S_j = I ⊗ … ⊗ S̃_j ⊗ … ⊗ I`. For smoothing parameters `λ`,
//! `β̂ = (XᵀX + Σλ_j S_j)⁻¹ Xᵀy`, `A` the influence matrix and
//! `GCV(λ) = n‖y − Xβ̂‖² / (n − tr A)²`, minimised over `log λ`. mgcv absorbs a sum-to-zero
//! constraint into the smooth and adds an intercept; because the cubic regression spline basis
//! sums to one and the penalties vanish on constants, that is the same model and the same fitted
//! values as the unconstrained basis used here. The residual sum of squares is computed as
//! `‖y − Xβ̂_ols‖² + (β̂_ols − β̂)ᵀXᵀX(β̂_ols − β̂)`, which loses no digits when the fit is close.

use nalgebra::{DMatrix, DVector};

use super::spline::CrBasis;
use crate::error::{Error, Result};

/// The largest number of parameters the GAM regression takes (as voi, which switches to a
/// Gaussian process beyond four).
pub const GAM_MAX_PARAMETERS: usize = 4;

/// The tensor-product design of one parameter set, shared by every response regressed on it.
pub(crate) struct GamDesign {
    n: usize,
    p: usize,
    /// Row-major `n × p` basis matrix.
    x: Vec<f64>,
    xtx: DMatrix<f64>,
    /// Penalties, each scaled to the Frobenius norm of `XᵀX`.
    penalties: Vec<DMatrix<f64>>,
}

/// One fitted regression.
pub(crate) struct GamFit {
    /// Fitted values, one per draw.
    pub(crate) fitted: Vec<f64>,
    beta: DVector<f64>,
    /// `σ̂ L⁻ᵀ` factor: `β̂ + factor·z` (z standard normal) draws from mgcv's Bayesian posterior
    /// `N(β̂, Vp)`, `Vp = σ̂² (XᵀX + Σλ_j S_j)⁻¹`, `σ̂² = RSS / (n − tr A)`.
    factor: DMatrix<f64>,
}

/// `I_a ⊗ S ⊗ I_b`.
fn kron_penalty(s: &DMatrix<f64>, before: usize, after: usize) -> DMatrix<f64> {
    let k = s.nrows();
    let p = before * k * after;
    let mut out = DMatrix::zeros(p, p);
    for a in 0..before {
        for i in 0..k {
            for j in 0..k {
                let v = s[(i, j)];
                if v == 0.0 {
                    continue;
                }
                for b in 0..after {
                    out[((a * k + i) * after + b, (a * k + j) * after + b)] = v;
                }
            }
        }
    }
    out
}

impl GamDesign {
    /// The design for parameters `cols` (name and one value per draw).
    ///
    /// # Errors
    /// [`Error::Input`] for no or more than [`GAM_MAX_PARAMETERS`] parameters, a parameter with
    /// too few distinct values, or too few draws for the basis; [`Error::Singular`]-like input
    /// errors when the basis is rank deficient.
    pub(crate) fn new(cols: &[(&str, &[f64])]) -> Result<GamDesign> {
        let m = cols.len();
        if m == 0 || m > GAM_MAX_PARAMETERS {
            return Err(Error::input(
                "EVPPI by GAM",
                format!(
                    "takes 1 to {GAM_MAX_PARAMETERS} parameters at once, {m} given (use several smaller groups)"
                ),
            ));
        }
        let k = if m >= 4 { 4 } else { 5 };
        let n = cols[0].1.len();
        let bases: Vec<CrBasis> = cols
            .iter()
            .map(|(name, x)| CrBasis::new(name, x, k))
            .collect::<Result<_>>()?;
        let p: usize = bases.iter().map(CrBasis::dim).product();
        if n <= p + 1 {
            return Err(Error::input(
                "EVPPI by GAM",
                format!(
                    "needs more than {} draws for {m} parameter(s), {n} given",
                    p + 1
                ),
            ));
        }
        let x = tensor_rows(&bases, cols, n, p);
        let xtx = cross_product(&x, n, p);
        let norm = xtx.norm();
        let mut penalties = Vec::with_capacity(m);
        let mut before = 1;
        for (j, b) in bases.iter().enumerate() {
            let after: usize = bases[j + 1..].iter().map(CrBasis::dim).product();
            let s = kron_penalty(&b.s, before, after);
            let sn = s.norm();
            penalties.push(if sn > 0.0 { s * (norm / sn) } else { s });
            before *= b.dim();
        }
        Ok(GamDesign {
            n,
            p,
            x,
            xtx,
            penalties,
        })
    }

    /// Fits the response `y` (one value per draw) and returns the fitted values.
    ///
    /// # Errors
    /// [`Error::Input`] when the penalised system cannot be solved.
    pub(crate) fn fit(&self, y: &[f64]) -> Result<GamFit> {
        let (n, p) = (self.n, self.p);
        let mut xty = DVector::zeros(p);
        for (i, &yi) in y.iter().enumerate() {
            let row = &self.x[i * p..(i + 1) * p];
            for (c, &v) in row.iter().enumerate() {
                xty[c] += v * yi;
            }
        }
        let ols = least_squares(&self.xtx, &xty);
        let rss0: f64 = (0..n)
            .map(|i| {
                let f: f64 = self.x[i * p..(i + 1) * p]
                    .iter()
                    .zip(ols.iter())
                    .map(|(a, b)| a * b)
                    .sum();
                (y[i] - f).powi(2)
            })
            .sum();
        let score = |rho: &[f64]| -> f64 {
            match self.solve(rho, &xty) {
                Some((beta, tr)) => {
                    let d = &ols - &beta;
                    let rss = rss0 + (d.transpose() * &self.xtx * &d)[(0, 0)];
                    let nf = n as f64;
                    nf * rss / (nf - tr).powi(2)
                }
                None => f64::INFINITY,
            }
        };
        let rho = minimise_gcv(&score, self.penalties.len());
        let fail = || {
            Error::input(
                "EVPPI by GAM",
                "the penalised regression could not be solved",
            )
        };
        let (beta, tr) = self.solve(&rho, &xty).ok_or_else(fail)?;
        let d = &ols - &beta;
        let rss = rss0 + (d.transpose() * &self.xtx * &d)[(0, 0)];
        let sigma = (rss.max(0.0) / (n as f64 - tr)).sqrt();
        let l = self.penalised(&rho).ok_or_else(fail)?.l();
        let factor = l
            .transpose()
            .solve_upper_triangular(&DMatrix::identity(p, p))
            .ok_or_else(fail)?
            * sigma;
        let fitted = self.predict(&beta);
        Ok(GamFit {
            fitted,
            beta,
            factor,
        })
    }

    /// `Xβ`.
    fn predict(&self, beta: &DVector<f64>) -> Vec<f64> {
        let p = self.p;
        (0..self.n)
            .map(|i| {
                self.x[i * p..(i + 1) * p]
                    .iter()
                    .zip(beta.iter())
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect()
    }

    /// Fitted values at one draw of the coefficients from their posterior (voi's
    /// `fitted_rep_gam`, with mgcv's `Vp`).
    pub(crate) fn replicate(&self, fit: &GamFit, rng: &mut impl rand::Rng) -> Vec<f64> {
        let z = DVector::from_fn(self.p, |_, _| {
            rng.sample::<f64, _>(rand_distr::StandardNormal)
        });
        self.predict(&(&fit.beta + &fit.factor * z))
    }

    /// The Cholesky factor of `XᵀX + Σλ_j S_j` at log smoothing parameters `rho`.
    fn penalised(&self, rho: &[f64]) -> Option<nalgebra::Cholesky<f64, nalgebra::Dyn>> {
        let mut m = self.xtx.clone();
        for (s, &r) in self.penalties.iter().zip(rho) {
            m += s * r.clamp(-30.0, 30.0).exp();
        }
        m.cholesky()
    }

    /// Coefficients and effective degrees of freedom `tr A` at log smoothing parameters `rho`.
    fn solve(&self, rho: &[f64], xty: &DVector<f64>) -> Option<(DVector<f64>, f64)> {
        let chol = self.penalised(rho)?;
        let beta = chol.solve(xty);
        let tr = chol.solve(&self.xtx).trace();
        Some((beta, tr))
    }
}

/// The row-major tensor-product basis matrix (first parameter outermost).
fn tensor_rows(bases: &[CrBasis], cols: &[(&str, &[f64])], n: usize, p: usize) -> Vec<f64> {
    let mut x = vec![0.0; n * p];
    let mut marg: Vec<Vec<f64>> = bases.iter().map(|b| vec![0.0; b.dim()]).collect();
    for i in 0..n {
        for (j, b) in bases.iter().enumerate() {
            b.row(cols[j].1[i], &mut marg[j]);
        }
        let row = &mut x[i * p..(i + 1) * p];
        row[0] = 1.0;
        let mut len = 1;
        for mj in &marg {
            // expand in place from the back: new[a * k + c] = old[a] * mj[c]
            let k = mj.len();
            for a in (0..len).rev() {
                let v = row[a];
                for c in (0..k).rev() {
                    row[a * k + c] = v * mj[c];
                }
            }
            len *= k;
        }
    }
    x
}

/// A least-squares solution of `XᵀX β = Xᵀy` (the pseudo-inverse one, so that a rank-deficient
/// basis, e.g. a tensor product of parameters that lie on a surface, is handled as mgcv does:
/// the penalty identifies what the data do not).
fn least_squares(xtx: &DMatrix<f64>, xty: &DVector<f64>) -> DVector<f64> {
    let e = nalgebra::SymmetricEigen::new(xtx.clone());
    let top = e.eigenvalues.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    let proj = e.eigenvectors.transpose() * xty;
    let scaled = DVector::from_fn(proj.len(), |i, _| {
        let l = e.eigenvalues[i];
        if l > 1e-11 * top {
            proj[i] / l
        } else {
            0.0
        }
    });
    &e.eigenvectors * scaled
}

/// `XᵀX` of a row-major `n × p` matrix.
fn cross_product(x: &[f64], n: usize, p: usize) -> DMatrix<f64> {
    let mut a = vec![0.0; p * p];
    for i in 0..n {
        let row = &x[i * p..(i + 1) * p];
        for r in 0..p {
            let v = row[r];
            if v == 0.0 {
                continue;
            }
            let out = &mut a[r * p..r * p + p];
            for c in r..p {
                out[c] += v * row[c];
            }
        }
    }
    DMatrix::from_fn(
        p,
        p,
        |r, c| if r <= c { a[r * p + c] } else { a[c * p + r] },
    )
}

/// Minimises the GCV score over log smoothing parameters: a coordinate scan on a grid of unit
/// steps over [−12, 12] (two sweeps) to find the basin, then golden-section search (one
/// parameter) or Nelder–Mead (several) to a tight tolerance.
fn minimise_gcv(score: &dyn Fn(&[f64]) -> f64, m: usize) -> Vec<f64> {
    let mut rho = vec![0.0; m];
    let mut best = score(&rho);
    for _ in 0..2 {
        for j in 0..m {
            for g in -12..=12 {
                let mut r = rho.clone();
                r[j] = g as f64;
                let v = score(&r);
                if v < best {
                    best = v;
                    rho = r;
                }
            }
        }
    }
    if m == 1 {
        let f = |t: f64| score(&[t]);
        vec![golden(&f, rho[0] - 1.0, rho[0] + 1.0)]
    } else {
        nelder_mead(score, rho, 0.5)
    }
}

/// Golden-section search for the minimum of `f` on `[a, b]`.
fn golden(f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > 1e-9 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    (a + b) / 2.0
}

/// Nelder–Mead minimisation from `x0` with initial step `step`.
fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, x0: Vec<f64>, step: f64) -> Vec<f64> {
    let m = x0.len();
    let mut pts: Vec<Vec<f64>> = vec![x0.clone()];
    for j in 0..m {
        let mut p = x0.clone();
        p[j] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    for _ in 0..2000 {
        let mut idx: Vec<usize> = (0..=m).collect();
        idx.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = idx.iter().map(|&i| pts[i].clone()).collect();
        vals = idx.iter().map(|&i| vals[i]).collect();
        let size = pts[1..]
            .iter()
            .map(|p| {
                p.iter()
                    .zip(&pts[0])
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        if size < 1e-8 || (vals[m] - vals[0]).abs() <= 1e-15 * vals[0].abs() {
            break;
        }
        let centroid: Vec<f64> = (0..m)
            .map(|j| pts[..m].iter().map(|p| p[j]).sum::<f64>() / m as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..m)
                .map(|j| centroid[j] + t * (pts[m][j] - centroid[j]))
                .collect()
        };
        let xr = along(-1.0);
        let fr = f(&xr);
        if fr < vals[0] {
            let xe = along(-2.0);
            let fe = f(&xe);
            (pts[m], vals[m]) = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < vals[m - 1] {
            (pts[m], vals[m]) = (xr, fr);
        } else {
            let xc = if fr < vals[m] {
                along(-0.5)
            } else {
                along(0.5)
            };
            let fc = f(&xc);
            if fc < vals[m].min(fr) {
                (pts[m], vals[m]) = (xc, fc);
            } else {
                for i in 1..=m {
                    pts[i] = (0..m)
                        .map(|j| pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]))
                        .collect();
                    vals[i] = f(&pts[i]);
                }
            }
        }
    }
    let best = (0..=m)
        .min_by(|&a, &b| vals[a].total_cmp(&vals[b]))
        .unwrap_or(0);
    pts[best].clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_recovers_a_smooth_curve() {
        let n = 400;
        let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| (3.0 * v).sin()).collect();
        let d = GamDesign::new(&[("x", &x)]).unwrap();
        let f = d.fit(&y).unwrap();
        let err = f
            .fitted
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-2, "{err}");
    }
}
