//! `peerstat cea`.

use peerstat::data;
use peerstat::econ::table::{analyse_table, draws_table, CeaOptions, CeaReport};
use peerstat::report::{self, svg};

use crate::cli::args::{CeaArgs, Format};
use crate::cli::output::{columns, emit, write_text, Paths};
use crate::cli::{CmdResult, Failure};

/// `peerstat cea`.
pub fn cea(a: CeaArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.input))
        .output("-o", a.output.as_deref())
        .output("--plane", a.plane.as_deref())
        .output("--ceac", a.ceac.as_deref())
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
        plane(&rep, &table, &wtp, &file, path)?;
    }
    if let Some(path) = &a.ceac {
        ceac(&rep, &wtp, &file, path)?;
    }
    let text = match a.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::cea(&rep)?,
        Format::Table => report::cea_table(&rep, &file),
    };
    emit(&text, a.output.as_deref())
}

/// The cost-effectiveness plane: draws (or bootstrap replicates) against the reference, with the
/// WTP line at the largest value up to £30,000 (NICE's upper threshold), else the smallest given.
fn plane(
    rep: &CeaReport,
    table: &data::Table,
    wtp: &[f64],
    file: &str,
    path: &std::path::Path,
) -> CmdResult {
    let lambda = wtp
        .iter()
        .copied()
        .filter(|&w| w <= 30_000.0)
        .fold(f64::NAN, f64::max);
    let lambda = if lambda.is_nan() {
        wtp.iter().copied().fold(f64::INFINITY, f64::min)
    } else {
        lambda
    };
    let series: Vec<(String, Vec<(f64, f64)>)> = if let Some(d) = &rep.draws {
        let (names, c, e) = peerstat::econ::draws::draw_matrices(table)?;
        let r = names.iter().position(|n| n == &d.reference).unwrap_or(0);
        (0..names.len())
            .filter(|&s| s != r)
            .map(|s| {
                (
                    format!("{} vs {}", names[s], names[r]),
                    (0..c.nrows())
                        .map(|i| (c[[i, s]] - c[[i, r]], e[[i, s]] - e[[i, r]]))
                        .collect(),
                )
            })
            .collect()
    } else if let Some(t) = &rep.trial {
        let label = format!("{} vs {}", t.treatment, t.control);
        match &t.bootstrap {
            Some(b) => vec![(label, b.draws.clone())],
            None => vec![(label, vec![(t.inc_cost, t.inc_effect)])],
        }
    } else {
        return Err(Failure::Usage(
            "--plane needs draws, or patient data (use --boot for a cloud)".into(),
        ));
    };
    write_text(
        path,
        &svg::plane(
            &series,
            lambda,
            &format!("{file}: cost-effectiveness plane"),
        ),
    )
}

/// Acceptability curves: P(best) per strategy with the frontier (draws), or P(INMB > 0) of the
/// bootstrap (patient data).
fn ceac(rep: &CeaReport, wtp: &[f64], file: &str, path: &std::path::Path) -> CmdResult {
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
        svg::ceac(
            wtp,
            &series,
            Some(&front),
            &format!("{file}: acceptability curves"),
        )
    } else if let Some(t) = rep.trial.as_ref().filter(|t| t.bootstrap.is_some()) {
        let p: Vec<f64> = t.inmb.iter().map(|i| i.p_positive).collect();
        svg::ceac(
            wtp,
            &[(format!("{} vs {}", t.treatment, t.control), p)],
            None,
            &format!("{file}: acceptability curve"),
        )
    } else {
        return Err(Failure::Usage(
            "--ceac needs draws, or patient data with --boot".into(),
        ));
    };
    write_text(path, &plot)
}
