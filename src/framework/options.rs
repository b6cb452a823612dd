//! The options of `evaluate` that a small options file can set: the small-k and boundary
//! thresholds (one documented place, [`Thresholds`]), the direction of outcomes (per outcome
//! name) and the assumption that every outcome without a stated direction is higher-is-better.
//!
//! The file is TOML (or JSON, when the text starts with `{`):
//!
//! ```toml
//! assume_higher_is_better = false
//!
//! [thresholds]
//! min_studies_to_pool = 2      # fewer studies: the study is shown, nothing is pooled
//! adhoc_max_studies = 2        # up to this many studies: pool with a warning and ad hoc KH
//! tau2_zero_caveat_below = 10  # tau^2 = 0 from fewer studies: heterogeneity cannot be ruled out
//! min_bias_effects = 10        # small-study tests from this many effects
//! min_regression_effects = 4   # meta-regression on duration from this many effects
//! min_rve_studies = 3          # robust variance estimation from this many studies
//! min_level_studies = 2        # a subgroup level is tested from this many studies
//! r2_caution_below = 20        # the duration meta-regression's R² carries a caution below this k
//!
//! [higher_is_better]           # direction per outcome (the `outcome` column)
//! "PHQ-9" = false
//! "A&E attendances" = false
//! ```
//!
//! # Examples
//!
//! ```
//! use peerstat::framework::options::OptionsFile;
//! let f = OptionsFile::parse("[thresholds]\nmin_bias_effects = 12\n[higher_is_better]\n\"PHQ-9\" = false\n", "opts.toml").unwrap();
//! assert_eq!(f.thresholds.min_bias_effects, 12);
//! assert_eq!(f.thresholds.tau2_zero_caveat_below, 10);
//! assert_eq!(f.higher_is_better.get("PHQ-9"), Some(&false));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The small-k and boundary thresholds of `evaluate`, in one place. Counts of studies are
/// distinct studies (`study_id`, else `study`); counts of effects are rows pooled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Fewer studies than this in a domain: its effects are shown, nothing is pooled (no diamond,
    /// no heterogeneity). Default 2.
    pub min_studies_to_pool: usize,
    /// Up to this many studies: the domain is pooled with a warning, using metafor's ad hoc
    /// Knapp–Hartung correction (`test = "adhoc"`: the standard error is never below the Wald
    /// standard error). Default 2.
    pub adhoc_max_studies: usize,
    /// τ̂² = 0 from fewer studies than this: the report says heterogeneity cannot be ruled out
    /// and the prediction interval carries that caveat. Default 10.
    pub tau2_zero_caveat_below: usize,
    /// Small-study (publication bias) checks from this many effects. Default 10.
    pub min_bias_effects: usize,
    /// Meta-regression on `duration_months` from this many effects. Default 4.
    pub min_regression_effects: usize,
    /// Robust variance estimation from this many studies. Default 3.
    pub min_rve_studies: usize,
    /// A subgroup level enters a test for subgroup differences from this many studies; a
    /// column is tested when at least two levels qualify. Default 2.
    pub min_level_studies: usize,
    /// The duration meta-regression's R² carries a caution below this many effects (R² is
    /// often 0 % or 100 % by chance with few studies). Default 20.
    pub r2_caution_below: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_studies_to_pool: 2,
            adhoc_max_studies: 2,
            tau2_zero_caveat_below: 10,
            min_bias_effects: 10,
            min_regression_effects: 4,
            min_rve_studies: 3,
            min_level_studies: 2,
            r2_caution_below: 20,
        }
    }
}

impl Thresholds {
    /// Checks that the thresholds make sense (pooling needs at least 2 studies, a test at least
    /// 2 per level).
    ///
    /// # Errors
    /// [`Error::Input`] naming the threshold.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, msg: &str| {
            Err(Error::Input {
                what: format!("threshold {name}"),
                message: msg.into(),
            })
        };
        if self.min_studies_to_pool < 2 {
            return bad(
                "min_studies_to_pool",
                "must be at least 2 (one study is never pooled)",
            );
        }
        if self.min_level_studies < 2 {
            return bad("min_level_studies", "must be at least 2");
        }
        if self.min_regression_effects < 3 {
            return bad("min_regression_effects", "must be at least 3");
        }
        if self.min_rve_studies < 2 {
            return bad("min_rve_studies", "must be at least 2");
        }
        if self.min_bias_effects < 3 {
            return bad("min_bias_effects", "must be at least 3");
        }
        Ok(())
    }
}

/// The contents of an options file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptionsFile {
    /// Treat every outcome without a stated direction as higher-is-better.
    pub assume_higher_is_better: bool,
    /// Thresholds (each defaults as in [`Thresholds::default`]).
    pub thresholds: Thresholds,
    /// Direction per outcome name (the `outcome` column, else the outcome domain): `true` when
    /// a higher value is better for the participant.
    pub higher_is_better: BTreeMap<String, bool>,
}

impl OptionsFile {
    /// Parses an options file: JSON when the text starts with `{`, TOML otherwise; `source`
    /// names it in errors.
    ///
    /// # Errors
    /// [`Error::Format`] for invalid syntax or an unknown key; [`Error::Input`] for a threshold
    /// out of range.
    pub fn parse(text: &str, source: &str) -> Result<OptionsFile> {
        let f: OptionsFile = if text.trim_start().starts_with('{') {
            serde_json::from_str(text)
                .map_err(|e| Error::format(source, format!("invalid options file: {e}")))?
        } else {
            toml::from_str(text)
                .map_err(|e| Error::format(source, format!("invalid options file: {e}")))?
        };
        f.thresholds.check()?;
        Ok(f)
    }

    /// Reads and parses an options file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read, else as [`OptionsFile::parse`].
    pub fn from_file(path: &std::path::Path) -> Result<OptionsFile> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
        Self::parse(&text, &name)
    }
}
