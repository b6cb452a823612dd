//! `peerstat bias` and `peerstat influence`.

use peerstat::diag::{BiasOptions, InfluenceOptions};
use peerstat::report::{self, svg};

use super::{effect_sizes, load, model};
use crate::cli::args::{BiasArgs, Format, InfluenceArgs};
use crate::cli::output::{emit, write_text, Paths};
use crate::cli::CmdResult;

/// `peerstat bias`.
pub fn bias(a: BiasArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
        .output("--funnel", a.funnel.as_deref())
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
        let fit = model.fit(&es)?;
        let filled: Vec<(f64, f64)> = rep.trimfill.filled.iter().map(|f| (f.yi, f.vi)).collect();
        let plot = svg::funnel(
            es.yi(),
            es.vi(),
            fit.summary.estimate,
            &filled,
            es.measure(),
            &format!("{file}: funnel plot"),
        );
        write_text(path, &plot)?;
    }
    let text = match a.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::record(&rep)?,
        Format::Table => report::bias_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
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
