//! The checks of one domain's pooled effect: robust variance estimation, small-study tests and
//! sensitivity analyses (low risk of bias only, leave one out).

use super::records::{DomainData, Sensitivity, Skipped};
use crate::diag::{self, BiasResult, EggerModel, TrimFillEstimator};
use crate::effect::EffectSizes;
use crate::error::Result;
use crate::model::rve::{Rve, RveFit};
use crate::model::Workspace;

pub(super) fn rve(
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
    let min = d.thresholds.min_rve_studies;
    if n_studies < min {
        skipped.push(Skipped::new(
            section,
            format!("fewer than {min} studies ({n_studies})"),
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

pub(super) fn bias(
    d: &DomainData<'_>,
    es: &EffectSizes,
    skipped: &mut Vec<Skipped>,
) -> Option<BiasResult> {
    let min = d.thresholds.min_bias_effects;
    if es.k() < min {
        skipped.push(Skipped::new(
            "bias",
            format!("fewer than {min} effects (k = {})", es.k()),
        ));
        return None;
    }
    let m = &d.model;
    let run = || -> Result<BiasResult> {
        Ok(BiasResult {
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

pub(super) fn sensitivity(
    d: &DomainData<'_>,
    es: &EffectSizes,
    dependent: bool,
    skipped: &mut Vec<Skipped>,
) -> Sensitivity {
    let rows = es.rows();
    if dependent {
        return super::dependent_subgroups::dependent_sensitivity(d, es, skipped);
    }
    let low: Vec<usize> = match &d.risk_of_bias {
        Some(r) => (0..es.k())
            .filter(|&j| r[rows[j]].as_deref() == Some("low"))
            .collect(),
        None => Vec::new(),
    };
    let low_risk_only = if d.risk_of_bias.is_none() {
        skipped.push(Skipped::new(
            "sensitivity: low risk of bias only",
            "risk of bias not coded in these data (no risk_of_bias column)",
        ));
        None
    } else if low.len() >= 2 {
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
