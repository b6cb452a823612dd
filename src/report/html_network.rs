//! The network sections of the evaluation report: "Which forms of peer support work best?"
//! (network meta-analysis) and "Which elements matter?" (component network meta-analysis).

use super::svg::esc;
use crate::effect::Measure;
use crate::framework::elements::{ElementsAnalysis, BASE};
use crate::framework::evaluate::Orientation;

/// "Which forms of peer support work best?": the network of forms against the reference, with
/// P-scores and their uncertainty said plainly.
pub(super) fn forms_html(
    f: &crate::framework::forms::FormsAnalysis,
    measure: crate::effect::Measure,
) -> String {
    let or = measure.is_log_scale();
    let show = |x: f64| crate::framework::words::fixed(if or { x.exp() } else { x }, 2);
    let fit = &f.fit;
    let mut o = format!(
        "<h3>Which forms of peer support work best? (network meta-analysis, exploratory)</h3><p>Every form ({}) against {} through all {} trials at once (random effects, τ² = {:.3}). {}</p>",
        esc(&f.by),
        esc(&fit.reference),
        fit.k_studies,
        fit.tau2,
        if f.head_to_head == 0 {
            "No trial compared two forms head to head: every comparison between forms is indirect, through the comparator, and rests on the assumption that the trials of different forms are otherwise alike."
        } else {
            "Some trials compared forms head to head; the rest of the comparisons are indirect."
        }
    );
    o.push_str(&format!("<div class=\"scroll\"><table><tr><th>Form</th><th>Effect against the reference [{}% CI]</th><th>P-score</th></tr>", fit.level));
    let mut rows: Vec<_> = fit
        .random
        .estimates
        .iter()
        .filter(|e| e.treatment != fit.reference)
        .collect();
    let p = |t: &str| {
        fit.p_scores
            .iter()
            .find(|p| p.treatment == t)
            .map_or(f64::NAN, |p| p.random)
    };
    rows.sort_by(|a, b| p(&b.treatment).total_cmp(&p(&a.treatment)));
    for e in rows {
        o.push_str(&format!(
            "<tr><td>{}</td><td>{} [{}, {}]</td><td>{:.2}</td></tr>",
            esc(&e.treatment),
            show(e.estimate),
            show(e.ci_lower),
            show(e.ci_upper),
            p(&e.treatment)
        ));
    }
    o.push_str("</table></div>");
    let forms_only: Vec<&String> = f
        .clear_differences
        .iter()
        .filter(|c| !c.contains(fit.reference.as_str()))
        .collect();
    o.push_str(&format!(
        "<p class=\"caveat\">P-scores order the forms by how certainly each does better than the others on average (1 = better than all, 0 = worse than all); they are not the probability of being best, and close P-scores do not differ. {} Inconsistency between designs: Q = {:.2} on {} df. {}.</p>",
        if forms_only.is_empty() {
            "No two forms differ clearly (every confidence interval between forms includes no difference): the evidence cannot say which form works best.".to_string()
        } else {
            format!(
                "Forms that differ clearly (confidence interval excluding no difference): {}. With {} comparisons between forms, about one in twenty would do so by chance alone.",
                forms_only.iter().map(|c| esc(c)).collect::<Vec<_>>().join("; "),
                {
                    let k = fit.treatments.len().saturating_sub(1);
                    k * k.saturating_sub(1) / 2
                }
            )
        },
        fit.q_between,
        fit.q_between_df,
        esc(&f.note)
    ));
    o.push_str("<p class=\"note forms-vs-subgroups\">Why these intervals differ from the subgroup table below: the network meta-analysis estimates every form in one model, with one τ² shared by all trials and normal-theory intervals, borrowing strength across forms; the subgroup table pools each form on its own (its own τ², and with dependent effects the CHE model with cluster-robust CR2 intervals on few Satterthwaite df), so a form with few trials there gets a much wider interval. Both are exploratory; neither is the domain's pooled effect.</p>");
    o
}

/// A number on the display scale of `measure` (odds ratios exponentiated), never "−0.00".
fn shown(measure: Measure, x: f64) -> String {
    let x = if measure.is_log_scale() { x.exp() } else { x };
    crate::framework::words::fixed(x, 2)
}

/// "Which elements matter?": what each coded element adds, with the additive-model check, the
/// number of studies behind each element and the caveats said plainly.
pub(super) fn elements_html(
    e: &ElementsAnalysis,
    measure: Measure,
    orientation: Orientation,
    pooled: Option<&crate::model::Summary>,
) -> String {
    let mut o = elements_intro(e, measure, orientation);
    o.push_str(&elements_table(e, measure, pooled));
    o.push_str(&elements_caveats(e));
    o
}

/// The heading and what the component model does, with the reference elements and the scale.
fn elements_intro(e: &ElementsAnalysis, measure: Measure, orientation: Orientation) -> String {
    let fit = &e.fit;
    let refs: Vec<String> = e
        .reference
        .iter()
        .map(|r| format!("{} {}", esc(&r.field.replace('_', " ")), esc(&r.level)))
        .collect();
    let scale = if measure == Measure::Irr {
        "rate ratios: above 1 the element adds to the rate"
    } else if measure == Measure::Or {
        "odds ratios: above 1 the element adds to the odds"
    } else {
        "differences in standardised mean difference"
    };
    let better = match orientation {
        Orientation::LowerIsBetter => "lower is better for this outcome",
        _ => "higher is better for this outcome",
    };
    format!(
        "<h3>Which elements of peer support matter? (component network meta-analysis, exploratory)</h3><p>The additive component model (as netmeta's <code>netcomb</code>) splits each trial's peer support into its coded elements ({}) and estimates what each element adds, through all {} trials at once (random effects, τ² = {:.3}). <b>{}</b> is peer support with the reference elements ({}) against usual care; every other row is what that element adds compared with its field's reference ({scale}; {better}).</p>",
        esc(&e.fields.iter().map(|f| f.replace('_', " ")).collect::<Vec<_>>().join(", ")),
        fit.k_studies,
        fit.tau2_additive,
        BASE,
        refs.join(", ")
    )
}

/// The reference elements in words ("provider trained peer, mode face to face, …").
fn reference_words(e: &ElementsAnalysis) -> String {
    e.reference
        .iter()
        .map(|r| format!("{} {}", r.field.replace('_', " "), r.level))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table: the domain's pooled effect first, then one row per element with what it is
/// compared with, its studies and effect [CI]; the base row is labelled as the reference
/// combination it is.
fn elements_table(
    e: &ElementsAnalysis,
    measure: Measure,
    pooled: Option<&crate::model::Summary>,
) -> String {
    let fit = &e.fit;
    let mut o = String::new();
    o.push_str(&format!(
        "<div class=\"scroll\"><table><tr><th>Element</th><th>Compared with</th><th>Studies</th><th>Effect [{}% CI]</th></tr>",
        fit.level
    ));
    if let Some(s) = pooled {
        o.push_str(&format!(
            "<tr class=\"pooled\"><td><b>pooled effect of peer support</b> (all forms, the domain's model)</td><td>usual care or other comparator</td><td>{}</td><td><b>{} [{}, {}]</b></td></tr>",
            fit.k_studies,
            shown(measure, s.estimate),
            shown(measure, s.ci_lower),
            shown(measure, s.ci_upper)
        ));
    }
    for x in &e.effects {
        let name = if x.field.is_empty() {
            format!(
                "reference combination: {} <span class=\"note\">(not the pooled effect)</span>",
                esc(&reference_words(e))
            )
        } else {
            format!("{}: {}", esc(&x.field.replace('_', " ")), esc(&x.level))
        };
        let cell = match (x.estimate, x.ci_lower, x.ci_upper) {
            (Some(y), Some(lo), Some(hi)) => format!(
                "{} [{}, {}]{}",
                shown(measure, y),
                shown(measure, lo),
                shown(measure, hi),
                if x.studies == 1 { " (one study)" } else { "" }
            ),
            _ => format!(
                "not estimable: {}",
                esc(x.not_estimable.as_deref().unwrap_or("no data"))
            ),
        };
        o.push_str(&format!(
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{cell}</td></tr>",
            esc(&x.compared_with),
            x.studies
        ));
    }
    o.push_str("</table></div>");
    o
}

/// The caveats: elements that differ clearly, the check of the additive model, elements every
/// trial shared, fragility, and that elements were not randomised.
fn elements_caveats(e: &ElementsAnalysis) -> String {
    let fit = &e.fit;
    let n_elements = e.effects.len().saturating_sub(1);
    let params = fit.components.len();
    let clear = if e.clear.is_empty() {
        "No element's confidence interval excludes no difference: the evidence cannot say which elements matter.".to_string()
    } else {
        format!(
            "Elements whose confidence interval excludes no difference: {}. With {n_elements} element comparisons, about one in twenty would do so by chance alone, so treat a single such result as a lead to test, not a finding.",
            esc(&e.clear.join("; "))
        )
    };
    let additive = match (e.additive_doubtful, fit.q_diff_p) {
        (Some(true), Some(p)) => format!(
            "The additive model fits worse than the network of the combinations themselves (Q<sub>diff</sub> = {:.2} on {} df, p = {p:.3}): elements may interact, and their separate effects may mislead.",
            fit.q_diff, fit.q_diff_df
        ),
        (_, Some(p)) => format!(
            "The additive model is not contradicted by the network of the combinations (Q<sub>diff</sub> = {:.2} on {} df, p = {p:.2}), though this test has little power with few trials.",
            fit.q_diff, fit.q_diff_df
        ),
        _ => "The additive model cannot be checked: there are no more combinations of elements than element effects.".to_string(),
    };
    let constant = if e.constant_fields.is_empty() {
        String::new()
    } else {
        format!(
            " Every trial had the same {}: its effect is part of peer support's and cannot be separated.",
            e.constant_fields
                .iter()
                .map(|c| format!("{} ({})", esc(&c.field.replace('_', " ")), esc(&c.level)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let fragile = if fit.k_studies < 2 * params {
        format!(
            " With {} studies for {params} effects the model comes close to fitting each combination of elements by itself: these estimates are fragile.",
            fit.k_studies
        )
    } else {
        String::new()
    };
    format!(
        "<p class=\"caveat\">{clear}{fragile} {additive} Elements were not randomised: these are comparisons between trials (like a meta-regression), open to confounding by population, setting and outcome measure, from {} studies for {params} effects.{constant} {}.</p>",
        fit.k_studies,
        esc(&e.note)
    )
}
