//! Cost evidence on the evidence-and-gap map: the trials of an economic companion (costs and
//! QALYs per arm, as `evaluate` pools them into net benefit) are placed in the map's cost column,
//! so a column with cost data is not shown as a gap.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::records::{MapCell, MapData, MapStudy};
use crate::data::Table;

/// The measure name of a cost cell.
pub const COST_MEASURE: &str = "costs";

/// Whether `level` (an outcome domain) is the cost column: "costs", "cost", "economic …".
fn is_cost_level(level: &str) -> bool {
    let l = level.to_lowercase();
    l.starts_with("cost") || l.starts_with("econom")
}

/// The cost level of the outcome-domain axis (the columns when `domain_is_col`, else the
/// rows), added as "costs" when the axis has none.
fn cost_level(md: &mut MapData, domain_is_col: bool) -> String {
    let levels = if domain_is_col {
        &mut md.cols
    } else {
        &mut md.rows
    };
    match levels.iter().find(|l| is_cost_level(l)) {
        Some(l) => l.clone(),
        None => {
            levels.push(COST_MEASURE.to_string());
            COST_MEASURE.to_string()
        }
    }
}

/// The costed trials of each cell (row level, column level).
type TrialsByCell = BTreeMap<(String, String), BTreeSet<String>>;

/// Where the costed trials go: the map table's axis other than the outcome domain, the cost
/// level, and which axis holds it.
struct CostAxis<'a> {
    other: &'a str,
    level: String,
    domain_is_col: bool,
}

/// Adds a cost entry for each costed row of `t` not yet on the map at its place; returns the
/// trials placed and the trials of each cell.
fn place_studies(
    md: &mut MapData,
    t: &Table,
    costed: &BTreeSet<String>,
    axis: &CostAxis<'_>,
    segment: Option<&str>,
) -> (BTreeSet<String>, TrialsByCell) {
    let ids = if t.has("study_id") {
        t.texts("study_id")
    } else {
        t.texts("study")
    };
    let labels = t.labels("study");
    let values = t.texts(axis.other);
    let seg = segment.map_or_else(|| vec![None; t.nrows()], |s| t.texts(s));
    let (pop, country, design, mode) = (
        t.texts("population"),
        t.texts("country"),
        t.texts("design"),
        t.texts("mode"),
    );
    let mut seen: HashSet<(String, String, String)> = md
        .studies
        .iter()
        .map(|s| (s.id.clone(), s.row.clone(), s.col.clone()))
        .collect();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut per_cell = TrialsByCell::new();
    for i in 0..t.nrows() {
        let id = ids[i].clone().unwrap_or_else(|| format!("row {}", i + 1));
        if !(costed.contains(&labels[i]) || costed.contains(&id)) {
            continue;
        }
        let Some(v) = values[i].clone() else {
            continue;
        };
        let (r, c) = if axis.domain_is_col {
            (v, axis.level.clone())
        } else {
            (axis.level.clone(), v)
        };
        placed.insert(id.clone());
        per_cell
            .entry((r.clone(), c.clone()))
            .or_default()
            .insert(id.clone());
        if !seen.insert((id.clone(), r.clone(), c.clone())) {
            continue;
        }
        md.studies.push(MapStudy {
            id,
            label: labels[i].clone(),
            row: r,
            col: c,
            segment: seg[i].clone(),
            population: pop[i].clone(),
            country: country[i].clone(),
            design: design[i].clone(),
            mode: mode[i].clone(),
            yi: None,
            measure: Some(COST_MEASURE.into()),
            ci_lower: None,
            ci_upper: None,
        });
    }
    (placed, per_cell)
}

/// A cost cell for each cell with costed trials that has no cell yet.
fn add_cost_cells(md: &mut MapData, per_cell: TrialsByCell) {
    for ((r, c), trials) in per_cell {
        if md.cells.iter().any(|x| x.row == r && x.col == c) {
            continue;
        }
        md.cells.push(MapCell {
            row: r,
            col: c,
            k: trials.len(),
            effects: trials.len(),
            model: None,
            estimate: None,
            ci_lower: None,
            ci_upper: None,
            measure: COST_MEASURE.into(),
            note: Some(format!(
                "cost data (costs and QALYs per arm) from {} trial{}: pooled net benefit in the evaluation report",
                trials.len(),
                if trials.len() == 1 { "" } else { "s" }
            )),
        });
    }
}

/// Places each trial of `costs` (matched on its `study` column to the map table's `study` label
/// or `study_id`) in the cost level of the outcome-domain axis (`rows` or `cols` must be
/// `outcome_domain`; a "costs" level is added when the codebook has none), at the trial's value
/// on the other axis. Each such cell gets a [`MapCell`] with measure [`COST_MEASURE`], no pooled
/// estimate and a note pointing to the report's pooled net benefit; its `k` and `effects` count
/// the trials with cost data. `segment` is the map's segment column. Returns the number of
/// trials placed (0 when neither axis is the outcome domain or the costs name no study).
pub fn add_cost_studies(
    md: &mut MapData,
    t: &Table,
    costs: &Table,
    rows: &str,
    cols: &str,
    segment: Option<&str>,
) -> usize {
    let domain_is_col = cols == "outcome_domain";
    if !(domain_is_col || rows == "outcome_domain") || !costs.has("study") {
        return 0;
    }
    let costed: BTreeSet<String> = costs.texts("study").into_iter().flatten().collect();
    let other = if domain_is_col { rows } else { cols };
    if costed.is_empty() || !t.has(other) {
        return 0;
    }
    let axis = CostAxis {
        other,
        level: cost_level(md, domain_is_col),
        domain_is_col,
    };
    let (placed, per_cell) = place_studies(md, t, &costed, &axis, segment);
    add_cost_cells(md, per_cell);
    placed.len()
}
