//! Options of `peerstat scheduler` and `peerstat executor` (feature `distributed`).

use std::path::PathBuf;

use clap::Args;

/// Help shown after `peerstat scheduler --help`.
pub const SCHEDULER_AFTER: &str = "\
A local cluster (one machine; see also scripts/ballista-local.sh):
  peerstat scheduler --port 50050 &
  peerstat executor --scheduler localhost:50050 --port 50051 --grpc-port 50052 &
  peerstat executor --scheduler localhost:50050 --port 50061 --grpc-port 50062 &
  peerstat sql --ballista df://localhost:50050 --table bulk=$PWD/bulk \\
      \"SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id\"
The scheduler and the executors know peerstat's SQL functions (rma, egger, escalc, ...).
Executors read the tables' files by path: on several machines, a shared file system.
Ballista's messages go to standard error at RUST_LOG's level (error, warn, info, debug,
trace; default warn).";

/// Help shown after `peerstat executor --help`.
pub const EXECUTOR_AFTER: &str = "\
Start the scheduler first. Each executor on a machine needs its own --port and --grpc-port.
SIGTERM or Ctrl-C stops an executor and tells the scheduler. Ballista's messages go to standard
error at RUST_LOG's level (error, warn, info, debug, trace; default warn).

Example:
  peerstat executor --scheduler localhost:50050 --port 50051 --grpc-port 50052 --concurrent-tasks 2";

/// Arguments of `peerstat scheduler`.
#[derive(Args)]
pub struct SchedulerArgs {
    /// Address to listen on (an IP; 0.0.0.0 to serve executors and clients on other machines).
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub bind: String,
    /// Port for clients (df://HOST:PORT) and executors.
    #[arg(long, value_name = "P", default_value_t = 50050)]
    pub port: u16,
    /// Seconds without a heartbeat before an executor is taken as lost and its tasks rerun
    /// elsewhere (keep it above the executors' --heartbeat-interval).
    #[arg(long, value_name = "SECS", default_value_t = 180)]
    pub executor_timeout: u64,
}

/// Arguments of `peerstat executor`.
#[derive(Args)]
pub struct ExecutorArgs {
    /// The scheduler's address.
    #[arg(long, value_name = "HOST:PORT", default_value = "localhost:50050")]
    pub scheduler: String,
    /// Address to listen on (0.0.0.0 to serve other machines).
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub bind: String,
    /// Host name or address at which the scheduler, clients and other executors reach this
    /// one (default: the address the scheduler sees it connect from).
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Arrow Flight port (results are fetched from it).
    #[arg(long, value_name = "P", default_value_t = 50051)]
    pub port: u16,
    /// gRPC port (the scheduler hands out tasks on it).
    #[arg(long, value_name = "P2", default_value_t = 50052)]
    pub grpc_port: u16,
    /// Tasks run at once (default: all cores).
    #[arg(long, value_name = "N")]
    pub concurrent_tasks: Option<usize>,
    /// Directory for shuffle files (default: peerstat-executor-PID-PORT in the temporary
    /// directory, removed when the executor stops on SIGTERM or Ctrl-C).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Seconds between heartbeats to the scheduler.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub heartbeat_interval: u64,
}
