//! The library's error type.
//!
//! Every error that comes from input data names the file, and where it can, the row (1-based,
//! counting data rows, so row 1 is the first row after a CSV header) and the column, so a user can
//! find the bad cell. The binary maps [`Error::exit_code`] to its process exit status.

use std::fmt;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    #[error("{file}: missing column '{column}' (needed {purpose}); columns present: {available}. Rename with --col {canonical}=ACTUAL")]
    MissingColumn {
        /// File path as given.
        file: String,
        /// Column name that was looked for (the actual name after `--col` renames).
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
    /// An option value is not recognised or inconsistent (unknown measure or method, bad level, …).
    #[error("{0}")]
    Invalid(String),
    /// The model could not be fitted.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
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
    /// Process exit code the CLI uses: 2 for bad input or options, 1 for model failures
    /// (for example, an iterative estimator that did not converge).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Model(_) => 1,
            _ => 2,
        }
    }

    pub(crate) fn io(file: &str, source: std::io::Error) -> Self {
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
}
