//! Discounting of costs and effects by year.

use serde::Serialize;

/// Discounting timing convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    /// Amounts fall at the start of each year: year t is weighted `1/(1+r)^t`.
    #[default]
    Start,
    /// At the end of each year: `1/(1+r)^(t+1)`.
    End,
    /// Spread over the year (mid-year approximation): `1/(1+r)^(t+½)`.
    Continuous,
}

/// Discount factor for year `t` (0 = first year) at annual rate `r`.
pub fn discount_factor(r: f64, t: f64, timing: Timing) -> f64 {
    let e = match timing {
        Timing::Start => t,
        Timing::End => t + 1.0,
        Timing::Continuous => t + 0.5,
    };
    (1.0 + r).powf(-e)
}
