//! Cluster-robust inference for multilevel fits (metafor `robust(res, cluster)` and
//! `robust(res, cluster, clubSandwich = TRUE)` on `rma.mv`), block by block.
//!
//! The working model is the fitted one: within a robust cluster `j`, the working covariance is
//! the fitted marginal covariance `Θ_j = M_j = Σ_l σ̂²_l Z_l Z_lᵀ + V_j` and `W_j = M_j⁻¹`. `M`
//! is block-diagonal by the outermost random factor, so only cluster blocks are ever formed.
//!
//! * **CR1** (metafor's default, any clusters): `V = J/(J − p) · B (Σ_j u_j u_jᵀ) B` with
//!   `B = (XᵀWX)⁻¹` and `u_j = Σ_{i in j} (WX)_iᵀ e_i`, `WX` computed per outer block; a robust
//!   cluster may split an outer cluster (metafor uses the full `W`).
//! * **CR2** (clubSandwich `vcovCR(type = "CR2")`, `inverse_var = TRUE`, target `Φ = M`): the
//!   robust clusters must contain whole clusters of the outermost random factor (clubSandwich
//!   stops with "Random effects are not nested within clustering variable" otherwise).

use nalgebra::{DMatrix, DVector};

use super::cr2::{Block, Blocks, Work};
use super::{check_clusters, cr0, cr1, cr2, groups, Robust, RobustFit, RobustType};
use crate::error::{Error, Result};
use crate::model::multilevel::{MultilevelFit, MultilevelTable};

/// A multilevel fit on table columns with cluster-robust inference on it: the JSON of `meta`
/// with a random-effects structure plus the key `robust`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MultilevelResult {
    /// The multilevel fit.
    #[serde(flatten)]
    pub table: MultilevelTable,
    /// Cluster-robust inference on it (`None`: model-based inference only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust: Option<RobustFit>,
    /// The same model refitted at each of a grid of ρ (the sampling correlation of `vcalc`):
    /// how much the results depend on the assumed correlation (`None`: not asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho_grid: Option<Vec<RhoRow>>,
    /// The predicted random effects, one list per nested term (outermost first), when asked
    /// for (metafor `ranef()`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranef: Option<Vec<Vec<crate::model::blup::RanefLevel>>>,
    /// The coefficients' covariance matrix (metafor `vcov(fit)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcov: Option<crate::model::contrast::Vcov>,
    /// The linear contrasts asked for (metafor `anova(fit, X = …)`), when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contrasts: Option<Vec<crate::model::contrast::Contrast>>,
}

/// The CHE model refitted at one value of `vcalc`'s ρ: the first coefficient, the variance
/// components and, when cluster-robust inference was run, its robust SE and df.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RhoRow {
    /// The assumed correlation.
    pub rho: f64,
    /// The first coefficient (the pooled effect without moderators).
    pub estimate: f64,
    /// Its model-based standard error.
    pub se: f64,
    /// The variance components, outermost first.
    pub sigma2: Vec<f64>,
    /// Its cluster-robust standard error (with robust inference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_se: Option<f64>,
    /// The degrees of freedom of its robust t test (with robust inference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_df: Option<f64>,
}

impl RhoRow {
    /// The row of a fit at `rho`, with the robust inference on it if any.
    pub fn new(rho: f64, fit: &MultilevelFit, robust: Option<&RobustFit>) -> Self {
        let first = robust.and_then(|r| r.coefficients.first());
        RhoRow {
            rho,
            estimate: fit.first.estimate,
            se: fit.first.se,
            sigma2: fit.sigma2.clone(),
            robust_se: first.map(|c| c.est.se),
            robust_df: first.map(|c| c.df),
        }
    }
}

impl Robust {
    /// Cluster-robust inference for a multilevel fit (nested random intercepts, with a diagonal
    /// or block-diagonal sampling covariance: the CHE model); `cluster` holds one id per effect
    /// the fit used, in its order. CR2 needs every level of the outermost random factor within
    /// one cluster; CR1 takes any clusters.
    ///
    /// # Errors
    /// [`Error::Length`] for a `cluster` of another length; [`Error::TooFew`] for fewer than
    /// p + 1 clusters; [`Error::Input`] for CR2 with a cluster that splits a level of the
    /// outermost random factor; [`Error::Singular`] for a marginal covariance block or a design
    /// that cannot be inverted.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use peerstat::model::multilevel::MultilevelModel;
    /// use peerstat::model::robust::{Robust, RobustType};
    /// let y = [0.1, 0.3, 0.2, 0.6, 0.7, 0.5, 0.0, -0.1, 0.4, 0.2];
    /// let v = [0.02, 0.03, 0.02, 0.04, 0.03, 0.02, 0.03, 0.02, 0.03, 0.04];
    /// let study = vec![0, 0, 1, 1, 2, 2, 3, 3, 4, 4];
    /// let esid = vec![0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
    /// let x = DMatrix::from_element(10, 1, 1.0);
    /// let fit = MultilevelModel::new()
    ///     .fit(&y, &v, &[study.clone(), esid], &x, &["intrcpt".to_string()])
    ///     .unwrap();
    /// let rob = Robust::new(RobustType::Cr2, 95.0)
    ///     .unwrap()
    ///     .fit_multilevel(&fit, &study)
    ///     .unwrap();
    /// assert_eq!(rob.clusters, 5);
    /// assert!(rob.coefficients[0].df > 0.0 && rob.coefficients[0].df <= 4.0);
    /// ```
    pub fn fit_multilevel(&self, fit: &MultilevelFit, cluster: &[usize]) -> Result<RobustFit> {
        let wk = &fit.working;
        let x = wk.x();
        let e = wk.residuals();
        let (k, p) = (x.nrows(), x.ncols());
        Error::check_len("cluster-robust cluster ids", k, cluster.len())?;
        let outer = groups(wk.outer());
        let groups = groups(cluster);
        let n = groups.len();
        check_clusters(n, p)?;
        let mut index = vec![0; k];
        for (j, g) in groups.iter().enumerate() {
            for &i in g {
                index[i] = j;
            }
        }
        let beta = DVector::from_iterator(p, fit.coefficients.iter().map(|c| c.est.estimate));
        let names: Vec<String> = fit.coefficients.iter().map(|c| c.name.clone()).collect();
        let rows_of = |g: &[usize]| DMatrix::from_fn(g.len(), p, |r, c| x[(g[r], c)]);
        let parts = match self.kind {
            RobustType::Cr1 | RobustType::Cr0 => {
                // metafor: bread B XᵀW with the full W, meat by cluster.
                let mut xwx = DMatrix::zeros(p, p);
                let mut u = vec![DVector::zeros(p); n];
                for g in &outer {
                    let xb = rows_of(g);
                    let wx = chol(wk.block(g))?.solve(&xb);
                    xwx += xb.transpose() * &wx;
                    for (a, &i) in g.iter().enumerate() {
                        u[index[i]] += wx.row(a).transpose() * e[i];
                    }
                }
                let bread = chol(xwx)?.inverse();
                let meat = u
                    .iter()
                    .fold(DMatrix::zeros(p, p), |m, uj| m + uj * uj.transpose());
                let sandwich = &bread * meat * &bread;
                if self.kind == RobustType::Cr0 {
                    cr0(sandwich, n, &beta)
                } else {
                    cr1(sandwich, n, &beta)
                }
            }
            RobustType::Cr2 => {
                if let Some(g) = outer
                    .iter()
                    .find(|g| g.iter().any(|&i| index[i] != index[g[0]]))
                {
                    let factor = fit.factors.first().map_or("", String::as_str);
                    return Err(Error::input(
                        "CR2 cluster-robust inference on a multilevel model",
                        format!(
                            "effect {} and other effects of the same level of the outermost random factor '{factor}' lie in different clusters: CR2 needs the random effects nested in the clusters (each cluster holding whole levels of '{factor}', as clubSandwich requires); CR1 takes any clusters",
                            g[0] + 1
                        ),
                    ));
                }
                let blocks = groups
                    .iter()
                    .map(|g| {
                        let c = chol(wk.block(g))?;
                        Ok(Block {
                            x: rows_of(g),
                            work: Work::Dense {
                                w: c.inverse(),
                                l: c.l(),
                            },
                            e: DVector::from_iterator(g.len(), g.iter().map(|&i| e[i])),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                cr2(&Blocks::from_blocks(blocks, p)?, &beta)
            }
        };
        Ok(self.assemble(parts, &beta, &names, n))
    }
}

/// The Cholesky factorisation of a covariance block or of `XᵀWX`.
fn chol(m: DMatrix<f64>) -> Result<nalgebra::Cholesky<f64, nalgebra::Dyn>> {
    m.cholesky().ok_or_else(|| Error::Singular {
        message: "cluster-robust inference: the fitted marginal covariance or the weighted design is not positive definite".into(),
    })
}
