//! `peerstat meta --bubble`: the bubble plot of a one-moderator meta-regression, numeric or
//! categorical (drawn by the library's `report::svg::regression_bubble`).

use peerstat::effect::EffectSizes;
use peerstat::model::MetaResult;
use peerstat::report::svg;

use super::Loaded;
use crate::cli::args::MetaArgs;
use crate::cli::output::write_plot;
use crate::cli::{CmdResult, Failure};

/// The bubble plot of a one-moderator meta-regression; studies are matched to the moderator by
/// their source row.
pub fn bubble(
    a: &MetaArgs,
    l: &Loaded,
    es: &EffectSizes,
    rep: &MetaResult,
    path: &std::path::Path,
) -> CmdResult {
    if rep.regression.is_none() {
        return Err(Failure::Usage("--bubble needs --mods".into()));
    }
    if a.mods.len() != 1 {
        return Err(Failure::Usage(
            "--bubble draws one moderator: give exactly one column in --mods".into(),
        ));
    }
    let svg = svg::regression_bubble(&l.table, es, rep, &a.mods[0])?;
    write_plot(path, &svg, &a.plot.options())
}
