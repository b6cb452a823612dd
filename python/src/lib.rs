//! `peerstat._native`: the Rust side of the `peerstat` Python package. Each function reads its
//! data (a path or an Arrow stream), calls the library as the `peerstat` command does, and
//! returns JSON text (the CLI's `--format json`), the CLI's table text, and Arrow tables. The
//! Python layer (`pysrc/peerstat/__init__.py`) turns these into result objects and data frames.

use std::collections::HashMap;

use peerstat::bulk::Reanalysis;
use peerstat::data::FileKind;
use peerstat::effect::EffectSizes;
use peerstat::model::RandomEffects;
use pyo3::prelude::*;

mod arrow_io;
mod bench;
mod data_arg;
mod errors;
mod options;
mod plot_output;
mod plots;

use arrow_io::{load, ArrowTable};
use data_arg::DataArg;
use errors::{setting, to_py};
pub(crate) use options::{column_map, measure_of, parse, EffectOpts, ModelOpts};

/// Rows omitted from the effect sizes: `(row, study, reason)`.
type Omitted = Vec<(usize, String, String)>;

/// Rows omitted from the effect sizes, as `(row, study, reason)`.
fn omissions(es: &EffectSizes) -> Omitted {
    es.omitted()
        .iter()
        .map(|o| (o.row, o.study.clone(), o.reason.clone()))
        .collect()
}

/// `effects`: the input table plus `yi` and `vi`, and the rows omitted.
#[pyfunction]
#[pyo3(signature = (data, source, measure, effect, columns=None))]
fn effects(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    measure: Option<&str>,
    effect: EffectOpts,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(ArrowTable, Omitted, String)> {
    let map = column_map(columns, &[])?;
    let opts = effect.options()?;
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    py.detach(|| {
        let es = EffectSizes::compute(&table, measure, &opts)?;
        let out = es.with_columns(&table)?;
        Ok((out, omissions(&es), es.measure().code().to_string()))
    })
    .map_err(to_py)
    .and_then(|(out, om, m)| Ok((ArrowTable::new(&out)?, om, m)))
}

mod business;
mod diag;
mod econ_network;
mod framework;
mod meta;
mod multilevel;
mod network_opts;
mod result;
mod topy;

/// A result as the CLI's `--format json` writes it.
fn json<T: serde::Serialize>(result: &T, source: &str) -> PyResult<String> {
    peerstat::report::json(result).map_err(|e| {
        to_py(peerstat::Error::Format {
            file: source.to_string(),
            message: format!("cannot write the result as JSON ({e})"),
        })
    })
}

/// What a `reanalyse` run did: `(groups, failed, rows, omitted_rows, seconds of the library's
/// run, whether the input was clustered by the key)`.
type RunSummary = (usize, usize, usize, usize, f64, bool);

/// `reanalyse`: one row per group (the key columns, then the bulk result columns), and a
/// [`RunSummary`]. A Parquet path is streamed in record batches. The GIL is
/// released while it runs; groups are analysed in parallel (rayon; `threads` sets a pool of
/// that size for this call). With `multilevel`, one multilevel fit per group.
#[pyfunction]
#[pyo3(signature = (data_arg, by, model, threads=None, multilevel=None, vcalc=None))]
fn reanalyse(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    by: Vec<String>,
    model: ModelOpts,
    threads: Option<usize>,
    multilevel: Option<multilevel::BulkOpts>,
    vcalc: Option<multilevel::VcalcOpts>,
) -> PyResult<(ArrowTable, RunSummary)> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (
        &data,
        source.as_str(),
        measure.as_deref().unwrap_or_default(),
    );
    if by.is_empty() {
        return Err(setting(
            "reanalyse needs by= (one or more group-key columns)",
        ));
    }
    let ml = match &multilevel {
        Some(m) => Some(m.build(&model, vcalc)?),
        None => None,
    };
    let mut named: Vec<&str> = by.iter().map(String::as_str).collect();
    named.extend(
        ml.iter()
            .flat_map(peerstat::bulk::BulkMultilevel::columns_read),
    );
    let map = column_map(columns, &named)?;
    // With a multilevel model the univariate one is not used (and ML need not be one of its).
    let rm = if multilevel.is_some() {
        RandomEffects::new()
    } else {
        model.model()?
    };
    let mut job = Reanalysis::new(&by, parse(measure)?)
        .effect_options(effect.options()?)
        .model(rm)
        .columns(map.clone());
    if let Some(m) = ml {
        job = job.multilevel(m);
    }
    // A Parquet file is streamed in record batches (as `peerstat reanalyse` reads it); other
    // inputs are read whole.
    let parquet = data
        .extract::<String>()
        .ok()
        .filter(|p| FileKind::of(std::path::Path::new(p)) == Some(FileKind::Parquet));
    let table = match &parquet {
        Some(_) => None,
        None => Some(load(data, source, &map)?),
    };
    let pool = match threads {
        Some(0) => return Err(setting("threads must be at least 1")),
        Some(asked) => {
            // As the CLI: at most 4 threads per core and 256 (results do not depend on it).
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            let n = asked.clamp(1, (4 * cores).min(256));
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| setting(format!("threads: {e}")))?,
            )
        }
        None => None,
    };
    let start = std::time::Instant::now();
    let run = || match &table {
        Some(t) => job.results_table(t),
        None => job.results_file(std::path::Path::new(parquet.as_deref().unwrap_or_default())),
    };
    let (out, rep) = py
        .detach(|| match &pool {
            Some(p) => p.install(run),
            None => run(),
        })
        .map_err(to_py)?;
    let secs = start.elapsed().as_secs_f64();
    Ok((
        ArrowTable::new(&out)?,
        (
            rep.groups,
            rep.failed,
            rep.rows,
            rep.omitted_rows,
            secs,
            rep.clustered,
        ),
    ))
}

/// The library version the module was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The `peerstat._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<ArrowTable>()?;
    m.add_class::<arrow_io::Frame>()?;
    m.add_class::<result::NativeResult>()?;
    m.add_function(wrap_pyfunction!(arrow_io::read_columns, m)?)?;
    m.add_function(wrap_pyfunction!(effects, m)?)?;
    m.add_function(wrap_pyfunction!(meta::meta, m)?)?;
    m.add_function(wrap_pyfunction!(reanalyse, m)?)?;
    m.add_function(wrap_pyfunction!(diag::bias, m)?)?;
    m.add_function(wrap_pyfunction!(diag::influence, m)?)?;
    m.add_function(wrap_pyfunction!(multilevel::multilevel, m)?)?;
    m.add_function(wrap_pyfunction!(econ_network::cea, m)?)?;
    m.add_function(wrap_pyfunction!(business::business_case, m)?)?;
    m.add_function(wrap_pyfunction!(framework::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(framework::map, m)?)?;
    m.add_function(wrap_pyfunction!(econ_network::network, m)?)?;
    m.add_function(wrap_pyfunction!(plots::forest, m)?)?;
    m.add_function(wrap_pyfunction!(plots::funnel, m)?)?;
    m.add_function(wrap_pyfunction!(plots::bubble, m)?)?;
    m.add_function(wrap_pyfunction!(plots::network_plot, m)?)?;
    m.add_function(wrap_pyfunction!(plots::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(bench::_bench_meta, m)?)?;
    Ok(())
}
