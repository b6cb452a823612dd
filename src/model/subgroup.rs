//! Subgroup analysis: a random-effects fit per level of a categorical column, the test for
//! subgroup differences, and its common-τ² version (metafor's QM for the factor moderator).
//!
//! # Formulas
//! * Separate τ² (default): each level is fitted on its own; the test for subgroup differences
//!   is `Q_b = Σ_g (θ̂_g − θ̄)²/SE_g²`, `θ̄ = Σ θ̂_g/SE_g² / Σ 1/SE_g²`, on G − 1 df (χ²).
//! * Common τ²: τ² is estimated once from the meta-regression on the factor (all levels), and
//!   the test is that model's omnibus QM (χ² on G − 1 df, or F on (G − 1, k − G) under
//!   Knapp–Hartung). With `common_tau2` the per-level fits also use that τ², and the level
//!   estimates, SEs and CIs are those of the cell-means model `~ 0 + factor` (metafor).
//!
//! Levels are sorted (numerically for numeric columns, else as text); rows with a missing level
//! are left out (counted in [`SubgroupAnalysis::omitted`]).
//!
//! # Examples
//!
//! ```
//! use peerstat::data::{Column, Table};
//! use peerstat::effect::{EffectOptions, EffectSizes, Measure};
//! use peerstat::model::{subgroup::subgroups, RandomEffects};
//! let s = |x: &str| Some(x.to_string());
//! let t = Table::from_columns("demo", vec![
//!     ("yi".into(), Column::Float(vec![Some(0.1), Some(0.2), Some(0.5), Some(0.6)])),
//!     ("vi".into(), Column::Float(vec![Some(0.01); 4])),
//!     ("mode".into(), Column::Str(vec![s("online"), s("online"), s("face"), s("face")])),
//! ]).unwrap();
//! let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
//! let sg = subgroups(&t, &es, "mode", &RandomEffects::new(), false).unwrap();
//! assert_eq!(sg.subgroups[0].level, "face");
//! assert!(sg.subgroup_test.p_value < 0.01);
//! ```

use nalgebra::DMatrix;
use serde::Serialize;

use super::regression::MetaRegression;
use super::{Fit, RandomEffects};
use crate::data::{Column, Table};
use crate::dist;
use crate::effect::EffectSizes;
use crate::error::{Error, Result};

/// One level's fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupFit {
    /// The level.
    pub level: String,
    /// True when the level has a single study (shown, but its τ² is 0 by construction).
    pub single_study: bool,
    /// The fit (core keys).
    #[serde(flatten)]
    pub fit: Fit,
}

/// A test statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Test {
    /// Statistic (χ², or F for `df2`).
    pub q: f64,
    /// Degrees of freedom (numerator for F).
    pub df: usize,
    /// Denominator degrees of freedom of an F test (null for χ²).
    pub df2: f64,
    /// p-value.
    pub p_value: f64,
}

/// Subgroup analysis results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupAnalysis {
    /// Column analysed.
    pub by: String,
    /// Per-level fits, in level order.
    pub subgroups: Vec<SubgroupFit>,
    /// Test for subgroup differences with separate τ² per level.
    pub subgroup_test: Test,
    /// The same with one common τ² (metafor QM for the factor).
    pub subgroup_test_common_tau2: Test,
    /// The common τ² (from the factor meta-regression).
    pub common_tau2: f64,
    /// Whether the per-level fits use the common τ².
    pub uses_common_tau2: bool,
    /// Rows with a missing value in the column, left out.
    pub omitted: usize,
}

fn subset(es: &EffectSizes, idx: &[usize]) -> EffectSizes {
    es.subset(idx)
}

/// Runs a subgroup analysis of `es` by the canonical column `by` of `table`.
///
/// # Errors
/// [`Error::MissingColumn`]; [`Error::TooFew`] when fewer than two levels have studies; model
/// errors from the per-level fits.
pub fn subgroups(
    table: &Table,
    es: &EffectSizes,
    by: &str,
    model: &RandomEffects,
    common_tau2: bool,
) -> Result<SubgroupAnalysis> {
    let col = table
        .get(by)
        .ok_or_else(|| table.missing_column(by, "for subgroups"))?;
    let actual = table.actual_name(by).to_string();
    let lv = Levels::of(col, es, &actual)?;
    let omitted = es.k() - lv.kept.len();
    let g = lv.levels.len();
    let y: Vec<f64> = lv.kept.iter().map(|&i| es.yi()[i]).collect();
    let v: Vec<f64> = lv.kept.iter().map(|&i| es.vi()[i]).collect();

    // Common τ²: meta-regression on the factor (intercept + G − 1 dummies).
    let reg = MetaRegression::new(*model).fit(&y, &v, &lv.design(true), &lv.names(&actual, true));
    let (common, test_common) = factor_test(&reg, g);
    if common_tau2 {
        reg?;
    }
    // With a common τ², level estimates come from the cell-means model (`~ 0 + factor`), so that
    // under Knapp–Hartung the scale factor and t df are those of the whole model (metafor).
    let cell_means = if common_tau2 {
        let (x0, names0) = (lv.design(false), lv.names(&actual, false));
        Some(MetaRegression::new(*model).fit_fixed_tau2(&y, &v, &x0, &names0, common)?)
    } else {
        None
    };
    let fits = level_fits(
        es,
        &lv,
        model,
        common_tau2.then_some(common),
        cell_means.as_ref(),
    )?;
    Ok(SubgroupAnalysis {
        by: actual,
        subgroup_test: difference_test(&fits),
        subgroups: fits,
        subgroup_test_common_tau2: test_common,
        common_tau2: common,
        uses_common_tau2: common_tau2,
        omitted,
    })
}

/// The levels of the subgrouping column among the studies, and which studies have one.
struct Levels {
    /// The sorted distinct levels.
    levels: Vec<String>,
    /// Each study's level (index into `levels`), `None` when missing.
    level_of: Vec<Option<usize>>,
    /// The studies with a level.
    kept: Vec<usize>,
}

impl Levels {
    /// The levels of column `col` (named `actual` in the file) over the studies of `es`, sorted
    /// numerically for a numeric column, else as text.
    fn of(col: &Column, es: &EffectSizes, actual: &str) -> Result<Levels> {
        // Level of each study, as text, and a sort key.
        let labels: Vec<Option<String>> = es.rows().iter().map(|&r| col.key(r)).collect();
        let mut levels: Vec<String> = labels.iter().flatten().cloned().collect();
        match col {
            Column::Int(_) | Column::Float(_) => levels.sort_by(|a, b| {
                let (x, y) = (
                    a.parse::<f64>().unwrap_or(f64::NAN),
                    b.parse::<f64>().unwrap_or(f64::NAN),
                );
                x.total_cmp(&y)
            }),
            _ => levels.sort(),
        }
        levels.dedup();
        if levels.len() < 2 {
            return Err(Error::TooFew {
                analysis: format!("a subgroup analysis by '{actual}'"),
                needed: 2,
                found: levels.len(),
                unit: "levels with studies",
                note: String::new(),
            });
        }
        let level_of: Vec<Option<usize>> = labels
            .iter()
            .map(|l| l.as_ref().and_then(|l| levels.iter().position(|x| x == l)))
            .collect();
        let kept: Vec<usize> = (0..es.k()).filter(|&i| level_of[i].is_some()).collect();
        Ok(Levels {
            levels,
            level_of,
            kept,
        })
    }

    /// The factor's design over the kept studies: intercept + G − 1 dummies (`intercept`), or
    /// one indicator per level (the cell-means model).
    fn design(&self, intercept: bool) -> DMatrix<f64> {
        let (kept, level_of) = (&self.kept, &self.level_of);
        DMatrix::from_fn(kept.len(), self.levels.len(), |i, j| {
            if intercept && j == 0 {
                1.0
            } else {
                f64::from(u8::from(level_of[kept[i]] == Some(j)))
            }
        })
    }

    /// The coefficient names of [`Levels::design`] (metafor's `column` + level).
    fn names(&self, actual: &str, intercept: bool) -> Vec<String> {
        if intercept {
            std::iter::once("intrcpt".to_string())
                .chain(self.levels[1..].iter().map(|l| format!("{actual}{l}")))
                .collect()
        } else {
            self.levels.iter().map(|l| format!("{actual}{l}")).collect()
        }
    }
}

/// The common τ² and the omnibus test of the factor meta-regression (NaN when it failed).
fn factor_test(reg: &Result<super::regression::RegressionFit>, g: usize) -> (f64, Test) {
    match reg {
        Ok(r) => (
            r.tau2,
            Test {
                q: r.qm,
                df: r.qm_df,
                df2: r.df,
                p_value: r.qm_p,
            },
        ),
        Err(_) => (
            f64::NAN,
            Test {
                q: f64::NAN,
                df: g - 1,
                df2: f64::NAN,
                p_value: f64::NAN,
            },
        ),
    }
}

/// One fit per level; with a `common` τ², the level estimates are those of the `cell_means`
/// model.
fn level_fits(
    es: &EffectSizes,
    lv: &Levels,
    model: &RandomEffects,
    common: Option<f64>,
    cell_means: Option<&super::regression::RegressionFit>,
) -> Result<Vec<SubgroupFit>> {
    let level_model = match common {
        Some(c) => model.fixed_tau2(Some(c)),
        None => *model,
    };
    let common = common.unwrap_or(f64::NAN);
    let alpha = 1.0 - model.get_level() / 100.0;
    let mut fits = Vec::with_capacity(lv.levels.len());
    for (j, level) in lv.levels.iter().enumerate() {
        let idx: Vec<usize> = lv
            .kept
            .iter()
            .copied()
            .filter(|&i| lv.level_of[i] == Some(j))
            .collect();
        let mut fit = level_model.fit(&subset(es, &idx))?;
        if let Some(cm) = cell_means {
            let c = &cm.coefficients[j];
            let s = &mut fit.summary;
            let crit = if cm.df.is_finite() {
                dist::t_quantile(1.0 - alpha / 2.0, cm.df)
            } else {
                dist::norm_quantile(1.0 - alpha / 2.0)
            };
            let half = crit * (c.est.se * c.est.se + common).sqrt();
            (s.estimate, s.se, s.ci_lower, s.ci_upper) =
                (c.est.estimate, c.est.se, c.est.ci_lower, c.est.ci_upper);
            (s.statistic, s.p_value, s.df) = (c.est.statistic, c.est.p_value, cm.df);
            (s.pi_lower, s.pi_upper) = (c.est.estimate - half, c.est.estimate + half);
        }
        fits.push(SubgroupFit {
            level: level.clone(),
            single_study: idx.len() == 1,
            fit,
        });
    }
    Ok(fits)
}

/// The test for subgroup differences (between-level Q on G − 1 df).
fn difference_test(fits: &[SubgroupFit]) -> Test {
    let g = fits.len();
    let est: Vec<f64> = fits.iter().map(|f| f.fit.summary.estimate).collect();
    let var: Vec<f64> = fits
        .iter()
        .map(|f| f.fit.summary.se * f.fit.summary.se)
        .collect();
    let (mean, _) = super::estimators::inverse_variance_mean(&est, &var, 0.0);
    let qb: f64 = fits
        .iter()
        .map(|f| {
            let s = &f.fit.summary;
            (s.estimate - mean) * (s.estimate - mean) / (s.se * s.se)
        })
        .sum();
    Test {
        q: qb,
        df: g - 1,
        df2: f64::NAN,
        p_value: dist::chi2_sf(qb, (g - 1) as f64),
    }
}
