//! The model's enumerated options: τ² estimator, prediction-interval and I² conventions.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Setting};

/// τ² estimator (metafor's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(into = "String")]
pub enum Tau2Method {
    /// Equal/common effect: τ² fixed at 0.
    Ee,
    /// DerSimonian–Laird.
    Dl,
    /// Hedges (variance component type).
    He,
    /// Hunter–Schmidt.
    Hs,
    /// Sidik–Jonkman.
    Sj,
    /// Maximum likelihood.
    Ml,
    /// Restricted maximum likelihood (default).
    #[default]
    Reml,
    /// Empirical Bayes (Morris).
    Eb,
    /// Paule–Mandel.
    Pm,
}

impl Tau2Method {
    /// All methods.
    pub const ALL: [Tau2Method; 9] = [
        Tau2Method::Ee,
        Tau2Method::Dl,
        Tau2Method::He,
        Tau2Method::Hs,
        Tau2Method::Sj,
        Tau2Method::Ml,
        Tau2Method::Reml,
        Tau2Method::Eb,
        Tau2Method::Pm,
    ];

    /// metafor's code (`"REML"`, `"DL"`, …).
    pub fn code(self) -> &'static str {
        match self {
            Tau2Method::Ee => "EE",
            Tau2Method::Dl => "DL",
            Tau2Method::He => "HE",
            Tau2Method::Hs => "HS",
            Tau2Method::Sj => "SJ",
            Tau2Method::Ml => "ML",
            Tau2Method::Reml => "REML",
            Tau2Method::Eb => "EB",
            Tau2Method::Pm => "PM",
        }
    }

    /// True for estimators computed by iteration (ML, REML, EB, PM).
    pub fn is_iterative(self) -> bool {
        matches!(
            self,
            Tau2Method::Ml | Tau2Method::Reml | Tau2Method::Eb | Tau2Method::Pm
        )
    }
}

impl fmt::Display for Tau2Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<Tau2Method> for String {
    fn from(m: Tau2Method) -> String {
        m.code().to_string()
    }
}

impl FromStr for Tau2Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let u = s.trim().to_ascii_uppercase();
        if u == "FE" || u == "CE" {
            return Ok(Tau2Method::Ee);
        }
        Tau2Method::ALL
            .into_iter()
            .find(|m| m.code() == u)
            .ok_or_else(|| {
                Error::setting(Setting::Method, format!(
                    "unknown method '{s}': choose EE (common effect), DL, HE, HS, SJ, ML, REML (default), EB or PM"
                ))
            })
    }
}

/// Prediction-interval convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PiMethod {
    /// metafor: `z` (or t(k−1) with the KH SE under Knapp–Hartung).
    #[default]
    Metafor,
    /// Riley/Higgins: t(k−2) with the unadjusted SE (needs k ≥ 3).
    Riley,
}

impl FromStr for PiMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "metafor" | "z" => Ok(PiMethod::Metafor),
            "riley" | "higgins" | "t" => Ok(PiMethod::Riley),
            _ => Err(Error::setting(
                Setting::Prediction,
                format!("unknown prediction interval '{s}': choose metafor (default) or riley"),
            )),
        }
    }
}

/// How I² and H² are computed for random-effects fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum I2Method {
    /// From τ² and the typical within-study variance (metafor).
    #[default]
    Typical,
    /// From Q: `max(0, (Q − df)/Q)` (R meta, PyMARE). No CIs.
    Q,
}

impl FromStr for I2Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "typical" | "metafor" => Ok(I2Method::Typical),
            "q" => Ok(I2Method::Q),
            _ => Err(Error::setting(
                Setting::I2,
                format!("unknown I² type '{s}': choose typical (metafor, default) or q (R meta, PyMARE)"),
            )),
        }
    }
}
