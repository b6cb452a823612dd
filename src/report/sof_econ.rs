//! The business case's columns in the summary-of-findings table: the cost per QALY and the
//! probability of cost-effectiveness at the first willingness to pay, on the row of the outcome
//! domain the case is built on ("—" on the others), or on a row of their own when the effect
//! was stated in the scenario.

use super::fmt::money;
use super::svg::esc;
use crate::econ::business::{percent, BusinessCase};
use crate::framework::evaluate::Evaluation;

/// The two header cells (empty without a business case).
pub fn header(case: Option<&BusinessCase>) -> String {
    match case {
        Some(c) => format!(
            "<th>Cost per QALY (business case)</th><th>Probability cost-effective at {} per QALY</th>",
            money(c.by_wtp.first().map_or(f64::NAN, |w| w.wtp))
        ),
        None => String::new(),
    }
}

/// The cost per QALY in a cell: an amount, or "dominant"/"dominated" in words.
fn cost_per_qaly(c: &BusinessCase) -> String {
    match c.cost_per_qaly {
        Some(x) if x >= 0.0 => money(x),
        _ => c.cost_per_qaly_words.clone(),
    }
}

fn filled(c: &BusinessCase) -> String {
    format!(
        "<td class=\"cost-per-qaly\" data-value=\"{}\">{}</td><td class=\"prob-ce\" data-value=\"{}\">{}</td>",
        c.cost_per_qaly.map_or(String::new(), |x| x.to_string()),
        esc(&cost_per_qaly(c)),
        c.by_wtp.first().map_or(f64::NAN, |w| w.prob_cost_effective),
        c.by_wtp
            .first()
            .map_or("—".into(), |w| percent(w.prob_cost_effective))
    )
}

/// The two cells of domain `domain`'s row: filled on the case's domain, "—" elsewhere, nothing
/// without a business case.
pub fn cells(case: Option<&BusinessCase>, domain: &str) -> String {
    match case {
        Some(c) if c.domain.as_deref() == Some(domain) => filled(c),
        Some(_) => "<td>—</td><td>—</td>".into(),
        None => String::new(),
    }
}

/// A row of its own for a business case whose effect is not one of the table's domains (stated
/// in the scenario, or read from another file); empty otherwise.
pub fn scenario_row(ev: &Evaluation) -> String {
    let Some(c) = ev.business_case.as_ref().map(|b| &b.case) else {
        return String::new();
    };
    let shown = ev
        .summary_of_findings
        .iter()
        .any(|f| c.domain.as_deref() == Some(f.domain.as_str()));
    if shown {
        return String::new();
    }
    format!(
        "<tr data-domain=\"business case\" class=\"business-row\"><td>Business case: {}</td><td>—</td><td>{:?} {:.2} [{:.2}, {:.2}] ({})</td><td>—</td><td>—</td><td><a href=\"#business-case\">the business case</a> (effect not from this evaluation)</td>{}</tr>",
        esc(&c.outcome),
        c.effect.effect_measure,
        c.effect.estimate,
        c.effect.lower,
        c.effect.upper,
        esc(&c.effect.effect_source),
        filled(c)
    )
}
