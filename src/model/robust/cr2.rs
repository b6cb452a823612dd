//! The numerical kernel of cluster-robust inference: per-cluster blocks, the CR1/CR2 sandwich,
//! Satterthwaite degrees of freedom and the HTZ Wald test, as clubSandwich 0.5.8 computes them
//! for `rma.uni` fits (working covariance `Φ = W⁻¹`, diagonal) and `rma.mv` fits (`Φ = M`, the
//! fitted marginal covariance, dense within a cluster), both with `inverse_var = TRUE`.
//!
//! Everything is computed cluster block by cluster block: the largest matrices are k_j × k_j
//! (one cluster) and p × p; no k × k or J × J matrix is formed. clubSandwich's J × J matrices
//! `P = D − HHᵀ` (D diagonal) enter only through traces, which reduce to sums over clusters and
//! p × p products (`tr(HᵀH…)`).

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{Error, Result};

/// The working weights of one cluster.
pub(super) enum Work {
    /// Diagonal weights `W_j = diag(w)` (univariate fits; scaled to mean 1 as clubSandwich).
    Diag(DVector<f64>),
    /// A dense working model (multilevel fits): `W_j = Θ_j⁻¹` and the lower Cholesky factor `L`
    /// of the working covariance `Θ_j = L Lᵀ` (clubSandwich's `chol(Θ_j)` is `Lᵀ`).
    Dense {
        /// `W_j`.
        w: DMatrix<f64>,
        /// `L`.
        l: DMatrix<f64>,
    },
}

/// One cluster: its design rows, working weights and residuals.
pub(super) struct Block {
    pub x: DMatrix<f64>,
    pub work: Work,
    pub e: DVector<f64>,
}

impl Block {
    /// `X_jᵀ W_j` (p × n_j).
    fn xw(&self) -> DMatrix<f64> {
        match &self.work {
            Work::Diag(w) => {
                let mut xw = self.x.transpose();
                for (mut col, &wi) in xw.column_iter_mut().zip(w.iter()) {
                    col *= wi;
                }
                xw
            }
            Work::Dense { w, .. } => self.x.transpose() * w,
        }
    }

    /// `E F` for a factor `F` of the working covariance (`F Fᵀ = Θ_j`): `E diag(w^(−1/2))` or
    /// `E L`.
    fn times_root(&self, e: &DMatrix<f64>) -> DMatrix<f64> {
        match &self.work {
            Work::Diag(w) => {
                let mut g = e.clone();
                for (mut col, &wi) in g.column_iter_mut().zip(w.iter()) {
                    col /= wi.sqrt();
                }
                g
            }
            Work::Dense { l, .. } => e * l,
        }
    }
}

/// The blocks of every cluster and the bread `M = (XᵀWX)⁻¹` (diagonal weights scaled to mean 1,
/// as clubSandwich does for `rma.uni`; dense working models unscaled, as for `rma.mv`).
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
    /// Splits rows by cluster (`groups` holds each cluster's row indices), diagonal weights `w`.
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
                work: Work::Diag(DVector::from_iterator(
                    g.len(),
                    g.iter().map(|&i| w[i] / mean_w),
                )),
                e: DVector::from_iterator(g.len(), g.iter().map(|&i| e[i])),
            })
            .collect();
        Self::from_blocks(blocks, p)
    }

    /// The bread `M = (Σ_j X_jᵀW_jX_j)⁻¹` of ready blocks with `p` coefficients.
    pub(super) fn from_blocks(blocks: Vec<Block>, p: usize) -> Result<Self> {
        let mut xwx = DMatrix::zeros(p, p);
        for b in &blocks {
            xwx += b.xw() * &b.x;
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

    /// The CR2 adjustment of one cluster, clubSandwich's `A_j = Rᵀ G^(−1/2) R` with
    /// `G = R (I − X_j M X_jᵀ W_j) Θ_j Rᵀ = R (Θ_j − X_j M X_jᵀ) Rᵀ`, `Θ_j = W_j⁻¹ = RᵀR`.
    /// Diagonal: `R = diag(s)`, `s = w^(−1/2)`, so `G_ab = s_a s_b (δ_ab / w_a − (X_j M
    /// X_jᵀ)_ab)` and `A_j = diag(s) G^(−1/2) diag(s)`. Dense: `R = Lᵀ`.
    fn adjustment(&self, b: &Block) -> DMatrix<f64> {
        let h = &b.x * &self.m * b.x.transpose();
        match &b.work {
            Work::Diag(w) => {
                let s = w.map(|w| 1.0 / w.sqrt());
                let kj = w.len();
                let g = DMatrix::from_fn(kj, kj, |r, c| {
                    let d = if r == c { 1.0 / w[r] } else { 0.0 };
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
            Work::Dense { l, .. } => {
                let theta = l * l.transpose();
                let g = l.transpose() * (theta - h) * l;
                l * sym_power(&g, -0.5) * l.transpose()
            }
        }
    }

    /// The CR0 sandwich `M (Σ_j u_j u_jᵀ) M` with `u_j = X_jᵀW_j e_j` (CR1 scales it).
    pub(super) fn cr0(&self) -> DMatrix<f64> {
        let p = self.m.nrows();
        let mut meat = DMatrix::zeros(p, p);
        for b in &self.blocks {
            let u = b.xw() * &b.e;
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
            let e = b.xw() * self.adjustment(b); // X_jᵀ W_j A_j
            let u = &e * &b.e;
            meat += &u * u.transpose();
            let me = &self.m * &e;
            let g = b.times_root(&me); // M E_j Φ_j^(1/2)
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

    /// Satterthwaite degrees of freedom of the linear combination `cᵀβ` (clubSandwich
    /// `linear_contrast(test = "Satterthwaite")`, used by metafor's `predict()` on a `robust(…,
    /// clubSandwich = TRUE)` fit): [`Cr2::satterthwaite`] with the rows of `G_jG_jᵀ` and `H_j`
    /// replaced by their combinations `cᵀ(G_jG_jᵀ)c` and `cᵀH_j`.
    pub(super) fn satterthwaite_contrast(&self, c: &DVector<f64>) -> f64 {
        let p = c.len();
        let mut tr = 0.0;
        let mut ss = 0.0;
        let mut hth = DMatrix::zeros(p, p);
        for (gg, h) in self.gg.iter().zip(&self.hh) {
            let d = (c.transpose() * gg * c)[(0, 0)];
            let hc = c.transpose() * h;
            let n2 = hc.norm_squared();
            tr += d - n2;
            ss += d * d - 2.0 * d * n2;
            hth += hc.transpose() * hc;
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
