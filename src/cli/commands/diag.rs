//! `peerstat bias` and `peerstat influence`.

use peerstat::diag::{BiasOptions, BiasReport, InfluenceOptions};
use peerstat::report::{self, svg};

use super::{effect_sizes, load, model};
use crate::cli::args::{BiasArgs, Format, FunnelYArg, InfluenceArgs};
use crate::cli::output::{emit, write_plot, Paths};
use crate::cli::{CmdResult, Failure};

/// `peerstat bias`.
pub fn bias(a: BiasArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
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
        funnel(&a, &l, &es, &model, &rep, &file, path)?;
    }
    let text = match a.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::record(&rep)?,
        Format::Table => report::bias_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}

/// `--funnel`: the contour-enhanced funnel plot with trim-and-fill's filled studies and
/// adjusted estimate.
fn funnel(
    a: &BiasArgs,
    l: &super::Loaded,
    es: &peerstat::effect::EffectSizes,
    model: &peerstat::model::RandomEffects,
    rep: &BiasReport,
    file: &str,
    path: &std::path::Path,
) -> CmdResult {
    let fit = model.fit(es)?;
    let filled: Vec<(f64, f64)> = rep.trimfill.filled.iter().map(|f| (f.yi, f.vi)).collect();
    let y = match a.funnel_y {
        FunnelYArg::Se => svg::FunnelY::Se,
        FunnelYArg::Vi => svg::FunnelY::Vi,
        FunnelYArg::InvSe => svg::FunnelY::InvSe,
        FunnelYArg::N => svg::FunnelY::N,
    };
    let n = if y == svg::FunnelY::N {
        let nt = l.table.numeric("n_t", "for --funnel-y n (arm sizes)")?;
        let nc = l.table.numeric("n_c", "for --funnel-y n (arm sizes)")?;
        let mut n = Vec::with_capacity(es.k());
        for &r in es.rows() {
            match (nt[r], nc[r]) {
                (Some(t), Some(c)) => n.push(t + c),
                _ => {
                    return Err(Failure::Usage(format!(
                        "--funnel-y n: row {} has no arm sizes (n_t, n_c)",
                        r + 1
                    )))
                }
            }
        }
        Some(n)
    } else {
        None
    };
    let title = a.title.clone().unwrap_or_else(|| {
        format!(
            "Funnel plot: {}",
            std::path::Path::new(file)
                .file_name()
                .map_or(file.into(), |f| f.to_string_lossy().into_owned())
        )
    });
    let plot = svg::funnel_plot(
        &svg::FunnelPlot {
            yi: es.yi(),
            vi: es.vi(),
            n: n.as_deref(),
            estimate: fit.summary.estimate,
            filled: &filled,
            adjusted: (rep.trimfill.k0 > 0).then_some(rep.trimfill.est.estimate),
            measure: es.measure(),
            y,
            pseudo_ci: a.funnel_ci,
        },
        &title,
    );
    write_plot(path, &plot, &a.plot.options())
}

/// `peerstat influence`.
pub fn influence(a: InfluenceArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
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
    let text = match a.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::influence(&rep)?,
        Format::Table => report::influence_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}
