//! The evidence-and-gap map's data: studies placed in rows × columns of codebook fields, with
//! segments, filters and a pooled effect per cell. Rendered by `report::html::egm_html`.

use super::records::{MapCell, MapData, MapStudy};
use crate::data::Table;
use crate::error::Result;
use crate::framework::codebook::{Codebook, FieldKind};
use crate::framework::scale::MapEffect;
use crate::model::RandomEffects;

/// The levels of `col`: the codebook's, in its order (so empty rows and columns show as gaps),
/// then any others the data have; for a field without levels, those the data have.
pub(crate) fn levels(cb: &Codebook, t: &Table, col: &str) -> Vec<String> {
    let present: Vec<String> = {
        let mut v: Vec<String> = t.texts(col).into_iter().flatten().collect();
        v.sort();
        v.dedup();
        v
    };
    match cb.field(col).map(|f| &f.kind) {
        // codebook order, all levels (so empty rows/columns show as gaps)
        Some(FieldKind::Category { levels }) => {
            let mut l = levels.clone();
            l.extend(present.into_iter().filter(|p| !levels.contains(p)));
            l
        }
        _ => present,
    }
}

/// Builds the map data: rows × columns of studies, segments, filters, and pooled effects per
/// cell (each row's effect on its outcome domain's scale as in `evaluate`, from
/// [`crate::framework::evaluate::map_effects`]; REML + Knapp–Hartung when k ≥ 2; a cell whose
/// effects are on different scales is not pooled).
///
/// `segment` is the column that colours the bubbles; `None` leaves every study's segment
/// unreported. A cell where a study contributes several effects is pooled with the CHE model
/// (sampling correlation `rho` within a study) and CR2 inference, as `evaluate`.
///
/// # Errors
/// [`crate::Error::MissingColumn`] for a missing row, column or segment variable.
#[allow(clippy::too_many_arguments)]
pub fn map_data(
    t: &Table,
    cb: &Codebook,
    rows: &str,
    cols: &str,
    segment: Option<&str>,
    effects: &[Option<MapEffect>],
    rho: f64,
) -> Result<MapData> {
    for (c, purpose) in [
        (rows, "as the rows of the evidence-and-gap map"),
        (cols, "as the columns of the evidence-and-gap map"),
    ]
    .into_iter()
    .chain(segment.map(|s| {
        (
            s,
            "as the segment (bubble colour) of the evidence-and-gap map",
        )
    })) {
        if !t.has(c) {
            return Err(t.missing_column(c, purpose));
        }
    }
    let sv = match segment {
        Some(s) => t.texts(s),
        None => vec![None; t.nrows()],
    };
    let (rv, cv) = (t.texts(rows), t.texts(cols));
    let ids = if t.has("study_id") {
        t.texts("study_id")
    } else {
        t.texts("study")
    };
    let labels = t.labels("study");
    let (pop, country, design, mode) = (
        t.texts("population"),
        t.texts("country"),
        t.texts("design"),
        t.texts("mode"),
    );
    let simulated = crate::framework::codebook::is_simulated(t);
    let mut studies = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let z = crate::dist::norm_quantile(0.975);
    for i in 0..t.nrows() {
        let (Some(r), Some(c)) = (&rv[i], &cv[i]) else {
            continue;
        };
        let id = ids[i].clone().unwrap_or_else(|| format!("row {}", i + 1));
        if !seen.insert((id.clone(), r.clone(), c.clone())) {
            continue;
        }
        let e = effects
            .get(i)
            .copied()
            .flatten()
            .map(|e| (e.yi, e.vi, e.measure));
        studies.push(MapStudy {
            id,
            label: labels[i].clone(),
            row: r.clone(),
            col: c.clone(),
            segment: sv[i].clone(),
            population: pop[i].clone(),
            country: country[i].clone(),
            design: design[i].clone(),
            mode: mode[i].clone(),
            yi: e.map(|x| x.0),
            measure: e.map(|x| x.2.code().to_string()),
            ci_lower: e.map(|x| x.0 - z * x.1.sqrt()),
            ci_upper: e.map(|x| x.0 + z * x.1.sqrt()),
        });
    }
    let row_levels = levels(cb, t, rows);
    let col_levels = levels(cb, t, cols);
    let model = RandomEffects::new().knha(true);
    let mut cells = Vec::new();
    for r in &row_levels {
        for c in &col_levels {
            let idx: Vec<usize> = (0..t.nrows())
                .filter(|&i| {
                    rv[i].as_deref() == Some(r.as_str()) && cv[i].as_deref() == Some(c.as_str())
                })
                .collect();
            if idx.is_empty() {
                continue;
            }
            let with_effect: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| effects.get(i).copied().flatten().is_some())
                .collect();
            let (y, v): (Vec<f64>, Vec<f64>) = with_effect
                .iter()
                .filter_map(|&i| effects.get(i).copied().flatten())
                .map(|e| (e.yi, e.vi))
                .unzip();
            let mut measures: Vec<&'static str> = with_effect
                .iter()
                .filter_map(|&i| effects.get(i).copied().flatten())
                .map(|e| e.measure.code())
                .collect();
            measures.sort_unstable();
            measures.dedup();
            let mut e_ids: Vec<&str> = with_effect
                .iter()
                .map(|&i| ids[i].as_deref().unwrap_or_default())
                .collect();
            e_ids.sort_unstable();
            e_ids.dedup();
            // Never pool inside one study or across scales; several effects from a study: the
            // CHE model with CR2 inference (as `evaluate`); two studies with one effect each: ad
            // hoc Knapp–Hartung (SE ≥ Wald SE).
            let dependent = e_ids.len() >= 2 && y.len() > e_ids.len();
            let (fit, note) = if measures.len() > 1 {
                (
                    None,
                    Some(format!(
                        "not pooled: the effects are on different scales ({}), from different outcome domains",
                        measures.join(" and ")
                    )),
                )
            } else if dependent {
                let study: Vec<String> = with_effect
                    .iter()
                    .map(|&i| ids[i].clone().unwrap_or_default())
                    .collect();
                match crate::framework::dependence::pool_dependent(
&crate::framework::dependence::DependentData { yi: &y, vi: &v, study: &study, rows: &with_effect, measure: crate::effect::Measure::Gen }, model, rho, 95.0) {
                    Ok((f, _)) => (Some(f.summary), None),
                    Err(e) => (
                        None,
                        Some(format!(
                            "not pooled: the {} effects of {} studies need the model for dependent effects, which could not be fitted: {e}",
                            y.len(),
                            e_ids.len()
                        )),
                    ),
                }
            } else if e_ids.len() >= 2 {
                let m = model.knha_adhoc(e_ids.len() <= 2);
                match m.fit_slices(&y, &v, &mut crate::model::Workspace::new()) {
                    Ok(f) => (Some(f), None),
                    Err(e) => (None, Some(format!("not pooled: {e}"))),
                }
            } else if y.len() >= 2 {
                (
                    None,
                    Some(format!(
                        "not pooled: the {} effects come from one study",
                        y.len()
                    )),
                )
            } else {
                (None, None)
            };
            cells.push(MapCell {
                row: r.clone(),
                col: c.clone(),
                k: e_ids.len(),
                effects: y.len(),
                model: fit.map(|_| {
                    if dependent {
                        format!("CHE (rho {rho}) + CR2")
                    } else if e_ids.len() <= 2 {
                        "REML + ad hoc KH".to_string()
                    } else {
                        "REML + KH".to_string()
                    }
                }),
                estimate: fit.map(|f| f.estimate),
                ci_lower: fit.map(|f| f.ci_lower),
                ci_upper: fit.map(|f| f.ci_upper),
                measure: match measures.as_slice() {
                    [m] => (*m).to_string(),
                    [] => "none".into(),
                    _ => "mixed".into(),
                },
                note,
            });
        }
    }
    let mut filters = std::collections::BTreeMap::new();
    for (k, v) in [
        ("population", &pop),
        ("country", &country),
        ("design", &design),
        ("mode", &mode),
    ] {
        let mut l: Vec<String> = v.iter().flatten().cloned().collect();
        l.sort();
        l.dedup();
        if !l.is_empty() {
            filters.insert(k.to_string(), l);
        }
    }
    Ok(MapData {
        title: "Peer support evidence-and-gap map".into(),
        simulated,
        note: if simulated {
            "Simulated demonstration data: not real studies".into()
        } else {
            format!("{} studies", seen.len())
        },
        rows_label: rows.replace('_', " "),
        cols_label: cols.replace('_', " "),
        segment_label: segment.map_or(String::new(), |s| s.replace('_', " ")),
        rows: row_levels,
        cols: col_levels,
        segments: segment.map_or_else(Vec::new, |s| levels(cb, t, s)),
        filters,
        studies,
        cells,
        elements: None,
    })
}
