//! The library's error type.
//!
//! Every error that comes from input data names the file, and where it can, the row (1-based,
//! counting data rows, so row 1 is the first row after a CSV header) and the column, so a user can
//! find the bad cell. Errors speak the library's language: an option is named by its
//! [`Setting`], never by a command-line flag (the binary maps settings to its flags).
//!
//! # Exit codes
//!
//! [`Error::exit_code`] gives the process exit status the `peerstat` binary uses:
//!
//! | code | meaning | variants |
//! |---|---|---|
//! | 0 | success | |
//! | 1 | the model cannot be fitted to valid input: an iterative procedure did not converge, or the estimate is numerically undefined | [`Error::NotConverged`], [`Error::Tau2NotConverged`], [`Error::Undefined`], [`Error::NotRepresentable`] |
//! | 2 | usage or bad input: an option out of range or unknown, a malformed file, a bad cell, a missing column, data that cannot support the analysis asked for (too few studies, collinear moderators, an unknown strategy) | every other variant |
//! | 3 | I/O: a file could not be opened, read or written | [`Error::Io`] |

use std::fmt;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The option an [`Error::Setting`] is about, in the library's words. The `peerstat` binary maps
/// each to its command-line flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The effect measure (`effect::Measure`).
    Measure,
    /// The τ² estimator (`model::Tau2Method`).
    Method,
    /// The confidence level.
    Level,
    /// The prediction-interval convention.
    Prediction,
    /// The I² convention.
    I2,
    /// The Fisher-scoring step adjustment.
    StepAdjustment,
    /// The SMD sampling-variance type.
    VarianceType,
    /// The value added to 2×2 cells.
    Add,
    /// Which 2×2 tables get the added value.
    AddTo,
    /// A column rename (`canonical=actual`).
    ColumnMap,
    /// The assumed within-cluster correlation of robust variance estimation.
    Rho,
    /// The side trim-and-fill fills.
    Side,
    /// Orwin's target effect for the fail-safe N.
    OrwinTarget,
    /// The economic data shape.
    Shape,
    /// Willingness-to-pay values.
    Wtp,
    /// The reference strategy of a probabilistic analysis.
    Reference,
    /// The intervention and comparator arms.
    Arms,
    /// Discount rates.
    DiscountRate,
    /// The discounting timing convention.
    Timing,
    /// The number of bootstrap replicates.
    Bootstrap,
    /// The ordering column of a cumulative meta-analysis.
    Order,
    /// The number of permutations of a meta-regression's permutation test.
    Permutations,
    /// The random-effects structure of a multilevel model (`~ 1 | outer/inner`).
    Random,
    /// The sampling covariance of dependent effects (`vcalc`: clusters, observations, ρ, φ).
    SamplingCovariance,
    /// Variance components of a multilevel model held at given values (metafor's `sigma2`).
    FixedSigma2,
    /// The variances of a structured random-effects term held at given values.
    FixedTau2,
    /// The correlations of a structured random-effects term held at given values.
    FixedRho,
    /// Moderator values at which to predict.
    NewMods,
    /// Which direction is better for an outcome (`higher_is_better`).
    Direction,
    /// The image format of a plot (SVG, PNG or PDF).
    PlotFormat,
    /// The resolution of a raster plot (dots per inch).
    Dpi,
    /// The components of the treatments of a component network meta-analysis.
    Components,
    /// How the random-effects confidence intervals of a network are formed.
    RandomCi,
    /// How cluster-randomised trials are adjusted (design effect on the variance or on n).
    ClusterAdjust,
    /// The intracluster correlation used where a row gives none.
    Icc,
    /// The scale of reported confidence bounds of ratio measures (ratio or log).
    CiScale,
    /// The layout of a forest plot (axis limits and ticks, sort order, extra columns).
    Forest,
    /// The largest block of a multilevel model's marginal covariance (effects in one cluster).
    MaxBlock,
    /// Scale-model values at which to predict τ² (location-scale models).
    NewScale,
    /// The two-sided level of the test of PET's intercept that chooses PEESE.
    PetPeeseAlpha,
    /// A selection model (its type, steps, fixed δ or alternative).
    Selection,
    /// Value-of-information options (parameters, EVPPI/EVSI method, blocks, designs, population).
    Voi,
    /// A prior of the Bayesian random-effects model (for τ or μ) or its interval type.
    Prior,
    /// A linear contrast of the coefficients.
    Contrast,
    /// A fail-safe N type (`diag::FsnType`).
    FsnType,
    /// The GLMM (`model::glmm`: its model for two-group data, its quadrature points).
    Glmm,
}

impl Setting {
    /// The setting's name in words.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Measure => "effect measure",
            Setting::Method => "tau^2 estimator",
            Setting::Level => "confidence level",
            Setting::Prediction => "prediction interval",
            Setting::I2 => "I^2 convention",
            Setting::StepAdjustment => "step adjustment",
            Setting::VarianceType => "variance type",
            Setting::Add => "value added to 2x2 cells",
            Setting::AddTo => "tables that get the added value",
            Setting::ColumnMap => "column rename",
            Setting::Rho => "rho",
            Setting::Side => "trim-and-fill side",
            Setting::OrwinTarget => "Orwin's target",
            Setting::Shape => "data shape",
            Setting::Wtp => "willingness to pay",
            Setting::Reference => "reference strategy",
            Setting::Arms => "arms to compare",
            Setting::DiscountRate => "discount rate",
            Setting::Timing => "discount timing",
            Setting::Bootstrap => "bootstrap replicates",
            Setting::Order => "cumulative order",
            Setting::Permutations => "permutations",
            Setting::Random => "random-effects structure",
            Setting::SamplingCovariance => "sampling covariance",
            Setting::FixedSigma2 => "fixed variance components",
            Setting::FixedTau2 => "fixed structured variances",
            Setting::FixedRho => "fixed structured correlations",
            Setting::NewMods => "new moderator values",
            Setting::PlotFormat => "plot format",
            Setting::Dpi => "plot resolution",
            Setting::Components => "treatment components",
            Setting::RandomCi => "random-effects confidence interval method",
            Setting::Direction => "outcome direction",
            Setting::ClusterAdjust => "cluster adjustment",
            Setting::Icc => "intracluster correlation",
            Setting::CiScale => "scale of confidence bounds",
            Setting::Forest => "forest plot layout",
            Setting::MaxBlock => "largest cluster of a multilevel model",
            Setting::NewScale => "new scale values",
            Setting::PetPeeseAlpha => "PET-PEESE test level",
            Setting::Selection => "selection model",
            Setting::Voi => "value-of-information options",
            Setting::Prior => "Bayesian prior",
            Setting::Contrast => "contrast of coefficients",
            Setting::FsnType => "fail-safe N type",
            Setting::Glmm => "GLMM",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in peerstat.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened, read or written.
    #[error("{file}: {source}")]
    Io {
        /// File path as given.
        file: String,
        /// Underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid CSV or Parquet (corrupt, truncated, ragged rows, unsupported type).
    #[error("{file}: {message}")]
    Format {
        /// File path as given.
        file: String,
        /// What is wrong, with the line or row where known.
        message: String,
    },
    /// A column needed by the analysis is absent.
    #[error("{file}: missing column '{column}' (needed {purpose}); columns present: {available}")]
    MissingColumn {
        /// File path as given.
        file: String,
        /// Column name that was looked for (the actual name after renames).
        column: String,
        /// The canonical name of the column.
        canonical: String,
        /// Why the column is needed.
        purpose: String,
        /// Comma-separated list of the columns the file has.
        available: String,
    },
    /// A cell holds a value that cannot be used.
    #[error("{file}: {}, column '{column}': {message}", Row(*row, *line))]
    Value {
        /// File path as given.
        file: String,
        /// 1-based data row.
        row: usize,
        /// 1-based line in a CSV file (header is line 1), when the input is CSV.
        line: Option<usize>,
        /// Column name as it appears in the file.
        column: String,
        /// What is wrong with the value.
        message: String,
    },
    /// The input has no data rows (or none left after omitting rows with missing values).
    #[error("{file}: {message}")]
    Empty {
        /// File path as given.
        file: String,
        /// Explanation.
        message: String,
    },
    /// An option has a value that is not accepted (unknown name, out of range).
    #[error("{message}")]
    Setting {
        /// Which option.
        setting: Setting,
        /// What is wrong, in the library's words.
        message: String,
    },
    /// A value passed to a library function (not read from a file) cannot be used.
    #[error("{what}: {message}")]
    Input {
        /// What the value is (for example "arm 'peer'", "effect 3").
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// Inputs that must have one entry each differ in length.
    #[error("{what}: expected {expected} values, got {found}")]
    Length {
        /// Which input.
        what: &'static str,
        /// Length required.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// Too few studies (clusters, patients, levels …) for the analysis.
    #[error("{analysis} needs at least {needed} {unit} (found {found}){note}")]
    TooFew {
        /// The analysis.
        analysis: String,
        /// Minimum needed.
        needed: usize,
        /// Number available.
        found: usize,
        /// What is counted ("studies", "clusters", …).
        unit: &'static str,
        /// Extra explanation, starting with "; " (may be empty).
        note: String,
    },
    /// A name (strategy, arm, column of a shape) is not in the data.
    #[error("{} ({kind_plural}: {})", not_found(kind, name), available.join(", "))]
    NotFound {
        /// What kind of thing ("strategy", "arm").
        kind: &'static str,
        /// Its plural.
        kind_plural: &'static str,
        /// The name asked for.
        name: String,
        /// The names present.
        available: Vec<String>,
    },
    /// The economic data shape cannot be told from the columns.
    #[error("{file}: cannot tell the data shape from its columns ({}). Expected strategies (strategy, cost, effect), draws (draw, strategy, cost, effect), patients (id, arm, cost, effect) or arms (arm, n, mean_cost, sd_cost, mean_effect, sd_effect, corr); rename columns or name the shape", columns.join(", "))]
    UnknownShape {
        /// File path as given.
        file: String,
        /// The columns present.
        columns: Vec<String>,
    },
    /// A design (moderators, covariates) is rank-deficient.
    #[error("{message}")]
    Singular {
        /// What is collinear, naming the columns.
        message: String,
    },
    /// An estimate is numerically undefined for these data.
    #[error("{what} is undefined for these data: {reason}")]
    Undefined {
        /// The estimate.
        what: String,
        /// Why.
        reason: String,
    },
    /// An iterative procedure (other than τ² estimation) did not converge.
    #[error("{procedure} did not converge in {iterations} iterations{detail}")]
    NotConverged {
        /// The procedure.
        procedure: &'static str,
        /// Iterations used.
        iterations: usize,
        /// Where it stopped and what may help (empty, or starting with "; ").
        detail: String,
    },
    /// A SQL query could not be planned or run (feature `sql`).
    #[cfg(feature = "sql")]
    #[error("query failed: {message}")]
    Query {
        /// DataFusion's message.
        message: String,
    },
    /// A Ballista scheduler or executor could not start or stopped serving (feature
    /// `distributed`).
    #[cfg(feature = "distributed")]
    #[error("{process}: {message}")]
    Cluster {
        /// The process and its address.
        process: String,
        /// Ballista's message.
        message: String,
    },
    /// A model was given no studies.
    #[error("no studies to analyse")]
    NoStudies,
    /// A study passed to a model holds an unusable value (non-finite effect, non-positive
    /// variance).
    #[error("study {index}: {message}")]
    BadStudy {
        /// 1-based study index.
        index: usize,
        /// What is wrong.
        message: &'static str,
    },
    /// The effects (`yi`) and sampling variances (`vi`) passed to a model differ in length.
    #[error("yi has {yi} values but vi has {vi}")]
    UnequalLengths {
        /// Length of `yi`.
        yi: usize,
        /// Length of `vi`.
        vi: usize,
    },
    /// Too few studies for a model option.
    #[error("{what} needs at least {needed} studies (k = {k})")]
    TooFewStudies {
        /// The option.
        what: &'static str,
        /// Minimum k.
        needed: usize,
        /// Actual k.
        k: usize,
    },
    /// A result is not representable in double precision (overflow, underflow): the effects or
    /// variances span too many orders of magnitude.
    #[error("{what} is not representable in double precision: the effect sizes or sampling variances span too many orders of magnitude (rescale the data)")]
    NotRepresentable {
        /// Which result.
        what: &'static str,
    },
    /// An iterative τ² estimator did not converge.
    #[error("the {method} estimator of tau^2 did not converge in {iterations} iterations (Fisher scoring); damp the steps (a step adjustment of 0.5), or use another estimator (PM, DL)")]
    Tau2NotConverged {
        /// The estimator's code (`REML`, `ML`, …).
        method: &'static str,
        /// Iterations used.
        iterations: usize,
    },
}

fn not_found(kind: &str, name: &str) -> String {
    match kind {
        "strategy" => format!("'{name}' is not a strategy"),
        _ => format!("{kind} '{name}' is not in the data"),
    }
}

struct Row(usize, Option<usize>);

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(line) => write!(f, "row {} (line {})", self.0, line),
            None => write!(f, "row {}", self.0),
        }
    }
}

impl Error {
    /// Process exit code (see the [module documentation](self)): 3 for I/O, 1 when the model
    /// cannot be fitted to valid input, 2 for everything else (usage and bad input).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io { .. } => 3,
            Error::NotConverged { .. }
            | Error::Tau2NotConverged { .. }
            | Error::Undefined { .. }
            | Error::NotRepresentable { .. } => 1,
            _ => 2,
        }
    }

    /// An [`Error::Io`] for `file`.
    pub fn io(file: &str, source: std::io::Error) -> Self {
        Error::Io {
            file: file.to_string(),
            source,
        }
    }

    pub(crate) fn format(file: &str, message: impl Into<String>) -> Self {
        Error::Format {
            file: file.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn setting(setting: Setting, message: impl Into<String>) -> Self {
        Error::Setting {
            setting,
            message: message.into(),
        }
    }

    pub(crate) fn input(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            what: what.into(),
            message: message.into(),
        }
    }

    /// An [`Error::Singular`] for a rank-deficient moderator design whose moderators are not
    /// named.
    pub(crate) fn collinear() -> Self {
        Error::Singular {
            message: "the moderators are collinear (the design matrix is singular)".into(),
        }
    }

    /// Checks that `found == expected` for an input that needs one entry per item.
    pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
        if expected == found {
            Ok(())
        } else {
            Err(Error::Length {
                what,
                expected,
                found,
            })
        }
    }
}

/// Checks a confidence level in percent (50 < level < 100; values in (0.5, 1) are read as
/// proportions) and returns it in percent.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Level`]) outside that range.
pub fn check_level(level: f64) -> Result<f64> {
    let pct = if level > 0.5 && level < 1.0 {
        level * 100.0
    } else {
        level
    };
    if pct > 50.0 && pct < 100.0 {
        Ok(pct)
    } else {
        Err(Error::setting(
            Setting::Level,
            format!("confidence level must lie between 50 and 100 (percent), got {level}"),
        ))
    }
}
