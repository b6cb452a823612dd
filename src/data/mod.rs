//! Data in: the evaluation-framework schema, CSV and Parquet readers, and writers.
//!
//! A [`Table`] holds one dataset column-wise with typed columns. Analyses ask for columns by their
//! *canonical* names (`docs/src/effects.md`: `study`, `n_t`, `mean_t`, `sd_t`, `events_t`, `yi`, `vi`, …); a
//! [`ColumnMap`] built from `--col canonical=actual` pairs says where a canonical column lives in
//! the file. Integer columns are accepted where floats are expected, and study labels may be
//! strings or numbers.
//!
//! # Examples
//!
//! ```
//! use peerstat::data::{Column, Table};
//! let t = Table::from_columns(
//!     "memory",
//!     vec![
//!         ("study".into(), Column::Str(vec![Some("A".into()), Some("B".into())])),
//!         ("yi".into(), Column::Float(vec![Some(0.1), Some(0.3)])),
//!         ("vi".into(), Column::Int(vec![Some(1), None])),
//!     ],
//! )
//! .unwrap();
//! assert_eq!(t.nrows(), 2);
//! assert_eq!(t.numeric("vi", "").unwrap(), vec![Some(1.0), None]);
//! ```

pub(crate) mod arrow;
pub(crate) mod cell;
mod decimal_comma;
pub(crate) mod read;
pub(crate) mod write;

pub use cell::{excerpt, find_column, EXCERPT_CHARS};
pub use read::{read_arrow, read_table};
pub use write::{
    atomic_write, remove_pending_temp_files, remove_stale_temporaries, to_record_batch,
    write_table, write_table_with_metadata, TempFile, TempFolder,
};

use crate::error::{Error, Result, Setting};

/// One typed column. `None` is a missing value (empty CSV cell, `NA`, Parquet null).
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Integer values.
    Int(Vec<Option<i64>>),
    /// Floating-point values (may hold NaN or ±∞ as read; analyses reject them with an error).
    Float(Vec<Option<f64>>),
    /// Text values.
    Str(Vec<Option<String>>),
    /// Logical values.
    Bool(Vec<Option<bool>>),
}

impl Column {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Str(v) => v.len(),
            Column::Bool(v) => v.len(),
        }
    }

    /// True when the column has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the value at `row` is missing.
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Column::Int(v) => v[row].is_none(),
            Column::Float(v) => v[row].is_none(),
            Column::Str(v) => v[row].is_none(),
            Column::Bool(v) => v[row].is_none(),
        }
    }

    /// The value at `row` rendered as text (`None` when missing; a float NaN as `NaN`, as
    /// written to files). For a label see [`Column::key`].
    pub fn text(&self, row: usize) -> Option<String> {
        match self {
            Column::Int(v) => v[row].map(|x| x.to_string()),
            Column::Float(v) => v[row].map(fmt_f64),
            Column::Str(v) => v[row].clone(),
            Column::Bool(v) => v[row].map(|x| x.to_string()),
        }
    }

    /// The value at `row` as a label (a study, cluster or group key): as [`Column::text`], but
    /// a float NaN is no value (`None`), so it is refused wherever a null is rather than
    /// becoming one study called "NaN" that merges rows of different studies.
    pub fn key(&self, row: usize) -> Option<String> {
        match self {
            Column::Float(v) if v[row].is_some_and(f64::is_nan) => None,
            _ => self.text(row),
        }
    }

    /// The values at `rows`, in that order (rows may repeat).
    pub fn take(&self, rows: &[usize]) -> Column {
        match self {
            Column::Int(v) => Column::Int(rows.iter().map(|&i| v[i]).collect()),
            Column::Float(v) => Column::Float(rows.iter().map(|&i| v[i]).collect()),
            Column::Str(v) => Column::Str(rows.iter().map(|&i| v[i].clone()).collect()),
            Column::Bool(v) => Column::Bool(rows.iter().map(|&i| v[i]).collect()),
        }
    }

    /// Short name of the column type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Column::Int(_) => "integer",
            Column::Float(_) => "number",
            Column::Str(_) => "text",
            Column::Bool(_) => "logical",
        }
    }
}

/// Formats a number as the shortest text that reads back to the same value, in scientific
/// notation when it is very small or very large (e.g. `1.9967645908458624e-26`).
pub fn fmt_f64(x: f64) -> String {
    let a = x.abs();
    if x != 0.0 && x.is_finite() && !(1e-4..1e15).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A data file's type, from its extension (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.csv` or `.txt`: comma-separated.
    Csv,
    /// `.tsv` or `.tab`: tab-separated.
    Tsv,
    /// `.parquet` or `.pq`.
    Parquet,
}

impl FileKind {
    /// The kind of `path`, or `None` for another extension.
    pub fn of(path: &std::path::Path) -> Option<FileKind> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "csv" | "txt" => Some(FileKind::Csv),
            "tsv" | "tab" => Some(FileKind::Tsv),
            "parquet" | "pq" => Some(FileKind::Parquet),
            _ => None,
        }
    }

    /// The kind of an output `path` (`.csv` or `.parquet`).
    ///
    /// # Errors
    /// [`Error::Format`] for another extension.
    pub fn output(path: &std::path::Path) -> Result<FileKind> {
        match FileKind::of(path) {
            Some(k @ (FileKind::Csv | FileKind::Parquet)) if !is_txt_or_tab(path) => Ok(k),
            _ => Err(Error::format(
                &path.display().to_string(),
                "unknown output type: use a .csv or .parquet extension",
            )),
        }
    }
}

fn is_txt_or_tab(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// The canonical column names the analyses read (`docs/src/effects.md`): study labels, continuous and
/// binary arms, precomputed effects, the framework's own columns and the economic shapes.
/// Codebook fields and columns named in an analysis's options (moderators, group keys …) are
/// read under their own names besides these.
pub const CANONICAL_COLUMNS: &[&str] = &[
    "study",
    "study_id",
    "n_t",
    "mean_t",
    "sd_t",
    "n_c",
    "mean_c",
    "sd_c",
    "events_t",
    "events_c",
    "yi",
    "vi",
    "sei",
    "outcome_domain",
    "higher_is_better",
    "duration_months",
    "simulated",
    "strategy",
    "cost",
    "effect",
    "draw",
    "id",
    "arm",
    "year",
    "n",
    "mean_cost",
    "sd_cost",
    "mean_effect",
    "sd_effect",
    "corr",
];

/// Renames from canonical column names to the names used in a file (`--col canonical=actual`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    pairs: Vec<(String, String)>,
}

impl ColumnMap {
    /// An empty map: every canonical column is looked up under its own name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `canonical → actual`.
    pub fn insert(&mut self, canonical: &str, actual: &str) -> &mut Self {
        self.pairs.retain(|(c, _)| c != canonical);
        self.pairs.push((canonical.to_string(), actual.to_string()));
        self
    }

    /// Parses `canonical=actual` specifications as given on the command line.
    ///
    /// # Errors
    /// [`Error::Setting`] when a specification has no `=` or an empty side.
    pub fn parse<S: AsRef<str>>(specs: &[S]) -> Result<Self> {
        let mut m = ColumnMap::new();
        for s in specs {
            let s = s.as_ref();
            match s.split_once('=') {
                Some((c, a)) if !c.trim().is_empty() && !a.trim().is_empty() => {
                    m.insert(c.trim(), a.trim());
                }
                _ => {
                    return Err(Error::setting(
                        Setting::ColumnMap,
                        format!(
                        "a column rename expects canonical=actual (for example n_t=n1i), got '{s}'"
                    ),
                    ))
                }
            }
        }
        Ok(m)
    }

    /// The actual column name for a canonical name.
    pub fn actual<'a>(&'a self, canonical: &'a str) -> &'a str {
        self.pairs
            .iter()
            .find(|(c, _)| c == canonical)
            .map(|(_, a)| a.as_str())
            .unwrap_or(canonical)
    }

    /// Checks that every rename is of a column that is read: its canonical name is in `known`
    /// (for example [`CANONICAL_COLUMNS`] and the columns an analysis is asked to use).
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::ColumnMap`]) for the first rename of another name (a typo,
    /// or the two sides swapped).
    pub fn check_known(&self, known: &[&str]) -> Result<()> {
        match self
            .pairs
            .iter()
            .find(|(c, _)| !known.contains(&c.as_str()))
        {
            None => Ok(()),
            Some((c, a)) => Err(Error::setting(
                Setting::ColumnMap,
                format!(
                    "the column rename '{}={}' renames '{}', which is not a column read here \
                     (the name before '=' is peerstat's, the name after it the file's); names \
                     read here: {}",
                    excerpt(c),
                    excerpt(a),
                    excerpt(c),
                    known.join(", ")
                ),
            )),
        }
    }
}

/// A dataset held column-wise.
#[derive(Debug, Clone)]
pub struct Table {
    source: String,
    /// For CSV input, the 1-based line on which each data row starts.
    lines: Option<Vec<u64>>,
    names: Vec<String>,
    columns: Vec<Column>,
    nrows: usize,
    map: ColumnMap,
    /// Whether numbers were read with a decimal comma (a `;`-separated file without decimal
    /// points, as European spreadsheets write CSV).
    decimal_comma: bool,
}

impl Table {
    /// Builds a table from named columns (all of the same length). `source` names the table in
    /// error messages.
    ///
    /// # Errors
    /// [`Error::Format`] when columns differ in length or a name repeats.
    pub fn from_columns(source: &str, cols: Vec<(String, Column)>) -> Result<Self> {
        let nrows = cols.first().map_or(0, |(_, c)| c.len());
        let mut names = Vec::with_capacity(cols.len());
        let mut columns = Vec::with_capacity(cols.len());
        for (name, col) in cols {
            if col.len() != nrows {
                return Err(Error::format(
                    source,
                    format!("column '{name}' has {} values, expected {nrows}", col.len()),
                ));
            }
            if names.contains(&name) {
                return Err(Error::format(source, cell::repeated_message(&name)));
            }
            names.push(name);
            columns.push(col);
        }
        Ok(Table {
            source: source.to_string(),
            lines: None,
            names,
            columns,
            nrows,
            map: ColumnMap::new(),
            decimal_comma: false,
        })
    }

    pub(crate) fn set_lines(&mut self, lines: Vec<u64>) {
        self.lines = Some(lines);
    }

    /// Whether the file's numbers were read with a decimal comma (`0,5` as 0.5): a
    /// `;`-separated file whose numbers have decimal commas and no decimal points.
    pub fn read_decimal_commas(&self) -> bool {
        self.decimal_comma
    }

    pub(crate) fn set_decimal_comma(&mut self) {
        self.decimal_comma = true;
    }

    /// Sets the canonical → actual column renames used by the typed accessors.
    pub fn with_map(mut self, map: ColumnMap) -> Self {
        self.map = map;
        self
    }

    /// The renames in force.
    pub fn map(&self) -> &ColumnMap {
        &self.map
    }

    /// Name of the file (or other source) the table came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of data rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Column names as they appear in the file, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Columns in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The actual name of a canonical column: its name in the file when present (found as
    /// [`find_column`] finds it, so `YI` for `yi`), else the name looked for.
    pub fn actual_name<'a>(&'a self, canonical: &'a str) -> &'a str {
        let actual = self.map.actual(canonical);
        find_column(&self.names, actual).map_or(actual, |i| self.names[i].as_str())
    }

    /// True when the canonical column is present.
    pub fn has(&self, canonical: &str) -> bool {
        self.get(canonical).is_some()
    }

    /// The column for a canonical name, if present: the column of its actual name (after
    /// renames), matched as [`find_column`] does (exactly, else ignoring ASCII case).
    pub fn get(&self, canonical: &str) -> Option<&Column> {
        find_column(&self.names, self.map.actual(canonical)).map(|i| &self.columns[i])
    }

    /// The error for a missing canonical column.
    pub fn missing_column(&self, canonical: &str, purpose: &str) -> Error {
        Error::MissingColumn {
            file: self.source.clone(),
            column: self.map.actual(canonical).to_string(),
            canonical: canonical.to_string(),
            purpose: purpose.to_string(),
            available: if self.names.is_empty() {
                "(none)".to_string()
            } else {
                self.names.join(", ")
            },
        }
    }

    /// The error for a bad value at 0-based `row` of a canonical column.
    pub fn value_error(&self, row: usize, canonical: &str, message: impl Into<String>) -> Error {
        Error::Value {
            file: self.source.clone(),
            row: row + 1,
            line: self
                .lines
                .as_ref()
                .and_then(|l| l.get(row))
                .map(|&l| l as usize),
            column: self.actual_name(canonical).to_string(),
            message: message.into(),
        }
    }

    /// A canonical column as floating-point values (`None` = missing).
    ///
    /// Integer columns convert; a text column converts when every present cell parses as a
    /// number. NaN and ±∞ are rejected.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when absent (the message says it is needed for `purpose`);
    /// [`Error::Value`] naming the row for a non-numeric cell, NaN or infinity.
    pub fn numeric(&self, canonical: &str, purpose: &str) -> Result<Vec<Option<f64>>> {
        let col = self
            .get(canonical)
            .ok_or_else(|| self.missing_column(canonical, purpose))?;
        let out: Vec<Option<f64>> = match col {
            Column::Int(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
            Column::Float(v) => v.clone(),
            Column::Bool(_) => return Err(self.value_error(0, canonical, cell::LOGICAL)),
            Column::Str(v) => {
                let mut out = Vec::with_capacity(v.len());
                for (i, s) in v.iter().enumerate() {
                    match s {
                        None => out.push(None),
                        Some(s) => match cell::parse_number(s) {
                            Ok(x) => out.push(Some(x)),
                            Err(message) => return Err(self.value_error(i, canonical, message)),
                        },
                    }
                }
                out
            }
        };
        for (i, x) in out.iter().enumerate() {
            if let Some(x) = x {
                if !x.is_finite() {
                    return Err(self.value_error(i, canonical, cell::not_finite(*x)));
                }
            }
        }
        Ok(out)
    }

    /// Row labels from a canonical column (strings or numbers), or `1, 2, …` (row numbers, as
    /// metafor) when the column is absent. Missing labels become the row number.
    pub fn labels(&self, canonical: &str) -> Vec<String> {
        match self.get(canonical) {
            Some(col) => (0..self.nrows)
                .map(|i| col.key(i).unwrap_or_else(|| (i + 1).to_string()))
                .collect(),
            None => (1..=self.nrows).map(|i| i.to_string()).collect(),
        }
    }

    /// Each row's value of a canonical column as text (`None` where missing, and for every row
    /// when the column is absent).
    pub fn texts(&self, canonical: &str) -> Vec<Option<String>> {
        match self.get(canonical) {
            Some(c) => (0..self.nrows).map(|i| c.key(i)).collect(),
            None => vec![None; self.nrows],
        }
    }

    /// A table of the rows `rows` (in that order), with the same columns and renames.
    pub fn take(&self, rows: &[usize]) -> Table {
        Table {
            source: self.source.clone(),
            lines: self
                .lines
                .as_ref()
                .map(|l| rows.iter().map(|&i| l[i]).collect()),
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            nrows: rows.len(),
            map: self.map.clone(),
            decimal_comma: self.decimal_comma,
        }
    }

    /// Appends (or replaces) a column.
    ///
    /// # Errors
    /// [`Error::Format`] when its length differs from the table's.
    pub fn push_column(&mut self, name: &str, col: Column) -> Result<()> {
        if col.len() != self.nrows {
            return Err(Error::format(
                &self.source,
                format!(
                    "column '{name}' has {} values, expected {}",
                    col.len(),
                    self.nrows
                ),
            ));
        }
        if let Some(i) = self.names.iter().position(|n| n == name) {
            self.columns[i] = col;
        } else {
            self.names.push(name.to_string());
            self.columns.push(col);
        }
        Ok(())
    }
}
