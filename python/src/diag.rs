//! `bias` and `influence`: the reports of `peerstat bias` and `peerstat influence`, as JSON and
//! the CLI's table text.

use std::collections::HashMap;

use peerstat::diag::{BiasOptions, EggerModel, InfluenceOptions, Side, TrimFillEstimator};
use peerstat::effect::EffectSizes;
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::errors::{setting, to_py};
use crate::{column_map, json, measure_of, omissions, EffectOpts, ModelOpts, Omitted};

/// The options of `bias` beyond the model and the effect sizes.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct BiasExtra {
    egger: String,
    estimator: String,
    side: Option<String>,
    orwin_target: Option<f64>,
}

impl BiasExtra {
    fn egger(&self) -> PyResult<EggerModel> {
        match self.egger.trim().to_ascii_lowercase().as_str() {
            "rma" => Ok(EggerModel::Rma),
            "classic" | "lm" => Ok(EggerModel::Classic),
            _ => Err(setting(format!(
                "unknown egger model '{}': choose rma (metafor regtest, the default) or classic",
                self.egger
            ))),
        }
    }

    fn estimator(&self) -> PyResult<TrimFillEstimator> {
        match self.estimator.trim().to_ascii_uppercase().as_str() {
            "L0" => Ok(TrimFillEstimator::L0),
            "R0" => Ok(TrimFillEstimator::R0),
            _ => Err(setting(format!(
                "unknown trim-and-fill estimator '{}': choose L0 (the default) or R0",
                self.estimator
            ))),
        }
    }

    fn side(&self) -> PyResult<Option<Side>> {
        match self.side.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
            None => Ok(None),
            Some(s) if s == "left" => Ok(Some(Side::Left)),
            Some(s) if s == "right" => Ok(Some(Side::Right)),
            Some(s) => Err(setting(format!(
                "unknown trim-and-fill side '{s}': choose left or right (or None to choose from the data)"
            ))),
        }
    }
}

/// `bias`: Egger, Begg, trim-and-fill and fail-safe N.
#[pyfunction]
#[pyo3(signature = (data, source, measure, model, effect, extra, columns=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bias(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    measure: Option<&str>,
    model: ModelOpts,
    effect: EffectOpts,
    extra: BiasExtra,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(String, String, Omitted)> {
    let map = column_map(columns, &[])?;
    let opts = effect.options()?;
    let options = BiasOptions {
        effect: opts,
        model: model.model()?,
        egger: extra.egger()?,
        estimator: extra.estimator()?,
        side: extra.side()?,
        orwin_target: extra.orwin_target,
    };
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let es = EffectSizes::compute(&table, measure, &opts).map_err(to_py)?;
        let rep = options.run(&es).map_err(to_py)?;
        Ok((
            json(&rep, &source)?,
            report::bias_table(&rep, &source),
            omissions(&es),
        ))
    })
}

/// `influence`: leave-one-out diagnostics, or the cumulative meta-analysis.
#[pyfunction]
#[pyo3(signature = (data, source, measure, model, effect, cumulative, order=None, columns=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn influence(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    measure: Option<&str>,
    model: ModelOpts,
    effect: EffectOpts,
    cumulative: bool,
    order: Option<String>,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(String, String, Omitted)> {
    if order.is_some() && !cumulative {
        return Err(setting(
            "order sets the order of the cumulative analysis: it needs cumulative=True",
        ));
    }
    let named: Vec<&str> = order.iter().map(String::as_str).collect();
    let map = column_map(columns, &named)?;
    let opts = effect.options()?;
    let options = InfluenceOptions {
        effect: opts,
        model: model.model()?,
        cumulative,
        order,
    };
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let es = EffectSizes::compute(&table, measure, &opts).map_err(to_py)?;
        let rep = options.run(&table, &es).map_err(to_py)?;
        Ok((
            json(&rep, &source)?,
            report::influence_table(&rep, &source),
            omissions(&es),
        ))
    })
}
