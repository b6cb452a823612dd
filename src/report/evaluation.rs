//! The files of an evaluation report: plots drawn from the [`Evaluation`] data, `results.json`
//! and `index.html`.

use super::business_html::BUSINESS_FILES;
use super::svg;
use crate::framework::evaluate::Evaluation;
use crate::framework::rob::Tool;

/// The SVG plots of an evaluation, as (file name, content): per domain the risk-of-bias
/// traffic-light and summary plots (when the data carry RoB 2 domains), a forest plot (with
/// risk-of-bias columns when present, "favours" labels on the side the domain's orientation
/// makes a benefit) and a funnel plot with bias checks; and the acceptability
/// curve of pooled net benefit.
pub fn svgs(ev: &Evaluation) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for d in &ev.domains {
        let title = format!(
            "{}{}",
            d.domain,
            if ev.simulated {
                " (simulated data)"
            } else {
                ""
            }
        );
        // The forest plot shows the first tool's columns (RoB 2 before ROBINS-I).
        let rob = ev.risk_of_bias.iter().find(|r| r.domain == d.domain);
        for r in ev.risk_of_bias.iter().filter(|r| r.domain == d.domain) {
            out.push((
                r.traffic_light.clone(),
                svg::traffic_light(r, &format!("{title}: risk of bias ({})", r.tool.name())),
            ));
            out.push((
                r.summary_plot.clone(),
                svg::rob_summary(
                    r,
                    &format!("{title}: risk of bias summary ({})", r.tool.name()),
                ),
            ));
        }
        let (Some(pooled), Some(forest)) = (&d.pooled, &d.forest) else {
            continue;
        };
        // "favours" labels on the side the domain's orientation makes a benefit
        let better = if d.orientation.benefit_sign() > 0.0 {
            svg::Better::Higher
        } else {
            svg::Better::Lower
        };
        let opts = svg::ForestOptions {
            title: Some(title.clone()),
            favours: Some(("peer support".into(), "comparator".into())),
            better: Some(better),
            rob,
            ..svg::ForestOptions::default()
        };
        // default limits and ticks: nothing to refuse
        let plot = svg::forest_plot(pooled, None, &opts)
            .unwrap_or_else(|_| svg::forest_with_rob(pooled, None, &title, rob));
        // a domain of dependent effects was pooled by the CHE model: its diamond says so
        let plot = match &d.dependence {
            Some(dep) => plot.replacen(
                &format!("Random effects ({})", pooled.method),
                &format!(
                    "CHE model (REML, ρ = {}, CR2 CI on {:.1} df)",
                    dep.rho, dep.robust_df
                ),
                1,
            ),
            None => plot,
        };
        out.push((forest.clone(), plot));
        if let (Some(name), Some(b)) = (&d.funnel, &d.bias) {
            let yi: Vec<f64> = pooled.studies.iter().map(|s| s.yi).collect();
            let vi: Vec<f64> = pooled.studies.iter().map(|s| s.vi).collect();
            let filled: Vec<(f64, f64)> = b.trimfill.filled.iter().map(|f| (f.yi, f.vi)).collect();
            out.push((
                name.clone(),
                svg::funnel_plot(
                    &svg::FunnelPlot {
                        yi: &yi,
                        vi: &vi,
                        n: None,
                        estimate: pooled.summary.estimate,
                        filled: &filled,
                        adjusted: (b.trimfill.k0 > 0).then_some(b.trimfill.est.estimate),
                        measure: pooled.measure,
                        y: svg::FunnelY::Se,
                        pseudo_ci: false,
                    },
                    &format!("{}: funnel plot", d.domain),
                ),
            ));
        }
    }
    if let Some(b) = &ev.business_case {
        out.extend(business_svgs(&b.case, ev.simulated));
    }
    if let Some(c) = &ev.ceac {
        out.push((
            FIXED_FILES[1].into(),
            svg::ceac_with_axis(
                &c.wtp,
                &[(c.label.clone(), c.probability.clone())],
                None,
                "Probability peer support is cost-effective (pooled INMB)",
                "Willingness to pay per QALY (£)",
            ),
        ));
    }
    out
}

/// The business case's plots (`evaluate --scenario`): cash flow, tornado and acceptability, as
/// (file name, SVG).
fn business_svgs(
    c: &crate::econ::business::BusinessCase,
    simulated: bool,
) -> Vec<(String, String)> {
    let sim = if simulated { " (simulated)" } else { "" };
    vec![
        (
            BUSINESS_FILES[0].into(),
            svg::business_cashflow(
                c,
                Some(&format!(
                    "Business case{sim}: cumulative discounted cash flow"
                )),
            ),
        ),
        (
            BUSINESS_FILES[1].into(),
            svg::business_tornado(c, Some(&format!("Business case{sim}: one-way sensitivity"))),
        ),
        (
            BUSINESS_FILES[2].into(),
            svg::business_ceac(
                c,
                Some(&format!(
                    "Business case{sim}: cost-effectiveness acceptability"
                )),
            ),
        ),
    ]
}

/// Every file of the report directory except the evidence-and-gap map, as (file name,
/// content): `results.json`, the plots and `index.html`.
///
/// # Errors
/// Only if the evaluation cannot be serialised (it always can).
pub fn files(ev: &Evaluation) -> serde_json::Result<Vec<(String, String)>> {
    let svgs = svgs(ev);
    let html = super::html::report_html(ev, &svgs);
    let mut out = vec![(FIXED_FILES[0].to_string(), super::json(ev)?)];
    out.extend(svgs);
    out.push((FIXED_FILES[2].into(), html));
    Ok(out)
}

/// The report's evidence-and-gap map, written beside [`files`] by `evaluate`.
pub const EGM_FILE: &str = "egm.html";

/// The files of a report with fixed names: [`files`]' `results.json`, acceptability curve and
/// `index.html`, and the [`EGM_FILE`].
const FIXED_FILES: [&str; 4] = ["results.json", "ceac.svg", "index.html", EGM_FILE];

/// The kinds of numbered plots a report writes as `KIND_N.svg`: per analysed domain N the forest
/// and funnel plots (`DomainResult::forest`, `::funnel`) and each risk-of-bias tool's traffic
/// lights and summary (`RobAssessment::traffic_light`, `::summary_plot`).
fn numbered_plot_kinds() -> Vec<String> {
    let mut kinds = vec!["forest".to_string(), "funnel".to_string()];
    for tool in [Tool::Rob2, Tool::RobinsI] {
        let prefix = tool.file_prefix();
        kinds.push(format!("{prefix}_traffic"));
        kinds.push(format!("{prefix}_summary"));
    }
    kinds
}

/// Whether `name` is a file an evaluation report writes: a folder holding only these is an old
/// report, which may be replaced as a whole.
pub fn is_report_file(name: &str) -> bool {
    let numbered = |kind: &str| {
        name.strip_prefix(kind)
            .and_then(|r| r.strip_prefix('_'))
            .and_then(|r| r.strip_suffix(".svg"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    FIXED_FILES.contains(&name)
        || BUSINESS_FILES.contains(&name)
        || numbered_plot_kinds().iter().any(|k| numbered(k))
}

/// The files in `dir` that are not part of a report (sorted; empty when `dir` does not exist):
/// a report folder is replaced as a whole, so a caller refuses a folder holding any.
pub fn foreign_files(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut other: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !is_report_file(n))
        .collect();
    other.sort();
    other
}
