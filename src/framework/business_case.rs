//! The business case of an evaluation (`evaluate --scenario FILE`, or `[business_case]` in the
//! options file): a commissioner's scenario run with the evaluation, its effect taken in memory
//! from the evaluation's own pooled domain when the scenario names one (`outcome.domain` without
//! `effect_from`).
//!
//! # Examples
//!
//! ```no_run
//! use std::path::Path;
//! use peerstat::econ::business::Scenario;
//! use peerstat::framework::business_case::attach;
//! # fn run(ev: &mut peerstat::framework::evaluate::Evaluation) -> peerstat::Result<()> {
//! let s = Scenario::from_file(Path::new("seeds/demo_scenario.toml"))?;
//! attach(ev, &s, "seeds/demo_scenario.toml")?;
//! assert!(ev.business_case.is_some());
//! # Ok(()) }
//! ```

use super::evaluate::{DomainResult, Evaluation};
pub use super::evaluation_case::EvaluationCase;
use crate::econ::business::{business_case_with, Pooled, Scenario};
use crate::error::Result;

/// The pooled domains of an evaluation as the business case reads them: estimate and SE on the
/// analysis scale; an SMD turned so that a positive value is a benefit.
pub fn pooled_domains(domains: &[DomainResult]) -> Vec<Pooled> {
    domains
        .iter()
        .filter_map(|d| {
            let fit = d.pooled.as_ref()?;
            let measure = String::from(d.measure);
            let sign = if measure.to_ascii_uppercase().starts_with("SM") {
                d.orientation.benefit_sign()
            } else {
                1.0
            };
            Some(Pooled {
                domain: d.domain.clone(),
                measure,
                estimate: sign * fit.summary.estimate,
                se: fit.summary.se,
                tau2: Some(fit.summary.tau2),
            })
        })
        .collect()
}

/// Builds the scenario's business case with the evaluation's pooled domains and stores it in
/// `ev.business_case` (`source` names the scenario file).
///
/// # Errors
/// As [`business_case_with`]: an effect that cannot drive the case, a domain the evaluation did
/// not pool (naming `outcome.domain`).
pub fn attach(ev: &mut Evaluation, s: &Scenario, source: &str) -> Result<()> {
    let own = pooled_domains(&ev.domains);
    let case = business_case_with(s, Some(&own))?;
    ev.business_case = Some(EvaluationCase {
        scenario: source.to_string(),
        case,
    });
    Ok(())
}
