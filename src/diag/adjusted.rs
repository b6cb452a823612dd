//! The bias-adjusted estimates `bias` adds on request (PET-PEESE, selection models) beside the
//! standard checks of [`BiasResult`], with the options that ask for them.

use serde::Serialize;

use super::pet_peese::{pet_peese, PetPeese};
use super::result::{BiasOptions, BiasResult};
use super::selmodel::{SelModel, SelModelOptions};
use crate::effect::EffectSizes;
use crate::error::Result;

/// Which bias-adjusted estimates to add to the standard checks.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AdjustedOptions {
    /// PET, PEESE and PET-PEESE with this two-sided level of the test of PET's intercept
    /// (0.10 usually); none when `None`.
    pub pet_peese_alpha: Option<f64>,
    /// A selection model; none when `None`.
    pub selmodel: Option<SelModelOptions>,
}

/// JSON of `peerstat bias`: the standard checks (flattened), then `pet`, `peese`,
/// `pet_peese` and `selmodel` when asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BiasReport {
    /// Egger, Begg, trim-and-fill and fail-safe N.
    #[serde(flatten)]
    pub bias: BiasResult,
    /// PET, PEESE and PET-PEESE (keys `pet`, `peese`, `pet_peese`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub pet_peese: Option<PetPeese>,
    /// The selection model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selmodel: Option<SelModel>,
}

impl AdjustedOptions {
    /// Runs the standard checks of `base`, then the adjusted estimates asked for, at the
    /// confidence level of `base`'s model.
    ///
    /// # Errors
    /// Errors of [`BiasOptions::run`], [`pet_peese`] and [`super::selmodel::selmodel`].
    pub fn run(&self, base: &BiasOptions, es: &EffectSizes) -> Result<BiasReport> {
        let level = base.model.get_level();
        let pet_peese = match self.pet_peese_alpha {
            Some(alpha) => Some(pet_peese(es, level, alpha)?),
            None => None,
        };
        let selmodel = match &self.selmodel {
            Some(o) => Some(super::selmodel::selmodel(es, o, &base.model)?),
            None => None,
        };
        Ok(BiasReport {
            bias: base.run(es)?,
            pet_peese,
            selmodel,
        })
    }
}
