//! The text printout of a component network meta-analysis (netmeta's `print.netcomb` layout,
//! shortened).

use std::fmt::Write as _;

use crate::effect::Measure;
use crate::model::network::{CnmaFit, ComponentEstimate};
use crate::report::fmt::{f4, pv, width};

/// One block of estimates.
fn block(out: &mut String, title: &str, rows: &[ComponentEstimate], w: usize) {
    let head = if title.starts_with("Treatments") {
        "treatment"
    } else {
        "component"
    };
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>9} {:>9} {:>9}",
        head, "estimate", "se", "ci.lb", "ci.ub"
    );
    for e in rows {
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>9} {:>9} {:>9}",
            e.component,
            f4(e.estimate),
            f4(e.se),
            f4(e.ci_lower),
            f4(e.ci_upper)
        );
    }
    let _ = writeln!(out);
}

/// The whole printout.
pub fn cnma_table(f: &CnmaFit, measure: Measure, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Additive component network meta-analysis ({} studies, {} pairwise comparisons, {} treatments, {} components)",
        f.k_studies,
        f.k_comparisons,
        f.treatments.len(),
        f.component_names.len()
    );
    let _ = writeln!(
        out,
        "Measure: {measure} (effect of adding a component; analysis scale); data: {source}"
    );
    let inactive: Vec<&str> = f
        .treatment_components
        .iter()
        .filter(|t| t.components.is_empty())
        .map(|t| t.treatment.as_str())
        .collect();
    if !inactive.is_empty() {
        let _ = writeln!(out, "Inactive (no components): {}", inactive.join(", "));
    }
    if !f.subnetworks.is_empty() {
        let subs: Vec<String> = f
            .subnetworks
            .iter()
            .map(|g| format!("{{{}}}", g.join(", ")))
            .collect();
        let _ = writeln!(
            out,
            "Note: the network is disconnected ({} sub-networks: {}); the components connect it.",
            f.subnetworks.len(),
            subs.join(" and ")
        );
    }
    let _ = writeln!(out);
    let w = width(
        f.component_names
            .iter()
            .chain(f.combinations.iter().map(|c| &c.component))
            .map(String::as_str),
        9,
    );
    block(&mut out, "Common-effect model:", &f.components_common, w);
    let title = format!(
        "Random-effects model (tau^2 = {}, generalised DerSimonian-Laird of the additive model):",
        f4(f.tau2_additive)
    );
    block(&mut out, &title, &f.components, w);
    block(
        &mut out,
        "Combinations (common effect):",
        &f.combinations_common,
        w,
    );
    block(
        &mut out,
        "Combinations (random effects):",
        &f.combinations,
        w,
    );
    let tw = width(f.treatment_effects.iter().map(|t| t.component.as_str()), 9);
    block(
        &mut out,
        "Treatments under the additive model (random effects, against no components):",
        &f.treatment_effects,
        tw,
    );
    if !f.not_identifiable.is_empty() {
        let _ = writeln!(out, "Not identifiable:");
        for n in &f.not_identifiable {
            let _ = writeln!(out, "  {}: {}", n.component, n.reason);
        }
        let _ = writeln!(out);
    }
    let p = |x: Option<f64>| x.map_or_else(|| ".".to_string(), pv);
    let _ = writeln!(out, "Heterogeneity and additivity:");
    let _ = writeln!(
        out,
        "  additive model   Q = {} on {} df, p {}",
        f4(f.q_additive),
        f.q_additive_df,
        p(f.q_additive_p)
    );
    let _ = writeln!(
        out,
        "  standard network Q = {} on {} df",
        f4(f.q_standard),
        f.q_standard_df
    );
    let _ = writeln!(
        out,
        "  difference       Q = {} on {} df, p {} (a small p speaks against additivity)",
        f4(f.q_diff),
        f.q_diff_df,
        p(f.q_diff_p)
    );
    out
}
