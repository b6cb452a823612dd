//! The "Business case" section of the evaluation report (`evaluate --scenario`): the case in
//! plain words, the effect it used, the year table with its totals, the thresholds, the budget
//! impact, the value of more research, and the three plots.

use std::fmt::Write as _;

use super::fmt::{money, thousands};
use super::svg::esc;
use crate::econ::business::{percent, BusinessCase};
use crate::framework::business_case::EvaluationCase;
use crate::framework::evaluate::Evaluation;

/// The plots of the business case (`evaluate --scenario`): cash flow, tornado, acceptability.
pub const BUSINESS_FILES: [&str; 3] = [
    "business_cashflow.svg",
    "business_tornado.svg",
    "business_ceac.svg",
];

/// The section (empty without a business case); `svg` inlines a plot by file name.
pub fn business_html(ev: &Evaluation, svg: &dyn Fn(&str) -> String) -> String {
    let Some(b) = &ev.business_case else {
        return String::new();
    };
    let c = &b.case;
    let mut o = String::new();
    let _ = write!(
        o,
        "<section id=\"business-case\"><h2>Business case{}</h2>",
        c.title
            .as_deref()
            .map(|t| format!(": {}", esc(t)))
            .unwrap_or_default()
    );
    if is_simulated(b) {
        o.push_str("<p class=\"caveat\"><strong>SIMULATED scenario</strong>: its numbers are invented for the demo and describe no real service. Give your own with <code>--scenario FILE</code>.</p>");
    }
    let _ = write!(
        o,
        "<p class=\"business-summary\">{}</p><p class=\"note\">Scenario: {}. Effect: {} ({}). {} Discounting: costs {}; QALYs {}; year 1 undiscounted.</p>",
        esc(&c.summary),
        esc(&b.scenario),
        esc(&c.effect.effect_source),
        esc(&format!(
            "{:?} {:.3}, 95% interval {:.3} to {:.3}",
            c.effect.effect_measure, c.effect.estimate, c.effect.lower, c.effect.upper
        )),
        esc(&c.effect.note),
        esc(&c.discount_cost),
        esc(&c.discount_effect)
    );
    o.push_str(&year_table(c));
    o.push_str(&totals_table(c));
    o.push_str(&wtp_table(c));
    let _ = write!(
        o,
        "<p>Budget impact: {}</p><p>Value of more research: {}</p>",
        esc(&c.budget_impact.note),
        esc(&c.value_of_research.recommendation)
    );
    for name in BUSINESS_FILES {
        let _ = write!(o, "<div class=\"plot\">{}</div>", svg(name));
    }
    o.push_str("</section>");
    o
}

/// Whether the scenario says it is simulated (its title or file name).
fn is_simulated(b: &EvaluationCase) -> bool {
    let t = b.case.title.as_deref().unwrap_or("").to_lowercase();
    t.contains("simulated") || b.scenario.to_lowercase().contains("demo_scenario")
}

fn year_table(c: &BusinessCase) -> String {
    let mut o = format!(
        "<table class=\"business-years\"><tr><th>Year</th><th>Participants</th><th>Programme cost</th><th>{} avoided</th><th>Savings</th><th>Net cost</th><th>QALYs</th><th>Discount factor</th><th>Cumulative discounted savings − costs</th></tr>",
        esc(&c.outcome)
    );
    for r in &c.years {
        let _ = write!(
            o,
            "<tr data-year=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.4}</td><td>{}</td></tr>",
            r.year,
            r.year,
            thousands(r.participants),
            money(r.programme_cost),
            r.events_avoided,
            money(r.savings),
            money(r.net_cost),
            r.qalys,
            r.discount_factor,
            money(r.cumulative_npv)
        );
    }
    o.push_str("</table>");
    o
}

fn totals_table(c: &BusinessCase) -> String {
    let roi = c
        .roi
        .map_or("undefined (nothing spent)".into(), |r| format!("{r:.2}"));
    let payback = c.payback_year.map_or(
        format!("not within the {}-year horizon", c.horizon_years),
        |y| format!("year {y}"),
    );
    let rows = [
        ("Programme cost (present value)", money(c.pv_cost)),
        ("Savings (present value)", money(c.pv_savings)),
        (
            "Net present value [95% interval]",
            format!(
                "{} [{} to {}]",
                money(c.npv),
                money(c.npv_ci_lower),
                money(c.npv_ci_upper)
            ),
        ),
        ("Probability of a net saving", percent(c.prob_net_saving)),
        ("Return on investment", roi),
        ("Payback", payback),
        (
            "Events avoided [95% interval]",
            format!(
                "{} [{} to {}]",
                thousands(c.events_avoided),
                thousands(c.events_avoided_ci_lower),
                thousands(c.events_avoided_ci_upper)
            ),
        ),
        ("QALYs gained (discounted)", format!("{:.2}", c.pv_qalys)),
        ("Cost per QALY", c.cost_per_qaly_words.clone()),
    ];
    let mut o = format!(
        "<table class=\"business-totals\"><tr><th colspan=\"2\">Over {} years</th></tr>",
        c.horizon_years
    );
    for (k, v) in rows {
        let _ = write!(o, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(&v));
    }
    o.push_str("</table>");
    o
}

fn wtp_table(c: &BusinessCase) -> String {
    let mut o = String::from("<table class=\"business-wtp\"><tr><th>Willingness to pay</th><th>Net monetary benefit</th><th>Probability cost-effective</th><th>Population EVPI</th></tr>");
    for w in &c.by_wtp {
        let _ = write!(
            o,
            "<tr data-wtp=\"{}\"><td>{} per QALY</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            w.wtp,
            money(w.wtp),
            money(w.nmb),
            percent(w.prob_cost_effective),
            money(w.population_evpi)
        );
    }
    let _ = write!(
        o,
        "</table><p class=\"note\">Probabilities and intervals from {} draws (seed {}).</p>",
        thousands(c.draws as f64),
        c.seed
    );
    o
}
