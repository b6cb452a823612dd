//! Tests of the coefficients of a fitted multilevel model: z, or t with residual or containment
//! df per coefficient (metafor `rma.mv(test, dfs)`), and the omnibus test.

use nalgebra::{DMatrix, DVector};

use super::predict::critical;
use crate::dist;
use crate::model::coefficient::Coefficient;
use crate::model::Estimate;

/// The coefficients with their tests, and the omnibus test.
pub(super) struct Tests {
    /// Every coefficient, with its df under t tests.
    pub coefficients: Vec<Coefficient>,
    /// The omnibus statistic (χ², or F under t tests).
    pub qm: f64,
    /// Its numerator df.
    pub qm_df: usize,
    /// Its denominator df under t tests (metafor: the smallest df of the tested coefficients).
    pub qm_df2: Option<f64>,
    /// Its p-value.
    pub qm_p: f64,
}

/// Tests of `beta` with covariance `vb` (column names `names`) at `level` percent; `dfs` holds
/// each coefficient's df under t tests (`None`: z tests). The omnibus test covers every
/// coefficient but the first (the intercept), or the only one. `None` when the covariance of
/// the tested coefficients is not positive definite.
pub(super) fn tests(
    beta: &DVector<f64>,
    vb: &DMatrix<f64>,
    names: &[String],
    dfs: Option<&[f64]>,
    level: f64,
) -> Option<Tests> {
    let p = beta.len();
    let df_of = |j: usize| dfs.and_then(|d| d.get(j).copied());
    let coefficients: Vec<Coefficient> = (0..p)
        .map(|j| {
            let est = beta[j];
            let se = vb[(j, j)].sqrt();
            let df = df_of(j);
            let pv = match df {
                Some(d) => dist::t_p2(est / se, d),
                None => dist::norm_p2(est / se),
            };
            Coefficient {
                name: names.get(j).cloned().unwrap_or_else(|| format!("x{j}")),
                est: Estimate::new(est, se, critical(level, df), pv),
                df,
            }
        })
        .collect();
    // As metafor: all coefficients but the intercept, or the intercept alone when p = 1.
    let from = usize::from(p > 1);
    let m = p - from;
    let bm = beta.rows(from, m).into_owned();
    let vm = vb.view((from, from), (m, m)).into_owned();
    let q = vm
        .cholesky()
        .map(|c| (bm.transpose() * c.solve(&bm))[(0, 0)])?;
    let qm_df2 = dfs.map(|d| d[from..].iter().copied().fold(f64::INFINITY, f64::min));
    let (qm, qm_p) = match qm_df2 {
        Some(d) => (q / m as f64, dist::f_sf(q / m as f64, m as f64, d)),
        None => (q, dist::chi2_sf(q, m as f64)),
    };
    Some(Tests {
        coefficients,
        qm,
        qm_df: m,
        qm_df2,
        qm_p,
    })
}
