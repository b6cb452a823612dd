//! Command-line parsing (clap) and dispatch. Raw flags are validated into library options
//! before any work is done; every number printed comes from a library result.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use peerstat::data::{self, ColumnMap, Table};
use peerstat::effect::{AddTo, EffectOptions, EffectSizes, Measure, VarianceType};
use peerstat::model::{I2Method, PiMethod, RandomEffects, Tau2Method};
use peerstat::{report, Error};

const ABOUT: &str = "Statistics engine for evaluating health and social-care interventions \
(peer support first): effect sizes and random-effects meta-analysis with metafor's conventions.";

const AFTER: &str = "\
Data: one row per study comparison, columns named as in the evaluation framework schema:
  study; continuous arms n_t, mean_t, sd_t, n_c, mean_c, sd_c; binary arms events_t, n_t,
  events_c, n_c; or precomputed yi with vi (or sei). Rename with --col canonical=actual.

Examples:
  peerstat meta fixtures/bcg.parquet --measure RR
  peerstat meta fixtures/normand1999.csv --measure SMD --method DL --knha --format json
  peerstat effects fixtures/bcg.csv --measure OR -o bcg_or.parquet

Exit status: 0 success, 2 bad input or options, 1 model failure (e.g. no convergence).";

#[derive(Parser)]
#[command(name = "peerstat", version, about = ABOUT, after_help = AFTER)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pool effect sizes: common- or random-effects meta-analysis (metafor rma).
    #[command(after_help = "\
Prints a metafor-style summary (table), the JSON contract (json) or a one-row summary (csv).
JSON keys: measure, method, k, estimate, se, ci_lower, ci_upper, statistic, p_value, tau2,
tau2_ci_lower, tau2_ci_upper, tau, i2, i2_ci_lower, i2_ci_upper, h2, q, q_df, q_p, pi_lower,
pi_upper, iterations, studies[{study, yi, vi, weight}], all on the analysis (log) scale; i2 is a
percentage; undefined values are null.

Examples:
  peerstat meta fixtures/bcg.parquet --measure RR
  peerstat meta fixtures/bcg.csv --measure OR --method PM --knha --format json
  peerstat meta mydata.csv --measure SMD --col n_t=n1 --col n_c=n2")]
    Meta(MetaArgs),
    /// Compute effect sizes (metafor escalc) and write them beside the input columns.
    #[command(after_help = "\
Writes every input column plus yi and vi (empty/null for omitted rows) to OUT (.csv or
.parquet), through a temporary file renamed into place.

Example:
  peerstat effects fixtures/normand1999.csv --measure SMD -o normand_smd.csv")]
    Effects(EffectsArgs),
}

#[derive(Args)]
struct DataArgs {
    /// Input file (.csv, .tsv or .parquet).
    input: PathBuf,
    /// Rename a column: canonical=actual (repeatable), e.g. --col n_t=n1i.
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    col: Vec<String>,
    /// Effect measure: SMD, MD, ROM, OR, RR, RD or GEN (default: GEN when a yi column exists).
    #[arg(long, value_name = "M")]
    measure: Option<String>,
    /// SMD sampling variance: LS (large-sample, metafor) or UB (unbiased, R meta).
    #[arg(long, default_value = "LS", value_name = "LS|UB")]
    vtype: String,
    /// Value added to the cells of 2x2 tables (see --to).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    add: f64,
    /// Which 2x2 tables get --add: only0 (tables with a zero cell), all, none, if0all.
    #[arg(long, default_value = "only0", value_name = "WHICH")]
    to: String,
    /// Omit studies with no events (or only events) in both arms.
    #[arg(long)]
    drop00: bool,
    /// Stop with an error on a missing value instead of omitting the study.
    #[arg(long)]
    strict: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Args)]
struct MetaArgs {
    #[command(flatten)]
    data: DataArgs,
    /// tau^2 estimator: EE (common effect), DL, HE, HS, SJ, ML, REML, EB, PM.
    #[arg(long, default_value = "REML", value_name = "X")]
    method: String,
    /// Knapp-Hartung adjustment: t(k-1) tests and CIs with the adjusted SE.
    #[arg(long)]
    knha: bool,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    level: f64,
    /// Prediction interval: metafor (z, or t(k-1) under --knha) or riley (t(k-2), unadjusted SE).
    #[arg(long = "pi", default_value = "metafor", value_name = "TYPE")]
    pi: String,
    /// I^2 for random-effects fits: typical (metafor) or q (R meta, PyMARE; no CI).
    #[arg(long, default_value = "typical", value_name = "TYPE")]
    i2: String,
    /// Maximum iterations for ML, REML and EB.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_iter: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct EffectsArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Output file (.csv or .parquet).
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

/// Writes a line to standard error, ignoring a closed stream (never panics, unlike `eprintln!`).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Meta(a) => meta(a),
        Command::Effects(a) => effects(a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            say!("error: {e}");
            e.exit_code()
        }
    }
}

/// Validated data options.
struct Loaded {
    table: Table,
    measure: Measure,
    opts: EffectOptions,
}

fn load(a: &DataArgs) -> Result<Loaded, Error> {
    let map = ColumnMap::parse(&a.col)?;
    let opts = EffectOptions {
        vtype: a.vtype.parse::<VarianceType>()?,
        add: a.add,
        to: a.to.parse::<AddTo>()?,
        drop00: a.drop00,
        strict: a.strict,
    };
    if !(opts.add.is_finite() && opts.add >= 0.0) {
        return Err(Error::Invalid(format!(
            "--add must be a non-negative number, got {}",
            opts.add
        )));
    }
    let measure = a
        .measure
        .as_deref()
        .map(str::parse::<Measure>)
        .transpose()?;
    let table = data::read_table(&a.input, &map)?;
    let measure = match measure {
        Some(m) => m,
        None if table.has("yi") => Measure::Gen,
        None => {
            let hint = if table.has("mean_t") {
                "the file has continuous arm columns: SMD, MD or ROM"
            } else if table.has("events_t") {
                "the file has 2x2 columns: OR, RR or RD"
            } else {
                "SMD, MD, ROM, OR, RR, RD or GEN"
            };
            return Err(Error::Invalid(format!(
                "{}: choose an effect measure with --measure ({hint})",
                a.input.display()
            )));
        }
    };
    Ok(Loaded {
        table,
        measure,
        opts,
    })
}

fn warn_omitted(es: &EffectSizes, file: &Path) {
    for o in &es.omitted {
        say!(
            "warning: {}: row {} (study '{}') omitted: {}",
            file.display(),
            o.row,
            o.study,
            o.reason
        );
    }
}

fn meta(a: MetaArgs) -> Result<(), Error> {
    let model = RandomEffects::new()
        .method(a.method.parse::<Tau2Method>()?)
        .knha(a.knha)
        .level(a.level)?
        .prediction(a.pi.parse::<PiMethod>()?)
        .i2_method(a.i2.parse::<I2Method>()?)
        .max_iter(a.max_iter);
    let l = load(&a.data)?;
    let es = EffectSizes::compute(&l.table, l.measure, &l.opts)?;
    warn_omitted(&es, &a.data.input);
    let fit = model.fit(&es)?;
    let text = match a.format {
        Format::Table => report::table(&fit, &a.data.input.display().to_string()),
        Format::Json => {
            let mut s = report::json(&fit).map_err(|e| Error::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Csv => report::csv(&fit),
    };
    emit(&text, a.output.as_deref())
}

fn effects(a: EffectsArgs) -> Result<(), Error> {
    let l = load(&a.data)?;
    let es = EffectSizes::compute(&l.table, l.measure, &l.opts)?;
    warn_omitted(&es, &a.data.input);
    let (y, v) = es.by_row();
    let mut out = l.table;
    out.push_column("yi", y)?;
    out.push_column("vi", v)?;
    data::write_table(&out, &a.output)?;
    say!(
        "wrote {} rows ({} with effect sizes, measure {}) to {}",
        out.nrows(),
        es.k(),
        es.measure,
        a.output.display()
    );
    Ok(())
}

fn emit(text: &str, output: Option<&Path>) -> Result<(), Error> {
    match output {
        Some(p) => data::atomic_write(p, |w| {
            w.write_all(text.as_bytes()).map_err(|e| Error::Io {
                file: p.display().to_string(),
                source: e,
            })
        }),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}
