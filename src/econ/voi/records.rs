//! The records of value-of-information results, shared by the PSA analysis (`draws.rs`) and the
//! computations in this module (so imports point one way).

use serde::Serialize;

use crate::error::{Error, Result, Setting};

/// How EVPPI is computed (the methods of R's voi).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EvppiMethod {
    /// Regression of net benefit on the parameters by a penalised regression spline (voi's
    /// default: `mgcv::gam(y ~ te(…, bs = "cr"))`, smoothing by GCV).
    #[serde(rename = "gam")]
    Gam,
    /// Strong & Oakley (2013): blocks of draws sorted by one parameter.
    #[serde(rename = "so")]
    StrongOakley,
    /// Sadatsafavi et al. (2013): segments of draws sorted by one parameter.
    #[serde(rename = "sal")]
    Sadatsafavi,
}

impl EvppiMethod {
    /// The names accepted by [`EvppiMethod::parse`], in voi's spelling.
    pub const NAMES: [&'static str; 3] = ["gam", "so", "sal"];

    /// Parses a method name (`gam`, `so`, `sal`).
    ///
    /// # Errors
    /// [`Error::Setting`] for an unknown name.
    pub fn parse(s: &str) -> Result<EvppiMethod> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gam" => Ok(EvppiMethod::Gam),
            "so" | "strong-oakley" => Ok(EvppiMethod::StrongOakley),
            "sal" | "sadatsafavi" => Ok(EvppiMethod::Sadatsafavi),
            _ => Err(Error::setting(
                Setting::Voi,
                format!("unknown EVPPI method '{s}': choose gam, so or sal"),
            )),
        }
    }
}

/// The EVPPI of one parameter or group of parameters at one willingness to pay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evppi {
    /// The parameters (one EVPPI for the group).
    pub parameters: Vec<String>,
    /// The method.
    pub method: EvppiMethod,
    /// Strong–Oakley: the number of blocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<usize>,
    /// Expected value of partial perfect information (per person).
    pub evppi: f64,
}
