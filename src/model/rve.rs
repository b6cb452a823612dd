//! Robust variance estimation for dependent effect sizes (placeholder, filled in below).
use serde::Serialize;

/// RVE results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RveFit {}
