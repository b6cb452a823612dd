//! `peerstat bias` and `peerstat influence`.

use peerstat::diag::{
    AdjustedOptions, Alternative, BiasOptions, BiasResult, InfluenceOptions, SelModelOptions,
    SelType,
};
use peerstat::report::{self, svg};

use super::{effect_sizes, load, model};
use crate::cli::args::{AlternativeArg, BiasArgs, Format, FunnelYArg, InfluenceArgs, SelTypeArg};
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
    let mut rep = adjusted(&a).run(&options, &es)?;
    if !a.fsn_type.is_empty() {
        let types: Vec<_> = a.fsn_type.iter().map(|t| (*t).into()).collect();
        rep.bias.fail_safe_n = rep
            .bias
            .fail_safe_n
            .with_types(&es, &types, a.orwin_target)?;
    }
    let file = a.data.input.display().to_string();
    if let Some(path) = &a.funnel {
        funnel(&a, &l, &es, &model, &rep.bias, path)?;
    }
    let text = match a.out.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::record(&rep)?,
        Format::Table => report::bias_report_table(&rep, &file),
    };
    emit(&text, a.out.output.as_deref())
}

/// `--pet-peese` and `--selmodel`.
fn adjusted(a: &BiasArgs) -> AdjustedOptions {
    AdjustedOptions {
        pet_peese_alpha: a.pet_peese.then_some(a.pet_peese_alpha),
        selmodel: a.selmodel.map(|t| SelModelOptions {
            kind: match t {
                SelTypeArg::Stepfun => SelType::Stepfun,
                SelTypeArg::Beta => SelType::Beta,
                SelTypeArg::Halfnorm => SelType::Halfnorm,
                SelTypeArg::Negexp => SelType::Negexp,
                SelTypeArg::Logistic => SelType::Logistic,
                SelTypeArg::Power => SelType::Power,
            },
            steps: a.steps.clone(),
            alternative: match a.alternative {
                AlternativeArg::Greater => Alternative::Greater,
                AlternativeArg::Less => Alternative::Less,
                AlternativeArg::TwoSided => Alternative::TwoSided,
            },
            delta: (!a.delta.is_empty()).then(|| a.delta.clone()),
        }),
    }
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
