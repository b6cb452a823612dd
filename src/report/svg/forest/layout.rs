//! A forest plot's layout as a caller gives it (text and numbers: the CLI's forest flags, the
//! Python `forest` function's arguments), made into [`ForestOptions`] for the data by
//! [`ForestLayout::options`]. The CLI and the Python module both call it.

use super::{Better, ForestColumn, ForestOptions, ForestSort};
use crate::data::Table;
use crate::effect::Measure;
use crate::framework::rob::RobAssessment;

/// The layout of a forest plot before it meets the data.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestLayout {
    /// Title over the plot.
    pub title: Option<String>,
    /// Axis label (default: the measure's name).
    pub xlab: Option<String>,
    /// Axis limits on the scale shown: none, or lower and upper.
    pub xlim: Vec<f64>,
    /// Axis ticks on the scale shown (default: chosen so labels do not overlap).
    pub at: Vec<f64>,
    /// "Favours" labels, `intervention,comparator`; they also name the arm-data columns.
    pub favours: Option<String>,
    /// Which side of the null favours the intervention (default by measure).
    pub better: Option<Better>,
    /// Row order: `data`, `estimate`, `weight` or a column name (default: data order).
    pub sort: Option<String>,
    /// Extra text columns from these data columns (metafor `ilab`).
    pub ilab: Vec<String>,
    /// Show the arm-data columns (events/N, mean (SD), N) when the data have them.
    pub arm_data: bool,
    /// Draw precomputed log-scale effects as ratios on a log axis.
    pub exp: bool,
    /// Decimals of the estimates and intervals.
    pub digits: usize,
    /// With subgroups, each study's weight within its subgroup.
    pub subgroup_weights: bool,
    /// The most rows the plot may have (default [`super::MAX_FOREST_ROWS`]).
    pub max_rows: usize,
}

impl Default for ForestLayout {
    fn default() -> Self {
        ForestLayout {
            title: None,
            xlab: None,
            xlim: Vec::new(),
            at: Vec::new(),
            favours: None,
            better: None,
            sort: None,
            ilab: Vec::new(),
            arm_data: true,
            exp: false,
            digits: 2,
            subgroup_weights: false,
            max_rows: super::MAX_FOREST_ROWS,
        }
    }
}

impl ForestLayout {
    /// The data columns the layout names (`ilab`, a `sort` column).
    pub fn columns(&self) -> Vec<&str> {
        let sort = self
            .sort
            .as_deref()
            .filter(|s| !matches!(*s, "data" | "estimate" | "weight"));
        self.ilab.iter().map(String::as_str).chain(sort).collect()
    }

    /// The drawing options for data `table` analysed with `measure`, with the risk-of-bias
    /// columns of `rob`.
    ///
    /// # Errors
    /// [`crate::error::Error::Setting`] for limits that are not two numbers or favours labels that are
    /// not two names; [`crate::error::Error::MissingColumn`] for an `ilab` or `sort` column the data
    /// lack.
    pub fn options<'a>(
        &self,
        table: &Table,
        measure: Measure,
        rob: Option<&'a RobAssessment>,
    ) -> crate::error::Result<ForestOptions<'a>> {
        let favours = match &self.favours {
            None => None,
            Some(s) => Some(ForestOptions::favours_labels(s)?),
        };
        let arms = favours
            .as_ref()
            .map_or(("Intervention", "Control"), |(a, b)| {
                (a.as_str(), b.as_str())
            });
        let mut columns = if self.arm_data {
            ForestColumn::arm_data(table, measure, arms)
        } else {
            Vec::new()
        };
        for c in &self.ilab {
            columns.push(ForestColumn::from_table(table, c)?);
        }
        let sort = match &self.sort {
            Some(s) => ForestSort::parse(s, table)?,
            None => ForestSort::Data,
        };
        Ok(ForestOptions {
            title: self.title.clone(),
            xlab: self.xlab.clone(),
            xlim: ForestOptions::limits(&self.xlim)?,
            at: self.at.clone(),
            favours,
            better: self.better,
            sort,
            columns,
            exp: self.exp,
            digits: Some(self.digits),
            subgroup_weights: self.subgroup_weights,
            rob,
            max_rows: Some(self.max_rows),
        })
    }
}
