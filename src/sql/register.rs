//! peerstat's functions in a DataFusion session: registered with a context, or added with the
//! [`SinglePhase`] plan rule to a session state.

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

use super::egger::Egger;
use super::escalc::Escalc;
use super::mh::RmaMh;
use super::pet_peese::PetPeese;
use super::plan::SinglePhase;
use super::rma::Rma;

/// `state` with peerstat's functions (those of [`register`]) and its [`SinglePhase`] plan rule
/// added: the session state of [`context`](super::context) and of the Ballista processes.
pub(crate) fn with_peerstat(
    state: datafusion::execution::SessionState,
) -> datafusion::execution::SessionState {
    let state = datafusion::execution::SessionStateBuilder::new_from_existing(state)
        .with_physical_optimizer_rule(std::sync::Arc::new(SinglePhase))
        .build();
    let ctx = SessionContext::new_with_state(state);
    register(&ctx);
    ctx.state()
}

/// Registers peerstat's functions with `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(AggregateUDF::from(Rma::default()));
    ctx.register_udaf(AggregateUDF::from(Egger::default()));
    ctx.register_udaf(AggregateUDF::from(PetPeese::default()));
    ctx.register_udaf(AggregateUDF::from(RmaMh::default()));
    ctx.register_udf(ScalarUDF::from(Escalc::default()));
}
