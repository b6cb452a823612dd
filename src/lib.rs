//! # peerstat
//!
//! A statistics engine for evaluating health and social-care interventions, peer support first:
//! effect sizes, common- and random-effects meta-analysis with metafor's conventions,
//! multilevel and network models, bias and influence diagnostics, economic evaluation, bulk
//! reanalysis, and the evaluation framework (its codebook, standard evaluation and
//! evidence-and-gap map), as a library, the `peerstat` command (feature `cli`) and a Python
//! package (`python/`). The user's manual is the book in `docs/` (`docs/src/SUMMARY.md`);
//! `ARCHITECTURE.md` says which module owns what.
//!
//! # The pipeline
//!
//! The modules follow the path of an analysis, and each uses only those to its left:
//!
//! ```text
//! error → dist/root → data → effect → model → diag / econ / bulk (and sql) → framework → report → cli
//! ```
//!
//! * [`error`]: the one error type ([`Error`]), naming the file, row and column at fault, and
//!   the exit code of each kind; [`dist`]: guarded distribution functions.
//! * [`data`]: read a table ([`read_table`]: CSV or Parquet) into a [`Table`] with canonical
//!   column names ([`ColumnMap`] renames), and every write through a temporary file.
//! * [`effect`]: effect sizes ([`EffectSizes`], metafor's `escalc`: [`Measure`],
//!   [`EffectOptions`]) and conversions from reported statistics.
//! * [`model`]: pooled fits: the random-effects model ([`RandomEffects`], [`Tau2Method`]),
//!   subgroups, meta-regression, RVE and cluster-robust inference behind one [`MetaOptions`];
//!   multilevel and CHE models ([`MultilevelOptions`]); network meta-analysis.
//! * [`diag`]: publication bias ([`BiasOptions`]) and influence ([`InfluenceOptions`]);
//!   [`econ`]: economic evaluation ([`CeaOptions`], [`analyse_table`]); [`bulk`]: one fit per
//!   group of a large file ([`Reanalysis`]). Beside them, `sql` (feature `sql`): the same fits
//!   as DataFusion SQL functions, and their Ballista cluster (feature `distributed`).
//! * [`framework`]: the codebook ([`Codebook`]), the standard evaluation ([`evaluate()`],
//!   [`EvaluateOptions`]) and the evidence-and-gap map ([`evidence_map()`]).
//! * [`report`]: rendering of results: text tables, JSON, CSV, SVG plots, the HTML report.
//! * `cli` (the binary only): flags, files and exit codes.
//!
//! Analyses return typed results that serialise to the JSON the command line prints
//! (`serde_json::to_value(&result)`), and never print or name a command-line flag.
//!
//! # Entry points
//!
//! The types a library user needs are re-exported here. The examples read the bundled data of
//! the repository (`fixtures/`, `seeds/`).
//!
//! A random-effects meta-analysis ([`RandomEffects`] on [`EffectSizes`]), as `peerstat meta
//! --knha`:
//!
//! ```
//! use peerstat::{Column, EffectOptions, EffectSizes, Measure, RandomEffects, Table, Tau2Method};
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
//!
//! Everything `peerstat meta` does (subgroups, moderators, RVE, cluster-robust inference) from a
//! file, through [`MetaOptions`]; its [`MetaResult`] is the command's JSON:
//!
//! ```
//! use peerstat::{read_table, ColumnMap, EffectOptions, EffectSizes, Measure, MetaOptions, RandomEffects};
//!
//! let table = read_table("fixtures/bcg.csv".as_ref(), &ColumnMap::new())?;
//! let es = EffectSizes::compute(&table, Measure::Rr, &EffectOptions::default())?;
//! let mut options = MetaOptions::new(EffectOptions::default(), RandomEffects::new());
//! options.mods = vec!["ablat".into()];
//! let result = options.fit(&table, &es)?.report;
//! let json = serde_json::to_value(&result).expect("serialisable");
//! assert_eq!(json["k"], 13);
//! assert!(json["coefficients"].as_array().is_some_and(|c| c.len() == 2));
//! # Ok::<(), peerstat::Error>(())
//! ```
//!
//! A multilevel model with nested random effects ([`MultilevelOptions`], metafor's `rma.mv`):
//!
//! ```
//! use peerstat::model::multilevel::{parse_terms, MultilevelModel};
//! use peerstat::{read_table, ColumnMap, EffectOptions, EffectSizes, Measure, MultilevelOptions};
//!
//! let table = read_table("fixtures/assink2016.csv".as_ref(), &ColumnMap::new())?;
//! let es = EffectSizes::compute(&table, Measure::Gen, &EffectOptions::default())?;
//! let options = MultilevelOptions::new(MultilevelModel::new(), parse_terms("~ 1 | study/esid")?);
//! let result = options.fit(&table, &es)?.report;
//! let json = serde_json::to_value(&result).expect("serialisable");
//! assert_eq!(json["sigma2"].as_array().map(Vec::len), Some(2));
//! # Ok::<(), peerstat::Error>(())
//! ```
//!
//! Publication bias ([`BiasOptions`]) and influence ([`InfluenceOptions`]), as `peerstat bias`
//! and `peerstat influence`:
//!
//! ```
//! use peerstat::diag::{EggerModel, TrimFillEstimator};
//! use peerstat::{
//!     read_table, BiasOptions, ColumnMap, EffectOptions, EffectSizes, InfluenceOptions, Measure,
//!     RandomEffects,
//! };
//!
//! let table = read_table("fixtures/bcg.csv".as_ref(), &ColumnMap::new())?;
//! let es = EffectSizes::compute(&table, Measure::Rr, &EffectOptions::default())?;
//! let bias = BiasOptions {
//!     effect: EffectOptions::default(),
//!     model: RandomEffects::new(),
//!     egger: EggerModel::Rma,
//!     estimator: TrimFillEstimator::L0,
//!     side: None,
//!     orwin_target: None,
//! }
//! .run(&es)?;
//! assert_eq!(bias.k, 13);
//! let influence = InfluenceOptions {
//!     effect: EffectOptions::default(),
//!     model: RandomEffects::new(),
//!     cumulative: false,
//!     order: None,
//! }
//! .run(&table, &es)?;
//! assert_eq!(influence.studies.map(|s| s.len()), Some(13));
//! # Ok::<(), peerstat::Error>(())
//! ```
//!
//! An economic evaluation ([`CeaOptions`], [`analyse_table`]), as `peerstat cea`: the shape of
//! the data (strategies, PSA draws, patients, arms) is detected from its columns:
//!
//! ```
//! use peerstat::{analyse_table, read_table, CeaOptions, ColumnMap};
//!
//! let table = read_table("fixtures/econ/strategies_herc.csv".as_ref(), &ColumnMap::new())?;
//! let result = analyse_table(&table, &CeaOptions::default())?;
//! assert!(result.frontier.is_some());
//! # Ok::<(), peerstat::Error>(())
//! ```
//!
//! One meta-analysis per group, in bulk ([`Reanalysis`]), as `peerstat reanalyse`:
//!
//! ```
//! use peerstat::{read_table, ColumnMap, Measure, Reanalysis};
//!
//! let table = read_table("fixtures/bulk_sample.csv".as_ref(), &ColumnMap::new())?;
//! let (results, summary) = Reanalysis::new(&["analysis_id"], Measure::Gen).results_table(&table)?;
//! assert_eq!(summary.groups, 200);
//! assert_eq!(results.nrows(), 200);
//! # Ok::<(), peerstat::Error>(())
//! ```
//!
//! The framework's standard evaluation ([`evaluate()`]) and its evidence-and-gap map
//! ([`evidence_map()`]), as `peerstat evaluate` and `peerstat map`:
//!
//! ```
//! use peerstat::{evaluate, evidence_map, read_table, Codebook, ColumnMap, EvaluateOptions};
//!
//! let path = std::path::Path::new("fixtures/bcg_elements.csv");
//! let mut table = read_table(path, &ColumnMap::new())?;
//! let codebook = Codebook::builtin();
//! let options = EvaluateOptions::default();
//! let evaluation = evaluate(&mut table, &codebook, path, None, &options)?;
//! assert!(!evaluation.domains.is_empty());
//! let map = evidence_map(&table, &codebook, ("alloc", "outcome_domain"), None, &options, None)?;
//! assert!(serde_json::to_value(&map).is_ok());
//! # Ok::<(), peerstat::Error>(())
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

pub use bulk::{BulkSummary, Reanalysis};
pub use data::{read_table, Column, ColumnMap, Table};
pub use diag::{BiasOptions, BiasResult, InfluenceOptions, InfluenceResult};
pub use econ::table::{analyse_table, CeaOptions, CeaResult};
pub use effect::{EffectOptions, EffectSizes, Measure};
pub use error::{Error, Result};
pub use framework::evaluate::{evaluate, EvaluateOptions, Evaluation};
pub use framework::evidence_map::evidence_map;
pub use framework::Codebook;
pub use model::{MetaOptions, MetaResult, MultilevelOptions, RandomEffects, Tau2Method};
