//! The Bayesian result of a domain with few studies (issue #26 §4): where a pooled domain has
//! fewer than `small_k.bayes_below_studies` studies, or robust df below
//! `small_k.bayes_below_robust_df`, the Bayesian random-effects model ([`crate::model::bayes`])
//! with an evidence-based prior for τ (Turner et al. 2015 for log odds ratios, Rhodes et al.
//! 2015 for SMDs, by the outcome domain: [`SmallKOptions::prior`]) and a flat prior for μ, in
//! words a commissioner reads: the probability that peer support helps, and that it helps by
//! more than the minimal important difference. The frequentist result stays, and the
//! certainty rating (imprecision included) reads the frequentist one.
//!
//! Dependent effects are first aggregated to one effect per study
//! ([`super::study_level::aggregate`], compound symmetry with the CHE model's ρ).

use serde::Serialize;

use super::records::{DomainData, Skipped};
use super::scale::Orientation;
use super::smallk_options::SmallKOptions;
use crate::effect::{EffectSizes, Measure};
use crate::model::bayes::{Bayes, BayesFit};

/// The Bayesian result of a domain (JSON key `bayes`): the fit (`tau_prior` names the prior),
/// why it applies, the prior in words, and the probabilities of benefit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainBayes {
    /// Why the Bayesian result was added (few studies, few robust df).
    pub reason: String,
    /// The prior for τ in words, with its source.
    pub prior: String,
    /// The data fitted: the effects as analysed, or one aggregate per study.
    pub data: String,
    /// The minimal important difference on the analysis scale (log odds ratio for odds
    /// ratios), positive; `None` for odds ratios without a stated one.
    pub threshold: Option<f64>,
    /// Posterior probability that peer support is beneficial (μ on the side of benefit).
    pub prob_benefit: f64,
    /// Posterior probability that the benefit exceeds `threshold`.
    pub prob_benefit_beyond: Option<f64>,
    /// The result in words.
    pub statement: String,
    /// The fit.
    #[serde(flatten)]
    pub fit: BayesFit,
}

/// Why a pooled domain of `studies` studies (robust df `robust_df` with dependent effects)
/// gets the Bayesian result; `None` when it does not.
fn applies(o: &SmallKOptions, studies: usize, robust_df: Option<f64>) -> Option<String> {
    if studies < o.bayes_below_studies {
        return Some(format!(
            "{studies} studies (fewer than {}): a frequentist confidence interval on so few studies is fragile and τ² is poorly estimated",
            o.bayes_below_studies
        ));
    }
    robust_df
        .filter(|df| *df < o.bayes_below_robust_df)
        .map(|df| {
            format!(
                "{df:.1} robust degrees of freedom (below {}): cluster-robust inference is unreliable",
                o.bayes_below_robust_df
            )
        })
}

/// The minimal important difference on the analysis scale: the domain's `mid` (log of an odds
/// ratio), else 0.2 SD for SMDs; none for odds ratios without one.
fn threshold(d: &DomainData<'_>, domain: &str, measure: Measure) -> Option<f64> {
    let mid = d.options.domains.get(domain).and_then(|o| o.mid);
    match (measure.is_log_scale(), mid) {
        (true, Some(m)) if m > 1.0 => Some(m.ln()),
        (true, _) => None,
        (false, Some(m)) => Some(m),
        (false, None) => Some(0.2),
    }
}

/// The Bayesian result of a pooled domain, or `None` (with the reason in `skipped` when it
/// applies but cannot be given).
pub(crate) fn bayes(
    d: &DomainData<'_>,
    (domain, orientation): (&str, Orientation),
    es: &EffectSizes,
    (studies, robust_df): (usize, Option<f64>),
    skipped: &mut Vec<Skipped>,
) -> Option<DomainBayes> {
    let o = &d.options.small_k;
    let reason = applies(o, studies, robust_df)?;
    let section = "Bayesian result (few studies)";
    let measure = es.measure();
    let (prior, prior_words) = match o.prior(domain, measure) {
        Ok(Some(p)) => p,
        Ok(None) => {
            skipped.push(Skipped::new(section, "no evidence-based prior for τ is published for this scale (rate ratios); state one under [small_k.priors] in the options file"));
            return None;
        }
        Err(e) => {
            skipped.push(Skipped::new(section, e.to_string()));
            return None;
        }
    };
    let t = threshold(d, domain, measure);
    let (y, v, labels, data) = if es.k() > studies {
        let study: Vec<String> = es.rows().iter().map(|&i| d.study_ids[i].clone()).collect();
        match super::study_level::aggregate(es.yi(), es.vi(), &study, d.rho) {
            Ok(s) => (s.yi, s.vi, s.study, format!("one effect per study: the {} effects of {studies} studies averaged within each study (inverse-variance weights, sampling correlation {} as in the CHE model)", es.k(), d.rho)),
            Err(e) => {
                skipped.push(Skipped::new(section, e.to_string()));
                return None;
            }
        }
    } else {
        (
            es.yi().to_vec(),
            es.vi().to_vec(),
            es.study().to_vec(),
            format!("the {} effects as analysed, one per study", es.k()),
        )
    };
    let thresholds: Vec<f64> = t.map(|t| vec![t, -t]).unwrap_or_default();
    let fit = match Bayes::new(prior)
        .level(d.level / 100.0)
        .prob_above(&thresholds)
        .fit(&y, &v, &labels)
    {
        Ok(f) => f,
        Err(e) => {
            skipped.push(Skipped::new(section, e.to_string()));
            return None;
        }
    };
    let higher = orientation.benefit_sign() > 0.0;
    let prob_benefit = if higher {
        fit.prob_mu_gt_0
    } else {
        1.0 - fit.prob_mu_gt_0
    };
    let prob_benefit_beyond = (fit.prob_mu_above.len() == 2).then(|| {
        if higher {
            fit.prob_mu_above[0].prob
        } else {
            1.0 - fit.prob_mu_above[1].prob
        }
    });
    let statement = super::bayes_words::statement(&super::bayes_words::BayesWords {
        domain,
        orientation,
        measure,
        threshold: t,
        prob_benefit,
        prob_benefit_beyond,
        fit: &fit,
        prior: &prior_words,
    });
    Some(DomainBayes {
        reason,
        prior: prior_words,
        data,
        threshold: t,
        prob_benefit,
        prob_benefit_beyond,
        statement,
        fit,
    })
}
