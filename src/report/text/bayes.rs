//! The printout of a Bayesian random-effects fit, in the style of bayesmeta's `print` /
//! `summary`: priors, the marginal posterior summary of tau, mu and theta (a new study), the
//! probabilities asked for, the marginal likelihood and Bayes factors, and the shrinkage
//! estimates.

use std::fmt::Write;

use crate::model::bayes::{BayesFit, Marginal};
use crate::report::fmt::{label, width};

/// A number with 6 decimals, `Inf` for a missing (infinite) moment.
fn f6(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.6}"),
        _ => "Inf".into(),
    }
}

/// A number in general form with 6 significant digits, `NA` when missing.
fn g6(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => {
            if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e6) {
                format!("{v:.5e}")
            } else {
                format!("{v:.6}")
            }
        }
        _ => "NA".into(),
    }
}

/// The text printout of a [`BayesFit`].
pub fn bayes_table(b: &BayesFit) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Bayesian random-effects meta-analysis (k = {}; normal-normal hierarchical model, exact quadrature)",
        b.k
    );
    let proper = |p: bool| if p { "proper" } else { "improper" };
    let mu_proper = matches!(b.mu_prior, crate::model::bayes::MuPrior::Normal { .. });
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "tau prior ({}): {}",
        proper(b.tau_prior.is_proper()),
        b.tau_prior
    );
    let _ = writeln!(out, "mu prior ({}): {}", proper(mu_proper), b.mu_prior);
    let _ = writeln!(out);
    out.push_str(&summary_block(b));
    let _ = writeln!(out);
    let _ = writeln!(out, "P(mu > 0) = {:.6}", b.prob_mu_gt_0);
    for t in &b.prob_mu_above {
        let _ = writeln!(out, "P(mu > {}) = {:.6}", t.threshold, t.prob);
    }
    let _ = writeln!(out);
    match &b.marginal_likelihood_note {
        Some(note) => {
            let _ = writeln!(out, "{note}");
        }
        None => {
            let _ = writeln!(out, "marginal likelihood: {}", g6(b.marginal_likelihood));
            let _ = writeln!(
                out,
                "Bayes factors: tau=0: {}   mu=0: {}",
                g6(b.bayes_factor_tau0),
                g6(b.bayes_factor_mu0)
            );
        }
    }
    let _ = writeln!(out);
    out.push_str(&shrinkage_block(b));
    out
}

/// bayesmeta's "marginal posterior summary" table.
fn summary_block(b: &BayesFit) -> String {
    let mut out = String::new();
    let cols: [&Marginal; 3] = [&b.tau, &b.mu, &b.theta_new];
    let pct = format!("{}%", 100.0 * b.level);
    let rows: [(String, [String; 3]); 6] = [
        ("mode".into(), cols.map(|m| f6(Some(m.mode)))),
        ("median".into(), cols.map(|m| f6(Some(m.median)))),
        ("mean".into(), cols.map(|m| f6(m.mean))),
        ("sd".into(), cols.map(|m| f6(m.sd))),
        (format!("{pct} lower"), cols.map(|m| f6(Some(m.ci_lower)))),
        (format!("{pct} upper"), cols.map(|m| f6(Some(m.ci_upper)))),
    ];
    let w = rows
        .iter()
        .flat_map(|(_, v)| v.iter().map(String::len))
        .max()
        .unwrap_or(8)
        .max(9);
    let _ = writeln!(out, "marginal posterior summary:");
    let _ = writeln!(out, "{:<10} {:>w$} {:>w$} {:>w$}", "", "tau", "mu", "theta");
    for (name, v) in &rows {
        let _ = writeln!(out, "{name:<10} {:>w$} {:>w$} {:>w$}", v[0], v[1], v[2]);
    }
    let _ = writeln!(
        out,
        "(quoted intervals are {} credible intervals; theta is the effect of a new study, the posterior predictive; Inf: the moment is infinite)",
        b.interval
    );
    out
}

/// The shrinkage estimates, one row per study.
fn shrinkage_block(b: &BayesFit) -> String {
    let mut out = String::new();
    let lw = width(b.studies.iter().map(|s| s.study.as_str()), 5);
    let pct = format!("{}%", 100.0 * b.level);
    let _ = writeln!(
        out,
        "shrinkage estimates (posterior of each study's effect):"
    );
    let _ = writeln!(
        out,
        "{:<lw$} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "study",
        "y",
        "sigma",
        "mean",
        "median",
        "sd",
        format!("{pct} lo"),
        format!("{pct} hi")
    );
    for s in &b.studies {
        let _ = writeln!(
            out,
            "{:<lw$} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>10.4}",
            label(&s.study),
            s.yi,
            s.sei,
            s.shrunk_mean,
            s.shrunk_median,
            s.shrunk_sd,
            s.ci_lower,
            s.ci_upper
        );
    }
    out
}
