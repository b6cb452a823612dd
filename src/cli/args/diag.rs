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
    #[command(flatten)]
    pub plot: PlotArgs,
    #[command(flatten)]
    pub out: OutputArgs,
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
