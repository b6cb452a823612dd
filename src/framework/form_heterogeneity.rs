//! "Does heterogeneity differ by form of support?" (issue #26 §3): an exploratory
//! location-scale model (metafor `rma(yi, vi, scale = ~ support_type)`, REML, log link) over the
//! coded forms of support with at least `small_k.scale_min_level_studies` studies each (at
//! least two such forms), with τ² per form and the QS test that the forms share one τ².
//! Dependent effects are aggregated to one effect per study first ([`super::study_level`]); a
//! study coded with several forms is left out.

use std::collections::BTreeMap;

use nalgebra::DMatrix;
use serde::Serialize;

use super::records::{DomainData, Skipped};
use crate::effect::EffectSizes;
use crate::model::scale::{LocationScale, ScaleFit};

/// The column of the forms of support.
pub const FORM_FIELD: &str = "support_type";

/// One form of support in the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormTau2 {
    /// The form (a `support_type` level).
    pub level: String,
    /// Studies of this form.
    pub studies: usize,
    /// Its fitted τ² (`exp(α₀ + αₗ)`; the reference level's `exp(α₀)`).
    pub tau2: f64,
}

/// The location-scale model by form of support (JSON key `heterogeneity_by_form`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormHeterogeneity {
    /// The scale variable.
    pub by: String,
    /// The data fitted, in words.
    pub data: String,
    /// τ² per form, sorted by form (the first is the reference level).
    pub levels: Vec<FormTau2>,
    /// Forms left out (fewer studies than the threshold), with their studies.
    pub left_out: Vec<String>,
    /// The QS test that every form shares one τ² (χ² on `qs_df`).
    pub qs: f64,
    /// Its degrees of freedom.
    pub qs_df: usize,
    /// Its p-value.
    pub qs_p: f64,
    /// The fit (location intercept, scale coefficients α).
    pub fit: ScaleFit,
    /// The caveat that goes with it.
    pub caveat: String,
}

/// The studies' effects, variances and forms (one per study), with the data in words.
type StudyForms = (Vec<f64>, Vec<f64>, Vec<String>, String);

/// One effect per study with its form; studies coded with several forms, or none, left out.
fn study_forms(d: &DomainData<'_>, es: &EffectSizes, studies: usize) -> Option<StudyForms> {
    let forms = d.table.texts(FORM_FIELD);
    let study: Vec<String> = es.rows().iter().map(|&i| d.study_ids[i].clone()).collect();
    let agg = super::study_level::aggregate(es.yi(), es.vi(), &study, d.rho).ok()?;
    let (mut y, mut v, mut f) = (Vec::new(), Vec::new(), Vec::new());
    for (j, m) in agg.members.iter().enumerate() {
        let mut levels: Vec<&str> = m
            .iter()
            .filter_map(|&i| forms[es.rows()[i]].as_deref())
            .collect();
        levels.sort_unstable();
        levels.dedup();
        if let [one] = levels.as_slice() {
            y.push(agg.yi[j]);
            v.push(agg.vi[j]);
            f.push(one.to_string());
        }
    }
    let data = if es.k() > studies {
        format!(
            "one effect per study (the {} effects of {studies} studies averaged within each study, sampling correlation {})",
            es.k(),
            d.rho
        )
    } else {
        "the effects, one per study".into()
    };
    Some((y, v, f, data))
}

/// The exploratory location-scale model by form, or `None` with the reason in `skipped`.
pub(crate) fn by_form(
    d: &DomainData<'_>,
    es: &EffectSizes,
    studies: usize,
    skipped: &mut Vec<Skipped>,
) -> Option<FormHeterogeneity> {
    let section = "does heterogeneity differ by form of support? (location-scale model)";
    if !d.table.has(FORM_FIELD) {
        skipped.push(Skipped::new(
            section,
            format!("forms of support not coded in these data (no {FORM_FIELD} column)"),
        ));
        return None;
    }
    let min = d.options.small_k.scale_min_level_studies;
    let Some((y, v, f, data)) = study_forms(d, es, studies) else {
        skipped.push(Skipped::new(
            section,
            "the effects could not be aggregated to one per study",
        ));
        return None;
    };
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &f {
        *count.entry(l.as_str()).or_default() += 1;
    }
    let kept: Vec<&str> = count
        .iter()
        .filter(|(_, n)| **n >= min)
        .map(|(l, _)| *l)
        .collect();
    let left_out: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n < min)
        .map(|(l, n)| format!("{l} ({n})"))
        .collect();
    if kept.len() < 2 {
        skipped.push(Skipped::new(
            section,
            format!(
                "{} form(s) of support with at least {min} studies; 2 such forms are needed to compare their heterogeneity",
                kept.len()
            ),
        ));
        return None;
    }
    let (fitted, n_rows) = scale_by_form(d.level, (&y, &v, &f), &kept);
    let fit = match fitted {
        Ok(fit) => fit,
        Err(e) => {
            skipped.push(Skipped::new(
                section,
                format!("the location-scale model has no usable maximum for these data (with few studies per form, the τ² of a form often heads to 0): {e}"),
            ));
            return None;
        }
    };
    let a0 = fit.alpha[0].est.estimate;
    let levels = kept
        .iter()
        .enumerate()
        .map(|(j, l)| FormTau2 {
            level: l.to_string(),
            studies: count[l],
            tau2: (a0
                + if j == 0 {
                    0.0
                } else {
                    fit.alpha[j].est.estimate
                })
            .exp(),
        })
        .collect();
    Some(FormHeterogeneity {
        by: FORM_FIELD.into(),
        data,
        levels,
        left_out,
        qs: fit.qs.unwrap_or(f64::NAN),
        qs_df: fit.qs_df.unwrap_or(0),
        qs_p: fit.qs_p.unwrap_or(f64::NAN),
        caveat: format!(
            "Exploratory: {} studies in {} forms; τ² per form rests on few studies each, and the QS test has little power and is not adjusted for multiplicity. A difference in heterogeneity is a lead to follow, not a finding.",
            n_rows,
            kept.len()
        ),
        fit,
    })
}

/// The location-scale model `scale = ~ form` (REML, no profile CIs) on the studies of the forms
/// `kept` (the first the reference), from the study-level effects, variances and forms
/// `(y, v, f)`; with the number of studies it used.
fn scale_by_form(
    level: f64,
    (y, v, f): (&[f64], &[f64], &[String]),
    kept: &[&str],
) -> (crate::error::Result<ScaleFit>, usize) {
    let rows: Vec<usize> = (0..f.len())
        .filter(|&i| kept.contains(&f[i].as_str()))
        .collect();
    let yk: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
    let vk: Vec<f64> = rows.iter().map(|&i| v[i]).collect();
    let x = DMatrix::from_element(rows.len(), 1, 1.0);
    let z = DMatrix::from_fn(rows.len(), kept.len(), |r, c| {
        if c == 0 || f[rows[r]] == kept[c] {
            1.0
        } else {
            0.0
        }
    });
    let z_names: Vec<String> = std::iter::once("intrcpt".to_string())
        .chain(kept[1..].iter().map(|l| format!("{FORM_FIELD}{l}")))
        .collect();
    let fitted = LocationScale::new()
        .profile_ci(false)
        .level(level)
        .and_then(|m| m.fit(&yk, &vk, &x, &["intrcpt".into()], &z, &z_names));
    (fitted, rows.len())
}
