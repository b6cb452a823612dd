//! `peerstat cea`.

use peerstat::data;
use peerstat::econ::table::{analyse_table, draws_table, CeaOptions, CeaReport};
use peerstat::report::svg::PlaneSeries;
use peerstat::report::{self, svg};

use crate::cli::args::{CeaArgs, Format};
use crate::cli::output::{columns, emit, write_plot, Paths};
use crate::cli::{CmdResult, Failure};

/// `peerstat cea`.
pub fn cea(a: CeaArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.input))
        .output("-o", a.output.as_deref())
        .plot("--plane", a.plane.as_deref())
        .plot("--ceac", a.ceac.as_deref())
        .output("--draws-out", a.draws_out.as_deref())
        .check()?;
    let map = columns(&a.col)?;
    let covariates: Vec<&str> = a
        .cost_covariates
        .iter()
        .chain(&a.effect_covariates)
        .map(String::as_str)
        .collect();
    super::check_renames(&map, &covariates)?;
    let wtp = peerstat::econ::parse_wtp(a.wtp.as_deref(), a.wtp_grid.as_deref())?;
    let opts = CeaOptions {
        shape: a.shape.map(Into::into),
        wtp: wtp.clone(),
        reference: a.reference.clone(),
        treatment: a.treatment.clone(),
        control: a.control.clone(),
        boot: a.boot,
        seed: a.seed,
        cost_covariates: a.cost_covariates.clone(),
        effect_covariates: a.effect_covariates.clone(),
        discount_cost: a.discount_cost,
        discount_effect: a.discount_effect,
        timing: a.timing.into(),
        level: a.level,
    };
    opts.validate()?;
    let table = data::read_table(&a.input, &map)?;
    let rep = analyse_table(&table, &opts)?;
    let file = a.input.display().to_string();
    if let Some(path) = &a.draws_out {
        let b = rep
            .trial
            .as_ref()
            .and_then(|t| t.bootstrap.as_ref())
            .ok_or_else(|| Failure::Usage("--draws-out needs patient data and --boot N".into()))?;
        data::write_table(&draws_table(&b.draws)?, path)?;
    }
    if let Some(path) = &a.plane {
        plane(&a, &rep, &table, &wtp, path)?;
    }
    if let Some(path) = &a.ceac {
        if a.wtp.is_none() && a.wtp_grid.is_none() {
            // no WTP given: the curves run from 0 to 3 x the largest ICER
            let grid = peerstat::econ::default_wtp_grid(&icers(&rep));
            let wide = analyse_table(
                &table,
                &CeaOptions {
                    wtp: grid.clone(),
                    ..opts.clone()
                },
            )?;
            ceac(&a, &wide, &grid, path)?;
        } else {
            ceac(&a, &rep, &wtp, path)?;
        }
    }
    let text = match a.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::cea(&rep)?,
        Format::Table => report::cea_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}

/// The ICERs of a report: against the reference (draws), of the trial, or of the pooled means.
fn icers(rep: &CeaReport) -> Vec<f64> {
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
fn plane_series(rep: &CeaReport, table: &data::Table) -> Result<Vec<PlaneSeries>, Failure> {
    if let Some(d) = &rep.draws {
        let (names, c, e) = peerstat::econ::draws::draw_matrices(table)?;
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
    Err(Failure::Usage(
        "--plane needs draws, patient data or arm summaries".into(),
    ))
}

/// The cost-effectiveness plane with the WTP line(s): the given values (up to four), or
/// NICE's £20,000 and £30,000 by default.
fn plane(
    a: &CeaArgs,
    rep: &CeaReport,
    table: &data::Table,
    wtp: &[f64],
    path: &std::path::Path,
) -> CmdResult {
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
    let title = a
        .title
        .clone()
        .unwrap_or_else(|| "Cost-effectiveness plane".into());
    let svg = svg::ce_plane(&plane_series(rep, table)?, &lines, &title);
    write_plot(path, &svg, &a.plot.options())
}

/// Acceptability curves: P(best) per strategy with the frontier (draws), P(INMB > 0) from the
/// bootstrap (patient data with --boot), or from the normal approximation of the INMB (arm
/// summaries, patient data without --boot, pooled trials).
fn ceac(a: &CeaArgs, rep: &CeaReport, wtp: &[f64], path: &std::path::Path) -> CmdResult {
    let normal = |est: f64, se: f64| {
        if se > 0.0 {
            peerstat::dist::norm_sf(-est / se)
        } else {
            f64::NAN
        }
    };
    let title = a
        .title
        .clone()
        .unwrap_or_else(|| "Cost-effectiveness acceptability".into());
    let plot = if let Some(d) = &rep.draws {
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
        svg::ceac(wtp, &series, Some(&front), &title)
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
        svg::ceac(
            wtp,
            &[(format!("{} vs {}", t.treatment, t.control), p)],
            None,
            &title,
        )
    } else if let Some(pl) = &rep.pooled {
        let p: Vec<f64> = pl
            .by_wtp
            .iter()
            .map(|w| normal(w.fit.estimate, w.fit.se))
            .collect();
        svg::ceac(wtp, &[("pooled INMB > 0".into(), p)], None, &title)
    } else {
        return Err(Failure::Usage(
            "--ceac needs draws, patient data or arm summaries".into(),
        ));
    };
    write_plot(path, &plot, &a.plot.options())
}
