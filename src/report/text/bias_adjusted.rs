//! Text printout of `peerstat bias` with the bias-adjusted estimates (PET-PEESE, selection
//! model) after the standard checks.

use std::fmt::Write as _;

use super::diag::bias_table;
use crate::diag::{BiasReport, LimitRegression, PetOrPeese, PetPeese, SelModel};
use crate::report::fmt::{f4, pv};

/// Text printout of `peerstat bias`: [`bias_table`], then PET-PEESE and the selection model
/// when present.
pub fn bias_report_table(r: &BiasReport, source: &str) -> String {
    let mut out = bias_table(&r.bias, source);
    if let Some(p) = &r.pet_peese {
        pet_peese_text(&mut out, p);
    }
    if let Some(s) = &r.selmodel {
        selmodel_text(&mut out, s);
    }
    out
}

/// One PET or PEESE line.
fn limit_line(out: &mut String, name: &str, l: &LimitRegression) {
    let _ = writeln!(
        out,
        "  {name} (lm(yi ~ {}, weights = 1/vi)): limit estimate {} (SE = {}, CI {} to {}), \
         intercept p-val {}; slope {} (p-val {})",
        l.predictor,
        f4(l.estimate),
        f4(l.se),
        f4(l.ci_lower),
        f4(l.ci_upper),
        pv(l.intercept_p),
        f4(l.slope),
        pv(l.slope_p)
    );
}

/// The PET-PEESE section.
fn pet_peese_text(out: &mut String, p: &PetPeese) {
    let _ = writeln!(out);
    let _ = writeln!(out, "PET-PEESE (t(k-2) = t({}) intervals):", p.pet.df);
    limit_line(out, "PET  ", &p.pet);
    limit_line(out, "PEESE", &p.peese);
    let c = &p.pet_peese;
    let _ = writeln!(
        out,
        "  PET-PEESE: {} {} (SE = {}, CI {} to {}); rule: {}",
        match c.chosen {
            PetOrPeese::Pet => "PET",
            PetOrPeese::Peese => "PEESE",
        },
        f4(c.estimate),
        f4(c.se),
        f4(c.ci_lower),
        f4(c.ci_upper),
        c.rule
    );
}

/// The selection-model section.
fn selmodel_text(out: &mut String, s: &SelModel) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Selection model ({}, alternative {}, {}{}; k = {}):",
        s.kind.as_str(),
        match s.alternative {
            crate::diag::Alternative::Greater => "greater",
            crate::diag::Alternative::Less => "less",
            crate::diag::Alternative::TwoSided => "two-sided",
        },
        s.method,
        match &s.steps {
            Some(st) => format!(
                ", steps {}",
                st.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => String::new(),
        },
        s.k
    );
    let _ = writeln!(
        out,
        "  adjusted estimate {} (SE = {}, z = {}, p-val {}, {}% CI {} to {}), tau^2 = {}",
        f4(s.estimate),
        f4(s.se),
        f4(s.z),
        pv(s.p_value),
        s.level,
        f4(s.ci_lower),
        f4(s.ci_upper),
        f4(s.tau2)
    );
    for (j, d) in s.delta.iter().enumerate() {
        let k = match &s.k_per_interval {
            Some(c) => format!(" (k = {})", c[j.min(c.len() - 1)]),
            None => String::new(),
        };
        let se = match s.delta_se[j] {
            Some(x) => format!("SE = {}", f4(x)),
            None if s.delta_fixed[j] => "fixed".into(),
            None => "at bound".into(),
        };
        let _ = writeln!(out, "  delta[{}] = {} ({se}){k}", j + 1, f4(*d));
    }
    let _ = writeln!(
        out,
        "  LRT for selection: X^2({}) = {}, p-val {}",
        s.lrt_df,
        f4(s.lrt),
        s.lrt_p.map_or("NA (no delta estimated)".into(), pv)
    );
    for n in &s.notes {
        let _ = writeln!(out, "  note: {n}");
    }
}
