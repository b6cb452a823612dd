//! The options of `evaluate`'s answers from few studies (issue #26), the `[small_k]` table of
//! the options file: when the Bayesian result is added, which evidence-based prior for τ each
//! outcome domain gets, the bias-adjusted estimates of the bias section and the rule by which
//! they enter the certainty rating, and the exploratory location-scale model by form of support.
//!
//! ```toml
//! [small_k]
//! bayes_below_studies = 10       # add the Bayesian result below this many studies ...
//! bayes_below_robust_df = 4.0    #   ... or when the robust (CR2) df are below this
//! selmodel_steps = [0.025]       # the three-parameter selection model (3PSM)
//! pet_peese_alpha = 0.10         # PET-PEESE: PEESE when PET's intercept has p below this
//! publication_bias_shift = 0.25  # an adjusted estimate "moves" the pooled effect by more than
//!                                #   this share of it (0: Egger's test alone decides)
//! scale_min_level_studies = 3    # heterogeneity by form: levels with at least this many studies
//!
//! [small_k.priors]               # the tau prior per outcome domain (any `meta --tau-prior`)
//! "mental health" = "rhodes:mental-health,nonpharma"
//! ```
//!
//! # The default prior mapping
//!
//! Peer support against usual care is a non-pharmacological intervention against control:
//! Turner et al. (2015, log odds ratios, log-normal on τ²) comparison "non-pharmacological vs.
//! placebo / control" (`nonpharma-placebo`), Rhodes et al. (2015, SMDs, log-t₅ on τ²)
//! "non-pharmacological (any)" (`nonpharma`), medical area "other". The outcome type per
//! codebook domain ([`DEFAULT_PRIOR_OUTCOMES`]) is the closest of each paper's categories;
//! a domain not listed gets the papers' "any" setting.
//!
//! # Examples
//! ```
//! use peerstat::effect::Measure;
//! use peerstat::framework::smallk_options::SmallKOptions;
//! let o = SmallKOptions::default();
//! let (p, _) = o.prior("mental health", Measure::Smd).unwrap().unwrap();
//! assert_eq!(p.to_string(), "rhodes:mental-health,nonpharma");
//! let (p, _) = o.prior("service use", Measure::Or).unwrap().unwrap();
//! assert_eq!(p.to_string(), "turner:resource-use,nonpharma-placebo");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::effect::Measure;
use crate::error::{Error, Result};
use crate::model::bayes::TauPrior;

/// Codebook outcome domain → (Turner et al. outcome type, Rhodes et al. outcome type).
///
/// Wellbeing scales (e.g. WEMWBS) measure mental wellbeing: "mental health"; quality of life
/// is its own Turner category and, in Rhodes et al., part of "general physical health and
/// adverse event and pain and quality of life / functioning"; service use and costs are
/// "resource use"; social connection, self-management, health behaviour and knowledge and
/// confidence are self-reported: "subjective".
pub const DEFAULT_PRIOR_OUTCOMES: [(&str, &str, &str); 10] = [
    (
        "physical health",
        "general-physical-health",
        "general-physical-health",
    ),
    ("mental health", "mental-health", "mental-health"),
    ("wellbeing", "mental-health", "mental-health"),
    ("social connection", "subjective", "subjective"),
    ("self-management", "subjective", "subjective"),
    ("health behaviour", "subjective", "subjective"),
    ("service use", "resource-use", "resource-use"),
    ("knowledge and confidence", "subjective", "subjective"),
    (
        "quality of life",
        "quality-of-life",
        "general-physical-health",
    ),
    ("costs", "resource-use", "resource-use"),
];

/// The `[small_k]` table of the options file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmallKOptions {
    /// The Bayesian result is added to a domain with fewer studies than this. Default 10.
    pub bayes_below_studies: usize,
    /// ... or whose robust (CR2) degrees of freedom are below this (dependent effects).
    /// Default 4.
    pub bayes_below_robust_df: f64,
    /// The τ prior per outcome domain (a `meta --tau-prior` specification), replacing the
    /// default mapping ([`DEFAULT_PRIOR_OUTCOMES`]).
    pub priors: BTreeMap<String, String>,
    /// The steps of the step-function selection model of the bias section. Default `[0.025]`
    /// (the three-parameter selection model).
    pub selmodel_steps: Vec<f64>,
    /// The two-sided level of the test of PET's intercept in PET-PEESE. Default 0.10
    /// (Stanley & Doucouliagos 2014).
    pub pet_peese_alpha: f64,
    /// An adjusted estimate (3PSM, PET-PEESE) moves the pooled effect when it differs from it by
    /// more than this share of the pooled effect (or crosses the null or the minimal important
    /// difference). 0: Egger's test alone rates publication bias. Default 0.25.
    pub publication_bias_shift: f64,
    /// "Does heterogeneity differ by form of support?": levels of `support_type` with at least
    /// this many studies enter the location-scale model (at least two such levels). Default 3.
    pub scale_min_level_studies: usize,
}

impl Default for SmallKOptions {
    fn default() -> Self {
        SmallKOptions {
            bayes_below_studies: 10,
            bayes_below_robust_df: 4.0,
            priors: BTreeMap::new(),
            selmodel_steps: vec![0.025],
            pet_peese_alpha: 0.10,
            publication_bias_shift: 0.25,
            scale_min_level_studies: 3,
        }
    }
}

impl SmallKOptions {
    /// Checks the settings: every prior parses, the steps lie in (0, 1), the shares and levels
    /// make sense.
    ///
    /// # Errors
    /// [`Error::Input`] naming the setting; the prior's own error for a bad prior.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, msg: &str| {
            Err(Error::Input {
                what: format!("small_k.{name}"),
                message: msg.into(),
            })
        };
        for spec in self.priors.values() {
            spec.parse::<TauPrior>()?;
        }
        if self.selmodel_steps.is_empty()
            || self.selmodel_steps.iter().any(|s| !(*s > 0.0 && *s < 1.0))
        {
            return bad(
                "selmodel_steps",
                "give at least one step strictly between 0 and 1 (e.g. [0.025])",
            );
        }
        if !(self.pet_peese_alpha > 0.0 && self.pet_peese_alpha < 1.0) {
            return bad("pet_peese_alpha", "must be strictly between 0 and 1");
        }
        if !(self.publication_bias_shift >= 0.0 && self.publication_bias_shift.is_finite()) {
            return bad("publication_bias_shift", "must be a share of 0 or more");
        }
        if self.scale_min_level_studies < 2 {
            return bad("scale_min_level_studies", "must be at least 2");
        }
        if !self.bayes_below_robust_df.is_finite() {
            return bad("bayes_below_robust_df", "must be a number");
        }
        Ok(())
    }

    /// The τ prior of outcome domain `domain` on scale `measure`, with where it came from in
    /// words; `None` when no evidence-based prior applies (rate ratios without a stated prior).
    ///
    /// # Errors
    /// A prior in the options that does not parse.
    pub fn prior(&self, domain: &str, measure: Measure) -> Result<Option<(TauPrior, String)>> {
        if let Some(spec) = self.priors.get(domain) {
            return Ok(Some((
                spec.parse()?,
                format!("the prior stated for {domain} in the options file"),
            )));
        }
        let row = DEFAULT_PRIOR_OUTCOMES.iter().find(|r| r.0 == domain);
        let (spec, why) = match (measure, row) {
            (Measure::Or, Some((_, t, _))) => (
                format!("turner:{t},nonpharma-placebo"),
                format!("Turner et al. (2015) predictive distribution for log odds ratios, outcome type \"{t}\", non-pharmacological vs. placebo / control (log-normal on τ²)"),
            ),
            (Measure::Or, None) => (
                "turner:any".to_string(),
                "Turner et al. (2015) predictive distribution for log odds ratios, any outcome and comparison (log-normal on τ²)".to_string(),
            ),
            (Measure::Smd, Some((_, _, r))) => (
                format!("rhodes:{r},nonpharma"),
                format!("Rhodes et al. (2015) predictive distribution for standardised mean differences, outcome type \"{r}\", non-pharmacological comparison (log-t with 5 df on τ²)"),
            ),
            (Measure::Smd, None) => (
                "rhodes:any".to_string(),
                "Rhodes et al. (2015) predictive distribution for standardised mean differences, any outcome and comparison (log-t with 5 df on τ²)".to_string(),
            ),
            _ => return Ok(None),
        };
        Ok(Some((spec.parse()?, why)))
    }
}
