//! `peerstat business-case` output: the case in words a commissioner reads (amounts as "£1,234"
//! and "−£108"), and the year table as CSV.

use std::fmt::Write as _;

use crate::econ::business::{money, percent, thousands, BusinessCase, EffectUse};

/// A ratio with three decimals.
fn r3(x: f64) -> String {
    format!("{x:.3}")
}

/// The business case as text.
pub fn business_case_text(c: &BusinessCase) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Business case{}\n",
        c.title
            .as_deref()
            .map(|t| format!(": {t}"))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "{}\n", c.summary);
    let e = &c.effect;
    let used = match e.used {
        EffectUse::Mean => "pooled mean",
        EffectUse::Prediction => "prediction for a new setting",
    };
    let _ = writeln!(
        o,
        "Effect: {:?} {} ({} 95% interval {} to {}), from {}; log-scale SE {:.4}.\n{}",
        e.effect_measure,
        r3(e.estimate),
        used,
        r3(e.lower),
        r3(e.upper),
        e.effect_source,
        e.log_se,
        e.note
    );
    let _ = writeln!(
        o,
        "Discounting: costs {}; QALYs {}. Year 1 is undiscounted.\n",
        c.discount_cost, c.discount_effect
    );
    years(&mut o, c);
    totals(&mut o, c);
    wtp(&mut o, c);
    let _ = writeln!(o, "Budget impact: {}\n", c.budget_impact.note);
    tornado(&mut o, c);
    research(&mut o, c);
    o
}

fn years(o: &mut String, c: &BusinessCase) {
    let _ = writeln!(
        o,
        "{:>4}  {:>12}  {:>14}  {:>14}  {:>14}  {:>14}  {:>8}  {:>8}  {:>22}",
        "Year",
        "Participants",
        "Programme cost",
        format!("{} avoided", short_name(&c.outcome)),
        "Savings",
        "Net cost",
        "QALYs",
        "Discount",
        "Cumulative discounted"
    );
    let _ = writeln!(
        o,
        "{:>4}  {:>12}  {:>14}  {:>14}  {:>14}  {:>14}  {:>8}  {:>8}  {:>22}",
        "", "", "", "", "", "", "", "factor", "savings − costs"
    );
    for r in &c.years {
        let _ = writeln!(
            o,
            "{:>4}  {:>12}  {:>14}  {:>14}  {:>14}  {:>14}  {:>8.2}  {:>8.4}  {:>22}",
            r.year,
            thousands(r.participants),
            money(r.programme_cost),
            format!("{:.1}", r.events_avoided),
            money(r.savings),
            money(r.net_cost),
            r.qalys,
            r.discount_factor,
            money(r.cumulative_npv)
        );
    }
    o.push('\n');
}

fn short_name(s: &str) -> String {
    let mut t: String = s.chars().take(6).collect();
    if s.chars().count() > 6 {
        t.push('.');
    }
    capital(&t)
}

fn capital(t: &str) -> String {
    let mut c = t.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn totals(o: &mut String, c: &BusinessCase) {
    let _ = writeln!(o, "Over {} years (present values):", c.horizon_years);
    let _ = writeln!(o, "  Programme cost           {}", money(c.pv_cost));
    let _ = writeln!(o, "  Savings                  {}", money(c.pv_savings));
    let _ = writeln!(
        o,
        "  Net present value        {} (95% interval {} to {}; probability of a net saving {})",
        money(c.npv),
        money(c.npv_ci_lower),
        money(c.npv_ci_upper),
        percent(c.prob_net_saving)
    );
    let roi = match c.roi {
        Some(r) => format!(
            "{:.2}: each £1 spent returns {} in savings",
            r,
            pence(1.0 + r)
        ),
        None => "undefined (nothing spent)".into(),
    };
    let _ = writeln!(o, "  Return on investment     {roi}");
    let payback = match c.payback_year {
        Some(y) => format!("year {y}"),
        None => format!("not within the {}-year horizon", c.horizon_years),
    };
    let _ = writeln!(o, "  Payback                  {payback}");
    let _ = writeln!(
        o,
        "  {:<24} {} (95% interval {} to {})",
        format!("{} avoided", capital(&c.outcome)),
        thousands(c.events_avoided),
        thousands(c.events_avoided_ci_lower),
        thousands(c.events_avoided_ci_upper)
    );
    let _ = writeln!(
        o,
        "  QALYs gained             {:.2} (discounted)",
        c.pv_qalys
    );
    let _ = writeln!(o, "  Cost per QALY            {}\n", c.cost_per_qaly_words);
}

/// An amount in pounds and pence ("£0.77").
fn pence(x: f64) -> String {
    let s = if x < 0.0 { "−" } else { "" };
    format!("{s}£{:.2}", x.abs())
}

fn wtp(o: &mut String, c: &BusinessCase) {
    let _ = writeln!(
        o,
        "{:>22}  {:>20}  {:>16}  {:>16}",
        "Willingness to pay", "Net monetary benefit", "P(cost-effective)", "Population EVPI"
    );
    for w in &c.by_wtp {
        let _ = writeln!(
            o,
            "{:>22}  {:>20}  {:>16}  {:>16}",
            format!("{} per QALY", money(w.wtp)),
            money(w.nmb),
            percent(w.prob_cost_effective),
            money(w.population_evpi)
        );
    }
    let _ = writeln!(
        o,
        "Probabilities and intervals from {} draws (seed {}).\n",
        thousands(c.draws as f64),
        c.seed
    );
}

fn tornado(o: &mut String, c: &BusinessCase) {
    let what = match c.by_wtp.first() {
        Some(w) if c.pv_qalys != 0.0 => {
            format!("net monetary benefit at {} per QALY", money(w.wtp))
        }
        _ => "net present value".into(),
    };
    let _ = writeln!(o, "One-way sensitivity (widest first; {what}):");
    for r in &c.tornado {
        let _ = writeln!(
            o,
            "  {:<34} {:>12} to {:<12} {:>14} to {}",
            r.input,
            num(r.low),
            num(r.high),
            money(r.nmb_low),
            money(r.nmb_high)
        );
    }
    o.push('\n');
}

fn num(x: f64) -> String {
    if x.abs() >= 1000.0 {
        thousands(x)
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn research(o: &mut String, c: &BusinessCase) {
    let v = &c.value_of_research;
    let _ = writeln!(
        o,
        "Value of more research (at {} per QALY): population EVPI {}; perfect information on the effect alone {}.",
        money(v.wtp),
        money(v.population_evpi),
        money(v.evppi_effect)
    );
    let _ = writeln!(
        o,
        "  {:>10}  {:>14}  {:>14}  {:>14}",
        "n per arm", "EVSI", "Trial cost", "ENBS"
    );
    for t in &v.trial {
        let mark = if Some(t.n) == v.optimal_n {
            "  ← optimal"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "  {:>10}  {:>14}  {:>14}  {:>14}{mark}",
            thousands(t.n as f64),
            money(t.evsi),
            money(t.cost),
            money(t.enbs)
        );
    }
    let _ = writeln!(o, "{}", v.recommendation);
}

/// The year table as CSV (one row per year, the JSON `years` keys as columns).
///
/// # Errors
/// As [`super::csv::records`].
pub fn business_case_csv(c: &BusinessCase) -> std::io::Result<String> {
    super::csv::records(&c.years)
}
