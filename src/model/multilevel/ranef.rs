//! The predicted random effects of a multilevel model (metafor `ranef()` on `rma.mv`): for each
//! nested term `l` and each of its levels, `û = σ̂²_l zᵀ W e` with variance
//! `σ̂²_l − σ̂⁴_l (zᵀWz − zᵀWX (XᵀWX)⁻¹ XᵀWz)`, where `z` marks the level's effects,
//! `W = M⁻¹` and `e = y − Xβ̂`. `M` is block-diagonal, so everything is formed block by block.

use nalgebra::{DMatrix, DVector};

use super::{MultilevelFit, MultilevelTest};
use crate::error::Error;
use crate::model::blup::{interval, RanefLevel};
use crate::model::prediction::critical;

/// One level's sums over its block: `Σ σ̂²·(We)ᵢ`, `zᵀWz` and `XᵀWz`.
struct LevelSums {
    we: f64,
    zwz: f64,
    xwz: DVector<f64>,
}

/// The random effects of every nested term of `fit` (outermost first), each level labelled by
/// `labels[l][i]` (the label of effect `i` at nested level `l`), with prediction intervals at
/// `level` percent (normal, or t on the residual df `k − p` under t tests, as metafor's
/// default `dfs`). Levels are listed in order of first appearance.
///
/// # Errors
/// [`Error::Singular`] when a block of the marginal covariance or `XᵀWX` is not positive
/// definite.
pub fn random_effects(
    fit: &MultilevelFit,
    labels: &[Vec<String>],
    level: f64,
) -> Result<Vec<Vec<RanefLevel>>, Error> {
    let w = &fit.working;
    let codes = w.codes();
    let sigma2 = w.sigma2();
    let p = w.x().ncols();
    let mut sums: Vec<Vec<Option<LevelSums>>> = codes
        .iter()
        .map(|c| {
            let n = c.iter().max().map_or(0, |m| m + 1);
            (0..n).map(|_| None).collect()
        })
        .collect();
    let mut xwx = DMatrix::<f64>::zeros(p, p);
    for rows in blocks(w.outer()) {
        let m = w.block(&rows);
        let winv = m
            .cholesky()
            .ok_or_else(|| singular("a block of the marginal covariance"))?
            .inverse();
        let xb = DMatrix::from_fn(rows.len(), p, |a, j| w.x()[(rows[a], j)]);
        let eb = DVector::from_iterator(rows.len(), rows.iter().map(|&r| w.residuals()[r]));
        let we = &winv * eb;
        let wx = &winv * &xb;
        xwx += xb.transpose() * &wx;
        for (l, c) in codes.iter().enumerate() {
            for (a, &r) in rows.iter().enumerate() {
                let slot = sums[l][c[r]].get_or_insert_with(|| LevelSums {
                    we: 0.0,
                    zwz: 0.0,
                    xwz: DVector::zeros(p),
                });
                slot.we += we[a];
                slot.xwz += wx.row(a).transpose();
                slot.zwz += rows
                    .iter()
                    .enumerate()
                    .filter(|(_, &r2)| c[r2] == c[r])
                    .map(|(b, _)| winv[(a, b)])
                    .sum::<f64>();
            }
        }
    }
    let vb = xwx.cholesky().ok_or_else(|| singular("X'WX"))?.inverse();
    let df = match fit.test {
        MultilevelTest::T => Some(((fit.k as f64) - (p as f64)).max(1.0)),
        MultilevelTest::Z => None,
    };
    let crit = critical(level, df);
    Ok(codes
        .iter()
        .enumerate()
        .map(|(l, c)| {
            let first = first_rows(c, sums[l].len());
            sums[l]
                .iter()
                .zip(first)
                .filter_map(|(s, row)| Some((s.as_ref()?, row?)))
                .map(|(s, row)| level_row(s, sigma2[l], &vb, crit, &labels[l][row]))
                .collect()
        })
        .collect())
}

/// The prediction, SE and interval of one level.
fn level_row(s: &LevelSums, s2: f64, vb: &DMatrix<f64>, crit: f64, label: &str) -> RanefLevel {
    let pred = s2 * s.we;
    let quad = (s.xwz.transpose() * vb * &s.xwz)[(0, 0)];
    let var = (s2 - s2 * s2 * (s.zwz - quad)).max(0.0);
    let se = var.sqrt();
    let (lo, hi) = interval(pred, se, crit);
    RanefLevel {
        level: label.to_string(),
        pred,
        se,
        pi_lower: lo,
        pi_upper: hi,
    }
}

/// The rows of each block of `M`, blocks in order of first appearance.
fn blocks(outer: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut at = std::collections::HashMap::new();
    for (r, &b) in outer.iter().enumerate() {
        let i = *at.entry(b).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[i].push(r);
    }
    out
}

/// The first row of each code `0..n`.
fn first_rows(codes: &[usize], n: usize) -> Vec<Option<usize>> {
    let mut first = vec![None; n];
    for (r, &c) in codes.iter().enumerate() {
        if let Some(slot) = first.get_mut(c) {
            slot.get_or_insert(r);
        }
    }
    first
}

fn singular(what: &str) -> Error {
    Error::Singular {
        message: format!("{what} is not positive definite: the random effects cannot be predicted"),
    }
}
