//! Text printouts of `peerstat bias`, `peerstat influence` and the Mantel–Haenszel / Peto fits.

use std::fmt::Write as _;

use crate::diag::{BiasResult, EggerModel, InfluenceResult, MhFit};
use crate::report::fmt::{f4, fp, label, pv, width};

/// Text printout of `peerstat bias`.
pub fn bias_table(r: &BiasResult, source: &str) -> String {
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
        if e.model == EggerModel::Rma {
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
        e.level,
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
        f4(t.est.estimate),
        f4(t.est.se),
        f4(t.est.ci_lower),
        f4(t.est.ci_upper),
        f4(t.tau2),
        if r.measure.is_log_scale() {
            format!("; {} {}", r.measure.code(), f4(t.est.estimate.exp()))
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
        fp(r.fail_safe_n.rosenthal_p),
        r.fail_safe_n.orwin,
        f4(r.fail_safe_n.orwin_target)
    );
    out
}

/// Text printout of `peerstat influence`.
pub fn influence_table(r: &InfluenceResult, source: &str) -> String {
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
                label(&s.study),
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
                label(&s.study),
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
pub fn mh_table(f: &MhFit, source: &str) -> String {
    let level = f.level;
    let mut out = String::new();
    let name = f.method.name();
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
        f4(f.est.estimate),
        f4(f.est.se),
        f4(f.est.statistic),
        fp(f.est.p_value),
        f4(f.est.ci_lower),
        f4(f.est.ci_upper)
    );
    if f.measure.is_log_scale() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} {} ({level}% CI {} to {})",
            f.measure.description(),
            f4(f.est.estimate.exp()),
            f4(f.est.ci_lower.exp()),
            f4(f.est.ci_upper.exp())
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
    if let Some(t) = &f.tarone {
        let _ = writeln!(
            out,
            "Tarone's test for heterogeneity: X^2 = {} (df = {}), p-val {}",
            f4(t.statistic),
            t.df,
            pv(t.p)
        );
    }
    out
}
