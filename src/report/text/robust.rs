//! Text printouts of the dependent-effects sections of `peerstat meta`: robust variance
//! estimation (robumeta) and cluster-robust inference on the fitted model (metafor `robust()`).

use std::fmt::Write as _;

use crate::model::robust::{RhoRow, RobustFit, RobustType};
use crate::model::rve::RveFit;
use crate::model::Estimate;
use crate::report::fmt::{f4, fp, label, pv, stars, width};

/// The coefficient table shared by both sections: estimate, SE, t, df, p, CI; with a note when
/// some df are below 4.
fn coefficient_rows<'a>(
    rows: impl Iterator<Item = (&'a str, &'a Estimate, f64)> + Clone,
) -> String {
    let mut out = String::new();
    let w = width(rows.clone().map(|r| r.0), 7);
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>8} {:>9} {:>7} {:>8} {:>9} {:>9}",
        "", "estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub"
    );
    let mut small_df = false;
    for (name, e, df) in rows {
        small_df |= df < 4.0;
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>9} {:>7.2} {:>8} {:>9} {:>9}  {}",
            label(name),
            f4(e.estimate),
            f4(e.se),
            f4(e.statistic),
            df,
            fp(e.p_value),
            f4(e.ci_lower),
            f4(e.ci_upper),
            stars(e.p_value)
        );
    }
    if small_df {
        let _ = writeln!(
            out,
            "Note: df < 4 for some coefficients: their p-values are unreliable (Tipton 2015)."
        );
    }
    out
}

/// The robust variance estimation section.
pub(super) fn rve_table(r: &RveFit) -> String {
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
    out.push_str(&coefficient_rows(
        r.coefficients
            .iter()
            .map(|c| (c.name.as_str(), &c.est, c.df)),
    ));
    out
}

/// The cluster-robust inference section (metafor's `robust()` printout).
pub fn robust_table(r: &RobustFit) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let how = match r.kind {
        RobustType::Cr2 => "CR2 (clubSandwich), Satterthwaite df",
        RobustType::Cr1 => "CR1 (metafor default), df = clusters - p",
        RobustType::Cr0 => "CR0 (metafor adjust = FALSE), df = clusters - p",
    };
    let _ = writeln!(
        out,
        "Cluster-robust inference on the fitted model, {how}: {} clusters",
        r.clusters
    );
    if let Some(h) = &r.htz {
        let test = match r.kind {
            RobustType::Cr2 => "HTZ test",
            RobustType::Cr1 | RobustType::Cr0 => "Test",
        };
        let _ = writeln!(
            out,
            "{test} of moderators: F(df1 = {}, df2 = {:.2}) = {}, p-val {}",
            h.df1,
            h.df2,
            f4(h.f),
            pv(h.p_value)
        );
    }
    out.push_str(&coefficient_rows(
        r.coefficients
            .iter()
            .map(|c| (c.name.as_str(), &c.est, c.df)),
    ));
    out
}

/// The CHE model refitted at each ρ of a grid (`--rho-grid`): ρ, estimate, SE, the variance
/// components and, with robust inference, the robust SE and df.
pub fn rho_grid_table(rows: &[RhoRow]) -> String {
    let mut out = String::new();
    let robust = rows.iter().any(|r| r.robust_se.is_some());
    let nl = rows.first().map_or(0, |r| r.sigma2.len());
    let _ = writeln!(out);
    let _ = writeln!(out, "Sensitivity to the assumed sampling correlation rho:");
    let _ = write!(out, "{:>6} {:>9} {:>8}", "rho", "estimate", "se");
    for l in 1..=nl {
        let _ = write!(out, " {:>10}", format!("sigma^2.{l}"));
    }
    if robust {
        let _ = write!(out, " {:>9} {:>7}", "robust se", "df");
    }
    let _ = writeln!(out);
    for r in rows {
        let _ = write!(out, "{:>6} {:>9} {:>8}", r.rho, f4(r.estimate), f4(r.se));
        for s in &r.sigma2 {
            let _ = write!(out, " {:>10}", f4(*s));
        }
        if let (Some(se), Some(df)) = (r.robust_se, r.robust_df) {
            let _ = write!(out, " {:>9} {:>7.2}", f4(se), df);
        }
        let _ = writeln!(out);
    }
    out
}
