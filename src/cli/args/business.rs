//! The arguments of `business-case`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::PlotArgs;

/// How `business-case` prints its result.
#[derive(Clone, Copy, ValueEnum)]
pub enum CaseFormat {
    /// Plain words and tables.
    #[value(alias = "table")]
    Text,
    /// The full result (JSON).
    Json,
    /// The year table (CSV).
    Csv,
}

#[derive(Args)]
pub struct BusinessCaseArgs {
    /// The scenario (TOML): population, uptake, programme costs, outcome and effect, appraisal.
    pub scenario: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CaseFormat,
    /// Write the output to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a plot: cashflow (cumulative discounted savings − costs with its 95% band),
    /// tornado (one-way sensitivity) or ceac (acceptability curve); repeatable.
    #[arg(long, num_args = 2, value_names = ["cashflow|tornado|ceac", "FILE.svg|png|pdf"], action = clap::ArgAction::Append)]
    pub plot: Vec<String>,
    /// Title of the plots.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    #[command(flatten)]
    pub plot_opts: PlotArgs,
}
