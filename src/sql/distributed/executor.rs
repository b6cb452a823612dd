//! A Ballista executor, with peerstat's functions.

use std::path::PathBuf;
use std::sync::Arc;

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};

use super::scheduler::runtime;
use super::session::{cluster_error, function_registry};
use crate::error::{Error, Result};

/// Which scheduler an executor serves, where it listens, and how much it runs at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutorOptions {
    /// The scheduler's host (default `localhost`).
    pub scheduler_host: String,
    /// The scheduler's port (default 50050).
    pub scheduler_port: u16,
    /// Address to listen on (default `127.0.0.1`; `0.0.0.0` to serve other machines).
    pub bind_host: String,
    /// Host name or address the scheduler and other executors reach this one at (default: the
    /// address the scheduler sees it connect from).
    pub external_host: Option<String>,
    /// Arrow Flight port, from which clients and other executors fetch results (default 50051).
    pub port: u16,
    /// gRPC port on which the scheduler hands out tasks (default 50052).
    pub grpc_port: u16,
    /// Tasks run at once (default 0: the number of cores).
    pub concurrent_tasks: usize,
    /// Directory for shuffle files (default: `peerstat-executor-PID-PORT` in the system's
    /// temporary directory, removed when the executor stops normally).
    pub work_dir: Option<PathBuf>,
    /// Seconds between heartbeats to the scheduler (default 60, Ballista's).
    pub heartbeat_interval_seconds: u64,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        ExecutorOptions {
            scheduler_host: "localhost".into(),
            scheduler_port: 50050,
            bind_host: "127.0.0.1".into(),
            external_host: None,
            port: 50051,
            grpc_port: 50052,
            concurrent_tasks: 0,
            work_dir: None,
            heartbeat_interval_seconds: 60,
        }
    }
}

/// Runs an executor until the scheduler stops it, the process gets SIGTERM or Ctrl-C (it then
/// tells the scheduler), or it fails.
///
/// # Errors
/// [`Error::Cluster`](crate::error::Error::Cluster) when it cannot reach the scheduler, take its
/// ports, or serve.
pub async fn serve_executor(opts: &ExecutorOptions) -> Result<()> {
    let what = format!(
        "Ballista executor on {}:{} (scheduler {}:{})",
        opts.bind_host, opts.port, opts.scheduler_host, opts.scheduler_port
    );
    // Ballista's own default is a temporary directory that it deletes at once and whose
    // recreated copy it never removes: use one of ours.
    let own_dir = match &opts.work_dir {
        Some(_) => None,
        None => {
            let d = std::env::temp_dir().join(format!(
                "peerstat-executor-{}-{}",
                std::process::id(),
                opts.port
            ));
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d.display().to_string(), e))?;
            Some(d)
        }
    };
    let work_dir = opts.work_dir.as_ref().or(own_dir.as_ref());
    let config = ExecutorProcessConfig {
        bind_host: opts.bind_host.clone(),
        external_host: opts.external_host.clone(),
        port: opts.port,
        grpc_port: opts.grpc_port,
        scheduler_host: opts.scheduler_host.clone(),
        scheduler_port: opts.scheduler_port,
        // No scheduler at the address is an error at once (start the scheduler first).
        scheduler_connect_timeout_seconds: 0,
        vcores: opts.concurrent_tasks,
        work_dir: work_dir.map(|p| p.display().to_string()),
        executor_heartbeat_interval_seconds: opts.heartbeat_interval_seconds.max(1),
        override_function_registry: Some(Arc::new(function_registry()?)),
        ..ExecutorProcessConfig::default()
    };
    let served = start_executor_process(Arc::new(config))
        .await
        .map_err(|e| cluster_error(&what, e));
    if let Some(d) = own_dir {
        // Best effort: a failure to remove leaves files in the temporary directory only.
        let _ = std::fs::remove_dir_all(d);
    }
    served
}

/// [`serve_executor`] on a Tokio runtime of its own (blocks).
///
/// # Errors
/// As [`serve_executor`]; [`Error::Io`](crate::error::Error::Io) when the runtime cannot start.
pub fn run_executor(opts: &ExecutorOptions) -> Result<()> {
    runtime()?.block_on(serve_executor(opts))
}
