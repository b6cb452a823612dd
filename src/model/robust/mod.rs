//! Cluster-robust inference for a fitted random-effects model, meta-regression or multilevel
//! model (metafor `robust()`, clubSandwich `coef_test` / `Wald_test`): the model's estimates are
//! kept, their covariance is replaced by a sandwich estimator that allows effects of one cluster
//! to be arbitrarily correlated.
//!
//! Unlike robust variance estimation ([`super::rve`], robumeta), which refits the model with
//! its own working weights, this takes the fitted model as the working model: weights
//! `w_i = 1/(v_i + τ̂²)`, residuals `e = y − Xβ̂`; for a multilevel fit
//! ([`Robust::fit_multilevel`]) `W_j = M_j⁻¹`, the inverse of the fitted marginal covariance
//! of cluster `j`.
//!
//! # Formulas (clusters j = 1..J, rows X_j, weights W_j, residuals e_j; `M = (XᵀWX)⁻¹`)
//! * **CR1** (metafor `robust(x, cluster)`, `adjust = TRUE`):
//!   `V = J/(J − p) · M (Σ_j X_jᵀW_je_j e_jᵀW_jX_j) M`, t tests on `J − p` df, and for the
//!   moderators the Wald statistic `F = β̂ᵀ_m V_m⁻¹ β̂_m / m` on (m, J − p) df.
//! * **CR2** (clubSandwich `vcovCR(type = "CR2")`, metafor `robust(..., clubSandwich = TRUE)`):
//!   `V = M (Σ_j X_jᵀW_jA_je_j e_jᵀA_jW_jX_j) M` with the bias-reduced linearisation adjustment
//!   `A_j = Φ_j^{1/2}(Φ_j^{1/2}(I − X_jMX_jᵀW_j)Φ_jΦ_j^{1/2})^{−1/2}Φ_j^{1/2}`, `Φ_j = W_j⁻¹`
//!   (a symmetric eigendecomposition per cluster); Satterthwaite degrees of freedom per
//!   coefficient; for the moderators the HTZ test (Hotelling's T² approximation by
//!   Tipton & Pustejovsky 2015).
//!
//! # Examples
//!
//! ```
//! use nalgebra::DMatrix;
//! use peerstat::model::robust::{Robust, RobustType};
//! let y = [0.1, 0.3, 0.2, 0.5, 0.4, 0.0];
//! let w = [10.0, 12.0, 8.0, 9.0, 11.0, 7.0];
//! let x = DMatrix::from_element(6, 1, 1.0);
//! let mean = y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>() / w.iter().sum::<f64>();
//! let e: Vec<f64> = y.iter().map(|y| y - mean).collect();
//! let fit = Robust::new(RobustType::Cr2, 95.0)
//!     .unwrap()
//!     .fit(&x, &w, &e, &[mean], &[0, 0, 1, 1, 2, 2], &["intrcpt".into()])
//!     .unwrap();
//! assert_eq!(fit.clusters, 3);
//! assert!(fit.coefficients[0].df > 0.0 && fit.coefficients[0].df <= 2.0);
//! ```

mod cr2;
mod multilevel;
mod predict;

pub use multilevel::{MultilevelResult, RhoRow};

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::dist;
use crate::error::{Error, Result};
use crate::model::regression::RegressionFit;
use crate::model::{Estimate, Fit, Fitted};

/// The small-sample correction of the sandwich estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum RobustType {
    /// metafor's default: the CR0 sandwich times J/(J − p), t tests on J − p df.
    #[serde(rename = "CR1")]
    Cr1,
    /// clubSandwich's bias-reduced linearisation, Satterthwaite df, HTZ test.
    #[default]
    #[serde(rename = "CR2")]
    Cr2,
    /// metafor `robust(…, adjust = FALSE)`: the CR0 sandwich without a small-sample factor, t
    /// tests on J − p df.
    #[serde(rename = "CR0")]
    Cr0,
}

/// One coefficient with its cluster-robust SE, CI and t test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobustCoefficient {
    /// Name.
    pub name: String,
    /// Estimate (the model's), robust SE, CI and t test (p-value on `df`).
    #[serde(flatten)]
    pub est: Estimate,
    /// Degrees of freedom of the t test and CI (Satterthwaite for CR2, J − p for CR1).
    pub df: f64,
}

/// A Wald F test of several coefficients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WaldTest {
    /// F statistic.
    pub f: f64,
    /// Numerator degrees of freedom (number of coefficients tested).
    pub df1: f64,
    /// Denominator degrees of freedom.
    pub df2: f64,
    /// p-value.
    pub p_value: f64,
}

/// Cluster-robust inference for one fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobustFit {
    /// The estimator (`CR1` or `CR2`).
    #[serde(rename = "type")]
    pub kind: RobustType,
    /// Number of clusters.
    pub clusters: usize,
    /// Coefficients (intercept first).
    pub coefficients: Vec<RobustCoefficient>,
    /// Test that all coefficients but the intercept are zero (moderators only): HTZ for CR2,
    /// metafor's F(m, J − p) for CR1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub htz: Option<WaldTest>,
    /// Robust covariance matrix of the coefficients.
    #[serde(skip)]
    pub vcov: DMatrix<f64>,
}

/// Cluster-robust inference options (a builder).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Robust {
    kind: RobustType,
    level: f64,
}

impl Robust {
    /// Options for the estimator `kind` and confidence level `level` (percent).
    ///
    /// # Errors
    /// [`Error::Setting`] for a level outside (50, 100).
    pub fn new(kind: RobustType, level: f64) -> Result<Self> {
        Ok(Robust {
            kind,
            level: crate::error::check_level(level)?,
        })
    }

    /// The estimator (CR1 or CR2).
    pub fn kind(&self) -> RobustType {
        self.kind
    }

    /// The kernel: design `x` (k × p, intercept first), model weights `w`, residuals `e`,
    /// coefficients `beta`, cluster id of each row, coefficient `names`.
    ///
    /// # Errors
    /// [`Error::Length`] for mismatched lengths, [`Error::TooFew`] for fewer than p + 1
    /// clusters, [`Error::Input`] for a non-positive weight or a non-finite residual,
    /// [`Error::Singular`] for a singular design.
    pub fn fit(
        &self,
        x: &DMatrix<f64>,
        w: &[f64],
        e: &[f64],
        beta: &[f64],
        cluster: &[usize],
        names: &[String],
    ) -> Result<RobustFit> {
        let k = x.nrows();
        let p = x.ncols();
        Error::check_len("cluster-robust weights", k, w.len())?;
        Error::check_len("cluster-robust residuals", k, e.len())?;
        Error::check_len("cluster-robust cluster ids", k, cluster.len())?;
        Error::check_len("cluster-robust coefficients", p, beta.len())?;
        if let Some(i) = (0..k).position(|i| !(w[i].is_finite() && w[i] > 0.0 && e[i].is_finite()))
        {
            return Err(Error::input(
                format!("cluster-robust effect {}", i + 1),
                "weights must be positive and residuals finite",
            ));
        }
        let groups = groups(cluster);
        let n = groups.len();
        check_clusters(n, p)?;
        let blocks = cr2::Blocks::new(x, w, e, &groups)?;
        let beta = DVector::from_column_slice(beta);
        let parts = match self.kind {
            RobustType::Cr1 => cr1(blocks.cr0(), n, &beta),
            RobustType::Cr0 => cr0(blocks.cr0(), n, &beta),
            RobustType::Cr2 => cr2(&blocks, &beta),
        };
        Ok(self.assemble(parts, &beta, names, n))
    }

    /// The result from the robust covariance, the df of each coefficient and the Wald test.
    fn assemble(
        &self,
        (vcov, dfs, htz): Parts,
        beta: &DVector<f64>,
        names: &[String],
        clusters: usize,
    ) -> RobustFit {
        let alpha = 1.0 - self.level / 100.0;
        let coefficients = (0..beta.len())
            .map(|i| {
                let se = vcov[(i, i)].sqrt();
                let df: f64 = dfs[i];
                let crit = dist::t_quantile(1.0 - alpha / 2.0, df);
                RobustCoefficient {
                    name: names.get(i).cloned().unwrap_or_else(|| format!("x{i}")),
                    est: Estimate::new(beta[i], se, crit, dist::t_p2(beta[i] / se, df)),
                    df,
                }
            })
            .collect();
        RobustFit {
            kind: self.kind,
            clusters,
            coefficients,
            htz,
            vcov,
        }
    }

    /// Cluster-robust inference for an intercept-only random-effects fit; `cluster` holds one
    /// id per study of `fit.studies`. The weights are `1/(v_i + τ̂²)`; a Knapp–Hartung scaling
    /// of the model's SE plays no part (as in clubSandwich).
    ///
    /// # Errors
    /// As [`Robust::fit`].
    pub fn fit_random_effects(&self, fit: &Fit, cluster: &[usize]) -> Result<RobustFit> {
        self.fit_fitted(fit, cluster)
    }

    /// Cluster-robust inference for a meta-regression; `cluster` holds one id per study used.
    ///
    /// # Errors
    /// As [`Robust::fit`].
    pub fn fit_regression(&self, reg: &RegressionFit, cluster: &[usize]) -> Result<RobustFit> {
        self.fit_fitted(reg, cluster)
    }

    /// Cluster-robust inference for any fit of independent effects that keeps its design,
    /// weights and residuals ([`Fitted::design`], [`Fitted::weights`], [`Fitted::residuals`]);
    /// `cluster` holds one id per effect.
    ///
    /// # Errors
    /// [`Error::Input`] for a fit without them (multilevel and network fits); else as
    /// [`Robust::fit`].
    pub fn fit_fitted(&self, fit: &dyn Fitted, cluster: &[usize]) -> Result<RobustFit> {
        let (Some(x), Some(w), Some(e)) = (fit.design(), fit.weights(), fit.residuals()) else {
            return Err(Error::input(
                "robust inference",
                "the fit keeps no design, weights or residuals of independent effects",
            ));
        };
        let coefficients = fit.coefficients();
        let beta: Vec<f64> = coefficients.iter().map(|c| c.est.estimate).collect();
        let names: Vec<String> = coefficients.iter().map(|c| c.name.clone()).collect();
        self.fit(&x, &w, &e, &beta, cluster, &names)
    }
}

/// The robust covariance, the df of each coefficient and the test of the moderators.
type Parts = (DMatrix<f64>, Vec<f64>, Option<WaldTest>);

/// CR1 from the CR0 sandwich with `n` clusters: `J/(J − p)` times it, t and F on `J − p` df.
fn cr1(cr0: DMatrix<f64>, n: usize, beta: &DVector<f64>) -> Parts {
    let p = beta.len();
    let vcov = cr0 * (n as f64 / (n - p) as f64);
    let df = (n - p) as f64;
    let htz = (p > 1).then(|| cr1_wald(&vcov, beta, df)).flatten();
    (vcov, vec![df; p], htz)
}

/// CR0 with `n` clusters as metafor's `robust(…, adjust = FALSE)`: the sandwich as it is, t and
/// F on `J − p` df.
fn cr0(cr0: DMatrix<f64>, n: usize, beta: &DVector<f64>) -> Parts {
    let p = beta.len();
    let df = (n - p) as f64;
    let htz = (p > 1).then(|| cr1_wald(&cr0, beta, df)).flatten();
    (cr0, vec![df; p], htz)
}

/// CR2 with Satterthwaite df per coefficient and the HTZ test of all but the intercept.
fn cr2(blocks: &cr2::Blocks, beta: &DVector<f64>) -> Parts {
    let p = beta.len();
    let c = blocks.cr2();
    let dfs = (0..p).map(|i| c.satterthwaite(i)).collect();
    let htz = if p > 1 {
        let cm = DMatrix::from_fn(p - 1, p, |r, col| f64::from(u8::from(col == r + 1)));
        c.htz(&cm, beta).map(|(f, df2)| WaldTest {
            f,
            df1: (p - 1) as f64,
            df2,
            p_value: if df2 > 0.0 {
                dist::f_sf(f, (p - 1) as f64, df2)
            } else {
                f64::NAN
            },
        })
    } else {
        None
    };
    (c.vcov, dfs, htz)
}

/// metafor's CR1 Wald test of all coefficients but the intercept: `F = bᵀV⁻¹b / m` on
/// (m, J − p) df.
fn cr1_wald(vcov: &DMatrix<f64>, beta: &DVector<f64>, df2: f64) -> Option<WaldTest> {
    let p = beta.len();
    let m = p - 1;
    let vm = vcov.view((1, 1), (m, m)).into_owned().cholesky()?;
    let b = beta.rows(1, m).into_owned();
    let f = b.dot(&vm.solve(&b)) / m as f64;
    Some(WaldTest {
        f,
        df1: m as f64,
        df2,
        p_value: dist::f_sf(f, m as f64, df2),
    })
}

/// [`Error::TooFew`] unless there are more clusters `n` than coefficients `p`.
fn check_clusters(n: usize, p: usize) -> Result<()> {
    if n <= p {
        return Err(Error::TooFew {
            analysis: "cluster-robust inference".into(),
            needed: p + 1,
            found: n,
            unit: "clusters",
            note: format!(" (more clusters than the {p} coefficients)"),
        });
    }
    Ok(())
}

/// Row indices of each cluster, clusters in increasing id order.
fn groups(cluster: &[usize]) -> Vec<Vec<usize>> {
    let mut ids: Vec<usize> = cluster.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut groups = vec![Vec::new(); ids.len()];
    for (i, c) in cluster.iter().enumerate() {
        if let Ok(j) = ids.binary_search(c) {
            groups[j].push(i);
        }
    }
    groups
}

/// Cluster ids (0-based, in sorted label order) of the given 0-based `rows` of column `column`
/// of `table`.
///
/// # Errors
/// [`Error::MissingColumn`] when the column is absent; [`Error::Value`] naming the row for an
/// empty cluster label.
pub fn cluster_ids(
    table: &crate::data::Table,
    column: &str,
    rows: impl IntoIterator<Item = usize>,
) -> Result<Vec<usize>> {
    let col = table
        .get(column)
        .ok_or_else(|| table.missing_column(column, "to cluster dependent effects"))?;
    let labels: Vec<String> = rows
        .into_iter()
        .map(|r| {
            col.key(r).ok_or_else(|| {
                table.value_error(
                    r,
                    column,
                    "cluster label is missing (every effect needs one)",
                )
            })
        })
        .collect::<Result<_>>()?;
    let mut uniq: Vec<&str> = labels.iter().map(String::as_str).collect();
    uniq.sort_unstable();
    uniq.dedup();
    Ok(labels
        .iter()
        .map(|l| uniq.binary_search(&l.as_str()).unwrap_or(0))
        .collect())
}
