//! Rendering: every way a result is shown, and nothing else. Results are data produced by the
//! analysis modules; this module turns them into a metafor-style text printout ([`text`]), the
//! JSON contract ([`json`]), CSV ([`csv`]), SVG plots ([`svg`]), the same plots as PNG or PDF
//! ([`render`]) and self-contained HTML pages ([`html`]). Only the command line imports it; no analysis module does.
//!
//! # Examples
//!
//! ```
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::RandomEffects;
//! use peerstat::report;
//! let es = EffectSizes::from_slices(Measure::Gen, &[0.1, 0.4, 0.3], &[0.02, 0.03, 0.05]).unwrap();
//! let fit = RandomEffects::new().fit(&es).unwrap();
//! let text = report::table(&fit, "demo");
//! assert!(text.contains("Random-Effects Model (k = 3; tau^2 estimator: REML)"));
//! let json = report::json(&fit).unwrap();
//! assert!(json.contains("\"estimate\""));
//! let csv = report::csv::summary(&fit).unwrap();
//! assert!(csv.starts_with("measure,method,k,estimate,"));
//! ```

pub mod business;
pub mod business_html;
pub mod converted;
pub mod csv;
pub mod evaluation;
pub mod fmt;
pub mod html;
pub mod html_nav;
mod html_network;
mod html_smallk;
pub mod icer_words;
pub mod render;
pub mod sof;
pub mod sof_econ;
pub mod svg;
pub mod template;
pub mod text;

pub use fmt::{f4, fp, pv};
pub use text::{
    bias_report_table, bias_table, cea_table, influence_table, mh_table, multilevel_table, table,
    table_report,
};

/// Any result as pretty-printed JSON with a final newline (the JSON contract). Undefined values
/// are `null`.
///
/// # Errors
/// Only if serialisation fails (it does not for peerstat's result types).
pub fn json<T: serde::Serialize + ?Sized>(result: &T) -> serde_json::Result<String> {
    let mut s = serde_json::to_string_pretty(result)?;
    s.push('\n');
    Ok(s)
}
