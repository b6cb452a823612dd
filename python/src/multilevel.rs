//! `meta(random=...)`: a multilevel model as `peerstat meta --random` (metafor `rma.mv`), with
//! `V` from `vcalc` and cluster-robust inference, as JSON and the CLI's table text.

use peerstat::effect::EffectSizes;
use peerstat::model::multilevel::{parse_terms, CovSource, MultilevelModel, Structure};
use peerstat::model::robust::Robust;
use peerstat::model::vcalc::VcalcSpec;
use peerstat::model::MultilevelOptions;
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::data_arg::DataArg;
use crate::errors::{setting, to_py};
use crate::options;
use crate::{column_map, json, measure_of, omissions, parse, ModelOpts, Omitted};

/// `vcalc` as a Python dict: `cluster`, `obs`, `rho`, `time`, `phi`, `type`, `rho_type`,
/// `subgroup`, `grp1`, `grp2`, `w1`, `w2`, `time2` (metafor's arguments).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct VcalcOpts {
    cluster: String,
    obs: Option<String>,
    rho: Option<f64>,
    time: Option<String>,
    phi: Option<f64>,
    type_col: Option<String>,
    rho_type: Option<f64>,
    subgroup: Option<String>,
    grp1: Option<String>,
    grp2: Option<String>,
    w1: Option<String>,
    w2: Option<String>,
    time2: Option<String>,
}

impl VcalcOpts {
    pub(crate) fn spec(self) -> VcalcSpec {
        VcalcSpec {
            cluster: self.cluster,
            obs: self.obs,
            rho: self.rho.unwrap_or(0.0),
            time: self.time,
            phi: self.phi,
            subgroup: self.subgroup,
            type_col: self.type_col,
            rho_type: self.rho_type,
            time2: self.time2,
            grp1: self.grp1,
            grp2: self.grp2,
            w1: self.w1,
            w2: self.w2,
        }
    }
}

/// The multilevel options beyond the model and the effect sizes.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct MultilevelOpts {
    random: String,
    mods: Vec<String>,
    test: Option<String>,
    structure: String,
    dfs: Option<String>,
    sigma2: Option<Vec<Option<f64>>>,
    #[pyo3(default)]
    tau2: Option<Vec<Option<f64>>>,
    #[pyo3(default)]
    struct_rho: Option<Vec<Option<f64>>>,
    profile_ci: bool,
    newmods: Vec<f64>,
    robust: Option<String>,
    robust_type: String,
    #[pyo3(default)]
    lrt_drop: Option<String>,
    #[pyo3(default)]
    rho_grid: Vec<f64>,
    #[pyo3(default)]
    vcov_cols: Vec<String>,
    #[pyo3(default)]
    blup: bool,
    #[pyo3(default)]
    contrasts: Vec<String>,
}

/// The model of `meta(random=...)` and `reanalyse(random=...)`: method, test and level.
fn base_model(m: &ModelOpts, test: Option<&str>) -> PyResult<MultilevelModel> {
    MultilevelModel::new()
        .method(options::multilevel_method(&m.method)?)
        .test(options::multilevel_test(test, m.knha)?)
        .level(m.level)
        .map_err(to_py)
        .map(|model| model.max_iter(m.max_iter))
}

impl MultilevelOpts {
    /// The library's options (the vcalc covariance from `vcalc`, else `vcov_cols`).
    fn options(&self, m: &ModelOpts, vcalc: Option<VcalcOpts>) -> PyResult<MultilevelOptions> {
        let terms = parse_terms(&self.random).map_err(to_py)?;
        let structure = parse::<Structure>(&self.structure)?;
        if terms.structured.is_none()
            && (self.tau2.is_some() || self.struct_rho.is_some() || structure != Structure::Cs)
        {
            return Err(setting(format!(
                "structure, tau2 and struct_rho need a structured term in random ('~ inner | \
                 outer', e.g. '~ outcome | study'); '{}' has none",
                self.random
            )));
        }
        if vcalc.is_some() && !self.vcov_cols.is_empty() {
            return Err(setting(
                "vcalc and vcov_cols both give the sampling covariances: choose one",
            ));
        }
        let mut model = base_model(m, self.test.as_deref())?
            .structure(structure)
            .profile_ci(self.profile_ci);
        if let Some(t) = &self.tau2 {
            model = model.fix_tau2(options::held("tau2", t)?);
        }
        if let Some(r) = &self.struct_rho {
            model = model.fix_rho(options::held("struct_rho", r)?);
        }
        if let Some(d) = &self.dfs {
            model = model.dfs(options::dfs(d)?);
        }
        if !self.newmods.is_empty() {
            model = model.newmods(self.newmods.clone());
        }
        let sigma2 = self
            .sigma2
            .as_deref()
            .map(|s| options::held("sigma2", s))
            .transpose()?;
        if let Some(s) = &sigma2 {
            model = model.fix_sigma2(s.clone());
        }
        let robust = match &self.robust {
            Some(col) => Some((
                Robust::new(options::robust_type(&self.robust_type)?, m.level).map_err(to_py)?,
                col.clone(),
            )),
            None => None,
        };
        let options = MultilevelOptions {
            model,
            terms,
            mods: self.mods.clone(),
            cov: match vcalc {
                Some(v) => Some(CovSource::Vcalc(v.spec())),
                None if !self.vcov_cols.is_empty() => {
                    Some(CovSource::Columns(self.vcov_cols.clone()))
                }
                None => None,
            },
            sigma2,
            lrt_drop: self.lrt_drop.clone(),
            robust,
            rho_grid: self.rho_grid.clone(),
            blup: self.blup,
            contrasts: self.contrasts.clone(),
        };
        options.check().map_err(to_py)?;
        Ok(options)
    }
}

/// `meta(random=...)`: JSON, table text, warnings, rows omitted.
#[pyfunction]
#[pyo3(signature = (data_arg, model, extra, vcalc=None))]
pub(crate) fn multilevel(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    extra: MultilevelOpts,
    vcalc: Option<VcalcOpts>,
) -> PyResult<(String, String, Vec<String>, Omitted)> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    let options = extra.options(&model, vcalc)?;
    let map = column_map(columns, &options.columns())?;
    let opts = effect.options()?;
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let es = EffectSizes::compute(&table, measure, &opts).map_err(to_py)?;
        let run = options.fit(&table, &es).map_err(to_py)?;
        let mut warnings = Vec::new();
        if run.dropped > 0 {
            warnings.push(format!(
                "{source}: {} effects left out of the multilevel model (missing moderator value)",
                run.dropped
            ));
        }
        let rep = run.report;
        let mut text = report::multilevel_table(&rep.table, &source);
        if let Some(r) = &rep.robust {
            text.push_str(&report::text::robust_table(r));
        }
        if let Some(g) = &rep.rho_grid {
            text.push_str(&report::text::rho_grid_table(g));
        }
        if let Some(c) = &rep.contrasts {
            text.push_str(&report::text::contrast_table(c));
        }
        if let Some(r) = &rep.ranef {
            text.push_str(&report::text::ranef_table(r, &rep.table.fit.factors));
        }
        Ok((json(&rep, &source)?, text, warnings, omissions(&es)))
    })
}

/// The multilevel model of a bulk reanalysis (`reanalyse(random=...)`), as the CLI's
/// `reanalyse --random` builds it.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct BulkOpts {
    random: String,
    sigma2: Option<Vec<Option<f64>>>,
    robust: Option<String>,
    robust_type: String,
}

impl BulkOpts {
    /// The bulk multilevel job, checked before any group is read.
    pub(crate) fn build(
        &self,
        m: &ModelOpts,
        vcalc: Option<VcalcOpts>,
    ) -> PyResult<peerstat::bulk::BulkMultilevel> {
        let factors = peerstat::model::multilevel::parse_random(&self.random).map_err(to_py)?;
        let mut model = base_model(m, None)?;
        if let Some(held) = &self.sigma2 {
            if held.len() != factors.len() {
                return Err(setting(format!(
                    "sigma2 has {} entries for the {} random factors ({}); give one per factor, \
                     outer first",
                    held.len(),
                    factors.len(),
                    factors.join(", ")
                )));
            }
            model = model.fix_sigma2(options::held("sigma2", held)?);
        }
        let mut job = peerstat::bulk::BulkMultilevel::new(model, &factors).map_err(to_py)?;
        if let Some(v) = vcalc {
            job = job.vcalc(v.spec()).map_err(to_py)?;
        }
        if let Some(col) = &self.robust {
            let rt = options::robust_type(&self.robust_type)?;
            job = job.robust(Robust::new(rt, m.level).map_err(to_py)?, col);
        }
        Ok(job)
    }
}
