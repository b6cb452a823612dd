//! CSV and Parquet readers.

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use super::arrow::{append, duration_columns, duration_message, empty_column};
use super::{Column, ColumnMap, FileKind, Table};
use crate::error::{Error, Result};

/// Tokens read as a missing value in CSV files (besides an empty cell).
pub const MISSING_TOKENS: &[&str] = &["NA", "N/A", "null", "NULL"];

/// Reads a CSV (`.csv`, `.tsv`, `.txt`) or Parquet (`.parquet`, `.pq`) file, chosen by extension.
///
/// CSV column types are inferred: a column whose present cells all parse as integers is integer,
/// as numbers is numeric, as `true`/`false` is logical, otherwise text. Empty cells and `NA`
/// are missing.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened; [`Error::Format`] for an unknown extension,
/// ragged or non-UTF-8 CSV, a corrupt or truncated Parquet file, or an unsupported column type;
/// [`Error::Empty`] when there are no data rows.
pub fn read_table(path: &Path, map: &ColumnMap) -> Result<Table> {
    let name = path.display().to_string();
    let table = match FileKind::of(path) {
        Some(FileKind::Csv) => read_csv(path, &name, b',')?,
        Some(FileKind::Tsv) => read_csv(path, &name, b'\t')?,
        Some(FileKind::Parquet) => read_parquet(path, &name)?,
        None => {
            return Err(Error::format(
                &name,
                "unknown file type: use a .csv, .tsv or .parquet extension",
            ))
        }
    };
    if table.nrows() == 0 {
        return Err(Error::Empty {
            file: name,
            message: "the file has no data rows".into(),
        });
    }
    Ok(table.with_map(map.clone()))
}

fn is_missing_token(s: &str) -> bool {
    s.is_empty() || MISSING_TOKENS.contains(&s)
}

/// The field delimiter of a delimited text file: `declared` (`,` for `.csv`, tab for `.tsv`)
/// unless the header line has none of it outside quotes but has commas, tabs or semicolons; then
/// the most frequent of those (so a tab- or semicolon-separated `.csv` is read as such).
fn sniff_delimiter(bytes: &[u8], declared: u8) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let (mut counts, mut quoted) = ([0usize; 3], false);
    const CANDIDATES: [u8; 3] = [b',', b'\t', b';'];
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = CANDIDATES.iter().position(|&c| c == b) {
                counts[k] += 1;
            }
        }
    }
    let declared_seen = CANDIDATES
        .iter()
        .position(|&c| c == declared)
        .is_some_and(|k| counts[k] > 0);
    match (0..3).filter(|&k| counts[k] > 0).max_by_key(|&k| counts[k]) {
        Some(k) if !declared_seen => CANDIDATES[k],
        _ => declared,
    }
}

fn read_csv(path: &Path, name: &str, declared: u8) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(name, e))?;
    let delim = sniff_delimiter(&bytes, declared);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    // Line numbers from byte offsets (the csv crate's own line count skips blank lines).
    let (mut line, mut seen) = (1u64, 0usize);
    let mut line_at = |offset: usize| {
        // A record's position may point at blank lines skipped before it.
        let mut offset = offset.min(bytes.len());
        while offset < bytes.len() && matches!(bytes[offset], b'\n' | b'\r') {
            offset += 1;
        }
        line += bytes[seen..offset].iter().filter(|&&b| b == b'\n').count() as u64;
        seen = offset;
        line
    };
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(name, e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::Empty {
            file: name.to_string(),
            message: "the file is empty (no header line)".into(),
        });
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(Error::format(
                name,
                format!("header field {} is empty: every column needs a name", i + 1),
            ));
        }
    }
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); headers.len()];
    let mut lines = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                lines.push(rec.position().map_or(0, |p| line_at(p.byte() as usize)));
                for (j, field) in rec.iter().enumerate() {
                    cells[j].push(if is_missing_token(field) {
                        None
                    } else {
                        Some(field.to_string())
                    });
                }
            }
            Err(e) => return Err(csv_error(name, e)),
        }
    }
    let decimal_comma = delim == b';' && super::decimal_comma::detect(&cells);
    if decimal_comma {
        super::decimal_comma::convert(&mut cells);
    }
    let cols = headers
        .into_iter()
        .zip(cells)
        .map(|(h, c)| (h, infer(c)))
        .collect();
    let mut t = Table::from_columns(name, cols)?;
    t.set_lines(lines);
    if decimal_comma {
        t.set_decimal_comma();
    }
    Ok(t)
}

fn csv_error(name: &str, e: csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            let line = pos.as_ref().map(|p| p.line()).unwrap_or(0);
            Error::format(
                name,
                format!(
                    "line {line} has {len} fields but the header has {expected_len} (ragged CSV)"
                ),
            )
        }
        csv::ErrorKind::Utf8 { pos, .. } => Error::format(
            name,
            format!(
                "line {} is not valid UTF-8 text",
                pos.as_ref().map(|p| p.line()).unwrap_or(0)
            ),
        ),
        csv::ErrorKind::Io(_) => Error::format(name, format!("cannot read: {e}")),
        _ => Error::format(name, format!("invalid CSV: {e}")),
    }
}

/// Infers a column type from text cells.
fn infer(cells: Vec<Option<String>>) -> Column {
    let present = || cells.iter().flatten();
    if present().all(|s| s.parse::<i64>().is_ok()) {
        return Column::Int(
            cells
                .iter()
                .map(|c| c.as_ref().and_then(|s| s.parse().ok()))
                .collect(),
        );
    }
    if present().all(|s| s.parse::<f64>().is_ok()) {
        return Column::Float(
            cells
                .iter()
                .map(|c| c.as_ref().and_then(|s| s.parse().ok()))
                .collect(),
        );
    }
    let as_bool = |s: &str| match s.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    if present().all(|s| as_bool(s).is_some()) {
        return Column::Bool(
            cells
                .iter()
                .map(|c| c.as_deref().and_then(as_bool))
                .collect(),
        );
    }
    Column::Str(cells)
}

/// Opens a Parquet file for reading with Arrow.
///
/// The embedded Arrow schema (`ARROW:schema` metadata) is not decoded: column types come from
/// the Parquet schema, and a corrupt Arrow schema (which makes arrow-ipc panic) cannot stop the
/// read. Any panic inside the decoder is turned into an error naming the file.
pub(crate) fn open_parquet(
    path: &Path,
    name: &str,
) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let file = File::open(path).map_err(|e| Error::io(name, e))?;
    let opts = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    guard(name, || {
        ParquetRecordBatchReaderBuilder::try_new_with_options(file, opts)
            .map_err(|e| Error::format(name, format!("not a valid Parquet file ({e})")))
    })
}

/// Runs `f`, turning a panic in a dependency's decoder into an error naming the file.
///
/// While `f` runs, a panic on this thread prints nothing (the error says it all): the process's
/// panic hook is swapped for one that stays silent on this thread and passes other threads'
/// panics to the previous hook, which is restored afterwards. A global lock keeps the swaps of
/// concurrent calls apart; a nested call runs under the outer one's hook.
pub(crate) fn guard<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    use std::cell::Cell;
    use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
    use std::sync::{Arc, Mutex};
    type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;
    static SWAP: Mutex<()> = Mutex::new(());
    thread_local!(static GUARDED: Cell<bool> = const { Cell::new(false) });
    let caught = if GUARDED.get() {
        panic::catch_unwind(AssertUnwindSafe(f))
    } else {
        let _swap = SWAP.lock().unwrap_or_else(|e| e.into_inner());
        let previous: Arc<Hook> = Arc::new(panic::take_hook());
        let others = Arc::clone(&previous);
        let me = std::thread::current().id();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() != me {
                others(info);
            }
        }));
        GUARDED.set(true);
        let caught = panic::catch_unwind(AssertUnwindSafe(f));
        GUARDED.set(false);
        drop(panic::take_hook());
        match Arc::try_unwrap(previous) {
            Ok(hook) => panic::set_hook(hook),
            Err(shared) => panic::set_hook(Box::new(move |info| shared(info))),
        }
        caught
    };
    caught.unwrap_or_else(|_| {
        Err(Error::format(
            name,
            "corrupt Parquet file (the decoder failed on it)",
        ))
    })
}

fn read_parquet(path: &Path, name: &str) -> Result<Table> {
    let builder = open_parquet(path, name)?;
    guard(name, || read_parquet_batches(builder, name))
}

fn read_parquet_batches(
    builder: ParquetRecordBatchReaderBuilder<File>,
    name: &str,
) -> Result<Table> {
    let schema = builder.schema().clone();
    let durations = duration_columns(builder.metadata().file_metadata().key_value_metadata());
    if let Some(d) = durations.first() {
        return Err(Error::format(name, duration_message(d)));
    }
    let reader = builder
        .build()
        .map_err(|e| Error::format(name, format!("cannot read Parquet data ({e})")))?;
    collect_batches(name, &schema, reader, |rows, e| {
        parquet_data_error(name, rows, e)
    })
}

/// Reads Arrow record batches (from any Arrow producer: pandas through pyarrow, polars, DuckDB,
/// a Parquet reader) into a table named `source`, with the column renames `map`.
///
/// Columns become typed as [the Parquet reader's](read_table) do: integers, floats, booleans and
/// strings (plain, large, view, dictionary-encoded); durations and every other type are refused.
///
/// # Errors
/// [`Error::Format`] for an unsupported column type or a batch that cannot be read,
/// [`Error::Value`] for an unsigned integer above `i64::MAX`, [`Error::Empty`] when there are no
/// rows.
pub fn read_arrow<I, E>(
    source: &str,
    schema: &arrow_schema::Schema,
    batches: I,
    map: &ColumnMap,
) -> Result<Table>
where
    I: IntoIterator<Item = std::result::Result<arrow_array::RecordBatch, E>>,
    E: std::fmt::Display,
{
    if let Some(f) = schema
        .fields()
        .iter()
        .find(|f| matches!(f.data_type(), arrow_schema::DataType::Duration(_)))
    {
        return Err(Error::format(source, duration_message(f.name())));
    }
    let table = collect_batches(source, schema, batches, |rows, e| {
        Error::format(
            source,
            format!("cannot read Arrow data after row {rows} ({e})"),
        )
    })?;
    if table.nrows() == 0 {
        return Err(Error::Empty {
            file: source.to_string(),
            message: "the table has no data rows".into(),
        });
    }
    Ok(table.with_map(map.clone()))
}

/// Appends every batch of `batches` (of schema `schema`) to typed columns; `failed` makes the
/// error of a batch that cannot be read after `rows` rows.
fn collect_batches<I, E>(
    name: &str,
    schema: &arrow_schema::Schema,
    batches: I,
    failed: impl Fn(usize, E) -> Error,
) -> Result<Table>
where
    I: IntoIterator<Item = std::result::Result<arrow_array::RecordBatch, E>>,
{
    let mut cols: Vec<Column> = schema
        .fields()
        .iter()
        .map(|f| empty_column(f.data_type()))
        .collect();
    let mut rows = 0usize;
    for batch in batches {
        let batch = batch.map_err(|e| failed(rows, e))?;
        if batch.num_columns() != cols.len() {
            return Err(Error::format(
                name,
                format!(
                    "a batch has {} columns but the schema has {}",
                    batch.num_columns(),
                    cols.len()
                ),
            ));
        }
        for (j, arr) in batch.columns().iter().enumerate() {
            append(&mut cols[j], arr).map_err(|u| u.error(name, schema.field(j).name(), rows))?;
        }
        rows += batch.num_rows();
    }
    let named = schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .zip(cols)
        .collect();
    Table::from_columns(name, named)
}

/// The error for Parquet data that cannot be decoded after `rows` rows were read: a page
/// checksum (CRC) that does not match its data, or corrupt or truncated data.
pub(crate) fn parquet_data_error(name: &str, rows: usize, e: impl std::fmt::Display) -> Error {
    let e = e.to_string();
    if e.contains("CRC checksum mismatch") {
        Error::format(
            name,
            format!(
                "corrupt Parquet data after row {rows}: a page's checksum (CRC) does not match \
                 its data ({e})"
            ),
        )
    } else {
        Error::format(
            name,
            format!("corrupt or truncated Parquet data after row {rows} ({e})"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::sniff_delimiter;

    #[test]
    fn delimiter_is_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"study,yi,vi\nA,1,2\n", b','), b',');
        assert_eq!(sniff_delimiter(b"study\tyi\tvi\nA\t1\t2\n", b','), b'\t');
        assert_eq!(sniff_delimiter(b"study;yi;vi\nA;0,1;0,2\n", b','), b';');
        assert_eq!(sniff_delimiter(b"\"a;b\",yi\n", b','), b',');
        assert_eq!(sniff_delimiter(b"yi\n1\n", b','), b',');
        assert_eq!(sniff_delimiter(b"study,yi,vi\n", b'\t'), b',');
    }
}
