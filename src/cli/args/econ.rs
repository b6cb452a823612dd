//! The arguments of `cea`, the economic evaluation.

use std::path::PathBuf;

use clap::Args;

use super::choices::*;
use super::{OutputArgs, PlotArgs};

#[derive(Args)]
pub struct CeaArgs {
    /// Input file (.csv, .tsv or .parquet).
    pub input: PathBuf,
    /// Data shape (default: detected from the columns).
    #[arg(long, value_parser = choice::<ShapeArg>(shape_msg))]
    pub shape: Option<ShapeArg>,
    /// Rename a column: canonical=actual (repeatable).
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    pub col: Vec<String>,
    /// Willingness-to-pay values, comma-separated (default 20000,30000).
    #[arg(long, value_name = "LIST")]
    pub wtp: Option<String>,
    /// Willingness-to-pay grid start:stop:step (inclusive), e.g. 0:50000:500.
    #[arg(long, value_name = "A:B:STEP")]
    pub wtp_grid: Option<String>,
    /// Draws: reference strategy for pairwise CEACs (default: the first).
    #[arg(long, value_name = "STRATEGY")]
    pub reference: Option<String>,
    /// Patients/arms: the intervention arm.
    #[arg(long, value_name = "ARM")]
    pub treatment: Option<String>,
    /// Patients/arms: the comparator arm.
    #[arg(long, value_name = "ARM")]
    pub control: Option<String>,
    /// Patients: bootstrap replicates (stratified by arm).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub boot: usize,
    /// Seed of the bootstrap and of the studies simulated for EVSI.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Patients: write the bootstrap replicates (replicate, inc_cost, inc_effect) to a file.
    #[arg(long, value_name = "FILE.parquet")]
    pub draws_out: Option<PathBuf>,
    /// Patients: covariates for the cost equation (SUR adjustment).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]")]
    pub cost_covariates: Vec<String>,
    /// Patients: covariates for the effect equation (SUR adjustment).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]")]
    pub effect_covariates: Vec<String>,
    /// Patients with a year column: annual discount rate for costs (NICE: 0.035).
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    pub discount_cost: f64,
    /// Annual discount rate for effects.
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    pub discount_effect: f64,
    /// When amounts fall within a year: start (year t weighted 1/(1+r)^t), end (1/(1+r)^(t+1)) or
    /// continuous (mid-year, 1/(1+r)^(t+0.5)).
    #[arg(long, default_value = "start", value_parser = choice::<TimingArg>(timing_msg))]
    pub timing: TimingArg,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    pub level: f64,
    /// Write a cost-effectiveness plane: the draws, their mean and 95% ellipse, the WTP line
    /// for each --wtp value (up to four), quadrant labels.
    #[arg(long, value_name = "FILE.svg|png|pdf")]
    pub plane: Option<PathBuf>,
    /// Write cost-effectiveness acceptability curves (and, for several strategies, the
    /// acceptability frontier). Without --wtp or --wtp-grid the curves run from 0 to 3 × the
    /// largest ICER.
    #[arg(long, value_name = "FILE.svg|png|pdf")]
    pub ceac: Option<PathBuf>,
    /// Title of the plots (default: "Cost-effectiveness plane", "Cost-effectiveness
    /// acceptability").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Draws: the parameters behind each draw (`draw` + one column per parameter), for EVPPI.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// Draws: EVPPI of a parameter or a group of parameters, NAME[,NAME...] (repeatable: one
    /// EVPPI per flag, in flag order; needs --params).
    #[arg(long, value_name = "NAME[,NAME...]")]
    pub evppi: Vec<String>,
    /// EVPPI method: gam (regression on a penalised cubic regression spline, R voi's default),
    /// so (Strong-Oakley blocks, one parameter; needs --blocks) or sal (Sadatsafavi segments,
    /// one parameter).
    #[arg(long, default_value = "gam", value_parser = choice::<EvppiMethodArg>(evppi_method_msg))]
    pub evppi_method: EvppiMethodArg,
    /// GAM EVPPI: standard error from B draws of the regression coefficients (R voi's
    /// se = TRUE with B; 0 = none).
    #[arg(long, default_value_t = 0, value_name = "B")]
    pub evppi_se: usize,
    /// Strong-Oakley EVPPI: number of blocks (must divide the number of draws).
    #[arg(long, value_name = "N")]
    pub blocks: Option<usize>,
    /// Draws: EVSI of a proposed study DESIGN:PARAM[,PARAM] (repeatable), designs binary
    /// (one probability), trial-binary (two probabilities, n per arm) or normal-known (one
    /// mean, individual SD --evsi-sd); needs --params.
    #[arg(long, value_name = "DESIGN:PARAM[,PARAM]")]
    pub evsi: Vec<String>,
    /// EVSI sample sizes, comma-separated (per arm for trial-binary).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "100",
        value_name = "N[,N...]"
    )]
    pub evsi_n: Vec<u64>,
    /// EVSI method: regression (on simulated study data, Strong et al. 2015, R voi's default)
    /// or moment-matching (Heath et al. 2018).
    #[arg(long, default_value = "regression", value_parser = choice::<EvsiMethodArg>(evsi_method_msg))]
    pub evsi_method: EvsiMethodArg,
    /// EVSI, normal-known design: the SD of one observation (R voi's default 1).
    #[arg(long, default_value_t = 1.0, value_name = "SD")]
    pub evsi_sd: f64,
    /// EVSI by moment matching: number of parameter points (R voi's Q, default 50).
    #[arg(long, default_value_t = 50, value_name = "Q")]
    pub evsi_points: usize,
    /// Population values of information: people affected per year.
    #[arg(long, value_name = "N")]
    pub population: Option<f64>,
    /// Population values: years the decision applies (default 1).
    #[arg(long, default_value_t = 1, value_name = "YEARS")]
    pub horizon: u32,
    /// Population values: annual discount rate (year 1 undiscounted, t = 0 first; default 0).
    #[arg(long, default_value_t = 0.0, value_name = "R")]
    pub discount: f64,
    /// The cost of a proposed study, FIXED,PER_PERSON: adds ENBS and the optimal --evsi-n
    /// (needs --population).
    #[arg(long, value_name = "FIXED,PER_PERSON")]
    pub study_cost: Option<String>,
    #[command(flatten)]
    pub plot: PlotArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}
