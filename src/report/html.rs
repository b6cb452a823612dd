//! Self-contained HTML: the evaluation report and the evidence-and-gap map.
//!
//! Nothing is fetched from the network when viewing: styles, scripts, plots (inline SVG) and data
//! are all in the file.

use std::fmt::Write as _;

use super::svg::esc;
use crate::framework::evaluate::{DomainResult, Evaluation};
use crate::framework::map::MapData;

/// The EGM page template (data placeholder `/*EGM_DATA*/null`).
pub const EGM_TEMPLATE: &str = include_str!("egm.html");

/// The standalone EGM page for `data`.
pub fn egm_html(data: &MapData) -> String {
    // `<` never occurs outside JSON strings, so escaping it keeps valid JSON and no data string
    // can close the <script> element.
    let json = serde_json::to_string(data)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c");
    EGM_TEMPLATE.replacen("/*EGM_DATA*/null", &json, 1)
}

/// The report's style sheet: readable from a 400 px phone to a desktop. Wide tables scroll
/// sideways inside their own box (`.table-wrap`), plots (inline SVG with a `viewBox`) shrink to
/// the page width, and no text is smaller than 12 px.
const REPORT_CSS: &str = "body{font-family:Helvetica,Arial,sans-serif;font-size:16px;max-width:1100px;margin:2em auto;padding:0 16px;color:#222;line-height:1.45;overflow-wrap:break-word}\
h1{font-size:1.9em;line-height:1.2}\
.table-wrap{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}\
table{border-collapse:collapse;width:100%;font-size:14px}\
.table-wrap>table{min-width:36em}\
th,td{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}\
th,td{min-width:4em}\
table.summary td:last-child{min-width:20em}\
.banner{background:#b03a2e;color:#fff;padding:8px 12px;font-weight:bold;border-radius:4px}\
.caveat{color:#8a4b00}\
section{margin-top:2.5em}\
.plot{overflow-x:auto;max-width:100%}\
.plot svg{display:block;max-width:100%;height:auto}\
.plot-link{display:block}\
code{background:#f3f3f3;padding:1px 4px;overflow-wrap:anywhere}\
@media (max-width:600px){body{margin:1em auto;padding:0 10px}h1{font-size:1.5em}table{font-size:13px}th,td{padding:4px}}";

/// Puts every table of `html` in a box that scrolls sideways, so a wide table never widens the
/// page on a small screen.
fn wrap_tables(html: &str) -> String {
    html.replace("<table", "<div class=\"table-wrap\"><table")
        .replace("</table>", "</table></div>")
}

/// The evaluation report (`index.html`): summary table, plain-language lines, inline plots,
/// methods with versions and options, and the input file hash.
///
/// Around the body: a contents list (a sticky side column on wide screens), summary tables that
/// become one card per outcome on narrow screens, and a print style sheet
/// ([`super::html_nav`]).
pub fn report_html(ev: &Evaluation, svgs: &[(String, String)]) -> String {
    use super::html_nav::{as_cards, contents, PRINT_SCRIPT};
    let body = as_cards(&as_cards(&report_body(ev, svgs), "sof"), "summary");
    format!(
        "{}<div class=\"page\">{}<main>{}</main></div>{PRINT_SCRIPT}</body></html>\n",
        page_head(ev),
        contents(&body),
        wrap_tables(&body)
    )
}

/// The report's body, top to bottom: head, summary, one section per domain, value for money,
/// what was not run or used, methods.
fn report_body(ev: &Evaluation, svgs: &[(String, String)]) -> String {
    let svg = |name: &str| plot_link(svgs, name);
    let mut o = String::new();
    o.push_str(&super::sof::sof_html(ev));
    o.push_str(&super::business_html::business_html(ev, &svg));
    o.push_str(&summary_table(ev));
    for d in &ev.domains {
        o.push_str(&domain_section(ev, d, &svg));
    }
    if let Some(e) = &ev.economics {
        o.push_str(&economics_section(e, ev.options.level, &svg));
    }
    if !ev.skipped.is_empty() {
        let _ = write!(
            o,
            "<section id=\"not-run\"><h2>Not run</h2>{}</section>",
            not_run(&ev.skipped)
        );
    }
    o.push_str(&directions(ev));
    o.push_str(&rows_not_used(ev));
    o.push_str(&super::converted::converted_html(ev));
    let _ = write!(o, "<section id=\"methods\"><h2>Methods</h2><p>{}</p><p>Codebook validation: {} coded columns, {} extra columns kept as moderators, {} values put in canonical form; {} row{} not used (listed above).</p><p>Options: {}</p></section>", esc(&ev.methods), ev.validation.coded.len(), ev.validation.extra.len(), ev.validation.canonicalised, ev.rows_not_used.len(), if ev.rows_not_used.len() == 1 { "" } else { "s" }, esc(&options_line(ev)));
    o
}

/// The plot `name` inline, linked to its own file: on a phone it shrinks to the page, and a tap
/// shows it at full size (empty when there is no such plot).
fn plot_link(svgs: &[(String, String)], name: &str) -> String {
    svgs.iter()
        .find(|(n, _)| n == name)
        .map(|(n, s)| {
            format!(
                "<a class=\"plot-link\" href=\"{}\" title=\"Open the plot at full size\">{}</a>",
                esc(n),
                super::html_nav::readable_svg(&s.replace("<?xml version=\"1.0\"?>", ""))
            )
        })
        .unwrap_or_default()
}

/// The document head, the title, the simulated-data banner and the input line.
fn page_head(ev: &Evaluation) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Peer support evaluation</title><style>{REPORT_CSS}{}</style></head><body>",
        super::html_nav::NAV_CSS
    );
    let _ = write!(o, "<h1>Peer support: standard evaluation</h1>");
    if ev.simulated {
        let _ = write!(o, "<p class=\"banner\">SIMULATED DATA — a demonstration evidence base, not real studies.</p>");
    }
    let _ = write!(o, "<p>Input <code>{}</code> (SHA-256 <code>{}</code>); codebook {}; peerstat {}. <a href=\"egm.html\">Evidence-and-gap map</a> · <a href=\"results.json\">results.json</a></p>", esc(&ev.input), &ev.input_sha256[..16.min(ev.input_sha256.len())], esc(&ev.codebook), esc(&ev.version));
    for m in &ev.validation.misspelt {
        let _ = write!(o, "<p class=\"caveat warning\">Warning: {}.</p>", esc(m));
    }
    o
}

/// The summary table: one row per outcome domain.
fn summary_table(ev: &Evaluation) -> String {
    let lvl = ev.options.level;
    let mut o = String::new();
    let _ = write!(o, "<section id=\"summary-by-domain\"><h2>Summary by outcome domain</h2><table class=\"summary\"><tr><th>Domain</th><th>Studies</th><th>Effects</th><th>Direction</th><th>Pooled effect [{lvl}% CI]</th><th>Prediction interval</th><th>I²</th><th>In words</th></tr>");
    for d in &ev.domains {
        let (effect, pi, i2) = pooled_cells(d);
        let _ = write!(
            o,
            "<tr><td><a href=\"#d-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            esc(&d.domain).replace(' ', "-"),
            esc(&d.domain),
            d.studies,
            d.effects.len(),
            direction_label(d.orientation),
            effect,
            pi,
            i2,
            esc(&d.summary),
            d.caveats.iter().filter(|c| !c.starts_with("SIMULATED")).map(|c| format!(" <span class=\"caveat\">Caveat: {}.</span>", esc(c))).collect::<String>()
        );
    }
    let _ = write!(o, "</table></section>");
    o
}

/// A domain's pooled effect [CI], prediction interval and I² cells of the summary table.
fn pooled_cells(d: &DomainResult) -> (String, String, String) {
    let or = d.measure.is_log_scale();
    let f = |x: f64| {
        if or {
            format!("{:.2}", x.exp())
        } else {
            format!("{x:.2}")
        }
    };
    let sym = if or { "OR" } else { "g" };
    match &d.pooled {
        Some(p) => {
            let s = &p.summary;
            (
                format!(
                    "{sym} {} [{}, {}]{}",
                    f(s.estimate),
                    f(s.ci_lower),
                    f(s.ci_upper),
                    if d.adhoc_knha {
                        " <span class=\"caveat\">(ad hoc KH)</span>"
                    } else {
                        ""
                    }
                ),
                if s.pi_lower.is_finite() {
                    format!("{} to {}", f(s.pi_lower), f(s.pi_upper))
                } else {
                    "–".into()
                },
                format!("{:.0}%", s.i2),
            )
        }
        None => (
            "<em>not pooled</em> (too few studies)".to_string(),
            "–".into(),
            "–".into(),
        ),
    }
}

/// One outcome domain's section: its words, forest plot (or effects table), dependence, risk of
/// bias, forms and elements, subgroups, duration, checks and what was not run.
fn domain_section(ev: &Evaluation, d: &DomainResult, svg: &dyn Fn(&str) -> String) -> String {
    let lvl = ev.options.level;
    let mut o = String::new();
    let _ = write!(
        o,
        "<section id=\"d-{}\" class=\"domain\"><details open><summary><h2>{}</h2></summary><p>{}</p><p>{}</p><p><em>Scale:</em> {}.</p>",
        esc(&d.domain).replace(' ', "-"),
        esc(&d.domain),
        esc(&d.summary),
        esc(&d.meaning),
        esc(&d.scale_note)
    );
    if let Some(w) = &d.small_k_warning {
        let _ = write!(o, "<p class=\"caveat warning\">Warning: {}.</p>", esc(w));
    }
    match &d.forest {
        Some(f) => {
            let _ = write!(o, "<div class=\"plot\">{}</div>", svg(f));
        }
        None => o.push_str(&effects_table(d, lvl)),
    }
    if let Some(dep) = &d.dependence {
        o.push_str(&dependence_html(dep, d.measure));
    }
    o.push_str(&super::html_smallk::domain_html(d));
    for r in ev.risk_of_bias.iter().filter(|r| r.domain == d.domain) {
        o.push_str(&rob_section(r, svg));
    }
    if let Some(f) = &d.forms {
        o.push_str(&super::html_network::forms_html(f, d.measure));
    }
    if let Some(e) = &d.elements {
        o.push_str(&super::html_network::elements_html(
            e,
            d.measure,
            d.orientation,
            d.pooled.as_ref().map(|p| &p.summary),
        ));
    }
    if !d.subgroups.is_empty() {
        o.push_str(&subgroups_html(ev, d));
    }
    if let Some(r) = &d.duration {
        o.push_str(&duration_html(ev, d, r));
    }
    o.push_str(&checks_html(d, svg));
    o.push_str(&not_run(&d.skipped));
    let _ = write!(o, "</details></section>");
    o
}

/// "estimate [lower, upper]" to two decimals, never a negative zero ("−0.00").
fn est_ci(est: f64, lo: f64, hi: f64) -> String {
    use crate::framework::words::fixed;
    format!("{} [{}, {}]", fixed(est, 2), fixed(lo, 2), fixed(hi, 2))
}

/// A domain's subgroup analyses: the multiplicity caveat and one table row per analysis.
fn subgroups_html(ev: &Evaluation, d: &DomainResult) -> String {
    let mut o = String::new();
    let _ = write!(o, "<h3>Which kinds of peer support? (subgroups, exploratory)</h3><p class=\"caveat\">Exploratory: {} test{} of subgroup differences in this domain ({} in the whole report): the p-values of the tests are not adjusted for multiplicity (some will be small by chance); the last column adjusts them across the report (Holm). Levels with fewer than {} studies are not tested.</p>", d.subgroups.len(), if d.subgroups.len() == 1 { "" } else { "s" }, ev.domains.iter().map(|d| d.subgroups.len()).sum::<usize>(), ev.options.thresholds.min_level_studies);
    let _ = write!(o, "<table><tr><th>By</th><th>Levels (k): estimate [CI]</th><th>Test for subgroup differences</th><th>Holm-adjusted p (all {} tests)</th></tr>", ev.domains.iter().map(|d| d.subgroups.len()).sum::<usize>());
    for (si, sg) in d.subgroups.iter().enumerate() {
        let show = |x: f64| {
            if d.measure.is_log_scale() {
                x.exp()
            } else {
                x
            }
        };
        let lv: Vec<String> = sg
            .subgroups
            .iter()
            .map(|g| {
                format!(
                    "{} ({}): {}",
                    esc(&g.level),
                    g.fit.summary.k,
                    est_ci(
                        show(g.fit.summary.estimate),
                        show(g.fit.summary.ci_lower),
                        show(g.fit.summary.ci_upper)
                    )
                )
            })
            .collect();
        let t = &sg.subgroup_test;
        // Dependent effects: the CR2 HTZ Wald test, an F on (df1, df2).
        let test = if d.dependence.is_some() {
            format!(
                "HTZ F({}, {:.1}) = {:.2}, p {} (CHE + CR2)",
                t.df,
                t.df2,
                t.q,
                super::pv(t.p_value)
            )
        } else {
            format!("Q = {:.2}, df = {}, p {}", t.q, t.df, super::pv(t.p_value))
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>p {}</td></tr>",
            esc(&sg.by),
            lv.join("<br>"),
            test,
            super::pv(d.subgroup_p_holm.get(si).copied().unwrap_or(f64::NAN))
        );
    }
    let _ = write!(o, "</table>");
    o
}

/// The meta-regression on duration: its slope, with R² where there is one.
fn duration_html(ev: &Evaluation, d: &DomainResult, r: &crate::model::RegressionKeys) -> String {
    let mut o = String::new();
    if r.coefficients.len() > 1 {
        let c = &r.coefficients[1];
        let k = d.effects.len();
        let caution = if k < ev.options.thresholds.r2_caution_below {
            format!(" <span class=\"caveat\">Exploratory, and with k = {k} R² is unreliable (it is often 0% or 100% by chance with few studies).</span>")
        } else {
            " <span class=\"caveat\">Exploratory.</span>".to_string()
        };
        let r2 = if r.r2.is_finite() {
            format!("; R² {:.0}%", r.r2)
        } else {
            " (CHE model, CR2 cluster-robust CI; no R² for dependent effects)".to_string()
        };
        // no R² to caution about when none is reported
        let caution = if r.r2.is_finite() {
            caution
        } else {
            " <span class=\"caveat\">Exploratory.</span>".to_string()
        };
        let _ = write!(o, "<p>Meta-regression on duration (months): slope {:.3}{} per month [{:.3}, {:.3}], p {}{r2}.{caution}</p>", c.est.estimate, match d.measure { crate::effect::Measure::Or => " (log odds ratio)", crate::effect::Measure::Irr => " (log rate ratio)", _ => "" }, c.est.ci_lower, c.est.ci_upper, super::pv(c.est.p_value));
    }
    o
}

/// A domain's checks: robust variance estimation, small-study effects (with the funnel plot)
/// and sensitivity analyses, odds ratios on their own scale.
fn checks_html(d: &DomainResult, svg: &dyn Fn(&str) -> String) -> String {
    let mut o = String::new();
    // odds ratios on their own scale (the duration slope stays on the log scale)
    let sh = |x: f64| {
        if d.measure.is_log_scale() {
            x.exp()
        } else {
            x
        }
    };
    let sym = match d.measure {
        crate::effect::Measure::Or => "OR ",
        crate::effect::Measure::Irr => "IRR ",
        _ => "",
    };
    if let Some(r) = &d.rve {
        let c = &r.coefficients[0];
        let _ = write!(o, "<p>Dependent effects (robust variance estimation, {} effects in {} studies): {sym}{:.2} [{:.2}, {:.2}], df = {:.1}.</p>", r.effects, r.clusters, sh(c.est.estimate), sh(c.est.ci_lower), sh(c.est.ci_upper), c.df);
    }
    if let Some(b) = &d.bias {
        let _ = write!(o, "<p>Small-study effects: Egger p {}, Begg p {}; trim-and-fill adds {} studies ({} side), adjusted estimate {sym}{:.2}.</p>", super::pv(b.egger.p_value), super::pv(b.begg.p_value), b.trimfill.k0, b.trimfill.side, sh(b.trimfill.est.estimate));
        if let Some(a) = &d.bias_adjusted {
            o.push_str(&super::html_smallk::bias_adjusted_html(a, d.measure));
        }
        if let Some(f) = &d.funnel {
            let _ = write!(o, "<div class=\"plot\">{}</div>", svg(f));
        }
    }
    let sens = &d.sensitivity;
    let mut bits = Vec::new();
    if let Some(l) = &sens.low_risk_only {
        bits.push(format!(
            "low risk of bias only: {sym}{} (k = {})",
            est_ci(sh(l.estimate), sh(l.ci_lower), sh(l.ci_upper)),
            l.k
        ));
    }
    if let Some([a, b]) = sens.leave_one_out_range {
        bits.push(format!(
            "leaving out one study at a time: {sym}{:.2} to {:.2}",
            sh(a),
            sh(b)
        ));
    }
    if !bits.is_empty() {
        let _ = write!(o, "<p>Sensitivity: {}.</p>", bits.join("; "));
    }
    o
}

/// Value for money: pooled incremental cost and QALYs, the INMB per willingness to pay, the CEAC.
fn economics_section(
    e: &crate::econ::table::CeaResult,
    lvl: f64,
    svg: &dyn Fn(&str) -> String,
) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<section id=\"value-for-money\"><h2>Value for money</h2>"
    );
    if let Some(p) = &e.pooled {
        let m = super::fmt::money;
        let _ = write!(o, "<p>Across {} trials with cost data: incremental cost {} [{}, {}], incremental QALYs {:.3} [{:.3}, {:.3}].</p>", p.studies.len(), m(p.inc_cost.estimate), m(p.inc_cost.ci_lower), m(p.inc_cost.ci_upper), p.inc_effect.estimate, p.inc_effect.ci_lower, p.inc_effect.ci_upper);
        let _ = write!(
            o,
            "<p class=\"icer\">{}</p>",
            esc(&super::icer_words::icer_sentence(&p.icer, lvl))
        );
        let _ = write!(o, "<table><tr><th>Willingness to pay</th><th>Pooled INMB [{lvl}% CI]</th><th>Prediction interval</th></tr>");
        for w in &p.by_wtp {
            let _ = write!(
                o,
                "<tr><td>{} per QALY</td><td>{} [{}, {}]</td><td>{} to {}</td></tr>",
                m(w.wtp),
                m(w.fit.estimate),
                m(w.fit.ci_lower),
                m(w.fit.ci_upper),
                m(w.fit.pi_lower),
                m(w.fit.pi_upper)
            );
        }
        let _ = write!(o, "</table><div class=\"plot\">{}</div>", svg("ceac.svg"));
    }
    let _ = write!(o, "</section>");
    o
}

/// The sections that were not run, with their reasons (a `<details>` list), or nothing.
fn not_run(skipped: &[crate::framework::evaluate::Skipped]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let items: String = skipped
        .iter()
        .map(|s| format!("<li>{}: {}</li>", esc(&s.section), esc(&s.reason)))
        .collect();
    format!(
        "<details class=\"not-run\"><summary>Not run ({})</summary><ul>{items}</ul></details>",
        skipped.len()
    )
}

fn direction_label(o: crate::framework::evaluate::Orientation) -> &'static str {
    use crate::framework::evaluate::Orientation;
    match o {
        Orientation::HigherIsBetter => "higher is better",
        Orientation::LowerIsBetter => "lower is better",
        Orientation::PositiveIsBenefit { .. } => "mixed: oriented so that positive = benefit",
    }
}

/// The effects of a domain that was not pooled.
fn effects_table(d: &crate::framework::evaluate::DomainResult, lvl: f64) -> String {
    let or = d.measure.is_log_scale();
    let f = |x: f64| if or { x.exp() } else { x };
    let rows: String = d
        .effects
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.row,
                esc(&e.study),
                est_ci(f(e.yi), f(e.ci_lower), f(e.ci_upper))
            )
        })
        .collect();
    format!(
        "<table class=\"effects\"><tr><th>Row</th><th>Study</th><th>{} [{lvl}% CI] (not pooled)</th></tr>{rows}</table>",
        if or { "OR" } else { "g" }
    )
}

/// The direction used per outcome.
fn directions(ev: &Evaluation) -> String {
    use crate::framework::evaluate::DirectionSource;
    let rows: String = ev
        .directions
        .iter()
        .map(|d| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.domain),
                esc(&d.outcome),
                if d.higher_is_better {
                    "higher is better"
                } else {
                    "lower is better"
                },
                match d.source {
                    DirectionSource::Data => "higher_is_better column",
                    DirectionSource::Options => "options file",
                    DirectionSource::Assumed => "<strong>assumed</strong> (not stated in the data)",
                },
                d.rows
            )
        })
        .collect();
    format!(
        "<section id=\"directions\"><h2>Direction of each outcome</h2>{}<table><tr><th>Domain</th><th>Outcome</th><th>Direction used</th><th>From</th><th>Rows</th></tr>{rows}</table></section>",
        if ev.options.assume_higher_is_better {
            "<p class=\"caveat\">Outcomes without a stated direction were <strong>assumed higher-is-better</strong>, as asked.</p>"
        } else {
            ""
        }
    )
}

/// Every input row not analysed, with its reason.
fn rows_not_used(ev: &Evaluation) -> String {
    if ev.rows_not_used.is_empty() {
        return "<section id=\"rows-not-used\"><h2>Rows not used</h2><p>Every row was analysed.</p></section>".into();
    }
    let rows: String = ev
        .rows_not_used
        .iter()
        .map(|r| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.row,
                esc(&r.study),
                esc(&r.reason)
            )
        })
        .collect();
    format!(
        "<section id=\"rows-not-used\"><h2>Rows not used ({})</h2><table><tr><th>Row</th><th>Study</th><th>Reason</th></tr>{rows}</table></section>",
        ev.rows_not_used.len()
    )
}

/// The options in one line: level, direction assumption, options file, thresholds.
fn options_line(ev: &Evaluation) -> String {
    let o = &ev.options;
    let t = &o.thresholds;
    format!(
        "level {}%; {}; options file {}; thresholds: pool from {} studies, ad hoc Knapp–Hartung up to {} studies, τ² = 0 caveat below {} studies, bias checks from {} effects, duration meta-regression from {} effects, RVE from {} studies, subgroup levels tested from {} studies, R² caution below {} effects.",
        o.level,
        if o.assume_higher_is_better {
            "outcomes without a direction assumed higher-is-better"
        } else {
            "every outcome's direction stated"
        },
        o.options_file.as_deref().unwrap_or("none"),
        t.min_studies_to_pool,
        t.adhoc_max_studies,
        t.tau2_zero_caveat_below,
        t.min_bias_effects,
        t.min_regression_effects,
        t.min_rve_studies,
        t.min_level_studies,
        t.r2_caution_below
    )
}

/// How a domain's dependent effects were pooled: the CHE model, its variance components, the
/// model-based result beside the robust one, and the estimate across assumed correlations.
fn dependence_html(
    dep: &crate::framework::dependence::Dependence,
    measure: crate::effect::Measure,
) -> String {
    let f = |x: f64| {
        if measure.is_log_scale() {
            format!("{:.2}", x.exp())
        } else {
            format!("{x:.2}")
        }
    };
    let mut o = format!(
        "<h3>Dependent effects</h3><p>{} studies contribute {} effects: pooled with the {}. Between-study variance {:.4}, within-study (between effects) variance {:.4}; robust df {:.1}{}. Model-based (not robust) estimate {} [{}, {}].</p>",
        dep.studies,
        dep.effects,
        esc(&dep.model),
        dep.sigma2[0],
        dep.sigma2[1],
        dep.robust_df,
        if dep.few_df_guard {
            " (fewer than 4: the larger of the robust and model-based standard errors is used)"
        } else {
            ""
        },
        f(dep.model_based.estimate),
        f(dep.model_based.ci_lower),
        f(dep.model_based.ci_upper)
    );
    o.push_str("<div class=\"scroll\"><table><tr><th>Assumed correlation ρ</th><th>Estimate</th><th>Robust CI</th></tr>");
    for p in &dep.rho_sweep {
        o.push_str(&format!(
            "<tr><td>{}{}</td><td>{}</td><td>[{}, {}]</td></tr>",
            p.rho,
            if p.rho == dep.rho { " (used)" } else { "" },
            f(p.estimate),
            f(p.ci_lower),
            f(p.ci_upper)
        ));
    }
    o.push_str("</table></div>");
    o
}

/// The risk-of-bias part of a domain's section: the traffic-light and summary plots and the
/// notes on how they were formed.
fn rob_section(r: &crate::framework::rob::RobAssessment, svg: &dyn Fn(&str) -> String) -> String {
    let notes: String = r
        .notes
        .iter()
        .map(|n| format!(" <span class=\"caveat\">Note: {}.</span>", esc(n)))
        .collect();
    format!(
        "<h3>Risk of bias ({}, {} studies)</h3><p>Judgements per study and domain ({}), and the share of studies at each judgement{}.{notes}</p><div class=\"plot\">{}</div><div class=\"plot\">{}</div>",
        r.tool.name(),
        r.studies.len(),
        super::svg::rob_symbol_key(r.tool),
        if r.weighted {
            ", weighted by the pooled model's weights"
        } else {
            " (unweighted)"
        },
        svg(&r.traffic_light),
        svg(&r.summary_plot)
    )
}
