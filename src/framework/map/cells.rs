//! The evidence-and-gap map's data: studies placed in rows × columns of codebook fields, with
//! segments, filters and a pooled effect per cell. Rendered by `report::html::egm_html`.

use std::collections::BTreeMap;

use super::records::{MapCell, MapData, MapStudy};
use crate::data::Table;
use crate::error::Result;
use crate::framework::codebook::{Codebook, FieldKind};
use crate::framework::scale::MapEffect;
use crate::model::{RandomEffects, Summary};

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

/// The columns of the table the map reads, once.
struct MapColumns {
    rows: Vec<Option<String>>,
    cols: Vec<Option<String>>,
    segment: Vec<Option<String>>,
    /// `study_id`, else `study`.
    ids: Vec<Option<String>>,
    labels: Vec<String>,
    /// population, country, design, mode: the filters.
    filters: [Vec<Option<String>>; 4],
}

/// The names of [`MapColumns::filters`].
const FILTERS: [&str; 4] = ["population", "country", "design", "mode"];

impl MapColumns {
    /// Reads the map's columns; an error names a missing row, column or segment variable.
    fn read(t: &Table, rows: &str, cols: &str, segment: Option<&str>) -> Result<MapColumns> {
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
        Ok(MapColumns {
            rows: t.texts(rows),
            cols: t.texts(cols),
            segment: match segment {
                Some(s) => t.texts(s),
                None => vec![None; t.nrows()],
            },
            ids: if t.has("study_id") {
                t.texts("study_id")
            } else {
                t.texts("study")
            },
            labels: t.labels("study"),
            filters: FILTERS.map(|f| t.texts(f)),
        })
    }
}

/// One entry per study, row level and column level (in data order), with the effect of the
/// study's first row there.
fn map_studies(m: &MapColumns, effects: &[Option<MapEffect>]) -> Vec<MapStudy> {
    let mut studies = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let z = crate::dist::norm_quantile(0.975);
    let [pop, country, design, mode] = &m.filters;
    for i in 0..m.rows.len() {
        let (Some(r), Some(c)) = (&m.rows[i], &m.cols[i]) else {
            continue;
        };
        let id = m.ids[i].clone().unwrap_or_else(|| format!("row {}", i + 1));
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
            label: m.labels[i].clone(),
            row: r.clone(),
            col: c.clone(),
            segment: m.segment[i].clone(),
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
    studies
}

/// The effects of one cell: their values, rows, studies and measures.
struct CellEffects {
    y: Vec<f64>,
    v: Vec<f64>,
    /// The table rows of the effects.
    rows: Vec<usize>,
    /// The study of each effect.
    study: Vec<String>,
    /// Distinct studies with an effect.
    studies: usize,
    /// Distinct measure codes, sorted.
    measures: Vec<&'static str>,
}

impl CellEffects {
    /// The effects of the rows `idx` of a cell.
    fn of(m: &MapColumns, idx: &[usize], effects: &[Option<MapEffect>]) -> CellEffects {
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
            .map(|&i| m.ids[i].as_deref().unwrap_or_default())
            .collect();
        e_ids.sort_unstable();
        e_ids.dedup();
        let studies = e_ids.len();
        CellEffects {
            y,
            v,
            study: with_effect
                .iter()
                .map(|&i| m.ids[i].clone().unwrap_or_default())
                .collect(),
            rows: with_effect,
            studies,
            measures,
        }
    }

    /// Several effects from a study among at least two studies.
    fn dependent(&self) -> bool {
        self.studies >= 2 && self.y.len() > self.studies
    }
}

/// The pooled effect of a cell, or why there is none. Never pooled inside one study or across
/// scales; several effects from a study: the CHE model with CR2 inference (as `evaluate`); two
/// studies with one effect each: ad hoc Knapp–Hartung (SE ≥ Wald SE).
fn pool_cell(c: &CellEffects, rho: f64) -> (Option<Summary>, Option<String>) {
    let model = RandomEffects::new().knha(true);
    if c.measures.len() > 1 {
        (
            None,
            Some(format!(
                "not pooled: the effects are on different scales ({}), from different outcome domains",
                c.measures.join(" and ")
            )),
        )
    } else if c.dependent() {
        let data = crate::framework::dependence::DependentData {
            yi: &c.y,
            vi: &c.v,
            study: &c.study,
            rows: &c.rows,
            measure: crate::effect::Measure::Gen,
        };
        match crate::framework::dependence::pool_dependent(&data, model, rho, 95.0) {
            Ok((f, _)) => (Some(f.summary), None),
            Err(e) => (
                None,
                Some(format!(
                    "not pooled: the {} effects of {} studies need the model for dependent effects, which could not be fitted: {e}",
                    c.y.len(),
                    c.studies
                )),
            ),
        }
    } else if c.studies >= 2 {
        let m = model.knha_adhoc(c.studies <= 2);
        match m.fit_slices(&c.y, &c.v, &mut crate::model::Workspace::new()) {
            Ok(f) => (Some(f), None),
            Err(e) => (None, Some(format!("not pooled: {e}"))),
        }
    } else if c.y.len() >= 2 {
        (
            None,
            Some(format!(
                "not pooled: the {} effects come from one study",
                c.y.len()
            )),
        )
    } else {
        (None, None)
    }
}

/// The cell at row level `r` and column level `c`, `None` when no row falls in it.
fn map_cell(
    m: &MapColumns,
    (r, c): (&str, &str),
    effects: &[Option<MapEffect>],
    rho: f64,
) -> Option<MapCell> {
    let idx: Vec<usize> = (0..m.rows.len())
        .filter(|&i| m.rows[i].as_deref() == Some(r) && m.cols[i].as_deref() == Some(c))
        .collect();
    if idx.is_empty() {
        return None;
    }
    let ce = CellEffects::of(m, &idx, effects);
    let (fit, note) = pool_cell(&ce, rho);
    Some(MapCell {
        row: r.to_string(),
        col: c.to_string(),
        k: ce.studies,
        effects: ce.y.len(),
        model: fit.map(|_| {
            if ce.dependent() {
                format!("CHE (rho {rho}) + CR2")
            } else if ce.studies <= 2 {
                "REML + ad hoc KH".to_string()
            } else {
                "REML + KH".to_string()
            }
        }),
        estimate: fit.map(|f| f.estimate),
        ci_lower: fit.map(|f| f.ci_lower),
        ci_upper: fit.map(|f| f.ci_upper),
        measure: match ce.measures.as_slice() {
            [m] => (*m).to_string(),
            [] => "none".into(),
            _ => "mixed".into(),
        },
        note,
    })
}

/// The levels of each filter the data have.
fn filters(m: &MapColumns) -> BTreeMap<String, Vec<String>> {
    let mut filters = BTreeMap::new();
    for (k, v) in FILTERS.iter().zip(&m.filters) {
        let mut l: Vec<String> = v.iter().flatten().cloned().collect();
        l.sort();
        l.dedup();
        if !l.is_empty() {
            filters.insert(k.to_string(), l);
        }
    }
    filters
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
/// [`crate::error::Error::MissingColumn`] for a missing row, column or segment variable.
pub fn map_data(
    t: &Table,
    cb: &Codebook,
    rows: &str,
    cols: &str,
    segment: Option<&str>,
    effects: &[Option<MapEffect>],
    rho: f64,
) -> Result<MapData> {
    let m = MapColumns::read(t, rows, cols, segment)?;
    let simulated = crate::framework::codebook::is_simulated(t);
    let studies = map_studies(&m, effects);
    let row_levels = levels(cb, t, rows);
    let col_levels = levels(cb, t, cols);
    let cells = row_levels
        .iter()
        .flat_map(|r| col_levels.iter().map(move |c| (r.as_str(), c.as_str())))
        .filter_map(|rc| map_cell(&m, rc, effects, rho))
        .collect();
    Ok(MapData {
        title: "Peer support evidence-and-gap map".into(),
        simulated,
        note: if simulated {
            "Simulated demonstration data: not real studies".into()
        } else {
            format!("{} studies", studies.len())
        },
        rows_label: rows.replace('_', " "),
        cols_label: cols.replace('_', " "),
        segment_label: segment.map_or(String::new(), |s| s.replace('_', " ")),
        rows: row_levels,
        cols: col_levels,
        segments: segment.map_or_else(Vec::new, |s| levels(cb, t, s)),
        filters: filters(&m),
        studies,
        cells,
        elements: None,
    })
}
