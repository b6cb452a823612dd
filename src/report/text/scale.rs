//! The printout of a location-scale model (metafor's `print` of an `rma.ls` fit): fit
//! statistics, the tests of residual heterogeneity and of the location and scale coefficients,
//! both coefficient tables, the profile CIs of α, τ² per factor level and predictions.

use std::fmt::Write as _;

use super::fitted::{coefficient_table, Columns};
use crate::model::scale::{ScalePrediction, ScaleTableFit};
use crate::report::fmt::{f4, pv};

/// A location-scale model as text, metafor-style, for the file `file`.
pub fn scale_table(r: &ScaleTableFit, file: &str) -> String {
    let f = &r.fit;
    let mut out = String::new();
    let method = match f.method {
        crate::model::scale::ScaleMethod::Reml => "REML",
        crate::model::scale::ScaleMethod::Ml => "ML",
    };
    let _ = writeln!(
        out,
        "Location-Scale Model (k = {}; {method}; {file})\n",
        f.k
    );
    if r.dropped > 0 {
        let _ = writeln!(
            out,
            "{} studies left out (missing moderator or scale value)\n",
            r.dropped
        );
    }
    let _ = writeln!(
        out,
        "  logLik: {}   AIC: {}   BIC: {}\n",
        f4(f.loglik),
        f4(f.aic),
        f4(f.bic)
    );
    let _ = writeln!(
        out,
        "Test for Residual Heterogeneity:\nQE(df = {}) = {}, p-val {}\n",
        f.qe_df,
        f4(f.qe),
        pv(f.qe_p)
    );
    let cols = Columns {
        names: true,
        ..Columns::default()
    };
    if let (Some(qm), Some(df), Some(p)) = (f.qm, f.qm_df, f.qm_p) {
        let _ = writeln!(
            out,
            "Test of Location Coefficients (coefficients 2:{}):\nQM(df = {df}) = {}, p-val {}\n",
            df + 1,
            f4(qm),
            pv(p)
        );
    }
    let _ = writeln!(out, "Model Results (Location):\n");
    out.push_str(&coefficient_table(&f.coefficients, &cols));
    out.push('\n');
    if let (Some(qs), Some(df), Some(p)) = (f.qs, f.qs_df, f.qs_p) {
        let _ = writeln!(
            out,
            "Test of Scale Coefficients (coefficients 2:{}):\nQS(df = {df}) = {}, p-val {}\n",
            df + 1,
            f4(qs),
            pv(p)
        );
    }
    let _ = writeln!(out, "Model Results (Scale, log tau^2):\n");
    out.push_str(&coefficient_table(&f.alpha, &cols));
    out.push_str(&details(r));
    out
}

/// The profile CIs of α, τ² per level and the prediction.
fn details(r: &ScaleTableFit) -> String {
    let mut out = String::new();
    if let Some(prof) = &r.fit.alpha_profile {
        let _ = writeln!(out, "\nProfile-likelihood CIs of the scale coefficients:\n");
        let w = prof.iter().map(|p| p.name.len()).max().unwrap_or(7).max(7);
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>9} {:>9}",
            "", "estimate", "ci.lb", "ci.ub"
        );
        for p in prof {
            let _ = writeln!(
                out,
                "{:<w$} {:>9} {:>9} {:>9}",
                p.name,
                f4(p.estimate),
                f4(p.ci_lower),
                f4(p.ci_upper)
            );
        }
    }
    if let Some(by) = &r.tau2_by {
        let _ = writeln!(out, "\ntau^2 by level:\n");
        let w = by.keys().map(String::len).max().unwrap_or(5).max(5);
        for (lvl, t) in by {
            let _ = writeln!(out, "{lvl:<w$} {:>9}", f4(*t));
        }
    }
    if let Some(p) = &r.prediction {
        out.push_str(&prediction(p));
    }
    out
}

/// One prediction: τ² of the setting, and the effect with its CI and prediction interval.
fn prediction(p: &ScalePrediction) -> String {
    let mut out = String::new();
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "\nPrediction at newscale = ({}){}:\n",
        list(&p.newscale),
        p.newmods
            .as_ref()
            .map(|m| format!(", newmods = ({})", list(m)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  tau^2 {} (CI {} to {}); log tau^2 {} (se {})",
        f4(p.tau2),
        f4(p.tau2_ci_lower),
        f4(p.tau2_ci_upper),
        f4(p.log_tau2),
        f4(p.log_tau2_se)
    );
    if let Some(e) = &p.effect {
        let _ = writeln!(
            out,
            "  effect {} (se {}; CI {} to {}; PI {} to {})",
            f4(e.pred),
            f4(e.se),
            f4(e.ci_lower),
            f4(e.ci_upper),
            f4(e.pi_lower),
            f4(e.pi_upper)
        );
    }
    out
}
