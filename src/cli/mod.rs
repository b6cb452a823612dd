//! Command-line parsing (clap) and dispatch. Raw flags are validated into library options
//! before any work is done; every number printed comes from a library result.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use indicatif::{ProgressBar, ProgressStyle};
use peerstat::bulk::Reanalysis;
use peerstat::data::{self, ColumnMap, Table};
use peerstat::effect::{AddTo, EffectOptions, EffectSizes, Measure, VarianceType};
use peerstat::model::regression::MetaRegression;
use peerstat::model::rve::Rve;
use peerstat::model::subgroup::subgroups;
use peerstat::model::{I2Method, PiMethod, RandomEffects, Tau2Method};
use peerstat::report::MetaReport;
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
    /// Re-run one meta-analysis per group of rows, in bulk (thousands to millions of groups).
    #[command(after_help = "\
Writes one row per group: the group key columns, then k, estimate, se, ci_lower, ci_upper,
statistic, p_value, tau2, tau2_ci_lower, tau2_ci_upper, i2, h2, q, q_p, pi_lower, pi_upper,
iterations and error (empty when the group was analysed). A group that cannot be analysed gets
its error filled and the run goes on. Rows appear in order of first appearance of each key.

Parquet input is streamed in record batches, reading only the needed columns; memory stays
bounded when rows of a group are adjacent (the file is clustered by the key). Otherwise peerstat
notes it and groups in memory. Each group's result is identical to `peerstat meta` on it alone.

Examples:
  peerstat simulate --analyses 100000 --seed 1 -o bulk.parquet
  peerstat reanalyse bulk.parquet --group-by analysis_id --measure GEN --knha -o results.parquet
  peerstat reanalyse evidence.csv --group-by outcome,mode --measure SMD --method DL -o by_mode.csv")]
    Reanalyse(ReanalyseArgs),
    /// Simulate the bulk benchmark workload (many small SMD meta-analyses).
    #[command(after_help = "\
Columns: analysis_id, study_id, yi, vi (Hedges' g, LS variance), n_t, mean_t, sd_t, n_c, mean_c,
sd_c. k = 2 + Poisson(6) studies per analysis; tau^2 in {0, 0.01, 0.09}.

Example:
  peerstat simulate --analyses 100000 --seed 1 -o bulk.parquet")]
    Simulate(SimulateArgs),
    /// Publication-bias checks: Egger's test, Begg's rank test, trim-and-fill, fail-safe N.
    #[command(after_help = "\
JSON keys: egger {statistic, p_value, limit_estimate, ...}, begg {tau, p_value}, trimfill {k0,
side, estimate, se, tau2, filled[{yi, vi}]}, fail_safe_n {rosenthal, orwin}. Conventions are
metafor's (regtest, ranktest, trimfill, fsn). Needs at least 3 studies.

Examples:
  peerstat bias fixtures/bcg.csv --measure RR --funnel funnel.svg
  peerstat bias fixtures/bcg.csv --measure RR --egger classic --estimator R0 --format json")]
    Bias(BiasArgs),
    /// Sensitivity and influence: leave-one-out fits and influence diagnostics, or a cumulative
    /// meta-analysis.
    #[command(after_help = "\
JSON: a studies list with study, leave1out_estimate, leave1out_se, leave1out_tau2, rstudent,
dffits, cook_d, cov_ratio, tau2_deleted, qe_deleted, hat, weight, influential (metafor influence
and leave1out); with --cumulative, a cumulative list of fits as studies are added.

Examples:
  peerstat influence fixtures/bcg.csv --measure RR
  peerstat influence fixtures/bcg.csv --measure RR --cumulative --order year --format json")]
    Influence(InfluenceArgs),
    /// Economic evaluation: frontier and ICERs, PSA draws (CEAC, CEAF, EVPI), trial-based
    /// analysis from patient data or arm summaries (Fieller, INMB, bootstrap, SUR), pooled net
    /// benefit across trials.
    #[command(after_help = "\
Shapes (detected from the columns, or --shape): strategies (strategy, cost, effect); draws (draw,
strategy, cost, effect); patients (id, arm, cost, effect [, covariates] [, year]); arms (arm, n,
mean_cost, sd_cost, mean_effect, sd_effect, corr). A study column with patients or arms pools the
incremental net benefit across trials (REML + Knapp-Hartung). Increments are treatment - control;
NMB = WTP x effect - cost.

Examples:
  peerstat cea strategies.csv
  peerstat cea psa.csv --wtp-grid 0:50000:500 --reference 'usual care' --ceac ceac.svg
  peerstat cea patients.csv --treatment peer --control control --boot 2000 --seed 1 --plane plane.svg
  peerstat cea patients.csv --treatment peer --control control --cost-covariates age --effect-covariates baseline_utility
  peerstat cea arms_multi.csv --treatment peer --control control --wtp 20000,30000")]
    Cea(CeaArgs),
    /// The standard evaluation of the framework: per outcome domain pooled effects, subgroups,
    /// meta-regression, dependent effects, bias and sensitivity, economics; an HTML report, JSON,
    /// plots and the evidence-and-gap map.
    #[command(after_help = "\
Writes DIR/index.html (self-contained report), DIR/results.json, DIR/forest_N.svg, DIR/funnel_N.svg,
DIR/ceac.svg (with --costs) and DIR/egm.html. The input is validated against the codebook
(seeds/framework.toml unless --codebook): unknown levels are errors listing the allowed ones.

Example:
  peerstat simulate --framework --seed 1 -o seeds/demo.parquet
  peerstat evaluate seeds/demo.parquet -o report      (uses seeds/demo_costs.parquet too)")]
    Evaluate(EvaluateArgs),
    /// Evidence-and-gap map: an interactive standalone page (or the crosstab as CSV/JSON).
    #[command(after_help = "\
Rows (default activity) x columns (default outcome_domain), bubbles sized by number of studies and
coloured by the segment (default risk_of_bias); hover shows counts and the pooled effect with CI;
click lists the studies; filters for population, country, design and mode; gaps marked.

Example:
  peerstat map seeds/demo.parquet -o egm.html")]
    Map(MapArgs),
}

#[derive(Args)]
struct EvaluateArgs {
    /// Input file (framework schema).
    input: PathBuf,
    /// Economic companion (arm summaries with a study column, or patient data). Default: a file
    /// NAME_costs.EXT beside the input, if there is one.
    #[arg(long, value_name = "FILE")]
    costs: Option<PathBuf>,
    /// Output directory.
    #[arg(short, long, default_value = "report", value_name = "DIR")]
    output: PathBuf,
    /// Codebook (TOML) replacing seeds/framework.toml.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Rename a column: canonical=actual (repeatable).
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    col: Vec<String>,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    level: f64,
}

#[derive(Clone, Copy, ValueEnum)]
enum MapFormat {
    Html,
    Csv,
    Json,
}

#[derive(Args)]
struct MapArgs {
    /// Input file (framework schema).
    input: PathBuf,
    /// Output file (egm.html for --format html).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Row variable.
    #[arg(long, default_value = "activity")]
    rows: String,
    /// Column variable.
    #[arg(long, default_value = "outcome_domain")]
    cols: String,
    /// Segment (bubble colour) variable.
    #[arg(long, default_value = "risk_of_bias")]
    segment: String,
    /// html (interactive page), csv or json (crosstab).
    #[arg(long, value_enum, default_value = "html")]
    format: MapFormat,
    /// Codebook (TOML) replacing seeds/framework.toml.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// Rename a column: canonical=actual (repeatable).
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    col: Vec<String>,
}

#[derive(Args)]
struct CeaArgs {
    /// Input file (.csv, .tsv or .parquet).
    input: PathBuf,
    /// Data shape: strategies, draws, patients or arms (default: detected from the columns).
    #[arg(long)]
    shape: Option<String>,
    /// Rename a column: canonical=actual (repeatable).
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    col: Vec<String>,
    /// Willingness-to-pay values, comma-separated (default 20000,30000).
    #[arg(long, value_name = "LIST")]
    wtp: Option<String>,
    /// Willingness-to-pay grid start:stop:step (inclusive), e.g. 0:50000:500.
    #[arg(long, value_name = "A:B:STEP")]
    wtp_grid: Option<String>,
    /// Draws: reference strategy for pairwise CEACs (default: the first).
    #[arg(long, value_name = "STRATEGY")]
    reference: Option<String>,
    /// Patients/arms: the intervention arm.
    #[arg(long, value_name = "ARM")]
    treatment: Option<String>,
    /// Patients/arms: the comparator arm.
    #[arg(long, value_name = "ARM")]
    control: Option<String>,
    /// Patients: bootstrap replicates (stratified by arm).
    #[arg(long, default_value_t = 0, value_name = "N")]
    boot: usize,
    /// Bootstrap seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Patients: write the bootstrap replicates (replicate, inc_cost, inc_effect) to a file.
    #[arg(long, value_name = "FILE.parquet")]
    draws_out: Option<PathBuf>,
    /// Patients: covariates for the cost equation (SUR adjustment).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]")]
    cost_covariates: Vec<String>,
    /// Patients: covariates for the effect equation (SUR adjustment).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]")]
    effect_covariates: Vec<String>,
    /// Patients with a year column: annual discount rate for costs (NICE: 0.035).
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    discount_cost: f64,
    /// Annual discount rate for effects.
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    discount_effect: f64,
    /// When amounts fall within a year: start (year t weighted 1/(1+r)^t), end (1/(1+r)^(t+1)) or
    /// continuous (mid-year, 1/(1+r)^(t+0.5)).
    #[arg(long, default_value = "start")]
    timing: String,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    level: f64,
    /// Write a cost-effectiveness plane (SVG).
    #[arg(long, value_name = "FILE.svg")]
    plane: Option<PathBuf>,
    /// Write cost-effectiveness acceptability curves (SVG).
    #[arg(long, value_name = "FILE.svg")]
    ceac: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct BiasArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Egger's test: rma (metafor default: the model with sei as moderator) or classic (WLS, t(k-2)).
    #[arg(long, default_value = "rma", value_name = "rma|classic")]
    egger: String,
    /// Trim-and-fill estimator: L0 or R0.
    #[arg(long, default_value = "L0")]
    estimator: String,
    /// Side where studies are missing (default: chosen from the sign of Egger's slope).
    #[arg(long, value_name = "left|right")]
    side: Option<String>,
    /// Orwin's target effect (default: half the mean effect).
    #[arg(long, value_name = "X")]
    orwin_target: Option<f64>,
    /// Write a contour-enhanced funnel plot (SVG), trim-and-fill studies hollow.
    #[arg(long, value_name = "FILE.svg")]
    funnel: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct InfluenceArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Cumulative meta-analysis instead of leave-one-out.
    #[arg(long)]
    cumulative: bool,
    /// With --cumulative: add studies in ascending order of this numeric column (e.g. year).
    #[arg(long, value_name = "COL", requires = "cumulative")]
    order: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
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
    #[command(flatten)]
    model: ModelArgs,
    /// Subgroup analysis by this column: a fit per level and the test for subgroup differences.
    #[arg(long, value_name = "COL", conflicts_with = "mods")]
    by: Option<String>,
    /// With --by: one common tau^2 for all levels (from the factor meta-regression).
    #[arg(long, requires = "by")]
    common_tau2: bool,
    /// Meta-regression on these columns (comma-separated; text columns become factors).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]")]
    mods: Vec<String>,
    /// With --mods: permutation test with this many permutations (metafor permutest).
    #[arg(long, value_name = "N", requires = "mods")]
    permutations: Option<usize>,
    /// Seed for --permutations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Dependent effect sizes: robust variance estimation clustered by this column
    /// (correlated-effects weights, small-sample correction, as robumeta).
    #[arg(long, value_name = "COL")]
    cluster: Option<String>,
    /// With --cluster: assumed correlation between effects of one cluster.
    #[arg(long, default_value_t = 0.8, value_name = "RHO")]
    rho: f64,
    /// Write a forest plot (SVG): studies, pooled diamond, prediction interval; subgroup blocks
    /// under --by; log axis labelled as ratios for OR/RR/ROM.
    #[arg(long, value_name = "FILE.svg")]
    forest: Option<PathBuf>,
    /// With --mods and one numeric moderator: write a bubble plot (SVG).
    #[arg(long, value_name = "FILE.svg", requires = "mods")]
    bubble: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct ModelArgs {
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
    /// Step-length factor for Fisher scoring (metafor stepadj); 0.5 helps when REML oscillates.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    stepadj: f64,
}

impl ModelArgs {
    fn build(&self) -> Result<RandomEffects, Error> {
        RandomEffects::new()
            .method(self.method.parse::<Tau2Method>()?)
            .knha(self.knha)
            .level(self.level)?
            .prediction(self.pi.parse::<PiMethod>()?)
            .i2_method(self.i2.parse::<I2Method>()?)
            .max_iter(self.max_iter)
            .step_adjustment(self.stepadj)
    }
}

#[derive(Args)]
struct ReanalyseArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Column(s) whose values define the analyses, comma-separated (e.g. analysis_id or
    /// outcome,subgroup).
    #[arg(
        long,
        value_delimiter = ',',
        required = true,
        value_name = "COL[,COL...]"
    )]
    group_by: Vec<String>,
    /// Output file (.parquet or .csv): one row per group.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Only decode the input and find the groups (no fitting, no output): the I/O floor.
    #[arg(long, hide = true)]
    decode_only: bool,
}

#[derive(Args)]
struct SimulateArgs {
    /// Number of meta-analyses to simulate (bulk workload).
    #[arg(long, value_name = "N", required_unless_present = "framework")]
    analyses: Option<usize>,
    /// Simulate the framework's demonstration evidence base instead (coded trials, mixed data
    /// types, and an economic companion written beside the output as NAME_costs.EXT).
    #[arg(long)]
    framework: bool,
    /// With --framework: number of trials.
    #[arg(long, default_value_t = 50, value_name = "N")]
    trials: usize,
    /// Random seed (the same seed gives the same file everywhere).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (.parquet or .csv).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
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
        Command::Reanalyse(a) => reanalyse(a),
        Command::Simulate(a) => simulate(a),
        Command::Bias(a) => bias(a),
        Command::Influence(a) => influence(a),
        Command::Cea(a) => cea(a),
        Command::Evaluate(a) => evaluate(a),
        Command::Map(a) => map_cmd(a),
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
    let opts = effect_options(a)?;
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
    for o in &es.omitted() {
        say!(
            "warning: {}: row {} (study '{}') omitted: {}",
            file.display(),
            o.row,
            o.study,
            o.reason
        );
    }
}

fn effect_options(a: &DataArgs) -> Result<EffectOptions, Error> {
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
    Ok(opts)
}

fn meta(a: MetaArgs) -> Result<(), Error> {
    let upper = a.model.method.trim().to_ascii_uppercase();
    if upper == "MH" || upper == "PETO" {
        return meta_mh(&a, &upper);
    }
    let model = a.model.build()?;
    let l = load(&a.data)?;
    let es = EffectSizes::compute(&l.table, l.measure, &l.opts)?;
    let file = a.data.input.display().to_string();
    warn_omitted(&es, &a.data.input);
    let mut rep = if !a.mods.is_empty() {
        let perm = a.permutations.map(|n| (n, a.seed));
        let m = MetaRegression::new(model).fit_table(&l.table, &es, &a.mods, perm)?;
        if m.dropped > 0 {
            say!(
                "warning: {file}: {} studies left out of the meta-regression (missing moderator value)",
                m.dropped
            );
        }
        MetaReport {
            fit: m.fit,
            subgroups: None,
            regression: Some(report::RegressionKeys::new(&m.regression, m.permutation)),
            rve: None,
        }
    } else {
        let fit = model.fit(&es)?;
        let subgroups = match &a.by {
            Some(by) => {
                let sg = subgroups(&l.table, &es, by, &model, a.common_tau2)?;
                if sg.omitted > 0 {
                    say!(
                        "warning: {file}: {} studies left out of the subgroup analysis (missing value in column {})",
                        sg.omitted,
                        sg.by
                    );
                }
                Some(sg)
            }
            None => None,
        };
        MetaReport {
            fit,
            subgroups,
            regression: None,
            rve: None,
        }
    };
    if let Some(c) = &a.cluster {
        let r = Rve::new(a.rho, model.get_level())?.fit_table(&l.table, &es, c, &a.mods)?;
        if r.dropped > 0 {
            say!(
                "warning: {file}: {} effects left out of the robust variance estimation (missing cluster or moderator value)",
                r.dropped
            );
        }
        rep.rve = Some(r);
    }
    if let Some(path) = &a.forest {
        let title = format!("{} — {}", file, rep.fit.measure.description());
        let svg = peerstat::report::svg::forest(&rep.fit, rep.subgroups.as_ref(), &title);
        write_text(path, &svg)?;
    }
    if let Some(path) = &a.bubble {
        let reg = rep
            .regression
            .as_ref()
            .ok_or_else(|| Error::Invalid("--bubble needs --mods".into()))?;
        if a.mods.len() != 1 || reg.coefficients.len() != 2 {
            return Err(Error::Invalid(
                "--bubble draws one numeric moderator: give exactly one numeric column in --mods"
                    .into(),
            ));
        }
        let col = l.table.numeric(&a.mods[0], "for the bubble plot")?;
        let (mut x, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for st in &rep.fit.studies {
            if let Some(i) = es.study().iter().position(|s| s == &st.study) {
                if let Some(xv) = col[es.rows()[i]] {
                    x.push(xv);
                    y.push(st.yi);
                    w.push(st.weight);
                }
            }
        }
        let svg = peerstat::report::svg::bubble(
            &peerstat::report::svg::Bubble {
                x: &x,
                yi: &y,
                weights: &w,
                intercept: reg.coefficients[0].estimate,
                slope: reg.coefficients[1].estimate,
                xlabel: l.table.actual_name(&a.mods[0]),
            },
            rep.fit.measure,
            &format!(
                "{file}: meta-regression on {}",
                l.table.actual_name(&a.mods[0])
            ),
        );
        write_text(path, &svg)?;
    }
    let text = match a.format {
        Format::Table => report::table_report(&rep, &file),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&rep).map_err(|e| Error::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Csv => report::csv(&rep.fit),
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
        es.measure(),
        a.output.display()
    );
    Ok(())
}

fn reanalyse(a: ReanalyseArgs) -> Result<(), Error> {
    use std::io::IsTerminal;
    let model = a.model.build()?;
    let opts = effect_options(&a.data)?;
    let map = ColumnMap::parse(&a.data.col)?;
    let measure =
        match a.data.measure.as_deref() {
            Some(m) => m.parse::<Measure>()?,
            None => return Err(Error::Invalid(
                "reanalyse needs --measure (SMD, MD, ROM, OR, RR, RD, or GEN for yi with vi/sei)"
                    .into(),
            )),
        };
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| Error::Invalid(format!("--threads: {e}")))?;
    }
    let job = Reanalysis::new(&a.group_by, measure)
        .effect_options(opts)
        .model(model)
        .columns(map);
    let start = std::time::Instant::now();
    if a.decode_only {
        let (rows, groups) = job.decode_only(&a.data.input)?;
        say!(
            "decoded {rows} rows, {groups} groups in {:.3} s",
            start.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows · {msg} · {per_sec} · ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    };
    let progress = |rows: usize, total: Option<usize>, groups: usize| {
        if let Some(t) = total {
            bar.set_length(t as u64);
        }
        bar.set_position(rows as u64);
        bar.set_message(format!("{groups} groups"));
    };
    let report = job.run(&a.data.input, &a.output, &progress)?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    say!(
        "reanalysed {} groups ({} failed; {} rows, {} omitted) in {:.3} s = {:.0} analyses/s -> {}",
        report.groups,
        report.failed,
        report.rows,
        report.omitted_rows,
        secs,
        report.groups as f64 / secs,
        a.output.display()
    );
    Ok(())
}

fn simulate(a: SimulateArgs) -> Result<(), Error> {
    if a.framework {
        let (effects, costs) = peerstat::framework::simulate::simulate_framework(a.trials, a.seed);
        let stem = a
            .output
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "demo".into());
        let ext = a
            .output
            .extension()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "parquet".into());
        let costs_path = a.output.with_file_name(format!("{stem}_costs.{ext}"));
        let meta = [
            ("peerstat.simulated", "true"),
            ("peerstat.description", "SIMULATED peer-support evidence base for demonstration (peerstat simulate --framework); not real studies"),
        ];
        data::write_table_with_metadata(&effects, &a.output, &meta)?;
        data::write_table_with_metadata(&costs, &costs_path, &meta)?;
        say!(
            "simulated a demonstration evidence base (SIMULATED data: {} trials, {} effect rows, seed {}) -> {} and {}",
            a.trials,
            effects.nrows(),
            a.seed,
            a.output.display(),
            costs_path.display()
        );
        return Ok(());
    }
    let n = a.analyses.unwrap_or(0);
    let rows = peerstat::bulk::simulate_to(&a.output, n, a.seed)?;
    say!(
        "simulated {n} analyses ({rows} rows, seed {}) -> {}",
        a.seed,
        a.output.display()
    );
    Ok(())
}

fn codebook(path: &Option<PathBuf>) -> Result<peerstat::framework::Codebook, Error> {
    match path {
        Some(p) => peerstat::framework::Codebook::from_file(p),
        None => Ok(peerstat::framework::Codebook::builtin()),
    }
}

fn evaluate(a: EvaluateArgs) -> Result<(), Error> {
    use peerstat::framework::evaluate::{evaluate as run_eval, map_effects, EvaluateOptions};
    let cb = codebook(&a.codebook)?;
    let map = ColumnMap::parse(&a.col)?;
    let mut table = data::read_table(&a.input, &map)?;
    // An economic companion beside the input (NAME_costs.EXT, as `simulate --framework` writes)
    // is used when --costs is not given.
    let companion = a.input.file_stem().map(|stem| {
        let ext = a
            .input
            .extension()
            .map(|e| e.to_string_lossy().to_string())
            .unwrap_or_default();
        a.input
            .with_file_name(format!("{}_costs.{ext}", stem.to_string_lossy()))
    });
    let costs_path = a.costs.clone().or_else(|| companion.filter(|p| p.exists()));
    if let (None, Some(p)) = (&a.costs, &costs_path) {
        say!(
            "note: using the economic companion {} (give --costs to choose another)",
            p.display()
        );
    }
    let costs = match &costs_path {
        Some(p) => Some(data::read_table(p, &ColumnMap::new())?),
        None => None,
    };
    let opts = EvaluateOptions {
        level: RandomEffects::new().level(a.level)?.get_level(),
        ..EvaluateOptions::default()
    };
    let (ev, svgs) = run_eval(&mut table, &cb, &a.input, costs.as_ref(), &opts)?;
    std::fs::create_dir_all(&a.output).map_err(|e| Error::Io {
        file: a.output.display().to_string(),
        source: e,
    })?;
    let json = serde_json::to_string_pretty(&ev).map_err(|e| Error::Invalid(e.to_string()))?;
    write_text(&a.output.join("results.json"), &(json + "\n"))?;
    for (name, svg) in &svgs {
        write_text(&a.output.join(name), svg)?;
    }
    write_text(
        &a.output.join("index.html"),
        &peerstat::report::html::report_html(&ev, &svgs),
    )?;
    let effects = map_effects(&table)?;
    let md = peerstat::report::html::map_data(
        &table,
        &cb,
        "activity",
        "outcome_domain",
        "risk_of_bias",
        &effects,
        "SMD",
    )?;
    write_text(
        &a.output.join("egm.html"),
        &peerstat::report::html::egm_html(&md),
    )?;
    for d in &ev.domains {
        say!("{}", d.summary);
    }
    say!(
        "wrote {} (index.html, results.json, egm.html, {} plots){}",
        a.output.display(),
        svgs.len(),
        if ev.simulated {
            " -- SIMULATED data"
        } else {
            ""
        }
    );
    Ok(())
}

fn map_cmd(a: MapArgs) -> Result<(), Error> {
    use peerstat::framework::evaluate::map_effects;
    let cb = codebook(&a.codebook)?;
    let mut table = data::read_table(&a.input, &ColumnMap::parse(&a.col)?)?;
    cb.validate(&mut table)?;
    let effects = map_effects(&table)?;
    let md = peerstat::report::html::map_data(
        &table, &cb, &a.rows, &a.cols, &a.segment, &effects, "SMD",
    )?;
    match a.format {
        MapFormat::Html => {
            let out = a
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from("egm.html"));
            write_text(&out, &peerstat::report::html::egm_html(&md))?;
            say!(
                "wrote {} ({} studies x cells, {} non-empty cells)",
                out.display(),
                md.studies.len(),
                md.cells.len()
            );
            Ok(())
        }
        MapFormat::Json => {
            let s = serde_json::to_string_pretty(&md).map_err(|e| Error::Invalid(e.to_string()))?
                + "\n";
            emit(&s, a.output.as_deref())
        }
        MapFormat::Csv => {
            let mut s = format!(
                "{},{},{},k,estimate,ci_lower,ci_upper\n",
                a.rows, a.cols, "studies"
            );
            for c in &md.cells {
                let f = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
                let q = |x: &str| {
                    if x.contains(',') {
                        format!("\"{x}\"")
                    } else {
                        x.to_string()
                    }
                };
                let n = md
                    .studies
                    .iter()
                    .filter(|st| st.row == c.row && st.col == c.col)
                    .count();
                s.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    q(&c.row),
                    q(&c.col),
                    n,
                    c.k,
                    f(c.estimate),
                    f(c.ci_lower),
                    f(c.ci_upper)
                ));
            }
            emit(&s, a.output.as_deref())
        }
    }
}

/// Mantel–Haenszel / Peto: common-effect methods on the 2×2 tables.
fn meta_mh(a: &MetaArgs, method: &str) -> Result<(), Error> {
    if !a.mods.is_empty() || a.by.is_some() || a.cluster.is_some() || a.model.knha {
        return Err(Error::Invalid(format!(
            "--method {method} is a common-effect method for 2x2 tables: it does not combine with --mods, --by, --cluster or --knha"
        )));
    }
    let l = load(&a.data)?;
    let level = RandomEffects::new().level(a.model.level)?.get_level();
    let fit = if method == "MH" {
        peerstat::diag::mantel_haenszel(&l.table, l.measure, level)?
    } else {
        if l.measure != Measure::Or {
            return Err(Error::Invalid(format!(
                "--method PETO gives an odds ratio: use --measure OR (got {})",
                l.measure
            )));
        }
        peerstat::diag::peto(&l.table, level)?
    };
    let file = a.data.input.display().to_string();
    let text = match a.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&fit).map_err(|e| Error::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Csv => {
            let v = serde_json::to_value(&fit).map_err(|e| Error::Invalid(e.to_string()))?;
            let obj = v.as_object().cloned().unwrap_or_default();
            let keys: Vec<&String> = obj.keys().collect();
            let vals: Vec<String> = obj
                .values()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    x => x.to_string(),
                })
                .collect();
            format!(
                "{}\n{}\n",
                keys.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                vals.join(",")
            )
        }
        Format::Table => report::mh_table(&fit, &file, level),
    };
    emit(&text, a.output.as_deref())
}

fn bias(a: BiasArgs) -> Result<(), Error> {
    let model = a.model.build()?;
    let l = load(&a.data)?;
    let es = EffectSizes::compute(&l.table, l.measure, &l.opts)?;
    warn_omitted(&es, &a.data.input);
    let classic = match a.egger.to_ascii_lowercase().as_str() {
        "rma" => false,
        "classic" | "lm" => true,
        e => {
            return Err(Error::Invalid(format!(
                "--egger must be rma or classic, got '{e}'"
            )))
        }
    };
    let estimator = match a.estimator.to_ascii_uppercase().as_str() {
        "L0" => peerstat::diag::TrimFillEstimator::L0,
        "R0" => peerstat::diag::TrimFillEstimator::R0,
        e => {
            return Err(Error::Invalid(format!(
                "--estimator must be L0 or R0, got '{e}'"
            )))
        }
    };
    let rep = peerstat::report::BiasReport {
        measure: es.measure(),
        method: model.get_method(),
        k: es.k(),
        egger: peerstat::diag::egger(&es, &model, classic)?,
        begg: peerstat::diag::begg(&es)?,
        trimfill: peerstat::diag::trimfill(&es, &model, estimator, a.side.as_deref())?,
        fail_safe_n: peerstat::diag::fail_safe(&es, a.orwin_target)?,
    };
    let file = a.data.input.display().to_string();
    if let Some(path) = &a.funnel {
        let fit = model.fit(&es)?;
        let filled: Vec<(f64, f64)> = rep.trimfill.filled.iter().map(|f| (f.yi, f.vi)).collect();
        let svg = peerstat::report::svg::funnel(
            es.yi(),
            es.vi(),
            fit.summary.estimate,
            &filled,
            es.measure(),
            &format!("{file}: funnel plot"),
        );
        write_text(path, &svg)?;
    }
    let text = match a.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&rep).map_err(|e| Error::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Table | Format::Csv => report::bias_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}

fn influence(a: InfluenceArgs) -> Result<(), Error> {
    let model = a.model.build()?;
    let l = load(&a.data)?;
    let es = EffectSizes::compute(&l.table, l.measure, &l.opts)?;
    warn_omitted(&es, &a.data.input);
    let file = a.data.input.display().to_string();
    let rep = if a.cumulative {
        let order = match &a.order {
            Some(c) => {
                let col = l
                    .table
                    .numeric(c, "to order the cumulative analysis (--order)")?;
                let mut o = Vec::with_capacity(es.k());
                for &r in es.rows() {
                    o.push(col[r].ok_or_else(|| {
                        l.table
                            .value_error(r, c, "missing value in the --order column")
                    })?);
                }
                Some(o)
            }
            None => None,
        };
        peerstat::report::InfluenceReport {
            measure: es.measure(),
            method: model.get_method(),
            k: es.k(),
            studies: None,
            cumulative: Some(peerstat::diag::cumulative(&es, &model, order.as_deref())?),
        }
    } else {
        peerstat::report::InfluenceReport {
            measure: es.measure(),
            method: model.get_method(),
            k: es.k(),
            studies: Some(peerstat::diag::influence(&es, &model)?),
            cumulative: None,
        }
    };
    let text = match a.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&rep).map_err(|e| Error::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Table | Format::Csv => report::influence_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}

fn cea(a: CeaArgs) -> Result<(), Error> {
    use peerstat::econ::table::{analyse_table, draws_table, CeaOptions, Shape};
    use peerstat::econ::Timing;
    let map = ColumnMap::parse(&a.col)?;
    let wtp = peerstat::econ::parse_wtp(a.wtp.as_deref(), a.wtp_grid.as_deref())?;
    let timing = match a.timing.to_ascii_lowercase().as_str() {
        "start" => Timing::Start,
        "end" => Timing::End,
        "continuous" | "mid" => Timing::Continuous,
        t => {
            return Err(Error::Invalid(format!(
                "--timing must be start, end or continuous, got '{t}'"
            )))
        }
    };
    for r in [a.discount_cost, a.discount_effect] {
        if !(0.0..1.0).contains(&r) {
            return Err(Error::Invalid(format!(
                "discount rates are annual proportions in [0, 1), e.g. 0.035; got {r}"
            )));
        }
    }
    let level = RandomEffects::new().level(a.level)?.get_level();
    let opts = CeaOptions {
        shape: a.shape.as_deref().map(Shape::parse).transpose()?,
        wtp: wtp.clone(),
        reference: a.reference.clone(),
        treatment: a.treatment.clone(),
        control: a.control.clone(),
        boot: a.boot,
        seed: a.seed,
        cost_covariates: a.cost_covariates.clone(),
        effect_covariates: a.effect_covariates.clone(),
        discount_cost: a.discount_cost,
        discount_effect: a.discount_effect,
        timing,
        level,
    };
    let table = data::read_table(&a.input, &map)?;
    let rep = analyse_table(&table, &opts)?;
    let file = a.input.display().to_string();
    if let Some(path) = &a.draws_out {
        let b = rep
            .trial
            .as_ref()
            .and_then(|t| t.bootstrap.as_ref())
            .ok_or_else(|| Error::Invalid("--draws-out needs patient data and --boot N".into()))?;
        data::write_table(&draws_table(&b.draws)?, path)?;
    }
    // The plane's WTP line: the largest value up to £30,000 (NICE's upper threshold), else the
    // smallest given.
    let lambda = wtp
        .iter()
        .copied()
        .filter(|&w| w <= 30_000.0)
        .fold(f64::NAN, f64::max);
    let lambda = if lambda.is_nan() {
        wtp.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        lambda
    };
    if let Some(path) = &a.plane {
        let series: Vec<(String, Vec<(f64, f64)>)> = if let Some(d) = &rep.draws {
            let (names, c, e) = peerstat::econ::draws::draw_matrices(&table)?;
            let r = names.iter().position(|n| n == &d.reference).unwrap_or(0);
            (0..names.len())
                .filter(|&s| s != r)
                .map(|s| {
                    (
                        format!("{} vs {}", names[s], names[r]),
                        (0..c.nrows())
                            .map(|i| (c[[i, s]] - c[[i, r]], e[[i, s]] - e[[i, r]]))
                            .collect(),
                    )
                })
                .collect()
        } else if let Some(t) = &rep.trial {
            match &t.bootstrap {
                Some(b) => vec![(format!("{} vs {}", t.treatment, t.control), b.draws.clone())],
                None => vec![(
                    format!("{} vs {}", t.treatment, t.control),
                    vec![(t.inc_cost, t.inc_effect)],
                )],
            }
        } else {
            return Err(Error::Invalid(
                "--plane needs draws, or patient data (use --boot for a cloud)".into(),
            ));
        };
        write_text(
            path,
            &peerstat::report::svg::plane(
                &series,
                lambda,
                &format!("{file}: cost-effectiveness plane"),
            ),
        )?;
    }
    if let Some(path) = &a.ceac {
        let svg = if let Some(d) = &rep.draws {
            let series: Vec<(String, Vec<f64>)> = d
                .strategies
                .iter()
                .enumerate()
                .map(|(s, n)| (n.clone(), d.by_wtp.iter().map(|w| w.p_best[s]).collect()))
                .collect();
            let front: Vec<usize> = d
                .by_wtp
                .iter()
                .map(|w| {
                    d.strategies
                        .iter()
                        .position(|n| n == &w.ceaf_strategy)
                        .unwrap_or(0)
                })
                .collect();
            peerstat::report::svg::ceac(
                &wtp,
                &series,
                Some(&front),
                &format!("{file}: acceptability curves"),
            )
        } else if let Some(t) = rep.trial.as_ref().filter(|t| t.bootstrap.is_some()) {
            let p: Vec<f64> = t.inmb.iter().map(|i| i.p_positive).collect();
            peerstat::report::svg::ceac(
                &wtp,
                &[(format!("{} vs {}", t.treatment, t.control), p)],
                None,
                &format!("{file}: acceptability curve"),
            )
        } else {
            return Err(Error::Invalid(
                "--ceac needs draws, or patient data with --boot".into(),
            ));
        };
        write_text(path, &svg)?;
    }
    let text = match a.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&rep).map_err(|e| Error::Invalid(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Table | Format::Csv => report::cea_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}

fn write_text(path: &Path, text: &str) -> Result<(), Error> {
    data::atomic_write(path, |w| {
        w.write_all(text.as_bytes()).map_err(|e| Error::Io {
            file: path.display().to_string(),
            source: e,
        })
    })
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
