//! `business_case`: a commissioner's business case from a scenario (TOML or JSON text), as
//! `peerstat business-case`, with its plots written where asked.

use std::path::PathBuf;

use peerstat::econ::business::{business_case as build, Scenario};
use peerstat::report::{business, svg};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::plot_output::Output;

/// `business_case`: returns the JSON (`--format json`) and the text (`--format text`).
#[pyfunction]
#[pyo3(signature = (text, source, folder, cashflow=None, tornado=None, ceac=None, title=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn business_case(
    py: Python<'_>,
    text: &str,
    source: &str,
    folder: PathBuf,
    cashflow: Option<Output>,
    tornado: Option<Output>,
    ceac: Option<Output>,
    title: Option<String>,
) -> PyResult<(String, String)> {
    for out in [&cashflow, &tornado, &ceac].into_iter().flatten() {
        out.check()?;
    }
    let case = py
        .detach(|| Scenario::parse(text, source, &folder).and_then(|s| build(&s)))
        .map_err(to_py)?;
    let t = title.as_deref();
    if let Some(out) = &cashflow {
        out.write(&svg::business_cashflow(&case, t))?;
    }
    if let Some(out) = &tornado {
        out.write(&svg::business_tornado(&case, t))?;
    }
    if let Some(out) = &ceac {
        out.write(&svg::business_ceac(&case, t))?;
    }
    Ok((
        crate::json(&case, source)?,
        business::business_case_text(&case),
    ))
}
