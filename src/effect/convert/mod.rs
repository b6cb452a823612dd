//! From reported statistics to effect sizes: what a trial report gives when it gives no arm
//! means and SDs or 2×2 table (metafor 5's `conv.wald`, `conv.fivenum`, escalc's `ti`/`fi`/`pi`),
//! and the design effect of cluster-randomised trials ([`super::cluster`]).
//!
//! For every row, in this order (the first that applies wins):
//!
//! 1. the measure's own columns (arms or a 2×2 table; `yi` with `vi`/`sei` for `GEN`), where a
//!    missing arm mean or SD is first filled in from that arm's median with its IQR and/or range
//!    ([`fivenum`]) or its SD from the standard error of its mean (`sd = se·√n`);
//! 2. `yi` with `vi` or `sei` as given (any measure);
//! 3. `yi` with a confidence interval `ci_lower`, `ci_upper` (`ci_level`, default 95) → `vi`
//!    ([`vi_from_ci`]); for ratio measures (OR, RR, ROM) `yi` and its bounds are ratios, logged,
//!    unless [`CiScale::Log`];
//! 4. `yi` with a two-sided p-value `pval` → `vi` ([`vi_from_p`]; `yi` a ratio as in 3);
//! 5. SMD only: a t statistic `tstat`, an F statistic `fstat` (1 df) or a p-value `pval`, with
//!    `n_t` and `n_c` → Hedges' g and its variance ([`smd_from_t`]).
//!
//! Then, for a row with a `cluster_size` and an ICC (the `icc` column, else
//! [`ConvertOptions::icc`]), the design effect ([`super::cluster`]). Each effect carries its
//! [`Provenance`] (`yi_source`, `vi_source`, the design effect, Shi's skewness flag).
//!
//! # Columns (per arm: `_t` intervention, `_c` control)
//!
//! | columns | gives |
//! |---|---|
//! | `median_t, q1_t, q3_t, n_t` | `mean_t, sd_t` (Luo 2018 mean, Wan 2014 SD) |
//! | `median_t, min_t, max_t, n_t` | `mean_t, sd_t` (Luo 2018, Wan 2014) |
//! | `median_t, q1_t, q3_t, min_t, max_t, n_t` | `mean_t, sd_t` (Luo 2018, Shi 2020) |
//! | `se_t, n_t` | `sd_t` |
//! | `yi, ci_lower, ci_upper` (`ci_level`) | `vi` |
//! | `yi, pval` | `vi` |
//! | `tstat` (or `fstat`, or `pval`) `, n_t, n_c` | SMD `yi, vi` |
//! | `cluster_size` with `icc` (or the option) | design effect on `vi` (or on n) |

mod fivenum;
mod tstat;
mod wald;

pub use fivenum::{fivenum, sd_from_se, FiveNum, FiveNumCase, FiveNumError};
pub use tstat::{smd_from_t, t_from_f, t_from_p};
pub use wald::{vi_from_ci, vi_from_p, WaldError};

mod rows;

pub(crate) use rows::{effect_rows, input_columns, NoEffect, RowResult};

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::cluster::ClusterAdjust;
use crate::error::{Error, Result, Setting};

/// The columns conversions read, beyond the measures' own.
pub const CONVERSION_COLUMNS: [&str; 23] = [
    "median_t",
    "q1_t",
    "q3_t",
    "min_t",
    "max_t",
    "se_t",
    "median_c",
    "q1_c",
    "q3_c",
    "min_c",
    "max_c",
    "se_c",
    "ci_lower",
    "ci_upper",
    "ci_level",
    "pval",
    "tstat",
    "fstat",
    "cluster_size",
    "icc",
    "yi",
    "vi",
    "sei",
];

/// The scale of reported confidence bounds (and of the estimate they surround) for ratio
/// measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CiScale {
    /// As ratios (OR 0.59, 0.40 to 0.87): logged before use.
    #[default]
    Ratio,
    /// Already on the log scale.
    Log,
}

impl FromStr for CiScale {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ratio" => Ok(CiScale::Ratio),
            "log" => Ok(CiScale::Log),
            _ => Err(Error::setting(
                Setting::CiScale,
                format!("unknown scale of confidence bounds '{s}': choose ratio (bounds reported as ratios, logged) or log"),
            )),
        }
    }
}

/// Options of the conversions and the cluster adjustment. The defaults: ratio-scale bounds,
/// skewed medians flagged but kept, design effect on the variance, no ICC.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ConvertOptions {
    /// The scale of `yi`, `ci_lower`, `ci_upper` of converted rows for ratio measures.
    pub ci_scale: CiScale,
    /// Omit an arm whose median summary Shi's test finds skewed (metafor's `test = TRUE`)
    /// instead of flagging it.
    pub omit_skewed: bool,
    /// How cluster-randomised trials are adjusted.
    pub cluster_adjust: ClusterAdjust,
    /// The ICC of rows with a `cluster_size` and no `icc` value.
    pub icc: Option<f64>,
}

impl ConvertOptions {
    /// Checks the ICC option.
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::Icc`]) for an ICC outside [0, 1).
    pub fn check(&self) -> Result<()> {
        match self.icc {
            Some(r) if !(0.0..1.0).contains(&r) => Err(Error::setting(
                Setting::Icc,
                format!("an intracluster correlation must lie in [0, 1), got {r}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Where an effect size or its variance came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Source {
    /// Arm means, SDs and sizes.
    #[serde(rename = "arms")]
    Arms,
    /// A 2×2 table.
    #[serde(rename = "2x2")]
    TwoByTwo,
    /// The `yi` column.
    #[serde(rename = "yi")]
    Yi,
    /// The `vi` column.
    #[serde(rename = "vi")]
    Vi,
    /// The `sei` column.
    #[serde(rename = "sei")]
    Sei,
    /// A confidence interval.
    #[serde(rename = "ci")]
    Ci,
    /// A two-sided p-value.
    #[serde(rename = "p")]
    P,
    /// A t statistic.
    #[serde(rename = "t")]
    T,
    /// An F statistic.
    #[serde(rename = "F")]
    F,
    /// A median with the interquartile range.
    #[serde(rename = "median_iqr")]
    MedianIqr,
    /// A median with the range.
    #[serde(rename = "median_range")]
    MedianRange,
    /// A median with the interquartile range and the range.
    #[serde(rename = "median_iqr_range")]
    MedianIqrRange,
    /// Standard errors of the arm means.
    #[serde(rename = "se")]
    Se,
    /// Pre- and post-test means and SDs of one group with their correlation (change scores).
    #[serde(rename = "change")]
    Change,
    /// A correlation coefficient and the sample size.
    #[serde(rename = "correlation")]
    Correlation,
    /// Events and size of one group.
    #[serde(rename = "proportion")]
    Proportion,
    /// Events and person-time per arm.
    #[serde(rename = "rates")]
    Rates,
}

impl Source {
    /// The code used in outputs (`arms`, `2x2`, `ci`, …).
    pub fn code(self) -> &'static str {
        match self {
            Source::Arms => "arms",
            Source::TwoByTwo => "2x2",
            Source::Yi => "yi",
            Source::Vi => "vi",
            Source::Sei => "sei",
            Source::Ci => "ci",
            Source::P => "p",
            Source::T => "t",
            Source::F => "F",
            Source::MedianIqr => "median_iqr",
            Source::MedianRange => "median_range",
            Source::MedianIqrRange => "median_iqr_range",
            Source::Se => "se",
            Source::Change => "change",
            Source::Correlation => "correlation",
            Source::Proportion => "proportion",
            Source::Rates => "rates",
        }
    }

    fn of_case(c: FiveNumCase) -> Source {
        match c {
            FiveNumCase::Iqr => Source::MedianIqr,
            FiveNumCase::Range => Source::MedianRange,
            FiveNumCase::Both => Source::MedianIqrRange,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How one effect size was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Provenance {
    /// Where `yi` came from.
    pub yi_source: Source,
    /// Where `vi` came from.
    pub vi_source: Source,
    /// The design effect applied (cluster-randomised trial), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design_effect: Option<f64>,
    /// Whether Shi's test flagged an arm's median summary as skewed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skewed: bool,
}

impl Provenance {
    /// Both values from the same source, no design effect.
    pub fn plain(yi: Source, vi: Source) -> Self {
        Provenance {
            yi_source: yi,
            vi_source: vi,
            design_effect: None,
            skewed: false,
        }
    }

    /// Whether anything was converted or adjusted (not arms, a 2×2 table or `yi` with
    /// `vi`/`sei` as given).
    pub fn converted(&self) -> bool {
        let plain = matches!(
            (self.yi_source, self.vi_source),
            (Source::Arms, Source::Arms)
                | (Source::TwoByTwo, Source::TwoByTwo)
                | (Source::Yi, Source::Vi)
                | (Source::Yi, Source::Sei)
                | (Source::Change, Source::Change)
                | (Source::Correlation, Source::Correlation)
                | (Source::Proportion, Source::Proportion)
                | (Source::Rates, Source::Rates)
        );
        !plain || self.design_effect.is_some() || self.skewed
    }
}
