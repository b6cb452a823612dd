//! One estimated coefficient of a model with moderators (meta-regression, multilevel), named as
//! in R.

use serde::Serialize;

/// One coefficient of a meta-regression or multilevel model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// Name (`intrcpt`, a numeric moderator, or factor and level run together as in R:
    /// `allocrandom`).
    pub name: String,
    /// Estimate, SE, CI, test.
    #[serde(flatten)]
    pub est: crate::model::Estimate,
    /// Degrees of freedom of its t test (`None` under z tests).
    pub df: Option<f64>,
}
