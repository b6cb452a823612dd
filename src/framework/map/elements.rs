//! The evidence-and-gap map's element view: rows are the levels of the element fields
//! (`provider: lay person`, `mode: online`, …), columns the outcome domains, and each cell what
//! that element adds compared with its field's reference level, from the component network
//! meta-analysis of the domain ([`super::elements`]). An element that cannot be estimated, or
//! that no trial of the domain has, is a gap.

use super::cells::levels;
use super::records::{ElementCell, ElementsView, MapData};
use crate::data::Table;
use crate::framework::codebook::Codebook;
use crate::framework::elements::{analyse, ElementInput, ElementsAnalysis, BASE};
use crate::framework::records::Skipped;
use crate::framework::scale::MapEffect;

/// The element analysis of one outcome domain (`col`) of the map, with what it shows.
struct DomainElements {
    /// The analysis, `None` when it did not run.
    fit: Option<ElementsAnalysis>,
    /// Why it did not run.
    skipped: Vec<Skipped>,
    /// The measure code of the domain's effects ("none" without effects).
    measure: String,
    lower_is_better: bool,
}

/// The element analysis of the rows `idx` (one domain's rows with an effect).
fn domain_elements(
    inp: ElementInput<'_>,
    idx: &[usize],
    effects: &[Option<MapEffect>],
) -> DomainElements {
    let measure = idx
        .first()
        .and_then(|&i| effects[i])
        .map_or("none".to_string(), |e| e.measure.code().to_string());
    let lower_is_better = idx
        .first()
        .and_then(|&i| effects[i])
        .is_some_and(|e| e.lower_is_better);
    let mut skipped = Vec::new();
    let inp = ElementInput {
        small_values_good: lower_is_better,
        ..inp
    };
    let fit = (!idx.is_empty())
        .then(|| analyse(&inp, &mut skipped))
        .flatten();
    DomainElements {
        fit,
        skipped,
        measure,
        lower_is_better,
    }
}

/// The cell of element `row` (`field: level`, or [`BASE`]) in domain `col`.
fn element_cell(row: &str, col: &str, de: &DomainElements) -> ElementCell {
    let mut cell = ElementCell {
        row: row.to_string(),
        col: col.to_string(),
        studies: 0,
        estimate: None,
        ci_lower: None,
        ci_upper: None,
        measure: de.measure.clone(),
        lower_is_better: de.lower_is_better,
        reference: false,
        gap: None,
    };
    let Some(a) = &de.fit else {
        cell.gap = Some(de.skipped.first().map_or_else(
            || "no effects in this domain".to_string(),
            |s| format!("no component analysis: {}", s.reason),
        ));
        return cell;
    };
    let (field, level) = row.split_once(": ").unwrap_or(("", row));
    let is_ref = a
        .reference
        .iter()
        .chain(&a.constant_fields)
        .any(|r| r.field == field && r.level == level);
    match a
        .effects
        .iter()
        .find(|e| e.field == field && e.level == level)
    {
        Some(e) => {
            cell.studies = e.studies;
            cell.estimate = e.estimate;
            cell.ci_lower = e.ci_lower;
            cell.ci_upper = e.ci_upper;
            cell.gap = e.not_estimable.clone();
        }
        None if is_ref => {
            cell.reference = true;
            cell.gap = Some(format!(
                "reference level of {field}: the other levels are compared with it"
            ));
        }
        None => cell.gap = Some("no trial in this domain has it".into()),
    }
    cell
}

/// Each row's study: `study_id`, else `study`, else "row N".
fn study_ids(t: &Table) -> Vec<String> {
    let raw = if t.has("study_id") {
        t.texts("study_id")
    } else {
        t.texts("study")
    };
    raw.into_iter()
        .enumerate()
        .map(|(i, s)| s.unwrap_or_else(|| format!("row {}", i + 1)))
        .collect()
}

/// Adds the element view to `md` when the data have an outcome domain and every element field;
/// `effects` are the map's effects (head-to-head trials already left out).
pub fn add_element_view(
    md: &mut MapData,
    t: &Table,
    cb: &Codebook,
    effects: &[Option<MapEffect>],
    rho: f64,
    fields: &[String],
) {
    if !t.has("outcome_domain") || fields.is_empty() || fields.iter().any(|f| !t.has(f)) {
        return;
    }
    let domain = t.texts("outcome_domain");
    let ids = study_ids(t);
    let cols = levels(cb, t, "outcome_domain");
    let mut rows = vec![BASE.to_string()];
    for f in fields {
        rows.extend(levels(cb, t, f).into_iter().map(|l| format!("{f}: {l}")));
    }
    let mut cells = Vec::new();
    for col in &cols {
        let idx: Vec<usize> = (0..t.nrows())
            .filter(|&i| domain[i].as_deref() == Some(col.as_str()) && effects[i].is_some())
            .collect();
        let (yi, vi): (Vec<f64>, Vec<f64>) = idx
            .iter()
            .filter_map(|&i| effects[i].map(|e| (e.yi, e.vi)))
            .unzip();
        let inp = ElementInput {
            table: t,
            study_ids: &ids,
            rows: &idx,
            yi: &yi,
            vi: &vi,
            rho,
            level: 95.0,
            small_values_good: false,
            fields,
        };
        let de = domain_elements(inp, &idx, effects);
        cells.extend(rows.iter().map(|row| element_cell(row, col, &de)));
    }
    md.elements = Some(ElementsView {
        fields: fields.to_vec(),
        rows,
        cols,
        cells,
        note: format!(
            "What each element adds compared with its field's reference level (the most frequent level in the domain), from a component network meta-analysis of each outcome domain (additive model, random effects, 95% CI; green: the element does better, red: worse, by its CI; exploratory: elements were not randomised). '{BASE}' is peer support with the reference elements against usual care. Gaps: elements no trial has, or that cannot be separated from others."
        ),
    });
}
