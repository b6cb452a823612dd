//! The fitted working model of a multilevel fit, kept for inference after the fit (cluster-robust
//! inference): design, residuals and the marginal covariance `M = Σ_l σ̂²_l Z_l Z_lᵀ + V`, whose
//! blocks are formed on demand for any set of effects, never as a k × k matrix.

use nalgebra::DMatrix;

use super::structure::StructuredTerm;
use crate::model::vcalc::SamplingCovariance;

/// The working model of a fitted [`MultilevelFit`](super::MultilevelFit): `X`, the residuals
/// `y − Xβ̂` and the marginal covariance at the estimated variance components.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Marginal {
    x: DMatrix<f64>,
    residuals: Vec<f64>,
    codes: Vec<Vec<usize>>,
    sigma2: Vec<f64>,
    v: Vec<f64>,
    cov: Option<SamplingCovariance>,
    /// Effect → (covariance block, position in it), when `cov` is set.
    place: Vec<(usize, usize)>,
    /// The structured term and its `Σ` at the estimates, when the model has one.
    term: Option<(StructuredTerm, DMatrix<f64>)>,
    /// The block of `M` of each effect.
    split: Vec<usize>,
}

impl Marginal {
    /// The working model: design `x`, residuals, nested level codes (outermost first; equal
    /// codes at level `l` imply equal codes at every outer level), variance components, sampling
    /// variances `v`, a non-diagonal sampling covariance (`None`: `V = diag(v)`) and a structured
    /// term (`sigma2` then holds the nested variances followed by the term's τ² and ρ).
    pub(super) fn new(
        x: DMatrix<f64>,
        residuals: Vec<f64>,
        codes: Vec<Vec<usize>>,
        mut sigma2: Vec<f64>,
        v: Vec<f64>,
        cov: Option<SamplingCovariance>,
        term: Option<StructuredTerm>,
    ) -> Self {
        let split = super::kernel::split_codes(
            v.len(),
            codes.first(),
            cov.as_ref(),
            term.as_ref().map(|t| t.outer.as_slice()),
        );
        let nl = codes.len();
        let term = term.map(|t| {
            let m = t.sigma().matrix(sigma2.get(nl..).unwrap_or(&[]));
            (t, m)
        });
        sigma2.truncate(nl);
        let mut place = Vec::new();
        if let Some(c) = &cov {
            place = vec![(0, 0); v.len()];
            for (bi, b) in c.blocks().iter().enumerate() {
                for (a, &r) in b.rows.iter().enumerate() {
                    if let Some(p) = place.get_mut(r) {
                        *p = (bi, a);
                    }
                }
            }
        }
        Marginal {
            x,
            residuals,
            codes,
            sigma2,
            v,
            cov,
            place,
            term,
            split,
        }
    }

    /// The design matrix (k × p).
    pub fn x(&self) -> &DMatrix<f64> {
        &self.x
    }

    /// The nested level codes, outermost first.
    pub(super) fn codes(&self) -> &[Vec<usize>] {
        &self.codes
    }

    /// The nested variance components, outermost first.
    pub(super) fn sigma2(&self) -> &[f64] {
        &self.sigma2
    }

    /// The residuals `y − Xβ̂`.
    pub fn residuals(&self) -> &[f64] {
        &self.residuals
    }

    /// The code of each effect's block of `M`: its level of the outermost random factor, joined
    /// with the outer groups of a structured term and the sampling-covariance blocks that overlap
    /// it. `M` is block-diagonal by these codes.
    pub fn outer(&self) -> &[usize] {
        &self.split
    }

    /// The marginal covariance of the effects `rows` (0-based, in the given order):
    /// `M_ab = Σ_l σ̂²_l [a and b share level l] + V_ab`.
    ///
    /// # Panics
    /// Never for rows below the number of effects; a row beyond it panics (index out of bounds).
    pub fn block(&self, rows: &[usize]) -> DMatrix<f64> {
        let n = rows.len();
        DMatrix::from_fn(n, n, |a, b| {
            let (i, j) = (rows[a], rows[b]);
            let shared: f64 = self
                .codes
                .iter()
                .zip(&self.sigma2)
                .filter(|(c, _)| c[i] == c[j])
                .map(|(_, s)| s)
                .sum();
            let v = match &self.cov {
                Some(c) => {
                    let ((bi, pi), (bj, pj)) = (self.place[i], self.place[j]);
                    if bi == bj {
                        c.blocks()[bi].matrix[(pi, pj)]
                    } else {
                        0.0
                    }
                }
                None if i == j => self.v[i],
                None => 0.0,
            };
            let structured = match &self.term {
                Some((t, m)) if t.outer[i] == t.outer[j] => m[(t.inner[i], t.inner[j])],
                _ => 0.0,
            };
            shared + structured + v
        })
    }
}
