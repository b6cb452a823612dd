//! Bulk reanalysis: one random-effects meta-analysis per group of rows, for thousands to
//! millions of groups (every outcome × subgroup of an evidence map, every review in a database,
//! every sensitivity scenario).
//!
//! [`Reanalysis::run`] streams a Parquet file in record batches, reading only the group-key and
//! effect columns, and fits the groups of each batch in parallel (rayon) with the same kernels
//! as `peerstat meta` (`effect::compute_rows` and
//! [`RandomEffects::fit_slices`](crate::model::RandomEffects::fit_slices)), so each group's
//! result is bit-for-bit what `peerstat meta` gives on that group alone. Results are written as
//! they are produced, through a temporary file renamed into place at the end.
//!
//! **Memory.** When the input is clustered by group key (all rows of a group adjacent, the usual
//! case), memory is bounded by one record batch plus one group, whatever the file size. When it is
//! not (a key reappears after another key), the run falls back to reading the needed columns of the
//! whole file into memory and grouping them there (memory grows with the input), and says so on
//! standard error. CSV input is always read into memory.
//!
//! **Groups.** Output rows follow the first appearance of each key, identical whatever the thread
//! count. A missing key value forms its own group. A group that cannot be analysed (no usable
//! studies, a bad value, non-convergence) gets its `error` filled and the run goes on.
//!
//! # Examples
//!
//! ```
//! use peerstat::bulk::{simulate_table, Reanalysis};
//! use peerstat::effect::Measure;
//! let table = simulate_table(50, 1);
//! let results = Reanalysis::new(&["analysis_id"], Measure::Smd).run_table(&table).unwrap();
//! assert_eq!(results.len(), 50);
//! assert!(results.iter().all(|g| g.error.is_none()));
//! ```

mod bayes;
mod buffer;
mod group;
mod multilevel;
mod output;
mod reanalysis;
mod result;
mod simulate;
mod stream;

pub use multilevel::{BulkMultilevel, MultilevelRow, RobustRow};
pub use reanalysis::Reanalysis;
pub use result::{result_columns, BulkSummary, GroupResult, Progress};
pub use simulate::{simulate_table, simulate_to, SIM_COLUMNS};
