//! The arguments of `meta` (pooled fits, subgroups, meta-regression, multilevel models, robust
//! inference, forest and bubble plots) and of `effects`.

use std::path::PathBuf;

use clap::Args;

use super::choices::*;
use super::forest::ForestArgs;
use super::{DataArgs, ModelArgs, OutputArgs, RandomArg, RobustArgs, Sigma2Arg, VcalcArg};

#[derive(Args)]
#[command(
    mut_arg("random", |a| a.conflicts_with_all(["by", "cluster", "permutations", "bubble", "forest", "stepadj", "pi", "i2"])),
    mut_arg("robust", |a| a.conflicts_with("by"))
)]
pub struct MetaArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Subgroup analysis by this column: a fit per level and the test for subgroup differences.
    #[arg(long, value_name = "COL", conflicts_with = "mods")]
    pub by: Option<String>,
    /// With --by: one common tau^2 for all levels (from the factor meta-regression).
    #[arg(long, requires = "by")]
    pub common_tau2: bool,
    /// Meta-regression on these columns (comma-separated; text columns become factors).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]")]
    pub mods: Vec<String>,
    /// With --mods: permutation test with this many permutations (metafor permutest).
    #[arg(long, value_name = "N", requires = "mods")]
    pub permutations: Option<usize>,
    /// Seed for --permutations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Dependent effect sizes: robust variance estimation clustered by this column
    /// (correlated-effects weights, small-sample correction, as robumeta). It refits the model
    /// with its own working weights and tau^2; --robust keeps the fitted model instead.
    #[arg(long, value_name = "COL", conflicts_with = "robust")]
    pub cluster: Option<String>,
    #[command(flatten)]
    pub random: RandomArg,
    #[command(flatten)]
    pub structured: StructuredArgs,
    #[command(flatten)]
    pub vcalc: VcalcArg,
    /// With --vcalc: refit the model at each of these rho (the --vcalc spec with that rho) and
    /// report the estimate, SE and variance components (and the robust SE and df with
    /// --robust) per rho, e.g. 0.2,0.4,0.6,0.8.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "RHO,RHO[,...]",
        requires = "vcalc"
    )]
    pub rho_grid: Vec<f64>,
    /// With --random: columns that carry the sampling covariances (as metafor's
    /// dat.berkey1998, v1i,v2i): within each level of the outermost --random factor, an
    /// effect's row holds its covariances with the cluster's 1st, 2nd, ... effect (file order)
    /// in the 1st, 2nd, ... column; their diagonal replaces vi.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "COL,COL[,...]",
        requires = "random",
        conflicts_with = "vcalc"
    )]
    pub vcov_cols: Vec<String>,
    /// With --random: likelihood-ratio test against the model without this random factor (its
    /// variance component held at 0; metafor anova(full, reduced)), e.g. esid with
    /// '~ 1 | study/esid' (leaving '~ 1 | study').
    #[arg(long, value_name = "FACTOR", requires = "random")]
    pub lrt_drop: Option<String>,
    /// With --random: skip the profile-likelihood CIs of the variance components (each needs a
    /// series of refits; on large models they cost more than the fit itself).
    #[arg(long, requires = "random")]
    pub no_profile_ci: bool,
    #[command(flatten)]
    pub sigma2: Sigma2Arg,
    /// With --random: the test of the coefficients, as metafor rma.mv's test: z (default) or t
    /// (t on k - p df, the same as --knha under --random; see --dfs).
    #[arg(long, value_name = "TEST", requires = "random", value_parser = ["z", "t"])]
    pub test: Option<String>,
    /// With --random: degrees of freedom of the t tests (metafor rma.mv dfs, test = "t"):
    /// residual (k - p for every coefficient; with --knha) or contain (per coefficient: the
    /// levels of the coarsest random factor within whose levels the moderator is constant,
    /// minus p; a study-level moderator gets the number of studies - p). contain implies t
    /// tests.
    #[arg(long, value_name = "DFS", requires = "random",
          value_parser = choice::<DfsArg>(dfs_msg))]
    pub dfs: Option<DfsArg>,
    /// Predict at these moderator values (metafor predict(fit, newmods = c(...))): one value
    /// per column of the design after the intercept, in order (a factor as its 0/1 level
    /// columns, as the coefficients are listed), e.g. --mods year,deltype --newmods 3,0,1. Gives
    /// the predicted effect with its CI and the prediction interval for a new study with these
    /// values.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "V1,V2,...",
        requires = "mods",
        allow_hyphen_values = true
    )]
    pub newmods: Vec<f64>,
    /// Each study's predicted true effect (BLUP: the observed effect shrunk towards the fitted
    /// value by tau^2/(tau^2 + v_i)) and its random effect, with SEs and prediction intervals
    /// (metafor blup(fit) and ranef(fit)); JSON keys blup and ranef. With --random: the random
    /// effect of every level of every term (metafor ranef() on rma.mv).
    #[arg(long)]
    pub blup: bool,
    /// With --mods or --random: a linear contrast of the coefficients, tested and with its CI
    /// (metafor anova(fit, X = ...)): coefficient names joined by + and -, each with an
    /// optional multiplier, e.g. --contrast allocrandom-allocsystematic or --contrast '2*a-b'
    /// (names as the coefficients are listed). Repeatable; JSON key contrasts. Model-based
    /// (not with --robust). The JSON of every meta-regression also holds vcov {names,
    /// matrix}, the coefficients' covariance (metafor vcov(fit)).
    #[arg(long, value_name = "CONTRAST")]
    pub contrast: Vec<String>,
    /// Location-scale model (metafor rma(yi, vi, mods = ~ ..., scale = ~ ...)): log tau^2_i
    /// = z_i alpha on these columns (comma-separated, as --mods: text columns become factors),
    /// or 1 for an intercept-only scale model; with --mods for the location part. ML or REML
    /// (--method).
    #[arg(long, value_delimiter = ',', value_name = "COL[,COL...]|1")]
    pub scale: Vec<String>,
    /// With --scale: predict tau^2 at these scale values (one per scale column after the
    /// intercept, a factor as its 0/1 level columns); with --newmods also the effect and its
    /// prediction interval with this tau^2 (metafor predict(fit, newmods =, newscale =)).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "V1,V2,...",
        requires = "scale",
        allow_hyphen_values = true
    )]
    pub newscale: Vec<f64>,
    /// With --scale: skip the profile-likelihood CIs of the scale coefficients.
    #[arg(long, requires = "scale")]
    pub no_scale_profile: bool,
    /// With --cluster: assumed correlation between effects of one cluster.
    #[arg(long, default_value_t = 0.8, value_name = "RHO")]
    pub rho: f64,
    #[command(flatten)]
    pub robust: RobustArgs,
    /// Write a forest plot (SVG): studies, pooled diamond, prediction interval; subgroup blocks
    /// under --by; log axis labelled as ratios for OR/RR/ROM.
    #[arg(long, value_name = "FILE.svg")]
    pub forest: Option<PathBuf>,
    #[command(flatten)]
    pub forest_opts: Box<ForestArgs>,
    /// With --mods and one numeric moderator: write a bubble plot (SVG).
    /// PNG and PDF too, by the file's extension. Points sized by weight as metafor regplot, the
    /// fitted line with its confidence and prediction bands, the slope in the caption; a
    /// categorical moderator is drawn as one estimate with its CI per level.
    #[arg(long, value_name = "FILE", requires = "mods")]
    pub bubble: Option<PathBuf>,
    #[command(flatten)]
    pub plot: crate::cli::args::PlotArgs,
    #[command(flatten)]
    pub bayes: Box<super::BayesArgs>,
    #[command(flatten)]
    pub glmm: super::GlmmArgs,
    /// With --method MH and --measure OR: the Cochran-Mantel-Haenszel test without its
    /// continuity correction (metafor rma.mh(correct = FALSE)).
    #[arg(long)]
    pub no_cmh_correction: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Args)]
pub struct EffectsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output file (.csv or .parquet).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

/// The structured `--random` term's covariance (`--struct`) and its held values (`--tau2`,
/// `--struct-rho`).
#[derive(Args)]
pub struct StructuredArgs {
    /// With a structured --random term '~ inner | outer': the covariance of the outer level's
    /// random effects over the inner levels (metafor struct=). CS: one variance, one
    /// correlation (default); HCS: a variance per level, one correlation; UN: a variance per
    /// level and a correlation per pair (multivariate outcomes); AR: one variance, correlation
    /// rho^lag between sorted levels (time points); HAR: AR with a variance per level; DIAG: a
    /// variance per level, independent; ID: one variance, independent.
    #[arg(long = "struct", value_name = "STRUCT", default_value = "CS", requires = "random",
          value_parser = choice::<StructArg>(struct_msg))]
    pub structure: StructArg,
    /// With a structured --random term: hold its variances at given values (metafor tau2=):
    /// one entry per tau^2 (one for CS/AR/ID, one per sorted inner level otherwise), NA for one
    /// to estimate, e.g. 'NA,0.01'.
    #[arg(
        long,
        value_name = "T2,T2[,...]",
        requires = "random",
        allow_hyphen_values = true
    )]
    pub tau2: Option<String>,
    /// With a structured --random term: hold its correlations at given values (metafor rho=):
    /// one entry per rho (the lower triangle row by row for UN), NA for one to estimate.
    #[arg(
        long,
        value_name = "R,R[,...]",
        requires = "random",
        allow_hyphen_values = true
    )]
    pub struct_rho: Option<String>,
}
