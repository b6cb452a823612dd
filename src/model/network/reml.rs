//! The random-effects network by REML: metafor's contrast-based NMA, `rma.mv(yi, V, mods = X,
//! random = ~ comparison | study, rho = 1/2)`.
//!
//! Each study's contrasts are taken against its baseline (the first arm of its first contrast):
//! `y_j = effect(t_j) − effect(baseline)`, with `Var(y_j) = V_bj` and `Cov(y_j, y_k) = (V_bj +
//! V_bk − V_jk)/2` from the pairwise variances (the variance of the shared baseline arm).
//! `X` has a column per non-reference treatment (+1 for `t_j`, −1 for the baseline). The random
//! effects of one study's contrasts have variance τ² and correlation ½ (consistency), a
//! compound-symmetry structured term over the comparisons with ρ held at ½.

use nalgebra::DMatrix;

use super::graph::Edge;
use crate::error::{Error, Result};
use crate::model::multilevel::{MultilevelData, MultilevelModel, Structure, StructuredTerm};
use crate::model::vcalc::{CovBlock, SamplingCovariance};

/// The REML fit: τ², the treatment effects (reference 0) and their covariance.
pub(super) struct RemlFit {
    /// Between-study variance.
    pub tau2: f64,
    /// Treatment effects, the reference at 0.
    pub d: nalgebra::DVector<f64>,
    /// Their covariance (zero row and column for the reference).
    pub cov: DMatrix<f64>,
    /// Restricted log-likelihood.
    pub loglik: f64,
}

/// The contrasts of every study against its baseline, stacked: the effects, the (treatment,
/// baseline) of each row, the sampling covariance blocks, and each row's comparison label and
/// study.
#[derive(Default)]
struct Stacked {
    y: Vec<f64>,
    rows_x: Vec<(usize, usize)>,
    blocks: Vec<CovBlock>,
    comparison: Vec<String>,
    outer: Vec<usize>,
}

impl Stacked {
    /// Adds study `s` (its edges `es`) against its baseline (the second arm of its first edge).
    ///
    /// # Errors
    /// [`Error::Input`] for a pair of arms missing from the study.
    fn push_study(
        &mut self,
        edges: &[Edge],
        es: &[usize],
        s: usize,
        studies: &[String],
        treatments: &[String],
    ) -> Result<()> {
        let base = edges[es[0]].t2;
        // Pairwise variance and effect between two arms of the study.
        let pair = |a: usize, b: usize| -> Option<(f64, f64)> {
            es.iter().find_map(|&e| {
                let x = &edges[e];
                if x.t1 == a && x.t2 == b {
                    Some((x.y, x.v))
                } else if x.t1 == b && x.t2 == a {
                    Some((-x.y, x.v))
                } else {
                    None
                }
            })
        };
        let mut arms: Vec<usize> = es
            .iter()
            .flat_map(|&e| [edges[e].t1, edges[e].t2])
            .filter(|&t| t != base)
            .collect();
        arms.sort_unstable();
        arms.dedup();
        let start = self.y.len();
        for &t in &arms {
            let (yy, _) = pair(t, base).ok_or_else(|| {
                Error::input(
                    format!("study '{}'", studies[s]),
                    "a pair of arms is missing",
                )
            })?;
            self.y.push(yy);
            self.rows_x.push((t, base));
            self.comparison
                .push(format!("{}:{}", treatments[t], treatments[base]));
            self.outer.push(s);
        }
        let a = arms.len();
        let v = |i: usize, j: usize| -> f64 {
            let vb = |t: usize| pair(t, base).map_or(f64::NAN, |p| p.1);
            if i == j {
                vb(arms[i])
            } else {
                let vij = pair(arms[i], arms[j]).map_or(f64::NAN, |p| p.1);
                (vb(arms[i]) + vb(arms[j]) - vij) / 2.0
            }
        };
        self.blocks.push(CovBlock {
            label: studies[s].clone(),
            rows: (start..start + a).collect(),
            matrix: DMatrix::from_fn(a, a, v),
        });
        Ok(())
    }
}

/// The multilevel model of the comparisons: compound symmetry with ρ held at ½, or a single
/// variance when there is one comparison type only (two treatments: no correlation to hold).
fn model_of(comparison: &[String]) -> (Structure, MultilevelModel) {
    let mut kinds = comparison.to_vec();
    kinds.sort();
    kinds.dedup();
    let structure = if kinds.len() < 2 {
        Structure::Id
    } else {
        Structure::Cs
    };
    let model = if structure == Structure::Cs {
        MultilevelModel::new()
            .structure(structure)
            .fix_rho(vec![Some(0.5)])
    } else {
        MultilevelModel::new().structure(structure)
    };
    (structure, model)
}

/// Fits the network of `edges` (`by_study`: the edges of each study) over `n` treatments by
/// REML, reference `reference`.
pub(super) fn fit(
    edges: &[Edge],
    by_study: &[Vec<usize>],
    n: usize,
    reference: usize,
    studies: &[String],
    treatments: &[String],
) -> Result<RemlFit> {
    let mut st = Stacked::default();
    for (s, es) in by_study.iter().enumerate() {
        st.push_study(edges, es, s, studies, treatments)?;
    }
    let k = st.y.len();
    let cols: Vec<usize> = (0..n).filter(|&t| t != reference).collect();
    let x = DMatrix::from_fn(k, cols.len(), |i, c| {
        let (t, b) = st.rows_x[i];
        f64::from(u8::from(cols[c] == t)) - f64::from(u8::from(cols[c] == b))
    });
    let names: Vec<String> = cols.iter().map(|&t| treatments[t].clone()).collect();
    let cov = SamplingCovariance::from_blocks(k, st.blocks)?;
    let (structure, model) = model_of(&st.comparison);
    let term = StructuredTerm::new(
        structure,
        &st.comparison,
        &st.outer,
        ["comparison".into(), "study".into()],
    )?;
    let data = MultilevelData {
        y: &st.y,
        v: &[],
        cov: Some(&cov),
        levels: &[],
        x: &x,
        names: &names,
    };
    let fit = model.fit_structured(data, &term)?;
    let tau2 = fit
        .structured
        .as_ref()
        .and_then(|s| s.struct_tau2.first().copied())
        .unwrap_or(f64::NAN);
    let mut d = nalgebra::DVector::zeros(n);
    let mut c = DMatrix::zeros(n, n);
    for (a, &ta) in cols.iter().enumerate() {
        d[ta] = fit.coefficients[a].est.estimate;
        for (b, &tb) in cols.iter().enumerate() {
            c[(ta, tb)] = fit.vb[(a, b)];
        }
    }
    Ok(RemlFit {
        tau2,
        d,
        cov: c,
        loglik: fit.loglik,
    })
}
