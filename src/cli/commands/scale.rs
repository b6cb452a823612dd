//! `peerstat meta --scale`: location-scale models (metafor `rma(…, scale = ~ …)`).

use peerstat::model::scale::{LocationScale, ScaleMethod};
use peerstat::report;

use super::{effect_sizes, load};
use crate::cli::args::{Format, MetaArgs, MethodArg};
use crate::cli::output::emit;
use crate::cli::{say, CmdResult, Failure};

/// A location-scale model: `--mods` for the location, `--scale` for log τ².
pub fn meta_scale(a: &MetaArgs) -> CmdResult {
    let model = options(a)?;
    let scale: Vec<String> = a
        .scale
        .iter()
        .filter(|c| c.trim() != "1")
        .cloned()
        .collect();
    let named: Vec<&str> = a.mods.iter().chain(&scale).map(String::as_str).collect();
    let l = load(&a.data, &named)?;
    let es = effect_sizes(&l, &a.data.input)?;
    let file = a.data.input.display().to_string();
    let mut rep = model.fit_table(&l.table, &es, &a.mods, &scale)?;
    if rep.dropped > 0 {
        say!(
            "warning: {file}: {} studies left out of the location-scale model (missing moderator or scale value)",
            rep.dropped
        );
    }
    if !a.newscale.is_empty() || !a.newmods.is_empty() {
        let newmods = (!a.newmods.is_empty()).then_some(a.newmods.as_slice());
        rep.prediction = Some(rep.fit.predict(newmods, &a.newscale)?);
    }
    let text = match a.out.format {
        Format::Table => report::text::scale_table(&rep, &file),
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::record(&rep)?,
    };
    emit(&text, a.out.output.as_deref())
}

/// The model options of the flags; the flags a location-scale model does not combine with are
/// refused by name.
fn options(a: &MetaArgs) -> Result<LocationScale, Failure> {
    let method = match a.model.method {
        MethodArg::Reml => ScaleMethod::Reml,
        MethodArg::Ml => ScaleMethod::Ml,
        _ => {
            return Err(Failure::Usage(
                "--scale fits the scale coefficients by REML or ML: use --method REML (the default) or --method ML".into(),
            ))
        }
    };
    let others = [
        ("--by", a.by.is_some()),
        ("--cluster", a.cluster.is_some()),
        ("--robust", a.robust.robust.is_some()),
        ("--permutations", a.permutations.is_some()),
        ("--knha", a.model.knha),
        ("--forest", a.forest.is_some()),
        ("--bubble", a.bubble.is_some()),
    ];
    if let Some((flag, _)) = others.iter().find(|(_, on)| *on) {
        return Err(Failure::Usage(format!(
            "--scale (a location-scale model, z tests) does not combine with {flag}"
        )));
    }
    Ok(LocationScale::new()
        .method(method)
        .level(a.model.level)?
        .profile_ci(!a.no_scale_profile))
}
