//! `peerstat scheduler` and `peerstat executor` (feature `distributed`).

use peerstat::sql::distributed::{
    host_port, run_executor, run_scheduler, ExecutorOptions, SchedulerOptions,
};

use crate::cli::args::distributed::{ExecutorArgs, SchedulerArgs};
use crate::cli::{say, CmdResult, Failure};

/// Ballista's log messages on standard error, at most as detailed as `RUST_LOG` says (`error`,
/// `warn`, `info`, `debug`, `trace`; default `warn`).
struct StderrLog(log::LevelFilter);

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= self.0
    }

    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            say!("{} {}: {}", r.level(), r.target(), r.args());
        }
    }

    fn flush(&self) {}
}

fn init_log() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(log::LevelFilter::Warn);
    static LOG: std::sync::OnceLock<StderrLog> = std::sync::OnceLock::new();
    if log::set_logger(LOG.get_or_init(|| StderrLog(level))).is_ok() {
        log::set_max_level(level);
    }
}

/// `peerstat scheduler`: serves until stopped.
pub fn scheduler(a: SchedulerArgs) -> CmdResult {
    let opts = SchedulerOptions {
        bind_host: a.bind,
        port: a.port,
        executor_timeout_seconds: a.executor_timeout,
    };
    let addr = opts.address().map_err(|_| {
        Failure::Usage(format!(
            "--bind '{}': give an IP address such as 127.0.0.1 or 0.0.0.0",
            opts.bind_host
        ))
    })?;
    say!(
        "peerstat scheduler: listening on {addr} (clients: --ballista df://HOST:{})",
        a.port
    );
    init_log();
    run_scheduler(&opts)?;
    Ok(())
}

/// `peerstat executor`: serves until stopped.
pub fn executor(a: ExecutorArgs) -> CmdResult {
    let (scheduler_host, scheduler_port) = host_port(&a.scheduler).ok_or_else(|| {
        Failure::Usage(format!("--scheduler '{}': expected HOST:PORT", a.scheduler))
    })?;
    if a.concurrent_tasks == Some(0) {
        return Err(Failure::Usage(
            "--concurrent-tasks must be at least 1".into(),
        ));
    }
    if a.port == a.grpc_port {
        return Err(Failure::Usage(format!(
            "--port and --grpc-port must differ (both {})",
            a.port
        )));
    }
    let opts = ExecutorOptions {
        scheduler_host,
        scheduler_port,
        bind_host: a.bind,
        external_host: a.external_host,
        port: a.port,
        grpc_port: a.grpc_port,
        concurrent_tasks: a.concurrent_tasks.unwrap_or(0),
        work_dir: a.work_dir,
        heartbeat_interval_seconds: a.heartbeat_interval,
    };
    say!(
        "peerstat executor: flight {}:{}, grpc {}:{}, scheduler {}",
        opts.bind_host,
        opts.port,
        opts.bind_host,
        opts.grpc_port,
        a.scheduler
    );
    init_log();
    run_executor(&opts)?;
    Ok(())
}
