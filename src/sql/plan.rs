//! A physical optimizer rule for the row-collecting aggregates: one aggregation phase instead
//! of DataFusion's two.
//!
//! DataFusion plans a grouped aggregate on several partitions as a partial aggregation per
//! input partition, a hash shuffle of the partial states, and a final aggregation that merges
//! them. That pays off when the partial state is smaller than the rows (a sum, a count). The
//! state of `rma`, `egger` and `rma_mh` is the group's rows themselves, so the partial phase
//! only packs every row into per-group lists that the final phase unpacks again. [`SinglePhase`]
//! rewrites
//!
//! ```text
//! AggregateExec(FinalPartitioned) ← RepartitionExec(Hash(keys)) ← AggregateExec(Partial) ← input
//! ```
//!
//! into
//!
//! ```text
//! AggregateExec(SinglePartitioned) ← RepartitionExec(Hash(keys)) ← input
//! ```
//!
//! when the aggregation computes one of those functions and nothing in it depends on row order
//! (no aggregate with `ORDER BY`, no sorted or streaming input). Each row is then hashed once,
//! shuffled once and appended once. Results do not change: every group's rows still meet in
//! one partition and are fitted in their canonical order.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Result;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{ExecutionPlan, InputOrderMode, Partitioning};

/// The aggregates whose state is their group's rows.
const ROW_COLLECTING: &[&str] = &["rma", "egger", "rma_mh"];

/// The physical optimizer rule that plans peerstat's row-collecting aggregates (`rma`,
/// `egger`, `rma_mh`) in one phase: the final aggregation over a hash shuffle of partial
/// states becomes one aggregation over a hash shuffle of the rows, when no aggregate in it
/// depends on row order. [`context`](super::context) and the Ballista processes include it; a
/// session built otherwise gets the same results without it, more slowly.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use datafusion::execution::SessionStateBuilder;
/// use datafusion::prelude::SessionContext;
/// let state = SessionStateBuilder::new()
///     .with_default_features()
///     .with_physical_optimizer_rule(Arc::new(peerstat::sql::SinglePhase))
///     .build();
/// let ctx = SessionContext::new_with_state(state);
/// peerstat::sql::register(&ctx);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct SinglePhase;

impl PhysicalOptimizerRule for SinglePhase {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_down(|node| {
            Ok(match single_phase(&node)? {
                Some(rewritten) => Transformed::yes(rewritten),
                None => Transformed::no(node),
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "peerstat_single_phase"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `node` in one phase, when it is the final phase of a two-phase row-collecting aggregation.
fn single_phase(node: &Arc<dyn ExecutionPlan>) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let Some(last) = node.downcast_ref::<AggregateExec>() else {
        return Ok(None);
    };
    let Some(shuffle) = last.input().downcast_ref::<RepartitionExec>() else {
        return Ok(None);
    };
    let Some(first) = shuffle.input().downcast_ref::<AggregateExec>() else {
        return Ok(None);
    };
    let Partitioning::Hash(_, partitions) = shuffle.partitioning() else {
        return Ok(None);
    };
    let collects_rows = first
        .aggr_expr()
        .iter()
        .any(|a| ROW_COLLECTING.contains(&a.fun().name()));
    // Order matters to the partial phase (an aggregate with ORDER BY, sorted or streaming
    // input): the shuffle would lose the order, so that plan stays as DataFusion made it.
    let ordered = first.aggr_expr().iter().any(|a| !a.order_bys().is_empty())
        || first.required_input_ordering().iter().any(Option::is_some)
        || *first.input_order_mode() != InputOrderMode::Linear;
    if *last.mode() != AggregateMode::FinalPartitioned
        || *first.mode() != AggregateMode::Partial
        || !first.group_expr().is_single()
        || first.group_expr().is_empty()
        || shuffle.preserve_order()
        || first.limit_options().is_some()
        || ordered
        || !collects_rows
    {
        return Ok(None);
    }
    let keys = first.group_expr().input_exprs();
    let rows = RepartitionExec::try_new(
        Arc::clone(first.input()),
        Partitioning::Hash(keys, *partitions),
    )?;
    let single = AggregateExec::try_new(
        AggregateMode::SinglePartitioned,
        first.group_expr().clone(),
        first.aggr_expr().to_vec(),
        first.filter_expr().to_vec(),
        Arc::new(rows),
        first.input_schema(),
    )?;
    if single.schema() != node.schema() {
        return Ok(None);
    }
    Ok(Some(Arc::new(single)))
}
