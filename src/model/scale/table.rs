//! A location-scale model on table columns: the location and scale designs built as for
//! `--mods` (numeric columns as covariates, text and logical columns as treatment-coded
//! factors), studies with a missing value in either part left out, τ² per factor level.

use std::collections::BTreeMap;

use nalgebra::DMatrix;
use serde::Serialize;

use super::fit::{LocationScale, ScaleFit};
use super::predict::ScalePrediction;
use crate::model::regression::Design;

/// A location-scale model fitted to table columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleTableFit {
    /// The fit.
    #[serde(flatten)]
    pub fit: ScaleFit,
    /// The effect measure.
    pub measure: crate::effect::Measure,
    /// The location moderators (column names as in the file).
    pub mods: Vec<String>,
    /// The scale variables (column names as in the file; empty for an intercept-only scale).
    pub scale: Vec<String>,
    /// The studies used, in the order of `tau2`.
    pub studies: Vec<String>,
    /// Studies left out for a missing moderator or scale value.
    pub dropped: usize,
    /// With a scale model of one factor: τ² per level `{level: τ²}` (the reference level's
    /// `exp(α₀)`, the others' `exp(α₀ + αₗ)`).
    pub tau2_by: Option<BTreeMap<String, f64>>,
    /// Predictions at `newmods` / `newscale`, when asked for.
    pub prediction: Option<ScalePrediction>,
}

impl LocationScale {
    /// Fits effect sizes `es` with location moderators `mods` and scale variables `scale`
    /// (canonical column names of `table`; `scale` empty for an intercept-only scale model).
    ///
    /// # Examples
    /// ```
    /// use peerstat::data::{read_table, ColumnMap};
    /// use peerstat::effect::{EffectOptions, EffectSizes, Measure};
    /// use peerstat::model::scale::LocationScale;
    /// let t = read_table("fixtures/scale/bangertdrowns2004.csv".as_ref(), &ColumnMap::new()).unwrap();
    /// let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
    /// let fit = LocationScale::new()
    ///     .fit_table(&t, &es, &["ni100".into()], &["ni100".into()])
    ///     .unwrap();
    /// // metafor: rma(yi, vi, mods = ~ ni100, scale = ~ ni100, data = dat)
    /// assert!((fit.fit.alpha[1].est.estimate - (-0.917429)).abs() < 1e-5);
    /// let p = fit.fit.predict(Some(&[2.0]), &[2.0]).unwrap();
    /// assert!((p.tau2 - 0.023383).abs() < 1e-5);
    /// ```
    ///
    /// # Errors
    /// Design errors (see [`Design::from_table`]) for either part, [`crate::error::Error::TooFew`]
    /// with too few studies left, and the errors of [`LocationScale::fit`].
    pub fn fit_table(
        &self,
        table: &crate::data::Table,
        es: &crate::effect::EffectSizes,
        mods: &[String],
        scale: &[String],
    ) -> Result<ScaleTableFit, crate::error::Error> {
        let dx = Design::from_table(table, es, mods)?;
        let dz = Design::from_table(table, es, scale)?;
        let keep: Vec<usize> = dx
            .keep
            .iter()
            .copied()
            .filter(|i| dz.keep.binary_search(i).is_ok())
            .collect();
        let x = rows(&dx, &keep);
        let z = rows(&dz, &keep);
        let y: Vec<f64> = keep.iter().map(|&i| es.yi()[i]).collect();
        let v: Vec<f64> = keep.iter().map(|&i| es.vi()[i]).collect();
        let fit = self.fit(&y, &v, &x, &dx.names, &z, &dz.names)?;
        let tau2_by = factor_levels(table, es, scale, &keep).map(|levels| {
            levels
                .into_iter()
                .enumerate()
                .map(|(j, lvl)| {
                    let a0 = fit.alpha[0].est.estimate;
                    let aj = if j == 0 {
                        0.0
                    } else {
                        fit.alpha[j].est.estimate
                    };
                    (lvl, (a0 + aj).exp())
                })
                .collect()
        });
        Ok(ScaleTableFit {
            measure: es.measure(),
            mods: mods
                .iter()
                .map(|m| table.actual_name(m).to_string())
                .collect(),
            scale: scale
                .iter()
                .map(|m| table.actual_name(m).to_string())
                .collect(),
            studies: keep.iter().map(|&i| es.study()[i].clone()).collect(),
            dropped: es.k() - keep.len(),
            tau2_by,
            prediction: None,
            fit,
        })
    }
}

/// The rows of design `d` for the studies `keep` (a subset of `d.keep`).
fn rows(d: &Design, keep: &[usize]) -> DMatrix<f64> {
    let at: Vec<usize> = keep
        .iter()
        .filter_map(|i| d.keep.binary_search(i).ok())
        .collect();
    DMatrix::from_fn(at.len(), d.x.ncols(), |r, c| d.x[(at[r], c)])
}

/// The sorted levels of the scale model's one factor over the studies `keep` (`None` unless
/// the scale model is a single text or logical column).
fn factor_levels(
    table: &crate::data::Table,
    es: &crate::effect::EffectSizes,
    scale: &[String],
    keep: &[usize],
) -> Option<Vec<String>> {
    use crate::data::Column;
    let [col] = scale else { return None };
    if !matches!(table.get(col)?, Column::Str(_) | Column::Bool(_)) {
        return None;
    }
    let texts = table.texts(col);
    let mut levels: Vec<String> = keep
        .iter()
        .filter_map(|&i| texts[es.rows()[i]].clone())
        .collect();
    levels.sort_unstable();
    levels.dedup();
    Some(levels)
}
