//! Robust variance estimation (RVE) for dependent effect sizes: several effects per study
//! (cluster), with the correlated-effects working model and the small-sample correction, as R's
//! robumeta `robu(modelweights = "CORR", rho = 0.8, small = TRUE)` (Hedges, Tipton & Johnson
//! 2010; Tipton 2015).
//!
//! # Formulas (clusters j = 1..N with k_j effects, mean variance v̄_j; design X with intercept)
//! * Working weights `w_ij = 1/(k_j v̄_j)`; WLS fit `b`, residuals `e`; `Qe = Σw e²`.
//! * `τ² = max(0, (Qe − N + A)/D + ρ·B/D)`, `D = Σw − tr(V Σ X_j'W_jJW_jX_j)`,
//!   `A = tr(V Σ (w_j/k_j) X_j'X_j)`, `B = tr(V Σ (w_j/k_j)(X_j'JX_j − X_j'X_j))`, `V = (X'WX)⁻¹`;
//!   `I² = max(0, 100(Qe − (N − A − ρB))/Qe)`.
//! * Random-effects weights `1/(k_j(v̄_j + τ²))`, coefficients `b_r`, residuals `e_r`.
//! * Small-sample (CR2) variance `Q Σ X_j'W_jA_j e_j e_j'A_jW_jX_j Q` with
//!   `A_j = (I − X_jQX_j'W_j)^{−1/2}` and Satterthwaite degrees of freedom per coefficient;
//!   without the correction, the sandwich times `N/(N − p)` on `N − p` df.
//!
//! # Examples
//!
//! ```
//! use nalgebra::DMatrix;
//! use peerstat::model::rve::Rve;
//! // 4 studies with 2 effects each
//! let y = [0.1, 0.2, 0.4, 0.5, 0.3, 0.35, 0.0, 0.1];
//! let v = [0.02, 0.02, 0.03, 0.03, 0.01, 0.01, 0.04, 0.04];
//! let cluster = [0, 0, 1, 1, 2, 2, 3, 3];
//! let x = DMatrix::from_element(8, 1, 1.0);
//! let fit = Rve::new(0.8, 95.0).unwrap().fit(&y, &v, &cluster, &x, &["intrcpt".into()]).unwrap();
//! assert_eq!(fit.clusters, 4);
//! assert!(fit.coefficients[0].est.estimate > 0.1 && fit.coefficients[0].est.estimate < 0.4);
//! ```

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use serde::Serialize;

use crate::dist;
use crate::error::{Error, Result, Setting};

/// One RVE coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RveCoefficient {
    /// Name.
    pub name: String,
    /// Estimate, robust SE, CI and t test (p-value on `df`).
    #[serde(flatten)]
    pub est: crate::model::Estimate,
    /// Satterthwaite degrees of freedom.
    pub df: f64,
}

/// An RVE fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RveFit {
    /// Assumed within-cluster correlation.
    pub rho: f64,
    /// Whether the small-sample correction was used.
    pub small: bool,
    /// Number of clusters (studies).
    pub clusters: usize,
    /// Number of effect sizes.
    pub effects: usize,
    /// Effect sizes left out for a missing cluster or moderator value.
    pub dropped: usize,
    /// Coefficients (intercept first).
    pub coefficients: Vec<RveCoefficient>,
    /// Between-study variance τ².
    pub tau2: f64,
    /// I² (percent).
    pub i2: f64,
}

/// RVE options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rve {
    rho: f64,
    small: bool,
    level: f64,
}

impl Rve {
    /// Correlated-effects RVE with within-cluster correlation `rho` (0 ≤ ρ ≤ 1) and confidence
    /// level `level` (percent), small-sample correction on.
    ///
    /// # Errors
    /// [`Error::Setting`] for ρ outside [0, 1] or a confidence level outside (50, 100).
    pub fn new(rho: f64, level: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&rho) {
            return Err(Error::setting(
                Setting::Rho,
                format!("rho (the assumed correlation between effects of one cluster) must lie between 0 and 1, got {rho}"),
            ));
        }
        Ok(Rve {
            rho,
            small: true,
            level: crate::error::check_level(level)?,
        })
    }

    /// Turns the small-sample correction off (robumeta `small = FALSE`).
    pub fn small(mut self, on: bool) -> Self {
        self.small = on;
        self
    }

    /// Fits `y ~ x` with sampling variances `v`, effects grouped by `cluster` ids.
    ///
    /// # Errors
    /// [`Error::Length`] for mismatched lengths, [`Error::TooFew`] for fewer clusters than
    /// coefficients + 1, [`Error::Singular`] for a singular design, [`Error::Input`] for
    /// non-positive variances.
    pub fn fit(
        &self,
        y: &[f64],
        v: &[f64],
        cluster: &[usize],
        x: &DMatrix<f64>,
        names: &[String],
    ) -> Result<RveFit> {
        let m = y.len();
        let p = x.ncols();
        check_inputs(y, v, cluster, x)?;
        let cl = Clusters::new(y, v, cluster, x)?;
        let n = cl.ids.len();
        let (tau2, i2) = self.moment_tau2(&cl, p)?;
        // Random-effects weights and fit.
        let wr: Vec<f64> = (0..n)
            .map(|j| 1.0 / (cl.kj[j] * (cl.vbar[j] + tau2)))
            .collect();
        let mut xwx_r = DMatrix::zeros(p, p);
        let mut xwy_r = DVector::zeros(p);
        for ((xj, yj), &w) in cl.xj.iter().zip(&cl.yj).zip(&wr) {
            xwx_r += xj.transpose() * xj * w;
            xwy_r += xj.transpose() * yj * w;
        }
        let q = xwx_r.try_inverse().ok_or_else(singular)?;
        let br = &q * xwy_r;
        let er: Vec<DVector<f64>> = (0..n).map(|j| &cl.yj[j] - &cl.xj[j] * &br).collect();
        let alpha = 1.0 - self.level / 100.0;
        let re = RandomFit { wr, q, er };
        let (se, dfs) = if self.small {
            small_sample(&cl, &re, cluster, x)
        } else {
            large_sample(&cl, &re, p)
        };
        let coefficients = (0..p)
            .map(|i| {
                let t = br[i] / se[i];
                let crit = dist::t_quantile(1.0 - alpha / 2.0, dfs[i]);
                RveCoefficient {
                    name: names.get(i).cloned().unwrap_or_else(|| format!("x{i}")),
                    est: crate::model::Estimate::new(br[i], se[i], crit, dist::t_p2(t, dfs[i])),
                    df: dfs[i],
                }
            })
            .collect();
        Ok(RveFit {
            rho: self.rho,
            small: self.small,
            clusters: n,
            effects: m,
            dropped: 0,
            coefficients,
            tau2,
            i2,
        })
    }

    /// The method-of-moments τ² of the working-weight fit (robumeta's correlated-effects
    /// weights, with the assumed correlation `rho`), and I².
    fn moment_tau2(&self, cl: &Clusters, p: usize) -> Result<(f64, f64)> {
        let Clusters {
            kj, vbar, xj, yj, ..
        } = cl;
        let n = cl.ids.len();
        // Working-weight fit.
        let w: Vec<f64> = (0..n).map(|j| 1.0 / (kj[j] * vbar[j])).collect();
        let mut xwx = DMatrix::zeros(p, p);
        let mut xwy = DVector::zeros(p);
        for j in 0..n {
            xwx += xj[j].transpose() * &xj[j] * w[j];
            xwy += xj[j].transpose() * &yj[j] * w[j];
        }
        let vinv = xwx.clone().try_inverse().ok_or_else(singular)?;
        let b = &vinv * xwy;
        let mut qe = 0.0;
        let mut xwjwx = DMatrix::zeros(p, p);
        let mut wkxx = DMatrix::zeros(p, p);
        let mut wk_xjx_xx = DMatrix::zeros(p, p);
        let mut sum_w = 0.0;
        for j in 0..n {
            let e = &yj[j] - &xj[j] * &b;
            qe += w[j] * e.norm_squared();
            let s = xj[j].row_sum().transpose(); // X_j'1
            let xtx = xj[j].transpose() * &xj[j];
            xwjwx += &s * s.transpose() * (w[j] * w[j]);
            wkxx += &xtx * (w[j] / kj[j]);
            wk_xjx_xx += (&s * s.transpose() - &xtx) * (w[j] / kj[j]);
            sum_w += w[j] * kj[j];
        }
        let denom = sum_w - (&vinv * xwjwx).trace();
        let term_a = (&vinv * wkxx).trace();
        let term_b = (&vinv * wk_xjx_xx).trace();
        let tau2 = ((qe - n as f64 + term_a) / denom + self.rho * term_b / denom).max(0.0);
        let df_i2 = n as f64 - term_a - self.rho * term_b;
        let i2 = (100.0 * ((qe - df_i2) / qe)).max(0.0);
        Ok((tau2, i2))
    }

    /// RVE of effect sizes `es` clustered by the canonical column `cluster` of `table`, with
    /// moderators `mods` (may be empty: intercept only). Effects with a missing cluster or
    /// moderator value are left out (counted in [`RveFit::dropped`]).
    ///
    /// # Errors
    /// Missing columns, bad moderators (see [`super::regression::Design::from_table`]) and the
    /// errors of [`Rve::fit`].
    pub fn fit_table(
        &self,
        table: &crate::data::Table,
        es: &crate::effect::EffectSizes,
        cluster: &str,
        mods: &[String],
    ) -> Result<RveFit> {
        let col = table
            .get(cluster)
            .ok_or_else(|| table.missing_column(cluster, "to cluster dependent effects"))?;
        let labels: Vec<Option<String>> = es.rows().iter().map(|&r| col.key(r)).collect();
        let design = super::regression::Design::from_table(table, es, mods)?;
        let keep: Vec<usize> = design
            .keep
            .iter()
            .copied()
            .filter(|&i| labels[i].is_some())
            .collect();
        let mut uniq: Vec<&str> = keep.iter().filter_map(|&i| labels[i].as_deref()).collect();
        uniq.sort_unstable();
        uniq.dedup();
        let cl: Vec<usize> = keep
            .iter()
            .map(|&i| {
                uniq.binary_search(&labels[i].as_deref().unwrap_or(""))
                    .unwrap_or(0)
            })
            .collect();
        let rows_in_design: Vec<usize> = keep
            .iter()
            .map(|i| design.keep.iter().position(|k| k == i).unwrap_or(0))
            .collect();
        let x = DMatrix::from_fn(keep.len(), design.x.ncols(), |r, c| {
            design.x[(rows_in_design[r], c)]
        });
        let y: Vec<f64> = keep.iter().map(|&i| es.yi()[i]).collect();
        let v: Vec<f64> = keep.iter().map(|&i| es.vi()[i]).collect();
        let mut fit = self.fit(&y, &v, &cl, &x, &design.names)?;
        fit.dropped = es.k() - keep.len();
        Ok(fit)
    }
}

/// The error of a singular design.
fn singular() -> Error {
    Error::Singular {
        message: "robust variance estimation: the design is singular (collinear moderators)".into(),
    }
}

/// Checks that the inputs have one entry per effect and positive finite variances.
fn check_inputs(y: &[f64], v: &[f64], cluster: &[usize], x: &DMatrix<f64>) -> Result<()> {
    let m = y.len();
    Error::check_len("RVE sampling variances", m, v.len())?;
    Error::check_len("RVE cluster ids", m, cluster.len())?;
    Error::check_len("RVE design rows", m, x.nrows())?;
    if let Some(i) = v.iter().position(|&vi| !(vi.is_finite() && vi > 0.0)) {
        return Err(Error::input(
            format!("RVE effect {}", i + 1),
            "sampling variance must be a positive finite number",
        ));
    }
    Ok(())
}

/// The effects grouped by cluster (clusters in the order of their sorted ids).
struct Clusters {
    /// The sorted distinct cluster ids.
    ids: Vec<usize>,
    /// The rows of each cluster.
    groups: Vec<Vec<usize>>,
    /// The number of effects of each cluster.
    kj: Vec<f64>,
    /// The mean sampling variance of each cluster.
    vbar: Vec<f64>,
    /// The design rows of each cluster.
    xj: Vec<DMatrix<f64>>,
    /// The effects of each cluster.
    yj: Vec<DVector<f64>>,
}

impl Clusters {
    /// Groups rows by cluster (order of clusters does not affect the estimates).
    ///
    /// # Errors
    /// [`Error::TooFew`] for no more clusters than coefficients.
    fn new(y: &[f64], v: &[f64], cluster: &[usize], x: &DMatrix<f64>) -> Result<Clusters> {
        let m = y.len();
        let p = x.ncols();
        let mut ids: Vec<usize> = cluster.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let n = ids.len();
        if n <= p {
            return Err(Error::TooFew {
                analysis: "robust variance estimation".into(),
                needed: p + 1,
                found: n,
                unit: "clusters",
                note: format!(" (more clusters than the {p} coefficients)"),
            });
        }
        let groups: Vec<Vec<usize>> = ids
            .iter()
            .map(|&c| (0..m).filter(|&i| cluster[i] == c).collect())
            .collect();
        let kj: Vec<f64> = groups.iter().map(|g| g.len() as f64).collect();
        let vbar: Vec<f64> = groups
            .iter()
            .map(|g| g.iter().map(|&i| v[i]).sum::<f64>() / g.len() as f64)
            .collect();
        let xj: Vec<DMatrix<f64>> = groups
            .iter()
            .map(|g| DMatrix::from_fn(g.len(), p, |r, c| x[(g[r], c)]))
            .collect();
        let yj: Vec<DVector<f64>> = groups
            .iter()
            .map(|g| DVector::from_iterator(g.len(), g.iter().map(|&i| y[i])))
            .collect();
        Ok(Clusters {
            ids,
            groups,
            kj,
            vbar,
            xj,
            yj,
        })
    }
}

/// The random-effects fit: the weight of each cluster, `(X'WX)⁻¹` and each cluster's residuals.
struct RandomFit {
    wr: Vec<f64>,
    q: DMatrix<f64>,
    er: Vec<DVector<f64>>,
}

/// The standard errors and df without the small-sample correction: the sandwich estimator
/// scaled by `√(n/(n − p))`, on n − p df.
fn large_sample(cl: &Clusters, re: &RandomFit, p: usize) -> (Vec<f64>, Vec<f64>) {
    let RandomFit { wr, q, er } = re;
    let n = cl.ids.len();
    let mut meat = DMatrix::zeros(p, p);
    for j in 0..n {
        let u = cl.xj[j].transpose() * &er[j] * wr[j];
        meat += &u * u.transpose();
    }
    let vr = q * meat * q;
    let f = (n as f64 / (n - p) as f64).sqrt();
    (
        (0..p).map(|i| vr[(i, i)].sqrt() * f).collect(),
        vec![(n - p) as f64; p],
    )
}

/// The standard errors and Satterthwaite df with the small-sample correction (bias-reduced
/// linearisation, robumeta `small = TRUE`).
fn small_sample(
    cl: &Clusters,
    re: &RandomFit,
    cluster: &[usize],
    x: &DMatrix<f64>,
) -> (Vec<f64>, Vec<f64>) {
    let RandomFit { wr, q, er } = re;
    let Clusters { groups, xj, .. } = cl;
    let n = cl.ids.len();
    let p = x.ncols();
    // A_j = (I − X_j Q X_j' w_j)^(−1/2) (pseudo-inverse square root).
    let a: Vec<DMatrix<f64>> = (0..n)
        .map(|j| {
            let k = groups[j].len();
            let imh = DMatrix::identity(k, k) - &xj[j] * q * xj[j].transpose() * wr[j];
            let sym = (&imh + imh.transpose()) * 0.5;
            let eig = SymmetricEigen::new(sym);
            let d = eig
                .eigenvalues
                .map(|l| if l < 1e-10 { 0.0 } else { 1.0 / l.sqrt() });
            &eig.eigenvectors * DMatrix::from_diagonal(&d) * eig.eigenvectors.transpose()
        })
        .collect();
    let mut meat = DMatrix::zeros(p, p);
    for j in 0..n {
        let u = xj[j].transpose() * &a[j] * &er[j] * wr[j]; // X_j'W_jA_j e_j
        meat += &u * u.transpose();
    }
    let vr = q * meat * q;
    let dfs = satterthwaite_dfs(cl, re, &a, cluster, x);
    ((0..p).map(|i| vr[(i, i)].sqrt()).collect(), dfs)
}

/// The Satterthwaite df of each coefficient: g_ij = (rows of I − H for cluster j)' A_j W_j X_j
/// Q[:, i], with (I − H)_{j·} = E_j − X_j Q X' W_r and E_j selecting cluster j's rows.
fn satterthwaite_dfs(
    cl: &Clusters,
    re: &RandomFit,
    a: &[DMatrix<f64>],
    cluster: &[usize],
    x: &DMatrix<f64>,
) -> Vec<f64> {
    let RandomFit { wr, q, .. } = re;
    let Clusters {
        ids, groups, xj, ..
    } = cl;
    let (m, n, p) = (x.nrows(), ids.len(), x.ncols());
    let wrow: Vec<f64> = (0..m)
        .map(|i| wr[ids.binary_search(&cluster[i]).unwrap_or(0)])
        .collect();
    let mut xw_all = x.clone();
    for (mut row, &wi) in xw_all.row_iter_mut().zip(&wrow) {
        row *= wi;
    }
    (0..p)
        .map(|i| {
            // columns g_j (M-vectors), scaled by Φ^{1/2} = diag(1/√w_r)
            let mut g = DMatrix::zeros(m, n);
            for j in 0..n {
                let c = &a[j] * &xj[j] * q.column(i) * wr[j]; // k_j-vector
                                                              // (I − H)_{j·}' c = E_j'c − W_r X Q X_j' c
                let mut col = -(&xw_all * (q * (xj[j].transpose() * &c)));
                for (r, &row) in groups[j].iter().enumerate() {
                    col[row] += c[r];
                }
                for r in 0..m {
                    col[r] /= wrow[r].sqrt();
                }
                g.set_column(j, &col);
            }
            let cm = g.transpose() * g;
            let tr = cm.trace();
            tr * tr / cm.iter().map(|x| x * x).sum::<f64>()
        })
        .collect()
}
