//! `cea` and `network`: the reports of `peerstat cea` and `peerstat network` (the standard
//! network and the component model), as JSON and the CLI's table text.

use std::collections::HashMap;

use peerstat::econ::table::{analyse_table, CeaOptions, Shape};
use peerstat::econ::voi::{
    EvppiMethod, EvppiOptions, EvsiMethod, EvsiOptions, Population, Study, StudyCost, VoiRequest,
};
use peerstat::econ::Timing;
use peerstat::model::network::table as net_table;
use peerstat::report::{self, svg};
use pyo3::prelude::*;

use crate::arrow_io::load;
use crate::errors::to_py;
use crate::network_opts::NetworkOpts;
use crate::options::choice;
use crate::{column_map, json, measure_of, EffectOpts};

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
    /// Where to write the cost-effectiveness plane (`--plane`).
    #[pyo3(default)]
    plane: Option<crate::plot_output::Output>,
    /// Where to write the acceptability curves (`--ceac`).
    #[pyo3(default)]
    ceac: Option<crate::plot_output::Output>,
    /// Title of the plots.
    #[pyo3(default)]
    title: Option<String>,
    /// Value of information (`--evppi`, `--evsi`, `--population` …).
    #[pyo3(default)]
    voi: Option<VoiOpts>,
}

/// The value-of-information options of `cea`, as the CLI's `--evppi`, `--evsi` … flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct VoiOpts {
    evppi: Vec<Vec<String>>,
    evppi_method: String,
    evppi_se: usize,
    blocks: Option<usize>,
    evsi: Vec<String>,
    evsi_n: Vec<u64>,
    evsi_method: String,
    evsi_sd: f64,
    evsi_points: usize,
    population: Option<f64>,
    horizon: u32,
    discount: f64,
    study_cost: Option<String>,
    seed: u64,
}

impl VoiOpts {
    /// The library's request.
    fn request(&self) -> PyResult<VoiRequest> {
        let evppi = EvppiOptions {
            groups: self.evppi.clone(),
            method: choice(
                "EVPPI method",
                &self.evppi_method,
                &[
                    ("gam", EvppiMethod::Gam),
                    ("so", EvppiMethod::StrongOakley),
                    ("strong-oakley", EvppiMethod::StrongOakley),
                    ("sal", EvppiMethod::Sadatsafavi),
                    ("sadatsafavi", EvppiMethod::Sadatsafavi),
                ],
                "gam, so or sal",
            )?,
            blocks: self.blocks,
            se_draws: self.evppi_se,
            seed: self.seed,
        };
        let evsi = EvsiOptions {
            studies: self
                .evsi
                .iter()
                .map(|s| Study::parse(s))
                .collect::<Result<_, _>>()
                .map_err(to_py)?,
            n: self.evsi_n.clone(),
            method: choice(
                "EVSI method",
                &self.evsi_method,
                &[
                    ("regression", EvsiMethod::Regression),
                    ("moment-matching", EvsiMethod::MomentMatching),
                    ("mm", EvsiMethod::MomentMatching),
                ],
                "regression or moment-matching",
            )?,
            sd: self.evsi_sd,
            q: self.evsi_points,
            seed: self.seed,
        };
        let population = self
            .population
            .map(|p| Population::new(p, self.horizon, self.discount))
            .transpose()
            .map_err(to_py)?;
        let study_cost = self
            .study_cost
            .as_deref()
            .map(StudyCost::parse)
            .transpose()
            .map_err(to_py)?;
        Ok(VoiRequest {
            evppi,
            evsi,
            population,
            study_cost,
        })
    }
}

fn timing(s: &str) -> PyResult<Timing> {
    choice(
        "discounting timing",
        s,
        Timing::NAMES,
        "start (the default), end or continuous",
    )
}

/// `cea`: cost-effectiveness of strategies, PSA draws, patient-level trial data or arms; with
/// `plane` and `ceac` the plots of `peerstat cea --plane/--ceac` written too.
#[pyfunction]
#[pyo3(signature = (data, source, options, columns=None, params=None))]
pub(crate) fn cea(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    source: &str,
    options: CeaOpts,
    columns: Option<HashMap<String, String>>,
    params: Option<(Bound<'_, PyAny>, String)>,
) -> PyResult<(String, String)> {
    let covariates: Vec<&str> = options
        .cost_covariates
        .iter()
        .chain(&options.effect_covariates)
        .map(String::as_str)
        .collect();
    let map = column_map(columns, &covariates)?;
    for out in options.plane.iter().chain(&options.ceac) {
        out.check()?;
    }
    let given = options.wtp.is_some() || options.wtp_grid.is_some();
    let wtp = peerstat::econ::parse_wtp(options.wtp.as_deref(), options.wtp_grid.as_deref())
        .map_err(to_py)?;
    let opts = CeaOptions {
        shape: options
            .shape
            .as_deref()
            .map(Shape::parse)
            .transpose()
            .map_err(to_py)?,
        wtp: wtp.clone(),
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
    let request = options.voi.as_ref().map(VoiOpts::request).transpose()?;
    let params = match &params {
        Some((obj, src)) => Some(load(obj, src, &column_map(None, &[])?)?),
        None => None,
    };
    let (plane, ceac, title) = (options.plane, options.ceac, options.title);
    let (rep, plots) = py
        .detach(move || -> peerstat::Result<_> {
            let mut rep = analyse_table(&table, &opts)?;
            if let Some(r) = request.filter(|r| !r.is_empty()) {
                r.apply(&mut rep, &table, params.as_ref())?;
            }
            let plane = match plane {
                Some(out) => Some((out, svg::cea_plane(&rep, &table, &wtp, title.as_deref())?)),
                None => None,
            };
            let ceac = match ceac {
                Some(out) => {
                    let curves = match svg::acceptability_grid(&table, &opts, &rep, given)? {
                        Some((wide, grid)) => {
                            svg::cea_acceptability(&wide, &grid, title.as_deref())
                        }
                        None => svg::cea_acceptability(&rep, &wtp, title.as_deref()),
                    };
                    Some((out, curves?))
                }
                None => None,
            };
            Ok((rep, plane.into_iter().chain(ceac)))
        })
        .map_err(to_py)?;
    for (out, svg) in plots {
        out.write(&svg)?;
    }
    Ok((json(&rep, source)?, report::cea_table(&rep, source)))
}

/// `network`: a network meta-analysis from arm rows or contrast rows (`treat1`, `treat2`,
/// `yi`, `vi`/`sei`); with `components_sep` or `components_from` the additive component model
/// (netmeta's netcomb).
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
    let mut named = vec![
        options.study.as_str(),
        options.treatment.as_str(),
        "treat1",
        "treat2",
    ];
    named.extend(options.component_columns());
    let map = column_map(columns, &named)?;
    let opts = effect.options()?;
    let net = options.network()?;
    let components = options.components()?;
    let table = load(data, source, &map)?;
    let net = net.from_arms(!net_table::has_contrast_rows(&table));
    let measure = measure_of(measure, &table)?;
    let source = source.to_string();
    py.detach(move || {
        let contrasts =
            net_table::contrasts(&table, &options.study, &options.treatment, measure, &opts)
                .map_err(to_py)?;
        if components {
            let spec = options.spec(&table).map_err(to_py)?;
            let fit = net.fit_components(&contrasts, &spec).map_err(to_py)?;
            return Ok((
                json(&fit, &source)?,
                report::text::cnma_table(&fit, measure, &source),
            ));
        }
        let fit = net.fit(&contrasts).map_err(to_py)?;
        Ok((
            json(&fit, &source)?,
            report::text::network_table(&fit, measure, &source),
        ))
    })
}
