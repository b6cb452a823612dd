//! The metafor-style printout of a multilevel model (`print.rma.mv`).

use std::fmt::Write as _;

use super::fitted::{coefficient_table, f4g, prediction_line, Columns};
use crate::model::multilevel::{
    MultilevelDfs, MultilevelFit, MultilevelMethod, MultilevelTable, MultilevelTest,
};
use crate::model::vcalc::VcalcSpec;
use crate::model::Fitted;
use crate::report::fmt::{f4, label, pv, width};

/// A printout like metafor's `print(rma.mv(...))`: the variance components (estimate, square
/// root, number of levels, fixed, factor), the test for residual heterogeneity, the test of
/// moderators, the coefficients and the fit statistics. `source` names the data.
pub fn multilevel_table(r: &MultilevelTable, source: &str) -> String {
    let f = &r.fit;
    let mut out = header(r, source);
    let _ = writeln!(out);
    out.push_str(&variance_components(f));
    if let Some(st) = &f.structured {
        out.push_str(&structured(st));
    }
    out.push_str(&tests(f));
    out.push_str(&model_results(r));
    out.push_str(&fit_statistics(f));
    out
}

/// The estimation method as metafor names it.
fn method_name(m: MultilevelMethod) -> &'static str {
    match m {
        MultilevelMethod::Reml => "REML",
        MultilevelMethod::Ml => "ML",
    }
}

/// The model's name, the measure and the data, and where the sampling covariances come from.
fn header(r: &MultilevelTable, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Multivariate Meta-Analysis Model (k = {}; method: {})",
        r.fit.k,
        method_name(r.fit.method)
    );
    let _ = writeln!(out, "Measure: {}; data: {source}", r.measure);
    if let Some(v) = &r.options.vcalc {
        let _ = writeln!(out, "Sampling covariance: vcalc({})", vcalc_call(v));
    }
    if let Some(cols) = &r.options.vcov_cols {
        let _ = writeln!(out, "Sampling covariance: columns {}", cols.join(", "));
    }
    out
}

/// The arguments of the `vcalc` call that built the sampling covariances.
fn vcalc_call(v: &VcalcSpec) -> String {
    let mut parts = vec![format!("cluster = {}", v.cluster)];
    parts.extend(v.subgroup.as_ref().map(|o| format!("subgroup = {o}")));
    parts.extend(v.obs.as_ref().map(|o| format!("obs = {o}")));
    parts.extend(v.type_col.as_ref().map(|o| format!("type = {o}")));
    match v.rho_type {
        Some(b) if v.obs.is_some() => parts.push(format!("rho = c({}, {b})", v.rho)),
        Some(b) => parts.push(format!("rho = {b}")),
        None if v.obs.is_some() => parts.push(format!("rho = {}", v.rho)),
        None => {}
    }
    parts.extend(v.time.as_ref().map(|t| format!("time1 = {t}")));
    parts.extend(v.time2.as_ref().map(|t| format!("time2 = {t}")));
    parts.extend(v.phi.map(|p| format!("phi = {p}")));
    for (k, c) in [
        ("grp1", &v.grp1),
        ("grp2", &v.grp2),
        ("w1", &v.w1),
        ("w2", &v.w2),
    ] {
        parts.extend(c.as_ref().map(|c| format!("{k} = {c}")));
    }
    parts.join(", ")
}

/// The variance components: estimate, square root, levels, whether held, factor and the
/// profile-likelihood CI, with notes on the CIs.
fn variance_components(f: &MultilevelFit) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Variance Components:");
    let _ = writeln!(out);
    let fw = width(f.factors.iter().map(String::as_str), 6);
    let nw = format!("sigma^2.{}", f.sigma2.len()).len();
    let ci = f.sigma2_ci.as_deref().unwrap_or(&[]);
    let capped = f.sigma2_ci_capped.as_deref().unwrap_or(&[]);
    let head = if ci.is_empty() {
        String::new()
    } else {
        format!(" {:>8} {:>8}", "ci.lb", "ci.ub")
    };
    if !f.sigma2.is_empty() {
        let _ = writeln!(
            out,
            "{:<nw$} {:>8} {:>8} {:>6} {:>6} {:>fw$}{head}",
            "", "estim", "sqrt", "nlvls", "fixed", "factor"
        );
    }
    for (l, ((s2, n), fac)) in f
        .sigma2
        .iter()
        .zip(&f.sigma2_levels)
        .zip(&f.factors)
        .enumerate()
    {
        let bounds = ci
            .get(l)
            .map(|b| sigma2_bounds(b, capped.get(l)))
            .unwrap_or_default();
        let fixed = if f.sigma2_fixed.get(l).copied().unwrap_or(false) {
            "yes"
        } else {
            "no"
        };
        let _ = writeln!(
            out,
            "{:<nw$} {:>8} {:>8} {:>6} {:>6} {:>fw$}{bounds}",
            format!("sigma^2.{}", l + 1),
            f4(*s2),
            f4(s2.sqrt()),
            n,
            fixed,
            label(fac)
        );
    }
    if !ci.is_empty() {
        let _ = writeln!(
            out,
            "(profile-likelihood CIs; a lower bound of 0: the deviance at sigma^2 = 0 is below the cut-off)"
        );
        if capped.iter().flatten().any(|c| *c) {
            let _ = writeln!(
                out,
                "(>: the upper bound is the end of the search interval, the deviance there is still below the cut-off: the true bound lies beyond)"
            );
        }
    }
    out
}

/// A component's CI bounds as two columns; a bound at the end of the search interval is
/// marked as metafor does (`<` lower, `>` upper).
fn sigma2_bounds(b: &[f64; 2], capped: Option<&[bool; 2]>) -> String {
    let sign = |i: usize| match capped {
        Some(c) if c[i] => {
            if i == 0 {
                "<"
            } else {
                ">"
            }
        }
        _ => "",
    };
    format!(
        " {:>8} {:>8}",
        format!("{}{}", sign(0), f4(b[0])),
        format!("{}{}", sign(1), f4(b[1]))
    )
}

/// I² per level, the test for residual heterogeneity and the test of moderators.
fn tests(f: &MultilevelFit) -> String {
    let mut out = String::new();
    if !f.i2_levels.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "I^2 per level: {}",
            f.factors
                .iter()
                .zip(&f.i2_levels)
                .map(|(fac, i2)| format!("{fac} {i2:.2}%"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Test for Residual Heterogeneity:");
    let _ = writeln!(
        out,
        "QE(df = {}) = {}, p-val {}",
        f.qe_df,
        f4(f.qe),
        pv(f.qe_p)
    );
    let _ = writeln!(out);
    if f.p > 1 {
        let m = f.p - 1;
        let coefs = if m == 1 {
            "coefficient 2".to_string()
        } else {
            format!("coefficients 2:{}", f.p)
        };
        let _ = writeln!(out, "Test of Moderators ({coefs}):");
        if f.test == MultilevelTest::T {
            let _ = writeln!(
                out,
                "F(df1 = {m}, df2 = {}) = {}, p-val {}",
                f.qm_df2.map(f4g).unwrap_or_default(),
                f4(f.qm),
                pv(f.qm_p)
            );
        } else {
            let _ = writeln!(out, "QM(df = {m}) = {}, p-val {}", f4(f.qm), pv(f.qm_p));
        }
        let _ = writeln!(out);
    }
    out
}

/// The coefficient table, the prediction at moderator values, the prediction interval and the
/// likelihood-ratio test.
fn model_results(r: &MultilevelTable) -> String {
    let f = &r.fit;
    let mut out = String::new();
    let t = f.test == MultilevelTest::T;
    let dfs = match (t, f.dfs) {
        (false, _) => String::new(),
        (true, MultilevelDfs::Residual) => format!(" (t on {} df)", f.qe_df),
        (true, MultilevelDfs::Contain) => " (t on containment df)".to_string(),
    };
    let _ = writeln!(out, "Model Results{dfs}:");
    let _ = writeln!(out);
    let cols = Columns {
        t,
        df: t,
        names: true,
        extra: None,
    };
    out.push_str(&coefficient_table(&r.coefficients(), &cols));
    if let (Some(pr), Some(nm)) = (&f.prediction, &r.options.newmods) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", prediction_line(pr, nm));
    }
    if let (Some(lo), Some(hi)) = (f.pi_lower, f.pi_upper) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Prediction interval for a new study: [{}, {}]",
            f4(lo),
            f4(hi)
        );
    }
    if let Some(t) = &r.lrt {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Likelihood-ratio test without {}: LRT = {}, df = {}, p-val {} (reduced: logLik {}, AIC {}, BIC {})",
            t.dropped,
            f4(t.lrt),
            t.df,
            pv(t.p_value),
            f4(t.loglik_reduced),
            f4(t.aic_reduced),
            f4(t.bic_reduced)
        );
    }
    out
}

/// logLik, deviance, AIC, BIC and AICc (metafor's `fitstats`).
fn fit_statistics(f: &MultilevelFit) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(out, "{:>10}{:>10}", "", method_name(f.method));
    for (name, x) in [
        ("logLik:", f.loglik),
        ("deviance:", f.deviance),
        ("AIC:", f.aic),
        ("BIC:", f.bic),
        ("AICc:", f.aicc),
    ] {
        let _ = writeln!(out, "{name:<10}{x:>10.4}");
    }
    out
}

/// The structured term's variances and correlations, with their profile CIs when computed.
fn structured(st: &crate::model::multilevel::StructFit) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Structured term: {} (struct = {}; {} outer levels; inner levels {})",
        st.struct_term,
        st.structure.name(),
        st.struct_outer_levels,
        st.struct_levels.join(", ")
    );
    let row = |name: String, est: f64, ci: Option<&[f64; 2]>, fixed: bool, what: &str| {
        let bounds = ci
            .map(|b| format!(" {:>8} {:>8}", f4(b[0]), f4(b[1])))
            .unwrap_or_default();
        let fx = if fixed { "yes" } else { "no" };
        format!("{name:<10} {:>8} {fx:>6} {what}{bounds}\n", f4(est))
    };
    let het = st.struct_tau2.len() > 1;
    for (j, t) in st.struct_tau2.iter().enumerate() {
        let name = if het {
            format!("tau^2.{}", j + 1)
        } else {
            "tau^2".into()
        };
        let what = if het {
            st.struct_levels.get(j).cloned().unwrap_or_default()
        } else {
            "all levels".into()
        };
        let ci = st.struct_tau2_ci.as_ref().and_then(|c| c.get(j));
        let fixed = st.struct_tau2_fixed.get(j).copied().unwrap_or(false);
        out.push_str(&row(name, *t, ci, fixed, &what));
    }
    let n = st.struct_levels.len();
    let pairs: Vec<(usize, usize)> = (1..n).flat_map(|a| (0..a).map(move |b| (a, b))).collect();
    for (j, r) in st.struct_rho.iter().enumerate() {
        let (name, what) = if st.struct_rho.len() > 1 {
            let (a, b) = pairs.get(j).copied().unwrap_or((0, 0));
            let lv = |i: usize| st.struct_levels.get(i).cloned().unwrap_or_default();
            (
                format!("rho.{}{}", a + 1, b + 1),
                format!("{} with {}", lv(a), lv(b)),
            )
        } else {
            ("rho".into(), "between inner levels".into())
        };
        let ci = st.struct_rho_ci.as_ref().and_then(|c| c.get(j));
        let fixed = st.struct_rho_fixed.get(j).copied().unwrap_or(false);
        out.push_str(&row(name, *r, ci, fixed, &what));
    }
    out
}
