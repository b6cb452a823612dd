//! The numerical kernel of nested random-intercept models: the marginal covariance
//! `M = Σ_l σ²_l Z_l Z_lᵀ + V` (`V = diag(v)`, or block-diagonal within the outermost clusters)
//! block by block (one block per level of the outermost factor,
//! a Cholesky factor each), the (restricted) log-likelihood, its score and Fisher information in
//! the variance components, and safeguarded Fisher scoring.

use nalgebra::{DMatrix, DVector};

mod general;

use super::structure::{Sigma, StructuredTerm};
use crate::model::vcalc::SamplingCovariance;

/// One block of the marginal covariance: the effects of one outermost cluster.
struct Block {
    /// Sampling variances.
    v: Vec<f64>,
    /// The block of a non-diagonal sampling covariance `V` (`None`: `diag(v)`).
    vmat: Option<DMatrix<f64>>,
    /// Effects.
    y: DVector<f64>,
    /// Rows of the design.
    x: DMatrix<f64>,
    /// Per level, the group of each effect within the block (`0..groups[l]`): `Z_l Z_lᵀ` has a 1
    /// where two effects share the group. Never formed as a matrix.
    codes: Vec<Vec<usize>>,
    /// Per level, the number of groups in the block.
    groups: Vec<usize>,
    /// With a structured term: per effect, its inner level (index into the sorted levels).
    inner: Vec<usize>,
    /// With a structured term: per effect, its outer group within the block.
    souter: Vec<usize>,
}

/// `S[i][g] = Σ_{k in group g} m[i][k]`, i.e. `m · Z` for the group indicator `Z`.
fn group_cols(m: &DMatrix<f64>, codes: &[usize], ng: usize) -> DMatrix<f64> {
    let mut out = DMatrix::zeros(m.nrows(), ng);
    for (k, &g) in codes.iter().enumerate() {
        let mut o = out.column_mut(g);
        o += m.column(k);
    }
    out
}

/// `U[g][:] = Σ_{i in group g} m[i][:]`, i.e. `Zᵀ · m`.
fn group_rows(m: &DMatrix<f64>, codes: &[usize], ng: usize) -> DMatrix<f64> {
    let mut out = DMatrix::zeros(ng, m.ncols());
    for (i, &g) in codes.iter().enumerate() {
        let mut o = out.row_mut(g);
        o += m.row(i);
    }
    out
}

/// The data of a model, split into blocks by the outermost level.
pub(super) struct Blocks {
    blocks: Vec<Block>,
    k: usize,
    p: usize,
    /// Number of nested random-intercept levels (the first parameters).
    nl: usize,
    /// The structured term's `Σ` (its parameters follow the nested ones).
    sigma: Option<Sigma>,
    /// `½ ln det(XᵀX)` (metafor adds it to the restricted log-likelihood).
    half_logdet_xtx: f64,
}

/// The model evaluated at one value of the variance components.
pub(super) struct Eval {
    /// Log-likelihood (restricted under REML).
    pub ll: f64,
    /// Coefficients.
    pub beta: DVector<f64>,
    /// Their covariance `(XᵀM⁻¹X)⁻¹`.
    pub vb: DMatrix<f64>,
    /// Score in σ² (empty unless derivatives were asked for).
    pub score: DVector<f64>,
    /// Fisher information in σ² (empty unless derivatives were asked for).
    pub info: DMatrix<f64>,
}

/// The pieces of the fixed-effects model with weights `W = V⁻¹` (non-diagonal `V`).
pub(super) struct Fixed {
    /// `QE = (y − Xb)ᵀ W (y − Xb)` with the W-weighted `b`.
    pub qe: f64,
    /// `tr(P₀)`, `P₀ = W − WX(XᵀWX)⁻¹XᵀW`.
    pub trp0: f64,
    /// `ln det V`.
    pub logdet_v: f64,
}

/// Per-block pieces of one evaluation.
struct BlockEval {
    minv: DMatrix<f64>,
    /// `M⁻¹X` for the block.
    g: DMatrix<f64>,
}

impl Blocks {
    /// Splits the data by the codes of the outermost level (`codes[0]`); `codes[l][i]` is the
    /// code of effect `i` at level `l` (nested: equal codes at level `l` imply equal codes at
    /// every outer level). `cov` is a non-diagonal sampling covariance whose blocks each lie
    /// within one outermost cluster (`None`: `V = diag(v)`).
    pub(super) fn new(
        y: &[f64],
        v: &[f64],
        x: &DMatrix<f64>,
        codes: &[Vec<usize>],
        cov: Option<&SamplingCovariance>,
        term: Option<&StructuredTerm>,
    ) -> Self {
        // Effect → (covariance block, position in it).
        let place: Vec<(usize, usize)> = match cov {
            Some(c) => {
                let mut place = vec![(0, 0); y.len()];
                for (bi, b) in c.blocks().iter().enumerate() {
                    for (a, &r) in b.rows.iter().enumerate() {
                        place[r] = (bi, a);
                    }
                }
                place
            }
            None => Vec::new(),
        };
        let k = y.len();
        let split = split_codes(k, codes.first(), cov, term.map(|t| t.outer.as_slice()));
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by_key(|&i| (split[i], i));
        let mut blocks = Vec::new();
        let mut start = 0;
        while start < k {
            let c = split[order[start]];
            let mut end = start;
            while end < k && split[order[end]] == c {
                end += 1;
            }
            let rows = &order[start..end];
            let n = rows.len();
            let mut local = Vec::with_capacity(codes.len());
            let mut groups = Vec::with_capacity(codes.len());
            for cl in codes {
                let mut map = std::collections::HashMap::new();
                let c: Vec<usize> = rows
                    .iter()
                    .map(|&i| {
                        let next = map.len();
                        *map.entry(cl[i]).or_insert(next)
                    })
                    .collect();
                groups.push(map.len());
                local.push(c);
            }
            let vmat = cov.map(|c| {
                DMatrix::from_fn(n, n, |a, b| {
                    let ((ba, pa), (bb, pb)) = (place[rows[a]], place[rows[b]]);
                    if ba == bb {
                        c.blocks()[ba].matrix[(pa, pb)]
                    } else {
                        0.0
                    }
                })
            });
            let (inner, souter) = match term {
                Some(t) => (
                    rows.iter().map(|&i| t.inner[i]).collect(),
                    rows.iter().map(|&i| t.outer[i]).collect(),
                ),
                None => (Vec::new(), Vec::new()),
            };
            blocks.push(Block {
                v: rows.iter().map(|&i| v[i]).collect(),
                vmat,
                y: DVector::from_iterator(n, rows.iter().map(|&i| y[i])),
                x: DMatrix::from_fn(n, x.ncols(), |a, j| x[(rows[a], j)]),
                codes: local,
                groups,
                inner,
                souter,
            });
            start = end;
        }
        let xtx = x.transpose() * x;
        Blocks {
            blocks,
            k,
            p: x.ncols(),
            nl: codes.len(),
            sigma: term.map(StructuredTerm::sigma),
            half_logdet_xtx: 0.5 * xtx.determinant().abs().ln(),
        }
    }

    /// The fixed-effects pieces with `W = V⁻¹`, block by block; `None` when `V` or `XᵀWX` is
    /// not positive definite.
    pub(super) fn fixed(&self) -> Option<Fixed> {
        let p = self.p;
        let mut a = DMatrix::zeros(p, p);
        let mut c = DVector::zeros(p);
        let mut xw2x = DMatrix::zeros(p, p);
        let (mut trw, mut logdet_v) = (0.0, 0.0);
        let mut ws = Vec::with_capacity(self.blocks.len());
        for b in &self.blocks {
            let vm = b
                .vmat
                .clone()
                .unwrap_or_else(|| DMatrix::from_diagonal(&DVector::from_column_slice(&b.v)));
            let chol = vm.cholesky()?;
            logdet_v += 2.0
                * chol
                    .l_dirty()
                    .diagonal()
                    .iter()
                    .map(|x| x.ln())
                    .sum::<f64>();
            let w = chol.inverse();
            let wx = &w * &b.x;
            a += b.x.transpose() * &wx;
            c += wx.transpose() * &b.y;
            xw2x += wx.transpose() * &wx;
            trw += w.trace();
            ws.push(w);
        }
        let ainv = a.cholesky()?.inverse();
        let beta = &ainv * c;
        let qe = self
            .blocks
            .iter()
            .zip(&ws)
            .map(|(b, w)| {
                let r = &b.y - &b.x * &beta;
                r.dot(&(w * &r))
            })
            .sum();
        Some(Fixed {
            qe,
            trp0: trw - (ainv * xw2x).trace(),
            logdet_v,
        })
    }

    /// Evaluates the model at `s2`; `None` when a covariance block or `XᵀM⁻¹X` is not positive
    /// definite.
    pub(super) fn eval(&self, s2: &[f64], reml: bool, derivs: bool) -> Option<Eval> {
        if self.sigma.is_some() {
            return self.eval_general(s2, reml, derivs);
        }
        let lik = self.likelihood(reml, |b| {
            let n = b.v.len();
            DMatrix::from_fn(n, n, |i, j| {
                let shared: f64 = b
                    .codes
                    .iter()
                    .zip(s2)
                    .filter(|(c, _)| c[i] == c[j])
                    .map(|(_, s)| s)
                    .sum();
                shared
                    + match &b.vmat {
                        Some(vm) => vm[(i, j)],
                        None if i == j => b.v[i],
                        None => 0.0,
                    }
            })
        })?;
        let (score, info) = if derivs {
            self.nested_score_info(s2.len(), reml, &lik)
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

    /// The (restricted) log-likelihood, `β̂` and its covariance, with the marginal covariance of
    /// each block given by `marginal`: the set-up both kernels share. `None` when a block or
    /// `XᵀM⁻¹X` is not positive definite.
    fn likelihood(
        &self,
        reml: bool,
        marginal: impl Fn(&Block) -> DMatrix<f64>,
    ) -> Option<Likelihood> {
        let p = self.p;
        let mut a = DMatrix::zeros(p, p);
        let mut c = DVector::zeros(p);
        let mut ld = 0.0;
        let mut parts = Vec::with_capacity(self.blocks.len());
        for b in &self.blocks {
            let chol = marginal(b).cholesky()?;
            ld += logdet(&chol);
            let minv = chol.inverse();
            let g = &minv * &b.x;
            a += b.x.transpose() * &g;
            c += g.transpose() * &b.y;
            parts.push(BlockEval { minv, g });
        }
        let achol = a.clone().cholesky()?;
        let vb = achol.inverse();
        let beta = &vb * c;
        let mut rss = 0.0;
        let mut rs = Vec::with_capacity(parts.len());
        for (b, e) in self.blocks.iter().zip(&parts) {
            let res = &b.y - &b.x * &beta;
            let r = &e.minv * &res;
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
        Some(Likelihood {
            ll,
            beta,
            vb,
            parts,
            rs,
        })
    }

    /// Score and Fisher information in the `nl` nested variance components, from the grouping
    /// codes (`Z_l Z_lᵀ` never formed).
    fn nested_score_info(
        &self,
        nl: usize,
        reml: bool,
        lik: &Likelihood,
    ) -> (DVector<f64>, DMatrix<f64>) {
        let p = self.p;
        let mut score = DVector::zeros(nl);
        let mut info = DMatrix::zeros(nl, nl);
        let mut q = vec![DMatrix::<f64>::zeros(p, p); nl];
        let mut h = vec![DMatrix::<f64>::zeros(p, p); nl * nl];
        for ((b, e), r) in self.blocks.iter().zip(&lik.parts).zip(&lik.rs) {
            let n = b.v.len();
            // M⁻¹Z_l (n × groups), Z_lᵀM⁻¹X (groups × p), Z_l Z_lᵀ M⁻¹X and M⁻¹ of that.
            let sl: Vec<DMatrix<f64>> = (0..nl)
                .map(|l| group_cols(&e.minv, &b.codes[l], b.groups[l]))
                .collect();
            let ul: Vec<DMatrix<f64>> = (0..nl)
                .map(|l| group_rows(&e.g, &b.codes[l], b.groups[l]))
                .collect();
            let dg: Vec<DMatrix<f64>> = (0..nl)
                .map(|l| DMatrix::from_fn(n, p, |i, j| ul[l][(b.codes[l][i], j)]))
                .collect();
            let mdg: Vec<DMatrix<f64>> = if reml {
                dg.iter().map(|d| &e.minv * d).collect()
            } else {
                Vec::new()
            };
            let rmat = DMatrix::from_column_slice(n, 1, r.as_slice());
            for l in 0..nl {
                let c = &b.codes[l];
                // tr(M⁻¹ Z_l Z_lᵀ) and rᵀ Z_l Z_lᵀ r.
                let tr: f64 = (0..n).map(|i| sl[l][(i, c[i])]).sum();
                let rz = group_rows(&rmat, c, b.groups[l]);
                score[l] += -0.5 * tr + 0.5 * rz.iter().map(|x| x * x).sum::<f64>();
                if reml {
                    q[l] += ul[l].transpose() * &ul[l];
                }
                // S_lᵀ, so that the inner sum below reads both factors down a column (the
                // same products in the same order, without striding across S_l's columns).
                let slt = sl[l].transpose();
                for m in 0..nl {
                    // tr(M⁻¹D_l M⁻¹D_m) = Σ_ij S_l[i, c_l(j)] · S_m[j, c_m(i)].
                    let cm = &b.codes[m];
                    let mut t = 0.0;
                    for (i, &cmi) in cm.iter().enumerate() {
                        let (row, col) = (slt.column(i), sl[m].column(cmi));
                        for (j, &cj) in c.iter().enumerate() {
                            t += row[cj] * col[j];
                        }
                    }
                    info[(l, m)] += 0.5 * t;
                    if reml {
                        h[l * nl + m] += dg[l].transpose() * &mdg[m];
                    }
                }
            }
        }
        if reml {
            reml_terms(&mut score, &mut info, &q, &h, &lik.vb, false);
        }
        (score, info)
    }
}

/// `ln det` from a Cholesky factor.
fn logdet(ch: &nalgebra::Cholesky<f64, nalgebra::Dyn>) -> f64 {
    2.0 * ch.l_dirty().diagonal().iter().map(|x| x.ln()).sum::<f64>()
}

/// The log-likelihood at one value of the parameters, with the per-block pieces its derivatives
/// need.
struct Likelihood {
    /// Log-likelihood (restricted under REML).
    ll: f64,
    /// Coefficients.
    beta: DVector<f64>,
    /// Their covariance `(XᵀM⁻¹X)⁻¹`.
    vb: DMatrix<f64>,
    /// Per block, `M_b⁻¹` and `M_b⁻¹X_b`.
    parts: Vec<BlockEval>,
    /// Per block, `r = M_b⁻¹(y_b − X_b β̂)`.
    rs: Vec<DVector<f64>>,
}

/// The code of the block of each effect: the connected groups of effects that share a level of
/// the outermost nested factor, a sampling-covariance block or an outer group of the structured
/// term (`M` is block-diagonal by these codes).
pub(super) fn split_codes(
    k: usize,
    outer: Option<&Vec<usize>>,
    cov: Option<&SamplingCovariance>,
    souter: Option<&[usize]>,
) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..k).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let join_by = |ids: &[usize], parent: &mut Vec<usize>| {
        let mut first: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for (i, &g) in ids.iter().enumerate() {
            let f = *first.entry(g).or_insert(i);
            let (a, b) = (find(parent, i), find(parent, f));
            if a != b {
                parent[a] = b;
            }
        }
    };
    if let Some(o) = outer {
        join_by(o, &mut parent);
    }
    if let Some(o) = souter {
        join_by(o, &mut parent);
    }
    if let Some(c) = cov {
        let mut ids = vec![usize::MAX; k];
        for (bi, b) in c.blocks().iter().enumerate() {
            for &r in &b.rows {
                if let Some(x) = ids.get_mut(r) {
                    *x = bi;
                }
            }
        }
        // Effects outside every block stay alone.
        let free = ids.iter_mut().filter(|x| **x == usize::MAX);
        for (next, x) in (c.blocks().len()..).zip(free) {
            *x = next;
        }
        join_by(&ids, &mut parent);
    }
    (0..k).map(|i| find(&mut parent, i)).collect()
}

/// Refuses a block of the marginal covariance with more than `max` effects (the fit costs a
/// Cholesky factor and an inverse of every block per iteration, cubic in its size). `split` is
/// [`split_codes`]; the error names the largest block (by its covariance cluster's label in
/// `cov`, else its outermost factor `factor` when there is one, and its first effect), its size
/// and the limit.
pub(super) fn check_block_sizes(
    split: &[usize],
    max: usize,
    cov: Option<&SamplingCovariance>,
    factor: Option<&String>,
) -> Result<(), crate::error::Error> {
    let mut size: std::collections::HashMap<usize, (usize, usize)> =
        std::collections::HashMap::new();
    for (i, &c) in split.iter().enumerate() {
        size.entry(c).or_insert((0, i)).0 += 1;
    }
    let Some(&(n, first)) = size
        .values()
        .max_by_key(|&&(n, first)| (n, usize::MAX - first))
    else {
        return Ok(());
    };
    if n <= max {
        return Ok(());
    }
    let label = cov
        .and_then(|c| c.blocks().iter().find(|b| b.rows.contains(&first)))
        .map_or_else(
            || match factor {
                Some(f) => format!("the level of '{f}' of effect {}", first + 1),
                None => format!("the cluster of effect {}", first + 1),
            },
            |b| format!("'{}'", b.label),
        );
    Err(crate::error::Error::setting(
        crate::error::Setting::MaxBlock,
        format!(
            "cluster {label} has {n} effects in one block of the marginal covariance, more than the limit of {max} (the fit factors each block once per iteration, a cost that grows with the cube of its size): raise the limit to fit it anyway"
        ),
    ))
}

impl Blocks {
    /// The number of parameters: nested variances, then the structured term's τ² and ρ.
    pub(super) fn n_par(&self) -> usize {
        self.nl + self.sigma.as_ref().map_or(0, Sigma::n_par)
    }

    /// Whether parameter `q` is a correlation (else a variance).
    pub(super) fn is_rho(&self, q: usize) -> bool {
        match &self.sigma {
            Some(s) => q >= self.nl + s.structure.n_tau2(s.n),
            None => false,
        }
    }

    /// The structure of the structured term, if any.
    pub(super) fn structure(&self) -> Option<super::structure::Structure> {
        self.sigma.as_ref().map(|s| s.structure)
    }

    /// The admissible range of parameter `q`: `[0, ∞)` for a variance, `[−1, 1]` for a
    /// correlation.
    pub(super) fn bounds(&self, q: usize) -> (f64, f64) {
        if self.is_rho(q) {
            (-1.0, 1.0)
        } else {
            (0.0, f64::INFINITY)
        }
    }
}

/// Adds the REML terms to the score and information: `score_l += ½ tr(A⁻¹Q_l)`,
/// `info_lm += ½ (−2 tr(A⁻¹H_lm) + tr(A⁻¹Q_l A⁻¹Q_m))` (`A⁻¹ = vb`, `H` indexed `l·n + m`).
/// With `upper`, `H` and the information hold only `m ≥ l`, and the lower triangle is mirrored.
pub(super) fn reml_terms(
    score: &mut DVector<f64>,
    info: &mut DMatrix<f64>,
    q: &[DMatrix<f64>],
    h: &[DMatrix<f64>],
    vb: &DMatrix<f64>,
    upper: bool,
) {
    let n = q.len();
    let aq: Vec<DMatrix<f64>> = q.iter().map(|ql| vb * ql).collect();
    for l in 0..n {
        score[l] += 0.5 * aq[l].trace();
        for m in (if upper { l } else { 0 })..n {
            info[(l, m)] += 0.5 * (-2.0 * (vb * &h[l * n + m]).trace() + (&aq[l] * &aq[m]).trace());
        }
    }
    if upper {
        for l in 0..n {
            for m in 0..l {
                info[(l, m)] = info[(m, l)];
            }
        }
    }
}

/// The outcome of Fisher scoring.
pub(super) struct Scoring {
    /// The estimates.
    pub s2: Vec<f64>,
    /// The model at the estimates.
    pub eval: Eval,
    /// Iterations used.
    pub iterations: usize,
}

/// Maximises the (restricted) log-likelihood over the admissible parameters (variances ≥ 0,
/// correlations in [−1, 1]) from `start` by Fisher scoring: a parameter with `fixed[q]` stays at
/// its start value (an empty `fixed` frees every one), a parameter at a bound whose score points
/// outward is held there, one the data do not inform (zero information, such as a correlation of
/// a zero variance) is left where it is, a step that lowers the likelihood is halved, and
/// iteration stops once every `|Δθ_q| ≤ threshold·(|θ_q| + s_q)` (`s_q` the variance scale, 1
/// for a correlation). `None` when the model cannot be evaluated or does not converge in
/// `max_iter` iterations (the iterations used and the last iterate are returned in the error).
pub(super) fn fisher_scoring(
    blocks: &Blocks,
    start: &[f64],
    fixed: &[bool],
    reml: bool,
    scale: f64,
    threshold: f64,
    max_iter: usize,
) -> Result<Scoring, Option<(usize, Vec<f64>)>> {
    let nl = start.len();
    let mut s2 = start.to_vec();
    let mut ev = blocks.eval(&s2, reml, true).ok_or(None)?;
    for it in 1..=max_iter {
        let free: Vec<usize> = (0..nl)
            .filter(|&l| !fixed.get(l).copied().unwrap_or(false))
            .filter(|&l| {
                let (lo, hi) = blocks.bounds(l);
                !((s2[l] <= lo && ev.score[l] <= 0.0) || (s2[l] >= hi && ev.score[l] >= 0.0))
            })
            .filter(|&l| ev.info[(l, l)] > 0.0)
            .collect();
        let mut delta = vec![0.0; nl];
        if !free.is_empty() {
            let nf = free.len();
            let fi = DMatrix::from_fn(nf, nf, |a, b| ev.info[(free[a], free[b])]);
            let fs = DVector::from_fn(nf, |a, _| ev.score[free[a]]);
            let step = match fi.clone().cholesky() {
                Some(ch) => ch.solve(&fs),
                None => fi.lu().solve(&fs).unwrap_or(fs),
            };
            for (a, &l) in free.iter().enumerate() {
                delta[l] = step[a];
            }
        }
        // Step halving: take the first step that raises the likelihood; one that lowers it
        // within rounding is taken only after three halvings failed to raise it (an expected
        // information that underestimates the curvature would otherwise make the steps
        // overshoot and cycle around the maximum).
        let mut factor = 1.0;
        let mut within: Option<(Vec<f64>, Eval)> = None;
        let (cand, cev) = loop {
            let cand: Vec<f64> = s2
                .iter()
                .zip(&delta)
                .enumerate()
                .map(|(q, (s, d))| {
                    let (lo, hi) = blocks.bounds(q);
                    (s + factor * d).clamp(lo, hi)
                })
                .collect();
            match blocks.eval(&cand, reml, true) {
                Some(e) if e.ll >= ev.ll => break (cand, e),
                Some(e) if e.ll >= ev.ll - 1e-12 * (1.0 + ev.ll.abs()) && within.is_none() => {
                    within = Some((cand, e));
                }
                _ => {}
            }
            if factor < 0.1 {
                if let Some(w) = within.take() {
                    break w;
                }
            }
            if factor < 1e-10 {
                // No step raises the likelihood: a maximum, unless the scoring step still
                // promised a real gain (a maximum on the edge of the admissible region, such
                // as an unstructured Σ turning singular, that scoring cannot follow).
                let gain: f64 = delta.iter().zip(ev.score.iter()).map(|(d, s)| d * s).sum();
                if gain > 1e-6 * (1.0 + ev.ll.abs()) {
                    return Err(Some((it, s2)));
                }
                break (s2.clone(), blocks.eval(&s2, reml, true).ok_or(None)?);
            }
            factor *= 0.5;
        };
        // Converged when the full step is small, not merely the damped one taken.
        let done = cand
            .iter()
            .zip(&s2)
            .zip(&delta)
            .enumerate()
            .all(|(q, ((n, o), d))| {
                let s = if blocks.is_rho(q) { 1.0 } else { scale };
                let tol = threshold * (n.abs() + s);
                (n - o).abs() <= tol && (factor == 1.0 || d.abs() <= tol)
            });
        s2 = cand;
        ev = cev;
        if done {
            return Ok(Scoring {
                s2,
                eval: ev,
                iterations: it,
            });
        }
    }
    Err(Some((max_iter, s2)))
}
