//! `peerstat bias` and `peerstat influence`.

use peerstat::diag::{BiasOptions, BiasResult, InfluenceOptions};
use peerstat::report::{self, svg};

use super::{effect_sizes, load, model};
use crate::cli::args::{BiasArgs, Format, FunnelYArg, InfluenceArgs};
use crate::cli::output::{emit, write_plot, Paths};
use crate::cli::CmdResult;

/// `peerstat bias`.
pub fn bias(a: BiasArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.out.output.as_deref())
        .plot("--funnel", a.funnel.as_deref())
        .check()?;
    let model = model(&a.model)?;
    let l = load(&a.data, &[])?;
    let es = effect_sizes(&l, &a.data.input)?;
    let options = BiasOptions {
        effect: l.opts,
        model,
        egger: a.egger.into(),
        estimator: a.estimator.into(),
        side: a.side.map(Into::into),
        orwin_target: a.orwin_target,
    };
    let rep = options.run(&es)?;
    let file = a.data.input.display().to_string();
    if let Some(path) = &a.funnel {
        funnel(&a, &l, &es, &model, &rep, path)?;
    }
    let text = match a.out.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::record(&rep)?,
        Format::Table => report::bias_table(&rep, &file),
    };
    emit(&text, a.out.output.as_deref())
}

/// `--funnel`: the contour-enhanced funnel plot with trim-and-fill's filled studies and
/// adjusted estimate.
fn funnel(
    a: &BiasArgs,
    l: &super::Loaded,
    es: &peerstat::effect::EffectSizes,
    model: &peerstat::model::RandomEffects,
    rep: &BiasResult,
    path: &std::path::Path,
) -> CmdResult {
    let fit = model.fit(es)?;
    let y = match a.funnel_y {
        FunnelYArg::Se => svg::FunnelY::Se,
        FunnelYArg::Vi => svg::FunnelY::Vi,
        FunnelYArg::InvSe => svg::FunnelY::InvSe,
        FunnelYArg::N => svg::FunnelY::N,
    };
    let plot = svg::bias_funnel(
        &l.table,
        es,
        (fit.summary.estimate, rep),
        (y, a.funnel_ci),
        a.title.as_deref(),
    )?;
    write_plot(path, &plot, &a.plot.options())
}

/// `peerstat influence`.
pub fn influence(a: InfluenceArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.out.output.as_deref())
        .check()?;
    let model = model(&a.model)?;
    let l = load(
        &a.data,
        &a.order.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    let es = effect_sizes(&l, &a.data.input)?;
    let file = a.data.input.display().to_string();
    let options = InfluenceOptions {
        effect: l.opts,
        model,
        cumulative: a.cumulative,
        order: a.order.clone(),
    };
    let rep = options.run(&l.table, &es)?;
    let text = match a.out.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::influence(&rep)?,
        Format::Table => report::influence_table(&rep, &file),
    };
    emit(&text, a.out.output.as_deref())
}
