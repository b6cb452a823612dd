//! `peerstat sql` (feature `sql`).

use std::path::Path;

use peerstat::sql::{write, Query, SqlFormat};

use crate::cli::args::sql::{SqlArgs, SqlFormatArg};
use crate::cli::{CmdResult, Failure};

/// The format asked for, or the one `-o`'s extension names, or a text table.
fn format(a: &SqlArgs) -> Result<SqlFormat, Failure> {
    let by_ext = a.output.as_deref().and_then(|p: &Path| {
        match p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Some(SqlFormat::Csv),
            Some("json") => Some(SqlFormat::Json),
            Some("parquet") => Some(SqlFormat::Parquet),
            _ => None,
        }
    });
    let f = match a.format {
        Some(SqlFormatArg::Table) => SqlFormat::Table,
        Some(SqlFormatArg::Csv) => SqlFormat::Csv,
        Some(SqlFormatArg::Json) => SqlFormat::Json,
        Some(SqlFormatArg::Parquet) => SqlFormat::Parquet,
        None => by_ext.unwrap_or(SqlFormat::Table),
    };
    if f == SqlFormat::Parquet && a.output.is_none() {
        return Err(Failure::Usage(
            "--format parquet needs an output file (-o FILE.parquet)".into(),
        ));
    }
    Ok(f)
}

/// `peerstat sql`.
pub fn sql(a: SqlArgs) -> CmdResult {
    let fmt = format(&a)?;
    let mut q = Query::new().partitions(a.threads);
    for t in &a.tables {
        let Some((name, path)) = t.split_once('=') else {
            return Err(Failure::Usage(format!("--table '{t}': expected NAME=PATH")));
        };
        q = q.table(name.trim(), Path::new(path.trim()));
    }
    #[cfg(feature = "distributed")]
    if let Some(url) = &a.ballista {
        let limit = match a.timeout {
            Some(s) if !(s.is_finite() && s > 0.0) => {
                return Err(Failure::Usage(format!(
                    "--timeout must be a positive number of seconds, got {s}"
                )))
            }
            s => s.map(std::time::Duration::from_secs_f64),
        };
        q = q.ballista(url).timeout(limit);
    }
    let batches = q.run(&a.query)?;
    match write(&batches, fmt, a.output.as_deref()) {
        // A closed pipe on standard output (e.g. `| head`) ends the command quietly.
        Err(peerstat::Error::Io { source, .. })
            if a.output.is_none() && source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        r => Ok(r?),
    }
}
