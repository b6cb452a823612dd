//! One value-of-information request on a cost-effectiveness result of PSA draws: EVPPIs and
//! EVSIs from the parameters of each draw, then population values and ENBS. The CLI (`cea
//! --params --evppi --evsi --population --study-cost`) and the Python `cea(...)` both run it.

use super::{
    add_evppi, add_evsi, apply_population, EvppiOptions, EvsiOptions, Parameters, Population,
    StudyCost,
};
use crate::data::Table;
use crate::econ::draws::draw_matrices;
use crate::econ::table::CeaResult;
use crate::error::{Error, Result, Setting};

/// What to add to a [`CeaResult`] of PSA draws.
#[derive(Debug, Clone)]
pub struct VoiRequest {
    /// EVPPI groups and method (empty groups: none).
    pub evppi: EvppiOptions,
    /// Proposed studies (empty: none).
    pub evsi: EvsiOptions,
    /// Population values (`None`: per person only).
    pub population: Option<Population>,
    /// The cost of a proposed study, for ENBS (needs `population`).
    pub study_cost: Option<StudyCost>,
}

impl VoiRequest {
    /// Whether anything is asked for.
    pub fn is_empty(&self) -> bool {
        self.evppi.groups.is_empty()
            && self.evsi.studies.is_empty()
            && self.population.is_none()
            && self.study_cost.is_none()
    }

    /// Adds the EVPPIs, EVSIs and population values to `rep`, whose draws are `table`, with
    /// the parameters of each draw in `params`.
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::Voi`]) when the options are inconsistent (a study cost
    /// without a population, EVPPI or EVSI without parameters, a result without draws); the
    /// errors of the parameters and of the estimators.
    pub fn apply(&self, rep: &mut CeaResult, table: &Table, params: Option<&Table>) -> Result<()> {
        self.evppi.validate()?;
        self.evsi.validate()?;
        if self.study_cost.is_some() && self.population.is_none() {
            return Err(voi(
                "a study cost needs a population (ENBS is a population value)",
            ));
        }
        let Some(d) = rep.draws.as_mut() else {
            return Err(voi(
                "parameters, EVPPI, EVSI and population values need PSA draws (draw, strategy, cost, effect)",
            ));
        };
        let wants = !self.evppi.groups.is_empty() || !self.evsi.studies.is_empty();
        match (params, wants) {
            (Some(p), true) => {
                let params = Parameters::from_tables(p, table)?;
                let (_, cost, effect) = draw_matrices(table)?;
                add_evppi(d, &cost, &effect, &params, &self.evppi)?;
                add_evsi(d, &cost, &effect, &params, &self.evsi)?;
            }
            (None, true) => {
                return Err(voi("EVPPI and EVSI need the parameters of each draw"));
            }
            _ => {}
        }
        if let Some(p) = &self.population {
            apply_population(d, p, self.study_cost);
        }
        Ok(())
    }
}

fn voi(message: &str) -> Error {
    Error::setting(Setting::Voi, message)
}
