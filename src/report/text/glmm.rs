//! The printout of a GLMM fit (metafor's `print.rma.glmm` layout).

use std::fmt::Write as _;

use crate::model::glmm::{GlmmFit, GlmmMeasure};
use crate::report::fmt::{f4, fp, pv};

/// A GLMM fit as text.
pub fn glmm_table(f: &GlmmFit, source: &str) -> String {
    let mut out = String::new();
    let kind = if f.method == "ML" {
        "Random-Effects Model"
    } else {
        "Equal-Effects Model"
    };
    let model = f
        .glmm
        .map(|m| format!("; model {}", m.code()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{kind} (GLMM{model}; k = {}; tau^2 estimator: {}; nAGQ = {}; data: {source})\n",
        f.k, f.method, f.nagq
    );
    if f.method == "ML" {
        let _ = writeln!(
            out,
            "tau^2 (estimated amount of total heterogeneity): {}",
            f4(f.tau2)
        );
        let _ = writeln!(
            out,
            "tau (square root of estimated tau^2 value):      {}",
            f4(f.tau)
        );
        let _ = writeln!(
            out,
            "I^2 (total heterogeneity / total variability):   {:.2}%",
            f.i2
        );
        let _ = writeln!(
            out,
            "H^2 (total variability / sampling variability):  {}\n",
            f4(f.h2)
        );
    }
    let _ = writeln!(out, "Tests for Heterogeneity:");
    for (name, t) in [("Wld", &f.wald_het), ("LRT", &f.lrt_het)] {
        let _ = writeln!(
            out,
            "{name}(df = {}) = {}, p-val {}",
            t.df,
            f4(t.statistic),
            pv(t.p)
        );
    }
    let _ = writeln!(out, "\nModel Results ({}):\n", scale(f.measure));
    let _ = writeln!(
        out,
        "{:>9} {:>8} {:>9} {:>8} {:>9} {:>9}",
        "estimate", "se", "zval", "pval", "ci.lb", "ci.ub"
    );
    let e = &f.est;
    let _ = writeln!(
        out,
        "{:>9} {:>8} {:>9} {:>8} {:>9} {:>9}\n",
        f4(e.estimate),
        f4(e.se),
        f4(e.statistic),
        fp(e.p_value),
        f4(e.ci_lower),
        f4(e.ci_upper)
    );
    let _ = writeln!(
        out,
        "logLik {}  deviance {}  AIC {}  BIC {}  AICc {}",
        f4(f.loglik),
        f4(f.deviance),
        f4(f.aic),
        f4(f.bic),
        f4(f.aicc)
    );
    out
}

/// The scale of the estimate, in words.
fn scale(m: GlmmMeasure) -> &'static str {
    match m {
        GlmmMeasure::Or => "log odds ratio",
        GlmmMeasure::Irr => "log incidence rate ratio",
        GlmmMeasure::Plo => "logit proportion",
        GlmmMeasure::Irln => "log incidence rate",
    }
}
