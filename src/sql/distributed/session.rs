//! The session state of the Ballista processes: the scheduler's state and the executors'
//! function registry, both with peerstat's functions, and their errors.

use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::execution::SessionState;
use datafusion::prelude::SessionConfig;

use crate::error::{Error, Result};
use crate::sql::register::with_peerstat;

/// The error of a Ballista scheduler or executor, as [`Error::Cluster`].
pub(crate) fn cluster_error(process: &str, e: impl std::fmt::Display) -> Error {
    Error::Cluster {
        process: process.to_string(),
        message: e.to_string(),
    }
}

/// A scheduler's session state for `config`: Ballista's defaults (DataFusion's functions and
/// Ballista's optimizer rules) and peerstat's functions. The scheduler decodes a client's plan
/// with it.
///
/// # Errors
/// [`Error::Cluster`] when DataFusion cannot build the runtime environment.
pub fn session_state(config: SessionConfig) -> Result<SessionState> {
    let state = ballista_core::utils::default_session_builder(config)
        .map_err(|e| cluster_error("session state", e))?;
    Ok(with_peerstat(state))
}

/// The function registry an executor decodes its tasks' plans with: DataFusion's functions and
/// peerstat's.
///
/// # Errors
/// As [`session_state`].
pub fn function_registry() -> Result<BallistaFunctionRegistry> {
    let state = session_state(ballista_core::utils::default_config_producer())?;
    Ok(BallistaFunctionRegistry::from(&state))
}
