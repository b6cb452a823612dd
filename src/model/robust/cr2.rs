//! The numerical kernel of cluster-robust inference: per-cluster blocks, the CR1/CR2 sandwich,
//! Satterthwaite degrees of freedom and the HTZ Wald test, as clubSandwich 0.5.8 computes them
//! for `rma.uni` fits (working covariance `Φ = W⁻¹`, `inverse_var = TRUE`).
//!
//! Everything is computed cluster block by cluster block: the largest matrices are k_j × k_j
//! (one cluster) and p × p; no k × k or J × J matrix is formed. clubSandwich's J × J matrices
//! `P = D − HHᵀ` (D diagonal) enter only through traces, which reduce to sums over clusters and
//! p × p products (`tr(HᵀH…)`).

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{Error, Result};

/// One cluster: its design rows, (scaled) weights and residuals.
pub(super) struct Block {
    pub x: DMatrix<f64>,
    pub w: DVector<f64>,
    pub e: DVector<f64>,
}

/// The blocks of every cluster and the bread `M = (XᵀWX)⁻¹` (weights scaled to mean 1, as
/// clubSandwich does).
pub(super) struct Blocks {
    pub blocks: Vec<Block>,
    pub m: DMatrix<f64>,
}

/// clubSandwich's `matrix_power(x, p)` for a symmetric matrix: eigenvalues above 1e-12 raised
/// to `p`, the others set to 0.
pub(super) fn sym_power(x: &DMatrix<f64>, p: f64) -> DMatrix<f64> {
    let sym = (x + x.transpose()) * 0.5;
    let eig = SymmetricEigen::new(sym);
    let d = eig
        .eigenvalues
        .map(|l| if l > 1e-12 { l.powf(p) } else { 0.0 });
    &eig.eigenvectors * DMatrix::from_diagonal(&d) * eig.eigenvectors.transpose()
}

impl Blocks {
    /// Splits rows by cluster (`groups` holds each cluster's row indices).
    pub(super) fn new(
        x: &DMatrix<f64>,
        w: &[f64],
        e: &[f64],
        groups: &[Vec<usize>],
    ) -> Result<Self> {
        let p = x.ncols();
        let mean_w = w.iter().sum::<f64>() / w.len() as f64;
        let blocks: Vec<Block> = groups
            .iter()
            .map(|g| Block {
                x: DMatrix::from_fn(g.len(), p, |r, c| x[(g[r], c)]),
                w: DVector::from_iterator(g.len(), g.iter().map(|&i| w[i] / mean_w)),
                e: DVector::from_iterator(g.len(), g.iter().map(|&i| e[i])),
            })
            .collect();
        let mut xwx = DMatrix::zeros(p, p);
        for b in &blocks {
            xwx += b.x.transpose() * DMatrix::from_diagonal(&b.w) * &b.x;
        }
        let m = xwx.cholesky().ok_or_else(|| Error::Singular {
            message: "cluster-robust inference: the design is singular (collinear moderators)"
                .into(),
        })?;
        Ok(Blocks {
            blocks,
            m: m.inverse(),
        })
    }

    /// The CR2 adjustment of one cluster: `A_j = Vᵀ(V (I − H_jj) Φ_j Vᵀ)^(−1/2) V` with
    /// `Φ_j = W_j⁻¹` and `V = chol(Φ_j) = diag(s)`, `s = w^(−1/2)`; that is
    /// `G_ab = s_a s_b (δ_ab / w_a − (X_j M X_jᵀ)_ab)` and `A_j = diag(s) G^(−1/2) diag(s)`.
    fn adjustment(&self, b: &Block) -> DMatrix<f64> {
        let s = b.w.map(|w| 1.0 / w.sqrt());
        let h = &b.x * &self.m * b.x.transpose();
        let kj = b.w.len();
        let g = DMatrix::from_fn(kj, kj, |r, c| {
            let d = if r == c { 1.0 / b.w[r] } else { 0.0 };
            s[r] * s[c] * (d - h[(r, c)])
        });
        let mut a = sym_power(&g, -0.5);
        for r in 0..kj {
            for c in 0..kj {
                a[(r, c)] *= s[r] * s[c];
            }
        }
        a
    }

    /// The CR0 sandwich `M (Σ_j u_j u_jᵀ) M` with `u_j = X_jᵀW_j e_j` (CR1 scales it).
    pub(super) fn cr0(&self) -> DMatrix<f64> {
        let p = self.m.nrows();
        let mut meat = DMatrix::zeros(p, p);
        for b in &self.blocks {
            let u = b.x.transpose() * b.w.component_mul(&b.e);
            meat += &u * u.transpose();
        }
        &self.m * meat * &self.m
    }

    /// The CR2 sandwich and, per cluster, clubSandwich's `G_j G_jᵀ = M E_j Φ_j E_jᵀ M` and
    /// `H_j = M E_j X_j L` (`LLᵀ = M`), with `E_j = X_jᵀ W_j A_j`.
    pub(super) fn cr2(&self) -> Cr2 {
        let p = self.m.nrows();
        let l = self
            .m
            .clone()
            .cholesky()
            .map_or_else(|| sym_power(&self.m, 0.5), |c| c.l());
        let mut meat = DMatrix::zeros(p, p);
        let mut gg = Vec::with_capacity(self.blocks.len());
        let mut hh = Vec::with_capacity(self.blocks.len());
        for b in &self.blocks {
            let a = self.adjustment(b);
            let mut e = b.x.transpose(); // X_jᵀ W_j A_j
            for (mut col, &w) in e.column_iter_mut().zip(b.w.iter()) {
                col *= w;
            }
            let e = e * a;
            let u = &e * &b.e;
            meat += &u * u.transpose();
            let me = &self.m * &e;
            let mut g = me.clone(); // M E_j Φ_j^(1/2)
            for (mut col, &w) in g.column_iter_mut().zip(b.w.iter()) {
                col /= w.sqrt();
            }
            gg.push(&g * g.transpose());
            hh.push(me * &b.x * &l);
        }
        Cr2 {
            vcov: &self.m * meat * &self.m,
            gg,
            hh,
        }
    }
}

/// The CR2 covariance with the per-cluster pieces its degrees of freedom need.
pub(super) struct Cr2 {
    /// Robust covariance of β̂.
    pub vcov: DMatrix<f64>,
    /// `G_j G_jᵀ` (p × p) per cluster.
    gg: Vec<DMatrix<f64>>,
    /// `H_j` (p × p) per cluster.
    hh: Vec<DMatrix<f64>>,
}

impl Cr2 {
    /// Satterthwaite degrees of freedom of coefficient `i` (clubSandwich `coef_test(test =
    /// "Satterthwaite")`): `(tr P)² / ‖P‖²_F` with `P = D − HHᵀ`, `D_jj = (G_jG_jᵀ)_ii`, the
    /// rows of H the i-th rows of `H_j`.
    pub(super) fn satterthwaite(&self, i: usize) -> f64 {
        let p = self.gg.first().map_or(0, |g| g.nrows());
        let mut tr = 0.0;
        let mut ss = 0.0;
        let mut hth = DMatrix::zeros(p, p);
        for (gg, h) in self.gg.iter().zip(&self.hh) {
            let d = gg[(i, i)];
            let hi = h.row(i);
            let n2 = hi.norm_squared();
            tr += d - n2;
            ss += d * d - 2.0 * d * n2;
            hth += hi.transpose() * hi;
        }
        ss += hth.norm_squared();
        tr * tr / ss
    }

    /// The HTZ Wald test of `C β = 0` (clubSandwich `Wald_test(test = "HTZ")`): returns
    /// `(F, ν − q + 1)` (the denominator degrees of freedom), `None` when `C V Cᵀ` is singular.
    pub(super) fn htz(&self, c: &DMatrix<f64>, beta: &DVector<f64>) -> Option<(f64, f64)> {
        let q = c.nrows();
        // Ω = Σ_j C (G_jG_jᵀ − H_jH_jᵀ) Cᵀ, then the contrasts normalised by Ω^(−1/2).
        let mut omega = DMatrix::zeros(q, q);
        for (gg, h) in self.gg.iter().zip(&self.hh) {
            let ch = c * h;
            omega += c * gg * c.transpose() - &ch * ch.transpose();
        }
        let ct = sym_power(&omega, -0.5) * c;
        let d: Vec<DMatrix<f64>> = self.gg.iter().map(|gg| &ct * gg * ct.transpose()).collect();
        let k: Vec<DMatrix<f64>> = self.hh.iter().map(|h| &ct * h).collect();
        // kk_j[a, b] = k_ja · k_jb; s[a][b] = Σ_j k_jaᵀ k_jb (p × p).
        let kk: Vec<DMatrix<f64>> = k.iter().map(|kj| kj * kj.transpose()).collect();
        let p = c.ncols();
        let s: Vec<Vec<DMatrix<f64>>> = (0..q)
            .map(|a| {
                (0..q)
                    .map(|b| {
                        k.iter().fold(DMatrix::zeros(p, p), |acc, kj| {
                            acc + kj.row(a).transpose() * kj.row(b)
                        })
                    })
                    .collect()
            })
            .collect();
        // tr(B_ab B_cd) with B_ab = D_ab − H_a H_bᵀ (J × J, never formed).
        let tr_bb = |a: usize, b: usize, cc: usize, dd: usize| -> f64 {
            let mut t = 0.0;
            for (dj, kj) in d.iter().zip(&kk) {
                t += dj[(a, b)] * dj[(cc, dd)]
                    - dj[(a, b)] * kj[(cc, dd)]
                    - dj[(cc, dd)] * kj[(a, b)];
            }
            t + (&s[b][cc] * &s[dd][a]).trace()
        };
        let mut total = 0.0;
        for a in 0..q {
            for b in 0..q {
                total += tr_bb(a, b, a, b) + tr_bb(a, a, b, b);
            }
        }
        let nu = (q * (q + 1)) as f64 / total;
        let cb = c * beta;
        let cvc = (c * &self.vcov * c.transpose()).cholesky()?;
        let qstat = cb.dot(&cvc.solve(&cb));
        let delta = ((nu - q as f64 + 1.0) / nu).max(0.0);
        Some((delta * qstat / q as f64, nu - q as f64 + 1.0))
    }
}
