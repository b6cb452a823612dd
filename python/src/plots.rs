//! Plots from Python: the forest and bubble plots of `peerstat meta --forest/--bubble`, the
//! funnel plot of `peerstat bias --funnel`, and the network plots of `peerstat network` (`--graph`,
//! `--forest`, `--league`, `--components-forest`), drawn by the library's `report::svg` functions; and `simulate`, the
//! data of `peerstat simulate`. A plot comes back as SVG text and, with a path, is also written
//! there as SVG, PNG or PDF (by the extension), recoloured to the theme, as the CLI writes it.

use std::collections::HashMap;
use std::path::Path;

use peerstat::data::Table;
use peerstat::diag::BiasOptions;
use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::network::table as net_table;
use peerstat::model::MetaOptions;
use peerstat::report::svg::{self, Better, ForestLayout};
use pyo3::prelude::*;

use crate::arrow_io::{load, ArrowTable};
use crate::data_arg::DataArg;
use crate::errors::{setting, to_py};
use crate::options::choice;
use crate::plot_output::Output;
use crate::{column_map, measure_of, EffectOpts, ModelOpts};

/// The forest plot's layout options (those of `peerstat meta --forest`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct ForestOpts {
    by: Option<String>,
    title: Option<String>,
    xlab: Option<String>,
    xlim: Vec<f64>,
    at: Vec<f64>,
    favours: Option<String>,
    better: Option<String>,
    sort: Option<String>,
    ilab: Vec<String>,
    arm_data: bool,
    transf: String,
    digits: usize,
    subgroup_weights: bool,
}

impl ForestOpts {
    /// The library's layout, its choices checked.
    fn layout(&self) -> PyResult<ForestLayout> {
        let better = self
            .better
            .as_deref()
            .map(|b| {
                choice(
                    "better",
                    b,
                    &[("lower", Better::Lower), ("higher", Better::Higher)],
                    "lower or higher (or None: lower for 2x2 tables and rates, higher otherwise)",
                )
            })
            .transpose()?;
        let exp = choice(
            "transf",
            &self.transf,
            &[("none", false), ("exp", true)],
            "none (the default) or exp",
        )?;
        Ok(ForestLayout {
            title: self.title.clone(),
            xlab: self.xlab.clone(),
            xlim: self.xlim.clone(),
            at: self.at.clone(),
            favours: self.favours.clone(),
            better,
            sort: self.sort.clone(),
            ilab: self.ilab.clone(),
            arm_data: self.arm_data,
            exp,
            digits: self.digits,
            subgroup_weights: self.subgroup_weights,
            max_rows: peerstat::report::svg::MAX_FOREST_ROWS,
        })
    }
}

/// The funnel plot's options (those of `peerstat bias --funnel`, with the trim-and-fill
/// options whose filled studies it shows).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct FunnelOpts {
    funnel_y: String,
    funnel_ci: bool,
    title: Option<String>,
    estimator: String,
    side: Option<String>,
}

/// The data of a plot: the table read with the renames checked against `named`, its measure,
/// the model and the effect-size options.
struct Input {
    table: Table,
    measure: Measure,
    model: peerstat::model::RandomEffects,
    effect: peerstat::effect::EffectOptions,
}

fn input(
    (data, source, measure): (&Bound<'_, PyAny>, &str, Option<&str>),
    model: &ModelOpts,
    effect: &EffectOpts,
    columns: Option<HashMap<String, String>>,
    named: &[&str],
) -> PyResult<Input> {
    let map = column_map(columns, named)?;
    let model = model.model()?;
    let effect = effect.options()?;
    let table = load(data, source, &map)?;
    let measure = measure_of(measure, &table)?;
    Ok(Input {
        table,
        measure,
        model,
        effect,
    })
}

/// `forest`: the forest plot of `peerstat meta --forest` (subgroup blocks with `by`), as SVG
/// text recoloured to the theme, written to `out.path` when given.
#[pyfunction]
#[pyo3(signature = (data_arg, model, forest, out))]
pub(crate) fn forest(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    forest: ForestOpts,
    out: Output,
) -> PyResult<String> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    out.check()?;
    let layout = forest.layout()?;
    let mut named = layout.columns();
    named.extend(forest.by.as_deref());
    let inp = input((data, source, measure), &model, &effect, columns, &named)?;
    let source = source.to_string();
    let svg = py
        .detach(move || -> peerstat::Result<String> {
            let Input {
                table,
                measure,
                model,
                effect,
            } = inp;
            let es = EffectSizes::compute(&table, measure, &effect)?;
            let options = MetaOptions {
                by: forest.by,
                ..MetaOptions::new(effect, model)
            };
            let rep = options.fit(&table, &es)?.report;
            let rob = peerstat::framework::rob::assess_rows(&table, &rep.fit.studies, &source);
            let o = layout.options(&table, rep.fit.measure, rob.as_ref())?;
            svg::forest_plot(&rep.fit, rep.subgroups.as_ref(), &o)
        })
        .map_err(to_py)?;
    out.write(&svg)
}

/// `bubble`: the bubble plot of `peerstat meta --mods COL --bubble` (metafor `regplot`) for
/// the meta-regression on the one column `moderator`, as SVG text recoloured to the theme,
/// written to `out.path` when given.
#[pyfunction]
#[pyo3(signature = (data_arg, model, moderator, out))]
pub(crate) fn bubble(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    moderator: String,
    out: Output,
) -> PyResult<String> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    out.check()?;
    let inp = input(
        (data, source, measure),
        &model,
        &effect,
        columns,
        &[moderator.as_str()],
    )?;
    let svg = py
        .detach(move || -> peerstat::Result<String> {
            let es = EffectSizes::compute(&inp.table, inp.measure, &inp.effect)?;
            let options = MetaOptions {
                mods: vec![moderator.clone()],
                ..MetaOptions::new(inp.effect, inp.model)
            };
            let rep = options.fit(&inp.table, &es)?.report;
            svg::regression_bubble(&inp.table, &es, &rep, &moderator)
        })
        .map_err(to_py)?;
    out.write(&svg)
}

/// `funnel`: the contour-enhanced funnel plot of `peerstat bias --funnel`, as SVG text
/// recoloured to the theme, written to `out.path` when given.
#[pyfunction]
#[pyo3(signature = (data_arg, model, funnel, out))]
pub(crate) fn funnel(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    model: ModelOpts,
    funnel: FunnelOpts,
    out: Output,
) -> PyResult<String> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    out.check()?;
    let y = choice(
        "funnel_y",
        &funnel.funnel_y,
        &[
            ("se", svg::FunnelY::Se),
            ("vi", svg::FunnelY::Vi),
            ("inv-se", svg::FunnelY::InvSe),
            ("inv_se", svg::FunnelY::InvSe),
            ("n", svg::FunnelY::N),
        ],
        "se (the default), vi, inv-se or n",
    )?;
    let estimator = crate::diag::estimator(&funnel.estimator)?;
    let side = crate::diag::side(funnel.side.as_deref())?;
    let inp = input((data, source, measure), &model, &effect, columns, &[])?;
    let svg = py
        .detach(move || {
            let options = BiasOptions {
                effect: inp.effect,
                model: inp.model,
                egger: peerstat::diag::EggerModel::Rma,
                estimator,
                side,
                orwin_target: None,
            };
            funnel_svg(&inp, &options, (y, &funnel))
        })
        .map_err(to_py)?;
    out.write(&svg)
}

/// The funnel plot as `peerstat bias --funnel` draws it.
fn funnel_svg(
    inp: &Input,
    options: &BiasOptions,
    (y, f): (svg::FunnelY, &FunnelOpts),
) -> peerstat::Result<String> {
    let es = EffectSizes::compute(&inp.table, inp.measure, &inp.effect)?;
    let rep = options.run(&es)?;
    let fit = inp.model.fit(&es)?;
    svg::bias_funnel(
        &inp.table,
        &es,
        (fit.summary.estimate, &rep),
        (y, f.funnel_ci),
        f.title.as_deref(),
    )
}

/// `network_plot`: the network graph (`graph`), the forest plot against the reference
/// (`forest`, `random` or common model) or the league table (`league`) of the standard
/// network, or the component-effect forest plot of a component model (`components`), as
/// `peerstat network --graph/--forest/--league/--components-forest` draw them.
#[pyfunction]
#[pyo3(signature = (data_arg, options, which, random, out))]
pub(crate) fn network_plot(
    py: Python<'_>,
    data_arg: DataArg<'_>,
    options: crate::network_opts::NetworkOpts,
    which: &str,
    random: bool,
    out: Output,
) -> PyResult<String> {
    let DataArg {
        data,
        source,
        measure,
        effect,
        columns,
    } = data_arg;
    let (data, source, measure) = (&data, source.as_str(), measure.as_deref());
    out.check()?;
    #[derive(Clone, Copy, PartialEq)]
    enum Which {
        Graph,
        Forest,
        League,
        Components,
    }
    let which = choice(
        "network plot",
        which,
        &[
            ("graph", Which::Graph),
            ("forest", Which::Forest),
            ("league", Which::League),
            ("components", Which::Components),
        ],
        "graph, forest, league or components",
    )?;
    if options.components()? != (which == Which::Components) {
        return Err(setting(
            "the components plot is that of a component network meta-analysis \
             (components_sep or components_from), and only it takes the component options",
        ));
    }
    let (study, treatment) = options.columns();
    let mut named = vec![study, treatment, "treat1", "treat2"];
    named.extend(options.component_columns());
    let map = column_map(columns, &named)?;
    let opts = effect.options()?;
    let net = options.network()?;
    let table = load(data, source, &map)?;
    let net = net.from_arms(!net_table::has_contrast_rows(&table));
    let measure = measure_of(measure, &table)?;
    // the plots' titles name the file, not its whole path (as `peerstat network`)
    let file = Path::new(source)
        .file_name()
        .map_or_else(|| source.to_string(), |n| n.to_string_lossy().into_owned());
    let svg = py
        .detach(move || -> peerstat::Result<String> {
            let (study, treatment) = options.columns();
            let contrasts = net_table::contrasts(&table, study, treatment, measure, &opts)?;
            Ok(match which {
                Which::Graph => svg::network_graph(
                    &net_table::evidence(&table, study, treatment, &contrasts),
                    &format!("{file} — network"),
                ),
                Which::Forest => {
                    let title = format!("{file} — {}", measure.description());
                    svg::network_forest(&net.fit(&contrasts)?, measure, random, &title)
                }
                Which::League => svg::network_league(
                    &net.fit(&contrasts)?,
                    measure,
                    &format!("{file} — league table"),
                ),
                Which::Components => {
                    let fit = net.fit_components(&contrasts, &options.spec(&table)?)?;
                    let title = format!("{file} — component effects, {}", measure.description());
                    svg::component_forest(&fit, measure, random, &title)
                }
            })
        })
        .map_err(to_py)?;
    out.write(&svg)
}

/// `simulate`: the bulk benchmark workload of `peerstat simulate --analyses N` (one table), or
/// with `framework` the demonstration evidence base of `peerstat simulate --framework` (the
/// effects and the economic companion).
#[pyfunction]
#[pyo3(signature = (analyses, seed, framework, trials))]
pub(crate) fn simulate(
    py: Python<'_>,
    analyses: usize,
    seed: u64,
    framework: bool,
    trials: usize,
) -> PyResult<(ArrowTable, Option<ArrowTable>)> {
    if framework {
        let (effects, costs) =
            py.detach(|| peerstat::framework::simulate::simulate_framework(trials, seed));
        return Ok((ArrowTable::new(&effects)?, Some(ArrowTable::new(&costs)?)));
    }
    if analyses == 0 {
        return Err(setting("simulate needs analyses >= 1 (or framework=True)"));
    }
    let table = py.detach(|| peerstat::bulk::simulate_table(analyses, seed));
    Ok((ArrowTable::new(&table)?, None))
}
