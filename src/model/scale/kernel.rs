//! The likelihood of a location-scale model and its maximisation: the log-likelihood (ML, or
//! REML with metafor's `REMLf` constant) profiled over the location coefficients, its exact
//! gradient and observed Hessian in the scale coefficients α, and Newton's method with a
//! Fisher-scoring fallback and step halving.
//!
//! # Formulas
//! With `τ²ᵢ = exp(zᵢα)`, `V = diag(vᵢ + τ²ᵢ)`, `W = V⁻¹`, `A = XᵀWX`, `β̂ = A⁻¹XᵀWy`,
//! `P = W − WXA⁻¹XᵀW`, `u = Py = W(y − Xβ̂)` and `Dⱼ = diag(τ²ᵢ zᵢⱼ)`:
//! * ML: `ℓ = −½k log 2π − ½Σ log(vᵢ + τ²ᵢ) − ½uᵀVu`;
//!   REML: `ℓ = −½(k−p) log 2π + ½ log|XᵀX| − ½Σ log(vᵢ + τ²ᵢ) − ½ log|A| − ½uᵀVu`.
//! * Score `∂ℓ/∂αⱼ = −½ tr(QDⱼ) + ½ uᵀDⱼu`, with `Q = W` (ML) or `P` (REML).
//! * Hessian `∂²ℓ/∂αⱼ∂αₗ = ½ tr(QDₗQDⱼ) − ½ tr(QDⱼₗ) − (Dₗu)ᵀP(Dⱼu) + ½ uᵀDⱼₗu`,
//!   `Dⱼₗ = diag(τ²ᵢ zᵢⱼ zᵢₗ)`; the expected information is `½ tr(QDₗQDⱼ)`.

use nalgebra::{DMatrix, DVector};

use crate::error::Error;

/// The data of a location-scale fit: effects, sampling variances, the location design `x`
/// (k × p) and the scale design `z` (k × q).
pub(crate) struct Problem<'a> {
    pub y: &'a [f64],
    pub v: &'a [f64],
    pub x: &'a DMatrix<f64>,
    pub z: &'a DMatrix<f64>,
    pub reml: bool,
}

/// The model at one α: the log-likelihood, the location fit and (when asked) the derivatives.
pub(crate) struct Eval {
    pub ll: f64,
    pub beta: DVector<f64>,
    /// `(XᵀWX)⁻¹`.
    pub vb: DMatrix<f64>,
    pub tau2: Vec<f64>,
    /// Score in α (empty unless derivatives were asked for).
    pub grad: DVector<f64>,
    /// Observed Hessian of ℓ in α.
    pub hess: DMatrix<f64>,
    /// Expected information in α.
    pub fisher: DMatrix<f64>,
}

/// The result of a maximisation.
pub(crate) struct Optimum {
    pub alpha: DVector<f64>,
    pub eval: Eval,
    pub iterations: usize,
}

impl Problem<'_> {
    /// The model at `alpha`, with derivatives when `derivs`.
    ///
    /// # Errors
    /// [`Error::Singular`] when `XᵀWX` is singular; [`Error::Undefined`] when τ² is not finite.
    pub(crate) fn eval(&self, alpha: &DVector<f64>, derivs: bool) -> Result<Eval, Error> {
        let (k, p, q) = (self.y.len(), self.x.ncols(), self.z.ncols());
        let eta = self.z * alpha;
        let tau2: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        if tau2.iter().any(|t| !t.is_finite()) {
            return Err(Error::Undefined {
                what: "location-scale model".into(),
                reason: "tau^2 overflows at these scale coefficients".into(),
            });
        }
        let s: Vec<f64> = self.v.iter().zip(&tau2).map(|(v, t)| v + t).collect();
        let w = DVector::from_iterator(k, s.iter().map(|s| 1.0 / s));
        let mut xw = self.x.clone();
        for (mut row, &wi) in xw.row_iter_mut().zip(w.iter()) {
            row *= wi;
        }
        let a = self.x.transpose() * &xw;
        let chol = a.clone().cholesky().ok_or_else(Error::collinear)?;
        let logdet_a = 2.0 * chol.l().diagonal().iter().map(|d| d.ln()).sum::<f64>();
        let vb = chol.inverse();
        let y = DVector::from_column_slice(self.y);
        let beta = &vb * (xw.transpose() * &y);
        let r = &y - self.x * &beta;
        let u = r.component_mul(&w);
        let rss: f64 = u.dot(&r);
        let sum_log: f64 = s.iter().map(|s| s.ln()).sum();
        let l2pi = (2.0 * std::f64::consts::PI).ln();
        let ll = if self.reml {
            let xx = self.x.transpose() * self.x;
            let logdet_xx = xx
                .cholesky()
                .map(|c| 2.0 * c.l().diagonal().iter().map(|d| d.ln()).sum::<f64>())
                .ok_or_else(Error::collinear)?;
            -0.5 * (k - p) as f64 * l2pi + 0.5 * logdet_xx
                - 0.5 * sum_log
                - 0.5 * logdet_a
                - 0.5 * rss
        } else {
            -0.5 * k as f64 * l2pi - 0.5 * sum_log - 0.5 * rss
        };
        let mut e = Eval {
            ll,
            beta,
            vb,
            tau2,
            grad: DVector::zeros(0),
            hess: DMatrix::zeros(0, 0),
            fisher: DMatrix::zeros(0, 0),
        };
        if derivs {
            let pm = DMatrix::from_diagonal(&w) - &xw * &e.vb * xw.transpose();
            self.derivatives(&mut e, &pm, &w, &u, q);
        }
        Ok(e)
    }

    /// The score, observed Hessian and expected information in α (see the module formulas).
    fn derivatives(
        &self,
        e: &mut Eval,
        pm: &DMatrix<f64>,
        w: &DVector<f64>,
        u: &DVector<f64>,
        q: usize,
    ) {
        let k = self.y.len();
        let d = DMatrix::from_fn(k, q, |i, j| e.tau2[i] * self.z[(i, j)]);
        // Q∘Q (elementwise square) and diag(Q): P for REML, W for ML.
        let (qq, qdiag) = if self.reml {
            (pm.component_mul(pm), pm.diagonal())
        } else {
            (DMatrix::from_diagonal(&w.component_mul(w)), w.clone())
        };
        let fisher = 0.5 * d.transpose() * &qq * &d;
        let u2 = u.component_mul(u);
        let grad = DVector::from_fn(q, |j, _| {
            (0..k)
                .map(|i| 0.5 * d[(i, j)] * (u2[i] - qdiag[i]))
                .sum::<f64>()
        });
        let du = DMatrix::from_fn(k, q, |i, j| d[(i, j)] * u[i]);
        let cross = du.transpose() * pm * &du;
        let hess = DMatrix::from_fn(q, q, |j, l| {
            let second: f64 = (0..k)
                .map(|i| 0.5 * d[(i, j)] * self.z[(i, l)] * (u2[i] - qdiag[i]))
                .sum();
            fisher[(j, l)] - cross[(j, l)] + second
        });
        e.grad = grad;
        e.hess = hess;
        e.fisher = fisher;
    }

    /// Maximises ℓ over the α entries not in `fixed` (held at their value in `start`): Newton
    /// steps on the observed Hessian (Fisher scoring where it is not negative definite), halved
    /// until ℓ does not decrease; stops when the longest step is below `1e-10`.
    ///
    /// # Errors
    /// [`Error::NotConverged`] after `max_iter` iterations (the likelihood may have no maximum:
    /// τ² heading to 0 or ∞ for some studies); errors of [`Problem::eval`].
    pub(crate) fn maximise(
        &self,
        start: DVector<f64>,
        fixed: &[bool],
        max_iter: usize,
    ) -> Result<Optimum, Error> {
        let free: Vec<usize> = (0..start.len())
            .filter(|&j| !fixed.get(j).copied().unwrap_or(false))
            .collect();
        let mut alpha = start;
        let mut e = self.eval(&alpha, true)?;
        for it in 1..=max_iter {
            let step = self.direction(&e, &free);
            let longest = step.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
            if longest < 1e-10 {
                return Ok(Optimum {
                    alpha,
                    eval: e,
                    iterations: it,
                });
            }
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..60 {
                let mut cand = alpha.clone();
                for (s, &j) in step.iter().zip(&free) {
                    cand[j] += t * s;
                }
                if let Ok(ce) = self.eval(&cand, true) {
                    if ce.ll >= e.ll - 1e-13 * e.ll.abs().max(1.0) {
                        accepted = Some((cand, ce));
                        break;
                    }
                }
                t *= 0.5;
            }
            match accepted {
                Some((a, ce)) => {
                    alpha = a;
                    e = ce;
                }
                // No step gains: at the optimum to rounding when the step is already short.
                None if longest < 1e-6 => {
                    return Ok(Optimum {
                        alpha,
                        eval: e,
                        iterations: it,
                    });
                }
                None => break,
            }
        }
        Err(Error::NotConverged {
            procedure: "location-scale model fit",
            iterations: max_iter,
            detail: format!(
                "; the scale coefficients stopped at ({}): the likelihood may have no maximum \
                 (tau^2 heading to 0 or infinity for some studies); simplify the scale model",
                alpha
                    .iter()
                    .map(|a| format!("{a:.4}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    /// The step on the free entries: Newton on the observed Hessian, or Fisher scoring where
    /// the Hessian is not negative definite.
    fn direction(&self, e: &Eval, free: &[usize]) -> Vec<f64> {
        let n = free.len();
        let g = DVector::from_fn(n, |a, _| e.grad[free[a]]);
        let neg_h = DMatrix::from_fn(n, n, |a, b| -e.hess[(free[a], free[b])]);
        if let Some(c) = neg_h.cholesky() {
            return c.solve(&g).iter().copied().collect();
        }
        let f = DMatrix::from_fn(n, n, |a, b| e.fisher[(free[a], free[b])]);
        match f.cholesky() {
            Some(c) => c.solve(&g).iter().copied().collect(),
            None => g.iter().map(|x| 0.1 * x).collect(),
        }
    }
}
