//! The records of the evidence-and-gap map: its studies, its cells, the element view, and the
//! map as a whole.

use serde::Serialize;

/// One study entry of the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapStudy {
    /// Study id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Row value.
    pub row: String,
    /// Column value.
    pub col: String,
    /// Segment value (null = not reported).
    pub segment: Option<String>,
    /// Filter values.
    pub population: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Design.
    pub design: Option<String>,
    /// Mode.
    pub mode: Option<String>,
    /// Effect (yi) if computed, on the measure's analysis scale (log odds ratio for OR).
    pub yi: Option<f64>,
    /// The measure of `yi` (its outcome domain's, as in the report: OR or SMD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// Lower CI.
    pub ci_lower: Option<f64>,
    /// Upper CI.
    pub ci_upper: Option<f64>,
}

/// Pooled effect of one map cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapCell {
    /// Row value.
    pub row: String,
    /// Column value.
    pub col: String,
    /// Number of studies with a usable effect in the cell (those pooled when it is pooled).
    pub k: usize,
    /// Number of effects with a usable effect in the cell (those pooled when it is pooled).
    pub effects: usize,
    /// How the cell was pooled: `REML + KH` (one effect per study; ad hoc KH with two studies)
    /// or `CHE (rho …) + CR2` (several effects from a study); null when not pooled.
    pub model: Option<String>,
    /// Pooled estimate (null with fewer than two studies), on the measure's analysis scale (log
    /// odds ratio for OR).
    pub estimate: Option<f64>,
    /// Lower CI.
    pub ci_lower: Option<f64>,
    /// Upper CI.
    pub ci_upper: Option<f64>,
    /// Measure: the outcome domain's, as in the report (OR for a domain whose effects are all
    /// binary, else SMD); "mixed" when the cell holds effects on different scales (not pooled).
    pub measure: String,
    /// Why the cell has no pooled estimate although it has two or more effects (for example
    /// they all come from one study).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Data of an evidence-and-gap map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapData {
    /// Title.
    pub title: String,
    /// Simulated data?
    pub simulated: bool,
    /// Note shown under the title.
    pub note: String,
    /// Row column.
    pub rows_label: String,
    /// Column column.
    pub cols_label: String,
    /// Segment column.
    pub segment_label: String,
    /// Row levels.
    pub rows: Vec<String>,
    /// Column levels.
    pub cols: Vec<String>,
    /// Segment levels.
    pub segments: Vec<String>,
    /// Filter levels by key.
    pub filters: std::collections::BTreeMap<String, Vec<String>>,
    /// Study × cell entries.
    pub studies: Vec<MapStudy>,
    /// Pooled effects per cell.
    pub cells: Vec<MapCell>,
    /// The element view (what each coded element adds, per outcome domain), when the data code
    /// the elements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elements: Option<ElementsView>,
}

/// One cell of the element view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementCell {
    /// Row: `field: level`, or [`BASE`](crate::framework::elements::BASE).
    pub row: String,
    /// Column: the outcome domain.
    pub col: String,
    /// Studies of the domain with this element.
    pub studies: usize,
    /// What the element adds against its field's reference level (random effects).
    pub estimate: Option<f64>,
    /// Lower 95% confidence limit.
    pub ci_lower: Option<f64>,
    /// Upper 95% confidence limit.
    pub ci_upper: Option<f64>,
    /// The domain's measure (`SMD` or `OR`; estimates of OR are log odds ratios).
    pub measure: String,
    /// A lower value favours peer support in this domain (its outcomes are lower-is-better).
    pub lower_is_better: bool,
    /// This level is its field's reference level in this domain.
    pub reference: bool,
    /// Why the cell is a gap (no estimate).
    pub gap: Option<String>,
}

/// The element view of the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementsView {
    /// The element fields.
    pub fields: Vec<String>,
    /// Row labels, [`BASE`](crate::framework::elements::BASE) first, then `field: level` in codebook order.
    pub rows: Vec<String>,
    /// Outcome domains.
    pub cols: Vec<String>,
    /// Every row × column cell.
    pub cells: Vec<ElementCell>,
    /// How to read the view.
    pub note: String,
}
