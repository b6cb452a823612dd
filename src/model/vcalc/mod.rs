//! Block-diagonal sampling covariance matrices: metafor's `vcalc(vi, cluster, obs, rho, time1,
//! phi)` for the common case (`docs/src/multilevel.md`), [`vcalc_full`] with every other per-effect variable
//! (`subgroup`, `type`, `time2`, `grp1`/`grp2`, `w1`/`w2`), [`VcalcSpec::covariance`] on table
//! columns, and a validated container of per-cluster blocks.
//!
//! # Formulas (metafor 3.8-1 `vcalc`, the common case; see [`vcalc_full`] for the rest)
//! Within a cluster, `V_ij = √v_i · R_ij · √v_j` with `R_ii = 1` and, for `i ≠ j`,
//! `R_ij = r_obs · r_time`: `r_obs = 1` for the same `obs` (or without `obs`), `ρ` otherwise;
//! `r_time = 1` for the same time (or without times), `φ^|t_i − t_j|` otherwise. Effects of
//! different clusters are independent. The diagonal is `v_i` exactly.
//!
//! # Examples
//!
//! ```
//! use peerstat::model::vcalc::vcalc;
//! let vi = [0.04, 0.09, 0.01];
//! let cov = vcalc(&vi, &["a", "a", "b"], Some(&[1, 2, 1][..]), None, 0.6).unwrap();
//! assert_eq!(cov.blocks().len(), 2);
//! assert!((cov.blocks()[0].matrix[(0, 1)] - 0.6 * 0.2 * 0.3).abs() < 1e-15);
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::{Error, Setting};

mod general;
mod table;

pub use general::{vcalc_full, VcalcColumns, VcalcCorrelations};

/// The sampling covariance of one cluster of effects.
#[derive(Debug, Clone, PartialEq)]
pub struct CovBlock {
    /// The cluster's label (for messages).
    pub label: String,
    /// The effects of the cluster (indices into the effect vector, ascending).
    pub rows: Vec<usize>,
    /// Their covariance matrix (`rows.len()` square).
    pub matrix: DMatrix<f64>,
}

/// A block-diagonal sampling covariance matrix `V` of `k` effects: every effect in exactly one
/// block, every block symmetric and positive definite.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingCovariance {
    k: usize,
    blocks: Vec<CovBlock>,
}

impl SamplingCovariance {
    /// A diagonal `V = diag(v)` (one block per effect).
    ///
    /// # Errors
    /// [`Error::Input`] for a variance that is not positive and finite.
    pub fn diagonal(v: &[f64]) -> Result<Self, Error> {
        let blocks = v
            .iter()
            .enumerate()
            .map(|(i, &vi)| CovBlock {
                label: format!("effect {}", i + 1),
                rows: vec![i],
                matrix: DMatrix::from_element(1, 1, vi),
            })
            .collect();
        Self::from_blocks(v.len(), blocks)
    }

    /// Validates blocks covering the effects `0..k`.
    ///
    /// # Errors
    /// [`Error::Input`] for an effect in no block or in two, a block whose matrix does not
    /// match its rows or is not symmetric, and a block that is not positive definite (naming
    /// its cluster).
    pub fn from_blocks(k: usize, mut blocks: Vec<CovBlock>) -> Result<Self, Error> {
        let mut seen = vec![false; k];
        for b in &mut blocks {
            let what = || format!("sampling covariance of cluster '{}'", b.label);
            let n = b.rows.len();
            if n == 0 || b.matrix.nrows() != n || b.matrix.ncols() != n {
                return Err(Error::input(
                    what(),
                    format!(
                        "a {}×{} matrix for {n} effects",
                        b.matrix.nrows(),
                        b.matrix.ncols()
                    ),
                ));
            }
            for &r in &b.rows {
                match seen.get_mut(r) {
                    Some(s) if !*s => *s = true,
                    Some(_) => {
                        return Err(Error::input(
                            what(),
                            format!("effect {} is in two clusters", r + 1),
                        ))
                    }
                    None => {
                        return Err(Error::input(
                            what(),
                            format!("effect {} does not exist ({k} effects)", r + 1),
                        ))
                    }
                }
            }
            for i in 0..n {
                for j in 0..i {
                    let (a, c) = (b.matrix[(i, j)], b.matrix[(j, i)]);
                    if !(a.is_finite() && a == c) {
                        return Err(Error::input(
                            what(),
                            "the matrix is not symmetric or has a non-finite entry",
                        ));
                    }
                }
            }
            if b.matrix
                .diagonal()
                .iter()
                .any(|d| !(d.is_finite() && *d > 0.0))
                || b.matrix.clone().cholesky().is_none()
            {
                return Err(Error::input(
                    what(),
                    "the sampling covariance matrix is not positive definite (effects that are perfectly correlated, such as the same observation twice, or correlations that cannot hold together)",
                ));
            }
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(Error::input(
                format!("effect {}", i + 1),
                "the effect has no sampling covariance block",
            ));
        }
        Ok(SamplingCovariance { k, blocks })
    }

    /// Number of effects.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The blocks, in the order of the clusters' first effects.
    pub fn blocks(&self) -> &[CovBlock] {
        &self.blocks
    }

    /// The sampling variances (the diagonal of `V`).
    pub fn variances(&self) -> Vec<f64> {
        let mut v = vec![0.0; self.k];
        for b in &self.blocks {
            for (a, &r) in b.rows.iter().enumerate() {
                v[r] = b.matrix[(a, a)];
            }
        }
        v
    }

    /// Whether every covariance between two effects is exactly zero.
    pub fn is_diagonal(&self) -> bool {
        self.blocks.iter().all(|b| {
            let n = b.rows.len();
            (0..n).all(|i| (0..n).all(|j| i == j || b.matrix[(i, j)] == 0.0))
        })
    }
}

/// The options of metafor's `vcalc` on table columns, as recorded in results (keys of the
/// optional variables appear in JSON only when given).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct VcalcSpec {
    /// Column of the clusters (effects of different clusters are independent).
    pub cluster: String,
    /// Column of the observations (`None`: all effects of a cluster share one observation).
    pub obs: Option<String>,
    /// Correlation of effects of the same type with different observations (metafor's `rho`;
    /// its first value with `type` and `obs`). Unused without `obs` (0 when not given).
    pub rho: f64,
    /// Column of the measurement times (metafor's `time1`; `None`: no time decay).
    pub time: Option<String>,
    /// Autocorrelation per unit of time (`φ^|Δt|`); `None` without times.
    pub phi: Option<f64>,
    /// Column of independent subgroups within clusters (metafor's `subgroup`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subgroup: Option<String>,
    /// Column of the construct types (metafor's `type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_col: Option<String>,
    /// Correlation of effects of different types (metafor's `rho` with `type` alone, its second
    /// value with `type` and `obs`); `None` without `type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho_type: Option<f64>,
    /// Column of the second group's measurement times (metafor's `time2`; needs `time` and
    /// `grp2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time2: Option<String>,
    /// Column of the first group each effect compares (metafor's `grp1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grp1: Option<String>,
    /// Column of the second group (metafor's `grp2`; needs `grp1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grp2: Option<String>,
    /// Column of the first group's size (metafor's `w1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w1: Option<String>,
    /// Column of the second group's size (metafor's `w2`; needs `w1` and `grp2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub w2: Option<String>,
}

impl VcalcSpec {
    /// The same options with the main correlation set to `rho`: `rho` with `obs` (or without
    /// `type`), else `rho_type` (with `type` alone) — what a grid of ρ varies.
    pub fn with_rho(&self, rho: f64) -> Self {
        let mut s = self.clone();
        if s.obs.is_none() && s.type_col.is_some() {
            s.rho_type = Some(rho);
        } else {
            s.rho = rho;
        }
        s
    }

    /// Every column the options name (cluster first).
    pub fn columns(&self) -> Vec<&str> {
        std::iter::once(self.cluster.as_str())
            .chain(
                [
                    &self.obs,
                    &self.time,
                    &self.subgroup,
                    &self.type_col,
                    &self.time2,
                    &self.grp1,
                    &self.grp2,
                    &self.w1,
                    &self.w2,
                ]
                .into_iter()
                .filter_map(|c| c.as_deref()),
            )
            .collect()
    }
}

/// Checks a correlation in [−1, 1].
fn check_corr(name: &str, x: f64) -> Result<(), Error> {
    if x.is_finite() && (-1.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(Error::setting(
            Setting::SamplingCovariance,
            format!("{name} must be a correlation in [-1, 1] (got {x})"),
        ))
    }
}

/// metafor's `vcalc(vi, cluster, obs, rho[, time1, phi])`: the block-diagonal sampling
/// covariance of effects with variances `vi`, correlated within `cluster` (see the module
/// formulas). `obs` (`None`: one observation per cluster, i.e. correlation 1 at equal times)
/// and `time` (`Some((times, φ))`) have one entry per effect.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::SamplingCovariance`]) for `ρ` or `φ` outside [−1, 1];
/// [`Error::Input`] for inputs of different lengths, a variance that is not positive, a
/// non-finite time, and a cluster whose correlation matrix is not positive definite (its
/// smallest eigenvalue at most machine epsilon, metafor's check; the error names the cluster).
pub fn vcalc<C, O>(
    vi: &[f64],
    cluster: &[C],
    obs: Option<&[O]>,
    time: Option<(&[f64], f64)>,
    rho: f64,
) -> Result<SamplingCovariance, Error>
where
    C: Eq + Hash + Display,
    O: PartialEq,
{
    check_corr("rho", rho)?;
    if let Some((_, phi)) = time {
        check_corr("phi", phi)?;
    }
    let k = vi.len();
    if cluster.len() != k
        || obs.is_some_and(|o| o.len() != k)
        || time.is_some_and(|(t, _)| t.len() != k)
    {
        return Err(Error::input(
            "sampling covariance",
            "variances, clusters, observations and times differ in number",
        ));
    }
    for (i, &v) in vi.iter().enumerate() {
        if !(v.is_finite() && v > 0.0) {
            return Err(Error::input(
                format!("effect {}", i + 1),
                "sampling variances must be positive and finite",
            ));
        }
        if time.is_some_and(|(t, _)| !t[i].is_finite()) {
            return Err(Error::input(
                format!("effect {}", i + 1),
                "the time is not a finite number",
            ));
        }
    }
    let mut index: HashMap<&C, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, c) in cluster.iter().enumerate() {
        let next = members.len();
        let b = *index.entry(c).or_insert(next);
        if b == next {
            members.push(Vec::new());
        }
        members[b].push(i);
    }
    let mut blocks = Vec::with_capacity(members.len());
    for rows in members {
        let n = rows.len();
        let label = cluster[rows[0]].to_string();
        let r = DMatrix::from_fn(n, n, |a, b| {
            if a == b {
                return 1.0;
            }
            let (i, j) = (rows[a], rows[b]);
            let r_obs = match obs {
                Some(o) if o[i] != o[j] => rho,
                _ => 1.0,
            };
            let r_time = match time {
                Some((t, phi)) if t[i] != t[j] => phi.powf((t[i] - t[j]).abs()),
                _ => 1.0,
            };
            r_obs * r_time
        });
        blocks.push(assemble(label, rows, vi, r)?);
    }
    SamplingCovariance::from_blocks(k, blocks)
}

/// The block `S R S` (`S = diag(√v)`) of the effects `rows` with correlation matrix `r`,
/// after metafor's check that `r` is positive definite (its smallest eigenvalue above machine
/// epsilon; the error names the cluster `label`).
fn assemble(
    label: String,
    rows: Vec<usize>,
    vi: &[f64],
    r: DMatrix<f64>,
) -> Result<CovBlock, Error> {
    let n = rows.len();
    if n > 1 {
        let min = r
            .clone()
            .symmetric_eigenvalues()
            .iter()
            .fold(f64::INFINITY, |m, &e| m.min(e));
        if min.is_nan() || min <= f64::EPSILON {
            return Err(Error::input(
                format!("sampling covariance of cluster '{label}'"),
                format!("the correlation matrix is not positive definite (smallest eigenvalue {min:.3e}): effects with the same observation and time are perfectly correlated, or the correlations cannot hold together"),
            ));
        }
    }
    let s: Vec<f64> = rows.iter().map(|&i| vi[i].sqrt()).collect();
    let matrix = DMatrix::from_fn(n, n, |a, b| {
        // metafor's S R S, from the lower triangle so that the block is exactly symmetric.
        let (i, j) = (a.max(b), a.min(b));
        if a == b {
            vi[rows[a]]
        } else {
            s[i] * r[(i, j)] * s[j]
        }
    });
    Ok(CovBlock {
        label,
        rows,
        matrix,
    })
}
