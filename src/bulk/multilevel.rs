//! Bulk multilevel fits: one multilevel model (nested random intercepts, optionally with the
//! sampling covariance of `vcalc` and cluster-robust inference) per group, through the same
//! table API as `peerstat meta --random` ([`MultilevelModel::fit_table_cov`], then
//! [`Robust::fit_multilevel`]), so that each group's row is that fit on the group alone.
//!
//! # Examples
//!
//! ```
//! use peerstat::bulk::{BulkMultilevel, Reanalysis};
//! use peerstat::data::{Column, Table};
//! use peerstat::effect::Measure;
//! use peerstat::model::multilevel::MultilevelModel;
//! // Two analyses of 4 studies × 2 effects each.
//! let n = 16;
//! let table = Table::from_columns(
//!     "example",
//!     vec![
//!         ("analysis".into(), Column::Int((0..n).map(|i| Some(i / 8)).collect())),
//!         ("study".into(), Column::Int((0..n).map(|i| Some(i / 2)).collect())),
//!         ("esid".into(), Column::Int((0..n).map(|i| Some(i % 2)).collect())),
//!         ("yi".into(), Column::Float((0..n).map(|i| Some(((i * 7) % 5) as f64 / 10.0)).collect())),
//!         ("vi".into(), Column::Float((0..n).map(|i| Some(0.02 + (i % 3) as f64 / 100.0)).collect())),
//!     ],
//! )
//! .unwrap();
//! let ml = BulkMultilevel::new(MultilevelModel::new(), &["study", "esid"]).unwrap();
//! let job = Reanalysis::new(&["analysis"], Measure::Gen).multilevel(ml);
//! let results = job.run_table(&table).unwrap();
//! assert_eq!(results.len(), 2);
//! let row = results[0].multilevel.as_ref().unwrap();
//! assert_eq!(row.sigma2.len(), 2);
//! assert!(job.output_columns().contains(&"sigma2_2".to_string()));
//! ```

use serde::Serialize;

use crate::data::{Column, ColumnMap, Table};
use crate::effect::{EffectSizes, Measure};
use crate::error::{Error, Result, Setting};
use crate::model::multilevel::{CovSource, MultilevelModel, MultilevelTable};
use crate::model::robust::{cluster_ids, Robust, RobustFit};
use crate::model::vcalc::VcalcSpec;
use crate::model::Estimate;

/// A multilevel model to fit to every group of a bulk reanalysis (a builder): nested random
/// intercepts on columns (outermost first), optionally `V` from `vcalc` and cluster-robust
/// inference. Profile-likelihood intervals are not computed.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkMultilevel {
    model: MultilevelModel,
    random: Vec<String>,
    source: Option<CovSource>,
    robust: Option<(Robust, String)>,
}

/// One group's multilevel fit: the scalars a bulk row carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultilevelRow {
    /// Effects used.
    pub k: usize,
    /// The first coefficient (the pooled effect): estimate, model-based SE, CI and test.
    #[serde(flatten)]
    pub first: Estimate,
    /// Degrees of freedom of its t test (`None` for z).
    pub df: Option<f64>,
    /// Variance components, outermost level first.
    pub sigma2: Vec<f64>,
    /// I² per level (percent), outermost first.
    pub i2_levels: Vec<f64>,
    /// Test for residual heterogeneity (QE).
    pub q: f64,
    /// Its degrees of freedom.
    pub q_df: usize,
    /// Its p-value.
    pub q_p: f64,
    /// Log-likelihood (restricted under REML).
    pub loglik: f64,
    /// Deviance.
    pub deviance: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Prediction interval for the true effect of a new study.
    pub pi_lower: Option<f64>,
    /// Its upper bound.
    pub pi_upper: Option<f64>,
    /// Fisher-scoring iterations.
    pub iterations: usize,
    /// Cluster-robust inference on the first coefficient, when asked for.
    pub robust: Option<RobustRow>,
}

/// Cluster-robust inference on the first coefficient of a group's fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RobustRow {
    /// Number of clusters.
    pub clusters: usize,
    /// The estimate with its robust SE, CI, t statistic and p-value.
    #[serde(flatten)]
    pub est: Estimate,
    /// Degrees of freedom of the robust t test.
    pub df: f64,
}

impl MultilevelRow {
    /// The row of a fit, with the robust inference on it if any.
    pub fn new(t: &MultilevelTable, robust: Option<&RobustFit>) -> Self {
        let f = &t.fit;
        MultilevelRow {
            k: f.k,
            first: f.first,
            df: f.df,
            sigma2: f.sigma2.clone(),
            i2_levels: f.i2_levels.clone(),
            q: t.q,
            q_df: t.q_df,
            q_p: t.q_p,
            loglik: f.loglik,
            deviance: f.deviance,
            aic: f.aic,
            bic: f.bic,
            pi_lower: f.pi_lower,
            pi_upper: f.pi_upper,
            iterations: f.iterations,
            robust: robust.and_then(|r| {
                r.coefficients.first().map(|c| RobustRow {
                    clusters: r.clusters,
                    est: c.est,
                    df: c.df,
                })
            }),
        }
    }
}

type FloatOf = fn(&MultilevelRow) -> Option<f64>;

/// The robust columns, by name.
const ROBUST: [(&str, FloatOf); 6] = [
    ("robust_se", |r| r.robust.map(|x| x.est.se)),
    ("robust_df", |r| r.robust.map(|x| x.df)),
    ("robust_statistic", |r| r.robust.map(|x| x.est.statistic)),
    ("robust_p", |r| r.robust.map(|x| x.est.p_value)),
    ("robust_ci_lower", |r| r.robust.map(|x| x.est.ci_lower)),
    ("robust_ci_upper", |r| r.robust.map(|x| x.est.ci_upper)),
];

/// The first coefficient's columns (the existing bulk columns), by name.
const FIRST: [(&str, FloatOf); 7] = [
    ("estimate", |r| Some(r.first.estimate)),
    ("se", |r| Some(r.first.se)),
    ("ci_lower", |r| Some(r.first.ci_lower)),
    ("ci_upper", |r| Some(r.first.ci_upper)),
    ("statistic", |r| Some(r.first.statistic)),
    ("p_value", |r| Some(r.first.p_value)),
    ("df", |r| r.df),
];

impl BulkMultilevel {
    /// A multilevel model with random intercepts for the nested factors `random` (canonical
    /// column names, outermost first; metafor `random = ~ 1 | a/b`), `V = diag(vi)` and
    /// model-based inference. The model's profile-likelihood intervals are turned off.
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::Random`]) for no factor.
    pub fn new<S: AsRef<str>>(model: MultilevelModel, random: &[S]) -> Result<Self> {
        if random.is_empty() {
            return Err(Error::setting(
                Setting::Random,
                "a multilevel model needs at least one random factor",
            ));
        }
        Ok(BulkMultilevel {
            model: model.profile_ci(false),
            random: random.iter().map(|s| s.as_ref().to_string()).collect(),
            source: None,
            robust: None,
        })
    }

    /// The sampling covariance of metafor's `vcalc` on the columns `spec` names, per group.
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::SamplingCovariance`]) for `rho` or `phi` outside [−1, 1].
    pub fn vcalc(mut self, spec: VcalcSpec) -> Result<Self> {
        for (name, x) in [("rho", Some(spec.rho)), ("phi", spec.phi)] {
            if let Some(x) = x.filter(|x| !(x.is_finite() && (-1.0..=1.0).contains(x))) {
                return Err(Error::setting(
                    Setting::SamplingCovariance,
                    format!("{name} must be a correlation in [-1, 1] (got {x})"),
                ));
            }
        }
        self.source = Some(CovSource::Vcalc(spec));
        Ok(self)
    }

    /// Cluster-robust inference `robust` on each fit, clustered by the column `column`.
    pub fn robust(mut self, robust: Robust, column: &str) -> Self {
        self.robust = Some((robust, column.to_string()));
        self
    }

    /// Number of random factors (and of `sigma2_*` and `i2_*` columns).
    pub fn levels(&self) -> usize {
        self.random.len()
    }

    /// The columns the fits read besides the effect columns (canonical names, each once): the
    /// random factors, the `vcalc` columns, the robust cluster.
    pub fn columns_read(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.random.iter().map(String::as_str).collect();
        if let Some(CovSource::Vcalc(s)) = &self.source {
            out.extend(s.columns());
        }
        out.extend(self.robust.as_ref().map(|(_, c)| c.as_str()));
        let mut seen = Vec::with_capacity(out.len());
        out.retain(|n| {
            let new = !seen.contains(n);
            seen.push(*n);
            new
        });
        out
    }

    /// The same model with every column named as in the file (through `map`), for the group
    /// tables, whose columns carry the file's names.
    pub(super) fn mapped(&self, map: &ColumnMap) -> Self {
        let actual = |c: &String| map.actual(c).to_string();
        BulkMultilevel {
            model: self.model.clone(),
            random: self.random.iter().map(actual).collect(),
            source: self.source.as_ref().map(|s| match s {
                CovSource::Vcalc(v) => CovSource::Vcalc(VcalcSpec {
                    cluster: actual(&v.cluster),
                    obs: v.obs.as_ref().map(actual),
                    time: v.time.as_ref().map(actual),
                    subgroup: v.subgroup.as_ref().map(actual),
                    type_col: v.type_col.as_ref().map(actual),
                    time2: v.time2.as_ref().map(actual),
                    grp1: v.grp1.as_ref().map(actual),
                    grp2: v.grp2.as_ref().map(actual),
                    w1: v.w1.as_ref().map(actual),
                    w2: v.w2.as_ref().map(actual),
                    ..v.clone()
                }),
                CovSource::Columns(c) => CovSource::Columns(c.iter().map(actual).collect()),
            }),
            robust: self.robust.as_ref().map(|(r, c)| (*r, actual(c))),
        }
    }

    /// Fits one group: `table` holds its further columns (all its rows), `y` and `v` the
    /// effects of its rows `used` (0-based in `table`).
    pub(super) fn fit_group(
        &self,
        measure: Measure,
        table: &Table,
        (y, v): (&[f64], &[f64]),
        used: &[usize],
    ) -> Result<MultilevelRow> {
        let es = EffectSizes::new(
            measure,
            vec![String::new(); y.len()],
            y.to_vec(),
            v.to_vec(),
            used.to_vec(),
            table.nrows(),
        )?;
        let t = self
            .model
            .fit_table_cov(table, &es, &self.random, &[], self.source.as_ref())?;
        let robust = match &self.robust {
            Some((r, col)) => {
                let ids = cluster_ids(table, col, t.rows.iter().copied())?;
                Some(r.fit_multilevel(&t.fit, &ids)?)
            }
            None => None,
        };
        Ok(MultilevelRow::new(&t, robust.as_ref()))
    }

    /// The result columns (before `error`) for the fits `rows` (`None`: a failed group): `k`,
    /// the first coefficient's `estimate` … `p_value` and `df`, `sigma2_1` … and `i2_1` … (one
    /// per level, outermost first), `q`, `q_df`, `q_p`, `loglik`, `deviance`, `aic`, `bic`,
    /// `pi_lower`, `pi_upper`, `iterations`, and with robust inference `robust_clusters`,
    /// `robust_se`, `robust_df`, `robust_statistic`, `robust_p`, `robust_ci_lower`,
    /// `robust_ci_upper`.
    pub(super) fn output_columns(&self, rows: &[Option<&MultilevelRow>]) -> Vec<(String, Column)> {
        let float = |f: &dyn Fn(&MultilevelRow) -> Option<f64>| {
            Column::Float(
                rows.iter()
                    .map(|r| r.and_then(f).filter(|x| x.is_finite()))
                    .collect(),
            )
        };
        let int = |f: fn(&MultilevelRow) -> Option<usize>| {
            Column::Int(
                rows.iter()
                    .map(|r| r.and_then(f).map(|n| n as i64))
                    .collect(),
            )
        };
        let mut out = vec![("k".to_string(), int(|r| Some(r.k)))];
        out.extend(FIRST.iter().map(|(n, f)| (n.to_string(), float(f))));
        let nl = self.levels();
        for l in 0..nl {
            out.push((
                format!("sigma2_{}", l + 1),
                float(&|r| r.sigma2.get(l).copied()),
            ));
        }
        for l in 0..nl {
            out.push((
                format!("i2_{}", l + 1),
                float(&|r| r.i2_levels.get(l).copied()),
            ));
        }
        out.push(("q".into(), float(&|r| Some(r.q))));
        out.push(("q_df".into(), int(|r| Some(r.q_df))));
        out.push(("q_p".into(), float(&|r| Some(r.q_p))));
        out.push(("loglik".into(), float(&|r| Some(r.loglik))));
        out.push(("deviance".into(), float(&|r| Some(r.deviance))));
        out.push(("aic".into(), float(&|r| Some(r.aic))));
        out.push(("bic".into(), float(&|r| Some(r.bic))));
        out.push(("pi_lower".into(), float(&|r| r.pi_lower)));
        out.push(("pi_upper".into(), float(&|r| r.pi_upper)));
        out.push(("iterations".into(), int(|r| Some(r.iterations))));
        if self.robust.is_some() {
            out.push((
                "robust_clusters".into(),
                int(|r| r.robust.map(|x| x.clusters)),
            ));
            out.extend(ROBUST.iter().map(|(n, f)| (n.to_string(), float(f))));
        }
        out
    }
}
