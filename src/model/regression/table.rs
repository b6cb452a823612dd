//! Meta-regression of effect sizes on table columns, with the core fit and per-study weights.

use super::{Design, Permutation};
use super::{MetaRegression, RegressionFit};

/// A meta-regression of effect sizes on table columns, with its core fit.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeratorFit {
    /// Core results (intercept as `estimate`, residual heterogeneity) and per-study weights.
    pub fit: crate::model::Fit,
    /// The regression.
    pub regression: RegressionFit,
    /// Studies dropped for a missing moderator.
    pub dropped: usize,
    /// Permutation test, when requested.
    pub permutation: Option<Permutation>,
}

impl MetaRegression {
    /// Fits effect sizes `es` on moderators `mods` (canonical column names of `table`), with a
    /// permutation test of `(iterations, seed)` when given.
    ///
    /// # Errors
    /// [`crate::error::Error::Setting`] ([`crate::error::Setting::Permutations`]) for fewer than 2
    /// permutations (the observed data count as one); design errors (see
    /// [`Design::from_table`]) and model errors.
    pub fn fit_table(
        &self,
        table: &crate::data::Table,
        es: &crate::effect::EffectSizes,
        mods: &[String],
        permutations: Option<(usize, u64)>,
    ) -> Result<ModeratorFit, crate::error::Error> {
        if let Some((n @ 0..=1, _)) = permutations {
            return Err(crate::error::Error::Setting {
                setting: crate::error::Setting::Permutations,
                message: format!(
                    "a permutation test needs at least 2 permutations (the observed data count \
                     as one), got {n}"
                ),
            });
        }
        let d = Design::from_table(table, es, mods)?;
        let y: Vec<f64> = d.keep.iter().map(|&i| es.yi()[i]).collect();
        let v: Vec<f64> = d.keep.iter().map(|&i| es.vi()[i]).collect();
        let reg = self.fit(&y, &v, &d.x, &d.names).map_err(|e| match e {
            crate::error::Error::Singular { .. } => crate::error::Error::Singular {
                message: format!(
                    "the design ({}) is singular: some moderators are collinear",
                    d.names.join(", ")
                ),
            },
            e => e,
        })?;
        let permutation = match permutations {
            Some((n, seed)) => Some(self.permutation_test(&y, &v, &d.x, &d.names, n, seed)?),
            None => None,
        };
        let summary = reg.summary();
        let studies = d
            .keep
            .iter()
            .zip(&reg.weights)
            .map(|(&i, &w)| crate::model::StudyResult {
                study: es.study()[i].clone(),
                yi: es.yi()[i],
                vi: es.vi()[i],
                weight: 100.0 * w / summary.sum_w,
                source: es.sources().get(i).copied(),
                row: es.rows()[i],
            })
            .collect();
        Ok(ModeratorFit {
            fit: crate::model::Fit {
                measure: es.measure(),
                method: self.opts.method,
                studies,
                omitted: es.omitted().to_vec(),
                options: self.opts,
                back: es.back_transform(),
                back_transformed: es.back_transform().on(summary.interval_values()),
                summary,
            },
            regression: reg,
            dropped: d.dropped,
            permutation,
        })
    }
}
