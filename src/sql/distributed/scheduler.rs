//! The Ballista scheduler, with peerstat's functions.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
use datafusion::error::DataFusionError;

use super::session::{cluster_error, session_state};
use crate::error::{Error, Result};

/// Where a scheduler listens, and how soon it gives up on a silent executor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerOptions {
    /// Address to listen on (default `127.0.0.1`; `0.0.0.0` for executors on other machines).
    pub bind_host: String,
    /// gRPC port that clients and executors connect to (default 50050).
    pub port: u16,
    /// Seconds without a heartbeat after which an executor is taken as lost and its tasks are
    /// run again elsewhere (default 180, Ballista's; keep it above the executors' heartbeat
    /// interval).
    pub executor_timeout_seconds: u64,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        SchedulerOptions {
            bind_host: "127.0.0.1".into(),
            port: 50050,
            executor_timeout_seconds: 180,
        }
    }
}

impl SchedulerOptions {
    /// The socket address to listen on.
    ///
    /// # Errors
    /// [`Error::Cluster`] when the host is not an IP address.
    pub fn address(&self) -> Result<SocketAddr> {
        let host = self.bind_host.trim_start_matches('[').trim_end_matches(']');
        let ip: std::net::IpAddr = host.parse().map_err(|e| Error::Cluster {
            process: "Ballista scheduler".into(),
            message: format!(
                "bind address '{}': {e} (give an IP address such as 127.0.0.1 or 0.0.0.0)",
                self.bind_host
            ),
        })?;
        Ok(SocketAddr::new(ip, self.port))
    }

    fn config(&self) -> SchedulerConfig {
        let timeout = self.executor_timeout_seconds.max(2);
        let config = SchedulerConfig {
            bind_host: self.bind_host.clone(),
            bind_port: self.port,
            executor_timeout_seconds: timeout,
            // Look for lost executors a few times per timeout.
            expire_dead_executor_interval_seconds: (timeout / 4).clamp(1, 15),
            no_executors_grace_period_seconds: timeout,
            // Ballista's advice for a single scheduler: spread tasks over the executors.
            task_distribution: TaskDistributionPolicy::RoundRobin,
            ..SchedulerConfig::default()
        };
        config.with_override_session_builder(Arc::new(|c| {
            session_state(c).map_err(|e| DataFusionError::Execution(e.to_string()))
        }))
    }
}

/// Runs a scheduler until it fails (a taken port) or the process is stopped.
///
/// # Errors
/// [`Error::Cluster`] when the address is not valid or the scheduler cannot start or serve.
pub async fn serve_scheduler(opts: &SchedulerOptions) -> Result<()> {
    let address = opts.address()?;
    let config = opts.config();
    let what = format!("Ballista scheduler on {address}");
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| cluster_error(&what, e))?;
    ballista_scheduler::scheduler_process::start_server(cluster, address, Arc::new(config))
        .await
        .map_err(|e| cluster_error(&what, e))
}

/// [`serve_scheduler`] on a Tokio runtime of its own (blocks).
///
/// # Errors
/// As [`serve_scheduler`]; [`Error::Io`] when the runtime cannot start.
pub fn run_scheduler(opts: &SchedulerOptions) -> Result<()> {
    runtime()?.block_on(serve_scheduler(opts))
}

/// A multi-threaded Tokio runtime with Ballista's 32 MiB thread stacks (deep plans recurse).
pub(super) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()
        .map_err(|e| Error::io("tokio runtime", e))
}
