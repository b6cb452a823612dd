//! `evaluate` and `map`: the evaluation report and the evidence-and-gap map of a coded evidence
//! base, as `peerstat evaluate` and `peerstat map` make them.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use peerstat::data::{self, ColumnMap, Table, TempFolder};
use peerstat::econ::business::Scenario;
use peerstat::framework::business_case;
use peerstat::framework::evaluate::{evaluate as run_evaluate, EvaluateOptions, OptionsFile};
use peerstat::framework::evidence_map::{evidence_map, report_rows};
use peerstat::framework::Codebook;
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::errors::{setting, to_py};
use crate::{column_map, json};

fn codebook(path: Option<&str>) -> PyResult<Codebook> {
    match path {
        Some(p) => Codebook::from_file(Path::new(p)).map_err(to_py),
        None => Ok(Codebook::builtin()),
    }
}

/// The framework input with the renames checked against the codebook's fields and `named`.
fn read(
    data: &Bound<'_, PyAny>,
    source: &str,
    cb: &Codebook,
    columns: Option<HashMap<String, String>>,
    named: &[&str],
) -> PyResult<Table> {
    let mut known: Vec<&str> = cb.fields.iter().map(|f| f.name.as_str()).collect();
    known.extend(named);
    let map = column_map(columns, &known)?;
    load(data, source, &map)
}

fn write_text(path: &Path, text: &str) -> peerstat::Result<()> {
    data::atomic_write(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| peerstat::Error::io(&path.display().to_string(), e))
    })
}

/// The options of `evaluate`, as the Python layer passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct EvaluateOpts {
    codebook: Option<String>,
    options: Option<String>,
    level: f64,
    assume_higher_is_better: bool,
    rho: f64,
    #[pyo3(default)]
    icc: Option<f64>,
    #[pyo3(default)]
    cluster_adjust: Option<String>,
    #[pyo3(default)]
    binary_to_smd: Option<String>,
    /// The business-case scenario file (`evaluate --scenario`).
    #[pyo3(default)]
    scenario: Option<String>,
}

impl EvaluateOpts {
    /// The command-line overrides of the options file, as `peerstat evaluate` applies them.
    fn apply(&self, opts: &mut EvaluateOptions) -> PyResult<()> {
        if self.icc.is_some() {
            opts.convert.icc = self.icc;
        }
        if let Some(c) = &self.cluster_adjust {
            opts.convert.cluster_adjust = crate::parse(c)?;
        }
        if let Some(b) = &self.binary_to_smd {
            opts.binary_to_smd = crate::options::binary_to_smd(b)?;
        }
        opts.convert.check().map_err(to_py)
    }
}

/// `evaluate`: writes the report (index.html, results.json, egm.html, plots) into `out_dir`
/// (replaced as a whole, never left half-written) and returns `results.json`'s text and the
/// number of files written.
#[pyfunction]
#[pyo3(signature = (data, source, out_dir, options, costs=None, columns=None))]
pub(crate) fn evaluate(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    out_dir: PathBuf,
    options: EvaluateOpts,
    costs: Option<&Bound<'_, PyAny>>,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(String, usize)> {
    let mut foreign = report::evaluation::foreign_files(&out_dir);
    if !foreign.is_empty() {
        let more = foreign.len().saturating_sub(5);
        foreign.truncate(5);
        return Err(setting(format!(
            "{} holds files that are not part of a peerstat report ({}{}): the report folder is \
             replaced as a whole, so choose a new or empty folder",
            out_dir.display(),
            foreign.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )));
    }
    let cb = codebook(options.codebook.as_deref())?;
    let mut opts = EvaluateOptions {
        level: options.level,
        assume_higher_is_better: options.assume_higher_is_better,
        rho: options.rho,
        ..EvaluateOptions::default()
    };
    let mut scenario = options.scenario.clone().map(PathBuf::from);
    if let Some(p) = &options.options {
        let file = OptionsFile::from_file(Path::new(p)).map_err(to_py)?;
        if let (None, Some(b)) = (&scenario, &file.business_case) {
            let dir = Path::new(p).parent().unwrap_or_else(|| Path::new("."));
            scenario = Some(dir.join(&b.scenario));
        }
        opts = opts.with_file(file, p);
    }
    options.apply(&mut opts)?;
    let scenario = scenario
        .map(|p| {
            Scenario::from_file(&p)
                .map(|s| (s, p.display().to_string()))
                .map_err(to_py)
        })
        .transpose()?;
    let mut table = read(data, source, &cb, columns, &[])?;
    let costs = match costs {
        Some(c) => Some(load(c, "costs", &ColumnMap::new())?),
        None => None,
    };
    let source = source.to_string();
    py.detach(move || {
        let mut ev = run_evaluate(&mut table, &cb, Path::new(&source), costs.as_ref(), &opts)
            .map_err(to_py)?;
        if let Some((s, name)) = &scenario {
            business_case::attach(&mut ev, s, name).map_err(to_py)?;
        }
        let rows = report_rows(&table, &cb);
        let md = evidence_map(
            &table,
            &cb,
            (rows, "outcome_domain"),
            None,
            &opts,
            costs.as_ref(),
        )
        .map_err(to_py)?;
        let mut files = report::evaluation::files(&ev).map_err(|e| {
            to_py(peerstat::Error::Format {
                file: source.clone(),
                message: format!("cannot write the report ({e})"),
            })
        })?;
        files.push(("egm.html".into(), report::html::egm_html(&md)));
        let folder = TempFolder::create(&out_dir).map_err(to_py)?;
        for (name, text) in &files {
            write_text(&folder.path().join(name), text).map_err(to_py)?;
        }
        folder.commit().map_err(to_py)?;
        Ok((json(&ev, &source)?, files.len()))
    })
}

/// The options of `map`, as the Python layer passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct MapOpts {
    rows: String,
    cols: String,
    segment: Option<String>,
    codebook: Option<String>,
    rho: f64,
    html: Option<PathBuf>,
}

/// `map`: the evidence-and-gap map's data as JSON (`peerstat map --format json`), and with
/// `html` the map page written there.
#[pyfunction]
#[pyo3(signature = (data, source, options, costs=None, columns=None))]
pub(crate) fn map(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    options: MapOpts,
    costs: Option<&Bound<'_, PyAny>>,
    columns: Option<HashMap<String, String>>,
) -> PyResult<String> {
    let cb = codebook(options.codebook.as_deref())?;
    let named: Vec<&str> = [&options.rows, &options.cols]
        .into_iter()
        .chain(&options.segment)
        .map(String::as_str)
        .collect();
    let mut table = read(data, source, &cb, columns, &named)?;
    let costs = match costs {
        Some(c) => Some(load(c, "costs", &ColumnMap::new())?),
        None => None,
    };
    let source = source.to_string();
    py.detach(move || {
        cb.validate(&mut table).map_err(to_py)?;
        let opts = EvaluateOptions {
            rho: options.rho,
            ..EvaluateOptions::default()
        };
        let md = evidence_map(
            &table,
            &cb,
            (&options.rows, &options.cols),
            options.segment.as_deref(),
            &opts,
            costs.as_ref(),
        )
        .map_err(to_py)?;
        if let Some(path) = &options.html {
            write_text(path, &report::html::egm_html(&md)).map_err(to_py)?;
        }
        json(&md, &source)
    })
}
