//! The arguments of the framework commands `evaluate` and `map`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::choices::*;

#[derive(Args)]
pub struct EvaluateArgs {
    /// Input file (framework schema).
    pub input: PathBuf,
    /// Economic companion (arm summaries with a study column, or patient data). Default: a file
    /// NAME_costs.EXT beside the input, if there is one.
    #[arg(long, value_name = "FILE")]
    pub costs: Option<PathBuf>,
    /// Output directory.
    #[arg(short, long, default_value = "report", value_name = "DIR")]
    pub output: PathBuf,
    /// Codebook (TOML) replacing seeds/framework.toml.
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Rename a column: canonical=actual (repeatable).
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    pub col: Vec<String>,
    /// Confidence level in percent.
    #[arg(long, default_value_t = 95.0, value_name = "PCT")]
    pub level: f64,
    /// Options file (TOML, or JSON): small-k and certainty thresholds, the direction per outcome
    /// ([higher_is_better] "PHQ-9" = false), assume_higher_is_better, and per outcome domain
    /// ([domains."service use"]) the minimal important difference, the assumed control risk
    /// and a certainty override with its reason. See the README.
    #[arg(long, value_name = "FILE")]
    pub options: Option<PathBuf>,
    /// Treat every outcome without a stated direction (no higher_is_better value, none in the
    /// options file) as higher-is-better; recorded in results.json and printed in the report.
    /// Without it such outcomes are an error listing them.
    #[arg(long)]
    pub assume_higher_is_better: bool,
    /// Where a study contributes several effects to a domain, they are pooled with the CHE
    /// model (random effects for study and effect, sampling errors of one study correlated
    /// RHO, CR2 cluster-robust CI by study); the report also shows RHO = 0.2 to 0.8.
    #[arg(
        long,
        default_value_t = 0.6,
        value_name = "RHO",
        allow_hyphen_values = true
    )]
    pub rho: f64,
    /// Intracluster correlation of cluster-randomised trials (rows with cluster_size) that give
    /// no icc value (overrides the options file's icc).
    #[arg(long, value_name = "ICC")]
    pub icc: Option<f64>,
    /// Cluster-randomised trials: design effect on the variance (default) or on n and events.
    #[arg(long, value_parser = choice::<ClusterAdjustArg>(cluster_adjust_msg))]
    pub cluster_adjust: Option<ClusterAdjustArg>,
    /// Log odds ratios in domains mixing binary and continuous outcomes: logit (x sqrt(3)/pi,
    /// default) or cox-snell (/ 1.65); overrides the options file.
    #[arg(long, value_name = "METHOD")]
    pub binary_to_smd: Option<BinaryToSmdArg>,
    /// A commissioner's scenario (TOML, as `peerstat business-case` reads it): the report adds
    /// a "Business case" section. Default: the options file's [business_case] scenario, else a
    /// file NAME_scenario.toml beside the input, if there is one.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MapFormat {
    Html,
    Csv,
    Json,
}

#[derive(Args)]
pub struct MapArgs {
    /// Input file (framework schema).
    pub input: PathBuf,
    /// Output file (egm.html for --format html).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Row variable.
    #[arg(long, default_value = "activity")]
    pub rows: String,
    /// Column variable.
    #[arg(long, default_value = "outcome_domain")]
    pub cols: String,
    /// Segment (bubble colour) variable (default: risk_of_bias, when the data have it).
    #[arg(long, value_name = "COL")]
    pub segment: Option<String>,
    /// Economic companion (arm summaries with a study column): its trials fill the cost column
    /// of the outcome domains (default: NAME_costs.EXT beside the input, when it exists).
    #[arg(long, value_name = "FILE")]
    pub costs: Option<PathBuf>,
    /// html (interactive page), csv or json (crosstab).
    #[arg(long, value_enum, default_value = "html")]
    pub format: MapFormat,
    /// Codebook (TOML) replacing seeds/framework.toml.
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Rename a column: canonical=actual (repeatable).
    #[arg(long = "col", value_name = "CANONICAL=ACTUAL")]
    pub col: Vec<String>,
    /// A cell where a study contributes several effects is pooled with the CHE model, the
    /// sampling errors of one study correlated RHO, with CR2 cluster-robust inference.
    #[arg(
        long,
        default_value_t = 0.6,
        value_name = "RHO",
        allow_hyphen_values = true
    )]
    pub rho: f64,
}
