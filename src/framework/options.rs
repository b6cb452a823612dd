//! The options of `evaluate` that a small options file can set: the small-k and boundary
//! thresholds (one documented place, [`Thresholds`]), the direction of outcomes (per outcome
//! name) and the assumption that every outcome without a stated direction is higher-is-better.
//!
//! The file is TOML (or JSON, when the text starts with `{`):
//!
//! ```toml
//! assume_higher_is_better = false
//! binary_to_smd = "logit"      # log OR -> SMD where a domain mixes binary and continuous
//!                              #   outcomes: "logit" (x sqrt(3)/pi, default) or "cox_snell" (/ 1.65)
//! icc = 0.05                   # ICC of cluster trials (rows with cluster_size) without an icc value
//! cluster_adjust = "variance"  # design effect on the variance, or "effective_n" (on n and events)
//! omit_skewed = false          # omit arms whose median summary Shi's test finds skewed
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
//! # certainty of evidence (GRADE-style; the rules are in `framework::certainty`)
//! min_randomised_share = 0.5   # start high when randomised effects carry at least this weight
//! concerns_share = 0.5         # risk of bias: serious when "some concerns" or "high" (or no
//!                              #   judgement) carry at least this share of the weight
//! high_risk_share = 0.5        # risk of bias: very serious when "high" carries at least this share
//! inconsistency_i2 = 50.0      # inconsistency: serious from this I² (percent)
//! indirect_share = 0.5         # indirectness: serious when indirect weight exceeds this share
//! publication_bias_p = 0.10    # publication bias: serious when Egger's p is below this
//! ois_rrr = 0.25               # optimal information size: relative risk reduction,
//! ois_alpha = 0.05             #   two-sided alpha
//! ois_power = 0.80             #   and power (1 - beta)
//! appreciable_smd = 0.5        # without a mid: CI including both ±0.5 SD is very serious imprecision
//! appreciable_or = 1.25        #   (odds ratios: both 1/1.25 and 1.25)
//! ois_participants = 400       # continuous outcomes: participants of the optimal information size
//! min_robust_df = 4.0          # imprecision at least serious below this cluster-robust df
//! min_precise_studies = 5      # imprecision at least serious with fewer studies than this
//!
//! [higher_is_better]           # direction per outcome (the `outcome` column)
//! "PHQ-9" = false
//! "A&E attendances" = false
//!
//! [domains."mental health"]    # per outcome domain (the `outcome_domain` column)
//! mid = 0.2                    # minimal important difference (SMD; an odds ratio > 1 for OR)
//! control_risk = 0.30          # assumed control risk for absolute effects (binary outcomes)
//! certainty = "low"            # override the rated certainty (high, moderate, low, very_low)
//! reason = "outcome assessors not blinded in the largest trials"   # required with `certainty`
//! ois_participants = 786       # a stated (MID-based) optimal information size, in participants
//!
//! [business_case]              # a commissioner's business case in the report
//! scenario = "scenario.toml"   #   (relative to this file; as `evaluate --scenario`)
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
//! let g = OptionsFile::parse("binary_to_smd = \"cox_snell\"\nicc = 0.05\ncluster_adjust = \"effective_n\"\n", "o.toml").unwrap();
//! assert_eq!(g.binary_to_smd, peerstat::framework::options::BinaryToSmd::CoxSnell);
//! assert_eq!(g.icc, Some(0.05));
//! assert!(OptionsFile::parse("icc = 1.0\n", "o.toml").is_err());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::grade::Certainty;
pub use super::scale::BinaryToSmd;
use crate::effect::{ClusterAdjust, ConvertOptions};
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
    /// Certainty starts high when effects from randomised studies (`design` "rct" or "cluster
    /// rct") carry at least this share of the pooled weight, else low. Default 0.5.
    pub min_randomised_share: f64,
    /// Risk of bias is serious (one level down) when effects judged "some concerns" or "high"
    /// (or with no judgement) carry at least this share of the pooled weight: GRADE handbook
    /// §5.2.1 ("the proportion of information from studies at high or moderate risk"), CINeMA's
    /// weighted majority rule. Default 0.5.
    pub concerns_share: f64,
    /// Risk of bias is very serious (two levels down) when effects at high risk of bias carry at
    /// least this share of the pooled weight (GRADE handbook §5.2.1; CINeMA). Default 0.5.
    pub high_risk_share: f64,
    /// Inconsistency is serious from this I² (percent). Default 50.
    pub inconsistency_i2: f64,
    /// Indirectness is serious when indirect effects (`indirect` true) carry more than this share
    /// of the pooled weight. Default 0.5.
    pub indirect_share: f64,
    /// Publication bias is serious when Egger's test gives p below this. Default 0.10.
    pub publication_bias_p: f64,
    /// The relative risk reduction of the optimal information size (binary outcomes). Default 0.25.
    pub ois_rrr: f64,
    /// The two-sided α of the optimal information size. Default 0.05.
    pub ois_alpha: f64,
    /// The power (1 − β) of the optimal information size. Default 0.80.
    pub ois_power: f64,
    /// Without a stated minimal important difference (`mid`), the SMD taken as appreciable
    /// benefit or harm for imprecision: a CI including both ±this is very serious (two levels).
    /// Default 0.5.
    pub appreciable_smd: f64,
    /// The same for odds ratios (and its reciprocal). Default 1.25.
    pub appreciable_or: f64,
    /// The optimal information size of a continuous outcome, in participants, when the domain
    /// states none (`ois_participants` of the domain): GRADE handbook §5.2.2.2 and Guyatt et al.
    /// 2011 (GRADE guidelines 6), the rule of thumb of 400 participants. Default 400.
    pub ois_participants: f64,
    /// Imprecision is at least serious when the cluster-robust CI of a domain with dependent
    /// effects rests on fewer Satterthwaite df than this (Tipton 2015: below 4 df the CR2 test is
    /// unreliable). Default 4.
    pub min_robust_df: f64,
    /// Imprecision is at least serious with fewer studies than this (few studies give an
    /// unreliable τ² and CI; GRADE handbook §5.2.2 on small bodies of evidence). Default 5.
    pub min_precise_studies: usize,
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
            min_randomised_share: 0.5,
            concerns_share: 0.5,
            high_risk_share: 0.5,
            inconsistency_i2: 50.0,
            indirect_share: 0.5,
            publication_bias_p: 0.10,
            ois_rrr: 0.25,
            ois_alpha: 0.05,
            ois_power: 0.80,
            appreciable_smd: 0.5,
            appreciable_or: 1.25,
            ois_participants: 400.0,
            min_robust_df: 4.0,
            min_precise_studies: 5,
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
        let shares = [
            ("min_randomised_share", self.min_randomised_share),
            ("concerns_share", self.concerns_share),
            ("high_risk_share", self.high_risk_share),
            ("indirect_share", self.indirect_share),
        ];
        for (name, x) in shares {
            if !(0.0..=1.0).contains(&x) {
                return bad(name, "must be a share between 0 and 1");
            }
        }
        if !(0.0..=100.0).contains(&self.inconsistency_i2) {
            return bad("inconsistency_i2", "must be a percentage between 0 and 100");
        }
        let open = [
            ("publication_bias_p", self.publication_bias_p),
            ("ois_rrr", self.ois_rrr),
            ("ois_alpha", self.ois_alpha),
            ("ois_power", self.ois_power),
        ];
        for (name, x) in open {
            if !(x > 0.0 && x < 1.0) {
                return bad(name, "must be strictly between 0 and 1");
            }
        }
        if !(self.appreciable_smd > 0.0 && self.appreciable_smd.is_finite()) {
            return bad("appreciable_smd", "must be a positive number");
        }
        if !(self.appreciable_or > 1.0 && self.appreciable_or.is_finite()) {
            return bad("appreciable_or", "must be an odds ratio above 1");
        }
        if !(self.ois_participants > 0.0 && self.ois_participants.is_finite()) {
            return bad(
                "ois_participants",
                "must be a positive number of participants",
            );
        }
        if !(self.min_robust_df >= 0.0 && self.min_robust_df.is_finite()) {
            return bad(
                "min_robust_df",
                "must be a number of degrees of freedom, 0 or more",
            );
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
    /// Settings per outcome domain (the `outcome_domain` column): the minimal important
    /// difference, the assumed control risk and a certainty override.
    pub domains: BTreeMap<String, DomainOptions>,
    /// The codebook fields whose levels are the elements of peer support in "which elements
    /// matter?" (default `provider`, `mode`, `group_size`).
    pub elements: Option<Vec<String>>,
    /// How log odds ratios join SMDs in a domain mixing binary and continuous outcomes.
    pub binary_to_smd: BinaryToSmd,
    /// The ICC of cluster-randomised trials (rows with `cluster_size`) without an `icc` value.
    pub icc: Option<f64>,
    /// How cluster-randomised trials are adjusted.
    pub cluster_adjust: ClusterAdjust,
    /// Omit arms whose median summary Shi's test finds skewed (otherwise flagged).
    pub omit_skewed: bool,
    /// Answers from few studies: the Bayesian result, bias-adjusted estimates, heterogeneity
    /// by form of support (the `[small_k]` table).
    pub small_k: super::smallk_options::SmallKOptions,
    /// `[business_case]`: the commissioner's scenario the report adds a business case for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_case: Option<BusinessCaseOption>,
}

/// The `[business_case]` table of an options file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessCaseOption {
    /// The scenario file (TOML; relative to the options file's folder), as
    /// `peerstat business-case` reads it.
    pub scenario: String,
}

/// Settings of one outcome domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DomainOptions {
    /// Minimal important difference: an SMD (positive) for SMD domains, an odds ratio above 1 for
    /// odds-ratio domains (its inverse is the threshold on the other side of 1).
    pub mid: Option<f64>,
    /// Assumed control-group risk for the absolute effects of a binary domain (between 0 and 1;
    /// default the median `events_c / n_c` of the domain's studies).
    pub control_risk: Option<f64>,
    /// The certainty to report instead of the rated one.
    pub certainty: Option<Certainty>,
    /// Why the certainty was overridden (required with `certainty`).
    pub reason: Option<String>,
    /// The optimal information size of a continuous outcome in participants, stated (for
    /// example from a sample-size calculation on the minimal important difference); default the
    /// threshold `ois_participants` (400).
    pub ois_participants: Option<f64>,
}

impl DomainOptions {
    /// Checks one domain's settings (`name` names it in errors).
    ///
    /// # Errors
    /// [`Error::Input`]: a certainty without a reason, a control risk outside (0, 1), a minimal
    /// important difference that is not positive.
    pub fn check(&self, name: &str) -> Result<()> {
        let bad = |msg: &str| {
            Err(Error::Input {
                what: format!("options for domain '{name}'"),
                message: msg.into(),
            })
        };
        if self.certainty.is_some() && self.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return bad("a certainty override needs a reason (reason = \"...\")");
        }
        if self.control_risk.is_some_and(|c| !(c > 0.0 && c < 1.0)) {
            return bad("control_risk must be strictly between 0 and 1");
        }
        if self.mid.is_some_and(|m| !(m > 0.0 && m.is_finite())) {
            return bad("mid must be a positive number");
        }
        if self
            .ois_participants
            .is_some_and(|m| !(m > 0.0 && m.is_finite()))
        {
            return bad("ois_participants must be a positive number of participants");
        }
        Ok(())
    }
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
        if f.icc.is_some_and(|r| !(0.0..1.0).contains(&r)) {
            return Err(Error::Input {
                what: format!("icc in {source}"),
                message: "an intracluster correlation must lie in [0, 1)".into(),
            });
        }
        for (name, d) in &f.domains {
            d.check(name)?;
        }
        f.small_k.check()?;
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

/// Options for [`evaluate`](crate::framework::evaluate::evaluate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluateOptions {
    /// Confidence level (percent).
    pub level: f64,
    /// Willingness-to-pay values for the economic part.
    pub wtp: Vec<f64>,
    /// Treat every outcome without a stated direction as higher-is-better (otherwise such an
    /// outcome is an error).
    pub assume_higher_is_better: bool,
    /// Direction per outcome name (`outcome` column, else the domain), used where the
    /// `higher_is_better` column is absent or empty.
    pub higher_is_better: BTreeMap<String, bool>,
    /// Small-k, boundary and certainty thresholds.
    pub thresholds: Thresholds,
    /// Settings per outcome domain: minimal important difference, assumed control risk,
    /// certainty override.
    pub domains: BTreeMap<String, DomainOptions>,
    /// The options file these came from, if any.
    pub options_file: Option<String>,
    /// The assumed correlation of the sampling errors of one study's effects, for the CHE
    /// model of domains where studies contribute several effects (default 0.6).
    pub rho: f64,
    /// The codebook fields whose levels are the elements of peer support for "which elements
    /// matter?" (a component network meta-analysis per domain).
    pub elements: Vec<String>,
    /// How log odds ratios join SMDs in a domain mixing binary and continuous outcomes.
    pub binary_to_smd: BinaryToSmd,
    /// Conversions from reported statistics and the cluster adjustment (the CI scale is not
    /// used: bounds are read on the scale of `yi`).
    pub convert: ConvertOptions,
    /// Answers from few studies: the Bayesian result, bias-adjusted estimates, heterogeneity
    /// by form of support.
    pub small_k: super::smallk_options::SmallKOptions,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions {
            level: 95.0,
            wtp: vec![20_000.0, 30_000.0],
            assume_higher_is_better: false,
            higher_is_better: BTreeMap::new(),
            thresholds: Thresholds::default(),
            domains: BTreeMap::new(),
            options_file: None,
            rho: 0.6,
            elements: DEFAULT_ELEMENTS.iter().map(|s| s.to_string()).collect(),
            binary_to_smd: BinaryToSmd::default(),
            convert: ConvertOptions::default(),
            small_k: super::smallk_options::SmallKOptions::default(),
        }
    }
}

impl EvaluateOptions {
    /// Takes the thresholds, directions and assumption of an options file (`name` is recorded).
    pub fn with_file(mut self, f: OptionsFile, name: &str) -> Self {
        self.assume_higher_is_better |= f.assume_higher_is_better;
        self.higher_is_better = f.higher_is_better;
        self.thresholds = f.thresholds;
        self.domains = f.domains;
        if let Some(e) = f.elements {
            self.elements = e;
        }
        self.binary_to_smd = f.binary_to_smd;
        self.convert.icc = f.icc.or(self.convert.icc);
        self.convert.cluster_adjust = f.cluster_adjust;
        self.convert.omit_skewed |= f.omit_skewed;
        self.small_k = f.small_k;
        self.options_file = Some(name.to_string());
        self
    }
}

/// The element fields used when the options file names none.
pub const DEFAULT_ELEMENTS: [&str; 3] = ["provider", "mode", "group_size"];
