//! The command line: argument parsing ([`args`]), one handler per command ([`commands`]), and
//! output ([`output`]). Raw flags are validated into library options before any work is done;
//! every number printed comes from a library result, rendered by `peerstat::report`. Library
//! errors speak the library's language; [`hint`] maps them to the flags that set them.

mod args;
mod commands;
mod output;

use clap::Parser;
use peerstat::error::Setting;
use peerstat::model::ModelError;
use peerstat::Error;

use args::{Cli, Command};

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

impl From<ModelError> for Failure {
    fn from(e: ModelError) -> Self {
        Failure::Lib(e.into())
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

/// The flag that sets a library setting.
fn flag(s: Setting) -> &'static str {
    match s {
        Setting::Measure => "--measure",
        Setting::Method => "--method",
        Setting::Level => "--level",
        Setting::Prediction => "--pi",
        Setting::I2 => "--i2",
        Setting::StepAdjustment => "--stepadj",
        Setting::VarianceType => "--vtype",
        Setting::Add => "--add",
        Setting::AddTo => "--to",
        Setting::ColumnMap => "--col",
        Setting::Rho => "--rho",
        Setting::Side => "--side",
        Setting::OrwinTarget => "--orwin-target",
        Setting::Shape => "--shape",
        Setting::Wtp => "--wtp or --wtp-grid",
        Setting::Reference => "--reference",
        Setting::Arms => "--treatment and --control",
        Setting::DiscountRate => "--discount-cost and --discount-effect",
        Setting::Timing => "--timing",
        Setting::Bootstrap => "--boot",
        Setting::Order => "--order",
        Setting::Permutations => "--permutations",
        Setting::Random => "--random",
        Setting::SamplingCovariance => "--vcalc",
        Setting::FixedSigma2 => "--sigma2",
        Setting::FixedTau2 => "--tau2",
        Setting::FixedRho => "--struct-rho",
        Setting::NewMods => "--newmods",
        Setting::Direction => {
            "--options FILE ([higher_is_better] per outcome) or --assume-higher-is-better"
        }
        Setting::RandomCi => "--method-random-ci",
        Setting::ClusterAdjust => "--cluster-adjust variance|n",
        Setting::Icc => "--icc (a value in [0, 1)) or the icc column",
        Setting::CiScale => "--ci-scale ratio|log",
        Setting::PlotFormat => "the plot file's extension (.svg, .png or .pdf)",
        Setting::Dpi => "--dpi",
        Setting::Components => {
            "--components-sep, --components-from, --inactive, --interaction or --combination"
        }
        Setting::Forest => "--xlim, --at, --sort, --ilab or --transf",
        _ => "the command's options (see --help)",
    }
}

/// The command-line hint for a library error: which flag to change.
fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::MissingColumn { canonical, .. } => {
            format!("rename a column with --col {canonical}=ACTUAL")
        }
        Error::Setting { setting, .. } => format!("set it with {}", flag(*setting)),
        Error::UnknownShape { .. } => {
            "rename columns with --col, or name the shape with --shape".into()
        }
        Error::NotFound {
            kind: "strategy", ..
        } => "choose the strategy with --reference".into(),
        Error::NotFound { kind: "arm", .. } => {
            "name the arms with --treatment and --control".into()
        }
        Error::Model(ModelError::NotConverged { .. }) => {
            "damp the steps with --stepadj 0.5, or choose another --method (PM, DL)".into()
        }
        Error::NotConverged { procedure, .. } if procedure.starts_with("Fisher scoring") => {
            "hold a component with --sigma2 (nested factors) or --tau2/--struct-rho (structured term), drop a --random factor, or try --method ML".into()
        }
        Error::NotConverged { .. } => "try another --method".into(),
        Error::Input { what, .. } if what.starts_with("sampling covariance") => {
            "with --vcalc: give every effect of a cluster its own obs (a row id if need be), check rho and phi, cluster by a column nested in the outermost --random factor; with --vcov-cols: one column per effect of the largest cluster".into()
        }
        Error::Input { what, .. } if what.starts_with("CR2 cluster-robust") => {
            "give --robust a column whose clusters hold whole levels of the outermost --random factor (usually that factor itself), or use --robust-type CR1".into()
        }
        Error::TooFew {
            unit: "clusters", ..
        } => "cluster by a column with more distinct labels (--robust, --cluster), or use fewer --mods"
            .into(),
        _ => return None,
    })
}

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
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
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
