//! The deterministic year table of a business case and its totals (present values, return on
//! investment, payback year, cost per QALY), for one set of input values.
//!
//! Year `year` = 1, 2, … (t = year − 1): participants = eligible × uptake; programme cost =
//! participants × cost per participant + fixed cost; events avoided = participants × baseline ×
//! (1 − RR); savings = events avoided × unit cost; QALYs = events avoided × QALYs per event +
//! participants × QALYs per participant; costs and savings discounted by the cost factor, QALYs by
//! the effect factor.

use serde::Serialize;

use super::effect::Ratio;

/// The numbers one evaluation of the case uses (the point estimate, a draw, or a tornado end).
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// Eligible people per year.
    pub eligible: f64,
    /// Uptake share per year (the horizon).
    pub uptake: Vec<f64>,
    /// Programme cost per participant.
    pub cost_per_participant: f64,
    /// Fixed programme cost per year.
    pub fixed_cost_per_year: f64,
    /// Baseline rate (events per person-year) or risk.
    pub baseline: f64,
    /// Whether `baseline` is a risk (odds ratios convert at it).
    pub baseline_is_risk: bool,
    /// Cost of one event.
    pub unit_cost: f64,
    /// QALYs lost per event.
    pub qaly_per_event: f64,
    /// QALYs gained per participant.
    pub qaly_per_participant: f64,
    /// QALYs gained per participant per 1 SD (an SMD effect; 0 otherwise).
    pub qaly_per_sd: f64,
    /// Log effect.
    pub theta: f64,
    /// Its measure.
    pub measure: Ratio,
    /// Discount factor of costs per year (index t = year − 1).
    pub cost_factors: Vec<f64>,
    /// Discount factor of QALYs per year.
    pub effect_factors: Vec<f64>,
}

impl Inputs {
    /// QALYs per participant from an SMD effect: `qaly_per_sd × θ` (0 for a ratio).
    pub fn smd_qalys(&self) -> f64 {
        match self.measure {
            Ratio::SMD => self.qaly_per_sd * self.theta,
            _ => 0.0,
        }
    }

    /// The risk (or rate) ratio these inputs apply.
    pub fn risk_ratio(&self) -> f64 {
        self.measure.risk_ratio(self.theta, self.baseline)
    }
}

/// One year of the case at the point estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearRow {
    /// 1, 2, … (discounted with t = year − 1).
    pub year: usize,
    /// People taking part.
    pub participants: f64,
    /// Programme cost (undiscounted).
    pub programme_cost: f64,
    /// Events avoided.
    pub events_avoided: f64,
    /// Savings from events avoided (undiscounted).
    pub savings: f64,
    /// Programme cost − savings (undiscounted; negative: a saving).
    pub net_cost: f64,
    /// QALYs gained (undiscounted).
    pub qalys: f64,
    /// Discount factor of costs and savings.
    pub discount_factor: f64,
    /// Discount factor of QALYs.
    pub qaly_discount_factor: f64,
    /// Discounted programme cost.
    pub discounted_cost: f64,
    /// Discounted savings.
    pub discounted_savings: f64,
    /// Discounted QALYs.
    pub discounted_qalys: f64,
    /// Cumulative discounted programme cost.
    pub cumulative_discounted_cost: f64,
    /// Cumulative discounted savings.
    pub cumulative_discounted_savings: f64,
    /// Cumulative discounted savings − cost (the cash-flow line).
    pub cumulative_npv: f64,
}

/// The totals of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Present value of programme costs.
    pub pv_cost: f64,
    /// Present value of savings.
    pub pv_savings: f64,
    /// pv_savings − pv_cost.
    pub npv: f64,
    /// npv / pv_cost (null when nothing is spent).
    pub roi: Option<f64>,
    /// First year whose cumulative discounted savings reach the cumulative discounted costs.
    pub payback_year: Option<usize>,
    /// Discounted QALYs gained.
    pub pv_qalys: f64,
    /// Events avoided over the horizon (undiscounted).
    pub events_avoided: f64,
    /// (pv_cost − pv_savings) / pv_qalys (null without QALYs).
    pub cost_per_qaly: Option<f64>,
}

impl Totals {
    /// Net monetary benefit at willingness to pay `wtp`: wtp × pv_qalys + npv.
    pub fn nmb(&self, wtp: f64) -> f64 {
        wtp * self.pv_qalys + self.npv
    }
}

/// The year table.
pub fn year_table(x: &Inputs) -> Vec<YearRow> {
    let rr = x.risk_ratio();
    let mut rows = Vec::with_capacity(x.uptake.len());
    let (mut cc, mut cs) = (0.0, 0.0);
    for (t, u) in x.uptake.iter().enumerate() {
        let participants = x.eligible * u;
        let programme_cost = participants * x.cost_per_participant + x.fixed_cost_per_year;
        let events_avoided = participants * x.baseline * (1.0 - rr);
        let savings = events_avoided * x.unit_cost;
        let qalys = events_avoided * x.qaly_per_event
            + participants * (x.qaly_per_participant + x.smd_qalys());
        let (df, de) = (x.cost_factors[t], x.effect_factors[t]);
        cc += programme_cost * df;
        cs += savings * df;
        rows.push(YearRow {
            year: t + 1,
            participants,
            programme_cost,
            events_avoided,
            savings,
            net_cost: programme_cost - savings,
            qalys,
            discount_factor: df,
            qaly_discount_factor: de,
            discounted_cost: programme_cost * df,
            discounted_savings: savings * df,
            discounted_qalys: qalys * de,
            cumulative_discounted_cost: cc,
            cumulative_discounted_savings: cs,
            cumulative_npv: cs - cc,
        });
    }
    rows
}

/// The totals of a year table; `has_qalys`: whether any QALY input was given.
pub fn totals(rows: &[YearRow], has_qalys: bool) -> Totals {
    let pv_cost: f64 = rows.iter().map(|r| r.discounted_cost).sum();
    let pv_savings: f64 = rows.iter().map(|r| r.discounted_savings).sum();
    let pv_qalys: f64 = rows.iter().map(|r| r.discounted_qalys).sum();
    let npv = pv_savings - pv_cost;
    Totals {
        pv_cost,
        pv_savings,
        npv,
        roi: (pv_cost > 0.0).then(|| npv / pv_cost),
        payback_year: rows
            .iter()
            .find(|r| r.cumulative_discounted_savings >= r.cumulative_discounted_cost)
            .map(|r| r.year),
        pv_qalys,
        events_avoided: rows.iter().map(|r| r.events_avoided).sum(),
        cost_per_qaly: (has_qalys && pv_qalys != 0.0).then(|| (pv_cost - pv_savings) / pv_qalys),
    }
}
