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

use super::{Block, Blocks, Eval};

/// `ln det` from a Cholesky factor.
fn logdet(ch: &nalgebra::Cholesky<f64, nalgebra::Dyn>) -> f64 {
    2.0 * ch.l_dirty().diagonal().iter().map(|x| x.ln()).sum::<f64>()
}

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
        let p = self.p;
        let np = theta.len();
        let mut a = DMatrix::zeros(p, p);
        let mut c = DVector::zeros(p);
        let mut ld = 0.0;
        let mut parts = Vec::with_capacity(self.blocks.len());
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
        for b in &self.blocks {
            let chol = self.marginal(b, theta).cholesky()?;
            ld += logdet(&chol);
            let minv = chol.inverse();
            let g = &minv * &b.x;
            a += b.x.transpose() * &g;
            c += g.transpose() * &b.y;
            parts.push((minv, g));
        }
        let achol = a.clone().cholesky()?;
        let vb = achol.inverse();
        let beta = &vb * c;
        let mut rss = 0.0;
        let mut rs = Vec::with_capacity(parts.len());
        for (b, (minv, _)) in self.blocks.iter().zip(&parts) {
            let res = &b.y - &b.x * &beta;
            let r = minv * &res;
            rss += res.dot(&r);
            rs.push(r);
        }
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let ll = if reml {
            -0.5 * (self.k - p) as f64 * ln2pi + self.half_logdet_xtx
                - 0.5 * ld
                - 0.5 * logdet(&achol)
                - 0.5 * rss
        } else {
            -0.5 * self.k as f64 * ln2pi - 0.5 * ld - 0.5 * rss
        };
        let (mut score, mut info) = (DVector::zeros(0), DMatrix::zeros(0, 0));
        if derivs {
            score = DVector::zeros(np);
            info = DMatrix::zeros(np, np);
            let mut q = vec![DMatrix::<f64>::zeros(p, p); np];
            let mut h = vec![DMatrix::<f64>::zeros(p, p); np * np];
            for ((b, (minv, g)), r) in self.blocks.iter().zip(&parts).zip(&rs) {
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
                super::reml_terms(&mut score, &mut info, &q, &h, &vb, true);
            } else {
                for l in 0..np {
                    for m in 0..l {
                        info[(l, m)] = info[(m, l)];
                    }
                }
            }
        }
        Some(Eval {
            ll,
            beta,
            vb,
            score,
            info,
        })
    }
}
