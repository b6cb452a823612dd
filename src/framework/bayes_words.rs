//! The Bayesian result of a domain in words a commissioner reads, direction-aware: "the
//! probability that peer support improves mental health is 96 %; that the improvement exceeds
//! 0.2 SD, 41 %", and "reduces" where lower is better.

use super::scale::Orientation;
use crate::effect::Measure;
use crate::model::bayes::BayesFit;

/// What the sentence needs.
pub(crate) struct BayesWords<'a> {
    pub domain: &'a str,
    pub orientation: Orientation,
    pub measure: Measure,
    /// The minimal important difference on the analysis scale (positive).
    pub threshold: Option<f64>,
    pub prob_benefit: f64,
    pub prob_benefit_beyond: Option<f64>,
    pub fit: &'a BayesFit,
    /// The prior in words.
    pub prior: &'a str,
}

/// A probability as a whole percentage, "more than 99 %" and "less than 1 %" at the ends.
pub(crate) fn percent(p: f64) -> String {
    if p >= 0.995 {
        "more than 99 %".into()
    } else if p < 0.005 {
        "less than 1 %".into()
    } else {
        format!("{:.0} %", 100.0 * p)
    }
}

/// The threshold in the reader's units: "0.2 SD", "an odds ratio of 1.25" (of 0.80 where
/// lower is better).
fn units(measure: Measure, t: f64, lower: bool) -> String {
    if measure.is_log_scale() {
        let name = if measure == Measure::Irr {
            "a rate ratio"
        } else {
            "an odds ratio"
        };
        format!("{name} of {:.2}", if lower { (-t).exp() } else { t.exp() })
    } else {
        format!("{t} SD")
    }
}

/// The sentence of the Bayesian result.
pub(crate) fn statement(w: &BayesWords<'_>) -> String {
    let lower = w.orientation == Orientation::LowerIsBetter;
    let (verb, noun) = if lower {
        ("reduces", "reduction")
    } else {
        ("improves", "improvement")
    };
    let what = match w.orientation {
        Orientation::LowerIsBetter => format!("the {} outcomes (where lower is better)", w.domain),
        Orientation::HigherIsBetter => w.domain.to_string(),
        Orientation::PositiveIsBenefit { .. } => format!(
            "{} (outcomes where lower is better counted as benefit when reduced)",
            w.domain
        ),
    };
    let beyond = match (w.threshold, w.prob_benefit_beyond) {
        (Some(t), Some(p)) => format!(
            "; that the {noun} {} {}, {}",
            if lower && w.measure.is_log_scale() {
                "goes beyond"
            } else {
                "exceeds"
            },
            units(w.measure, t, lower),
            percent(p)
        ),
        _ => String::new(),
    };
    let show = |x: f64| {
        if w.measure.is_log_scale() {
            x.exp()
        } else {
            x
        }
    };
    let name = match w.measure {
        Measure::Or => "OR",
        Measure::Irr => "IRR",
        _ => "g",
    };
    let mu = &w.fit.mu;
    format!(
        "Bayesian analysis: the probability that peer support {verb} {what} is {}{beyond}. Posterior median {name} = {:.2}, {:.0}% credible interval {:.2} to {:.2}; between-study standard deviation τ median {:.2} (prior: {}; flat prior for the overall effect).",
        percent(w.prob_benefit),
        show(mu.median),
        100.0 * w.fit.level,
        show(mu.ci_lower),
        show(mu.ci_upper),
        w.fit.tau.median,
        w.prior
    )
}
