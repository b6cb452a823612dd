//! `bias` and `influence`: the reports of `peerstat bias` and `peerstat influence`, as JSON and
//! the CLI's table text.

use peerstat::diag::{
    AdjustedOptions, Alternative, BiasOptions, EggerModel, InfluenceOptions, SelModelOptions,
    SelType, Side, TrimFillEstimator,
};
use peerstat::effect::EffectSizes;
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::data_arg::DataArg;
use crate::errors::{setting, to_py};
use crate::options::choice;
use crate::{column_map, json, measure_of, omissions, ModelOpts, Omitted};

/// The options of `bias` beyond the model and the effect sizes.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct BiasExtra {
    egger: String,
    estimator: String,
    side: Option<String>,
    orwin_target: Option<f64>,
    pet_peese_alpha: Option<f64>,
    selmodel: Option<String>,
    steps: Vec<f64>,
    alternative: String,
    delta: Option<Vec<f64>>,
}

impl BiasExtra {
    /// PET-PEESE and the selection model asked for.
    fn adjusted(&self) -> PyResult<AdjustedOptions> {
        let selmodel = match &self.selmodel {
            None => None,
            Some(t) => Some(SelModelOptions {
                kind: choice(
                    "selection model",
                    t,
                    SelType::NAMES,
                    "stepfun, beta, halfnorm, negexp, logistic or power",
                )?,
                steps: self.steps.clone(),
                alternative: choice(
                    "alternative",
                    &self.alternative,
                    Alternative::NAMES,
                    "greater (the default), less or two-sided",
                )?,
                delta: self.delta.clone(),
            }),
        };
        Ok(AdjustedOptions {
            pet_peese_alpha: self.pet_peese_alpha,
            selmodel,
        })
    }

    fn egger(&self) -> PyResult<EggerModel> {
        choice(
            "egger model",
            &self.egger,
            EggerModel::NAMES,
            "rma (metafor regtest, the default) or classic",
        )
    }
}

/// The trim-and-fill estimator: L0 or R0.
pub(crate) fn estimator(s: &str) -> PyResult<TrimFillEstimator> {
    choice(
        "trim-and-fill estimator",
        s,
        TrimFillEstimator::NAMES,
        "L0 (the default) or R0",
    )
}

/// The trim-and-fill side: left, right, or `None` (chosen from the data).
pub(crate) fn side(s: Option<&str>) -> PyResult<Option<Side>> {
    s.map(|s| {
        choice(
            "trim-and-fill side",
            s,
            Side::NAMES,
            "left or right (or None to choose from the data)",
        )
    })
    .transpose()
}

/// `bias`: Egger, Begg, trim-and-fill and fail-safe N, with PET-PEESE and a selection model
/// when asked for.
#[pyfunction]
#[pyo3(signature = (data_arg, model, extra))]
pub(crate) fn bias(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    extra: BiasExtra,
) -> PyResult<(String, String, Omitted)> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    let map = column_map(columns, &[])?;
    let opts = effect.options()?;
    let options = BiasOptions {
        effect: opts,
        model: model.model()?,
        egger: extra.egger()?,
        estimator: estimator(&extra.estimator)?,
        side: side(extra.side.as_deref())?,
        orwin_target: extra.orwin_target,
    };
    let adjusted = extra.adjusted()?;
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let es = EffectSizes::compute(&table, measure, &opts).map_err(to_py)?;
        let rep = adjusted.run(&options, &es).map_err(to_py)?;
        Ok((
            json(&rep, &source)?,
            report::bias_report_table(&rep, &source),
            omissions(&es),
        ))
    })
}

/// `influence`: leave-one-out diagnostics, or the cumulative meta-analysis.
#[pyfunction]
#[pyo3(signature = (data_arg, model, cumulative, order=None))]
pub(crate) fn influence(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    cumulative: bool,
    order: Option<String>,
) -> PyResult<(String, String, Omitted)> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
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
