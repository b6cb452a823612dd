//! The methods paragraph of an evaluation: only the analyses that ran, then the sections that
//! did not run (their reasons are in the report and `Evaluation::skipped`/`DomainResult::skipped`).

use std::collections::BTreeMap;

use super::codebook::Codebook;
use super::domain::DomainResult;
use super::options::{EvaluateOptions, Thresholds};
use super::records::Skipped;

/// What ran across the domains, counted in domains.
#[derive(Default)]
struct Ran {
    pooled: usize,
    subgroup_by: Vec<String>,
    regression: usize,
    rve_rho: Option<f64>,
    rve: usize,
    bias: usize,
    low_risk: usize,
    leave_one_out: usize,
    dependent: usize,
}

fn ran(domains: &[DomainResult]) -> Ran {
    let mut r = Ran::default();
    for d in domains {
        r.pooled += usize::from(d.pooled.is_some());
        r.dependent += usize::from(d.dependence.is_some());
        for sg in &d.subgroups {
            if !r.subgroup_by.contains(&sg.by) {
                r.subgroup_by.push(sg.by.clone());
            }
        }
        r.regression += usize::from(
            d.duration
                .as_ref()
                .is_some_and(|x| x.coefficients.len() > 1),
        );
        if let Some(f) = &d.rve {
            r.rve += 1;
            r.rve_rho.get_or_insert(f.rho);
        }
        r.bias += usize::from(d.bias.is_some());
        r.low_risk += usize::from(d.sensitivity.low_risk_only.is_some());
        r.leave_one_out += usize::from(d.sensitivity.leave_one_out_range.is_some());
    }
    r
}

fn domains(n: usize) -> String {
    format!("{n} domain{}", if n == 1 { "" } else { "s" })
}

/// The sections not run anywhere or in some domains, by name, with how many domains.
fn not_run(domains_: &[DomainResult], skipped: &[Skipped]) -> Vec<String> {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for d in domains_ {
        // levels left out of a subgroup test that ran are not an analysis that did not run
        for s in d
            .skipped
            .iter()
            .filter(|s| !s.section.contains(": levels with"))
        {
            *by.entry(s.section.as_str()).or_default() += 1;
        }
    }
    let mut out: Vec<String> = by
        .into_iter()
        .map(|(s, n)| format!("{s} ({})", domains(n)))
        .collect();
    out.extend(skipped.iter().map(|s| s.section.clone()));
    out
}

/// The effect sizes, directions and scales, in words.
fn effects_sentence(opts: &EvaluateOptions) -> String {
    format!(
        "peerstat {} standard analysis. Effects: yi with vi/sei as given (or vi from a CI or p-value on the scale of yi); otherwise Hedges' g (exact J, LS variance) from arm means and SDs (filled in from medians with IQR and/or range, Luo 2018 mean, Wan 2014 / Shi 2020 SD, or from standard errors) or from a t or F statistic or p-value with the group sizes; otherwise the log odds ratio from 2x2 tables (0.5 added to tables with a zero cell); cluster-randomised trials (cluster_size with an ICC) adjusted by the design effect 1 + (m - 1) ICC; every outcome's direction from higher_is_better (per row, or per outcome in the options){}; a domain whose outcomes share one direction is shown in its natural orientation, a domain mixing directions has its lower-is-better effects reversed so that positive means benefit; a domain whose effects are all binary is analysed as log odds ratios (shown as odds ratios), in domains mixing binary and continuous data log odds ratios are converted to SMDs ({}); the evidence-and-gap map uses the same scale per domain.",
        env!("CARGO_PKG_VERSION"),
        if opts.assume_higher_is_better {
            " (outcomes without one assumed higher-is-better, as asked)"
        } else {
            ""
        },
        opts.binary_to_smd.describe(),
    )
}

/// Pooling, the model for dependent effects, and the certainty rating, in words.
fn pooling(opts: &EvaluateOptions, level: f64, r: &Ran, n_domains: usize) -> String {
    let t = &opts.thresholds;
    let mut s = String::new();
    if r.pooled > 0 {
        s.push_str(&format!(
            " Pooling ({} of {}): a domain with fewer than {} studies is shown, not pooled; random effects, REML tau^2, Knapp-Hartung t-based {level}% CIs (metafor's ad hoc correction, SE never below the Wald SE, up to {} studies), Q-profile CI for tau^2, prediction intervals (t, k-1 df; with a caveat when tau^2 = 0 from fewer than {} studies).",
            domains(r.pooled),
            n_domains,
            t.min_studies_to_pool,
            t.adhoc_max_studies,
            t.tau2_zero_caveat_below,
        ));
    } else {
        s.push_str(&format!(
            " No domain had {} or more studies, so nothing was pooled: each study's effect is shown.",
            t.min_studies_to_pool
        ));
    }
    if r.dependent > 0 {
        s.push_str(&format!(
            " Where a study contributes several effects ({}), the correlated-and-hierarchical-effects model instead: random effects for study and for effect within study (REML), sampling errors of one study correlated rho = {} (metafor's vcalc), CR2 cluster-robust CIs by study on Satterthwaite df (clubSandwich; the larger of the CR2 and model-based SE below 4 df), the prediction interval from both variance components, and the estimate at rho = 0.2 to 0.8; where they run, the subgroup tests (CR2 HTZ), the duration slope and the sensitivity analyses (leaving out whole studies) of those domains likewise.",
            domains(r.dependent),
            opts.rho
        ));
    }
    if r.pooled > 0 {
        s.push_str(&format!(
            " Certainty of evidence GRADE-style per pooled domain: start high when randomised studies carry at least {:.0}% of the weight, else low; risk of bias weighs every effect's judgement by its weight (RoB 2 for randomised, ROBINS-I for non-randomised studies, a non-randomised study without ROBINS-I counted as at high risk, no judgement as some concerns): one level down when some concerns or high carry at least {:.0}% of the weight, two when high alone carries at least {:.0}%; inconsistency one level down when I^2 >= {:.0}% or the prediction interval crosses no effect (or a minimal important difference) that the CI does not; imprecision one level down when the CI crosses no effect or a minimal important difference (two when it crosses both), when the optimal information size is not reached (binary outcomes: events for RRR {:.0}%, alpha {}, power {}; continuous outcomes: {} participants unless stated), when the cluster-robust CI has fewer than {} df, or with fewer than {} studies; publication bias (a small-study test p < {} where at least {} effects allow one) and indirectness (indirect weight over {:.0}%) one level each; absolute effects per 1,000 from the OR and the assumed control risk.",
            100.0 * t.min_randomised_share,
            100.0 * t.concerns_share,
            100.0 * t.high_risk_share,
            t.inconsistency_i2,
            100.0 * t.ois_rrr,
            t.ois_alpha,
            t.ois_power,
            t.ois_participants,
            t.min_robust_df,
            t.min_precise_studies,
            t.publication_bias_p,
            t.min_bias_effects,
            100.0 * t.indirect_share,
        ));
    }
    s
}

/// The subgroup, meta-regression, RVE, bias and sensitivity analyses that ran, in words.
fn other_analyses(t: &Thresholds, r: &Ran) -> String {
    let mut s = String::new();
    let mut ran_list = Vec::new();
    if !r.subgroup_by.is_empty() {
        ran_list.push(format!(
            "subgroups (exploratory, with Holm-adjusted p-values across the report) by {}, levels with fewer than {} studies left out of the test (separate tau^2; test for subgroup differences)",
            r.subgroup_by.join(", "),
            t.min_level_studies
        ));
    }
    if r.regression > 0 {
        ran_list.push(format!(
            "meta-regression on duration_months ({})",
            domains(r.regression)
        ));
    }
    if let Some(rho) = r.rve_rho {
        ran_list.push(format!(
            "robust variance estimation (correlated effects, rho = {rho}, small-sample corrected) where studies contribute several effects ({})",
            domains(r.rve)
        ));
    }
    if r.bias > 0 {
        ran_list.push(format!(
            "Egger, Begg, trim-and-fill and fail-safe N where k >= {} ({})",
            t.min_bias_effects,
            domains(r.bias)
        ));
    }
    let mut sens = Vec::new();
    if r.low_risk > 0 {
        sens.push(format!("low risk of bias only ({})", domains(r.low_risk)));
    }
    if r.leave_one_out > 0 {
        sens.push(format!(
            "leave-one-out range ({})",
            domains(r.leave_one_out)
        ));
    }
    if !sens.is_empty() {
        ran_list.push(format!("sensitivity: {}", sens.join(" and ")));
    }
    if !ran_list.is_empty() {
        let mut first = ran_list.join("; ");
        if let Some(c) = first.get(..1) {
            first = c.to_uppercase() + &first[1..];
        }
        s.push_str(&format!(" {first}."));
    }
    s
}

/// The economic analyses, in words.
fn economics_sentence(
    opts: &EvaluateOptions,
    economics: Option<&crate::econ::table::CeaResult>,
    ceac: bool,
) -> String {
    let mut s = String::new();
    let wtp = opts
        .wtp
        .iter()
        .map(|w| format!("£{w:.0}"))
        .collect::<Vec<_>>()
        .join(", ");
    match economics {
        Some(e) if e.pooled.is_some() => s.push_str(&format!(
            " Economics: incremental net monetary benefit per trial pooled by REML + Knapp-Hartung at WTP {wtp}{}.",
            if ceac { ", with its acceptability curve" } else { "" }
        )),
        Some(_) => s.push_str(&format!(" Economics: cost-effectiveness of the cost data given, at WTP {wtp}.")),
        None => {}
    }
    s
}

/// The methods paragraph: the effect sizes and directions, then each analysis that ran in at
/// least one domain (pooling, subgroups, meta-regression, RVE, bias checks, sensitivity,
/// economics), then the sections not run.
pub(crate) fn methods(
    codebook: &Codebook,
    opts: &EvaluateOptions,
    level: f64,
    domain_results: &[DomainResult],
    economics: Option<&crate::econ::table::CeaResult>,
    ceac: bool,
    skipped: &[Skipped],
) -> String {
    let r = ran(domain_results);
    let mut s = effects_sentence(opts);
    s.push_str(&pooling(opts, level, &r, domain_results.len()));
    s.push_str(&other_analyses(&opts.thresholds, &r));
    s.push_str(&super::smallk_methods::methods_sentence(domain_results));
    s.push_str(&economics_sentence(opts, economics, ceac));
    let skipped = not_run(domain_results, skipped);
    if !skipped.is_empty() {
        s.push_str(&format!(
            " Not run (reasons in the report): {}.",
            skipped.join("; ")
        ));
    }
    s.push_str(&format!(
        " Codebook: {} {}.",
        codebook.name, codebook.version
    ));
    s
}
