//! The plots of an economic evaluation as `peerstat cea --plane/--ceac` draws them, from a
//! [`CeaResult`] and its data: the cost-effectiveness plane of the comparisons with the
//! willingness-to-pay lines, and the acceptability curves. The CLI and the Python module both
//! call [`cea_plane`] and [`cea_acceptability`].

use super::{ce_plane, ceac, PlaneSeries};
use crate::data::Table;
use crate::econ::table::{analyse_table, CeaOptions, CeaResult};
use crate::error::{Error, Result};

/// What the plots' errors name.
const WHAT: &str = "cost-effectiveness plot";

/// The ICERs of a report: against the reference (draws), of the trial, or of the pooled means.
fn icers(rep: &CeaResult) -> Vec<f64> {
    let mut out = Vec::new();
    if let Some(d) = &rep.draws {
        out.extend(d.frontier.iter().map(|f| f.icer));
    }
    if let Some(t) = &rep.trial {
        out.push(t.icer);
    }
    if let Some(p) = &rep.pooled {
        out.push(p.inc_cost.estimate / p.inc_effect.estimate);
    }
    out
}

/// The comparisons on the plane: draws against the reference, the trial's bootstrap cloud (or
/// its mean with the confidence ellipse of the increments), or the studies and pooled mean.
fn plane_series(rep: &CeaResult, table: &Table) -> Result<Vec<PlaneSeries>> {
    if let Some(d) = &rep.draws {
        let (names, c, e) = crate::econ::draws::draw_matrices(table)?;
        let r = names.iter().position(|n| n == &d.reference).unwrap_or(0);
        return Ok((0..names.len())
            .filter(|&s| s != r)
            .map(|s| {
                PlaneSeries::from_draws(
                    &format!("{} vs {}", names[s], names[r]),
                    (0..c.nrows())
                        .map(|i| (c[[i, s]] - c[[i, r]], e[[i, s]] - e[[i, r]]))
                        .collect(),
                )
            })
            .collect());
    }
    if let Some(t) = &rep.trial {
        let label = format!("{} vs {}", t.treatment, t.control);
        let v = &t.variances;
        let series = match &t.bootstrap {
            Some(b) => PlaneSeries {
                mean: (t.inc_cost, t.inc_effect),
                ..PlaneSeries::from_draws(&label, b.draws.clone())
            },
            None => PlaneSeries {
                name: label,
                draws: Vec::new(),
                mean: (t.inc_cost, t.inc_effect),
                cov: Some([[v.var_effect, v.cov], [v.cov, v.var_cost]]),
                region: "95% confidence region of the mean",
            },
        };
        return Ok(vec![series]);
    }
    if let Some(p) = &rep.pooled {
        let (se_c, se_e) = (p.inc_cost.se, p.inc_effect.se);
        return Ok(vec![PlaneSeries {
            name: "studies, and pooled mean".into(),
            draws: p
                .increments
                .iter()
                .map(|i| (i.inc_cost, i.inc_effect))
                .collect(),
            mean: (p.inc_cost.estimate, p.inc_effect.estimate),
            cov: Some([[se_e * se_e, 0.0], [0.0, se_c * se_c]]),
            region: "95% confidence region of the pooled mean (no covariance)",
        }]);
    }
    Err(Error::input(
        WHAT,
        "a cost-effectiveness plane needs draws, patient data or arm summaries",
    ))
}

/// The cost-effectiveness plane with the WTP line(s): the values `wtp` (up to four; of more,
/// NICE's £20,000 and £30,000 when among them, else the middle one). `title` defaults to
/// "Cost-effectiveness plane".
///
/// # Errors
/// [`Error::Input`] for a report with neither draws, trial data nor pooled trials; the draws'
/// errors when they are read again from `table`.
pub fn cea_plane(
    rep: &CeaResult,
    table: &Table,
    wtp: &[f64],
    title: Option<&str>,
) -> Result<String> {
    let lines: Vec<f64> = if wtp.len() <= 4 {
        wtp.to_vec()
    } else {
        let nice: Vec<f64> = [20_000.0, 30_000.0]
            .into_iter()
            .filter(|w| wtp.contains(w))
            .collect();
        if nice.is_empty() {
            vec![wtp[wtp.len() / 2]]
        } else {
            nice
        }
    };
    let title = title.unwrap_or("Cost-effectiveness plane");
    Ok(ce_plane(&plane_series(rep, table)?, &lines, title))
}

/// The report and willingness-to-pay values of the acceptability curves: `rep` at `wtp` as
/// given, or, when no values were given (`given` false), the analysis rerun on a grid from 0 to
/// 3 × the largest ICER.
///
/// # Errors
/// The analysis's errors when it is rerun on the grid.
pub fn acceptability_grid(
    table: &Table,
    opts: &CeaOptions,
    rep: &CeaResult,
    given: bool,
) -> Result<Option<(CeaResult, Vec<f64>)>> {
    if given {
        return Ok(None);
    }
    let grid = crate::econ::default_wtp_grid(&icers(rep));
    let wide = analyse_table(
        table,
        &CeaOptions {
            wtp: grid.clone(),
            ..opts.clone()
        },
    )?;
    Ok(Some((wide, grid)))
}

/// Acceptability curves: P(best) per strategy with the frontier (draws), P(INMB > 0) from the
/// bootstrap (patient data with bootstrap replicates), or from the normal approximation of the
/// INMB (arm summaries, patient data without bootstrap, pooled trials), at the values `wtp` of
/// the report. `title` defaults to "Cost-effectiveness acceptability".
///
/// # Errors
/// [`Error::Input`] for a report with neither draws, trial data nor pooled trials.
pub fn cea_acceptability(rep: &CeaResult, wtp: &[f64], title: Option<&str>) -> Result<String> {
    let normal = |est: f64, se: f64| {
        if se > 0.0 {
            crate::dist::norm_sf(-est / se)
        } else {
            f64::NAN
        }
    };
    let title = title.unwrap_or("Cost-effectiveness acceptability");
    if let Some(d) = &rep.draws {
        let series: Vec<(String, Vec<f64>)> = d
            .strategies
            .iter()
            .enumerate()
            .map(|(s, n)| (n.clone(), d.by_wtp.iter().map(|w| w.p_best[s]).collect()))
            .collect();
        let front: Vec<usize> = d
            .by_wtp
            .iter()
            .map(|w| {
                d.strategies
                    .iter()
                    .position(|n| n == &w.ceaf_strategy)
                    .unwrap_or(0)
            })
            .collect();
        Ok(ceac(wtp, &series, Some(&front), title))
    } else if let Some(t) = &rep.trial {
        let p: Vec<f64> = t
            .inmb
            .iter()
            .map(|i| {
                if t.bootstrap.is_some() {
                    i.p_positive
                } else {
                    normal(i.estimate, i.se)
                }
            })
            .collect();
        Ok(ceac(
            wtp,
            &[(format!("{} vs {}", t.treatment, t.control), p)],
            None,
            title,
        ))
    } else if let Some(pl) = &rep.pooled {
        let p: Vec<f64> = pl
            .by_wtp
            .iter()
            .map(|w| normal(w.fit.estimate, w.fit.se))
            .collect();
        Ok(ceac(wtp, &[("pooled INMB > 0".into(), p)], None, title))
    } else {
        Err(Error::input(
            WHAT,
            "acceptability curves need draws, patient data or arm summaries",
        ))
    }
}
