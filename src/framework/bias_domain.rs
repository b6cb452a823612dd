//! Publication bias beyond funnel asymmetry in `evaluate` (issue #26 §2): where a domain's bias
//! checks run (at least `min_bias_effects` studies), the three-parameter selection model
//! (metafor `selmodel(type = "stepfun", steps = 0.025)`, selection on the side of benefit) and
//! PET-PEESE (`regtest(model = "lm")`) beside Egger and trim-and-fill, on one effect per study
//! (dependent effects aggregated within study, [`super::study_level`]). Whether an adjusted
//! estimate *moves* the pooled effect (crosses the null or the minimal important difference,
//! or shifts it by more than `small_k.publication_bias_shift` of itself) is what the
//! certainty rating's publication-bias criterion reads beside Egger's test.

use serde::Serialize;

use super::records::{DomainData, Skipped};
use super::scale::Orientation;
use crate::diag::{pet_peese, selmodel, Alternative, PetPeese, SelModel, SelModelOptions, SelType};
use crate::effect::EffectSizes;
use crate::error::Error;

/// The bias-adjusted estimates of a domain (JSON key `bias_adjusted`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdjustedBias {
    /// The data fitted, in words (the effects, or one aggregate per study).
    pub data: String,
    /// Studies fitted.
    pub k: usize,
    /// The selection model (3PSM by default), when it has a maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selmodel: Option<SelModel>,
    /// Why there is no selection model, in words.
    pub selmodel_note: Option<String>,
    /// PET, PEESE and PET-PEESE (keys `pet`, `peese`, `pet_peese`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub pet_peese: Option<PetPeese>,
    /// Why there is no PET-PEESE estimate, in words.
    pub pet_peese_note: Option<String>,
    /// The pooled estimate the adjusted ones are compared with (analysis scale).
    pub pooled: f64,
    /// Whether an adjusted estimate moves the pooled effect by the rule (`None`: no adjusted
    /// estimate, or the rule is switched off with `publication_bias_shift = 0`).
    pub moves: Option<bool>,
    /// The comparison, in words.
    pub moves_reason: String,
}

/// The selection function's side: benefit is positive unless lower is better.
pub(crate) fn alternative(o: Orientation) -> Alternative {
    if o == Orientation::LowerIsBetter {
        Alternative::Less
    } else {
        Alternative::Greater
    }
}

/// The bias-adjusted estimates of a domain whose bias checks ran (`pooled` its estimate).
pub(crate) fn adjusted(
    d: &DomainData<'_>,
    (domain, orientation): (&str, Orientation),
    es: &EffectSizes,
    (studies, pooled): (usize, f64),
    skipped: &mut Vec<Skipped>,
) -> Option<AdjustedBias> {
    let o = &d.options.small_k;
    let section = "selection model and PET-PEESE";
    if studies < d.thresholds.min_bias_effects {
        skipped.push(Skipped::new(
            section,
            format!(
                "{studies} studies: the bias-adjusted estimates are fitted on one effect per study and need at least {}",
                d.thresholds.min_bias_effects
            ),
        ));
        return None;
    }
    let (fit_es, data) = if es.k() > studies {
        let study: Vec<String> = es.rows().iter().map(|&i| d.study_ids[i].clone()).collect();
        let agg = super::study_level::aggregate(es.yi(), es.vi(), &study, d.rho)
            .and_then(|s| EffectSizes::from_slices(es.measure(), &s.yi, &s.vi));
        match agg {
            Ok(a) => (a, format!("one effect per study: the {} effects of {studies} studies averaged within each study (sampling correlation {}); the selection model and PET-PEESE assume independent effects", es.k(), d.rho)),
            Err(e) => {
                skipped.push(Skipped::new(section, e.to_string()));
                return None;
            }
        }
    } else {
        (es.clone(), format!("the {} effects, one per study", es.k()))
    };
    let opts = SelModelOptions {
        kind: SelType::Stepfun,
        steps: o.selmodel_steps.clone(),
        alternative: alternative(orientation),
        delta: None,
    };
    let (selmodel, selmodel_note) = match selmodel(&fit_es, &opts, &d.model) {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(no_selmodel(&e))),
    };
    let (pet_peese, pet_peese_note) = match pet_peese(&fit_es, d.level, o.pet_peese_alpha) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(format!("PET-PEESE could not be fitted: {e}"))),
    };
    let mid = domain_mid(d, domain, es.measure().is_log_scale());
    let adjusted: Vec<(&str, f64)> = selmodel
        .as_ref()
        .map(|s| ("the selection model", s.estimate))
        .into_iter()
        .chain(
            pet_peese
                .as_ref()
                .map(|p| ("PET-PEESE", p.pet_peese.estimate)),
        )
        .collect();
    let (moves, moves_reason) = moves(pooled, &adjusted, mid, o.publication_bias_shift);
    Some(AdjustedBias {
        data,
        k: fit_es.k(),
        selmodel,
        selmodel_note,
        pet_peese,
        pet_peese_note,
        pooled,
        moves,
        moves_reason,
    })
}

/// The selection model's failure in words: no maximum (a p-value interval too thin) is said
/// plainly.
fn no_selmodel(e: &Error) -> String {
    match e {
        Error::TooFew { .. } | Error::Undefined { .. } => format!(
            "the selection model has no maximum for these data (too few studies in an interval of p-values, or the selection weight runs to its bound), so it gives no adjusted estimate: {e}"
        ),
        _ => format!("the selection model could not be fitted: {e}"),
    }
}

/// The domain's minimal important difference on the analysis scale, if stated.
fn domain_mid(d: &DomainData<'_>, domain: &str, log: bool) -> Option<f64> {
    let m = d.options.domains.get(domain).and_then(|o| o.mid)?;
    if log {
        (m > 1.0).then(|| m.ln())
    } else {
        Some(m)
    }
}

/// Whether an adjusted estimate moves the pooled effect: it lies on the other side of the null
/// or of a minimal important difference (±`mid`), or differs from it by more than `shift` of
/// its size. `None` without an adjusted estimate or with `shift = 0` (the rule off).
pub(crate) fn moves(
    pooled: f64,
    adjusted: &[(&str, f64)],
    mid: Option<f64>,
    shift: f64,
) -> (Option<bool>, String) {
    if adjusted.is_empty() {
        return (
            None,
            "no bias-adjusted estimate (neither the selection model nor PET-PEESE could be fitted): Egger's test alone".into(),
        );
    }
    if shift <= 0.0 {
        return (
            None,
            "publication_bias_shift = 0: Egger's test alone rates publication bias".into(),
        );
    }
    let across = |a: f64, b: f64, at: f64| (a - at) * (b - at) < 0.0;
    let mut hits = Vec::new();
    let mut misses = Vec::new();
    for &(name, a) in adjusted {
        let why = if across(pooled, a, 0.0) {
            Some("crosses the null".to_string())
        } else if let Some(m) = mid.filter(|m| across(pooled, a, *m) || across(pooled, a, -*m)) {
            Some(format!("crosses the minimal important difference ({m:.3})"))
        } else if (a - pooled).abs() > shift * pooled.abs() {
            Some(format!(
                "moves it by {:.3}, more than {:.0} % of its size",
                (a - pooled).abs(),
                100.0 * shift
            ))
        } else {
            None
        };
        match why {
            Some(w) => hits.push(format!("{name} ({a:.3}) {w}")),
            None => misses.push(format!("{name} ({a:.3})")),
        }
    }
    let moved = !hits.is_empty();
    let reason = if moved {
        format!("against the pooled {pooled:.3}: {}", hits.join("; "))
    } else {
        format!(
            "{} stay{} within {:.0} % of the pooled {pooled:.3} on the same side of the null{}",
            misses.join(" and "),
            if misses.len() == 1 { "s" } else { "" },
            100.0 * shift,
            if mid.is_some() {
                " and the minimal important difference"
            } else {
                ""
            }
        )
    };
    (Some(moved), reason)
}
