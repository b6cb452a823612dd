//! [`business_case`]: the steps of a business case, from a validated scenario to the result.

use super::draws::{self, quantile, CashflowPoint, CeacPoint, Draws, Uncertainty};
use super::effect::{resolve_with, Effect, Pooled, Ratio, Z95};
use super::research::{evppi_effect, evsi, TrialValue};
use super::scenario::{Baseline, EffectInput, EffectUse, Scenario, Value};
use super::tornado::{tornado, Ranges};
use super::words::{money, percent, thousands};
use super::years::{totals, year_table, Inputs, Totals};
use super::{budget_impact, BusinessCase, EffectUsed, ValueOfResearch, WtpRow};
use crate::error::Result;

/// Builds the business case of a scenario: the year table at the point estimate, its totals,
/// the probabilistic analysis, the tornado, NICE's budget impact tests and the value of research.
///
/// # Errors
/// As [`super::resolve`] for the effect (an unreadable effect file, a measure that cannot drive events,
/// a prediction without τ²), and [`crate::error::Error::Input`] when an odds ratio meets a baseline
/// rate or a stated mean and SD admit no distribution.
pub fn business_case(s: &Scenario) -> Result<BusinessCase> {
    business_case_with(s, None)
}

/// As [`business_case`], with the pooled domains of the evaluation the scenario runs with
/// (`evaluate --scenario`): a scenario naming a `domain` without `effect_from` takes its effect
/// from there, in memory.
///
/// # Errors
/// As [`business_case`]; a domain not among `own` names `outcome.domain`.
pub fn business_case_with(s: &Scenario, own: Option<&[Pooled]>) -> Result<BusinessCase> {
    let effect = resolve_with(&s.effect, s.effect_use, own)?;
    let is_risk = matches!(s.baseline, Baseline::Risk(_));
    if effect.measure == Ratio::OR && !is_risk {
        return Err(crate::error::Error::input(
            "outcome.baseline_risk",
            "an odds ratio converts to a risk ratio at a baseline risk: give outcome.baseline_risk (not baseline_rate)",
        ));
    }
    if effect.measure == Ratio::SMD && s.qaly_per_sd.is_none() {
        return Err(crate::error::Error::input(
            "outcome.qaly_per_sd",
            format!("the effect from {} is an SMD, which drives QALYs only through an explicit mapping: give outcome.qaly_per_sd, the QALYs gained per participant per 1 SD improvement (outcome.measure = \"SMD\" avoids no events)", effect.source),
        ));
    }
    let base = point_inputs(s, &effect, is_risk);
    let has_qalys = s.qaly_per_event.is_some()
        || s.qaly_per_participant.is_some()
        || (effect.measure == Ratio::SMD && s.qaly_per_sd.is_some());
    let rows = year_table(&base);
    let t = totals(&rows, has_qalys);
    let zero = Value::fixed(0.0);
    let u = Uncertainty {
        log_sd: effect.log_sd,
        cost_per_participant: s.cost_per_participant,
        fixed_cost_per_year: s.fixed_cost_per_year,
        baseline: s.baseline.value(),
        unit_cost: s.unit_cost,
        qaly_per_event: s.qaly_per_event.unwrap_or(zero),
        qaly_per_participant: s.qaly_per_participant.unwrap_or(zero),
        qaly_per_sd: s.qaly_per_sd.unwrap_or(zero),
    };
    let d = draws::run(&base, &u, has_qalys, s.draws, s.seed)?;
    let by_wtp: Vec<WtpRow> = s
        .wtp
        .iter()
        .map(|&w| WtpRow {
            wtp: w,
            nmb: t.nmb(w),
            expected_nmb: d.expected_nmb(w),
            prob_cost_effective: d.prob_cost_effective(w),
            population_evpi: d.evpi(w),
        })
        .collect();
    let ceac = ceac(&d, &s.wtp);
    let cashflow = rows
        .iter()
        .zip(&d.cumulative)
        .map(|(r, c)| CashflowPoint {
            year: r.year,
            cumulative_npv: r.cumulative_npv,
            lower: quantile(c, 0.025),
            upper: quantile(c, 0.975),
        })
        .collect();
    let wtp0 = s.wtp[0];
    let ranges = ranges(s, &effect, has_qalys);
    let tornado = tornado(&base, &ranges, wtp0, has_qalys);
    let budget = budget_impact(&rows);
    let research = value_of_research(s, &base, &effect, &d, wtp0);
    let used = effect_used(&effect, &base, is_risk);
    let mut case = BusinessCase {
        title: s.title.clone(),
        horizon_years: rows.len(),
        outcome: s.outcome_name.clone(),
        effect_source: used.effect_source.clone(),
        effect_measure: used.effect_measure,
        log_se: used.log_se,
        effect: used,
        discount_cost: s.discount_cost.describe(),
        discount_effect: s.discount_effect.describe(),
        cost_per_qaly_words: cost_per_qaly_words(&t, has_qalys),
        prob_net_saving: d.npv.iter().filter(|v| **v > 0.0).count() as f64 / d.npv.len() as f64,
        npv_mean: d.npv.iter().sum::<f64>() / d.npv.len() as f64,
        npv_ci_lower: quantile(&d.npv, 0.025),
        npv_ci_upper: quantile(&d.npv, 0.975),
        events_avoided_ci_lower: quantile(&d.events, 0.025),
        events_avoided_ci_upper: quantile(&d.events, 0.975),
        totals: t,
        years: rows,
        by_wtp,
        ceac,
        cashflow,
        tornado,
        budget_impact_flag: budget.budget_impact_flag,
        budget_impact: budget,
        value_of_research: research,
        draws: s.draws,
        seed: s.seed,
        summary: String::new(),
        domain: match &s.effect {
            EffectInput::Evaluation { domain } => Some(domain.clone()),
            EffectInput::File { domain, .. } => domain.clone(),
            EffectInput::Direct { .. } => None,
        },
    };
    case.summary = summary(s, &case);
    Ok(case)
}

/// The inputs at their point values.
fn point_inputs(s: &Scenario, e: &Effect, is_risk: bool) -> Inputs {
    let h = s.population.uptake.len();
    Inputs {
        eligible: s.population.eligible.mean,
        uptake: s.population.uptake.clone(),
        cost_per_participant: s.cost_per_participant.mean,
        fixed_cost_per_year: s.fixed_cost_per_year.mean,
        baseline: s.baseline.value().mean,
        baseline_is_risk: is_risk,
        unit_cost: s.unit_cost.mean,
        qaly_per_event: s.qaly_per_event.map_or(0.0, |v| v.mean),
        qaly_per_participant: s.qaly_per_participant.map_or(0.0, |v| v.mean),
        qaly_per_sd: s.qaly_per_sd.map_or(0.0, |v| v.mean),
        theta: e.log_estimate,
        measure: e.measure,
        cost_factors: (0..h).map(|t| s.discount_cost.factor(t)).collect(),
        effect_factors: (0..h).map(|t| s.discount_effect.factor(t)).collect(),
    }
}

fn ranges<'a>(s: &'a Scenario, e: &Effect, has_qalys: bool) -> Ranges<'a> {
    let baseline_key = match s.baseline {
        Baseline::Rate(_) => "outcome.baseline_rate",
        Baseline::Risk(_) => "outcome.baseline_risk",
    };
    let mut values = vec![
        ("population.eligible", s.population.eligible, false),
        (
            "programme.cost_per_participant",
            s.cost_per_participant,
            false,
        ),
        (
            "programme.fixed_cost_per_year",
            s.fixed_cost_per_year,
            false,
        ),
        (
            baseline_key,
            s.baseline.value(),
            matches!(s.baseline, Baseline::Risk(_)),
        ),
        ("outcome.unit_cost", s.unit_cost, false),
    ];
    if let Some(v) = s.qaly_per_event {
        values.push(("outcome.qaly_per_event", v, false));
    }
    if let Some(v) = s.qaly_per_participant {
        values.push(("outcome.qaly_per_participant", v, false));
    }
    if let (Some(v), Ratio::SMD) = (s.qaly_per_sd, e.measure) {
        values.push(("outcome.qaly_per_sd", v, false));
    }
    Ranges {
        range: s.sensitivity_range,
        values,
        log_sd: e.log_sd,
        has_qalys,
    }
}

/// The acceptability curve from 0 to twice the largest threshold (41 points), with the stated
/// thresholds included.
fn ceac(d: &Draws, wtp: &[f64]) -> Vec<CeacPoint> {
    let top = 2.0 * wtp.iter().copied().fold(0.0, f64::max).max(1000.0);
    let mut grid: Vec<f64> = (0..=40).map(|i| top * i as f64 / 40.0).collect();
    grid.extend(wtp);
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    grid.into_iter()
        .map(|w| CeacPoint {
            wtp: w,
            prob_cost_effective: d.prob_cost_effective(w),
        })
        .collect()
}

fn effect_used(e: &Effect, base: &Inputs, is_risk: bool) -> EffectUsed {
    let rr = base.risk_ratio();
    let conversion = match e.measure {
        Ratio::OR => format!(
            "The odds ratio {:.3} is converted to a risk ratio at the baseline risk {} by Zhang & Yu (RR = OR / (1 − p₀ + p₀ × OR)): RR {:.3}.",
            e.log_estimate.exp(),
            base.baseline,
            rr
        ),
        Ratio::IRR => format!("The rate ratio {:.3} applies to the baseline rate.", rr),
        Ratio::RR if is_risk => format!("The risk ratio {:.3} applies to the baseline risk.", rr),
        Ratio::RR => format!("The risk ratio {:.3} applies to the baseline rate (as a rate ratio).", rr),
        Ratio::SMD => format!(
            "The SMD {:.3} (positive: benefit) avoids no events; it drives QALYs only through the stated mapping outcome.qaly_per_sd = {} QALYs per participant per 1 SD improvement: {:.4} QALYs per participant.",
            e.log_estimate, base.qaly_per_sd, base.smd_qalys()
        ),
    };
    let which = match (e.used, e.tau2) {
        (EffectUse::Prediction, Some(t)) => format!(
            "The case uses the prediction for a new setting (log-scale SD √(SE² + τ²) = {:.4}, τ² = {:.4}), as a commissioner's service is a new setting.",
            e.log_sd, t
        ),
        (EffectUse::Mean, Some(_)) => {
            "The case uses the pooled mean effect and its confidence interval (appraisal.effect = \"mean\"); the prediction for a new setting would be wider.".to_string()
        }
        _ => "The case uses the pooled mean effect and its confidence interval (no τ² given, so no prediction for a new setting).".to_string(),
    };
    EffectUsed {
        effect_source: e.source.clone(),
        effect_measure: e.measure,
        estimate: e.measure.natural(e.log_estimate),
        log_se: e.log_se,
        tau2: e.tau2,
        used: e.used,
        log_sd: e.log_sd,
        lower: e.measure.natural(e.log_estimate - Z95 * e.log_sd),
        upper: e.measure.natural(e.log_estimate + Z95 * e.log_sd),
        risk_ratio: rr,
        note: format!("{conversion} {which}"),
    }
}

fn cost_per_qaly_words(t: &Totals, has_qalys: bool) -> String {
    match t.cost_per_qaly {
        _ if !has_qalys => "not estimated (no QALYs per event or per participant given)".into(),
        None => "undefined (no QALYs gained)".into(),
        Some(c) if c < 0.0 && t.pv_qalys > 0.0 => {
            "dominant: the programme saves money and gains QALYs".into()
        }
        Some(c) if c < 0.0 => "dominated: the programme costs more and loses QALYs".into(),
        Some(c) => format!("{} per QALY gained", money(c)),
    }
}

fn value_of_research(
    s: &Scenario,
    base: &Inputs,
    e: &Effect,
    d: &Draws,
    wtp: f64,
) -> ValueOfResearch {
    let r = &s.research;
    let trial: Vec<TrialValue> = r
        .trial_n
        .iter()
        .map(|&n| {
            let v = evsi(base, wtp, e.log_sd, n, r.follow_up_years);
            let cost = r.fixed_cost + 2.0 * n as f64 * r.cost_per_participant;
            TrialValue {
                n,
                evsi: v,
                cost,
                enbs: v - cost,
            }
        })
        .collect();
    let best = trial
        .iter()
        .filter(|t| t.enbs > 0.0)
        .max_by(|a, b| a.enbs.total_cmp(&b.enbs));
    let evpi = d.evpi(wtp);
    let costed = r.fixed_cost > 0.0 || r.cost_per_participant > 0.0;
    let mut words = match best {
        _ if evpi < 1.0 => "There is practically no decision uncertainty (population EVPI under £1): decide on current evidence.".to_string(),
        Some(b) => format!(
            "A further trial of {} per arm would be worth {} to this population, more than its cost of {} (expected net benefit of sampling {}): consider funding a trial first, or funding the programme with research.",
            thousands(b.n as f64), money(b.evsi), money(b.cost), money(b.enbs)
        ),
        None => "No trial size considered is worth its cost: decide on current evidence.".to_string(),
    };
    if !costed {
        words.push_str(" No trial cost was given (research.trial_fixed_cost, research.trial_cost_per_participant), so ENBS equals EVSI.");
    }
    ValueOfResearch {
        wtp,
        population_evpi: evpi,
        evppi_effect: evppi_effect(base, wtp, e.log_sd),
        optimal_n: best.map(|b| b.n),
        trial,
        recommendation: words,
    }
}

/// The plain-language paragraph.
fn summary(s: &Scenario, c: &BusinessCase) -> String {
    let h = c.horizon_years;
    let mean_uptake = s.population.uptake.iter().sum::<f64>() / h as f64;
    let mut out = if c.effect.effect_measure == Ratio::SMD {
        format!(
            "For {} eligible people a year with {} average uptake, the programme would cost {} over {} year{} (present value) and gain about {:.1} QALYs (discounted; SMD {:.2} mapped at {} QALYs per participant per SD).",
            thousands(s.population.eligible.mean),
            percent(mean_uptake),
            money(c.pv_cost),
            h,
            if h == 1 { "" } else { "s" },
            c.pv_qalys,
            c.effect.estimate,
            s.qaly_per_sd.map_or(0.0, |v| v.mean),
        )
    } else {
        summary_events(s, c, h, mean_uptake)
    };
    out.push_str(&format!(
        " The probability that it saves money is {}",
        percent(c.prob_net_saving)
    ));
    finish_summary(out, c)
}

/// The paragraph's first sentence for a case that avoids events.
fn summary_events(s: &Scenario, c: &BusinessCase, h: usize, mean_uptake: f64) -> String {
    format!(
        "For {} eligible people a year with {} average uptake, the programme would cost {} over {} year{} (present value) and avoid about {} {} (95% interval {} to {}), saving {}: a net present value of {}.",
        thousands(s.population.eligible.mean),
        percent(mean_uptake),
        money(c.pv_cost),
        h,
        if h == 1 { "" } else { "s" },
        thousands(c.events_avoided),
        c.outcome,
        thousands(c.events_avoided_ci_lower),
        thousands(c.events_avoided_ci_upper),
        money(c.pv_savings),
        money(c.npv),
    )
}

/// The paragraph's thresholds and value of research.
fn finish_summary(mut out: String, c: &BusinessCase) -> String {
    for w in &c.by_wtp {
        out.push_str(&format!(
            "; that it is cost-effective at {} per QALY, {}",
            money(w.wtp),
            percent(w.prob_cost_effective)
        ));
    }
    out.push('.');
    let v = &c.value_of_research;
    if let Some(n) = v.optimal_n {
        if let Some(t) = v.trial.iter().find(|t| t.n == n) {
            out.push_str(&format!(
                " A further trial of {} per arm would be worth up to {} to this population.",
                thousands(n as f64),
                money(t.evsi)
            ));
        }
    }
    out
}
