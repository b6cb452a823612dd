//! Writers: CSV and Parquet, always through a temporary file renamed into place, so an existing
//! output is never left half-written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::{Column, FileKind, Table};
use crate::error::{Error, Result};

/// A temporary file beside an output path (`.NAME.tmp-PID` in the same directory), renamed over
/// the output by [`TempFile::commit`] and removed if dropped uncommitted, so an existing output
/// is never left half-written. The one mechanism behind every write in peerstat.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    tmp: PathBuf,
    name: String,
    done: bool,
}

impl TempFile {
    /// Creates the temporary file for `path`; returns it with a buffered writer on it.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be created.
    pub fn create(path: &Path) -> Result<(TempFile, BufWriter<File>)> {
        let name = path.display().to_string();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base = path
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "output".into());
        let tmp = dir.join(format!(".{base}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|e| Error::io(&name, e))?;
        let t = TempFile {
            path: path.to_path_buf(),
            tmp,
            name,
            done: false,
        };
        Ok((t, BufWriter::new(file)))
    }

    /// The output path as given (for messages).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Flushes `w`, syncs it to disk and renames the temporary file over the output.
    ///
    /// # Errors
    /// [`Error::Io`] when flushing, syncing or renaming fails (the temporary file is removed).
    pub fn commit(mut self, w: BufWriter<File>) -> Result<()> {
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&self.name, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.name, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.name, e))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes to `path` atomically: `f` writes into a [`TempFile`], which is renamed over `path` only
/// when `f` succeeds. On failure the temporary file is removed and any existing `path` is
/// untouched.
///
/// # Errors
/// [`Error::Io`] when the temporary file cannot be created or renamed, or whatever `f` returns.
pub fn atomic_write<F>(path: &Path, f: F) -> Result<()>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<()>,
{
    let (tmp, mut w) = TempFile::create(path)?;
    f(&mut w)?;
    tmp.commit(w)
}

/// Writes a table as CSV or Parquet (chosen by the extension of `path`), atomically.
///
/// # Errors
/// [`Error::Format`] for an unknown extension; [`Error::Io`] on write failure.
pub fn write_table(table: &Table, path: &Path) -> Result<()> {
    write_table_with_metadata(table, path, &[])
}

/// As [`write_table`], adding key–value metadata to a Parquet file's footer (ignored for CSV),
/// e.g. `("peerstat.simulated", "true")`.
///
/// # Errors
/// As [`write_table`].
pub fn write_table_with_metadata(
    table: &Table,
    path: &Path,
    metadata: &[(&str, &str)],
) -> Result<()> {
    let name = path.display().to_string();
    match FileKind::output(path)? {
        FileKind::Parquet => atomic_write(path, |w| write_parquet(table, w, &name, metadata)),
        _ => atomic_write(path, |w| write_csv(table, w, &name)),
    }
}

fn write_csv<W: Write>(table: &Table, w: W, name: &str) -> Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    let io = |e: csv::Error| Error::format(name, format!("cannot write CSV: {e}"));
    wr.write_record(table.names()).map_err(io)?;
    let mut rec: Vec<String> = Vec::with_capacity(table.names().len());
    for i in 0..table.nrows() {
        rec.clear();
        for c in table.columns() {
            rec.push(c.text(i).unwrap_or_default());
        }
        wr.write_record(&rec).map_err(io)?;
    }
    wr.flush().map_err(|e| Error::io(name, e))
}

/// Converts a table to an Arrow record batch.
pub(crate) fn to_record_batch(table: &Table) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(table.names().len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(table.names().len());
    for (name, col) in table.names().iter().zip(table.columns()) {
        let (dt, arr): (DataType, ArrayRef) = match col {
            Column::Int(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
            Column::Float(v) => (DataType::Float64, Arc::new(Float64Array::from(v.clone()))),
            Column::Bool(v) => (DataType::Boolean, Arc::new(BooleanArray::from(v.clone()))),
            Column::Str(v) => (
                DataType::Utf8,
                Arc::new(StringArray::from_iter(v.iter().map(|s| s.as_deref()))),
            ),
        };
        fields.push(Field::new(name, dt, true));
        arrays.push(arr);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| Error::format(table.source(), format!("cannot build output ({e})")))
}

fn write_parquet<W: Write + Send>(
    table: &Table,
    w: W,
    name: &str,
    metadata: &[(&str, &str)],
) -> Result<()> {
    let batch = to_record_batch(table)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_key_value_metadata((!metadata.is_empty()).then(|| {
            metadata
                .iter()
                .map(|(k, v)| parquet::file::metadata::KeyValue::new(k.to_string(), v.to_string()))
                .collect()
        }))
        .build();
    let pq = |e: parquet::errors::ParquetError| {
        Error::format(name, format!("cannot write Parquet ({e})"))
    };
    let mut wr = ArrowWriter::try_new(w, batch.schema(), Some(props)).map_err(pq)?;
    wr.write(&batch).map_err(pq)?;
    wr.close().map_err(pq)?;
    Ok(())
}
