//! Honest answers from few studies in `evaluate` (issue #26): adds to a pooled domain the
//! Bayesian result ([`super::bayes_domain`]), the bias-adjusted estimates beside the bias
//! checks ([`super::bias_domain`]) and the exploratory location-scale model by form of support
//! ([`super::form_heterogeneity`]), each recording why it did not run.

use super::domain::{DomainInput, DomainResult};
use super::records::DomainData;

/// Adds the few-studies analyses to the pooled domain `r`.
pub(crate) fn add(d: &DomainData<'_>, inp: &DomainInput<'_>, r: &mut DomainResult) {
    let Some(pooled) = &r.pooled else { return };
    let (es, studies) = (inp.es, r.studies);
    let estimate = pooled.summary.estimate;
    let robust_df = r.dependence.as_ref().map(|dep| dep.robust_df);
    let mut skipped = Vec::new();
    r.bayes = super::bayes_domain::bayes(
        d,
        (inp.name, inp.orientation),
        es,
        (studies, robust_df),
        &mut skipped,
    );
    if r.bias.is_some() {
        r.bias_adjusted = super::bias_domain::adjusted(
            d,
            (inp.name, inp.orientation),
            es,
            (studies, estimate),
            &mut skipped,
        );
        if es.k() > studies && r.bias_adjusted.is_some() {
            r.caveats.push(format!(
                "the selection model and PET-PEESE were fitted on one effect per study ({studies} study-level averages of {} effects)",
                es.k()
            ));
        }
    }
    r.heterogeneity_by_form = super::form_heterogeneity::by_form(d, es, studies, &mut skipped);
    r.skipped.extend(skipped);
}
