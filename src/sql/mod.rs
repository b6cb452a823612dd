//! Meta-analysis as Apache DataFusion SQL functions (feature `sql`).
//!
//! [`register`] adds to a [`SessionContext`](datafusion::prelude::SessionContext):
//!
//! | function | kind | returns |
//! |---|---|---|
//! | `rma(yi, vi [, method [, knha [, level]]])` ([`Rma`]) | aggregate | struct of [`rma_fields`]: `reanalyse`'s result columns and `error` |
//! | `egger(yi, vi [, method [, knha [, level]]])` ([`Egger`]) | aggregate | struct of [`egger_fields`]: Egger's regression test |
//! | `pet_peese(yi, vi [, method [, knha [, level]]])` ([`PetPeese`]) | aggregate | struct of [`pet_peese_fields`]: PET, PEESE and PET-PEESE |
//! | `rma_mh(ai, n1, ci, n2 [, measure [, level]])` ([`RmaMh`]) | aggregate | struct of [`rma_mh_fields`]: the Mantel–Haenszel common effect (OR, RR, RD) |
//! | `escalc(measure, …)` ([`Escalc`]) | scalar | struct `(yi, vi, error)` of one row |
//!
//! `escalc` has one signature per measure family (the columns after `measure`):
//! `'SMD'|'MD'|'ROM'|'SMDH'`: `n_t, mean_t, sd_t, n_c, mean_c, sd_c`;
//! `'OR'|'RR'|'RD'|'AS'`: `events_t, n_t, events_c, n_c`;
//! `'IRR'|'IRD'|'IRSD'`: `events_t, person_time_t, events_c, person_time_c`;
//! `'SMCC'|'SMCRH'`: `mean_post, sd_post, mean_pre, sd_pre, n, ri`;
//! `'SMCR'`: `mean_post, mean_pre, sd_pre, n, ri`; `'COR'|'ZCOR'`: `ri, n`;
//! `'PR'|'PLO'|'PFT'`: `events, n`; `'GEN'`: `yi, vi`.
//!
//! Options (`method`, `knha`, `level`, `measure`) are literals. A group or row that cannot be
//! analysed gets its `error` and nulls; the query goes on.
//!
//! **How the aggregates run.** One `GroupsAccumulator` per partition holds the rows of all its
//! groups in flat column buffers (no per-group object). In peerstat's sessions ([`context`],
//! the Ballista processes) the [`SinglePhase`] plan rule hash-shuffles the input rows by group
//! and aggregates them once, instead of DataFusion's partial aggregation, shuffle of partial
//! states and final merge, which would only pack the rows into lists and unpack them again. In
//! any other session the two-phase plan works too: a partial state is, per group, one list of
//! doubles per input column, and partial states merge by concatenation. At the end the rows
//! are ordered by group (a counting sort), each group's rows are sorted lexicographically
//! (nulls first, then `f64::total_cmp`) and fitted with the library's kernel and a reused
//! workspace, so results are identical whatever the plan, partitioning and row order, and
//! bit-for-bit the library's on the group's rows in that order (`rma`: `reanalyse --measure
//! GEN`'s row reading and [`crate::model::RandomEffects::fit_slices`]).
//!
//! # Examples
//!
//! ```
//! # fn main() -> datafusion::error::Result<()> {
//! use datafusion::prelude::SessionContext;
//! let ctx = SessionContext::new();
//! peerstat::sql::register(&ctx);
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! let batches = rt.block_on(async {
//!     let df = ctx
//!         .sql("SELECT rma(yi, vi) AS fit FROM (VALUES (0.1, 0.02), (0.5, 0.03), (0.3, 0.01)) AS t(yi, vi)")
//!         .await?;
//!     df.collect().await
//! })?;
//! assert_eq!(batches[0].num_rows(), 1);
//! # Ok(())
//! # }
//! ```

mod args;
#[cfg(feature = "distributed")]
pub mod distributed;
mod egger;
mod escalc;
mod gen;
mod groups;
mod mh;
mod pet_peese;
mod plan;
mod query;
mod register;
mod rma;
mod rows;

pub use egger::{egger_fields, Egger};
pub use escalc::{escalc_fields, Escalc};
pub use mh::{rma_mh_fields, RmaMh};
pub use pet_peese::{pet_peese_fields, PetPeese};
pub use plan::SinglePhase;
pub use query::{context, write, Query, SqlFormat};
pub use register::register;
pub use rma::{rma_fields, Rma};
