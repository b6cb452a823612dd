//! Options of `peerstat sql` (feature `sql`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Help shown after `peerstat sql --help`.
pub const SQL_AFTER: &str = "\
Functions (aggregates; one struct per group, fields as `reanalyse` columns):
  rma(yi, vi [, method [, knha [, level]]])    random-effects model (REML default)
  egger(yi, vi [, method [, knha [, level]]])  Egger's regression test
  rma_mh(ai, n1, ci, n2 [, measure [, level]]) Mantel-Haenszel common effect (OR default, RR, RD)
Scalar: escalc(measure, ...arm columns) -> struct(yi, vi, error), one signature per family:
  'SMD'|'MD'|'ROM'|'SMDH': n_t, mean_t, sd_t, n_c, mean_c, sd_c
  'OR'|'RR'|'RD'|'AS': events_t, n_t, events_c, n_c
  'IRR'|'IRD'|'IRSD': events_t, person_time_t, events_c, person_time_c
  'SMCC'|'SMCRH': mean_post, sd_post, mean_pre, sd_pre, n, ri;  'SMCR': mean_post, mean_pre, sd_pre, n, ri
  'COR'|'ZCOR': ri, n;  'PR'|'PLO'|'PFT': events, n;  'GEN': yi, vi
Struct fields: fit['estimate'].
A group that cannot be analysed gets its `error` field and nulls; the query goes on. Rows are
sorted by (yi, vi) within a group before the fit, so results do not depend on --threads.
The aggregates run in one phase: rows are hash-shuffled by the GROUP BY keys and aggregated
once (prefix the query with EXPLAIN to see the plan).

Tables: --table NAME=PATH (a .parquet or .csv file, or a directory of them), or a quoted path
in FROM.

Examples:
  peerstat simulate --analyses 100000 -o bulk.parquet
  peerstat sql --table bulk=bulk.parquet \\
      \"SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id\"
  peerstat sql \"SELECT analysis_id, unnest(rma(yi, vi)) FROM 'bulk.parquet' GROUP BY analysis_id\" \\
      --format parquet -o results.parquet";

/// Output formats of `peerstat sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlFormatArg {
    /// Aligned text table.
    Table,
    /// CSV with a header row.
    Csv,
    /// JSON array of row objects.
    Json,
    /// Parquet (needs -o).
    Parquet,
}

/// Arguments of `peerstat sql`.
#[derive(Args)]
pub struct SqlArgs {
    /// The query (DataFusion SQL).
    pub query: String,
    /// Register a Parquet or CSV file, or a directory of them, as a table: NAME=PATH
    /// (repeatable).
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub tables: Vec<String>,
    /// Output format (default: from the -o extension, else a text table).
    #[arg(long, value_enum)]
    pub format: Option<SqlFormatArg>,
    /// Output file (default: standard output).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Target partitions and worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Run the query on the Apache Ballista cluster whose scheduler is at df://HOST:PORT (see
    /// `peerstat scheduler` and `peerstat executor`). Its executors read the tables' files at
    /// the same (absolute) paths.
    #[cfg(feature = "distributed")]
    #[arg(long, value_name = "df://HOST:PORT")]
    pub ballista: Option<String>,
    /// With --ballista: give up when the cluster has no result after SECS seconds (default:
    /// wait as long as it takes).
    #[cfg(feature = "distributed")]
    #[arg(long, value_name = "SECS", requires = "ballista")]
    pub timeout: Option<f64>,
}
