//! NICE's budget impact tests on the undiscounted yearly net cost: the budget impact test (net
//! cost over £20 million in any of the first three years) and "substantial resource impact"
//! (over £1 million in any year), each stated in words.

use serde::Serialize;

use super::words::money;
use super::years::YearRow;

/// NICE's budget impact threshold (£ a year, first three years).
pub const BUDGET_IMPACT_THRESHOLD: f64 = 20_000_000.0;
/// NICE's substantial resource impact threshold (£ a year).
pub const RESOURCE_IMPACT_THRESHOLD: f64 = 1_000_000.0;

/// The budget impact tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetImpact {
    /// Net cost over £20 m in any of the first three years.
    pub budget_impact_flag: bool,
    /// Net cost over £1 m in any year.
    pub substantial_resource_impact: bool,
    /// The largest yearly net cost (undiscounted) and its year.
    pub peak_net_cost: f64,
    /// The year of the peak.
    pub peak_year: usize,
    /// The result in words.
    pub note: String,
}

/// Applies the tests to a year table.
pub fn budget_impact(rows: &[YearRow]) -> BudgetImpact {
    let flag = rows
        .iter()
        .take(3)
        .any(|r| r.net_cost > BUDGET_IMPACT_THRESHOLD);
    let substantial = rows.iter().any(|r| r.net_cost > RESOURCE_IMPACT_THRESHOLD);
    let peak = rows.iter().max_by(|a, b| a.net_cost.total_cmp(&b.net_cost));
    let (peak_net_cost, peak_year) = peak.map_or((0.0, 0), |r| (r.net_cost, r.year));
    let first = if flag {
        "The net cost exceeds £20 million in one of the first three years: NICE's budget impact test is met, so a commercial or phased introduction would be discussed."
    } else {
        "The net cost stays under £20 million in each of the first three years: NICE's budget impact test is not met."
    };
    let second = if substantial {
        format!("It exceeds £1 million in year {peak_year} ({}): a substantial resource impact by NICE's definition.", money(peak_net_cost))
    } else if peak_net_cost > 0.0 {
        format!("The largest yearly net cost is {} (year {peak_year}), under NICE's £1 million a year for a substantial resource impact.", money(peak_net_cost))
    } else {
        "The programme saves money in every year (no net cost).".to_string()
    };
    BudgetImpact {
        budget_impact_flag: flag,
        substantial_resource_impact: substantial,
        peak_net_cost,
        peak_year,
        note: format!("{first} {second}"),
    }
}
