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

/// The methods sentence of the few-studies analyses that ran (empty when none did).
pub(crate) fn methods_sentence(domains: &[DomainResult]) -> String {
    let count = |f: &dyn Fn(&DomainResult) -> bool| domains.iter().filter(|d| f(d)).count();
    let n = |k: usize| format!("{k} domain{}", if k == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    let bayes = count(&|d| d.bayes.is_some());
    if bayes > 0 {
        parts.push(format!(
            "a Bayesian random-effects meta-analysis (exact quadrature, flat prior for the effect, evidence-based prior for the heterogeneity from Turner et al. 2015 or Rhodes et al. 2015 by outcome type) where few studies or few robust degrees of freedom made the frequentist result fragile ({}; the certainty rating reads the frequentist result)",
            n(bayes)
        ));
    }
    let adjusted = count(&|d| d.bias_adjusted.is_some());
    if adjusted > 0 {
        parts.push(format!(
            "the three-parameter selection model and PET-PEESE beside the small-study tests, on one effect per study ({})",
            n(adjusted)
        ));
    }
    let forms = count(&|d| d.heterogeneity_by_form.is_some());
    if forms > 0 {
        parts.push(format!(
            "an exploratory location-scale model of heterogeneity by form of support ({})",
            n(forms)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" Few studies: {}.", parts.join("; "))
    }
}
