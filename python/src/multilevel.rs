//! `meta(random=...)`: a multilevel model as `peerstat meta --random` (metafor `rma.mv`), with
//! `V` from `vcalc` and cluster-robust inference, as JSON and the CLI's table text.

use std::collections::HashMap;

use peerstat::effect::EffectSizes;
use peerstat::model::multilevel::{
    parse_terms, CovSource, MultilevelDfs, MultilevelMethod, MultilevelModel, MultilevelTest,
    Structure,
};
use peerstat::model::robust::{cluster_ids, MultilevelReport, Robust, RobustType};
use peerstat::model::vcalc::VcalcSpec;
use peerstat::report;
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::errors::{setting, to_py};
use crate::{column_map, json, measure_of, omissions, parse, EffectOpts, ModelOpts, Omitted};

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

    pub(crate) fn columns(&self) -> Vec<&str> {
        [
            Some(&self.cluster),
            self.obs.as_ref(),
            self.time.as_ref(),
            self.type_col.as_ref(),
            self.subgroup.as_ref(),
            self.grp1.as_ref(),
            self.grp2.as_ref(),
            self.w1.as_ref(),
            self.w2.as_ref(),
            self.time2.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect()
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
    profile_ci: bool,
    newmods: Vec<f64>,
    robust: Option<String>,
    robust_type: String,
}

impl MultilevelOpts {
    fn model(&self, m: &ModelOpts) -> PyResult<MultilevelModel> {
        let method = match m.method.trim().to_ascii_uppercase().as_str() {
            "REML" => MultilevelMethod::Reml,
            "ML" => MultilevelMethod::Ml,
            _ => {
                return Err(setting(
                    "a multilevel model (random=) fits the variance components by REML or ML: \
                     use method='REML' (the default) or method='ML'",
                ))
            }
        };
        let test = match self.test.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("z") if m.knha => return Err(setting(
                "test='z' and knha=True contradict each other: with random=, knha means test='t'",
            )),
            Some("t") => MultilevelTest::T,
            Some("z") | None if !m.knha => MultilevelTest::Z,
            None => MultilevelTest::T,
            Some(other) => return Err(setting(format!("unknown test '{other}': choose z or t"))),
        };
        let mut model = MultilevelModel::new()
            .method(method)
            .test(test)
            .level(m.level)
            .map_err(to_py)?
            .max_iter(m.max_iter)
            .structure(parse::<Structure>(&self.structure)?)
            .profile_ci(self.profile_ci);
        if let Some(d) = &self.dfs {
            model = model.dfs(match d.trim().to_ascii_lowercase().as_str() {
                "residual" => MultilevelDfs::Residual,
                "contain" => MultilevelDfs::Contain,
                _ => {
                    return Err(setting(format!(
                        "unknown dfs '{d}': choose residual or contain"
                    )))
                }
            });
        }
        if !self.newmods.is_empty() {
            model = model.newmods(self.newmods.clone());
        }
        if let Some(s) = &self.sigma2 {
            model = model.fix_sigma2(s.clone());
        }
        Ok(model)
    }
}

/// `meta(random=...)`: JSON, table text, warnings, rows omitted.
#[pyfunction]
#[pyo3(signature = (data, source, measure, model, effect, extra, vcalc=None, columns=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn multilevel(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    measure: Option<&str>,
    model: ModelOpts,
    effect: EffectOpts,
    extra: MultilevelOpts,
    vcalc: Option<VcalcOpts>,
    columns: Option<HashMap<String, String>>,
) -> PyResult<(String, String, Vec<String>, Omitted)> {
    let terms = parse_terms(&extra.random).map_err(to_py)?;
    let mm = extra.model(&model)?;
    let robust_type = match extra.robust_type.trim().to_ascii_uppercase().as_str() {
        "CR2" => RobustType::Cr2,
        "CR1" => RobustType::Cr1,
        _ => {
            return Err(setting(
                "unknown robust_type: choose CR2 (the default) or CR1",
            ))
        }
    };
    let robust = extra
        .robust
        .as_ref()
        .map(|col| Robust::new(robust_type, model.level).map(|r| (r, col.clone())))
        .transpose()
        .map_err(to_py)?;
    let mut named: Vec<&str> = terms.nested.iter().map(String::as_str).collect();
    if let Some((i, o)) = &terms.structured {
        named.extend([i.as_str(), o.as_str()]);
    }
    named.extend(extra.mods.iter().map(String::as_str));
    named.extend(vcalc.iter().flat_map(VcalcOpts::columns));
    named.extend(extra.robust.as_deref());
    let map = column_map(columns, &named)?;
    let opts = effect.options()?;
    let cov = vcalc.map(|v| CovSource::Vcalc(v.spec()));
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let es = EffectSizes::compute(&table, measure, &opts).map_err(to_py)?;
        let mut rep = mm
            .fit_table_terms(&table, &es, &terms, &extra.mods, cov.as_ref())
            .map_err(to_py)?;
        let mut warnings = Vec::new();
        if rep.dropped > 0 {
            warnings.push(format!(
                "{source}: {} effects left out of the multilevel model (missing moderator value)",
                rep.dropped
            ));
        }
        let robust = match &robust {
            Some((r, col)) => {
                let ids = cluster_ids(&table, col, rep.rows.iter().copied()).map_err(to_py)?;
                rep.options.robust = Some(col.clone());
                rep.options.robust_type = Some(robust_type);
                Some(r.fit_multilevel(&rep.fit, &ids).map_err(to_py)?)
            }
            None => None,
        };
        let rep = MultilevelReport {
            table: rep,
            robust,
            rho_grid: None,
        };
        let mut text = report::multilevel_table(&rep.table, &source);
        if let Some(r) = &rep.robust {
            text.push_str(&report::text::robust_table(r));
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
        let method = match m.method.trim().to_ascii_uppercase().as_str() {
            "REML" => MultilevelMethod::Reml,
            "ML" => MultilevelMethod::Ml,
            _ => {
                return Err(setting(
                    "a multilevel model (random=) fits the variance components by REML or ML: \
                     use method='REML' (the default) or method='ML'",
                ))
            }
        };
        let mut model = MultilevelModel::new()
            .method(method)
            .test(if m.knha {
                MultilevelTest::T
            } else {
                MultilevelTest::Z
            })
            .level(m.level)
            .map_err(to_py)?
            .max_iter(m.max_iter);
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
            model = model.fix_sigma2(held.clone());
        }
        let mut job = peerstat::bulk::BulkMultilevel::new(model, &factors).map_err(to_py)?;
        if let Some(v) = vcalc {
            job = job.vcalc(v.spec()).map_err(to_py)?;
        }
        if let Some(col) = &self.robust {
            let rt = match self.robust_type.trim().to_ascii_uppercase().as_str() {
                "CR2" => RobustType::Cr2,
                "CR1" => RobustType::Cr1,
                _ => {
                    return Err(setting(
                        "unknown robust_type: choose CR2 (the default) or CR1",
                    ))
                }
            };
            job = job.robust(Robust::new(rt, m.level).map_err(to_py)?, col);
        }
        Ok(job)
    }
}
