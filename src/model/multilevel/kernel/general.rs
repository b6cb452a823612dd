//! The kernel for models with a structured term: the marginal covariance
//! `M = Σ_l σ²_l Z_l Z_lᵀ + (Z_o Z_oᵀ) ∘ (Z_i Σ(τ², ρ) Z_iᵀ) + V` block by block, with dense
//! derivative matrices `D_q = ∂M/∂θ_q` per block (blocks are the effects of one study or
//! cluster, so a few effects each).
//!
//! Score `−½ tr(P D_q) + ½ rᵀD_q r` (`r = M⁻¹(y − Xβ̂)`), expected information
//! `½ tr(P D_q P D_r)`, with `P = M⁻¹ − M⁻¹X A⁻¹ XᵀM⁻¹` (`A = XᵀM⁻¹X`) under REML, so that
//! `tr(P D_q) = Σ_b tr(M_b⁻¹D_q) − tr(A⁻¹ Σ_b GᵀD_qG)` and
//! `tr(P D_q P D_r) = Σ_b tr(M_b⁻¹D_q M_b⁻¹D_r) − 2 tr(A⁻¹ Σ_b GᵀD_q M_b⁻¹ D_r G) +
//! tr(A⁻¹Q_q A⁻¹Q_r)` (`G = M_b⁻¹X_b`, `Q_q = Σ_b GᵀD_qG`).

use nalgebra::{DMatrix, DVector};

use super::{Block, Blocks, Eval, Likelihood};

impl Blocks {
    /// The derivative matrices `∂M_b/∂θ_q` of block `b` at `theta`.
    fn derivatives(&self, b: &Block, theta: &[f64]) -> Vec<DMatrix<f64>> {
        let n = b.v.len();
        let mut out = Vec::with_capacity(self.n_par());
        for l in 0..self.nl {
            let c = &b.codes[l];
            out.push(DMatrix::from_fn(
                n,
                n,
                |i, j| {
                    if c[i] == c[j] {
                        1.0
                    } else {
                        0.0
                    }
                },
            ));
        }
        if let Some(sg) = &self.sigma {
            let par = &theta[self.nl..];
            for q in 0..sg.n_par() {
                let d = sg.derivative(par, q);
                out.push(DMatrix::from_fn(n, n, |i, j| {
                    if b.souter[i] == b.souter[j] {
                        d[(b.inner[i], b.inner[j])]
                    } else {
                        0.0
                    }
                }));
            }
        }
        out
    }

    /// The marginal covariance of block `b` at `theta`.
    fn marginal(&self, b: &Block, theta: &[f64]) -> DMatrix<f64> {
        let n = b.v.len();
        let s = self.sigma.as_ref().map(|sg| sg.matrix(&theta[self.nl..]));
        DMatrix::from_fn(n, n, |i, j| {
            let nested: f64 = b
                .codes
                .iter()
                .zip(theta)
                .filter(|(c, _)| c[i] == c[j])
                .map(|(_, s)| s)
                .sum();
            let structured = match &s {
                Some(m) if b.souter[i] == b.souter[j] => m[(b.inner[i], b.inner[j])],
                _ => 0.0,
            };
            let v = match &b.vmat {
                Some(vm) => vm[(i, j)],
                None if i == j => b.v[i],
                None => 0.0,
            };
            nested + structured + v
        })
    }

    /// [`Blocks::eval`] for any parameters (nested variances, then τ², then ρ).
    pub(super) fn eval_general(&self, theta: &[f64], reml: bool, derivs: bool) -> Option<Eval> {
        // Σ must be a covariance matrix (positive semi-definite): an unstructured Σ with
        // correlations that cannot occur together is inadmissible, even where M stays
        // positive definite.
        if let Some(sg) = &self.sigma {
            let m = sg.matrix(&theta[self.nl..]);
            let scale = m.diagonal().max().max(f64::MIN_POSITIVE);
            if m.symmetric_eigenvalues().min() < -1e-10 * scale {
                return None;
            }
        }
        let lik = self.likelihood(reml, |b| self.marginal(b, theta))?;
        let (score, info) = if derivs {
            self.general_score_info(theta, reml, &lik)
        } else {
            (DVector::zeros(0), DMatrix::zeros(0, 0))
        };
        Some(Eval {
            ll: lik.ll,
            beta: lik.beta,
            vb: lik.vb,
            score,
            info,
        })
    }

    /// Score and Fisher information in every parameter, from the dense derivative matrices of
    /// each block.
    fn general_score_info(
        &self,
        theta: &[f64],
        reml: bool,
        lik: &Likelihood,
    ) -> (DVector<f64>, DMatrix<f64>) {
        let p = self.p;
        let np = theta.len();
        let mut score = DVector::zeros(np);
        let mut info = DMatrix::zeros(np, np);
        let mut q = vec![DMatrix::<f64>::zeros(p, p); np];
        let mut h = vec![DMatrix::<f64>::zeros(p, p); np * np];
        for ((b, part), r) in self.blocks.iter().zip(&lik.parts).zip(&lik.rs) {
            let (minv, g) = (&part.minv, &part.g);
            let d = self.derivatives(b, theta);
            let e: Vec<DMatrix<f64>> = d.iter().map(|dq| minv * dq).collect();
            let dg: Vec<DMatrix<f64>> = d.iter().map(|dq| dq * g).collect();
            let mdg: Vec<DMatrix<f64>> = if reml {
                dg.iter().map(|x| minv * x).collect()
            } else {
                Vec::new()
            };
            for l in 0..np {
                score[l] += -0.5 * e[l].trace() + 0.5 * r.dot(&(&d[l] * r));
                if reml {
                    q[l] += g.transpose() * &dg[l];
                }
                for m in l..np {
                    // tr(E_l E_m) without forming the product.
                    let t = e[l].component_mul(&e[m].transpose()).sum();
                    info[(l, m)] += 0.5 * t;
                    if reml {
                        h[l * np + m] += dg[l].transpose() * &mdg[m];
                    }
                }
            }
        }
        if reml {
            super::reml_terms(&mut score, &mut info, &q, &h, &lik.vb, true);
        } else {
            for l in 0..np {
                for m in 0..l {
                    info[(l, m)] = info[(m, l)];
                }
            }
        }
        (score, info)
    }
}
