//! Text printouts of `peerstat meta`: the metafor-style fit, subgroups, meta-regression, and
//! (through `robust.rs`) the dependent-effects sections.

use std::fmt::Write as _;

use super::robust::{robust_table, rve_table};
use crate::effect::{BackTransform, Measure};
use crate::model::subgroup::SubgroupAnalysis;
use crate::model::{Fit, MetaResult, PiMethod, Tau2Method};
use crate::report::fmt::{f4, fp, label, pv, stars, width};

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
    let bt = fit.back;
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
    if !bt.is_identity() {
        let _ = writeln!(
            out,
            "Back-transformed ({}{}): {} ({lvl}% CI {} to {}){}",
            bt.scale(fit.measure),
            match bt {
                BackTransform::FreemanTukey { n_harmonic } => {
                    format!(", harmonic mean n = {}", f4(n_harmonic))
                }
                _ => String::new(),
            },
            f4(bt.apply(s.estimate)),
            f4(bt.apply(s.ci_lower)),
            f4(bt.apply(s.ci_upper)),
            if ee {
                String::new()
            } else {
                format!(
                    "; prediction interval {} to {}",
                    f4(bt.apply(s.pi_lower)),
                    f4(bt.apply(s.pi_upper))
                )
            }
        );
    }
    let _ = writeln!(out);
    let w = width(fit.studies.iter().map(|st| st.study.as_str()), 5);
    let z = crate::dist::norm_quantile(1.0 - (1.0 - lvl / 100.0) / 2.0);
    let back = !bt.is_identity();
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>8} {:>8}  {} [{lvl}% CI]",
        "study",
        "yi",
        "vi",
        "weight",
        match bt {
            BackTransform::Exp => fit.measure.code(),
            BackTransform::ZToR => "r",
            BackTransform::Logistic | BackTransform::FreemanTukey { .. } => "p",
            BackTransform::Identity => "yi",
        }
    );
    for st in &fit.studies {
        let h = z * st.vi.sqrt();
        let (e, lo, hi) = if back {
            (bt.apply(st.yi), bt.apply(st.yi - h), bt.apply(st.yi + h))
        } else {
            (st.yi, st.yi - h, st.yi + h)
        };
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>8} {:>7.2}%  {:.2} [{:.2}, {:.2}]",
            label(&st.study),
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

/// The text printout of a [`MetaResult`]: the core fit, then the subgroup, meta-regression and
/// robust-variance sections that were run.
pub fn table_report(rep: &MetaResult, source: &str) -> String {
    let Some(reg) = &rep.regression else {
        let mut out = table(&rep.fit, source);
        if let Some(sg) = &rep.subgroups {
            out.push_str(&subgroup_table(sg, rep.fit.measure));
        }
        if let Some(r) = &rep.rve {
            out.push_str(&rve_table(r));
        }
        if let Some(r) = &rep.robust {
            out.push_str(&robust_table(r));
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
            label(&c.name),
            f4(c.est.estimate),
            f4(c.est.se),
            f4(c.est.statistic),
            fp(c.est.p_value),
            f4(c.est.ci_lower),
            f4(c.est.ci_upper),
            reg.permutation
                .as_ref()
                .map(|p| format!("  {:>10}", fp(p.p_values[j])))
                .unwrap_or_default(),
            stars(c.est.p_value)
        );
    }
    if let (Some(p), Some(nm)) = (&reg.prediction, &rep.options.newmods) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", super::multilevel::prediction_line(p, nm));
    }
    if let Some(r) = &rep.rve {
        out.push_str(&rve_table(r));
    }
    if let Some(r) = &rep.robust {
        out.push_str(&robust_table(r));
    }
    out
}

fn subgroup_table(sg: &SubgroupAnalysis, measure: Measure) -> String {
    let mut out = String::new();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Subgroups by {} ({}){}:",
        label(&sg.by),
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
    let bt = sg
        .subgroups
        .first()
        .map_or(BackTransform::of(measure), |g| g.fit.back);
    let back = !bt.is_identity();
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
            label(&g.level),
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
                    bt.apply(s.estimate),
                    bt.apply(s.ci_lower),
                    bt.apply(s.ci_upper)
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
    // `subgroup_test` compares the level estimates of the per-level fits: with separate tau^2
    // by default, with the common tau^2 under `common_tau2` (then it is a Wald test on the
    // cell-means model, beside the moderator test QM below).
    let _ = writeln!(
        out,
        "Test for subgroup differences ({}): Q(df = {}) = {}, p-val {}",
        if sg.uses_common_tau2 {
            "Wald, common tau^2"
        } else {
            "separate tau^2"
        },
        t.df,
        f4(t.q),
        pv(t.p_value)
    );
    let c = &sg.subgroup_test_common_tau2;
    if c.df2.is_finite() {
        let _ = writeln!(
            out,
            "Test for subgroup differences (common tau^2, moderator test):   F(df1 = {}, df2 = {}) = {}, p-val {}",
            c.df,
            c.df2,
            f4(c.q),
            pv(c.p_value)
        );
    } else {
        let _ = writeln!(
            out,
            "Test for subgroup differences (common tau^2, moderator test):   QM(df = {}) = {}, p-val {}",
            c.df,
            f4(c.q),
            pv(c.p_value)
        );
    }
    out
}
