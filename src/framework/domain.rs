//! The analysis of one outcome domain in `evaluate`: pooled fit, subgroups, duration
//! meta-regression, robust variance estimation, bias checks, sensitivity, plain-language summary
//! and caveats. Every section that does not run is recorded with its reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::evaluate::Skipped;
use super::{Codebook, FieldKind};
use crate::data::Table;
use crate::diag::{self, BiasReport, EggerModel, TrimFillEstimator};
use crate::effect::{EffectSizes, Measure};
use crate::error::Result;
use crate::model::regression::MetaRegression;
use crate::model::rve::{Rve, RveFit};
use crate::model::subgroup::{subgroups, SubgroupAnalysis};
use crate::model::{Fit, RandomEffects, RegressionKeys, Summary, Workspace};

/// Sensitivity analyses of one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Pooled fit of low risk-of-bias effects only (when ≥ 2).
    pub low_risk_only: Option<Summary>,
    /// Smallest and largest leave-one-out estimate.
    pub leave_one_out_range: Option<[f64; 2]>,
}

/// Results for one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainResult {
    /// Outcome domain.
    pub domain: String,
    /// Distinct studies.
    pub studies: usize,
    /// How effects were put on one scale.
    pub scale_note: String,
    /// Pooled fit (REML + Knapp–Hartung): the core keys.
    pub pooled: Fit,
    /// Subgroup analyses by codebook columns.
    pub subgroups: Vec<SubgroupAnalysis>,
    /// Meta-regression on `duration_months`.
    pub duration: Option<RegressionKeys>,
    /// Robust variance estimation when studies contribute several effects.
    pub rve: Option<RveFit>,
    /// Bias checks (k ≥ 10).
    pub bias: Option<BiasReport>,
    /// Sensitivity analyses.
    pub sensitivity: Sensitivity,
    /// Plain-language summary.
    pub summary: String,
    /// Caveats that apply.
    pub caveats: Vec<String>,
    /// Forest plot file name (the report draws it from `pooled`).
    pub forest: String,
    /// Funnel plot file name (k ≥ 10; drawn from `pooled` and `bias`).
    pub funnel: Option<String>,
    /// Sections not run for this domain, with the reason.
    pub skipped: Vec<Skipped>,
}

/// What every domain's analysis shares.
pub(crate) struct DomainData<'a> {
    pub table: &'a Table,
    pub codebook: &'a Codebook,
    pub study_ids: &'a [String],
    pub risk_of_bias: Vec<Option<String>>,
    pub model: RandomEffects,
    pub level: f64,
    pub simulated: bool,
}

/// Analyses one domain: `es` holds its effects (rows of the table), `number` (1-based) names its
/// plot files.
pub(crate) fn analyse_domain(
    d: &DomainData<'_>,
    name: &str,
    number: usize,
    es: &EffectSizes,
    scale_note: String,
) -> Result<DomainResult> {
    let rows = es.rows();
    let mut distinct: Vec<&String> = rows.iter().map(|&i| &d.study_ids[i]).collect();
    distinct.sort();
    distinct.dedup();
    let n_studies = distinct.len();
    let pooled = d.model.fit(es)?;
    let mut skipped = Vec::new();
    let subgroups = domain_subgroups(d, es, &mut skipped);
    let duration = duration(d, es, &mut skipped);
    let rve = rve(d, es, n_studies, &mut skipped);
    let bias = bias(d, es, &mut skipped);
    let sensitivity = sensitivity(d, es, &mut skipped);
    let caveats = caveats(d, es, n_studies, &pooled.summary, bias.as_ref());
    Ok(DomainResult {
        domain: name.to_string(),
        studies: n_studies,
        scale_note,
        summary: plain(name, n_studies, es.measure(), &pooled.summary, d.level),
        pooled,
        subgroups,
        duration,
        rve,
        funnel: bias.as_ref().map(|_| format!("funnel_{number}.svg")),
        bias,
        sensitivity,
        caveats,
        forest: format!("forest_{number}.svg"),
        skipped,
    })
}

/// Subgroups by codebook categories with ≥ 2 levels of ≥ 2 distinct studies.
fn domain_subgroups(
    d: &DomainData<'_>,
    es: &EffectSizes,
    skipped: &mut Vec<Skipped>,
) -> Vec<SubgroupAnalysis> {
    let mut out = Vec::new();
    for f in &d.codebook.fields {
        if !matches!(f.kind, FieldKind::Category { .. })
            || f.name == "outcome_domain"
            || !d.table.has(&f.name)
        {
            continue;
        }
        let vals = d.table.texts(&f.name);
        let mut counts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for &i in es.rows() {
            if let Some(v) = vals[i].as_deref() {
                counts.entry(v).or_default().insert(d.study_ids[i].as_str());
            }
        }
        let section = format!("subgroups by {}", f.name);
        let eligible = counts.values().filter(|c| c.len() >= 2).count();
        if eligible < 2 {
            skipped.push(Skipped::new(
                section,
                format!("{eligible} level(s) with at least 2 studies; 2 are needed"),
            ));
            continue;
        }
        match subgroups(d.table, es, &f.name, &d.model, false) {
            Ok(sg) => out.push(sg),
            Err(e) => skipped.push(Skipped::new(section, e.to_string())),
        }
    }
    out
}

fn duration(
    d: &DomainData<'_>,
    es: &EffectSizes,
    skipped: &mut Vec<Skipped>,
) -> Option<RegressionKeys> {
    let section = "meta-regression on duration_months";
    if !d.table.has("duration_months") {
        skipped.push(Skipped::new(section, "no duration_months column"));
        return None;
    }
    if es.k() < 4 {
        skipped.push(Skipped::new(
            section,
            format!("fewer than 4 effects (k = {})", es.k()),
        ));
        return None;
    }
    match MetaRegression::new(d.model).fit_table(
        d.table,
        es,
        &["duration_months".to_string()],
        None,
    ) {
        Ok(m) => Some(RegressionKeys::new(&m.regression, None)),
        Err(e) => {
            skipped.push(Skipped::new(section, e.to_string()));
            None
        }
    }
}

fn rve(
    d: &DomainData<'_>,
    es: &EffectSizes,
    n_studies: usize,
    skipped: &mut Vec<Skipped>,
) -> Option<RveFit> {
    let section = "robust variance estimation";
    if n_studies == es.k() {
        skipped.push(Skipped::new(section, "each study contributes one effect"));
        return None;
    }
    if n_studies < 3 {
        skipped.push(Skipped::new(
            section,
            format!("fewer than 3 studies ({n_studies})"),
        ));
        return None;
    }
    let col = if d.table.has("study_id") {
        "study_id"
    } else {
        "study"
    };
    match Rve::new(0.8, d.level).and_then(|r| r.fit_table(d.table, es, col, &[])) {
        Ok(r) => Some(r),
        Err(e) => {
            skipped.push(Skipped::new(section, e.to_string()));
            None
        }
    }
}

fn bias(d: &DomainData<'_>, es: &EffectSizes, skipped: &mut Vec<Skipped>) -> Option<BiasReport> {
    if es.k() < 10 {
        skipped.push(Skipped::new(
            "bias",
            format!("fewer than 10 effects (k = {})", es.k()),
        ));
        return None;
    }
    let m = &d.model;
    let run = || -> Result<BiasReport> {
        Ok(BiasReport {
            measure: es.measure(),
            method: m.get_method(),
            k: es.k(),
            egger: diag::egger(es, m, EggerModel::Rma)?,
            begg: diag::begg(es)?,
            trimfill: diag::trimfill(es, m, TrimFillEstimator::L0, None)?,
            fail_safe_n: diag::fail_safe(es, None)?,
            options: None,
        })
    };
    match run() {
        Ok(b) => Some(b),
        Err(e) => {
            skipped.push(Skipped::new("bias", e.to_string()));
            None
        }
    }
}

fn sensitivity(d: &DomainData<'_>, es: &EffectSizes, skipped: &mut Vec<Skipped>) -> Sensitivity {
    let rows = es.rows();
    let low: Vec<usize> = (0..es.k())
        .filter(|&j| d.risk_of_bias[rows[j]].as_deref() == Some("low"))
        .collect();
    let low_risk_only = if low.len() >= 2 {
        let y: Vec<f64> = low.iter().map(|&j| es.yi()[j]).collect();
        let v: Vec<f64> = low.iter().map(|&j| es.vi()[j]).collect();
        match d.model.fit_slices(&y, &v, &mut Workspace::new()) {
            Ok(s) => Some(s),
            Err(e) => {
                skipped.push(Skipped::new(
                    "sensitivity: low risk of bias only",
                    e.to_string(),
                ));
                None
            }
        }
    } else {
        skipped.push(Skipped::new(
            "sensitivity: low risk of bias only",
            format!("{} effect(s) at low risk of bias; 2 are needed", low.len()),
        ));
        None
    };
    let leave_one_out_range = if es.k() >= 3 {
        match diag::influence(es, &d.model) {
            Ok(v) => {
                let e = v.iter().map(|x| x.leave1out_estimate);
                Some([
                    e.clone().fold(f64::INFINITY, f64::min),
                    e.fold(f64::NEG_INFINITY, f64::max),
                ])
            }
            Err(e) => {
                skipped.push(Skipped::new("sensitivity: leave one out", e.to_string()));
                None
            }
        }
    } else {
        skipped.push(Skipped::new(
            "sensitivity: leave one out",
            format!("fewer than 3 effects (k = {})", es.k()),
        ));
        None
    };
    Sensitivity {
        low_risk_only,
        leave_one_out_range,
    }
}

fn caveats(
    d: &DomainData<'_>,
    es: &EffectSizes,
    n_studies: usize,
    s: &Summary,
    bias: Option<&BiasReport>,
) -> Vec<String> {
    let mut caveats = Vec::new();
    if n_studies < 5 {
        caveats.push(format!("few studies ({n_studies}): estimates are imprecise and heterogeneity is poorly estimated"));
    }
    if s.i2 > 50.0 {
        caveats.push(format!(
            "high heterogeneity (I² = {:.0}%): effects vary between settings",
            s.i2
        ));
    }
    let high = es
        .rows()
        .iter()
        .filter(|&&i| d.risk_of_bias[i].as_deref() == Some("high"))
        .count();
    if high * 2 > es.k() {
        caveats.push("mostly high risk of bias".into());
    }
    if let Some(b) = bias {
        if b.egger.p_value < 0.1 {
            caveats.push(format!(
                "possible small-study effects (Egger p = {:.3})",
                b.egger.p_value
            ));
        }
    }
    if d.simulated {
        caveats.push("SIMULATED demonstration data".into());
    }
    caveats
}

fn plain(domain: &str, studies: usize, measure: Measure, s: &Summary, level: f64) -> String {
    let show = |x: f64| if measure == Measure::Or { x.exp() } else { x };
    let name = if measure == Measure::Or { "OR" } else { "g" };
    let null = if measure == Measure::Or { 1.0 } else { 0.0 };
    let (lo, hi, est) = (show(s.ci_lower), show(s.ci_upper), show(s.estimate));
    let verb = if lo > null {
        "improved"
    } else if hi < null {
        "worsened"
    } else if est > null {
        "may have improved (the confidence interval includes no effect)"
    } else {
        "did not clearly change"
    };
    let pi = if s.pi_lower.is_finite() {
        format!(
            "; in a new setting the effect could plausibly range from {:.2} to {:.2}",
            show(s.pi_lower),
            show(s.pi_upper)
        )
    } else {
        String::new()
    };
    format!(
        "Across {studies} trial{} ({} effect{}), peer support {verb} {domain}: {name} = {est:.2}, {level}% CI {lo:.2} to {hi:.2}{pi}.",
        if studies == 1 { "" } else { "s" },
        s.k,
        if s.k == 1 { "" } else { "s" }
    )
}
