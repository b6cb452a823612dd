//! Meta-analysis as Apache DataFusion SQL functions (feature `sql`).
//!
//! [`register`] adds to a [`SessionContext`]:
//! - the aggregate `rma(yi, vi [, method [, knha [, level]]])` ([`Rma`]): one random-effects
//!   meta-analysis per group, with `reanalyse`'s kernel, returning a struct of its result
//!   columns;
//! - the aggregate `egger(yi, vi [, method [, knha [, level]]])` ([`Egger`]): Egger's
//!   regression test per group;
//! - the scalar `escalc(measure, …)` ([`Escalc`]): a row's effect size and variance
//!   (continuous and 2×2-table measures).
//!
//! The aggregates' partial state is the group's rows, and partial states merge by
//! concatenation; rows are sorted by `(yi, vi)` before the fit, so results are identical
//! whatever the partitioning and row order.
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
mod query;
mod rma;
mod rows;

pub use egger::{egger_fields, Egger};
pub use escalc::{escalc_fields, Escalc};
pub use query::{context, write, Query, SqlFormat};
pub use rma::{rma_fields, Rma};

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

/// Registers peerstat's functions with `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(AggregateUDF::from(Rma::default()));
    ctx.register_udaf(AggregateUDF::from(Egger::default()));
    ctx.register_udf(ScalarUDF::from(Escalc::default()));
}
