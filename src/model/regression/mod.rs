//! Mixed-effects meta-regression (metafor `rma(yi, vi, mods = ~ …)`); `docs/src/models.md`.
//!
//! Weighted least squares with weights `1/(v_i + τ²)`, τ² by any estimator (REML default) with
//! metafor's formulas for `p` coefficients, Knapp–Hartung (`t(k−p)` tests, QM as F), the QE test
//! for residual heterogeneity, the omnibus QM test for all coefficients but the intercept,
//! pseudo-R² against the intercept-only model, and a Q-profile CI for the residual τ².
//!
//! # Formulas
//! * `b = (X'WX)⁻¹X'Wy`, `Var(b) = (X'WX)⁻¹` (× `s² = RSS/(k−p)` under Knapp–Hartung).
//! * `RSS(τ²) = Σw_i(y_i − x_i'b)²`; `QE = RSS(0)` on `k − p` df.
//! * `QM = b_m' Var(b_m)⁻¹ b_m` on `m` df (χ²), or `QM/m` on `(m, k−p)` df (F) under KH.
//! * `R² = max(0, 100·(τ²_RE − τ²)/τ²_RE)` (0 when τ²_RE = 0); for common-effect fits, metafor's
//!   adjusted R² of the weighted least-squares fit.
//! * Residual `I² = 100·τ²/(τ² + ṽ)`, `ṽ = (k−p)/tr(P₀)`.
//!
//! # Examples
//!
//! ```
//! use nalgebra::DMatrix;
//! use peerstat::model::{regression::MetaRegression, RandomEffects};
//! let y = [0.1, 0.3, 0.35, 0.6, 0.7];
//! let v = [0.02, 0.03, 0.02, 0.04, 0.03];
//! let x = DMatrix::from_row_slice(5, 2, &[1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 4.0]);
//! let names = vec!["intrcpt".to_string(), "dose".to_string()];
//! let fit = MetaRegression::new(RandomEffects::new()).fit(&y, &v, &x, &names).unwrap();
//! assert_eq!(fit.coefficients.len(), 2);
//! assert!(fit.coefficients[1].est.estimate > 0.1);
//! ```

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::estimators::{fisher_scoring, range2, solve_root};
use super::{Convergence, RandomEffects, Tau2Method};

mod design;
mod permutation;
mod table;

use crate::dist;
use crate::error::Error;
pub use crate::model::coefficient::Coefficient;
pub use design::Design;
pub use permutation::Permutation;
pub use table::ModeratorFit;

/// A fitted meta-regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressionFit {
    /// Studies used.
    pub k: usize,
    /// Coefficients (intercept first).
    pub coefficients: Vec<Coefficient>,
    /// Residual τ².
    pub tau2: f64,
    /// Q-profile lower limit for residual τ².
    pub tau2_ci_lower: f64,
    /// Q-profile upper limit for residual τ².
    pub tau2_ci_upper: f64,
    /// Residual I² (percent).
    pub i2: f64,
    /// Residual H².
    pub h2: f64,
    /// Test for residual heterogeneity.
    pub qe: f64,
    /// Its degrees of freedom (k − p).
    pub qe_df: usize,
    /// Its p-value.
    pub qe_p: f64,
    /// Omnibus test of the moderators (χ², or F under Knapp–Hartung).
    pub qm: f64,
    /// Its (numerator) degrees of freedom.
    pub qm_df: usize,
    /// Its p-value.
    pub qm_p: f64,
    /// Pseudo-R² (percent): share of τ² accounted for by the moderators.
    pub r2: f64,
    /// τ² of the intercept-only model (same estimator).
    pub tau2_re: f64,
    /// Iterations of an iterative τ² estimator.
    pub iterations: usize,
    /// How τ² was obtained.
    #[serde(skip)]
    pub converged_by: Convergence,
    /// Degrees of freedom of t tests (NaN for z).
    #[serde(skip)]
    pub df: f64,
    /// Covariance matrix of the coefficients (KH-scaled under Knapp–Hartung).
    #[serde(skip)]
    pub vb: DMatrix<f64>,
    /// Typical within-study variance `ṽ = (k−p)/tr(P₀)`.
    #[serde(skip)]
    pub vt: f64,
    /// Model weights `1/(v_i + τ²)`.
    #[serde(skip)]
    pub weights: Vec<f64>,
    /// The design matrix (k × p, intercept first), for cluster-robust inference.
    #[serde(skip)]
    pub x: DMatrix<f64>,
    /// Residuals `y − Xβ̂` of the random-effects fit, for cluster-robust inference.
    #[serde(skip)]
    pub residuals: Vec<f64>,
}

impl RegressionFit {
    /// The prediction at moderator values `newmods` (metafor `predict(fit, newmods = …)`): one
    /// value per column of the design after the intercept; the CI from the coefficients'
    /// covariance, the prediction interval adding the residual τ², both with the coefficients'
    /// critical value (normal, or t on `k − p` df under Knapp–Hartung) at `level` percent.
    ///
    /// # Errors
    /// [`Error::Setting`] for a wrong number of values or a
    /// value that is not finite.
    pub fn predict(
        &self,
        newmods: &[f64],
        level: f64,
    ) -> Result<crate::model::prediction::Prediction, crate::error::Error> {
        let beta = DVector::from_iterator(
            self.coefficients.len(),
            self.coefficients.iter().map(|c| c.est.estimate),
        );
        let dfs = self
            .df
            .is_finite()
            .then(|| vec![self.df; self.coefficients.len()]);
        crate::model::prediction::at(newmods, &beta, &self.vb, self.tau2, dfs.as_deref(), level)
    }

    /// The core scalar results for this model: the intercept as `estimate` (with its SE, CI and
    /// test), residual τ² with its Q-profile CI, residual I²/H², QE as `q`; no prediction
    /// interval (it depends on moderator values).
    pub fn summary(&self) -> crate::model::Summary {
        let c0 = &self.coefficients[0];
        let i2 = |t: f64| 100.0 * (t / (self.vt + t));
        let h2 = |t: f64| t / self.vt + 1.0;
        crate::model::Summary {
            k: self.k,
            estimate: c0.est.estimate,
            se: c0.est.se,
            ci_lower: c0.est.ci_lower,
            ci_upper: c0.est.ci_upper,
            statistic: c0.est.statistic,
            p_value: c0.est.p_value,
            tau2: self.tau2,
            tau2_ci_lower: self.tau2_ci_lower,
            tau2_ci_upper: self.tau2_ci_upper,
            tau: self.tau2.sqrt(),
            i2: self.i2,
            i2_ci_lower: i2(self.tau2_ci_lower),
            i2_ci_upper: i2(self.tau2_ci_upper),
            h2: self.h2,
            q: self.qe,
            q_df: self.qe_df,
            q_p: self.qe_p,
            pi_lower: f64::NAN,
            pi_upper: f64::NAN,
            iterations: self.iterations,
            converged_by: self.converged_by,
            df: self.df,
            h2_ci_lower: h2(self.tau2_ci_lower),
            h2_ci_upper: h2(self.tau2_ci_upper),
            sum_w: self.weights.iter().sum(),
        }
    }
}

/// Meta-regression options: the estimator, Knapp–Hartung and level of a [`RandomEffects`].
#[derive(Debug, Clone, Copy)]
pub struct MetaRegression {
    opts: RandomEffects,
}

/// WLS pieces at a given τ².
struct Wls {
    b: DVector<f64>,
    /// (X'WX)⁻¹
    vb: DMatrix<f64>,
    w: DVector<f64>,
    resid: DVector<f64>,
    rss: f64,
}

fn wls(y: &DVector<f64>, v: &[f64], x: &DMatrix<f64>, tau2: f64) -> Result<Wls, Error> {
    let w = DVector::from_iterator(v.len(), v.iter().map(|&vi| 1.0 / (vi + tau2)));
    let mut xw = x.clone();
    for (mut row, &wi) in xw.row_iter_mut().zip(w.iter()) {
        row *= wi;
    }
    let xtwx = x.transpose() * &xw;
    let chol = xtwx.cholesky().ok_or_else(Error::collinear)?;
    let vb = chol.inverse();
    let b = &vb * (xw.transpose() * y);
    let resid = y - x * &b;
    let rss = resid.iter().zip(w.iter()).map(|(r, w)| w * r * r).sum();
    Ok(Wls {
        b,
        vb,
        w,
        resid,
        rss,
    })
}

/// `RSS(τ²)` and its derivative `−Σw²r²`.
fn rss_and_slope(y: &DVector<f64>, v: &[f64], x: &DMatrix<f64>, tau2: f64) -> (f64, f64) {
    match wls(y, v, x, tau2) {
        Ok(f) => {
            let d: f64 = f
                .resid
                .iter()
                .zip(f.w.iter())
                .map(|(r, w)| -(w * w * r * r))
                .sum();
            (f.rss, d)
        }
        Err(_) => (f64::NAN, f64::NAN),
    }
}

/// `tr(vb · X' diag(w^e) X)`.
fn tr_vb_xwex(vb: &DMatrix<f64>, x: &DMatrix<f64>, w: &DVector<f64>, e: i32) -> f64 {
    let mut xw = x.clone();
    for (mut row, &wi) in xw.row_iter_mut().zip(w.iter()) {
        row *= wi.powi(e);
    }
    (vb * (x.transpose() * xw)).trace()
}

fn tr_p(f: &Wls, x: &DMatrix<f64>) -> f64 {
    f.w.sum() - tr_vb_xwex(&f.vb, x, &f.w, 2)
}

impl MetaRegression {
    /// Uses the estimator, Knapp–Hartung setting, level and iteration controls of `opts`.
    pub fn new(opts: RandomEffects) -> Self {
        MetaRegression { opts }
    }

    /// Estimates τ² for design `x` (k ≥ p + 1 assumed). Returns `(τ², iterations)`.
    fn tau2(
        &self,
        y: &DVector<f64>,
        v: &[f64],
        x: &DMatrix<f64>,
    ) -> Result<(f64, usize, Convergence), Error> {
        let k = v.len() as f64;
        let p = x.ncols() as f64;
        let o = &self.opts;
        let scale = v.iter().sum::<f64>() / k;
        let closed = |t: f64| (t, 0, Convergence::ClosedForm);
        let fe = || wls(y, v, x, 0.0);
        let he = || -> Result<f64, Error> {
            let ones = vec![1.0; v.len()];
            let ols = wls(y, &ones, x, 0.0)?; // weights 1/(1 + 0) = 1
                                              // h_ii = x_i (X'X)⁻¹ x_i'
            let mut tr_pv = 0.0;
            for (i, &vi) in v.iter().enumerate() {
                let xi = x.row(i);
                let h = (xi * &ols.vb * xi.transpose())[(0, 0)];
                tr_pv += vi * (1.0 - h);
            }
            let rss: f64 = ols.resid.iter().map(|r| r * r).sum();
            Ok((rss - tr_pv) / (k - p))
        };
        Ok(match o.method {
            Tau2Method::Ee => closed(0.0),
            Tau2Method::Dl => {
                let f = fe()?;
                closed(((f.rss - (k - p)) / tr_p(&f, x)).max(0.0))
            }
            Tau2Method::He => closed(he()?.max(0.0)),
            Tau2Method::Hs => {
                let f = fe()?;
                closed(((f.rss - k) / f.w.sum()).max(0.0))
            }
            Tau2Method::Sj => {
                let mean = y.mean();
                let t0 = y.iter().map(|&yi| (yi - mean) * (yi - mean)).sum::<f64>() / k;
                if t0 <= 0.0 {
                    closed(0.0)
                } else {
                    let f = wls(y, v, x, t0)?;
                    closed((t0 * f.rss / (k - p)).max(0.0))
                }
            }
            Tau2Method::Pm => {
                let target = k - p;
                if fe()?.rss <= target {
                    (0.0, 0, Convergence::Boundary)
                } else {
                    let (t, it) =
                        solve_root(|t| rss_and_slope(y, v, x, t), target, he()?.max(0.0), scale);
                    (t, it, Convergence::RootFinding)
                }
            }
            Tau2Method::Ml | Tau2Method::Reml | Tau2Method::Eb => fisher_scoring(
                o,
                he()?.max(0.0),
                scale,
                range2(y.as_slice()),
                false,
                |t| {
                    let f = wls(y, v, x, t)?;
                    let sw = f.w.sum();
                    let sw2: f64 = f.w.iter().map(|w| w * w).sum();
                    let ypy2: f64 = f
                        .resid
                        .iter()
                        .zip(f.w.iter())
                        .map(|(r, w)| w * w * r * r)
                        .sum();
                    Ok(match o.method {
                        Tau2Method::Ml => (ypy2 - sw) / sw2,
                        Tau2Method::Reml => {
                            let trp = sw - tr_vb_xwex(&f.vb, x, &f.w, 2);
                            // tr(PP) = Σw² − 2 tr(vb X'W³X) + tr((vb X'W²X)²)
                            let m2 = {
                                let mut xw = x.clone();
                                for (mut row, &wi) in xw.row_iter_mut().zip(f.w.iter()) {
                                    row *= wi * wi;
                                }
                                &f.vb * (x.transpose() * xw)
                            };
                            let trpp =
                                sw2 - 2.0 * tr_vb_xwex(&f.vb, x, &f.w, 3) + (&m2 * &m2).trace();
                            (ypy2 - trp) / trpp
                        }
                        _ => (f.rss * k / (k - p) - k) / sw,
                    })
                },
                |t| Ok(self.ll(y, v, x, 0.0)? - self.ll(y, v, x, t)?),
            )?,
        })
    }

    /// (Restricted) log-likelihood up to a constant.
    fn ll(&self, y: &DVector<f64>, v: &[f64], x: &DMatrix<f64>, tau2: f64) -> Result<f64, Error> {
        let f = wls(y, v, x, tau2)?;
        let logdet: f64 = v.iter().map(|&vi| (vi + tau2).ln()).sum();
        let mut ll = -0.5 * (logdet + f.rss);
        if self.opts.method == Tau2Method::Reml {
            // −½ ln det(X'WX) = +½ ln det((X'WX)⁻¹)
            ll += 0.5 * f.vb.determinant().ln();
        }
        Ok(ll)
    }

    /// Fits the model `y ~ x` with sampling variances `v`. `names` label the columns of `x`;
    /// the first column is taken to be the intercept and is left out of QM.
    ///
    /// # Errors
    /// [`Error::TooFewStudies`] unless k > p; [`Error::Singular`] for a rank-deficient design;
    /// [`Error::BadStudy`] for non-finite values or non-positive variances;
    /// [`Error::Tau2NotConverged`].
    pub fn fit(
        &self,
        y: &[f64],
        v: &[f64],
        x: &DMatrix<f64>,
        names: &[String],
    ) -> Result<RegressionFit, Error> {
        let k = y.len();
        let p = x.ncols();
        if v.len() != k || x.nrows() != k {
            return Err(Error::UnequalLengths { yi: k, vi: v.len() });
        }
        for (i, (&yi, &vi)) in y.iter().zip(v).enumerate() {
            if !(yi.is_finite() && vi.is_finite() && vi > 0.0) {
                return Err(Error::BadStudy {
                    index: i + 1,
                    message: "effects must be finite and variances positive",
                });
            }
        }
        if k <= p {
            return Err(Error::TooFewStudies {
                what: "a meta-regression with these moderators",
                needed: p + 1,
                k,
            });
        }
        let yv = DVector::from_column_slice(y);
        let (tau2, iterations, how) = self.tau2(&yv, v, x)?;
        self.finish(
            &yv,
            v,
            x,
            names,
            Tau2Fit {
                tau2,
                iterations,
                converged_by: how,
            },
            false,
        )
    }

    /// As [`MetaRegression::fit`] with τ² fixed at `tau2` (e.g. a common τ² shared by subgroups).
    ///
    /// # Errors
    /// As [`MetaRegression::fit`].
    pub fn fit_fixed_tau2(
        &self,
        y: &[f64],
        v: &[f64],
        x: &DMatrix<f64>,
        names: &[String],
        tau2: f64,
    ) -> Result<RegressionFit, Error> {
        let yv = DVector::from_column_slice(y);
        if y.len() <= x.ncols() && self.opts.knha {
            return Err(Error::TooFewStudies {
                what: "Knapp-Hartung",
                needed: x.ncols() + 1,
                k: y.len(),
            });
        }
        let fixed = Tau2Fit {
            tau2,
            iterations: 0,
            converged_by: Convergence::Fixed,
        };
        self.finish(&yv, v, x, names, fixed, false)
    }

    /// Completes a fit at a given τ². `light` skips what permutation refits do not need
    /// (Q-profile CI and R²).
    fn finish(
        &self,
        y: &DVector<f64>,
        v: &[f64],
        x: &DMatrix<f64>,
        names: &[String],
        t: Tau2Fit,
        light: bool,
    ) -> Result<RegressionFit, Error> {
        let Tau2Fit {
            tau2,
            iterations,
            converged_by,
        } = t;
        let o = &self.opts;
        let k = v.len();
        let p = x.ncols();
        let df_e = k.saturating_sub(p);
        let alpha = 1.0 - o.level / 100.0;
        let f = wls(y, v, x, tau2)?;
        let fe = wls(y, v, x, 0.0)?;
        let qe = fe.rss;
        let qe_p = if df_e > 0 {
            dist::chi2_sf(qe, df_e as f64)
        } else {
            f64::NAN
        };
        let knha = o.knha && df_e > 0;
        let s2 = if knha { f.rss / df_e as f64 } else { 1.0 };
        let vb = &f.vb * s2;
        let (crit, df) = if knha {
            (
                dist::t_quantile(1.0 - alpha / 2.0, df_e as f64),
                df_e as f64,
            )
        } else {
            (dist::norm_quantile(1.0 - alpha / 2.0), f64::NAN)
        };
        let coefficients = coefficients(&f.b, &vb, names, crit, knha.then_some(df));
        // QM over all coefficients but the intercept.
        let m = p - 1;
        let (qm, qm_p) = qm_test(&f.b, &vb, knha, df_e)?;
        // Heterogeneity.
        let trp0 = tr_p(&fe, x);
        let vt = df_e as f64 / trp0;
        let (i2, h2) = i2_h2(o.method, qe, df_e, tau2, vt);
        let (lo, hi) = if o.method != Tau2Method::Ee && df_e > 0 && !light {
            tau2_ci(y, v, x, tau2, qe, alpha)
        } else {
            (f64::NAN, f64::NAN)
        };
        let (r2, tau2_re) = if light {
            (f64::NAN, 0.0)
        } else {
            self.r2(y, v, tau2, qe, df_e)?
        };
        Ok(RegressionFit {
            k,
            coefficients,
            tau2,
            tau2_ci_lower: lo,
            tau2_ci_upper: hi,
            i2,
            h2,
            qe,
            qe_df: df_e,
            qe_p,
            qm,
            qm_df: m,
            qm_p,
            r2,
            tau2_re,
            iterations,
            converged_by,
            df,
            vb,
            vt,
            weights: f.w.iter().copied().collect(),
            x: x.clone(),
            residuals: f.resid.iter().copied().collect(),
        })
    }

    /// R² against the intercept-only model with the same estimator (metafor's adjusted R² of
    /// the weighted least-squares fit for a common-effect model), and that model's τ² (0 for a
    /// common-effect model).
    fn r2(
        &self,
        y: &DVector<f64>,
        v: &[f64],
        tau2: f64,
        qe: f64,
        df_e: usize,
    ) -> Result<(f64, f64), Error> {
        let o = &self.opts;
        let k = v.len();
        let tau2_re = if o.method == Tau2Method::Ee {
            0.0
        } else {
            let mut ws = super::Workspace::new();
            RandomEffects { knha: false, ..*o }
                .fit_slices(y.as_slice(), v, &mut ws)?
                .tau2
        };
        let r2 = if o.method == Tau2Method::Ee {
            // metafor: adjusted R² of the weighted least-squares fit (weights 1/v).
            let q_int = {
                let ones = DMatrix::from_element(k, 1, 1.0);
                wls(y, v, &ones, 0.0)?.rss
            };
            if df_e > 0 && q_int > 0.0 {
                (100.0 * (1.0 - (qe / df_e as f64) / (q_int / (k - 1) as f64))).max(0.0)
            } else {
                f64::NAN
            }
        } else if tau2_re > 0.0 {
            (100.0 * ((tau2_re - tau2) / tau2_re)).max(0.0)
        } else {
            0.0
        };
        Ok((r2, tau2_re))
    }
}

/// I² and H² of a meta-regression: from QE for a common-effect model, else from τ² and the
/// typical within-study variance `vt`.
fn i2_h2(method: Tau2Method, qe: f64, df_e: usize, tau2: f64, vt: f64) -> (f64, f64) {
    if method == Tau2Method::Ee {
        if qe > 0.0 && df_e > 0 {
            (
                (100.0 * ((qe - df_e as f64) / qe)).max(0.0),
                qe / df_e as f64,
            )
        } else {
            (0.0, 1.0)
        }
    } else {
        (100.0 * (tau2 / (vt + tau2)), tau2 / vt + 1.0)
    }
}

/// τ² as estimated (or held), with how it was found.
#[derive(Debug, Clone, Copy)]
struct Tau2Fit {
    tau2: f64,
    iterations: usize,
    converged_by: Convergence,
}

/// The coefficient table: estimates `b` with covariance `vb`, critical value `crit`, and the t
/// df (`None`: z tests).
fn coefficients(
    b: &DVector<f64>,
    vb: &DMatrix<f64>,
    names: &[String],
    crit: f64,
    t_df: Option<f64>,
) -> Vec<Coefficient> {
    (0..b.len())
        .map(|j| {
            let est = b[j];
            let se = vb[(j, j)].sqrt();
            let stat = est / se;
            Coefficient {
                name: names.get(j).cloned().unwrap_or_else(|| format!("x{j}")),
                est: crate::model::Estimate::new(
                    est,
                    se,
                    crit,
                    match t_df {
                        Some(df) => dist::t_p2(stat, df),
                        None => dist::norm_p2(stat),
                    },
                ),
                df: t_df,
            }
        })
        .collect()
}

/// The omnibus test of every coefficient but the intercept: `(QM, p)`, an F statistic on
/// `(m, df_e)` df under Knapp–Hartung, else χ² on `m`; NaN without moderators.
fn qm_test(
    b: &DVector<f64>,
    vb: &DMatrix<f64>,
    knha: bool,
    df_e: usize,
) -> Result<(f64, f64), Error> {
    let m = b.len() - 1;
    if m == 0 {
        return Ok((f64::NAN, f64::NAN));
    }
    let bm = b.rows(1, m).into_owned();
    let vm = vb.view((1, 1), (m, m)).into_owned();
    match vm.cholesky() {
        Some(c) => {
            let q = (bm.transpose() * c.solve(&bm))[(0, 0)];
            if knha {
                let fstat = q / m as f64;
                Ok((fstat, dist::f_sf(fstat, m as f64, df_e as f64)))
            } else {
                Ok((q, dist::chi2_sf(q, m as f64)))
            }
        }
        None => Err(Error::collinear()),
    }
}

/// The Q-profile confidence interval of the residual τ² at `alpha` (`qe`: the fixed-effects
/// residual heterogeneity).
fn tau2_ci(
    y: &DVector<f64>,
    v: &[f64],
    x: &DMatrix<f64>,
    tau2: f64,
    qe: f64,
    alpha: f64,
) -> (f64, f64) {
    let k = v.len();
    let df_e = k.saturating_sub(x.ncols());
    let c_lo = dist::chi2_quantile(alpha / 2.0, df_e as f64);
    let c_hi = dist::chi2_quantile(1.0 - alpha / 2.0, df_e as f64);
    let scale = v.iter().sum::<f64>() / k as f64;
    let q = |t: f64| rss_and_slope(y, v, x, t);
    let lo = if qe > c_hi {
        solve_root(q, c_hi, tau2 * 0.5, scale).0
    } else {
        0.0
    };
    let hi = if qe > c_lo {
        solve_root(q, c_lo, tau2.max(lo) * 2.0 + 1e-3 * scale, scale).0
    } else {
        0.0
    };
    (lo, hi)
}
