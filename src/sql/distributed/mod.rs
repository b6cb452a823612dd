//! Distributed SQL on Apache Ballista (feature `distributed`).
//!
//! A Ballista cluster is one scheduler ([`run_scheduler`]) and any number of executors
//! ([`run_executor`]); a client ([`remote_context`], or [`Query::ballista`](super::Query::ballista))
//! plans a query, sends it to the scheduler, which splits it into stages and hands their tasks to
//! the executors, and collects the result.
//!
//! Plans travel between the processes as DataFusion protobuf, where a function is named, not
//! shipped: the scheduler and every executor therefore know peerstat's functions (`rma`, `egger`,
//! `escalc`, … — everything [`register`](super::register) adds) by name, through
//! [`session_state`] and [`function_registry`]. A function's options (`method`, `knha`, `level`)
//! are literal arguments of the call, so they travel with the plan and no extension codec is
//! needed. Results are those of a local `peerstat sql` query bit for bit: the aggregates sort a
//! group's rows before the fit, whatever partition or executor they came from.
//!
//! Every process reads the tables' files itself, by path: on several machines they must see
//! the same files at the same paths (a shared file system).
//!
//! # Examples
//!
//! The functions an executor resolves plans with:
//!
//! ```
//! use datafusion::execution::FunctionRegistry;
//! let registry = peerstat::sql::distributed::function_registry()?;
//! assert!(registry.udafs().contains("rma"));
//! assert!(registry.udfs().contains("escalc"));
//! # Ok::<(), peerstat::Error>(())
//! ```

mod executor;
mod scheduler;
mod session;

pub use executor::{run_executor, serve_executor, ExecutorOptions};
pub use scheduler::{run_scheduler, serve_scheduler, SchedulerOptions};
pub use session::{function_registry, session_state};

use ballista_core::extension::SessionStateExt;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::error::{Error, Result};
use crate::sql::register::with_peerstat;

/// A client session that runs its queries on the Ballista scheduler at `url`
/// (`df://HOST:PORT`), with peerstat's functions and `partitions` target partitions (default:
/// the number of cores of the client). Nothing is sent until a query runs.
///
/// # Errors
/// [`Error::Query`] when `url` is not a `df://HOST:PORT` address.
pub fn remote_context(url: &str, partitions: Option<usize>) -> Result<SessionContext> {
    let scheduler = scheduler_url(url)?;
    let mut config = SessionConfig::new();
    if let Some(n) = partitions {
        config = config.with_target_partitions(n.max(1));
    }
    let state = datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build()
        .upgrade_for_ballista(scheduler)
        .map_err(|e| Error::Query {
            message: format!("Ballista scheduler '{url}': {e}"),
        })?;
    // Ballista's upgrade replaces the state's function lists: add peerstat's afterwards.
    Ok(SessionContext::new_with_state(with_peerstat(state)).enable_url_table())
}

/// The scheduler's gRPC address of `df://HOST:PORT` (`http://HOST:PORT`).
fn scheduler_url(url: &str) -> Result<String> {
    let (host, port) = url
        .strip_prefix("df://")
        .and_then(|rest| host_port(rest.trim_end_matches('/')))
        .ok_or_else(|| Error::Query {
            message: format!("Ballista scheduler '{url}': expected df://HOST:PORT"),
        })?;
    Ok(format!("http://{host}:{port}"))
}

/// `HOST:PORT` split into its host and port (the command line's `--scheduler`); `None` when
/// there is no host or no numeric port.
pub fn host_port(addr: &str) -> Option<(String, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    if host.is_empty() || host.contains('/') {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}
