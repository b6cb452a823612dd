//! The business case as an evaluation records it (`results.json` key `business_case`): the
//! scenario file and the case. Built by [`super::business_case::attach`].

use serde::Serialize;

use crate::econ::business::BusinessCase;

/// The business case in an evaluation: the scenario file it came from and the case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationCase {
    /// The scenario file.
    pub scenario: String,
    /// The case.
    #[serde(flatten)]
    pub case: BusinessCase,
}
