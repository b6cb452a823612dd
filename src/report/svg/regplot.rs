//! The bubble plot of a one-moderator meta-regression as `peerstat meta --bubble` draws it
//! (metafor `regplot`), from a [`MetaResult`] and its data: a numeric moderator as points and
//! the fitted line with its bands, a categorical one as each level's estimate with its CI. The
//! CLI and the Python module both call [`regression_bubble`].

use super::{bubble, bubble_levels, Band, Bubble, LevelBubble, LevelEstimate};
use crate::data::Table;
use crate::effect::EffectSizes;
use crate::error::{Error, Result};
use crate::model::regression::{MetaRegression, RegressionFit};
use crate::model::MetaResult;
use crate::report::{f4, pv};

/// What the plot's errors name.
const WHAT: &str = "bubble plot of a meta-regression";

/// The bubble plot of the meta-regression of `rep` on the one column `moderator` of `table`
/// (canonical name; `es` the effect sizes the report was fitted on). Studies are matched to
/// the moderator by their source row.
///
/// # Errors
/// [`Error::Input`] when `rep` has no meta-regression, or a categorical moderator's levels do
/// not match the coefficients; the regression's errors when it is refitted (for the
/// coefficients' covariance behind the bands and the level CIs).
pub fn regression_bubble(
    table: &Table,
    es: &EffectSizes,
    rep: &MetaResult,
    moderator: &str,
) -> Result<String> {
    if rep.regression.is_none() {
        return Err(Error::input(
            WHAT,
            "the result has no meta-regression: fit one on the moderator first",
        ));
    }
    let name = table.actual_name(moderator).to_string();
    let title = format!("Meta-regression on {name}");
    let level = rep.options.model.get_level();
    let mods = [moderator.to_string()];
    let m = MetaRegression::new(rep.options.model).fit_table(table, es, &mods, None)?;
    let reg = &m.regression;
    let Ok(col) = table.numeric(moderator, "for the bubble plot") else {
        return levels_bubble(table, rep, reg, (moderator, &name), level, &title);
    };
    if reg.coefficients.len() != 2 {
        return Err(Error::input(
            WHAT,
            "the plot draws one numeric moderator: the regression has other coefficients",
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
        bands.push(Band {
            x: xv,
            pred: p.pred,
            ci: (p.ci_lower, p.ci_upper),
            pi: (p.pi_lower, p.pi_upper),
        });
    }
    let c = &reg.coefficients[1].est;
    let caption = format!(
        "slope {} per unit of {name} ({level}% CI {} to {}), {}; residual τ² = {}",
        f4(c.estimate),
        f4(c.ci_lower),
        f4(c.ci_upper),
        p_text(c.p_value),
        f4(reg.tau2)
    );
    Ok(bubble(
        &Bubble {
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
    ))
}

/// "p = 0.0123" or "p < .0001".
fn p_text(p: f64) -> String {
    let s = pv(p);
    if s.starts_with('<') || s.starts_with('=') {
        format!("p {s}")
    } else {
        format!("p = {s}")
    }
}

/// The bubble plot of a categorical moderator: each level's estimate (the intercept for the
/// first level, intercept + coefficient for the others) with its CI, and the studies.
fn levels_bubble(
    table: &Table,
    rep: &MetaResult,
    reg: &RegressionFit,
    (moderator, name): (&str, &str),
    level: f64,
    title: &str,
) -> Result<String> {
    let texts = table.texts(moderator);
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
        return Err(Error::input(
            WHAT,
            format!(
                "cannot match the {} levels of {name} to the model's {p} coefficients",
                levels.len()
            ),
        ));
    }
    let mut est = Vec::with_capacity(p);
    for (k, lv) in levels.iter().enumerate() {
        let mut nm = vec![0.0; p - 1];
        if k > 0 {
            nm[k - 1] = 1.0;
        }
        let pr = reg.predict(&nm, level)?;
        est.push(LevelEstimate {
            level: lv.clone(),
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
        f4(reg.qm),
        p_text(reg.qm_p),
        f4(reg.tau2)
    );
    Ok(bubble_levels(
        &LevelBubble {
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
