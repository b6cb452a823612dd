//! The text printout of a network meta-analysis (netmeta's `print.netmeta` layout, shortened).

use std::fmt::Write as _;

use crate::effect::Measure;
use crate::model::network::{NetworkFit, NetworkModel, RandomCi};
use crate::report::fmt::{f4, pv, width};

/// The estimates against the reference of one model.
fn estimates(out: &mut String, title: &str, m: &NetworkModel, w: usize, pi: bool) {
    let _ = writeln!(out, "{title}");
    let head_pi = if pi {
        format!(" {:>9} {:>9}", "pi.lb", "pi.ub")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>9} {:>9} {:>9}{head_pi}",
        "treatment", "estimate", "se", "ci.lb", "ci.ub"
    );
    for e in &m.estimates {
        let p = match (e.pi_lower, e.pi_upper) {
            (Some(a), Some(b)) if pi => format!(" {:>9} {:>9}", f4(a), f4(b)),
            _ if pi => format!(" {:>9} {:>9}", "", ""),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>9} {:>9} {:>9}{p}",
            e.treatment,
            f4(e.estimate),
            f4(e.se),
            f4(e.ci_lower),
            f4(e.ci_upper)
        );
    }
    let _ = writeln!(out);
}

/// The whole printout.
pub fn network_table(f: &NetworkFit, measure: Measure, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Network meta-analysis (graph-theoretical method; {} studies, {} pairwise comparisons, {} treatments, {} designs)",
        f.k_studies,
        f.k_comparisons,
        f.treatments.len(),
        f.designs
    );
    let _ = writeln!(
        out,
        "Measure: {measure} (treatment relative to {}; analysis scale); data: {source}",
        f.reference
    );
    let _ = writeln!(out);
    let w = width(f.treatments.iter().map(String::as_str), 9);
    estimates(&mut out, "Common-effect model:", &f.common, w, false);
    estimates(
        &mut out,
        &format!(
            "Random-effects model (tau^2 = {}, {}):",
            f4(f.tau2),
            match f.method {
                crate::model::network::NetworkMethod::Dl => "generalised DerSimonian-Laird",
                crate::model::network::NetworkMethod::Reml => "REML, contrast-based model",
            }
        ),
        &f.random,
        w,
        true,
    );
    random_ci_note(&mut out, f);
    heterogeneity(&mut out, f);
    p_scores(&mut out, f, w);
    node_splitting(&mut out, f);
    out
}

/// How the random-effects CIs were made, when not with normal quantiles.
fn random_ci_note(out: &mut String, f: &NetworkFit) {
    if let Some(df) = f.random_ci_df {
        let what = match f.method_random_ci {
            RandomCi::Hk | RandomCi::HkSe => format!(
                "Hartung-Knapp: se and CIs with variances times {} (Q_random {} / {df} df{}), ",
                f4(f.random_ci_factor),
                f4(f.q_random),
                if f.method_random_ci == RandomCi::HkSe {
                    ", at least 1"
                } else {
                    ""
                }
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  random-effects CIs: {what}t quantile on {df} df; prediction intervals unchanged"
        );
        let _ = writeln!(out);
    }
}

/// Heterogeneity: total, within designs and between designs (inconsistency).
fn heterogeneity(out: &mut String, f: &NetworkFit) {
    let _ = writeln!(out, "Heterogeneity and inconsistency:");
    let _ = writeln!(
        out,
        "  total          Q = {} on {} df, p {}; I^2 = {:.1}%",
        f4(f.q_total),
        f.q_total_df,
        pv(f.q_total_p),
        f.i2
    );
    let _ = writeln!(
        out,
        "  within designs Q = {} on {} df",
        f4(f.q_within),
        f.q_within_df
    );
    let _ = writeln!(
        out,
        "  between designs Q = {} on {} df, p {} (design-by-treatment inconsistency)",
        f4(f.q_between),
        f.q_between_df,
        pv(f.q_between_p)
    );
    let _ = writeln!(out);
}

/// The P-scores, best (random effects) first, in a treatment column `w` wide.
fn p_scores(out: &mut String, f: &NetworkFit, w: usize) {
    let _ = writeln!(
        out,
        "P-scores ({} is better; the mean certainty of being better than another treatment, not a probability of being best):",
        if f.small_values_good { "smaller" } else { "larger" }
    );
    let mut ranked: Vec<_> = f.p_scores.iter().collect();
    ranked.sort_by(|a, b| b.random.total_cmp(&a.random));
    let _ = writeln!(out, "{:<w$} {:>8} {:>8}", "treatment", "common", "random");
    for p in ranked {
        let _ = writeln!(
            out,
            "{:<w$} {:>8.4} {:>8.4}",
            p.treatment, p.common, p.random
        );
    }
    let _ = writeln!(out);
}

/// Node-splitting: direct, indirect and network estimates per comparison.
fn node_splitting(out: &mut String, f: &NetworkFit) {
    let cw = width(f.netsplit.iter().map(|s| s.comparison.as_str()), 10);
    let _ = writeln!(out, "Node-splitting (common effect; back-calculation):");
    let _ = writeln!(
        out,
        "{:<cw$} {:>3} {:>6} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "comparison", "k", "direct", "nma", "direct", "indirect", "diff", "p"
    );
    for s in &f.netsplit {
        let o = |x: Option<f64>| x.map_or_else(|| ".".to_string(), f4);
        let _ = writeln!(
            out,
            "{:<cw$} {:>3} {:>5.0}% {:>9} {:>9} {:>9} {:>9} {:>8}",
            s.comparison,
            s.k,
            100.0 * s.prop_direct,
            f4(s.nma),
            f4(s.direct),
            o(s.indirect),
            o(s.difference),
            s.p_value.map_or_else(|| ".".to_string(), pv)
        );
    }
}
