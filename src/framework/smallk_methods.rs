//! The methods sentence of the few-studies analyses of `evaluate` (issue #26).

use super::domain::DomainResult;

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
