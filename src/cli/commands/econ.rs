//! `peerstat cea`.

use peerstat::data;
use peerstat::econ::table::{analyse_table, draws_table, CeaOptions, CeaResult};
use peerstat::econ::voi::{EvppiOptions, EvsiOptions, Population, Study, StudyCost, VoiRequest};
use peerstat::report::{self, svg};

use crate::cli::args::{CeaArgs, Format};
use crate::cli::output::{columns, emit, write_plot, Paths};
use crate::cli::{CmdResult, Failure};

/// The value-of-information flags: reads `--params`, adds EVPPIs and EVSIs to each WTP and
/// population values.
fn add_voi(rep: &mut CeaResult, table: &data::Table, a: &CeaArgs) -> CmdResult {
    let evppi = EvppiOptions {
        groups: a
            .evppi
            .iter()
            .map(|g| g.split(',').map(|p| p.trim().to_string()).collect())
            .collect(),
        method: a.evppi_method.into(),
        blocks: a.blocks,
        se_draws: a.evppi_se,
        seed: a.seed,
    };
    evppi.validate()?;
    let evsi = EvsiOptions {
        studies: a
            .evsi
            .iter()
            .map(|s| Study::parse(s))
            .collect::<Result<_, _>>()?,
        n: a.evsi_n.clone(),
        method: a.evsi_method.into(),
        sd: a.evsi_sd,
        q: a.evsi_points,
        seed: a.seed,
    };
    evsi.validate()?;
    let population = a
        .population
        .map(|p| Population::new(p, a.horizon, a.discount))
        .transpose()?;
    let study_cost = a.study_cost.as_deref().map(StudyCost::parse).transpose()?;
    if study_cost.is_some() && population.is_none() {
        return Err(Failure::Usage(
            "--study-cost needs --population (ENBS is a population value)".into(),
        ));
    }
    if rep.draws.is_none() {
        return Err(Failure::Usage(
            "--params, --evppi, --evsi and --population need PSA draws (draw, strategy, cost, effect)".into(),
        ));
    }
    let wants = !evppi.groups.is_empty() || !evsi.studies.is_empty();
    if wants && a.params.is_none() {
        return Err(Failure::Usage(
            "--evppi and --evsi need --params FILE (the parameters of each draw)".into(),
        ));
    }
    let params = match (&a.params, wants) {
        (Some(path), true) => Some(data::read_table(path, &columns(&[])?)?),
        _ => None,
    };
    let request = VoiRequest {
        evppi,
        evsi,
        population,
        study_cost,
    };
    request.apply(rep, table, params.as_ref())?;
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
    if a.params.is_some()
        || !a.evppi.is_empty()
        || !a.evsi.is_empty()
        || a.population.is_some()
        || a.study_cost.is_some()
    {
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
