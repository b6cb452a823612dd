//! The summary-of-findings table of the evaluation report and the certainty judgments behind
//! it (HTML fragments).

use std::fmt::Write as _;

use super::svg::esc;
use crate::framework::certainty::{CertaintyRating, Finding};
use crate::framework::evaluate::Evaluation;

/// The summary-of-findings section: one row per domain (studies and effects, relative effect,
/// absolute effect per 1,000 or the SMD in words, certainty, statement), then the judgments
/// behind each certainty.
pub fn sof_html(ev: &Evaluation) -> String {
    let lvl = ev.options.level;
    let mut o = String::new();
    let case = ev.business_case.as_ref().map(|b| &b.case);
    let _ = write!(
        o,
        "<section id=\"sof\"><h2>Summary of findings</h2><div class=\"sof-scroll\" style=\"overflow-x:auto\"><table class=\"sof\"><tr><th>Outcome domain</th><th>Studies (effects)</th><th>Relative effect [{lvl}% CI]</th><th>Absolute effect / size</th><th>Certainty</th><th>What it means</th>{}</tr>",
        super::sof_econ::header(case)
    );
    for f in &ev.summary_of_findings {
        let certainty = match &f.certainty {
            Some(c) => {
                format!(
                    "<span class=\"grade\" data-certainty=\"{}\">{} {}</span>{}",
                    c.certainty.label(),
                    c.certainty.symbols(),
                    c.certainty.label(),
                    if c.user_override.is_some() {
                        " <span class=\"caveat\">(set by the user)</span>"
                    } else {
                        ""
                    }
                ) + &not_assessed_html(c)
            }
            None => format!(
                "<em>not rated</em>: {}",
                esc(f.not_rated.as_deref().unwrap_or(""))
            ),
        };
        let _ = write!(
            o,
            "<tr data-domain=\"{}\"><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td><td>{certainty}</td><td>{}</td>{}</tr>",
            esc(&f.domain),
            esc(&f.domain),
            f.studies,
            f.effects,
            relative(f),
            absolute(f),
            esc(&f.statement),
            super::sof_econ::cells(case, &f.domain)
        );
    }
    o.push_str(&super::sof_econ::scenario_row(ev));
    let _ = write!(
        o,
        "</table></div><p class=\"note\">Certainty (GRADE-style): ⊕⊕⊕⊕ high, ⊕⊕⊕◯ moderate, ⊕⊕◯◯ low, ⊕◯◯◯ very low. Randomised evidence starts high, other evidence low; each serious concern (risk of bias, inconsistency, imprecision, publication bias, indirectness) rates it one level down, very serious two. Absolute effects per 1,000 people use the assumed control risk shown. SMD sizes follow Cohen's convention (below 0.2 trivial, 0.2 small, 0.5 moderate, 0.8 large): a rule of thumb, not a judgment of what matters to people. The judgments follow.</p>"
    );
    for f in &ev.summary_of_findings {
        if let Some(c) = &f.certainty {
            o.push_str(&judgements(f, c));
        }
    }
    o.push_str("</section>");
    o
}

/// The criteria not assessed, shown in the table itself (not only in the collapsed "why").
fn not_assessed_html(c: &CertaintyRating) -> String {
    c.not_assessed()
        .iter()
        .map(|w| {
            format!(
                "<br><span class=\"caveat not-assessed\">not assessed: {}</span>",
                esc(w)
            )
        })
        .collect()
}

fn relative(f: &Finding) -> String {
    match &f.relative {
        Some(r) => format!(
            "{} {:.2} [{:.2}, {:.2}]",
            r.measure, r.estimate, r.ci_lower, r.ci_upper
        ),
        None => "<em>not pooled</em>".into(),
    }
}

fn absolute(f: &Finding) -> String {
    if let Some(a) = &f.absolute {
        let side = |x: f64| {
            if x < 0.0 {
                format!("{:.0} fewer", -x)
            } else {
                format!("{x:.0} more")
            }
        };
        return format!(
            "{:.0} per 1,000 without peer support, {:.0} with it: {} per 1,000 (from {} to {})<br>control risk {:.1}%: {}",
            a.control_per_1000,
            a.treatment_per_1000,
            side(a.difference_per_1000),
            side(a.difference_lower),
            side(a.difference_upper),
            100.0 * a.control_risk,
            esc(&a.control_risk_source)
        );
    }
    if let Some(w) = &f.smd_in_words {
        return esc(w);
    }
    f.absolute_note
        .as_deref()
        .map_or_else(|| "–".into(), |n| format!("<em>{}</em>", esc(n)))
}

fn judgements(f: &Finding, c: &CertaintyRating) -> String {
    let mut rows = String::new();
    for j in &c.judgements {
        let down = match (j.assessed, j.levels) {
            (false, _) => "not assessed".to_string(),
            (true, 0) => "no".to_string(),
            (true, 1) => "−1 (serious)".to_string(),
            (true, n) => format!("−{n} (very serious)"),
        };
        let _ = write!(
            rows,
            "<tr data-criterion=\"{}\" data-levels=\"{}\"><td>{}</td><td>{down}</td><td>{}</td></tr>",
            j.criterion.label(),
            j.levels,
            j.criterion.label(),
            esc(&j.reason)
        );
    }
    let over = match &c.user_override {
        Some(u) => format!(
            "<p class=\"caveat\">Set to <strong>{}</strong> by the user (options file), the rules gave {}: {}</p>",
            u.certainty.label(),
            c.rated.label(),
            esc(&u.reason)
        ),
        None => String::new(),
    };
    format!(
        "<details class=\"certainty\"><summary>{}: {} {} — why</summary><p>Start: <strong>{}</strong> ({}).</p><div class=\"sof-scroll\" style=\"overflow-x:auto\"><table><tr><th>Criterion</th><th>Rated down</th><th>Reason</th></tr>{rows}</table></div><p>By the rules: <strong>{}</strong>.</p>{over}</details>",
        esc(&f.domain),
        c.certainty.symbols(),
        c.certainty.label(),
        c.start.label(),
        esc(&c.start_reason),
        c.rated.label()
    )
}
