//! A result held in Rust until Python asks for it: the Python layer gets its keys as Python
//! objects ([`crate::topy`], no JSON round trip), and the JSON text and the CLI's table text
//! are only written when `to_json()` or `repr()` ask for them.

use std::sync::OnceLock;

use pyo3::prelude::*;
use serde::Serialize;

use crate::errors::to_py;

/// What a held result can give.
trait Held: Send + Sync {
    /// The keys as Python objects (as `json.loads` of [`Held::json`] would give).
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
    /// The CLI's `--format json` text.
    fn json(&self) -> PyResult<String>;
    /// The CLI's table text.
    fn text(&self) -> String;
}

/// A typed result with the name of its input and its table renderer.
struct Report<T> {
    value: T,
    source: String,
    render: fn(&T, &str) -> String,
}

impl<T: Serialize + Send + Sync> Held for Report<T> {
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::topy::to_py(py, &self.value).map_err(|e| {
            to_py(peerstat::Error::Format {
                file: self.source.clone(),
                message: format!("cannot convert the result to Python objects ({e})"),
            })
        })
    }

    fn json(&self) -> PyResult<String> {
        crate::json(&self.value, &self.source)
    }

    fn text(&self) -> String {
        (self.render)(&self.value, &self.source)
    }
}

/// A result of the library, kept typed; its JSON and table text are written on first use.
#[pyclass(module = "peerstat._native", frozen)]
pub(crate) struct NativeResult {
    held: Box<dyn Held>,
    json: OnceLock<String>,
    text: OnceLock<String>,
}

impl NativeResult {
    /// Holds `value` (read from `source`), rendered as the CLI's table by `render`.
    pub(crate) fn new<T: Serialize + Send + Sync + 'static>(
        value: T,
        source: &str,
        render: fn(&T, &str) -> String,
    ) -> Self {
        NativeResult {
            held: Box::new(Report {
                value,
                source: source.to_string(),
                render,
            }),
            json: OnceLock::new(),
            text: OnceLock::new(),
        }
    }
}

#[pymethods]
impl NativeResult {
    /// The result's keys as a fresh `dict` (equal to `json.loads(self.json())`).
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.held.to_py(py)
    }

    /// The CLI's `--format json` text (written once).
    fn json(&self) -> PyResult<String> {
        if let Some(j) = self.json.get() {
            return Ok(j.clone());
        }
        let j = self.held.json()?;
        Ok(self.json.get_or_init(|| j).clone())
    }

    /// The CLI's table text (written once).
    fn text(&self) -> String {
        self.text.get_or_init(|| self.held.text()).clone()
    }
}
