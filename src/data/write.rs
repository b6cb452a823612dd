//! Writers: CSV and Parquet, always through a temporary file renamed into place, so an existing
//! output is never left half-written.
//!
//! Every temporary file or folder this process has open is listed in a registry, so that a
//! program stopped by a signal can remove them ([`remove_pending_temp_files`]); the next write of
//! the same output removes those left by a process that no longer runs (killed outright).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::{Column, FileKind, Table};
use crate::error::{Error, Result};

/// The temporary files and folders of this process not yet renamed into place or removed.
struct Pending {
    paths: Vec<PathBuf>,
    /// Set by [`remove_pending_temp_files`]: the process is stopping, no new temporary files.
    closed: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    paths: Vec::new(),
    closed: false,
});

fn pending() -> MutexGuard<'static, Pending> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes `tmp` off the registry (it was renamed into place or removed).
fn forget(tmp: &Path) {
    let mut p = pending();
    if let Some(i) = p.paths.iter().position(|q| q == tmp) {
        p.paths.swap_remove(i);
    }
}

/// Removes a file or a folder with its contents, ignoring errors (it may be gone already).
fn remove_any(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Removes every temporary file and folder of this process that is not yet renamed into place,
/// and refuses to create new ones from then on (creating one is an [`Error::Io`]).
///
/// For a program about to exit on a signal: the `peerstat` command calls it on TERM and INT.
/// The library installs no signal handler itself.
pub fn remove_pending_temp_files() {
    let mut p = pending();
    p.closed = true;
    for path in p.paths.drain(..) {
        remove_any(&path);
    }
}

/// The directory and file name of an output, and its temporary sibling `.NAME.tmp-PID`.
fn temp_sibling(path: &Path, fallback: &str) -> (PathBuf, String, PathBuf) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| fallback.into());
    let tmp = dir.join(format!(".{base}.tmp-{}", std::process::id()));
    (dir, base, tmp)
}

/// Whether process `pid` is running: `/proc/PID` exists where there is a `/proc` (Linux);
/// elsewhere, a temporary file modified within the last hour is taken to be in use.
fn in_use(pid: u32, tmp: &Path) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    std::fs::symlink_metadata(tmp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age < std::time::Duration::from_secs(3600))
}

/// Removes the temporary files and folders of the output `base` in `dir` (`.BASE.tmp-PID`, and
/// `.BASE.tmp-PID.old` of a folder swap) left by processes that no longer run.
fn remove_stale(dir: &Path, base: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{base}.tmp-");
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let digits = rest.strip_suffix(".old").unwrap_or(rest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(pid) = digits.parse::<u32>() else {
            continue;
        };
        let path = e.path();
        if pid != std::process::id() && !in_use(pid, &path) {
            remove_any(&path);
        }
    }
}

/// Removes the temporaries of the output `path` (a file, or a folder written as a whole) that
/// processes no longer running left beside it: `.NAME.tmp-PID` and `.NAME.tmp-PID.old` in the
/// output's folder (a run killed by SIGKILL cannot remove its own). Commands call this for each
/// output when they start, before any work; writing an output does it again.
pub fn remove_stale_temporaries(path: &Path) {
    // A folder output is swapped in by its real name (see [`TempFolder::create`]).
    let path = match std::fs::canonicalize(path) {
        Ok(c) if c.is_dir() => c,
        _ => path.to_path_buf(),
    };
    if path.file_name().is_none() {
        return;
    }
    let (dir, base, _) = temp_sibling(&path, "output");
    remove_stale(&dir, &base);
}

/// Registers `tmp` and creates it with `make` (under the registry lock, so that a concurrent
/// [`remove_pending_temp_files`] sees it); fails once the registry is closed.
fn create_registered<T>(
    tmp: &Path,
    name: &str,
    make: impl FnOnce(&Path) -> std::io::Result<T>,
) -> Result<T> {
    let mut p = pending();
    if p.closed {
        return Err(Error::io(
            name,
            std::io::Error::new(std::io::ErrorKind::Interrupted, "the program is stopping"),
        ));
    }
    let made = make(tmp).map_err(|e| Error::io(name, e))?;
    p.paths.push(tmp.to_path_buf());
    Ok(made)
}

/// A temporary file beside an output path (`.NAME.tmp-PID` in the same directory), renamed over
/// the output by [`TempFile::commit`] and removed if dropped uncommitted, so an existing output
/// is never left half-written. The one mechanism behind every write in peerstat.
///
/// Creating one removes the temporary files of the same output left by processes that no longer
/// run; while it exists, [`remove_pending_temp_files`] removes it.
///
/// An output that already exists and is not a regular file (`/dev/null`, `/dev/stdout`, a named
/// pipe) is written directly: renaming over it would replace the device with a file.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    tmp: PathBuf,
    name: String,
    done: bool,
    direct: bool,
}

impl TempFile {
    /// Creates the temporary file for `path`; returns it with a buffered writer on it.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be created.
    pub fn create(path: &Path) -> Result<(TempFile, BufWriter<File>)> {
        let name = path.display().to_string();
        if is_special(path) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io(&name, e))?;
            let t = TempFile {
                path: path.to_path_buf(),
                tmp: path.to_path_buf(),
                name,
                done: false,
                direct: true,
            };
            return Ok((t, BufWriter::new(file)));
        }
        let (dir, base, tmp) = temp_sibling(path, "output");
        remove_stale(&dir, &base);
        let file = create_registered(&tmp, &name, |p| File::create(p))?;
        let t = TempFile {
            path: path.to_path_buf(),
            tmp,
            name,
            done: false,
            direct: false,
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
        if self.direct {
            self.done = true;
            return Ok(());
        }
        file.sync_all().map_err(|e| Error::io(&self.name, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.name, e))?;
        self.done = true;
        forget(&self.tmp);
        Ok(())
    }
}

/// True when `path` exists and is not a regular file or a folder (a device or a pipe).
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done && !self.direct {
            let _ = std::fs::remove_file(&self.tmp);
            forget(&self.tmp);
        }
    }
}

/// A folder written as a whole: files go into a temporary sibling folder (`.NAME.tmp-PID`), which
/// [`TempFolder::commit`] swaps with the output folder, so that the output is either entirely
/// the old folder or entirely the new one, never a mix. Dropped uncommitted, the temporary
/// folder is removed and the output untouched.
#[derive(Debug)]
pub struct TempFolder {
    target: PathBuf,
    tmp: PathBuf,
    name: String,
    done: bool,
}

impl TempFolder {
    /// Creates the temporary folder for the output folder `path` (which need not exist; missing
    /// parent folders are created).
    ///
    /// # Errors
    /// [`Error::Io`] when `path` exists and is not a folder, names no folder (`/`, `..`), or
    /// the temporary folder cannot be created.
    pub fn create(path: &Path) -> Result<TempFolder> {
        let name = path.display().to_string();
        let io = |m: &str| Error::io(&name, std::io::Error::other(m.to_string()));
        // An existing folder by its real name, so that `.` or `out/..` have a name and a parent.
        let path = match std::fs::metadata(path) {
            Ok(m) if !m.is_dir() => return Err(io("exists and is not a folder")),
            Ok(_) => std::fs::canonicalize(path).map_err(|e| Error::io(&name, e))?,
            Err(_) => path.to_path_buf(),
        };
        if path.file_name().is_none() {
            return Err(io("names no folder that can be replaced"));
        }
        let (dir, base, tmp) = temp_sibling(&path, "output");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&name, e))?;
        remove_stale(&dir, &base);
        create_registered(&tmp, &name, |p| std::fs::create_dir(p))?;
        Ok(TempFolder {
            target: path,
            tmp,
            name,
            done: false,
        })
    }

    /// The temporary folder, to write the files into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Puts the temporary folder in place of the output folder: the old folder, if any, is
    /// renamed away, the new one renamed in, and the old one removed. A signal arriving during
    /// the two renames is handled after them.
    ///
    /// # Errors
    /// [`Error::Io`] when a rename fails (the old folder is put back and the new one removed).
    pub fn commit(mut self) -> Result<()> {
        let mut old = self.tmp.clone().into_os_string();
        old.push(".old");
        let old = PathBuf::from(old);
        {
            let mut p = pending();
            if std::fs::symlink_metadata(&self.target).is_ok() {
                std::fs::rename(&self.target, &old).map_err(|e| Error::io(&self.name, e))?;
                if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
                    let _ = std::fs::rename(&old, &self.target);
                    return Err(Error::io(&self.name, e));
                }
                p.paths.push(old.clone());
            } else {
                std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::io(&self.name, e))?;
            }
            self.done = true;
        }
        forget(&self.tmp);
        remove_any(&old);
        forget(&old);
        Ok(())
    }
}

impl Drop for TempFolder {
    fn drop(&mut self) {
        if !self.done {
            remove_any(&self.tmp);
            forget(&self.tmp);
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

/// The error of a failed CSV write to `name`: [`Error::Io`] (exit 3) when the file could not
/// be written (a full disk), else [`Error::Format`].
pub(crate) fn csv_write_error(name: &str, e: csv::Error) -> Error {
    if !e.is_io_error() {
        return Error::format(name, format!("cannot write CSV ({e})"));
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(name, io),
        k => Error::format(name, format!("cannot write CSV ({k:?})")),
    }
}

/// The error of a failed Parquet write to `name`: [`Error::Io`] (exit 3) when the file could
/// not be written (a full disk), else [`Error::Format`].
pub(crate) fn parquet_write_error(name: &str, e: parquet::errors::ParquetError) -> Error {
    use parquet::errors::ParquetError;
    match e {
        ParquetError::External(b) => match b.downcast::<std::io::Error>() {
            Ok(io) => Error::io(name, *io),
            Err(b) => Error::format(
                name,
                format!("cannot write Parquet ({})", ParquetError::External(b)),
            ),
        },
        e => Error::format(name, format!("cannot write Parquet ({e})")),
    }
}

fn write_csv<W: Write>(table: &Table, w: W, name: &str) -> Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    let io = |e: csv::Error| csv_write_error(name, e);
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

/// Converts a table to an Arrow record batch: `Int` columns as `Int64`, `Float` as `Float64`,
/// `Bool` as `Boolean`, `Str` as `Utf8`, missing values as nulls.
///
/// # Errors
/// [`Error::Format`] when Arrow refuses the columns (never for a valid [`Table`]).
pub fn to_record_batch(table: &Table) -> Result<RecordBatch> {
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
    let pq = |e: parquet::errors::ParquetError| parquet_write_error(name, e);
    let mut wr = ArrowWriter::try_new(w, batch.schema(), Some(props)).map_err(pq)?;
    wr.write(&batch).map_err(pq)?;
    wr.close().map_err(pq)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_is_replaced_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("rep");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("old.txt"), "old").unwrap();
        // Dropped uncommitted: the old folder stays, the temporary one goes.
        let f = TempFolder::create(&out).unwrap();
        std::fs::write(f.path().join("new.txt"), "new").unwrap();
        drop(f);
        assert_eq!(names(root.path()), ["rep"]);
        assert_eq!(names(&out), ["old.txt"]);
        // Committed: only the new files, no temporary or old folder left.
        let f = TempFolder::create(&out).unwrap();
        atomic_write(&f.path().join("new.txt"), |w| {
            w.write_all(b"new").map_err(|e| Error::io("new.txt", e))
        })
        .unwrap();
        f.commit().unwrap();
        assert_eq!(names(root.path()), ["rep"]);
        assert_eq!(names(&out), ["new.txt"]);
        assert!(pending().paths.iter().all(|p| !p.starts_with(root.path())));
    }

    #[test]
    fn a_file_is_not_replaced_by_a_folder() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("f.csv");
        std::fs::write(&out, "data").unwrap();
        assert!(TempFolder::create(&out).is_err());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "data");
        assert_eq!(names(root.path()), ["f.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_pipe_is_written_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: nothing to check
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        atomic_write(&fifo, |w| {
            w.write_all(b"through the pipe")
                .map_err(|e| Error::io("pipe", e))
        })
        .unwrap();
        let kind = std::fs::metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the pipe was replaced by {kind:?}");
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert_eq!(names(root.path()), ["pipe"]);
    }
}
