//! The command-line arguments (clap): raw flags, parsed into typed choices. Validation into
//! library options happens in the command handlers before any work is done.
//!
//! One file per command family, as in `cli/commands/`; here the top-level [`Cli`] and
//! [`Command`], and the flag groups several commands flatten in (data, model, plot, output).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod bayes;
mod bulk;
mod business;
mod choices;
mod diag;
#[cfg(feature = "distributed")]
pub mod distributed;
mod econ;
mod forest;
mod framework;
mod glmm;
mod init;
mod meta;
mod network;
#[cfg(feature = "sql")]
pub mod sql;

pub use bayes::{BayesArgs, BulkBayesArgs};
pub use bulk::{ReanalyseArgs, SimulateArgs};
pub use business::{BusinessCaseArgs, CaseFormat};
pub use choices::*;
pub use diag::{AlternativeArg, BiasArgs, FunnelYArg, InfluenceArgs, SelTypeArg};
pub use econ::CeaArgs;
pub use framework::{EvaluateArgs, MapArgs, MapFormat};
pub use glmm::GlmmArgs;
pub use init::InitArgs;
pub use meta::{EffectsArgs, MetaArgs};
pub use network::NetworkArgs;

pub const ABOUT: &str = "Statistics engine for evaluating health and social-care interventions \
(peer support first): effect sizes and random-effects meta-analysis with metafor's conventions.";

pub const AFTER: &str = "\
Data: one row per study comparison, columns named as in the evaluation framework schema:
  study; continuous arms n_t, mean_t, sd_t, n_c, mean_c, sd_c; binary arms events_t, n_t,
  events_c, n_c; or precomputed yi with vi (or sei). Rename with --col canonical=actual.

Examples:
  peerstat meta fixtures/bcg.parquet --measure RR
  peerstat meta fixtures/normand1999.csv --measure SMD --method DL --knha --format json
  peerstat effects fixtures/bcg.csv --measure OR -o bcg_or.parquet

Exit status: 0 success; 1 the model cannot be fitted to valid input (no convergence, an
undefined estimate); 2 usage or bad input (options, file format, a bad cell, a missing column,
too few studies, collinear moderators, an output that is an input); 3 a file could not be read
or written (standard output included; a closed pipe ends quietly); 130 or 143 interrupted by INT
or TERM (temporary files removed).

Temporary files: `.NAME.tmp-PID` (and `.NAME.tmp-PID.old`) beside each output NAME, renamed into
place when complete; those of a killed run are removed when the next run with that output
starts.";

/// `reanalyse`'s help for `--measure`: unlike the other commands it has no default.
const REANALYSE_MEASURE_HELP: &str = "Effect measure (required: reanalyse has no default, even \
with a yi column): SMD (Hedges' g), MD, ROM (log ratio of means), SMDH from continuous arms; OR, \
RR (log scale), RD, AS from 2x2 tables; IRR, IRD, IRSD from events and person-time per arm; \
SMCC, SMCR, SMCRH from pre/post means and SDs, n and ri; COR, ZCOR from ri and n; PR, PLO, PFT \
from events and n of one group; GEN for yi with vi or sei.";

#[derive(Parser)]
#[command(name = "peerstat", version, about = ABOUT, after_help = AFTER)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
  peerstat meta mydata.csv --measure SMD --col n_t=n1 --col n_c=n2
  peerstat meta fixtures/assink2016.csv --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study
  peerstat meta fixtures/assink2016.csv --random '~ 1 | study/esid' --mods year --dfs contain --newmods 3")]
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

With --random, one multilevel model per group (as `peerstat meta --random` on the group alone,
without profile CIs): k, estimate, se, ci_lower, ci_upper, statistic, p_value (the first
coefficient), df, sigma2_1..sigma2_L and i2_1..i2_L (one per --random factor, outer first), q,
q_df, q_p (QE), loglik, deviance, aic, bic, pi_lower, pi_upper, iterations; with --robust also
robust_clusters, robust_se, robust_df, robust_statistic, robust_p, robust_ci_lower,
robust_ci_upper; then error (a group with a single cluster, say, gets its error here).

Parquet input is streamed in record batches, reading only the needed columns; memory stays
bounded when rows of a group are adjacent (the file is clustered by the key). Otherwise peerstat
notes it and groups in memory. Each group's result is identical to `peerstat meta` on it alone.

Examples:
  peerstat simulate --analyses 100000 --seed 1 -o bulk.parquet
  peerstat reanalyse bulk.parquet --group-by analysis_id --measure GEN --knha -o results.parquet
  peerstat reanalyse evidence.csv --group-by outcome,mode --measure SMD --method DL -o by_mode.csv
  peerstat reanalyse reviews.parquet --group-by review --measure GEN --random '~ 1 | study/esid' \
      --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study -o che.parquet",
        mut_arg("measure", |a| a.help(REANALYSE_MEASURE_HELP)))]
    Reanalyse(ReanalyseArgs),
    /// Simulate the bulk benchmark workload (many small SMD meta-analyses).
    #[command(after_help = "\
Columns: analysis_id, study_id, yi, vi (Hedges' g, LS variance), n_t, mean_t, sd_t, n_c, mean_c,
sd_c. k = 2 + Poisson(6) studies per analysis; tau^2 in {0, 0.01, 0.09}.

Example:
  peerstat simulate --analyses 100000 --seed 1 -o bulk.parquet")]
    Simulate(SimulateArgs),
    /// Run a SQL query (Apache DataFusion) over Parquet/CSV files, with meta-analysis
    /// aggregates rma(), egger(), rma_mh() and the effect-size function escalc().
    #[cfg(feature = "sql")]
    #[command(after_help = sql::SQL_AFTER)]
    Sql(sql::SqlArgs),
    /// Run an Apache Ballista scheduler that knows peerstat's SQL functions (for `sql
    /// --ballista`).
    #[cfg(feature = "distributed")]
    #[command(after_help = distributed::SCHEDULER_AFTER)]
    Scheduler(distributed::SchedulerArgs),
    /// Run an Apache Ballista executor that knows peerstat's SQL functions.
    #[cfg(feature = "distributed")]
    #[command(after_help = distributed::EXECUTOR_AFTER)]
    Executor(distributed::ExecutorArgs),
    /// Publication-bias checks: Egger's test, Begg's rank test, trim-and-fill, fail-safe N.
    #[command(after_help = "\
JSON keys: egger {statistic, p_value, limit_estimate, ...}, begg {tau, p_value}, trimfill {k0,
side, estimate, se, tau2, filled[{yi, vi}]}, fail_safe_n {rosenthal, orwin; with --fsn-type
also fisher, stouffer, orwin_weighted, rosenberg, general}. Conventions are metafor's (regtest,
ranktest, trimfill, fsn). Needs at least 3 studies.

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
    /// Network meta-analysis: every treatment against every other through all studies
    /// (Rücker's graph-theoretical method, as netmeta): common and random effects, league
    /// table, P-scores, Q within and between designs, node-splitting.
    #[command(after_help = "\
Input: arm-level rows (study, treatment, and n, mean, sd or events, n), or contrast rows
(study, treat1, treat2, yi, vi or sei; a multi-arm study gives every pair of its arms).

JSON: treatments, reference, k_studies, k_comparisons, designs, common and random (estimates
against the reference with CI and prediction interval; league: row treatment against column
treatment), p_scores, tau2 (generalised DerSimonian-Laird), i2, q_total, q_within, q_between with
df and p, netsplit (direct, indirect, difference, p per comparison).

Examples:
  peerstat network fixtures/senn2013.csv --measure MD --reference placebo --small-values-good
  peerstat network fixtures/hasselblad1998.csv --measure OR --reference no_contact --format json
  peerstat network fixtures/linde2016.csv --reference Placebo")]
    Network(NetworkArgs),
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
    /// A commissioner's business case from pooled evidence: budget impact, net present value,
    /// return on investment, payback, cost per QALY, their uncertainty, and the value of more
    /// research.
    #[command(after_help = "\
The scenario (TOML) states the eligible population and uptake, the programme's costs, the outcome
that drives savings (baseline rate or risk, unit cost, QALYs per event) and the pooled effect (RR,
IRR or OR with its 95% CI, or effect_from = a `meta --format json` output or an evaluate
results.json with domain = NAME); see docs/src/business-case.md and `peerstat init`'s
scenario.toml.

JSON keys: years[{year, participants, programme_cost, events_avoided, savings, net_cost, qalys,
discount_factor, ...}], pv_cost, pv_savings, npv, roi, payback_year, cost_per_qaly,
prob_net_saving, npv_ci_lower, npv_ci_upper, by_wtp[{wtp, nmb, prob_cost_effective}],
budget_impact_flag, value_of_research{population_evpi, trial[{n, evsi, enbs}]}, effect_source,
effect_measure, log_se, tornado, cashflow, ceac, summary.

Examples:
  peerstat business-case seeds/demo_scenario.toml
  peerstat business-case seeds/demo_scenario.toml --format json -o case.json
  peerstat business-case seeds/demo_scenario.toml --plot cashflow cashflow.svg --plot tornado tornado.png")]
    BusinessCase(BusinessCaseArgs),
    /// The standard evaluation of the framework: per outcome domain pooled effects, subgroups,
    /// meta-regression, dependent effects, bias and sensitivity, economics; an HTML report, JSON,
    /// plots and the evidence-and-gap map.
    #[command(after_help = "\
Writes DIR/index.html (self-contained report), DIR/results.json, DIR/forest_N.svg, DIR/funnel_N.svg,
DIR/ceac.svg (with --costs) and DIR/egm.html. The input is validated against the codebook
(seeds/framework.toml unless --codebook): unknown levels are errors listing the allowed ones.

Per domain, where the data allow: which forms of peer support work best (a network meta-analysis
of support_type against each trial's comparator: usual care, or another form in a head-to-head
trial) and which elements matter (a component network meta-analysis of the coded provider, mode
and group_size; `elements = [...]` in --options names other fields). Both are exploratory and
say so.

Example:
  peerstat simulate --framework --seed 1 -o seeds/demo.parquet
  peerstat evaluate seeds/demo.parquet -o report      (uses seeds/demo_costs.parquet too)")]
    Evaluate(EvaluateArgs),
    /// Evidence-and-gap map: an interactive standalone page (or the crosstab as CSV/JSON).
    #[command(after_help = "\
Rows (default activity) x columns (default outcome_domain), bubbles sized by number of studies and
coloured by the segment (default risk_of_bias); hover shows counts and the pooled effect with CI;
click lists the studies; filters for population, country, design and mode; gaps marked. Below
the grid, the element view: what each coded element (provider, mode, group_size) adds per
outcome domain, from a component network meta-analysis; elements that cannot be estimated are gaps.

Example:
  peerstat map seeds/demo.parquet -o egm.html")]
    Map(MapArgs),
    /// Write a coding template (DIR/studies.csv, with two example rows of each kind of effect
    /// data) and its data dictionary (DIR/DATA_DICTIONARY.md) for the framework.
    #[command(after_help = "\
Every canonical column with its type and the codebook's allowed levels, which combinations of
columns give an effect (arms, 2x2, yi with vi/sei/CI/p, t or F, medians, standard errors,
cluster trials). Existing files are not overwritten unless --force.

Example:
  peerstat init mydata && peerstat evaluate mydata/studies.csv -o report")]
    Init(InitArgs),
}

#[derive(Args)]
pub struct DataArgs {
    /// Input file (.csv, .tsv or .parquet).
    pub input: PathBuf,
    /// Rename a column: canonical=actual (repeatable), e.g. --col n_t=n1i.
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    pub col: Vec<String>,
    /// Effect measure (default: GEN when a yi column exists): SMD (Hedges' g), MD, ROM (log ratio
    /// of means), SMDH (heteroscedastic SMD) from continuous arms; OR, RR (log scale), RD, AS
    /// (arcsine risk difference) from 2x2 tables; IRR (log), IRD, IRSD from events_t,
    /// person_time_t, events_c, person_time_c; SMCC, SMCR, SMCRH (standardised mean change) from
    /// mean_post, sd_post, mean_pre, sd_pre, n, ri; COR, ZCOR from ri, n; PR, PLO, PFT
    /// (proportion of one group) from events, n; GEN for yi with vi or sei. And as metafor's
    /// escalc (same codes; R: escalc(measure, ...)): PETO, PHI, YUQ, YUY, PBIT, OR2DN, OR2DL from
    /// 2x2 tables; SMD1, SMD1H, CVR, VR, RPB, RBIS, D2ORN, D2ORL from continuous arms; UCOR from
    /// ri, n; PLN, PAS from events, n; IR, IRLN, IRS, IRFT from events, person_time; MN, MNLN,
    /// CVLN, SDLN, SMN from mean, sd, n; MC, ROMC, CVRC, VRC from the pre/post columns.
    #[arg(long, value_parser = choice::<MeasureArg>(measure_msg))]
    pub measure: Option<MeasureArg>,
    /// SMD sampling variance: LS (large-sample, metafor; the default) or UB (unbiased, R meta).
    /// Only for SMD: metafor's other variance types (COR, PR, SMCC …) are not offered.
    #[arg(long, value_parser = choice::<VtypeArg>(vtype_msg))]
    pub vtype: Option<VtypeArg>,
    /// Value added to the cells of 2x2 tables (see --to).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub add: f64,
    /// Which 2x2 tables get --add: only0 (tables with a zero cell), all, none, if0all.
    #[arg(long, default_value = "only0", value_parser = choice::<ToArg>(to_msg))]
    pub to: ToArg,
    /// Omit studies with no events (or only events) in both arms.
    #[arg(long)]
    pub drop00: bool,
    /// Stop with an error on a missing value instead of omitting the study.
    #[arg(long)]
    pub strict: bool,
    /// Scale of reported CI bounds (and their estimate yi) for OR, RR, ROM: ratio (logged) or log.
    #[arg(long, default_value = "ratio", value_parser = choice::<CiScaleArg>(ci_scale_msg))]
    pub ci_scale: CiScaleArg,
    /// Cluster-randomised trials (rows with cluster_size): multiply vi by the design effect
    /// 1 + (m - 1) ICC (variance), or divide group sizes and events by it (n).
    #[arg(long, default_value = "variance", value_parser = choice::<ClusterAdjustArg>(cluster_adjust_msg))]
    pub cluster_adjust: ClusterAdjustArg,
    /// Intracluster correlation for rows with a cluster_size and no icc value.
    #[arg(long, value_name = "ICC")]
    pub icc: Option<f64>,
    /// Omit arms whose median summary Shi's test finds skewed (default: flag them).
    #[arg(long)]
    pub omit_skewed: bool,
}

#[derive(Args)]
pub struct ModelArgs {
    /// tau^2 estimator: EE (common effect), DL, HE, HS, SJ, ML, REML, EB, PM; or MH / PETO (the
    /// Mantel-Haenszel and Peto common-effect methods for 2x2 tables).
    #[arg(long, default_value = "REML", value_parser = choice::<MethodArg>(method_msg))]
    pub method: MethodArg,
    /// Knapp-Hartung adjustment: t(k-1) tests and CIs with the adjusted SE.
    #[arg(long)]
    pub knha: bool,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    pub level: f64,
    /// Prediction interval: metafor (z, or t(k-1) under --knha) or riley (t(k-2), unadjusted SE).
    #[arg(long = "pi", default_value = "metafor", value_parser = choice::<PiArg>(pi_msg))]
    pub pi: PiArg,
    /// I^2 for random-effects fits: typical (metafor) or q (R meta, PyMARE; no CI).
    #[arg(long, default_value = "typical", value_parser = choice::<I2Arg>(i2_msg))]
    pub i2: I2Arg,
    /// Maximum iterations for ML, REML and EB.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_iter: usize,
    /// Most effects in one cluster of a multilevel fit (one block of its marginal covariance;
    /// each costs a Cholesky factor per iteration, cubic in its size: about 1 s per iteration
    /// at 3,000 effects). Larger clusters are refused with an error naming them.
    #[arg(long, default_value_t = peerstat::model::multilevel::DEFAULT_MAX_BLOCK, value_name = "N")]
    pub max_block: usize,
    /// Step-length factor for Fisher scoring (metafor stepadj); 0.5 helps when REML oscillates.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub stepadj: f64,
}

/// Options of every plot a command writes (`--dpi`, `--theme`).
#[derive(Args, Debug, Clone)]
pub struct PlotArgs {
    /// Resolution of PNG plots (dots per inch; the SVG's pixel size is taken as 96 dpi). A PNG
    /// is at most 100 megapixels and 32,767 pixels a side, a PDF page 200 inches a side: a larger
    /// plot is refused (use a lower --dpi, or .svg). Labels past 120 characters are cut with
    /// "…" (the full text in the SVG's tooltip).
    #[arg(long, default_value_t = 300.0, value_name = "DPI")]
    pub dpi: f64,
    /// Colour theme of plots: light, dark, or print (greyscale-safe).
    #[arg(long, value_enum, default_value = "light")]
    pub theme: ThemeArg,
}

impl PlotArgs {
    /// The options as the writer takes them.
    pub fn options(&self) -> crate::cli::output::PlotOptions {
        crate::cli::output::PlotOptions {
            dpi: self.dpi,
            theme: match self.theme {
                ThemeArg::Light => peerstat::report::svg::Theme::Light,
                ThemeArg::Dark => peerstat::report::svg::Theme::Dark,
                ThemeArg::Print => peerstat::report::svg::Theme::Print,
            },
        }
    }
}

/// `--theme`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ThemeArg {
    /// Dark ink on white.
    Light,
    /// Light ink on near-black.
    Dark,
    /// Greyscale-safe.
    Print,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// `--format` and `-o`: how a command prints its result, and where.
#[derive(Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--robust COL` and `--robust-type`: cluster-robust inference on a fitted model (`meta`'s
/// wording; `reanalyse` words them for its columns).
#[derive(Args)]
pub struct RobustArgs {
    /// Cluster-robust inference clustered by this column (metafor robust(), clubSandwich): the
    /// fitted random-effects model, meta-regression or multilevel model (--random) keeps its
    /// estimates and weights (working covariance), and its
    /// SEs, t tests (and, with --mods, the test of the moderators) become cluster-robust.
    /// Unlike --cluster (robumeta RVE), the model itself is not refitted.
    #[arg(long, value_name = "COL", conflicts_with = "knha")]
    pub robust: Option<String>,
    /// With --robust: CR2 (clubSandwich: bias-reduced linearisation, Satterthwaite df, HTZ
    /// test), CR1 (metafor's default: J/(J-p) factor, J-p df) or CR0 (metafor's
    /// robust(fit, cluster, adjust = FALSE): the sandwich without the factor, J-p df).
    #[arg(long, default_value = "CR2", value_name = "TYPE", requires = "robust",
          value_parser = choice::<RobustTypeArg>(robust_type_msg))]
    pub robust_type: RobustTypeArg,
}

/// `--random FORMULA`: a multilevel model (`meta`'s wording; `reanalyse` words it for its
/// columns).
#[derive(Args)]
pub struct RandomArg {
    /// Multilevel/multivariate model (metafor rma.mv): nested random intercepts '~ 1 | study/esid'
    /// (outer factor first), a structured term '~ inner | outer' (see --struct), or both
    /// separated by a comma ('~ 1 | study, ~ outcome | study'). --method REML (default) or ML;
    /// --knha gives t tests on k-p df (--dfs contain: per-coefficient df); --mods adds
    /// moderators (--newmods: predictions); --robust COL adds cluster-robust inference on the
    /// fit (CR2 needs whole outer clusters in each robust cluster).
    ///
    /// Which model? Several outcomes or effect sizes per study (dependent effects): the
    /// correlated-and-hierarchical-effects (CHE) model, --random '~ 1 | study/esid' --vcalc
    /// 'cluster=study,obs=esid,rho=0.6' --robust study, checked across --rho-grid 0.2,0.4,0.6,0.8
    /// (the robust SEs stay valid when rho is wrong). Studies in larger units (schools in
    /// districts): nested intercepts, --random '~ 1 | district/school'. Repeated measurements of
    /// one study over time: --random '~ time | study' --struct AR (HAR: a variance per time
    /// point; --vcalc with time=COL,phi=P correlates the sampling errors over time).
    /// Multivariate outcomes with known sampling covariances (as dat.berkey1998): --random
    /// '~ outcome | trial' --struct UN --vcov-cols v1i,v2i (with two outcomes HCS is the same
    /// model). A variance component can be held at a value with --sigma2 (--tau2,
    /// --struct-rho for a structured term), and tested with --lrt-drop. Use --dfs contain for
    /// moderators that vary within studies: their t tests get the df of the finer level,
    /// study-level moderators the number of studies minus p.
    #[arg(id = "random", long = "random", value_name = "FORMULA")]
    pub formula: Option<String>,
}

/// `--vcalc`: the sampling covariances of dependent effects (`meta`'s wording).
#[derive(Args)]
pub struct VcalcArg {
    /// With --random: sampling covariances of dependent effects (metafor vcalc), e.g.
    /// 'cluster=study,obs=esid,rho=0.6': effects of one cluster with different obs correlate
    /// rho, with the same obs 1; optional 'time=COL,phi=P' multiplies by phi^|time difference|.
    /// With --random '~ 1 | study/esid' this is the correlated-and-hierarchical-effects (CHE)
    /// model for studies reporting several outcomes (rho is rarely reported: 0.6-0.8 is
    /// common; check the results across values). The cluster must be nested in the outermost
    /// random factor. More keys, as metafor: 'type=COL' (construct types: effects of different
    /// types correlate rho_type whatever their obs; with type alone 'rho=R' is that
    /// correlation, with type and obs give both, 'rho=R_WITHIN;R_BETWEEN' or
    /// 'rho=R_WITHIN,rho_type=R_BETWEEN'); 'subgroup=COL' (independent subgroups within a
    /// cluster); 'grp1=COL,grp2=COL' (the two groups each effect compares: contrasts sharing a
    /// group, e.g. several treatments against one control, correlate 0.5 for equal groups, and
    /// the correlation multiplies the obs/type one); 'w1=COL,w2=COL' (the groups' sizes, for
    /// the exact shared-group correlation); 'time2=COL' (the second group's time, for
    /// within-subject contrasts; needs time and grp2).
    #[arg(
        id = "vcalc",
        long = "vcalc",
        value_name = "KEY=VALUE,...",
        requires = "random"
    )]
    pub spec: Option<String>,
}

/// `--sigma2`: variance components held at given values (`meta`'s wording).
#[derive(Args)]
pub struct Sigma2Arg {
    /// With --random: hold variance components at given values (metafor sigma2 = c(NA, 0)):
    /// one entry per random factor, outer first, NA (or empty) for one to estimate, e.g.
    /// 'NA,0' fits '~ 1 | study/esid' with the inner component held at 0.
    #[arg(
        id = "sigma2",
        long = "sigma2",
        value_name = "S2,S2[,...]",
        requires = "random",
        allow_hyphen_values = true
    )]
    pub held: Option<String>,
}
