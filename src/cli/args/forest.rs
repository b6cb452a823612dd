//! The forest plot options of `meta` (`--forest FILE.svg`), turned into the library's
//! [`ForestLayout`].

use clap::{Args, ValueEnum};

#[cfg(doc)]
use peerstat::report::svg::ForestOptions;
use peerstat::report::svg::{Better, ForestLayout};

/// Which side of the null favours the intervention.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BetterArg {
    /// Effects below the null favour the intervention.
    Lower,
    /// Effects above the null favour the intervention.
    Higher,
}

/// How effects are shown.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TransfArg {
    /// As estimated.
    None,
    /// exp(estimate) on a log axis (precomputed log odds ratios, log hazard ratios, …).
    Exp,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Forest plot (with --forest)")]
pub struct ForestArgs {
    /// Title over the forest plot (none by default).
    #[arg(long, value_name = "TEXT", requires = "forest")]
    pub title: Option<String>,
    /// Axis label (default: the measure's name; for GEN data also the estimate column's name).
    #[arg(long, value_name = "TEXT", requires = "forest")]
    pub xlab: Option<String>,
    /// Axis limits, on the scale shown (ratios for OR/RR/IRR/ROM and --transf exp); intervals
    /// beyond them end in arrowheads. Default: the studies' intervals, leaving out those more
    /// than 4 times as wide as the median (drawn clipped, with arrows).
    #[arg(
        long,
        value_name = "LO,HI",
        value_delimiter = ',',
        allow_hyphen_values = true,
        requires = "forest"
    )]
    pub xlim: Vec<f64>,
    /// Axis ticks, on the scale shown (default: nice values whose labels do not overlap).
    #[arg(
        long,
        value_name = "X,X...",
        value_delimiter = ',',
        allow_hyphen_values = true,
        requires = "forest"
    )]
    pub at: Vec<f64>,
    /// "Favours" labels under the axis: 'INTERVENTION,COMPARATOR' (e.g. 'peer support,usual
    /// care'); the intervention's goes on the side --better names. They also name the arms of
    /// the arm-data columns.
    #[arg(long, value_name = "A,B", requires = "forest")]
    pub favours: Option<String>,
    /// Which side of the null favours the intervention: lower (default for 2x2 tables and
    /// rates, where events are harms) or higher (default otherwise).
    #[arg(long, value_enum, requires = "forest")]
    pub better: Option<BetterArg>,
    /// Row order (within each subgroup): data (default), estimate (smallest first), weight
    /// (largest first), year or any other column (ascending; missing values last).
    #[arg(long, value_name = "ORDER", requires = "forest")]
    pub sort: Option<String>,
    /// Extra text columns left of the plot, from these data columns (metafor ilab).
    #[arg(
        long,
        value_name = "COL[,COL...]",
        value_delimiter = ',',
        requires = "forest"
    )]
    pub ilab: Vec<String>,
    /// Hide the arm-data columns (events/N, mean (SD), N) shown by default when the data have
    /// them.
    #[arg(long, requires = "forest")]
    pub no_arm_data: bool,
    /// Show effects transformed: exp draws precomputed (GEN) log-scale effects as ratios on a
    /// log axis (OR/RR/IRR/ROM always are).
    #[arg(long, value_enum, default_value = "none", requires = "forest")]
    pub transf: TransfArg,
    /// Decimals of the estimates and intervals in the plot.
    #[arg(long, value_name = "N", default_value_t = 2, requires = "forest")]
    pub digits: usize,
    /// With --by: show each study's weight within its subgroup (default: within the overall
    /// model).
    #[arg(long, requires_all = ["forest", "by"])]
    pub subgroup_weights: bool,
    /// The most rows the forest plot may have (studies, headings, summaries); a larger plot is
    /// refused rather than drawn as an SVG too big to open (about 800 bytes a row).
    #[arg(long, value_name = "N", default_value_t = peerstat::report::svg::MAX_FOREST_ROWS, requires = "forest")]
    pub max_rows: usize,
}

impl ForestArgs {
    /// The layout the flags give (the library turns it into [`ForestOptions`] for the data and
    /// names the columns it reads).
    pub fn layout(&self) -> ForestLayout {
        ForestLayout {
            title: self.title.clone(),
            xlab: self.xlab.clone(),
            xlim: self.xlim.clone(),
            at: self.at.clone(),
            favours: self.favours.clone(),
            better: self.better.map(|b| match b {
                BetterArg::Lower => Better::Lower,
                BetterArg::Higher => Better::Higher,
            }),
            sort: self.sort.clone(),
            ilab: self.ilab.clone(),
            arm_data: !self.no_arm_data,
            exp: matches!(self.transf, TransfArg::Exp),
            digits: self.digits,
            subgroup_weights: self.subgroup_weights,
            max_rows: self.max_rows,
        }
    }
}
