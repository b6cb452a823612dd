//! One-way sensitivity (tornado): each input moved alone to a low and a high value, the others
//! at their point values. Ranges: the effect over its 95 % interval (of the mean or the
//! prediction, as the case uses); an input given as `{ mean, sd }` over mean ± 1.96 sd (clamped
//! at 0, and at 1 for a risk or share); a fixed input over ± the scenario's
//! `sensitivity_range` (default 20 %); discount rates over 0 % to 6 %.

use serde::Serialize;

use super::discount::Discount;
use super::effect::Z95;
use super::scenario::Value;
use super::years::{totals, year_table, Inputs};

/// One bar of the tornado.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoRow {
    /// The input (its scenario key).
    pub input: String,
    /// Its low value.
    pub low: f64,
    /// Its high value.
    pub high: f64,
    /// NPV at the low value.
    pub npv_low: f64,
    /// NPV at the high value.
    pub npv_high: f64,
    /// Net monetary benefit at the first WTP at the low value.
    pub nmb_low: f64,
    /// Net monetary benefit at the first WTP at the high value.
    pub nmb_high: f64,
}

/// What the tornado needs besides the point inputs.
pub struct Ranges<'a> {
    /// Relative range of fixed inputs.
    pub range: f64,
    /// The input values with their uncertainty, by scenario key.
    pub values: Vec<(&'a str, Value, bool)>,
    /// SD of the log effect.
    pub log_sd: f64,
    /// Whether QALYs are counted (adds the effect discount rate).
    pub has_qalys: bool,
}

fn bounds(v: Value, range: f64, unit: bool) -> (f64, f64) {
    let (lo, hi) = if v.sd > 0.0 {
        (v.mean - Z95 * v.sd, v.mean + Z95 * v.sd)
    } else {
        (v.mean * (1.0 - range), v.mean * (1.0 + range))
    };
    let cap = if unit { 1.0 } else { f64::INFINITY };
    (lo.clamp(0.0, cap), hi.clamp(0.0, cap))
}

fn set(x: &mut Inputs, key: &str, v: f64) {
    match key {
        "population.eligible" => x.eligible = v,
        "programme.cost_per_participant" => x.cost_per_participant = v,
        "programme.fixed_cost_per_year" => x.fixed_cost_per_year = v,
        "outcome.baseline_rate" | "outcome.baseline_risk" => x.baseline = v,
        "outcome.unit_cost" => x.unit_cost = v,
        "outcome.qaly_per_event" => x.qaly_per_event = v,
        "outcome.qaly_per_participant" => x.qaly_per_participant = v,
        "outcome.qaly_per_sd" => x.qaly_per_sd = v,
        _ => {}
    }
}

/// The tornado, widest bar (by NMB at `wtp`) first.
pub fn tornado(base: &Inputs, r: &Ranges<'_>, wtp: f64, has_qalys: bool) -> Vec<TornadoRow> {
    let eval = |x: &Inputs| {
        let t = totals(&year_table(x), has_qalys);
        (t.npv, t.nmb(wtp))
    };
    let mut rows = Vec::new();
    let mut push = |input: &str, low: f64, high: f64, lo: Inputs, hi: Inputs| {
        let (npv_low, nmb_low) = eval(&lo);
        let (npv_high, nmb_high) = eval(&hi);
        rows.push(TornadoRow {
            input: input.to_string(),
            low,
            high,
            npv_low,
            npv_high,
            nmb_low,
            nmb_high,
        });
    };
    let (tl, th) = (base.theta - Z95 * r.log_sd, base.theta + Z95 * r.log_sd);
    let (mut lo, mut hi) = (base.clone(), base.clone());
    lo.theta = tl;
    hi.theta = th;
    push("outcome.effect", tl.exp(), th.exp(), lo, hi);
    for &(key, v, unit) in &r.values {
        let (l, h) = bounds(v, r.range, unit);
        let (mut lo, mut hi) = (base.clone(), base.clone());
        set(&mut lo, key, l);
        set(&mut hi, key, h);
        push(key, l, h, lo, hi);
    }
    let scale = |x: &Inputs, f: f64| {
        let mut y = x.clone();
        y.uptake.iter_mut().for_each(|u| *u = (*u * f).min(1.0));
        y
    };
    push(
        "population.uptake (× every year)",
        1.0 - r.range,
        1.0 + r.range,
        scale(base, 1.0 - r.range),
        scale(base, 1.0 + r.range),
    );
    let years = base.uptake.len();
    let rates = |d: Discount| (0..years).map(|t| d.factor(t)).collect::<Vec<_>>();
    if years > 1 {
        let (mut lo, mut hi) = (base.clone(), base.clone());
        lo.cost_factors = rates(Discount::Rate(0.0));
        hi.cost_factors = rates(Discount::Rate(0.06));
        push("appraisal.discount_cost", 0.0, 0.06, lo, hi);
        if r.has_qalys {
            let (mut lo, mut hi) = (base.clone(), base.clone());
            lo.effect_factors = rates(Discount::Rate(0.0));
            hi.effect_factors = rates(Discount::Rate(0.06));
            push("appraisal.discount_effect", 0.0, 0.06, lo, hi);
        }
    }
    rows.sort_by(|a, b| {
        let wa = (a.nmb_high - a.nmb_low).abs();
        let wb = (b.nmb_high - b.nmb_low).abs();
        wb.total_cmp(&wa)
    });
    rows
}
