//! Reading committed fixtures: reference JSON files and datasets with their generic effects.

use std::path::Path;

use peerstat::data::{read_table, Column, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use serde_json::Value;

/// A reference file under `fixtures/metafor/`, parsed.
pub fn reference(file: &str) -> Value {
    let text = std::fs::read_to_string(format!("fixtures/metafor/{file}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `fixtures/NAME.csv` with its effects (`yi`, `vi`).
pub fn load(name: &str) -> (Table, EffectSizes) {
    let t = read_table(
        Path::new(&format!("fixtures/{name}.csv")),
        &ColumnMap::new(),
    )
    .unwrap();
    let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
    (t, es)
}

/// As [`load`], with a text column `row` (1-based row number) added.
pub fn load_with_row(name: &str) -> (Table, EffectSizes) {
    let (mut t, _) = load(name);
    let rows = (1..=t.nrows()).map(|i| Some(i.to_string())).collect();
    t.push_column("row", Column::Str(rows)).unwrap();
    let es = EffectSizes::compute(&t, Measure::Gen, &EffectOptions::default()).unwrap();
    (t, es)
}

/// A JSON array of strings.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}
