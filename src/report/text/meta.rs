//! Text printouts of `peerstat meta`: the metafor-style fit, subgroups, meta-regression, and
//! (through `robust.rs`) the dependent-effects sections.

use std::fmt::Write as _;

use super::fitted::{coefficient_table, prediction_line, Columns};
use super::robust::{robust_table, rve_table};
use crate::effect::{BackTransform, Measure};
use crate::model::subgroup::SubgroupAnalysis;
use crate::model::{Convergence, Fit, Fitted, MetaResult, PiMethod, RegressionKeys, Tau2Method};
use crate::report::fmt::{f4, fp, label, pv, width};

/// A metafor-style printout of a fit, with back-transformed values for ratio measures.
/// `source` names the data in the header.
pub fn table(fit: &Fit, source: &str) -> String {
    let mut out = fit_header(fit, source);
    out.push_str(&heterogeneity(fit));
    out.push_str(&model_results(fit));
    out.push_str(&intervals(fit));
    out.push_str(&study_rows(fit));
    out
}

/// The model's name, the measure and the data, and how many rows were left out.
fn fit_header(fit: &Fit, source: &str) -> String {
    let mut out = String::new();
    if fit.method == Tau2Method::Ee {
        let _ = writeln!(out, "Common-Effect Model (k = {})", fit.summary.k);
    } else {
        let _ = writeln!(
            out,
            "Random-Effects Model (k = {}; tau^2 estimator: {})",
            fit.summary.k, fit.method
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
    if fit.summary.converged_by == Convergence::Multimodal {
        let _ = writeln!(
            out,
            "Note: the {} of tau^2 has more than one local maximum; the highest is reported",
            if fit.method == Tau2Method::Reml {
                "restricted likelihood"
            } else {
                "likelihood"
            }
        );
    }
    let _ = writeln!(out);
    out
}

/// τ², τ, I² and H² with their CIs, and the test for heterogeneity.
fn heterogeneity(fit: &Fit) -> String {
    let s = &fit.summary;
    let lvl = fit.options.get_level();
    let ee = fit.method == Tau2Method::Ee;
    let mut out = String::new();
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
    let _ = writeln!(out, "Q(df = {}) = {}, p-val {}", s.q_df, f4(s.q), pv(s.q_p));
    let _ = writeln!(out);
    out
}

/// The pooled effect as a one-row coefficient table (z, or Knapp–Hartung t).
fn model_results(fit: &Fit) -> String {
    let knha = fit.options.get_knha();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Model Results{}:",
        if knha {
            format!(" (Knapp-Hartung, t on {} df)", fit.summary.df)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let cols = Columns {
        t: knha,
        ..Columns::default()
    };
    out.push_str(&coefficient_table(&fit.coefficients(), &cols));
    let _ = writeln!(out);
    out
}

/// The prediction interval and the back-transformed estimate, CI and PI.
fn intervals(fit: &Fit) -> String {
    let s = &fit.summary;
    let lvl = fit.options.get_level();
    let ee = fit.method == Tau2Method::Ee;
    let bt = fit.back;
    let mut out = String::new();
    if !ee {
        let _ = writeln!(
            out,
            "Prediction interval ({lvl}%{}): {} to {}",
            match fit.options.get_prediction() {
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
    out
}

/// One row per study: effect, variance, weight and the effect with its CI on the natural scale.
fn study_rows(fit: &Fit) -> String {
    let lvl = fit.options.get_level();
    let bt = fit.back;
    let mut out = String::new();
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
    let mut out = match &rep.regression {
        Some(reg) => regression_table(rep, reg, source),
        None => {
            let mut out = table(&rep.fit, source);
            if let Some(sg) = &rep.subgroups {
                out.push_str(&subgroup_table(sg, rep.fit.measure));
            }
            out
        }
    };
    if let Some(r) = &rep.rve {
        out.push_str(&rve_table(r));
    }
    if let Some(r) = &rep.robust {
        out.push_str(&robust_table(r));
    }
    if let Some(b) = &rep.bayes {
        out.push_str(&super::bayes_table(b));
    }
    if let Some(c) = rep.regression.as_ref().and_then(|r| r.contrasts.as_ref()) {
        out.push_str(&super::contrast_table(c));
    }
    if let Some(b) = &rep.blups {
        out.push_str(&super::blup_table(&b.blup));
        out.push_str(&super::ranef_table(&b.ranef, &["study".to_string()]));
    }
    out
}

/// The printout of a meta-regression (metafor `print.rma.uni` with moderators).
fn regression_table(rep: &MetaResult, reg: &RegressionKeys, source: &str) -> String {
    let fit = &rep.fit;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Mixed-Effects Model (k = {}; tau^2 estimator: {})",
        fit.summary.k, fit.method
    );
    let _ = writeln!(
        out,
        "Measure: {} ({}); data: {source}",
        fit.measure,
        fit.measure.description()
    );
    let _ = writeln!(out);
    out.push_str(&residual_heterogeneity(fit, reg));
    out.push_str(&moderator_tests(reg, fit.options.get_knha()));
    let _ = writeln!(out, "Model Results:");
    let _ = writeln!(out);
    let cols = Columns {
        t: fit.options.get_knha(),
        names: true,
        extra: reg.permutation.as_ref().map(|p| {
            let cells = p.p_values.iter().map(|&p| fp(p)).collect();
            ("pval(perm)", cells)
        }),
        ..Columns::default()
    };
    out.push_str(&coefficient_table(&reg.coefficients, &cols));
    if let (Some(p), Some(nm)) = (&reg.prediction, &rep.options.newmods) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", prediction_line(p, nm));
        if let Some(how) = &reg.prediction_covariance {
            let _ = writeln!(out, "(CI and prediction interval from the {how})");
        }
    }
    out
}

/// Residual τ², τ, I², H², R² and the test for residual heterogeneity of a meta-regression.
fn residual_heterogeneity(fit: &Fit, reg: &RegressionKeys) -> String {
    let s = &fit.summary;
    let lvl = fit.options.get_level();
    let mut out = String::new();
    if fit.method != Tau2Method::Ee {
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
    out
}

/// The test of moderators (χ², or F under Knapp–Hartung) and the permutation test.
fn moderator_tests(reg: &RegressionKeys, knha: bool) -> String {
    let mut out = String::new();
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
    out
}

/// The subgroup section: a heading, one row per level and the tests for subgroup differences.
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
    out.push_str(&subgroup_rows(sg, measure));
    let _ = writeln!(out);
    out.push_str(&subgroup_tests(sg));
    out
}

/// One row per subgroup level: k, estimate, SE, CI, τ², I², Q p-value and the back-transformed
/// estimate with its CI.
fn subgroup_rows(sg: &SubgroupAnalysis, measure: Measure) -> String {
    let mut out = String::new();
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
    out
}

/// The tests for subgroup differences: between the per-level fits, and the moderator test with
/// a common τ².
fn subgroup_tests(sg: &SubgroupAnalysis) -> String {
    let mut out = String::new();
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
