//! Reports: a metafor-style text printout, the JSON contract, and a one-row CSV summary.
//!
//! # Examples
//!
//! ```
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::RandomEffects;
//! use peerstat::report;
//! let es = EffectSizes::from_slices(Measure::Gen, &[0.1, 0.4, 0.3], &[0.02, 0.03, 0.05]).unwrap();
//! let fit = RandomEffects::new().fit(&es).unwrap();
//! let text = report::table(&fit, "demo");
//! assert!(text.contains("Random-Effects Model (k = 3; tau^2 estimator: REML)"));
//! let json = report::json(&fit).unwrap();
//! assert!(json.contains("\"estimate\""));
//! ```

pub mod html;
pub mod svg;

use std::fmt::Write as _;

use crate::model::{Fit, PiMethod, Tau2Method};

/// Keys of the one-row CSV summary, in order (the scalar keys of the JSON contract).
pub const CSV_KEYS: [&str; 23] = [
    "measure",
    "method",
    "k",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "statistic",
    "p_value",
    "tau2",
    "tau2_ci_lower",
    "tau2_ci_upper",
    "tau",
    "i2",
    "i2_ci_lower",
    "i2_ci_upper",
    "h2",
    "q",
    "q_df",
    "q_p",
    "pi_lower",
    "pi_upper",
    "iterations",
];

/// The JSON contract of `peerstat meta` (pretty-printed). Undefined values are `null`.
///
/// # Errors
/// Only if serialisation fails (it does not for these types).
pub fn json(fit: &Fit) -> serde_json::Result<String> {
    serde_json::to_string_pretty(fit)
}

fn num(x: f64) -> String {
    if x.is_finite() {
        crate::data::fmt_f64(x)
    } else {
        String::new()
    }
}

/// A CSV header line and one row with the scalar results (`studies` omitted; empty cell = null).
pub fn csv(fit: &Fit) -> String {
    let s = &fit.summary;
    let vals = [
        fit.measure.code().to_string(),
        fit.method.code().to_string(),
        s.k.to_string(),
        num(s.estimate),
        num(s.se),
        num(s.ci_lower),
        num(s.ci_upper),
        num(s.statistic),
        num(s.p_value),
        num(s.tau2),
        num(s.tau2_ci_lower),
        num(s.tau2_ci_upper),
        num(s.tau),
        num(s.i2),
        num(s.i2_ci_lower),
        num(s.i2_ci_upper),
        num(s.h2),
        num(s.q),
        s.q_df.to_string(),
        num(s.q_p),
        num(s.pi_lower),
        num(s.pi_upper),
        s.iterations.to_string(),
    ];
    format!("{}\n{}\n", CSV_KEYS.join(","), vals.join(","))
}

/// Column width for labels: the longest label in characters, at least `min`.
fn width<'a>(labels: impl Iterator<Item = &'a str>, min: usize) -> usize {
    labels
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(min)
        .max(min)
}

/// Formats with 4 decimals, or `NA`.
pub fn f4(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "NA".into()
    }
}

/// Formats a p-value as metafor does (`<.0001` below 1e-4).
pub fn fp(p: f64) -> String {
    if !p.is_finite() {
        "NA".into()
    } else if p < 1e-4 {
        "<.0001".into()
    } else {
        format!("{p:.4}")
    }
}

fn stars(p: f64) -> &'static str {
    match p {
        p if p < 0.001 => "***",
        p if p < 0.01 => "**",
        p if p < 0.05 => "*",
        p if p < 0.1 => ".",
        _ => "",
    }
}

/// A metafor-style printout of a fit, with back-transformed values for ratio measures.
/// `source` names the data in the header.
pub fn table(fit: &Fit, source: &str) -> String {
    let s = &fit.summary;
    let o = &fit.options;
    let lvl = o.get_level();
    let mut out = String::new();
    let ee = fit.method == Tau2Method::Ee;
    if ee {
        let _ = writeln!(out, "Common-Effect Model (k = {})", s.k);
    } else {
        let _ = writeln!(
            out,
            "Random-Effects Model (k = {}; tau^2 estimator: {})",
            s.k, fit.method
        );
    }
    let scale = if fit.measure.is_log_scale() {
        format!("log {}", fit.measure.description())
    } else {
        fit.measure.description().to_string()
    };
    let _ = writeln!(out, "Measure: {} ({scale}); data: {source}", fit.measure);
    if !fit.omitted.is_empty() {
        let _ = writeln!(out, "{} row(s) omitted (see warnings)", fit.omitted.len());
    }
    let _ = writeln!(out);
    let ci = |lo: f64, hi: f64, pct: bool| {
        if lo.is_finite() && hi.is_finite() {
            if pct {
                format!(" ({lvl}% CI {:.2}% to {:.2}%)", lo, hi)
            } else {
                format!(" ({lvl}% CI {} to {})", f4(lo), f4(hi))
            }
        } else {
            String::new()
        }
    };
    if !ee {
        let _ = writeln!(
            out,
            "tau^2 (estimated amount of total heterogeneity): {}{}",
            f4(s.tau2),
            ci(s.tau2_ci_lower, s.tau2_ci_upper, false)
        );
        let _ = writeln!(
            out,
            "tau (square root of estimated tau^2 value):      {}{}",
            f4(s.tau),
            ci(s.tau2_ci_lower.sqrt(), s.tau2_ci_upper.sqrt(), false)
        );
    }
    let _ = writeln!(
        out,
        "I^2 ({}):   {:.2}%{}",
        if ee {
            "residual heterogeneity / unaccounted variability"
        } else {
            "total heterogeneity / total variability"
        },
        s.i2,
        ci(s.i2_ci_lower, s.i2_ci_upper, true)
    );
    let _ = writeln!(
        out,
        "H^2 ({}):  {:.2}{}",
        if ee {
            "unaccounted variability / sampling variability"
        } else {
            "total variability / sampling variability"
        },
        s.h2,
        if s.h2_ci_lower.is_finite() {
            format!(" ({lvl}% CI {:.2} to {:.2})", s.h2_ci_lower, s.h2_ci_upper)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "Test for Heterogeneity:");
    let _ = writeln!(
        out,
        "Q(df = {}) = {}, p-val {}",
        s.q_df,
        f4(s.q),
        match fp(s.q_p).as_str() {
            "<.0001" => "< .0001".to_string(),
            p => format!("= {p}"),
        }
    );
    let _ = writeln!(out);
    let knha = o.get_knha();
    let _ = writeln!(
        out,
        "Model Results{}:",
        if knha {
            format!(" (Knapp-Hartung, t on {} df)", s.df)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let stat = if knha { "tval" } else { "zval" };
    let _ = writeln!(
        out,
        "{:>9} {:>8} {:>9} {:>8} {:>9} {:>9}",
        "estimate", "se", stat, "pval", "ci.lb", "ci.ub"
    );
    let _ = writeln!(
        out,
        "{:>9} {:>8} {:>9} {:>8} {:>9} {:>9}  {}",
        f4(s.estimate),
        f4(s.se),
        f4(s.statistic),
        fp(s.p_value),
        f4(s.ci_lower),
        f4(s.ci_upper),
        stars(s.p_value)
    );
    let _ = writeln!(out);
    if !ee {
        let _ = writeln!(
            out,
            "Prediction interval ({lvl}%{}): {} to {}",
            match o.get_prediction() {
                PiMethod::Metafor => "",
                PiMethod::Riley => ", t(k-2)",
            },
            f4(s.pi_lower),
            f4(s.pi_upper)
        );
    }
    if fit.measure.is_log_scale() {
        let _ = writeln!(
            out,
            "Back-transformed ({}): {} ({lvl}% CI {} to {}){}",
            fit.measure.description(),
            f4(s.estimate.exp()),
            f4(s.ci_lower.exp()),
            f4(s.ci_upper.exp()),
            if ee {
                String::new()
            } else {
                format!(
                    "; prediction interval {} to {}",
                    f4(s.pi_lower.exp()),
                    f4(s.pi_upper.exp())
                )
            }
        );
    }
    let _ = writeln!(out);
    let w = width(fit.studies.iter().map(|st| st.study.as_str()), 5);
    let z = crate::dist::norm_quantile(1.0 - (1.0 - lvl / 100.0) / 2.0);
    let back = fit.measure.is_log_scale();
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>8} {:>8}  {} [{lvl}% CI]",
        "study",
        "yi",
        "vi",
        "weight",
        if back { fit.measure.code() } else { "yi" }
    );
    for st in &fit.studies {
        let h = z * st.vi.sqrt();
        let (e, lo, hi) = if back {
            (st.yi.exp(), (st.yi - h).exp(), (st.yi + h).exp())
        } else {
            (st.yi, st.yi - h, st.yi + h)
        };
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>7.2}%  {:.2} [{:.2}, {:.2}]",
            st.study,
            f4(st.yi),
            f4(st.vi),
            st.weight,
            e,
            lo,
            hi
        );
    }
    out
}

/// Keys a meta-regression adds to the JSON contract.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegressionKeys {
    /// Coefficients, intercept first.
    pub coefficients: Vec<crate::model::regression::Coefficient>,
    /// Omnibus test of the moderators.
    pub qm: f64,
    /// Its degrees of freedom.
    pub qm_df: usize,
    /// Its p-value.
    pub qm_p: f64,
    /// Test for residual heterogeneity.
    pub qe: f64,
    /// Its degrees of freedom.
    pub qe_df: usize,
    /// Its p-value.
    pub qe_p: f64,
    /// Pseudo-R² (percent).
    pub r2: f64,
    /// Permutation test, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permutation: Option<crate::model::regression::Permutation>,
}

impl RegressionKeys {
    /// The added keys of a regression fit.
    pub fn new(
        r: &crate::model::regression::RegressionFit,
        permutation: Option<crate::model::regression::Permutation>,
    ) -> Self {
        RegressionKeys {
            coefficients: r.coefficients.clone(),
            qm: r.qm,
            qm_df: r.qm_df,
            qm_p: r.qm_p,
            qe: r.qe,
            qe_df: r.qe_df,
            qe_p: r.qe_p,
            r2: r.r2,
            permutation,
        }
    }
}

/// The full JSON of `peerstat meta`: the core keys, plus the keys of subgroup and moderator
/// analyses when they were run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MetaReport {
    /// Core fit (overall fit for subgroups; the regression's core results for moderators).
    #[serde(flatten)]
    pub fit: Fit,
    /// Subgroup analysis (`subgroups`, `subgroup_test`, `subgroup_test_common_tau2`, …).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub subgroups: Option<crate::model::subgroup::SubgroupAnalysis>,
    /// Meta-regression keys.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub regression: Option<RegressionKeys>,
    /// Robust variance estimation for dependent effects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rve: Option<crate::model::rve::RveFit>,
}

/// The text printout of a [`MetaReport`]: the core fit, then the subgroup, meta-regression and
/// robust-variance sections that were run.
pub fn table_report(rep: &MetaReport, source: &str) -> String {
    let Some(reg) = &rep.regression else {
        let mut out = table(&rep.fit, source);
        if let Some(sg) = &rep.subgroups {
            out.push_str(&subgroup_table(sg, rep.fit.measure));
        }
        if let Some(r) = &rep.rve {
            out.push_str(&rve_table(r));
        }
        return out;
    };
    let s = &rep.fit.summary;
    let o = &rep.fit.options;
    let lvl = o.get_level();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Mixed-Effects Model (k = {}; tau^2 estimator: {})",
        s.k, rep.fit.method
    );
    let _ = writeln!(
        out,
        "Measure: {} ({}); data: {source}",
        rep.fit.measure,
        rep.fit.measure.description()
    );
    let _ = writeln!(out);
    if rep.fit.method != Tau2Method::Ee {
        let _ = writeln!(
            out,
            "tau^2 (estimated amount of residual heterogeneity):     {} ({lvl}% CI {} to {})",
            f4(s.tau2),
            f4(s.tau2_ci_lower),
            f4(s.tau2_ci_upper)
        );
        let _ = writeln!(
            out,
            "tau (square root of estimated tau^2 value):             {}",
            f4(s.tau)
        );
    }
    let _ = writeln!(
        out,
        "I^2 (residual heterogeneity / unaccounted variability): {:.2}%",
        s.i2
    );
    let _ = writeln!(
        out,
        "H^2 (unaccounted variability / sampling variability):   {:.2}",
        s.h2
    );
    if reg.r2.is_finite() {
        let _ = writeln!(
            out,
            "R^2 (amount of heterogeneity accounted for):            {:.2}%",
            reg.r2
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Test for Residual Heterogeneity:");
    let _ = writeln!(
        out,
        "QE(df = {}) = {}, p-val {}",
        reg.qe_df,
        f4(reg.qe),
        pv(reg.qe_p)
    );
    let _ = writeln!(out);
    let knha = o.get_knha();
    let coefs = if reg.qm_df == 1 {
        "coefficient 2".to_string()
    } else {
        format!("coefficients 2:{}", reg.qm_df + 1)
    };
    if knha {
        let _ = writeln!(
            out,
            "Test of Moderators ({coefs}):\nF(df1 = {}, df2 = {}) = {}, p-val {}",
            reg.qm_df,
            reg.qe_df,
            f4(reg.qm),
            pv(reg.qm_p)
        );
    } else {
        let _ = writeln!(
            out,
            "Test of Moderators ({coefs}):\nQM(df = {}) = {}, p-val {}",
            reg.qm_df,
            f4(reg.qm),
            pv(reg.qm_p)
        );
    }
    if let Some(p) = &reg.permutation {
        let _ = writeln!(
            out,
            "Permutation test ({} of {} permutations, seed {}): QM p-val {}",
            p.used,
            p.iterations,
            p.seed,
            pv(p.qm_p)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Model Results:");
    let _ = writeln!(out);
    let w = width(reg.coefficients.iter().map(|c| c.name.as_str()), 7);
    let stat = if knha { "tval" } else { "zval" };
    let perm = reg.permutation.is_some();
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>8} {:>9} {:>8} {:>9} {:>9}{}",
        "",
        "estimate",
        "se",
        stat,
        "pval",
        "ci.lb",
        "ci.ub",
        if perm { "  pval(perm)" } else { "" }
    );
    for (j, c) in reg.coefficients.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>9} {:>8} {:>9} {:>9}{}  {}",
            c.name,
            f4(c.estimate),
            f4(c.se),
            f4(c.statistic),
            fp(c.p_value),
            f4(c.ci_lower),
            f4(c.ci_upper),
            reg.permutation
                .as_ref()
                .map(|p| format!("  {:>10}", fp(p.p_values[j])))
                .unwrap_or_default(),
            stars(c.p_value)
        );
    }
    if let Some(r) = &rep.rve {
        out.push_str(&rve_table(r));
    }
    out
}

/// A p-value as `= 0.0123` or `< .0001`.
pub fn pv(p: f64) -> String {
    match fp(p).as_str() {
        "<.0001" => "< .0001".to_string(),
        s => format!("= {s}"),
    }
}

fn subgroup_table(
    sg: &crate::model::subgroup::SubgroupAnalysis,
    measure: crate::effect::Measure,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Subgroups by {} ({}){}:",
        sg.by,
        if sg.uses_common_tau2 {
            format!("common tau^2 = {}", f4(sg.common_tau2))
        } else {
            "separate tau^2 per level".to_string()
        },
        if sg.omitted > 0 {
            format!("; {} studies with a missing level left out", sg.omitted)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let w = width(sg.subgroups.iter().map(|g| g.level.as_str()), 5);
    let back = measure.is_log_scale();
    let _ = writeln!(
        out,
        "{:<w$} {:>4} {:>9} {:>8} {:>9} {:>9} {:>8} {:>7} {:>9}{}",
        "level",
        "k",
        "estimate",
        "se",
        "ci.lb",
        "ci.ub",
        "tau^2",
        "I^2",
        "Q p-val",
        if back {
            format!("  {} [CI]", measure.code())
        } else {
            String::new()
        }
    );
    for g in &sg.subgroups {
        let s = &g.fit.summary;
        let _ = writeln!(
            out,
            "{:<w$} {:>4} {:>9} {:>8} {:>9} {:>9} {:>8} {:>6.1}% {:>9}{}{}",
            g.level,
            s.k,
            f4(s.estimate),
            f4(s.se),
            f4(s.ci_lower),
            f4(s.ci_upper),
            f4(s.tau2),
            s.i2,
            fp(s.q_p),
            if back {
                format!(
                    "  {:.2} [{:.2}, {:.2}]",
                    s.estimate.exp(),
                    s.ci_lower.exp(),
                    s.ci_upper.exp()
                )
            } else {
                String::new()
            },
            if g.single_study {
                "  (single study)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out);
    let t = &sg.subgroup_test;
    let _ = writeln!(
        out,
        "Test for subgroup differences (separate tau^2): Q(df = {}) = {}, p-val {}",
        t.df,
        f4(t.q),
        pv(t.p_value)
    );
    let c = &sg.subgroup_test_common_tau2;
    if c.df2.is_finite() {
        let _ = writeln!(
            out,
            "Test for subgroup differences (common tau^2):   F(df1 = {}, df2 = {}) = {}, p-val {}",
            c.df,
            c.df2,
            f4(c.q),
            pv(c.p_value)
        );
    } else {
        let _ = writeln!(
            out,
            "Test for subgroup differences (common tau^2):   QM(df = {}) = {}, p-val {}",
            c.df,
            f4(c.q),
            pv(c.p_value)
        );
    }
    out
}

fn rve_table(r: &crate::model::rve::RveFit) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ =
        writeln!(
        out,
        "Robust variance estimation (correlated effects, rho = {}{}): {} effects in {} clusters",
        r.rho,
        if r.small { ", small-sample corrected" } else { "" },
        r.effects,
        r.clusters
    );
    let _ = writeln!(out, "tau^2 = {}, I^2 = {:.2}%", f4(r.tau2), r.i2);
    let w = width(r.coefficients.iter().map(|c| c.name.as_str()), 7);
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>8} {:>9} {:>7} {:>8} {:>9} {:>9}",
        "", "estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub"
    );
    for c in &r.coefficients {
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>9} {:>7.2} {:>8} {:>9} {:>9}  {}",
            c.name,
            f4(c.estimate),
            f4(c.se),
            f4(c.statistic),
            c.df,
            fp(c.p_value),
            f4(c.ci_lower),
            f4(c.ci_upper),
            stars(c.p_value)
        );
    }
    if r.coefficients.iter().any(|c| c.df < 4.0) {
        let _ = writeln!(
            out,
            "Note: df < 4 for some coefficients: their p-values are unreliable (Tipton 2015)."
        );
    }
    out
}

/// JSON of `peerstat bias`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BiasReport {
    /// Effect measure.
    pub measure: crate::effect::Measure,
    /// τ² estimator of the model tested.
    pub method: Tau2Method,
    /// Number of studies.
    pub k: usize,
    /// Egger's regression test.
    pub egger: crate::diag::Egger,
    /// Begg's rank correlation test.
    pub begg: crate::diag::Begg,
    /// Trim-and-fill.
    pub trimfill: crate::diag::TrimFill,
    /// Fail-safe N.
    pub fail_safe_n: crate::diag::FailSafe,
}

/// JSON of `peerstat influence`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InfluenceReport {
    /// Effect measure.
    pub measure: crate::effect::Measure,
    /// τ² estimator.
    pub method: Tau2Method,
    /// Number of studies.
    pub k: usize,
    /// Leave-one-out and influence diagnostics per study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studies: Option<Vec<crate::diag::Influence>>,
    /// Cumulative meta-analysis steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cumulative: Option<Vec<crate::diag::CumulativeStep>>,
}

/// Text printout of `peerstat bias`.
pub fn bias_table(r: &BiasReport, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Publication bias checks (k = {}; {}; data: {source})",
        r.k, r.method
    );
    let _ = writeln!(out);
    let e = &r.egger;
    let _ = writeln!(
        out,
        "Egger's regression test ({}): {} = {}{}, p-val {}",
        if e.model == "rma" {
            "same model with sei as moderator"
        } else {
            "classic WLS"
        },
        if e.df.is_finite() { "t" } else { "z" },
        f4(e.statistic),
        if e.df.is_finite() {
            format!(" (df = {})", e.df)
        } else {
            String::new()
        },
        pv(e.p_value)
    );
    let _ = writeln!(
        out,
        "  limit estimate (as sei -> 0): {} ({}% CI {} to {})",
        f4(e.limit_estimate),
        95,
        f4(e.limit_ci_lower),
        f4(e.limit_ci_upper)
    );
    let _ = writeln!(
        out,
        "Begg's rank correlation test: Kendall's tau = {}, p-val {}{}",
        f4(r.begg.tau),
        pv(r.begg.p_value),
        if r.begg.exact {
            " (exact)"
        } else {
            " (normal approximation: ties)"
        }
    );
    let t = &r.trimfill;
    let _ = writeln!(
        out,
        "Trim-and-fill ({:?}): estimated missing studies on the {} side: {} (SE = {})",
        t.estimator,
        t.side,
        t.k0,
        f4(t.k0_se)
    );
    let _ = writeln!(
        out,
        "  adjusted estimate {} (SE = {}, CI {} to {}), tau^2 = {}{}",
        f4(t.estimate),
        f4(t.se),
        f4(t.ci_lower),
        f4(t.ci_upper),
        f4(t.tau2),
        if r.measure.is_log_scale() {
            format!("; {} {}", r.measure.code(), f4(t.estimate.exp()))
        } else {
            String::new()
        }
    );
    for f in &t.filled {
        let _ = writeln!(out, "  filled study: yi = {}, vi = {}", f4(f.yi), f4(f.vi));
    }
    let _ = writeln!(
        out,
        "Fail-safe N: Rosenthal {} (combined p {}), Orwin {} (target {})",
        r.fail_safe_n.rosenthal,
        crate::report::fp(r.fail_safe_n.rosenthal_p),
        r.fail_safe_n.orwin,
        f4(r.fail_safe_n.orwin_target)
    );
    out
}

/// Text printout of `peerstat influence`.
pub fn influence_table(r: &InfluenceReport, source: &str) -> String {
    let mut out = String::new();
    if let Some(st) = &r.studies {
        let _ = writeln!(
            out,
            "Leave-one-out and influence diagnostics (k = {}; {}; data: {source})",
            r.k, r.method
        );
        let _ = writeln!(out);
        let w = width(st.iter().map(|s| s.study.as_str()), 5);
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7}  inf",
            "study",
            "estimate",
            "tau2",
            "rstudent",
            "dffits",
            "cook.d",
            "cov.r",
            "QE.del",
            "hat",
            "weight",
            ""
        );
        for s in st {
            let _ = writeln!(
                out,
                "{:<w$} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8.2} {:>8} {:>5.1}%  {}",
                s.study,
                f4(s.leave1out_estimate),
                f4(s.leave1out_tau2),
                f4(s.rstudent),
                f4(s.dffits),
                f4(s.cook_d),
                f4(s.cov_ratio),
                s.qe_deleted,
                f4(s.hat),
                s.weight,
                if s.influential { "*" } else { "" }
            );
        }
    }
    if let Some(c) = &r.cumulative {
        let _ = writeln!(
            out,
            "Cumulative meta-analysis (k = {}; {}; data: {source})",
            r.k, r.method
        );
        let _ = writeln!(out);
        let w = width(c.iter().map(|s| s.study.as_str()), 5);
        let _ = writeln!(
            out,
            "{:<w$} {:>4} {:>9} {:>8} {:>9} {:>9} {:>8} {:>7}",
            "adding", "k", "estimate", "se", "ci.lb", "ci.ub", "tau^2", "I^2"
        );
        for s in c {
            let m = &s.summary;
            let _ = writeln!(
                out,
                "{:<w$} {:>4} {:>9} {:>8} {:>9} {:>9} {:>8} {:>6.1}%",
                s.study,
                m.k,
                f4(m.estimate),
                f4(m.se),
                f4(m.ci_lower),
                f4(m.ci_upper),
                f4(m.tau2),
                m.i2
            );
        }
    }
    out
}

/// Text printout of a Mantel–Haenszel or Peto fit.
pub fn mh_table(f: &crate::diag::MhFit, source: &str, level: f64) -> String {
    let mut out = String::new();
    let name = if f.method == "MH" {
        "Mantel-Haenszel"
    } else {
        "Peto"
    };
    let _ = writeln!(
        out,
        "Common-Effect Model ({name} method; k = {}; data: {source})",
        f.k
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "I^2 (total heterogeneity / total variability):  {:.2}%",
        f.i2
    );
    let _ = writeln!(
        out,
        "H^2 (total variability / sampling variability): {:.2}",
        f.h2
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Test for Heterogeneity:\nQ(df = {}) = {}, p-val {}",
        f.q_df,
        f4(f.q),
        pv(f.q_p)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Model Results ({}):",
        if f.measure.is_log_scale() {
            "log scale"
        } else {
            "risk difference"
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>9} {:>8} {:>9} {:>8} {:>9} {:>9}",
        "estimate", "se", "zval", "pval", "ci.lb", "ci.ub"
    );
    let _ = writeln!(
        out,
        "{:>9} {:>8} {:>9} {:>8} {:>9} {:>9}",
        f4(f.estimate),
        f4(f.se),
        f4(f.statistic),
        fp(f.p_value),
        f4(f.ci_lower),
        f4(f.ci_upper)
    );
    if f.measure.is_log_scale() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} {} ({level}% CI {} to {})",
            f.measure.description(),
            f4(f.estimate.exp()),
            f4(f.ci_lower.exp()),
            f4(f.ci_upper.exp())
        );
    }
    if f.cmh.is_finite() {
        let _ = writeln!(
            out,
            "Cochran-Mantel-Haenszel test: CMH = {} (df = 1), p-val {}",
            f4(f.cmh),
            pv(f.cmh_p)
        );
    }
    out
}

/// Text printout of `peerstat cea`.
pub fn cea_table(r: &crate::econ::table::CeaReport, source: &str) -> String {
    let mut out = String::new();
    let money = |x: f64| {
        if x.is_finite() {
            format!("{x:.0}")
        } else {
            "-".into()
        }
    };
    let _ = writeln!(out, "Economic evaluation ({:?} data; {source})", r.shape);
    if let Some(f) = &r.frontier {
        let _ = writeln!(out);
        let _ = writeln!(out, "Efficiency frontier:");
        let w = width(f.iter().map(|x| x.strategy.as_str()), 8);
        let _ = writeln!(
            out,
            "{:<w$} {:>12} {:>10} {:>12} {:>10} {:>12}  status",
            "strategy", "cost", "effect", "inc. cost", "inc. eff.", "ICER"
        );
        for x in f {
            let _ = writeln!(
                out,
                "{:<w$} {:>12} {:>10.4} {:>12} {:>10} {:>12}  {:?}",
                x.strategy,
                money(x.cost),
                x.effect,
                money(x.inc_cost),
                if x.inc_effect.is_finite() {
                    format!("{:.4}", x.inc_effect)
                } else {
                    "-".into()
                },
                money(x.icer),
                x.status
            );
        }
    }
    if let Some(d) = &r.draws {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} draws; pairwise comparisons against '{}'",
            d.draws, d.reference
        );
        let _ = writeln!(
            out,
            "{:>10} {:>24} {:>10}  P(best) per strategy",
            "WTP", "CEAF strategy", "EVPI"
        );
        for w in &d.by_wtp {
            let pb: Vec<String> = d
                .strategies
                .iter()
                .zip(&w.p_best)
                .map(|(n, p)| format!("{n}: {p:.3}"))
                .collect();
            let _ = writeln!(
                out,
                "{:>10} {:>24} {:>10.2}  {}",
                money(w.wtp),
                w.ceaf_strategy,
                w.evpi,
                pb.join(", ")
            );
        }
    }
    if let Some(t) = &r.trial {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} (n = {}) vs {} (n = {}){}",
            t.treatment,
            t.n[0],
            t.control,
            t.n[1],
            if t.unadjusted.is_some() {
                ", adjusted by SUR"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "incremental cost {:.2}, incremental effect {:.5}, ICER {}",
            t.inc_cost,
            t.inc_effect,
            money(t.icer)
        );
        let f = &t.fieller;
        let _ = writeln!(
            out,
            "Fieller interval: {}",
            match f.kind {
                crate::econ::FiellerKind::Bounded =>
                    format!("{} to {}", money(f.lower), money(f.upper)),
                crate::econ::FiellerKind::TwoRays => format!(
                    "ICER <= {} or ICER >= {} (the effect difference is not significant)",
                    money(f.lower),
                    money(f.upper)
                ),
                crate::econ::FiellerKind::WholeLine =>
                    "the whole line (any ICER is compatible with the data)".into(),
            }
        );
        if let Some(u) = &t.unadjusted {
            let _ = writeln!(
                out,
                "unadjusted: incremental cost {:.2}, incremental effect {:.5}",
                u.inc_cost, u.inc_effect
            );
        }
        for i in &t.inmb {
            let _ = writeln!(
                out,
                "INMB at {}: {:.2} (SE {:.2}; CI {:.2} to {:.2}){}",
                money(i.wtp),
                i.estimate,
                i.se,
                i.ci_lower,
                i.ci_upper,
                if i.p_positive.is_finite() {
                    format!("; P(INMB > 0) = {:.3}", i.p_positive)
                } else {
                    String::new()
                }
            );
        }
        if let Some(b) = &t.bootstrap {
            let _ = writeln!(
                out,
                "bootstrap ({} replicates, seed {}): ICER percentile interval {}",
                b.replicates,
                b.seed,
                if b.icer_interval == "bounded" {
                    format!("{} to {}", money(b.icer_lower), money(b.icer_upper))
                } else {
                    "unbounded (the replicates straddle zero effect): read the INMB / CEAC".into()
                }
            );
        }
    }
    if let Some(p) = &r.pooled {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Pooled across {} trials (REML, Knapp-Hartung):",
            p.studies.len()
        );
        let _ = writeln!(out, "incremental cost {:.2} (CI {:.2} to {:.2}); incremental effect {:.5} (CI {:.5} to {:.5})", p.inc_cost.estimate, p.inc_cost.ci_lower, p.inc_cost.ci_upper, p.inc_effect.estimate, p.inc_effect.ci_lower, p.inc_effect.ci_upper);
        for w in &p.by_wtp {
            let s = &w.fit;
            let _ = writeln!(out, "INMB at {}: {:.2} (CI {:.2} to {:.2}; tau^2 {:.1}; prediction interval {:.2} to {:.2})", money(w.wtp), s.estimate, s.ci_lower, s.ci_upper, s.tau2, s.pi_lower, s.pi_upper);
        }
    }
    out
}
