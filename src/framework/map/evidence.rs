//! The evidence-and-gap map of a coded evidence base, as `map` and the report's `egm.html` build
//! it: the cells of `rows × cols`, the element view, and the cost studies of an economic
//! companion.

use super::cells::map_data;
use super::costs::add_cost_studies;
use super::elements::add_element_view;
use super::records::MapData;
use crate::data::Table;
use crate::error::Result;
use crate::framework::codebook::{Codebook, FieldKind};
use crate::framework::evaluate::{map_directions, map_effects_with};
use crate::framework::options::EvaluateOptions;

/// The segment column of the map when none is named (used when the data have it).
pub const DEFAULT_SEGMENT: &str = "risk_of_bias";

/// The map of `table` with rows `rows` and columns `cols`. `segment`: the column named, else
/// [`DEFAULT_SEGMENT`] when the data have it (none otherwise). The trials of `costs` fill the
/// cost column.
///
/// # Errors
/// Errors of the effect sizes and the map's pooled cells.
pub fn evidence_map(
    table: &Table,
    cb: &Codebook,
    (rows, cols): (&str, &str),
    segment: Option<&str>,
    opts: &EvaluateOptions,
    costs: Option<&Table>,
) -> Result<MapData> {
    let segment = segment.or(Some(DEFAULT_SEGMENT).filter(|s| table.has(s)));
    let effects = map_effects_with(table, &map_directions(table, opts)?, opts)?;
    let mut md = map_data(table, cb, rows, cols, segment, &effects, opts.rho)?;
    add_element_view(&mut md, table, cb, &effects, opts.rho, &opts.elements);
    if let Some(c) = costs {
        add_cost_studies(&mut md, table, c, rows, cols, segment);
    }
    Ok(md)
}

/// The rows of the report's map: `activity` when coded, else the first codebook category the
/// data have (in codebook order), else the studies themselves.
pub fn report_rows<'a>(table: &Table, cb: &'a Codebook) -> &'a str {
    if table.has("activity") {
        return "activity";
    }
    cb.fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Category { .. }))
        .map(|f| f.name.as_str())
        .find(|n| *n != "outcome_domain" && table.has(n))
        .unwrap_or("study")
}
