//! The metafor-style printout of a multilevel model (`print.rma.mv`).

use std::fmt::Write as _;

use crate::model::multilevel::{MultilevelMethod, MultilevelTable, MultilevelTest};
use crate::report::fmt::{f4, fp, label, pv, stars, width};

/// A printout like metafor's `print(rma.mv(...))`: the variance components (estimate, square
/// root, number of levels, fixed, factor), the test for residual heterogeneity, the test of
/// moderators, the coefficients and the fit statistics. `source` names the data.
pub fn multilevel_table(r: &MultilevelTable, source: &str) -> String {
    let f = &r.fit;
    let mut out = String::new();
    let method = match f.method {
        MultilevelMethod::Reml => "REML",
        MultilevelMethod::Ml => "ML",
    };
    let _ = writeln!(
        out,
        "Multivariate Meta-Analysis Model (k = {}; method: {method})",
        f.k
    );
    let _ = writeln!(out, "Measure: {}; data: {source}", r.measure);
    if let Some(v) = &r.options.vcalc {
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
        let _ = writeln!(out, "Sampling covariance: vcalc({})", parts.join(", "));
    }
    if let Some(cols) = &r.options.vcov_cols {
        let _ = writeln!(out, "Sampling covariance: columns {}", cols.join(", "));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "Variance Components:");
    let _ = writeln!(out);
    let fw = width(f.factors.iter().map(String::as_str), 6);
    let nw = format!("sigma^2.{}", f.sigma2.len()).len();
    let ci = f.sigma2_ci.as_deref().unwrap_or(&[]);
    let head = if ci.is_empty() {
        String::new()
    } else {
        format!(" {:>8} {:>8}", "ci.lb", "ci.ub")
    };
    let _ = writeln!(
        out,
        "{:<nw$} {:>8} {:>8} {:>6} {:>6} {:>fw$}{head}",
        "", "estim", "sqrt", "nlvls", "fixed", "factor"
    );
    for (l, ((s2, n), fac)) in f
        .sigma2
        .iter()
        .zip(&f.sigma2_levels)
        .zip(&f.factors)
        .enumerate()
    {
        let bounds = ci
            .get(l)
            .map(|b| format!(" {:>8} {:>8}", f4(b[0]), f4(b[1])))
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
    }
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
    let t = f.test == MultilevelTest::T;
    if f.p > 1 {
        let m = f.p - 1;
        let coefs = if m == 1 {
            "coefficient 2".to_string()
        } else {
            format!("coefficients 2:{}", f.p)
        };
        let _ = writeln!(out, "Test of Moderators ({coefs}):");
        if t {
            let _ = writeln!(
                out,
                "F(df1 = {m}, df2 = {}) = {}, p-val {}",
                f.qe_df,
                f4(f.qm),
                pv(f.qm_p)
            );
        } else {
            let _ = writeln!(out, "QM(df = {m}) = {}, p-val {}", f4(f.qm), pv(f.qm_p));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Model Results{}:",
        if t {
            format!(" (t on {} df)", f.qe_df)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let w = width(f.coefficients.iter().map(|c| c.name.as_str()), 7);
    let stat = if t { "tval" } else { "zval" };
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>8} {:>9} {:>8} {:>9} {:>9}",
        "", "estimate", "se", stat, "pval", "ci.lb", "ci.ub"
    );
    for c in &f.coefficients {
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>9} {:>8} {:>9} {:>9}  {}",
            label(&c.name),
            f4(c.est.estimate),
            f4(c.est.se),
            f4(c.est.statistic),
            fp(c.est.p_value),
            f4(c.est.ci_lower),
            f4(c.est.ci_upper),
            stars(c.est.p_value)
        );
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
    let _ = writeln!(out);
    let _ = writeln!(out, "{:>10}{:>10}", "", method);
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
