//! `peerstat cea`.

use peerstat::data;
use peerstat::econ::draws::draw_matrices;
use peerstat::econ::table::{analyse_table, draws_table, CeaOptions, CeaResult};
use peerstat::econ::voi::{add_evppi, EvppiOptions, Parameters};
use peerstat::report::{self, svg};

use crate::cli::args::{CeaArgs, Format};
use crate::cli::output::{columns, emit, write_plot, Paths};
use crate::cli::{CmdResult, Failure};

/// The value-of-information flags: reads `--params` and adds the EVPPIs to each WTP.
fn add_voi(rep: &mut CeaResult, table: &data::Table, a: &CeaArgs) -> CmdResult {
    let Some(path) = &a.params else {
        return Err(Failure::Usage(
            "--evppi needs --params FILE (the parameters of each draw)".into(),
        ));
    };
    let opts = EvppiOptions {
        groups: a
            .evppi
            .iter()
            .map(|g| g.split(',').map(|p| p.trim().to_string()).collect())
            .collect(),
        method: a.evppi_method.into(),
        blocks: a.blocks,
    };
    opts.validate()?;
    let Some(d) = rep.draws.as_mut() else {
        return Err(Failure::Usage(
            "--params and --evppi need PSA draws (draw, strategy, cost, effect)".into(),
        ));
    };
    let params = Parameters::from_tables(&data::read_table(path, &columns(&[])?)?, table)?;
    let (_, cost, effect) = draw_matrices(table)?;
    add_evppi(d, &cost, &effect, &params, &opts)?;
    Ok(())
}

/// `peerstat cea`.
pub fn cea(a: CeaArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.input))
        .input("--params", a.params.as_deref())
        .output("-o", a.out.output.as_deref())
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
    let mut rep = analyse_table(&table, &opts)?;
    if a.params.is_some() || !a.evppi.is_empty() {
        add_voi(&mut rep, &table, &a)?;
    }
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
        let svg = svg::cea_plane(&rep, &table, &wtp, a.title.as_deref())?;
        write_plot(path, &svg, &a.plot.options())?;
    }
    if let Some(path) = &a.ceac {
        // no WTP given: the curves run from 0 to 3 x the largest ICER
        let given = a.wtp.is_some() || a.wtp_grid.is_some();
        let svg = match svg::acceptability_grid(&table, &opts, &rep, given)? {
            Some((wide, grid)) => svg::cea_acceptability(&wide, &grid, a.title.as_deref())?,
            None => svg::cea_acceptability(&rep, &wtp, a.title.as_deref())?,
        };
        write_plot(path, &svg, &a.plot.options())?;
    }
    let text = match a.out.format {
        Format::Json => report::json(&rep)?,
        Format::Csv => report::csv::cea(&rep)?,
        Format::Table => report::cea_table(&rep, &file),
    };
    emit(&text, a.out.output.as_deref())
}
