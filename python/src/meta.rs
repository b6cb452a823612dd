//! `meta`: the fits `peerstat meta` runs, as JSON (the CLI's `--format json`) and the CLI's
//! table text.

use std::collections::HashMap;

use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::robust::RobustType;
use peerstat::model::MetaOptions;
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::data_arg::DataArg;
use crate::errors::{setting, to_py};
use crate::result::NativeResult;
use crate::{column_map, measure_of, omissions, ModelOpts};

/// What `meta` returns to the Python layer: the result (held typed; its JSON and table text
/// are written when asked for), no text (it is in the result), warnings (studies left out of an
/// analysis) and the rows omitted from the effect sizes.
type MetaOut = (NativeResult, Option<String>, Vec<String>, crate::Omitted);

/// The options of `meta` beyond the model and the effect sizes.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct MetaExtra {
    by: Option<String>,
    common_tau2: bool,
    mods: Vec<String>,
    permutations: Option<usize>,
    seed: u64,
    cluster: Option<String>,
    rho: f64,
    robust: Option<String>,
    robust_type: String,
    newmods: Vec<f64>,
    #[pyo3(default)]
    blup: bool,
    #[pyo3(default)]
    contrasts: Vec<String>,
}

impl MetaExtra {
    /// The columns the options name (renames of them are allowed).
    fn named(&self) -> Vec<&str> {
        self.by
            .iter()
            .chain(&self.mods)
            .chain(&self.cluster)
            .chain(&self.robust)
            .map(String::as_str)
            .collect()
    }

    fn robust_type(&self) -> PyResult<RobustType> {
        crate::options::robust_type(&self.robust_type)
    }
}

/// `meta`: a pooled fit with the subgroup, meta-regression and robust keys asked for, or a
/// Mantel–Haenszel / Peto fit.
#[pyfunction]
#[pyo3(signature = (data_arg, model, extra))]
pub(crate) fn meta(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    extra: MetaExtra,
) -> PyResult<MetaOut> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    let method = model.method.trim().to_ascii_uppercase();
    if method == "MH" || method == "PETO" {
        return mantel_haenszel(py, data, source, measure, &model, &extra, columns);
    }
    let named = extra.named();
    let map = column_map(columns, &named)?;
    let rm = model.model()?;
    let opts = effect.options()?;
    let robust_type = extra.robust_type()?;
    if extra.cluster.is_some() && extra.robust.is_some() {
        return Err(setting(
            "cluster (robust variance estimation, which refits the model) and robust \
             (cluster-robust inference on the fitted model) exclude each other",
        ));
    }
    if extra.permutations.is_some() && extra.mods.is_empty() {
        return Err(setting("permutations needs mods (a meta-regression)"));
    }
    if !extra.newmods.is_empty() && extra.mods.is_empty() {
        return Err(setting("newmods needs mods (a meta-regression)"));
    }
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let options = MetaOptions {
        effect: opts,
        model: rm,
        by: extra.by.clone(),
        common_tau2: extra.common_tau2,
        mods: extra.mods.clone(),
        permutations: extra.permutations.map(|n| (n, extra.seed)),
        cluster: extra.cluster.clone(),
        rho: extra.cluster.as_ref().map(|_| extra.rho),
        robust: extra.robust.clone(),
        robust_type: extra.robust.as_ref().map(|_| robust_type),
        newmods: (!extra.newmods.is_empty()).then(|| extra.newmods.clone()),
        blup: extra.blup,
        contrasts: extra.contrasts.clone(),
    };
    let source = source.to_string();
    py.detach(move || {
        let es = EffectSizes::compute(&table, measure, &opts).map_err(to_py)?;
        let run = options.fit(&table, &es).map_err(to_py)?;
        let mut warnings = Vec::new();
        if run.regression_dropped > 0 {
            warnings.push(format!(
                "{source}: {} studies left out of the meta-regression (missing moderator value)",
                run.regression_dropped
            ));
        }
        if let (Some(sg), true) = (&run.report.subgroups, run.subgroups_omitted > 0) {
            warnings.push(format!(
                "{source}: {} studies left out of the subgroup analysis (missing value in column {})",
                run.subgroups_omitted, sg.by
            ));
        }
        if run.rve_dropped > 0 {
            warnings.push(format!(
                "{source}: {} effects left out of the robust variance estimation (missing cluster or moderator value)",
                run.rve_dropped
            ));
        }
        let omitted = omissions(&es);
        let result = NativeResult::new(run.report, &source, report::table_report);
        Ok((result, None, warnings, omitted))
    })
}

/// Mantel–Haenszel / Peto: common-effect methods on the 2×2 tables.
fn mantel_haenszel(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    measure: Option<&str>,
    model: &ModelOpts,
    extra: &MetaExtra,
    columns: Option<HashMap<String, String>>,
) -> PyResult<MetaOut> {
    let mh = model.method.trim().eq_ignore_ascii_case("MH");
    let name = if mh { "MH" } else { "PETO" };
    if !extra.mods.is_empty()
        || extra.by.is_some()
        || extra.cluster.is_some()
        || extra.robust.is_some()
        || model.knha
    {
        return Err(setting(format!(
            "method {name} is a common-effect method for 2x2 tables: it does not combine with \
             mods, by, cluster, robust or knha"
        )));
    }
    let map = column_map(columns, &extra.named())?;
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    if !mh && measure != Measure::Or {
        return Err(setting(format!(
            "method PETO gives an odds ratio: use measure OR (got {measure})"
        )));
    }
    let level = model.level;
    let source = source.to_string();
    py.detach(move || {
        let fit = if mh {
            peerstat::diag::mantel_haenszel(&table, measure, level)
        } else {
            peerstat::diag::peto(&table, level)
        }
        .map_err(to_py)?;
        let result = NativeResult::new(fit, &source, report::mh_table);
        Ok((result, None, Vec::new(), Vec::new()))
    })
}
