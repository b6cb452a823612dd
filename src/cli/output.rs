//! Where command output goes: standard output, or a file written atomically.

use std::io::Write;
use std::path::Path;

use peerstat::data::{self, ColumnMap};
use peerstat::error::Setting;
use peerstat::Error;

use super::Failure;

/// Writes `text` to `path` through a temporary file renamed into place.
pub fn write_text(path: &Path, text: &str) -> Result<(), Failure> {
    data::atomic_write(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| Error::io(&path.display().to_string(), e))
    })?;
    Ok(())
}

/// Writes `text` to `output` (atomically) or, without one, to standard output.
pub fn emit(text: &str, output: Option<&Path>) -> Result<(), Failure> {
    match output {
        Some(p) => write_text(p, text),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

/// Parses `--col canonical=actual` renames.
pub fn columns(specs: &[String]) -> Result<ColumnMap, Failure> {
    ColumnMap::parse(specs).map_err(|e| match e {
        Error::Setting {
            setting: Setting::ColumnMap,
            message,
        } => Failure::Usage(format!(
            "--col {}",
            message
                .trim_start_matches("a column rename ")
                .replace("example n_t", "example --col n_t")
        )),
        e => e.into(),
    })
}
