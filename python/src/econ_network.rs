//! `cea` and `network`: the reports of `peerstat cea` and `peerstat network` (the standard
//! network; component models are left to the CLI), as JSON and the CLI's table text.

use std::collections::HashMap;

use peerstat::econ::table::{analyse_table, CeaOptions, Shape};
use peerstat::econ::Timing;
use peerstat::model::network::{table as net_table, Network, NetworkMethod, RandomCi};
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::errors::{setting, to_py};
use crate::{column_map, json, measure_of, parse, EffectOpts};

/// The options of `cea`, as the Python layer passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct CeaOpts {
    shape: Option<String>,
    wtp: Option<String>,
    wtp_grid: Option<String>,
    reference: Option<String>,
    treatment: Option<String>,
    control: Option<String>,
    boot: usize,
    seed: u64,
    cost_covariates: Vec<String>,
    effect_covariates: Vec<String>,
    discount_cost: f64,
    discount_effect: f64,
    timing: String,
    level: f64,
}

fn timing(s: &str) -> PyResult<Timing> {
    match s.trim().to_ascii_lowercase().as_str() {
        "start" => Ok(Timing::Start),
        "end" => Ok(Timing::End),
        "continuous" | "mid" => Ok(Timing::Continuous),
        _ => Err(setting(format!(
            "unknown discounting timing '{s}': choose start (the default), end or continuous"
        ))),
    }
}

/// `cea`: cost-effectiveness of strategies, PSA draws, patient-level trial data or arms.
#[pyfunction]
#[pyo3(signature = (data, source, options, columns=None))]
pub(crate) fn cea(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    options: CeaOpts,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(String, String)> {
    let covariates: Vec<&str> = options
        .cost_covariates
        .iter()
        .chain(&options.effect_covariates)
        .map(String::as_str)
        .collect();
    let map = column_map(columns, &covariates)?;
    let wtp = peerstat::econ::parse_wtp(options.wtp.as_deref(), options.wtp_grid.as_deref())
        .map_err(to_py)?;
    let opts = CeaOptions {
        shape: options
            .shape
            .as_deref()
            .map(Shape::parse)
            .transpose()
            .map_err(to_py)?,
        wtp,
        reference: options.reference,
        treatment: options.treatment,
        control: options.control,
        boot: options.boot,
        seed: options.seed,
        cost_covariates: options.cost_covariates,
        effect_covariates: options.effect_covariates,
        discount_cost: options.discount_cost,
        discount_effect: options.discount_effect,
        timing: timing(&options.timing)?,
        level: options.level,
    };
    opts.validate().map_err(to_py)?;
    let table = load(data, source, &map)?;
    let source = source.to_string();
    py.detach(move || {
        let rep = analyse_table(&table, &opts).map_err(to_py)?;
        Ok((json(&rep, &source)?, report::cea_table(&rep, &source)))
    })
}

/// The options of `network`, as the Python layer passes them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct NetworkOpts {
    study: String,
    treatment: String,
    reference: Option<String>,
    small_values_good: bool,
    method: String,
    random_ci: String,
    level: f64,
}

/// `network`: a (standard) network meta-analysis from arm rows or contrast rows
/// (`treat1`, `treat2`, `yi`, `vi`/`sei`).
#[pyfunction]
#[pyo3(signature = (data, source, measure, options, effect, columns=None))]
pub(crate) fn network(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    measure: Option<&str>,
    options: NetworkOpts,
    effect: EffectOpts,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(String, String)> {
    let named = [
        options.study.as_str(),
        options.treatment.as_str(),
        "treat1",
        "treat2",
    ];
    let map = column_map(columns, &named)?;
    let opts = effect.options()?;
    let method = match options.method.trim().to_ascii_uppercase().as_str() {
        "DL" => NetworkMethod::Dl,
        "REML" => NetworkMethod::Reml,
        _ => {
            return Err(setting(format!(
                "unknown network method '{}': choose DL (netmeta, the default) or REML",
                options.method
            )))
        }
    };
    let mut net = Network::new()
        .level(options.level)
        .map_err(to_py)?
        .small_values_good(options.small_values_good)
        .random_ci(parse::<RandomCi>(&options.random_ci)?)
        .method(method);
    if let Some(r) = &options.reference {
        net = net.reference(r);
    }
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let contrasts = if table.has("treat1") && table.has("treat2") {
            net_table::contrasts_from_rows(&table, &options.study)
        } else {
            net_table::contrasts_from_arms(
                &table,
                &options.study,
                &options.treatment,
                measure,
                &opts,
            )
        }
        .map_err(to_py)?;
        let fit = net.fit(&contrasts).map_err(to_py)?;
        Ok((
            json(&fit, &source)?,
            report::text::network_table(&fit, measure, &source),
        ))
    })
}
