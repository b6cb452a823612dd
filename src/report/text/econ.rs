//! Text printout of `peerstat cea`.

use std::fmt::Write as _;

use crate::econ::table::{CeaResult, Pooled};
use crate::econ::FiellerKind;
use crate::econ::{DrawsAnalysis, FrontierRow, TrialResult};
use crate::report::fmt::{label, width};

/// Text printout of `peerstat cea`.
pub fn cea_table(r: &CeaResult, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Economic evaluation ({:?} data; {source})", r.shape);
    if let Some(f) = &r.frontier {
        frontier_text(&mut out, f);
    }
    if let Some(d) = &r.draws {
        draws_text(&mut out, d);
        super::voi::voi_text(&mut out, d);
    }
    if let Some(t) = &r.trial {
        trial_text(&mut out, t);
    }
    if let Some(p) = &r.pooled {
        pooled_text(&mut out, p);
    }
    out
}

/// Money to the unit, or "-" when not finite.
fn money(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.0}")
    } else {
        "-".into()
    }
}

/// The efficiency frontier: one line per strategy with its increments, ICER and status.
fn frontier_text(out: &mut String, f: &[FrontierRow]) {
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
            label(&x.strategy),
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

/// The probabilistic analysis: per willingness to pay, the CEAF strategy, EVPI and P(best).
fn draws_text(out: &mut String, d: &DrawsAnalysis) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} draws; pairwise comparisons against '{}'",
        d.draws,
        label(&d.reference)
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
            .map(|(n, p)| format!("{}: {p:.3}", label(n)))
            .collect();
        let _ = writeln!(
            out,
            "{:>10} {:>24} {:>10.2}  {}",
            money(w.wtp),
            label(&w.ceaf_strategy),
            w.evpi,
            pb.join(", ")
        );
    }
}

/// A trial's incremental cost and effect, ICER with its Fieller interval, INMB and bootstrap.
fn trial_text(out: &mut String, t: &TrialResult) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} (n = {}) vs {} (n = {}){}",
        label(&t.treatment),
        t.n[0],
        label(&t.control),
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
            FiellerKind::Bounded => format!("{} to {}", money(f.lower), money(f.upper)),
            FiellerKind::TwoRays => format!(
                "ICER <= {} or ICER >= {} (the effect difference is not significant)",
                money(f.lower),
                money(f.upper)
            ),
            FiellerKind::WholeLine =>
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

/// The pooled incremental cost and effect across trials, and the INMB per willingness to pay.
fn pooled_text(out: &mut String, p: &Pooled) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Pooled across {} trials (REML, Knapp-Hartung):",
        p.studies.len()
    );
    let _ = writeln!(
        out,
        "incremental cost {:.2} (CI {:.2} to {:.2}); incremental effect {:.5} (CI {:.5} to {:.5})",
        p.inc_cost.estimate,
        p.inc_cost.ci_lower,
        p.inc_cost.ci_upper,
        p.inc_effect.estimate,
        p.inc_effect.ci_lower,
        p.inc_effect.ci_upper
    );
    for w in &p.by_wtp {
        let s = &w.fit;
        let _ = writeln!(out, "INMB at {}: {:.2} (CI {:.2} to {:.2}; tau^2 {:.1}; prediction interval {:.2} to {:.2})", money(w.wtp), s.estimate, s.ci_lower, s.ci_upper, s.tau2, s.pi_lower, s.pi_upper);
    }
}
