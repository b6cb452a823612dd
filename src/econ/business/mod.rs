//! A commissioner's business case from pooled evidence (`peerstat business-case`,
//! `docs/src/business-case.md`): the scenario a commissioner states (population, uptake, costs,
//! the outcome that drives savings, the pooled effect, discounting), a deterministic year table
//! with net present value, return on investment, payback year and cost per QALY, a
//! probabilistic analysis (probability of a net saving and of cost-effectiveness, the NPV's 95 %
//! interval), a one-way sensitivity (tornado), NICE's budget impact tests, and the value of more
//! research (population EVPI, EVSI and ENBS of a new trial with the optimal size).
//!
//! # Examples
//!
//! ```
//! use std::path::Path;
//! use peerstat::econ::business::{business_case, Scenario};
//! let toml = r#"
//! [population]
//! eligible = 12000
//! uptake = [0.10, 0.20, 0.30]
//! [programme]
//! cost_per_participant = 350.0
//! fixed_cost_per_year = 50000.0
//! [outcome]
//! measure = "RR"
//! estimate = 0.80
//! ci_lower = 0.65
//! ci_upper = 0.98
//! baseline_rate = 0.9
//! unit_cost = 2500.0
//! qaly_per_event = 0.02
//! [appraisal]
//! discount = 0.035
//! effect = "mean"
//! wtp = [20000.0, 30000.0]
//! draws = 1000
//! seed = 1
//! "#;
//! let s = Scenario::parse(toml, "scenario.toml", Path::new(".")).unwrap();
//! let case = business_case(&s).unwrap();
//! // year 1: 1,200 participants × 0.9 × (1 − 0.8) = 216 events avoided
//! assert!((case.years[0].events_avoided - 216.0).abs() < 1e-9);
//! assert!((case.npv - (case.pv_savings - case.pv_cost)).abs() < 1e-6);
//! ```

mod budget;
mod discount;
mod draws;
mod effect;
mod research;
mod scenario;
mod template;
mod tornado;
mod words;
mod years;

use serde::Serialize;

pub use budget::{budget_impact, BudgetImpact};
pub use discount::Discount;
pub use draws::{quantile, CashflowPoint, CeacPoint};
pub use effect::{resolve, resolve_with, Effect, Pooled, Ratio, Z95};
pub use research::{evppi_effect, evsi, linear_parts, trial_variance, TrialValue};
pub use scenario::{Baseline, Dist, EffectInput, EffectUse, Population, Research, Scenario, Value};
pub use template::SCENARIO_TEMPLATE;
pub use tornado::TornadoRow;
pub use words::{money, percent, thousands};
pub use years::{totals, year_table, Inputs, Totals, YearRow};

/// The effect the case used, stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectUsed {
    /// Where the effect came from.
    pub effect_source: String,
    /// RR, IRR or OR.
    pub effect_measure: Ratio,
    /// The pooled estimate (ratio scale).
    pub estimate: f64,
    /// Log-scale SE of the pooled mean (from the 95 % CI, or the meta-analysis).
    pub log_se: f64,
    /// Between-setting variance (log scale), when known.
    pub tau2: Option<f64>,
    /// "mean" or "prediction".
    pub used: EffectUse,
    /// SD of the log effect the draws use.
    pub log_sd: f64,
    /// 95 % interval of the effect used (ratio scale).
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// The risk (or rate) ratio applied at the point estimate.
    pub risk_ratio: f64,
    /// How the effect was used, in words (conversion, mean or prediction).
    pub note: String,
}

/// Net monetary benefit at one willingness to pay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WtpRow {
    /// £ per QALY.
    pub wtp: f64,
    /// Net monetary benefit at the point estimate: wtp × discounted QALYs + NPV.
    pub nmb: f64,
    /// Mean net monetary benefit over the draws.
    pub expected_nmb: f64,
    /// Share of draws with a positive net monetary benefit.
    pub prob_cost_effective: f64,
    /// Population EVPI of the fund / do-not-fund decision at this threshold.
    pub population_evpi: f64,
}

/// The value of more research at the first willingness to pay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueOfResearch {
    /// The threshold used (the scenario's first).
    pub wtp: f64,
    /// Population EVPI of the decision (from the draws).
    pub population_evpi: f64,
    /// EVPPI of the effect alone (normal preposterior analysis, exact integration).
    pub evppi_effect: f64,
    /// EVSI, cost and ENBS of a new two-arm trial per size.
    pub trial: Vec<TrialValue>,
    /// The size per arm with the largest positive ENBS (null: no size pays).
    pub optimal_n: Option<usize>,
    /// "Fund now, or a trial first?" in words.
    pub recommendation: String,
}

/// A business case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BusinessCase {
    /// The scenario's title.
    pub title: Option<String>,
    /// Years in the horizon.
    pub horizon_years: usize,
    /// The outcome's name ("admissions").
    pub outcome: String,
    /// Where the effect came from (flattened from [`EffectUsed`]).
    pub effect_source: String,
    /// RR, IRR or OR.
    pub effect_measure: Ratio,
    /// The log-scale SE derived from the CI.
    pub log_se: f64,
    /// The effect as used.
    pub effect: EffectUsed,
    /// Discounting of costs in words.
    pub discount_cost: String,
    /// Discounting of QALYs in words.
    pub discount_effect: String,
    /// The year table at the point estimate.
    pub years: Vec<YearRow>,
    /// The totals at the point estimate (`pv_cost`, `pv_savings`, `npv`, `roi`,
    /// `payback_year`, `pv_qalys`, `events_avoided`, `cost_per_qaly` as flat JSON keys).
    #[serde(flatten)]
    pub totals: Totals,
    /// The cost per QALY in words ("dominant: saves money and gains QALYs").
    pub cost_per_qaly_words: String,
    /// Share of draws with NPV > 0.
    pub prob_net_saving: f64,
    /// Mean NPV over the draws.
    pub npv_mean: f64,
    /// 2.5th percentile of NPV.
    pub npv_ci_lower: f64,
    /// 97.5th percentile of NPV.
    pub npv_ci_upper: f64,
    /// 2.5th percentile of events avoided.
    pub events_avoided_ci_lower: f64,
    /// 97.5th percentile of events avoided.
    pub events_avoided_ci_upper: f64,
    /// Per willingness to pay.
    pub by_wtp: Vec<WtpRow>,
    /// Acceptability curve over 0 to twice the largest threshold.
    pub ceac: Vec<CeacPoint>,
    /// Cumulative discounted cash flow with its 95 % band.
    pub cashflow: Vec<CashflowPoint>,
    /// One-way sensitivity, widest first.
    pub tornado: Vec<TornadoRow>,
    /// NICE budget impact test (net cost > £20 m in one of the first three years).
    pub budget_impact_flag: bool,
    /// NICE budget impact tests in full.
    pub budget_impact: BudgetImpact,
    /// The value of more research.
    pub value_of_research: ValueOfResearch,
    /// Draws of the probabilistic analysis.
    pub draws: usize,
    /// Their seed.
    pub seed: u64,
    /// The case in plain words.
    pub summary: String,
    /// The outcome domain the effect came from (an `evaluate` domain), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

mod build;

pub use build::{business_case, business_case_with};

/// The totals read as fields of the case (`case.npv`, `case.pv_cost`, …), as they were before
/// they were grouped in [`Totals`].
impl std::ops::Deref for BusinessCase {
    type Target = Totals;

    fn deref(&self) -> &Totals {
        &self.totals
    }
}
