//! Honest answers from few studies in `evaluate` (issue #26): the Bayesian result
//! ([`super::bayes_domain`]), the bias-adjusted estimates beside the bias checks
//! ([`super::bias_domain`]) and the exploratory location-scale model by form of support
//! ([`super::form_heterogeneity`]) of one pooled domain, each recording why it did not run.

use super::bayes_domain::DomainBayes;
use super::bias_domain::AdjustedBias;
use super::form_heterogeneity::FormHeterogeneity;
use super::records::{DomainData, Skipped};
use super::scale::Orientation;
use crate::effect::EffectSizes;

/// What one pooled domain is analysed with.
pub(crate) struct SmallKInput<'a> {
    /// The outcome domain and its orientation.
    pub domain: (&'a str, Orientation),
    /// The effects pooled.
    pub es: &'a EffectSizes,
    /// Distinct studies.
    pub studies: usize,
    /// The pooled estimate.
    pub estimate: f64,
    /// Robust df of the CHE model (dependent effects).
    pub robust_df: Option<f64>,
    /// Whether the bias checks ran.
    pub bias_ran: bool,
}

/// The few-studies analyses of one pooled domain.
pub(crate) struct SmallK {
    pub bayes: Option<DomainBayes>,
    pub bias_adjusted: Option<AdjustedBias>,
    pub heterogeneity_by_form: Option<FormHeterogeneity>,
    /// A caveat to add (the adjusted estimates fitted on study-level averages).
    pub caveat: Option<String>,
    pub skipped: Vec<Skipped>,
}

/// The few-studies analyses of a pooled domain.
pub(crate) fn analyse(d: &DomainData<'_>, i: &SmallKInput<'_>) -> SmallK {
    let (es, studies) = (i.es, i.studies);
    let mut skipped = Vec::new();
    let bayes = super::bayes_domain::bayes(d, i.domain, es, (studies, i.robust_df), &mut skipped);
    let bias_adjusted = if i.bias_ran {
        super::bias_domain::adjusted(d, i.domain, es, (studies, i.estimate), &mut skipped)
    } else {
        None
    };
    let caveat = (es.k() > studies && bias_adjusted.is_some()).then(|| {
        format!(
            "the selection model and PET-PEESE were fitted on one effect per study ({studies} study-level averages of {} effects)",
            es.k()
        )
    });
    let heterogeneity_by_form = super::form_heterogeneity::by_form(d, es, studies, &mut skipped);
    SmallK {
        bayes,
        bias_adjusted,
        heterogeneity_by_form,
        caveat,
        skipped,
    }
}
