//! Inconsistency in a network: Q within designs (Krahn et al. 2013: the heterogeneity of studies
//! of one design around their own common effect) and node-splitting by back-calculation (König
//! et al. 2013; netmeta's `netsplit`).
//!
//! * `Q_within = Σ_designs Q_d`, `Q_d` the Q of the design's studies fitted alone (the same
//!   graph method), on `Σ_d (studies_d − 1)(arms_d − 1)` df; `Q_between = Q − Q_within`.
//! * For a comparison `a`–`b` with direct evidence: the direct estimate is the inverse-variance
//!   mean of its contrasts with their own variances (plus τ² in the random-effects model; as
//!   netmeta, not the multi-arm adjusted ones); the share of direct
//!   evidence `p = Var(nma)/Var(direct)`; the indirect estimate `(nma − p·direct)/(1 − p)` with
//!   variance `Var(direct)·Var(nma)/(Var(direct) − Var(nma))`; their difference, tested by z.

use serde::Serialize;

use super::graph::{self, Edge};
use super::NetworkModel;
use crate::dist;
use crate::error::Result;

/// One comparison of node-splitting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitRow {
    /// The comparison, `a:b` (effect of `a` relative to `b`).
    pub comparison: String,
    /// Studies with direct evidence.
    pub k: usize,
    /// Share of the network estimate's precision from direct evidence.
    pub prop_direct: f64,
    /// The network estimate.
    pub nma: f64,
    /// The direct estimate.
    pub direct: f64,
    /// Its standard error.
    pub direct_se: f64,
    /// The indirect estimate (null when all evidence is direct).
    pub indirect: Option<f64>,
    /// Its standard error.
    pub indirect_se: Option<f64>,
    /// Direct minus indirect.
    pub difference: Option<f64>,
    /// Lower confidence bound of the difference.
    pub difference_ci_lower: Option<f64>,
    /// Upper confidence bound.
    pub difference_ci_upper: Option<f64>,
    /// Two-sided p-value of the z test of the difference.
    pub p_value: Option<f64>,
}

/// Q within designs and its df.
pub(super) fn within_designs(
    edges: &[Edge],
    by_study: &[Vec<usize>],
    designs: &[Vec<usize>],
) -> Result<(f64, usize)> {
    let (mut q, mut df) = (0.0, 0);
    // The sorted arms of every study, computed once.
    let study_arms: Vec<Vec<usize>> = by_study
        .iter()
        .map(|es| {
            let mut arms: Vec<usize> = es
                .iter()
                .flat_map(|&e| [edges[e].t1, edges[e].t2])
                .collect();
            arms.sort_unstable();
            arms.dedup();
            arms
        })
        .collect();
    for d in designs {
        // The studies of this design, re-indexed over its treatments.
        let members: Vec<&Vec<usize>> = by_study
            .iter()
            .zip(&study_arms)
            .filter(|(_, arms)| *arms == d)
            .map(|(es, _)| es)
            .collect();
        if members.len() < 2 {
            continue;
        }
        let pos = |t: usize| d.iter().position(|&x| x == t).unwrap_or(0);
        let mut sub = Vec::new();
        let mut sub_by = Vec::new();
        for (si, es) in members.iter().enumerate() {
            let mut list = Vec::new();
            for &e in es.iter() {
                list.push(sub.len());
                sub.push(Edge {
                    study: si,
                    t1: pos(edges[e].t1),
                    t2: pos(edges[e].t2),
                    y: edges[e].y,
                    v: edges[e].v,
                });
            }
            sub_by.push(list);
        }
        let f = graph::fit(&sub, &sub_by, d.len(), 0.0)?;
        q += f.q;
        df += (members.len() - 1) * (d.len() - 1);
    }
    Ok((q, df))
}

/// Node-splitting of every comparison with direct evidence, from the model `m` (common effect
/// with `tau2` 0, or random effects with its τ²).
pub(super) fn netsplit(
    edges: &[Edge],
    tau2: f64,
    m: &NetworkModel,
    treatments: &[String],
    level: f64,
) -> Vec<SplitRow> {
    let n = treatments.len();
    let z = dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    // One pass over the contrasts: per unordered pair (a < b), Σw, Σw·y (oriented a − b) and
    // its studies, in data order.
    let mut sums = vec![(0.0, 0.0, Vec::new()); n * n];
    for e in edges {
        let we = 1.0 / (e.v + tau2);
        let (a, b, sign) = if e.t1 < e.t2 {
            (e.t1, e.t2, 1.0)
        } else {
            (e.t2, e.t1, -1.0)
        };
        let (sw, swy, studies): &mut (f64, f64, Vec<usize>) = &mut sums[a * n + b];
        *sw += we;
        *swy += we * sign * e.y;
        if !studies.contains(&e.study) {
            studies.push(e.study);
        }
    }
    let mut out = Vec::new();
    for a in 0..n {
        for b in (a + 1)..n {
            let (sw, swy, studies) = &sums[a * n + b];
            let (sw, swy) = (*sw, *swy);
            if sw == 0.0 {
                continue;
            }
            let direct = swy / sw;
            let var_dir = 1.0 / sw;
            let nma = m.d[a] - m.d[b];
            let var_nma = m.cov[(a, a)] + m.cov[(b, b)] - 2.0 * m.cov[(a, b)];
            let p = (var_nma / var_dir).min(1.0);
            let only_direct = var_dir - var_nma <= 1e-12 * var_dir;
            let (indirect, ind_se, diff, lo, hi, pv) = if only_direct {
                (None, None, None, None, None, None)
            } else {
                let ind = (nma - p * direct) / (1.0 - p);
                let var_ind = var_dir * var_nma / (var_dir - var_nma);
                let d = direct - ind;
                let se = (var_dir + var_ind).sqrt();
                (
                    Some(ind),
                    Some(var_ind.sqrt()),
                    Some(d),
                    Some(d - z * se),
                    Some(d + z * se),
                    Some(dist::norm_p2(d / se)),
                )
            };
            out.push(SplitRow {
                comparison: format!("{}:{}", treatments[a], treatments[b]),
                k: studies.len(),
                prop_direct: p,
                nma,
                direct,
                direct_se: var_dir.sqrt(),
                indirect,
                indirect_se: ind_se,
                difference: diff,
                difference_ci_lower: lo,
                difference_ci_upper: hi,
                p_value: pv,
            });
        }
    }
    out
}
