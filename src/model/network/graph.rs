//! The graph-theoretical estimator of network meta-analysis (Rücker 2012; netmeta's
//! `nma.ruecker`): reduced weights of multi-arm studies from the Laplacian pseudoinverse, the
//! weighted least-squares fit on the network's Laplacian, Q, and the generalised
//! DerSimonian–Laird τ².
//!
//! * A study with arms `1..a` and pairwise variances `V_jk` (`V_jj = 0`) gets the Laplacian
//!   `L_s = (L⁺_s)⁺` with `L⁺_s = −½ P V P`, `P = I − J/a`; its reduced weights are
//!   `w_jk = −(L_s)_jk` (a two-arm study: `1/V_12`).
//! * With `B` the m × n edge–vertex incidence of every pairwise contrast (`+1` at `treat1`, `−1`
//!   at `treat2`) and `W = diag(w)`: `L = BᵀWB`, `L⁺ = (L + J/n)⁻¹ − J/n` (connected network),
//!   `d̂ = L⁺BᵀWy` (treatment effects up to a constant), `Var(d̂_a − d̂_b) = L⁺_aa + L⁺_bb −
//!   2L⁺_ab`, `Q = (y − Bd̂)ᵀW(y − Bd̂)` on `Σ_s (a_s − 1) − (n − 1)` df.
//! * Generalised DerSimonian–Laird: `τ² = max(0, (Q − df) / tr((I − H)(BBᵀ ∘ E / 2)W))`,
//!   `H = BL⁺BᵀW`, `E` the same-study indicator of two contrasts.
//! * Random effects: the same fit with every pairwise variance increased by τ² before the
//!   multi-arm reduction.

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};

/// One pairwise contrast of a study: `y = effect(treat1) − effect(treat2)`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Edge {
    /// Study index.
    pub study: usize,
    /// Treatment indices.
    pub t1: usize,
    /// Second treatment.
    pub t2: usize,
    /// Effect.
    pub y: f64,
    /// Sampling variance.
    pub v: f64,
}

/// The pseudoinverse of a Laplacian whose graph is connected: `(L + J/n)⁻¹ − J/n`.
pub(super) fn laplacian_pinv(l: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let n = l.nrows();
    let j = DMatrix::from_element(n, n, 1.0 / n as f64);
    let inv = (l + &j).try_inverse()?;
    Some(inv - j)
}

/// Reduced weights of the contrasts `edges` (indices into `all`) of one study, variances
/// increased by `tau2`: `w_e` per edge, in the order given.
fn study_weights(all: &[Edge], edges: &[usize], tau2: f64) -> Result<Vec<f64>> {
    if edges.len() == 1 {
        return Ok(vec![1.0 / (all[edges[0]].v + tau2)]);
    }
    // The study's arms and its matrix of pairwise variances.
    let mut arms: Vec<usize> = Vec::new();
    for &e in edges {
        for t in [all[e].t1, all[e].t2] {
            if !arms.contains(&t) {
                arms.push(t);
            }
        }
    }
    let a = arms.len();
    let pos = |t: usize| arms.iter().position(|&x| x == t).unwrap_or(0);
    let mut v = DMatrix::zeros(a, a);
    for &e in edges {
        let (i, j) = (pos(all[e].t1), pos(all[e].t2));
        v[(i, j)] = all[e].v + tau2;
        v[(j, i)] = all[e].v + tau2;
    }
    let p = DMatrix::identity(a, a) - DMatrix::from_element(a, a, 1.0 / a as f64);
    let lplus = -0.5 * &p * v * &p;
    let l = laplacian_pinv(&lplus).ok_or_else(|| Error::Singular {
        message: "the pairwise variances of a multi-arm study are inconsistent (their Laplacian cannot be inverted)".into(),
    })?;
    Ok(edges
        .iter()
        .map(|&e| -l[(pos(all[e].t1), pos(all[e].t2))])
        .collect())
}

/// The reduced weights of every edge, pairwise variances increased by `tau2`.
pub(super) fn weights(edges: &[Edge], by_study: &[Vec<usize>], tau2: f64) -> Result<Vec<f64>> {
    let mut w = vec![0.0; edges.len()];
    for es in by_study {
        for (k, wk) in es.iter().zip(study_weights(edges, es, tau2)?) {
            w[*k] = wk;
        }
    }
    Ok(w)
}

/// A fit of the network at one τ².
pub(super) struct GraphFit {
    /// Treatment effects (centred; only differences are meaningful).
    pub d: DVector<f64>,
    /// `L⁺`: the covariance of `d`.
    pub lplus: DMatrix<f64>,
    /// Q.
    pub q: f64,
    /// `tr((I − H)(BBᵀ ∘ E / 2)W)`, the denominator of the generalised DL τ².
    pub dl_denominator: f64,
}

/// Fits the network of `edges` over `n` treatments, every pairwise variance increased by
/// `tau2`; `by_study` lists the edges of each study.
pub(super) fn fit(
    edges: &[Edge],
    by_study: &[Vec<usize>],
    n: usize,
    tau2: f64,
) -> Result<GraphFit> {
    let w = weights(edges, by_study, tau2)?;
    let mut l = DMatrix::zeros(n, n);
    let mut bwy = DVector::zeros(n);
    for (e, &we) in edges.iter().zip(&w) {
        l[(e.t1, e.t1)] += we;
        l[(e.t2, e.t2)] += we;
        l[(e.t1, e.t2)] -= we;
        l[(e.t2, e.t1)] -= we;
        bwy[e.t1] += we * e.y;
        bwy[e.t2] -= we * e.y;
    }
    let lplus = laplacian_pinv(&l).ok_or_else(|| Error::Singular {
        message: "the network's Laplacian cannot be inverted".into(),
    })?;
    let d = &lplus * bwy;
    let q: f64 = edges
        .iter()
        .zip(&w)
        .map(|(e, we)| we * (e.y - (d[e.t1] - d[e.t2])).powi(2))
        .sum();
    // (B L⁺ Bᵀ)_ef
    let b_lp = |e: usize, f: usize| {
        let (e, f) = (&edges[e], &edges[f]);
        lplus[(e.t1, f.t1)] - lplus[(e.t1, f.t2)] - lplus[(e.t2, f.t1)] + lplus[(e.t2, f.t2)]
    };
    let denom = dl_denominator(edges, by_study, &w, b_lp);
    Ok(GraphFit {
        d,
        lplus,
        q,
        dl_denominator: denom,
    })
}

/// The connected components of the treatments joined by `edges`, as lists of treatment
/// indices (each sorted), largest first.
pub(super) fn components(edges: &[Edge], n: usize) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for e in edges {
        let (a, b) = (find(&mut parent, e.t1), find(&mut parent, e.t2));
        if a != b {
            parent[a] = b;
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for t in 0..n {
        let r = find(&mut parent, t);
        groups.entry(r).or_default().push(t);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.len()));
    out
}

/// The denominator of the generalised DerSimonian–Laird τ²: `tr((I − H) C W)` with `C = BBᵀ ∘ E
/// / 2` (non-zero only within a study), `H_ef = hat(e, f)·w_f` (`hat` the edge-by-edge
/// `B L⁺ Bᵀ` of the standard network, or `X (XᵀWX)⁺ Xᵀ` of the additive component model):
/// `Σ_e Σ_f (I − H)_ef C_fe w_e` over the pairs `e`, `f` of one study.
pub(super) fn dl_denominator(
    edges: &[Edge],
    by_study: &[Vec<usize>],
    w: &[f64],
    hat: impl Fn(usize, usize) -> f64,
) -> f64 {
    let bbt = |e: &Edge, f: &Edge| {
        let s = |a: usize, b: usize| f64::from(u8::from(a == b));
        s(e.t1, f.t1) - s(e.t1, f.t2) - s(e.t2, f.t1) + s(e.t2, f.t2)
    };
    let mut denom = 0.0;
    for es in by_study {
        for &e in es {
            for &f in es {
                let c_fe = bbt(&edges[f], &edges[e]) / 2.0;
                if c_fe != 0.0 {
                    let ih = f64::from(u8::from(e == f)) - hat(e, f) * w[f];
                    denom += ih * c_fe * w[e];
                }
            }
        }
    }
    denom
}
