//! Running a SQL query over Parquet and CSV files, and writing its result.

use std::path::{Path, PathBuf};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};

use super::register::with_peerstat;
use crate::error::{Error, Result};

/// A query and the files it reads.
#[derive(Debug, Clone, Default)]
pub struct Query {
    tables: Vec<(String, PathBuf)>,
    partitions: Option<usize>,
    #[cfg(feature = "distributed")]
    ballista: Option<String>,
    #[cfg(feature = "distributed")]
    timeout: Option<std::time::Duration>,
}

/// How a query's result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlFormat {
    /// An aligned text table.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of row objects.
    Json,
    /// Parquet.
    Parquet,
}

fn query_error(e: impl std::fmt::Display) -> Error {
    Error::Query {
        message: e.to_string(),
    }
}

/// A session with peerstat's functions registered, `partitions` target partitions (default:
/// the number of cores), quoted file paths usable as tables (`FROM 'data/*.parquet'`), and the
/// [`SinglePhase`](super::SinglePhase) plan for the row-collecting aggregates.
pub fn context(partitions: Option<usize>) -> SessionContext {
    let mut config = SessionConfig::new();
    if let Some(n) = partitions {
        config = config.with_target_partitions(n.max(1));
    }
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build();
    SessionContext::new_with_state(with_peerstat(state)).enable_url_table()
}

/// Whether a table path is CSV (`.csv` files, or a directory holding some and no Parquet).
fn is_csv(path: &Path) -> bool {
    let ext = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
    };
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return false;
        };
        let exts: Vec<Option<String>> = entries.flatten().map(|e| ext(&e.path())).collect();
        return exts.iter().any(|e| e.as_deref() == Some("csv"))
            && !exts.iter().any(|e| e.as_deref() == Some("parquet"));
    }
    ext(path).as_deref() == Some("csv")
}

impl Query {
    /// A query with no tables registered.
    pub fn new() -> Self {
        Query::default()
    }

    /// Registers the Parquet or CSV file, or directory of such files, `path` as table `name`.
    pub fn table(mut self, name: &str, path: &Path) -> Self {
        self.tables.push((name.to_string(), path.to_path_buf()));
        self
    }

    /// Target partitions (parallel streams, and worker threads; default: the number of cores).
    /// Results do not depend on it.
    pub fn partitions(mut self, n: Option<usize>) -> Self {
        self.partitions = n;
        self
    }

    /// Runs the query on the Ballista cluster whose scheduler is at `url` (`df://HOST:PORT`,
    /// feature `distributed`) instead of in this process. Table paths are made absolute: the
    /// executors read the files themselves, so they must see them at the same paths.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use peerstat::sql::Query;
    /// let batches = Query::new()
    ///     .table("bulk", std::path::Path::new("bulk/"))
    ///     .ballista("df://localhost:50050")
    ///     .run("SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id")?;
    /// # Ok::<(), peerstat::Error>(())
    /// ```
    #[cfg(feature = "distributed")]
    pub fn ballista(mut self, url: &str) -> Self {
        self.ballista = Some(url.to_string());
        self
    }

    /// Gives up on a query sent to a cluster ([`Query::ballista`]) that has no result after
    /// `limit` (default: waits as long as it takes). The job may go on on the cluster.
    #[cfg(feature = "distributed")]
    pub fn timeout(mut self, limit: Option<std::time::Duration>) -> Self {
        self.timeout = limit;
        self
    }

    /// The session the query runs in: local, or a Ballista client.
    fn session(&self) -> Result<SessionContext> {
        #[cfg(feature = "distributed")]
        if let Some(url) = &self.ballista {
            return super::distributed::remote_context(url, self.partitions);
        }
        Ok(context(self.partitions))
    }

    /// A DataFusion error as [`Error::Query`], naming the cluster when there is one.
    fn error(&self, e: impl std::fmt::Display) -> Error {
        #[cfg(feature = "distributed")]
        if let Some(url) = &self.ballista {
            return query_error(format!("on Ballista {url}: {e}"));
        }
        query_error(e)
    }

    /// `path` as the query's processes open it: absolute on a cluster, whose executors may run
    /// in other directories.
    fn table_path(&self, path: &Path) -> Result<String> {
        #[cfg(feature = "distributed")]
        if self.ballista.is_some() {
            let abs = std::fs::canonicalize(path)
                .map_err(|e| Error::io(&path.display().to_string(), e))?;
            return Ok(abs.display().to_string());
        }
        Ok(path.display().to_string())
    }

    /// Runs `sql` and returns its result.
    ///
    /// # Errors
    /// [`Error::Io`] when a table's path does not exist; [`Error::Query`] when the query cannot
    /// be planned or run (syntax, unknown table or column, bad function options, unreadable
    /// file; on a cluster also an unreachable scheduler or a failed job). A group that a
    /// function cannot analyse is not an error: it fills that group's
    /// `error` field.
    pub fn run(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        for (_, p) in &self.tables {
            if !p.exists() {
                return Err(Error::io(
                    &p.display().to_string(),
                    std::io::Error::from(std::io::ErrorKind::NotFound),
                ));
            }
        }
        let mut rt = tokio::runtime::Builder::new_multi_thread();
        // Timers and sockets (a Ballista client's gRPC).
        rt.enable_all();
        if let Some(n) = self.partitions {
            rt.worker_threads(n.max(1));
        }
        let rt = rt.build().map_err(|e| Error::io("tokio runtime", e))?;
        rt.block_on(self.run_async(sql))
    }

    /// [`Query::run`] within a running Tokio runtime.
    ///
    /// # Errors
    /// As [`Query::run`].
    pub async fn run_async(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let ctx = self.session()?;
        for (name, path) in &self.tables {
            let p = self.table_path(path)?;
            let registered = if is_csv(path) {
                ctx.register_csv(name.as_str(), &p, CsvReadOptions::new())
                    .await
            } else {
                let opts = ParquetReadOptions::default();
                ctx.register_parquet(name.as_str(), &p, opts).await
            };
            registered.map_err(|e| self.error(e))?;
        }
        let df = ctx.sql(sql).await.map_err(|e| self.error(e))?;
        #[cfg(feature = "distributed")]
        if let (Some(limit), Some(_)) = (self.timeout, &self.ballista) {
            return match tokio::time::timeout(limit, df.collect()).await {
                Ok(r) => r.map_err(|e| self.error(e)),
                Err(_) => Err(self.error(format!(
                    "no result within {} s (the job may still run on the cluster)",
                    limit.as_secs_f64()
                ))),
            };
        }
        df.collect().await.map_err(|e| self.error(e))
    }
}

/// Writes `batches` as `format` to `out` (standard output when `None`; Parquet needs a file).
///
/// # Errors
/// [`Error::Io`] when the output cannot be written; [`Error::Query`] when the result cannot be
/// encoded in the format.
pub fn write(batches: &[RecordBatch], format: SqlFormat, out: Option<&Path>) -> Result<()> {
    use std::io::Write;
    let name = out.map_or("standard output".to_string(), |p| p.display().to_string());
    let io = |e: std::io::Error| Error::io(&name, e);
    let mut sink: Box<dyn Write + Send> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(io)?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    match format {
        SqlFormat::Table => {
            let text = datafusion::arrow::util::pretty::pretty_format_batches(batches)
                .map_err(query_error)?;
            writeln!(sink, "{text}").map_err(io)?;
        }
        SqlFormat::Csv => {
            let mut w = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut sink);
            for b in batches {
                w.write(&flatten(b)?).map_err(query_error)?;
            }
        }
        SqlFormat::Json => {
            let mut w = datafusion::arrow::json::ArrayWriter::new(&mut sink);
            for b in batches {
                w.write(b).map_err(query_error)?;
            }
            w.finish().map_err(query_error)?;
            drop(w);
            writeln!(sink).map_err(io)?;
        }
        SqlFormat::Parquet => {
            let schema = batches
                .first()
                .map(|b| b.schema())
                .ok_or_else(|| Error::Query {
                    message: "the query returned no batches to write as Parquet".into(),
                })?;
            // As `reanalyse`'s output: result columns are mostly distinct floats, so
            // dictionary pages would only cost time.
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .set_dictionary_enabled(false)
                .build();
            let mut w = parquet::arrow::ArrowWriter::try_new(&mut sink, schema, Some(props))
                .map_err(query_error)?;
            for b in batches {
                w.write(b).map_err(query_error)?;
            }
            w.close().map_err(query_error)?;
        }
    }
    sink.flush().map_err(io)
}

/// `batch` with each struct column replaced by its fields (for CSV), named by the field alone
/// when no other output column has that name, else `COLUMN.FIELD`.
fn flatten(batch: &RecordBatch) -> Result<RecordBatch> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = batch.schema();
    let mut parts: Vec<(String, Field, datafusion::arrow::array::ArrayRef)> = Vec::new();
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        match (f.data_type(), c.as_struct_opt()) {
            (DataType::Struct(_), Some(s)) => {
                for (sf, sc) in s.fields().iter().zip(s.columns()) {
                    // A null struct row makes its fields null.
                    let sc = match s.nulls() {
                        Some(n) if n.null_count() > 0 => datafusion::arrow::compute::nullif(
                            sc,
                            &datafusion::arrow::array::BooleanArray::from(
                                (0..s.len()).map(|i| s.is_null(i)).collect::<Vec<_>>(),
                            ),
                        )
                        .map_err(query_error)?,
                        _ => sc.clone(),
                    };
                    parts.push((f.name().clone(), sf.as_ref().clone(), sc));
                }
            }
            _ => parts.push((String::new(), f.as_ref().clone(), c.clone())),
        }
    }
    let count = |n: &str| parts.iter().filter(|p| p.1.name() == n).count();
    let fields: Vec<Field> = parts
        .iter()
        .map(|(parent, f, _)| {
            if parent.is_empty() || count(f.name()) == 1 {
                f.clone().with_nullable(true)
            } else {
                f.clone()
                    .with_name(format!("{parent}.{}", f.name()))
                    .with_nullable(true)
            }
        })
        .collect();
    let columns = parts.into_iter().map(|p| p.2).collect();
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), columns).map_err(query_error)
}
