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
    /// GAM with replicates: the standard error from the posterior of the regression
    /// coefficients (voi's `se = TRUE`: the SD of the EVPPI over coefficient draws).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    /// EVPPI for the population ([`Population`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population_evppi: Option<f64>,
}

/// How EVSI is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvsiMethod {
    /// Regression of net benefit on a summary of simulated study data (Strong et al. 2015,
    /// voi's default), by the same GAM as EVPPI.
    Regression,
    /// Moment matching (Heath et al. 2018): the EVPPI fit shrunk by the share of its variance a
    /// study of size `n` is expected to resolve.
    MomentMatching,
}

impl EvsiMethod {
    /// Parses a method name (`regression`, `moment-matching`; voi's `gam` and `mm` too).
    ///
    /// # Errors
    /// [`Error::Setting`] for an unknown name.
    pub fn parse(s: &str) -> Result<EvsiMethod> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "regression" | "gam" => Ok(EvsiMethod::Regression),
            "moment-matching" | "mm" => Ok(EvsiMethod::MomentMatching),
            _ => Err(Error::setting(
                Setting::Voi,
                format!("unknown EVSI method '{s}': choose regression or moment-matching"),
            )),
        }
    }
}

/// The EVSI of one proposed study of one size at one willingness to pay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evsi {
    /// The design (`binary`, `trial-binary`, `normal-known`).
    pub design: String,
    /// Sample size (per arm for `trial-binary`).
    pub n: u64,
    /// The parameters the study informs.
    pub parameters: Vec<String>,
    /// The method.
    pub method: EvsiMethod,
    /// Expected value of sample information (per person).
    pub evsi: f64,
    /// EVSI for the population ([`Population`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population_evsi: Option<f64>,
    /// The study's cost: fixed + per person × people studied (2n for `trial-binary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub study_cost: Option<f64>,
    /// Expected net benefit of sampling: population EVSI − study cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enbs: Option<f64>,
    /// Whether this `n` has the highest ENBS of the `n` tried for this study and WTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimal: Option<bool>,
}

/// The population a decision affects, for population EVPI, EVPPI and EVSI.
///
/// # Formula
/// `multiplier = Σ_{t=0}^{H−1} N / (1 + r)^t`: `N` people a year for `H` years, the first year
/// undiscounted (t = 0, HM Treasury Green Book convention of discounting from the start of the
/// first year); population value = per-person value × multiplier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Population {
    /// People affected per year.
    pub per_year: f64,
    /// Years the decision applies.
    pub horizon: u32,
    /// Annual discount rate.
    pub discount: f64,
    /// `Σ_{t=0}^{H−1} N/(1+r)^t`.
    pub multiplier: f64,
}

impl Population {
    /// The population of `per_year` people a year for `horizon` years at discount rate `discount`.
    ///
    /// # Errors
    /// [`Error::Setting`] for a negative or non-finite population, a zero horizon or a rate
    /// outside [0, 1).
    pub fn new(per_year: f64, horizon: u32, discount: f64) -> Result<Population> {
        if !per_year.is_finite()
            || per_year < 0.0
            || horizon == 0
            || !(0.0..1.0).contains(&discount)
        {
            return Err(Error::setting(
                Setting::Voi,
                format!(
                    "a population needs people per year >= 0, a horizon of 1 year or more and a discount rate in [0, 1); got {per_year}, {horizon}, {discount}"
                ),
            ));
        }
        let multiplier = (0..horizon)
            .map(|t| per_year / (1.0 + discount).powi(t as i32))
            .sum();
        Ok(Population {
            per_year,
            horizon,
            discount,
            multiplier,
        })
    }
}
