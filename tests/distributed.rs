//! Distributed SQL on Apache Ballista (feature `distributed`): a scheduler and two executors,
//! separate `peerstat` processes on free localhost ports, run the bulk query over a partitioned
//! Parquet directory with results equal to the library's bit for bit; an executor killed in
//! the middle of a query never yields a wrong answer; `scripts/ballista-local.sh` starts and
//! stops a cluster.
#![cfg(feature = "distributed")]

#[path = "distributed/data.rs"]
mod data;
#[path = "sql/support.rs"]
mod support;

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use data::{cells, write_parquet_dir};
use peerstat::model::{RandomEffects, Tau2Method};
use peerstat::sql::Query;
use support::{assert_same, keyed, reference, simulated};

const RMA_KNHA: &str = "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk \
GROUP BY analysis_id ORDER BY analysis_id";

/// A child process, killed (SIGKILL) and reaped on drop.
struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &str, args: &[String], logs: &Path) -> Proc {
        let log = logs.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_peerstat"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Proc {
            name: name.to_string(),
            child,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `port` accepts connections; panics with the log if the process exits or
    /// 60 s pass.
    fn await_port(&mut self, port: u16) {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("{} exited ({status}): {}", self.name, self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{} does not listen on {port}: {}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` distinct ports that were free a moment ago.
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

/// A scheduler and executors on localhost. Executors are fields in start order, each with its
/// own work directory (shuffle files).
struct Cluster {
    url: String,
    executors: Vec<Option<Proc>>,
    work_dirs: Vec<PathBuf>,
    // Dropped after the executors (fields drop in order).
    scheduler: Proc,
    _dir: tempfile::TempDir,
}

fn cluster(executors: usize) -> Cluster {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(1 + 2 * executors);
    let s = |x: &str| x.to_string();
    let mut scheduler = Proc::spawn(
        "scheduler",
        &[
            s("scheduler"),
            s("--port"),
            ports[0].to_string(),
            // Lost executors are noticed within seconds.
            s("--executor-timeout"),
            s("6"),
        ],
        dir.path(),
    );
    scheduler.await_port(ports[0]);
    let mut procs = Vec::new();
    let mut work_dirs = Vec::new();
    for i in 0..executors {
        let (flight, grpc) = (ports[1 + 2 * i], ports[2 + 2 * i]);
        let work = dir.path().join(format!("work-{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let mut e = Proc::spawn(
            &format!("executor-{i}"),
            &[
                s("executor"),
                s("--scheduler"),
                format!("localhost:{}", ports[0]),
                s("--port"),
                flight.to_string(),
                s("--grpc-port"),
                grpc.to_string(),
                s("--concurrent-tasks"),
                s("2"),
                s("--heartbeat-interval"),
                s("1"),
                s("--work-dir"),
                work.display().to_string(),
            ],
            dir.path(),
        );
        e.await_port(flight);
        e.await_port(grpc);
        procs.push(Some(e));
        work_dirs.push(work);
    }
    Cluster {
        url: format!("df://localhost:{}", ports[0]),
        executors: procs,
        work_dirs,
        scheduler,
        _dir: dir,
    }
}

fn peerstat(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peerstat {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_process_knows_the_functions_and_addresses_are_checked() {
    use datafusion::execution::FunctionRegistry;
    use datafusion::prelude::SessionConfig;
    use peerstat::sql::distributed::{function_registry, host_port, remote_context, session_state};
    let state = session_state(SessionConfig::new()).unwrap();
    let registry = function_registry().unwrap();
    let client = remote_context("df://localhost:1", Some(2)).unwrap().state();
    let mut checked = 0;
    for f in ["rma", "egger", "sum", "count"] {
        assert!(state.udafs().contains(f), "scheduler: {f}");
        assert!(registry.udaf(f).is_ok(), "executor: {f}");
        assert!(client.udafs().contains(f), "client: {f}");
        checked += 1;
    }
    for f in ["escalc", "abs"] {
        assert!(state.udfs().contains(f) && registry.udf(f).is_ok() && client.udfs().contains(f));
        checked += 1;
    }
    assert_eq!(checked, 6);
    for bad in ["localhost:50050", "df://localhost", "df://:1", "df://h:x"] {
        let Err(e) = remote_context(bad, None) else {
            panic!("{bad} accepted")
        };
        let e = e.to_string();
        assert!(e.contains(bad) && e.contains("df://HOST:PORT"), "{e}");
    }
    assert!(remote_context("df://10.0.0.1:6000/", None).is_ok());
    assert_eq!(host_port("h:7"), Some(("h".to_string(), 7)));
    assert_eq!(host_port("[::1]:7"), Some(("[::1]".to_string(), 7)));
    assert_eq!(host_port("h"), None);
    assert_eq!(host_port(":7"), None);
}

#[test]
fn bulk_query_on_two_executors_equals_reanalyse_bit_for_bit() {
    let c = cluster(2);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bulk");
    let rows = simulated(300, 11);
    write_parquet_dir(&rows, &data, 4);

    let got = Query::new()
        .table("bulk", &data)
        .partitions(Some(4))
        .ballista(&c.url)
        .run(RMA_KNHA)
        .unwrap();
    let model = RandomEffects::new().method(Tau2Method::Reml).knha(true);
    let want = reference(&rows, model);
    assert_eq!(want.len(), 300);
    let compared = assert_same(&keyed(&got), &want);
    assert!(compared >= 300 * 17, "{compared} values compared");

    // The scheduler plans `rma` in one phase: rows shuffled by key, aggregated once.
    let explain = Query::new()
        .table("bulk", &data)
        .partitions(Some(4))
        .ballista(&c.url)
        .run(&format!("EXPLAIN {RMA_KNHA}"))
        .unwrap();
    let plan = cells(&explain).join("\n");
    let distributed = plan.split_once("distributed_plan").map_or("", |p| p.1);
    assert!(distributed.contains("mode=SinglePartitioned"), "{plan}");
    assert!(!distributed.contains("mode=Partial"), "{plan}");

    // Both executors ran tasks of the job (their work directories got shuffle files).
    for (i, w) in c.work_dirs.iter().enumerate() {
        let used = walk_count(w);
        assert!(used > 0, "executor {i} ran no task");
    }

    // The command line gives the same output on the cluster as locally, in each format.
    let table = format!("bulk={}", data.display());
    for format in ["csv", "json", "table"] {
        let local = peerstat(&["sql", "--table", &table, "--format", format, RMA_KNHA]);
        let remote = peerstat(&[
            "sql",
            "--ballista",
            &c.url,
            "--table",
            &table,
            "--format",
            format,
            RMA_KNHA,
        ]);
        assert_eq!(remote, local, "--format {format}");
        let records = match format {
            "json" => local.matches("\"analysis_id\"").count(),
            _ => local.lines().count(),
        };
        assert!(records >= 300, "--format {format}: {records}");
    }
    // A cluster with no result in time is an error that says so.
    let late = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args([
            "sql",
            "--ballista",
            &c.url,
            "--timeout",
            "0.001",
            "--table",
            &table,
            RMA_KNHA,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&late.stderr);
    assert_eq!(late.status.code(), Some(2), "{err}");
    assert!(err.contains("no result within 0.001 s"), "{err}");
    // A Parquet output file, read back locally.
    let out = dir.path().join("fits.parquet");
    peerstat(&[
        "sql",
        "--ballista",
        &c.url,
        "--table",
        &table,
        "-o",
        &out.display().to_string(),
        "SELECT analysis_id, rma(yi, vi) AS fit, egger(yi, vi) AS eg FROM bulk GROUP BY analysis_id",
    ]);
    let back = peerstat(&[
        "sql",
        "--format",
        "csv",
        &format!(
            "SELECT count(*) AS groups, sum(fit['k']) AS k FROM '{}'",
            out.display()
        ),
    ]);
    assert_eq!(back.trim(), format!("groups,k\n300,{}", rows.len()));
}

/// Files under `dir`, recursively.
fn walk_count(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_count(&p)
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn an_executor_killed_mid_query_never_gives_a_wrong_answer() {
    let mut c = cluster(2);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bulk");
    let rows = simulated(6000, 12);
    write_parquet_dir(&rows, &data, 8);
    let sql = "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit, rma(yi, vi, 'DL') AS dl, \
               egger(yi, vi) AS eg FROM bulk GROUP BY analysis_id ORDER BY analysis_id";
    let local = Query::new()
        .table("bulk", &data)
        .partitions(Some(8))
        .run(sql)
        .unwrap();
    let want = cells(&local);
    assert_eq!(want.len(), 6000);

    let (tx, rx) = std::sync::mpsc::channel();
    let (url, data2) = (c.url.clone(), data.clone());
    let started = Instant::now();
    std::thread::spawn(move || {
        let r = Query::new()
            .table("bulk", &data2)
            .partitions(Some(8))
            .ballista(&url)
            .timeout(Some(Duration::from_secs(120)))
            .run(sql);
        let _ = tx.send(r);
    });
    // Kill executor 1 (SIGKILL: no goodbye to the scheduler) once it holds output of the
    // query's tasks, while the query runs.
    let victim = c.executors[1].take().unwrap();
    let work = c.work_dirs[1].clone();
    while walk_count(&work) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "executor 1 got no task in 120 s: {}",
            victim.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed_at = started.elapsed();
    drop(victim);
    assert!(
        matches!(rx.try_recv(), Err(std::sync::mpsc::TryRecvError::Empty)),
        "the query ended before the kill: make it larger"
    );
    let Ok(result) = rx.recv_timeout(Duration::from_secs(180)) else {
        panic!(
            "the query neither finished nor failed within 180 s (its timeout is 120 s); \
             scheduler:\n{}\nexecutor 0:\n{}",
            c.scheduler.log(),
            c.executors[0].as_ref().map_or(String::new(), Proc::log)
        )
    };
    let took = started.elapsed();
    let _ = writeln!(
        std::io::stderr(),
        "executor killed after {killed_at:?}; the query ended after {took:?}; the scheduler's \
         warnings:\n{}",
        c.scheduler.log()
    );
    match result {
        Ok(batches) => {
            assert_eq!(cells(&batches), want, "a wrong answer after the kill");
            let _ = writeln!(std::io::stderr(), "the query completed, results correct");
        }
        // Ballista's error, or the client's timeout: Ballista 55 never finishes a job whose
        // executor is lost while a later stage runs (killed when WORK/JOB/1 exists: every
        // time; the kill below lands there about once in 25 runs).
        Err(e) => {
            let msg = e.to_string();
            let _ = writeln!(std::io::stderr(), "the query failed: {msg}");
            assert!(
                msg.starts_with(&format!("query failed: on Ballista {}: ", c.url))
                    && msg.len() > 60,
                "{msg}"
            );
        }
    }
}

/// Runs `scripts/ballista-local.sh ARGS` with its state in `state`: (success, stdout, stderr).
fn script(state: &Path, args: &[&str]) -> (bool, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("scripts/ballista-local.sh"))
        .args(args)
        .env("PEERSTAT", env!("CARGO_BIN_EXE_peerstat"))
        .env("BALLISTA_DIR", state)
        .env("CONCURRENT_TASKS", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Stops the script's cluster however the test ends.
struct StopCluster(PathBuf);

impl Drop for StopCluster {
    fn drop(&mut self) {
        let _ = script(&self.0, &["stop"]);
    }
}

#[test]
fn local_cluster_script_starts_serves_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("cluster");
    let script = |args: &[&str]| script(&state, args);
    let (ok, out, err) = script(&["start", "2"]);
    let _stop = StopCluster(state.clone());
    assert!(ok, "start: {out}{err}");
    let url = out
        .split_whitespace()
        .find(|w| w.starts_with("df://"))
        .unwrap_or_else(|| panic!("no df:// address in: {out}"))
        .to_string();
    assert_eq!(out.matches("executor ").count(), 2, "{out}");
    let env = std::fs::read_to_string(state.join("cluster.env")).unwrap();
    assert!(env.contains(&format!("BALLISTA_URL={url}")), "{env}");

    let data = dir.path().join("bulk");
    let rows = simulated(40, 13);
    write_parquet_dir(&rows, &data, 2);
    let remote = peerstat(&[
        "sql",
        "--ballista",
        &url,
        "--table",
        &format!("bulk={}", data.display()),
        "--format",
        "csv",
        "SELECT count(DISTINCT analysis_id) AS groups, sum(fit['k']) AS k FROM \
         (SELECT analysis_id, rma(yi, vi) AS fit FROM bulk GROUP BY analysis_id)",
    ]);
    assert_eq!(remote.trim(), format!("groups,k\n40,{}", rows.len()));

    let (ok, out, err) = script(&["status"]);
    assert!(ok && out.matches("running").count() == 3, "{out}{err}");
    let pids: Vec<u32> = env
        .lines()
        .filter(|l| l.contains("_PID="))
        .map(|l| l.split('=').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 3);
    let (ok, out, err) = script(&["stop"]);
    assert!(ok && out.contains("stopped 3"), "{out}{err}");
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| s.contains(") Z ")),
            "process {pid} still runs"
        );
    }
}
