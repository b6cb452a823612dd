//! The command line: argument parsing ([`args`]), one handler per command ([`commands`]), and
//! output ([`output`]). Raw flags are validated into library options before any work is done;
//! every number printed comes from a library result, rendered by `peerstat::report`. Library
//! errors speak the library's language; [`hint()`] maps them to the flags that set them.

mod args;
mod commands;
mod hint;
mod output;

use clap::Parser;
use peerstat::Error;

use args::{Cli, Command};
use hint::hint;

/// Writes a line to standard error, ignoring a closed stream (never panics, unlike `eprintln!`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say;

/// Why a command failed: a library error, or a usage error found by the command line itself.
#[derive(Debug)]
pub enum Failure {
    /// From the library.
    Lib(Error),
    /// Options that do not combine, or a flag the data need (exit 2).
    Usage(String),
    /// Output that could not be written (exit 3).
    Output(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Lib(e)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Output(format!("cannot serialise the result: {e}"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e.to_string())
    }
}

/// The result of a command handler.
pub type CmdResult = Result<(), Failure>;

/// On TERM or INT, removes the temporary files and folders being written and exits with 128 +
/// the signal number (143, 130), so an interrupted run leaves no `.NAME.tmp-PID` behind.
#[cfg(unix)]
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            peerstat::data::remove_pending_temp_files();
            std::process::exit(128 + sig);
        }
    });
}

/// Signals are not handled on this platform.
#[cfg(not(unix))]
fn clean_up_on_signals() {}

/// Runs the command line; returns the process exit code (see `peerstat --help`).
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if e.use_stderr() {
                let _ = e.print();
                return 2;
            }
            // `--help` and `--version` go to standard output: a failed write is an error.
            return match output::stdout_result(e.print()) {
                Ok(()) => 0,
                Err(Failure::Output(m)) => {
                    say!("error: {m}");
                    3
                }
                Err(_) => 3,
            };
        }
    };
    // A Ballista executor handles TERM and INT itself (it tells the scheduler it is leaving).
    #[cfg(feature = "distributed")]
    let serving = matches!(cli.command, Command::Executor(_));
    #[cfg(not(feature = "distributed"))]
    let serving = false;
    if !serving {
        clean_up_on_signals();
    }
    let result = match cli.command {
        Command::Meta(a) => commands::meta::meta(a),
        Command::Effects(a) => commands::meta::effects(a),
        Command::Reanalyse(a) => commands::bulk::reanalyse(a),
        Command::Simulate(a) => commands::bulk::simulate(a),
        Command::Bias(a) => commands::diag::bias(a),
        Command::Influence(a) => commands::diag::influence(a),
        Command::Network(a) => commands::network::network(a),
        Command::Cea(a) => commands::econ::cea(a),
        Command::BusinessCase(a) => commands::business::business_case(a),
        Command::Evaluate(a) => commands::framework::evaluate(a),
        Command::Map(a) => commands::framework::map(a),
        Command::Init(a) => commands::init::init(a),
        #[cfg(feature = "sql")]
        Command::Sql(a) => commands::sql::sql(a),
        #[cfg(feature = "distributed")]
        Command::Scheduler(a) => commands::distributed::scheduler(a),
        #[cfg(feature = "distributed")]
        Command::Executor(a) => commands::distributed::executor(a),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Lib(e)) => {
            say!("error: {e}");
            if let Some(h) = hint(&e) {
                say!("hint: {h}");
            }
            e.exit_code()
        }
        Err(Failure::Usage(m)) => {
            say!("error: {m}");
            2
        }
        Err(Failure::Output(m)) => {
            say!("error: {m}");
            3
        }
    }
}
