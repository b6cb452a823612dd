//! The arguments of the diagnostics: `bias` (publication bias, funnel plot) and `influence`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::choices::*;
use super::{DataArgs, ModelArgs, OutputArgs, PlotArgs};

#[derive(Args)]
pub struct BiasArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Egger's test: rma (metafor default: the model with sei as moderator) or classic (WLS, t(k-2)).
    #[arg(long, default_value = "rma", value_parser = choice::<EggerArg>(egger_msg))]
    pub egger: EggerArg,
    /// Trim-and-fill estimator.
    #[arg(long, default_value = "L0", value_parser = choice::<EstimatorArg>(estimator_msg))]
    pub estimator: EstimatorArg,
    /// Side where studies are missing (default: chosen from the sign of the slope of yi on
    /// sqrt(vi), as metafor).
    #[arg(long, value_parser = choice::<SideArg>(side_msg))]
    pub side: Option<SideArg>,
    /// Orwin's target effect (default: half the mean effect).
    #[arg(long, value_name = "X")]
    pub orwin_target: Option<f64>,
    /// A further fail-safe N (repeatable): fisher, stouffer, orwin-weighted, rosenberg or general
    /// (rosenthal and orwin are always reported). R, metafor >= 4: fsn(yi, vi, type =
    /// "Rosenthal", pool = "fisher"), fsn(yi, vi, type = "Orwin") (weighted), fsn(yi, vi, type =
    /// "Rosenberg"), fsn(yi, vi, type = "General").
    #[arg(long = "fsn-type", value_enum, value_name = "TYPE")]
    pub fsn_type: Vec<FsnTypeArg>,
    /// Write a contour-enhanced funnel plot (p < .01, .01-.05, .05-.10, > .10 shaded),
    /// trim-and-fill studies hollow and its adjusted estimate dashed.
    #[arg(long, value_name = "FILE.svg|png|pdf")]
    pub funnel: Option<PathBuf>,
    /// The funnel plot's vertical axis: se, vi, inv-se (1/SE) or n (sample size n_t + n_c).
    #[arg(long, value_enum, default_value = "se", value_name = "AXIS")]
    pub funnel_y: FunnelYArg,
    /// Draw the pseudo 95% confidence funnel around the pooled estimate.
    #[arg(long)]
    pub funnel_ci: bool,
    /// Title of the funnel plot.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Add PET, PEESE and PET-PEESE (metafor regtest(model = "lm"), predictor sei / vi).
    #[arg(long)]
    pub pet_peese: bool,
    /// PET-PEESE reports PEESE when PET's intercept has a two-sided p-value below this
    /// (Stanley & Doucouliagos 2014).
    #[arg(
        long,
        value_name = "ALPHA",
        default_value_t = 0.10,
        requires = "pet_peese"
    )]
    pub pet_peese_alpha: f64,
    /// Add a selection model (metafor selmodel): stepfun (needs --steps), beta, halfnorm,
    /// negexp, logistic or power; random effects by ML, or equal effects with --method EE.
    #[arg(long, value_enum, value_name = "TYPE")]
    pub selmodel: Option<SelTypeArg>,
    /// Steps of the selection model's p-value intervals, e.g. 0.025 (three-parameter model) or
    /// 0.05,0.10,0.50,1; for the continuous types at most one threshold.
    #[arg(
        long,
        value_name = "P,...",
        value_delimiter = ',',
        requires = "selmodel"
    )]
    pub steps: Vec<f64>,
    /// Which p-values drive selection: greater (positive effects favoured), less or two-sided.
    #[arg(long, value_enum, default_value = "greater", requires = "selmodel")]
    pub alternative: AlternativeArg,
    /// Hold every delta of the selection model fixed (a Vevea-Woods sensitivity analysis),
    /// e.g. 1,0.9,0.7,0.5 for a step function (the first is 1).
    #[arg(
        long,
        value_name = "D,...",
        value_delimiter = ',',
        requires = "selmodel"
    )]
    pub delta: Vec<f64>,
    #[command(flatten)]
    pub plot: PlotArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `--selmodel`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SelTypeArg {
    /// Step function of the p-values (Vevea & Hedges 1995).
    Stepfun,
    /// Beta (Citkowicz & Vevea 2017).
    Beta,
    /// Half-normal (Preston et al. 2004).
    Halfnorm,
    /// Negative exponential.
    Negexp,
    /// Logistic.
    Logistic,
    /// Power.
    Power,
}

/// `--alternative`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlternativeArg {
    /// One-sided p-values for a positive effect.
    Greater,
    /// One-sided p-values for a negative effect.
    Less,
    /// Two-sided p-values.
    TwoSided,
}

#[derive(Args)]
pub struct InfluenceArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Cumulative meta-analysis instead of leave-one-out.
    #[arg(long)]
    pub cumulative: bool,
    /// With --cumulative: add studies in ascending order of this numeric column (e.g. year).
    #[arg(long, value_name = "COL", requires = "cumulative")]
    pub order: Option<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `--funnel-y`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FunnelYArg {
    /// Standard error.
    Se,
    /// Sampling variance.
    Vi,
    /// Precision, 1/SE.
    InvSe,
    /// Sample size (arm sizes n_t + n_c).
    N,
}
