//! # peerstat
//!
//! A statistics engine for evaluating health and social-care interventions, peer support first:
//! effect sizes, common- and random-effects meta-analysis (metafor conventions), and the
//! evaluation-framework data schema, as a library and the `peerstat` command.
//!
//! The modules follow the pipeline a user walks:
//! [`data`] (read a table) → [`effect`] (effect sizes) → [`model`] (pooled fits) →
//! [`report`] (tables and JSON).
//!
//! # Example
//!
//! ```
//! use peerstat::data::{Column, Table};
//! use peerstat::effect::{EffectOptions, EffectSizes, Measure};
//! use peerstat::model::{RandomEffects, Tau2Method};
//!
//! let table = Table::from_columns("demo", vec![
//!     ("study".into(), Column::Str(vec![Some("A".into()), Some("B".into()), Some("C".into())])),
//!     ("yi".into(), Column::Float(vec![Some(0.2), Some(0.5), Some(0.35)])),
//!     ("vi".into(), Column::Float(vec![Some(0.04), Some(0.02), Some(0.03)])),
//! ])?;
//! let es = EffectSizes::compute(&table, Measure::Gen, &EffectOptions::default())?;
//! let fit = RandomEffects::new().method(Tau2Method::Reml).knha(true).fit(&es)?;
//! assert_eq!(fit.summary.k, 3);
//! assert!(fit.summary.ci_lower < fit.summary.estimate && fit.summary.estimate < fit.summary.ci_upper);
//! let json = serde_json::to_value(&fit)?;
//! assert_eq!(json["method"], "REML");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod bulk;
pub mod data;
pub mod diag;
pub mod dist;
pub mod econ;
pub mod effect;
pub mod error;
pub mod framework;
pub mod model;
pub mod report;
mod root;
#[cfg(feature = "sql")]
pub mod sql;

pub use error::{Error, Result};
