//! `peerstat meta --bubble`: the bubble plot of a one-moderator meta-regression, numeric or
//! categorical.

use peerstat::effect::EffectSizes;
use peerstat::model::regression::{MetaRegression, RegressionFit};
use peerstat::model::MetaReport;
use peerstat::report::{self, svg};

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
    rep: &MetaReport,
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
    let name = l.table.actual_name(&a.mods[0]).to_string();
    let title = format!("Meta-regression on {name}");
    let level = rep.options.model.get_level();
    // the regression itself, for the coefficients' covariance (bands and level CIs)
    let m = MetaRegression::new(rep.options.model).fit_table(&l.table, es, &a.mods, None)?;
    let reg = &m.regression;
    let svg = if let Ok(col) = l.table.numeric(&a.mods[0], "for the bubble plot") {
        if reg.coefficients.len() != 2 {
            return Err(Failure::Usage(
                "--bubble draws one moderator: give exactly one column in --mods".into(),
            ));
        }
        let (mut x, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for st in &rep.fit.studies {
            if let Some(xv) = col.get(st.row).copied().flatten() {
                x.push(xv);
                y.push(st.yi);
                w.push(st.weight);
            }
        }
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        // over the plot's whole x range (the data ± 5 %), as metafor regplot
        let pad = 0.05 * (hi - lo).max(1e-9);
        let (lo, hi) = (lo - pad, hi + pad);
        let mut bands = Vec::with_capacity(101);
        for i in 0..=100 {
            let xv = lo + (hi - lo) * i as f64 / 100.0;
            let p = reg.predict(&[xv], level)?;
            bands.push(svg::Band {
                x: xv,
                pred: p.pred,
                ci: (p.ci_lower, p.ci_upper),
                pi: (p.pi_lower, p.pi_upper),
            });
        }
        let c = &reg.coefficients[1].est;
        let caption = format!(
            "slope {} per unit of {name} ({level}% CI {} to {}), {}; residual τ² = {}",
            report::f4(c.estimate),
            report::f4(c.ci_lower),
            report::f4(c.ci_upper),
            p_text(c.p_value),
            report::f4(reg.tau2)
        );
        svg::bubble(
            &svg::Bubble {
                x: &x,
                yi: &y,
                weights: &w,
                intercept: reg.coefficients[0].est.estimate,
                slope: c.estimate,
                xlabel: &name,
                bands: &bands,
                caption: &caption,
            },
            rep.fit.measure,
            &title,
        )
    } else {
        bubble_levels(a, l, rep, reg, &name, level, &title)?
    };
    write_plot(path, &svg, &a.plot.options())
}

/// "p = 0.0123" or "p < .0001".
fn p_text(p: f64) -> String {
    let s = report::pv(p);
    if s.starts_with('<') || s.starts_with('=') {
        format!("p {s}")
    } else {
        format!("p = {s}")
    }
}

/// The bubble plot of a categorical moderator: each level's estimate (the intercept for the
/// first level, intercept + coefficient for the others) with its CI, and the studies.
fn bubble_levels(
    a: &MetaArgs,
    l: &Loaded,
    rep: &MetaReport,
    reg: &RegressionFit,
    name: &str,
    level: f64,
    title: &str,
) -> Result<String, Failure> {
    let texts = l.table.texts(&a.mods[0]);
    let mut levels: Vec<String> = rep
        .fit
        .studies
        .iter()
        .filter_map(|s| texts.get(s.row).cloned().flatten())
        .collect();
    levels.sort();
    levels.dedup();
    let p = reg.coefficients.len();
    if levels.len() != p || levels.len() < 2 {
        return Err(Failure::Usage(format!(
            "--bubble: cannot match the {} levels of {name} to the model's {p} coefficients",
            levels.len()
        )));
    }
    let mut est = Vec::with_capacity(p);
    for k in 0..p {
        let mut nm = vec![0.0; p - 1];
        if k > 0 {
            nm[k - 1] = 1.0;
        }
        let pr = reg.predict(&nm, level)?;
        est.push(svg::LevelEstimate {
            level: levels[k].clone(),
            estimate: pr.pred,
            ci: (pr.ci_lower, pr.ci_upper),
        });
    }
    let (mut of, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for st in &rep.fit.studies {
        if let Some(t) = texts.get(st.row).cloned().flatten() {
            if let Some(k) = levels.iter().position(|v| *v == t) {
                of.push(k);
                y.push(st.yi);
                w.push(st.weight);
            }
        }
    }
    let caption = format!(
        "test of moderators: QM(df = {}) = {}, {}; residual τ² = {}",
        reg.qm_df,
        report::f4(reg.qm),
        p_text(reg.qm_p),
        report::f4(reg.tau2)
    );
    Ok(svg::bubble_levels(
        &svg::LevelBubble {
            levels: &est,
            level_of: &of,
            yi: &y,
            weights: &w,
            xlabel: name,
            caption: &caption,
        },
        rep.fit.measure,
        title,
    ))
}
