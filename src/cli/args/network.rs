//! The arguments of `network` (network and component network meta-analysis, its plots).

use std::path::PathBuf;

use clap::Args;

use super::choices::{choice, random_ci_msg, RandomCiArg};
use super::{DataArgs, Format, PlotArgs};

/// `peerstat network`.
#[derive(Args)]
pub struct NetworkArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The treatment column of arm-level rows (one row per arm; every pair of arms of a study
    /// becomes a contrast, as netmeta's pairwise()). Contrast rows are read instead when the
    /// file has treat1 and treat2 columns (with yi and vi or sei).
    #[arg(long, default_value = "treatment", value_name = "COL")]
    pub treatment: String,
    /// The study column.
    #[arg(long, default_value = "study", value_name = "COL")]
    pub study: String,
    /// The reference treatment (default: the first in sorted order), e.g. 'usual care'.
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,
    /// Smaller effects are better (P-scores; e.g. symptom scores, admissions). Default: larger
    /// effects are better.
    #[arg(long)]
    pub small_values_good: bool,
    /// The between-study variance of the random-effects model: DL (generalised
    /// DerSimonian-Laird, netmeta's default) or REML (metafor's contrast-based rma.mv with
    /// random = ~ comparison | study, rho = 1/2).
    #[arg(long, default_value = "DL", value_parser = ["DL", "REML", "dl", "reml"])]
    pub method: String,
    /// Confidence intervals of the random-effects model (netmeta's method.random.ci): classic
    /// (normal quantiles, default), t-dist (t quantiles on the network's Q df; netmeta >= 3.6),
    /// HK (Hartung-Knapp: variances times Q_random/df, t quantiles) or HK-se (HK with the
    /// factor at least 1, meta's adhoc.hakn.ci = "se"). Prediction intervals and P-scores do
    /// not change.
    #[arg(long, default_value = "classic", value_name = "METHOD",
          value_parser = choice::<RandomCiArg>(random_ci_msg))]
    pub method_random_ci: RandomCiArg,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    pub level: f64,
    /// Component network meta-analysis (netmeta's netcomb, additive model): treatments are
    /// made of components separated by SEP in their names, e.g. '+' ("CBT + SSRI").
    #[arg(long, value_name = "SEP", conflicts_with = "components_from")]
    pub components_sep: Option<String>,
    /// Component network meta-analysis with the components from arm-level columns: each
    /// column is a component, present when the arm's value is true, 1 or yes.
    #[arg(long, value_name = "COL1,COL2,...", value_delimiter = ',')]
    pub components_from: Option<Vec<String>>,
    /// A treatment with no components (placebo, usual care; netmeta's inactive). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub inactive: Vec<String>,
    /// An interaction of components in the component model, e.g. 'A*B' (an extra column of
    /// the component matrix, 1 for treatments containing both). Repeatable.
    #[arg(long, value_name = "A*B")]
    pub interaction: Vec<String>,
    /// A combination of components to estimate (the sum of their effects), written with the
    /// separator, e.g. 'A+C'. Repeatable.
    #[arg(long, value_name = "A+C")]
    pub combination: Vec<String>,
    /// Output format: table (default), json or csv (the estimates against the reference).
    #[arg(long, default_value = "table")]
    pub format: Format,
    /// Write the network graph (.svg, .png or .pdf by extension): treatments on a circle, node area by participants (or
    /// studies), edge width by the studies comparing the pair, multi-arm studies shaded.
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Write a forest plot (.svg, .png or .pdf) of every treatment against the reference, sorted by P-score.
    #[arg(long, value_name = "FILE")]
    pub forest: Option<PathBuf>,
    /// The model of the forest plot: random (default) or common.
    #[arg(long, default_value = "random", value_parser = ["random", "common"], value_name = "MODEL")]
    pub forest_model: String,
    /// With a component model: write the component-effect forest plot (.svg, .png or .pdf): every component
    /// (relative to its absence) with its CI, then interactions and --combination rows, those
    /// that cannot be estimated listed with the reason; --forest-model picks the model.
    #[arg(long, value_name = "FILE")]
    pub components_forest: Option<PathBuf>,
    /// Write the league table as a heat map (.svg, .png or .pdf): random effects below the diagonal, common
    /// effect above.
    #[arg(long, value_name = "FILE")]
    pub league: Option<PathBuf>,
    /// Write the output to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub plot: PlotArgs,
    /// Title of the plots (--graph, --forest, --league, --components-forest), each followed by
    /// what it shows, e.g. "Self-management — network" (default: the input file's name).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}
