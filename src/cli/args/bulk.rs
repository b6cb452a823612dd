//! The arguments of the bulk commands: `reanalyse` (one fit per group of rows) and `simulate`.

use std::path::PathBuf;

use clap::Args;

use super::{BulkBayesArgs, DataArgs, ModelArgs, RandomArg, RobustArgs, Sigma2Arg, VcalcArg};

/// `reanalyse`'s help for `--random`: one model per group, and the columns it gives.
const RANDOM_HELP: &str = "One multilevel model per group (metafor rma.mv) with nested random \
intercepts, e.g. '~ 1 | study/esid' (outer factor first), instead of rma.uni. --method REML \
(default) or ML; --knha gives t tests on k-p df. No profile-likelihood CIs. The columns become k, \
estimate ... p_value, df, sigma2_1..sigma2_L and i2_1..i2_L (one per factor, outer first), q, \
q_df, q_p (QE), loglik, deviance, aic, bic, pi_lower, pi_upper, iterations";

/// `reanalyse`'s help for `--vcalc`.
const VCALC_HELP: &str = "With --random: sampling covariances per group (metafor vcalc), e.g. \
'cluster=study,obs=esid,rho=0.6' (the CHE model with '~ 1 | study/esid'); optional \
'time=COL,phi=P'";

/// `reanalyse`'s help for `--sigma2`.
const SIGMA2_HELP: &str = "With --random: hold variance components at given values, one per \
factor, outer first, NA for one to estimate (e.g. 'NA,0')";

/// `reanalyse`'s help for `--robust`: on each group's multilevel fit.
const ROBUST_HELP: &str = "With --random: cluster-robust inference clustered by this column on \
each group's fit (clubSandwich CR2 by default); adds robust_clusters, robust_se, robust_df, \
robust_statistic, robust_p, robust_ci_lower and robust_ci_upper for the first coefficient";

/// `reanalyse`'s help for `--robust-type` (no HTZ test: it reports the first coefficient only).
const ROBUST_TYPE_HELP: &str = "With --robust: CR2 (clubSandwich: bias-reduced linearisation, \
Satterthwaite df), CR1 (metafor's default: J/(J-p) factor, J-p df) or CR0 (metafor's robust(adjust = \
FALSE): no factor, J-p df)";

#[derive(Args)]
#[command(
    mut_arg("random", |a| a.help(RANDOM_HELP).long_help(None)),
    mut_arg("vcalc", |a| a.help(VCALC_HELP)),
    mut_arg("sigma2", |a| a.help(SIGMA2_HELP)),
    mut_arg("robust", |a| a.help(ROBUST_HELP).requires("random")),
    mut_arg("robust_type", |a| a.help(ROBUST_TYPE_HELP))
)]
pub struct ReanalyseArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Column(s) whose values define the analyses, comma-separated (e.g. analysis_id or
    /// outcome,subgroup).
    #[arg(
        long,
        value_delimiter = ',',
        required = true,
        value_name = "COL[,COL...]"
    )]
    pub group_by: Vec<String>,
    /// Output file (.parquet or .csv): one row per group.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Only decode the input and find the groups (no fitting, no output): the I/O floor.
    #[arg(long, hide = true)]
    pub decode_only: bool,
    #[command(flatten)]
    pub random: RandomArg,
    #[command(flatten)]
    pub vcalc: VcalcArg,
    #[command(flatten)]
    pub sigma2: Sigma2Arg,
    #[command(flatten)]
    pub robust: RobustArgs,
    #[command(flatten)]
    pub bayes: BulkBayesArgs,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Number of meta-analyses to simulate (bulk workload).
    #[arg(long, value_name = "N", required_unless_present = "framework")]
    pub analyses: Option<usize>,
    /// Simulate the framework's demonstration evidence base instead (coded trials, mixed data
    /// types, and an economic companion written beside the output as NAME_costs.EXT).
    #[arg(long)]
    pub framework: bool,
    /// With --framework: number of trials.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub trials: usize,
    /// Random seed (the same seed gives the same file everywhere).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Allow more than 10,000,000 analyses (about 80 million rows: 4.6 GB of Parquet, 11 GB of
    /// CSV), or with --framework more than 100,000 trials (built in memory, about 5 KB each).
    /// The free disk space is checked either way.
    #[arg(long)]
    pub allow_large: bool,
    /// Output file (.parquet or .csv).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}
