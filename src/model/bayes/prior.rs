//! Priors of the normal–normal hierarchical model: for the heterogeneity τ ([`TauPrior`]) and
//! the overall effect μ ([`MuPrior`]), as R's bayesmeta defines them.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};
use statrs::function::gamma::ln_gamma;

use super::tables;
use crate::error::{Error, Result, Setting};

/// Prior for the heterogeneity standard deviation τ (density on τ ≥ 0).
///
/// # Formula
/// | prior | density p(τ) |
/// |---|---|
/// | `uniform` | 1 (improper) |
/// | `half-normal:S` | 2·φ(τ/S)/S |
/// | `half-cauchy:S` | 2/(πS(1 + τ²/S²)) |
/// | `half-t:DF,S` | 2·t_DF(τ/S)/S |
/// | `exponential:RATE` | RATE·e^(−RATE·τ) |
/// | `log-normal-tau2:M,S` | log τ² ~ N(M, S²) |
/// | `log-t-tau2:DF,M,S` | log τ² ~ M + S·t_DF |
/// | `jeffreys` | √Σ(τ/(σᵢ² + τ²))² (improper; bayesmeta's Jeffreys prior) |
/// | `i2` | uniform on I² = τ²/(τ² + σ̂²), σ̂² Higgins–Thompson typical variance: 2σ̂²τ/(σ̂² + τ²)² |
/// | `shrinkage` | uniform shrinkage: 2s₀²τ/(s₀² + τ²)², s₀² = k/Σσᵢ⁻² |
/// | `dumouchel` | s₀/(s₀ + τ)² |
/// | `turner:OUTCOME,COMPARISON` | log-normal-tau2 with Turner et al.'s (2015) Table IV values |
/// | `rhodes:OUTCOME,COMPARISON[,AREA]` | log-t-tau2 with 5 df and Rhodes et al.'s (2015) values |
///
/// # Examples
/// ```
/// use peerstat::model::bayes::TauPrior;
/// let p: TauPrior = "half-cauchy:0.5".parse().unwrap();
/// assert_eq!(p, TauPrior::HalfT { df: 1.0, scale: 0.5 });
/// assert!("turner:mental-health,nonpharma-placebo".parse::<TauPrior>().is_ok());
/// assert!("half-normal:-1".parse::<TauPrior>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TauPrior {
    /// Improper uniform on (0, ∞).
    Uniform,
    /// Half-normal with scale `scale`.
    HalfNormal {
        /// Scale S.
        scale: f64,
    },
    /// Half-Student-t with `df` degrees of freedom (half-Cauchy: `df = 1`) and scale `scale`.
    HalfT {
        /// Degrees of freedom.
        df: f64,
        /// Scale S.
        scale: f64,
    },
    /// Exponential with rate `rate`.
    Exponential {
        /// Rate.
        rate: f64,
    },
    /// log τ² ~ Normal(`mean`, `sd`²); `source` names a published table when it came from one.
    LogNormalTau2 {
        /// Mean of log τ².
        mean: f64,
        /// Standard deviation of log τ².
        sd: f64,
        /// The published setting (e.g. `turner:mental-health,nonpharma-placebo`), if any.
        source: Option<String>,
    },
    /// log τ² ~ `location` + `scale`·t_df; `source` names a published table when it came from one.
    LogTTau2 {
        /// Degrees of freedom.
        df: f64,
        /// Location of log τ².
        location: f64,
        /// Scale of log τ².
        scale: f64,
        /// The published setting (e.g. `rhodes:mental-health,nonpharma`), if any.
        source: Option<String>,
    },
    /// bayesmeta's Jeffreys prior (improper).
    Jeffreys,
    /// Uniform on I² (data-dependent, proper).
    I2,
    /// The uniform shrinkage prior (data-dependent, proper).
    Shrinkage,
    /// DuMouchel's prior (data-dependent, proper).
    DuMouchel,
}

/// The prior for the overall effect μ.
///
/// # Examples
/// ```
/// use peerstat::model::bayes::MuPrior;
/// assert_eq!("normal:0,50".parse::<MuPrior>().unwrap(), MuPrior::Normal { mean: 0.0, sd: 50.0 });
/// assert_eq!("flat".parse::<MuPrior>().unwrap(), MuPrior::Flat);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum MuPrior {
    /// Improper uniform on the real line.
    #[default]
    Flat,
    /// Normal with mean `mean` and standard deviation `sd`.
    Normal {
        /// Prior mean.
        mean: f64,
        /// Prior standard deviation.
        sd: f64,
    },
}

/// How the posterior density of τ behaves as τ → ∞ (beyond the likelihood's own decay).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tail {
    /// Decays faster than any power.
    Fast,
    /// Like τ^(−a).
    Power(f64),
    /// Like τ^(−1)·(log τ)^(−p), p > 1 (log-t priors).
    LogPower,
}

/// The constants of the data-dependent priors: `sigma2` the sampling variances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PriorData<'a> {
    /// Sampling variances σᵢ².
    pub sigma2: &'a [f64],
    /// Higgins–Thompson typical within-study variance σ̂².
    pub typical: f64,
    /// Harmonic mean of the σᵢ², s₀².
    pub harmonic: f64,
}

impl<'a> PriorData<'a> {
    /// The constants for sampling variances `sigma2` (k ≥ 1).
    pub(crate) fn new(sigma2: &'a [f64]) -> Self {
        let k = sigma2.len() as f64;
        let sw: f64 = sigma2.iter().map(|v| 1.0 / v).sum();
        let sw2: f64 = sigma2.iter().map(|v| 1.0 / (v * v)).sum();
        let typical = if sigma2.len() > 1 {
            (k - 1.0) * sw / (sw * sw - sw2)
        } else {
            sigma2.first().copied().unwrap_or(1.0)
        };
        PriorData {
            sigma2,
            typical,
            harmonic: k / sw,
        }
    }
}

/// log of Student's t density with `df` degrees of freedom at `z`.
fn ln_t(z: f64, df: f64) -> f64 {
    ln_gamma(0.5 * (df + 1.0))
        - ln_gamma(0.5 * df)
        - 0.5 * (df * std::f64::consts::PI).ln()
        - 0.5 * (df + 1.0) * (z * z / df).ln_1p()
}

impl TauPrior {
    /// Whether the prior integrates to 1 (the uniform and Jeffreys priors do not).
    pub fn is_proper(&self) -> bool {
        !matches!(self, TauPrior::Uniform | TauPrior::Jeffreys)
    }

    /// log p(τ) and d log p(τ)/dτ at τ > 0 (τ = 0 allowed where the density is finite there).
    pub(crate) fn ln_density(&self, tau: f64, d: &PriorData) -> (f64, f64) {
        use std::f64::consts::{LN_2, PI};
        match *self {
            TauPrior::Uniform => (0.0, 0.0),
            TauPrior::HalfNormal { scale } => {
                let z = tau / scale;
                (
                    LN_2 - 0.5 * (2.0 * PI).ln() - scale.ln() - 0.5 * z * z,
                    -z / scale,
                )
            }
            TauPrior::HalfT { df, scale } => (
                LN_2 + ln_t(tau / scale, df) - scale.ln(),
                -(df + 1.0) * tau / (df * scale * scale + tau * tau),
            ),
            TauPrior::Exponential { rate } => (rate.ln() - rate * tau, -rate),
            TauPrior::LogNormalTau2 { mean, sd, .. } => {
                // log τ ~ N(mean/2, (sd/2)²)
                let (m, s) = (0.5 * mean, 0.5 * sd);
                let z = (tau.ln() - m) / s;
                (
                    -tau.ln() - s.ln() - 0.5 * (2.0 * PI).ln() - 0.5 * z * z,
                    (-1.0 - z / s) / tau,
                )
            }
            TauPrior::LogTTau2 {
                df,
                location,
                scale,
                ..
            } => {
                let (m, s) = (0.5 * location, 0.5 * scale);
                let z = (tau.ln() - m) / s;
                (
                    ln_t(z, df) - s.ln() - tau.ln(),
                    (-1.0 - (df + 1.0) * z / (s * (df + z * z))) / tau,
                )
            }
            TauPrior::Jeffreys => {
                let (mut s2, mut sg) = (0.0, 0.0);
                for v in d.sigma2 {
                    let den = v + tau * tau;
                    let g = tau / den;
                    s2 += g * g;
                    sg += g * (v - tau * tau) / (den * den);
                }
                (0.5 * s2.ln(), sg / s2)
            }
            TauPrior::I2 => ratio_prior(tau, d.typical),
            TauPrior::Shrinkage => ratio_prior(tau, d.harmonic),
            TauPrior::DuMouchel => {
                let s0 = d.harmonic.sqrt();
                (s0.ln() - 2.0 * (s0 + tau).ln(), -2.0 / (s0 + tau))
            }
        }
    }

    /// How the density decays as τ → ∞.
    pub(crate) fn tail(&self) -> Tail {
        match *self {
            TauPrior::Uniform => Tail::Power(0.0),
            TauPrior::HalfT { df, .. } => Tail::Power(df + 1.0),
            TauPrior::Jeffreys => Tail::Power(1.0),
            TauPrior::I2 | TauPrior::Shrinkage => Tail::Power(3.0),
            TauPrior::DuMouchel => Tail::Power(2.0),
            TauPrior::LogTTau2 { .. } => Tail::LogPower,
            TauPrior::HalfNormal { .. }
            | TauPrior::Exponential { .. }
            | TauPrior::LogNormalTau2 { .. } => Tail::Fast,
        }
    }

    /// Checks the parameters (positive scales, rates and degrees of freedom, finite locations).
    fn validate(self) -> Result<Self> {
        let ok = match &self {
            TauPrior::HalfNormal { scale } => pos(*scale),
            TauPrior::HalfT { df, scale } => pos(*df) && pos(*scale),
            TauPrior::Exponential { rate } => pos(*rate),
            TauPrior::LogNormalTau2 { mean, sd, .. } => mean.is_finite() && pos(*sd),
            TauPrior::LogTTau2 {
                df,
                location,
                scale,
                ..
            } => pos(*df) && location.is_finite() && pos(*scale),
            _ => true,
        };
        if ok {
            Ok(self)
        } else {
            Err(prior_error(format!(
                "tau prior {self}: scales, rates and degrees of freedom must be positive and finite, locations finite"
            )))
        }
    }
}

/// log density and its derivative of `2aτ/(a + τ²)²` (uniform on τ²/(τ² + a)).
fn ratio_prior(tau: f64, a: f64) -> (f64, f64) {
    (
        (2.0 * a).ln() + tau.ln() - 2.0 * (a + tau * tau).ln(),
        1.0 / tau - 4.0 * tau / (a + tau * tau),
    )
}

/// Whether `v` is positive and finite.
fn pos(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// An [`Error::Setting`] about a prior.
fn prior_error(message: String) -> Error {
    Error::Setting {
        setting: Setting::Prior,
        message,
    }
}

/// The numbers after `name:` in a prior specification, exactly `n` of them.
fn numbers(spec: &str, args: &str, n: usize) -> Result<Vec<f64>> {
    let v: Vec<f64> = args
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| prior_error(format!("prior '{spec}': expected {n} number(s) after ':'")))?;
    if v.len() != n {
        return Err(prior_error(format!(
            "prior '{spec}': expected {n} number(s) after ':', got {}",
            v.len()
        )));
    }
    Ok(v)
}

/// The published-table priors `turner:OUTCOME,COMPARISON` and `rhodes:OUTCOME,COMPARISON[,AREA]`.
fn published(spec: &str, name: &str, args: &str) -> Result<TauPrior> {
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    let source = Some(spec.to_string());
    let unknown = |table: &str, levels: String| {
        prior_error(format!(
            "prior '{spec}': not a setting of {table}; use 'any' or OUTCOME,COMPARISON with {levels}"
        ))
    };
    if name == "turner" {
        let (mean, sd) = match parts.as_slice() {
            ["any"] => Some(tables::TURNER_ANY),
            [o, c] => tables::turner(o, c),
            _ => None,
        }
        .ok_or_else(|| unknown("Turner et al. (2015)", turner_levels()))?;
        return Ok(TauPrior::LogNormalTau2 { mean, sd, source });
    }
    let (location, scale) = match parts.as_slice() {
        ["any"] => Some(tables::RHODES_ANY),
        [o, c] => tables::rhodes(o, c, "other"),
        [o, c, a] => tables::rhodes(o, c, a),
        _ => None,
    }
    .ok_or_else(|| unknown("Rhodes et al. (2015)", rhodes_levels()))?;
    Ok(TauPrior::LogTTau2 {
        df: 5.0,
        location,
        scale,
        source,
    })
}

/// The levels of Turner et al.'s table, for messages and `--help`.
pub fn turner_levels() -> String {
    format!(
        "OUTCOME one of {}; COMPARISON one of {}",
        names(&tables::TURNER_OUTCOMES),
        names(&tables::TURNER_COMPARISONS)
    )
}

/// The levels of Rhodes et al.'s tables, for messages and `--help`.
pub fn rhodes_levels() -> String {
    format!(
        "OUTCOME one of {}; COMPARISON one of {}; AREA (optional) one of {}",
        names(&tables::RHODES_OUTCOMES),
        names(&tables::RHODES_COMPARISONS),
        tables::RHODES_AREAS.join(", ")
    )
}

/// The command-line names of a table's levels, comma-separated.
fn names(levels: &[(&str, &str)]) -> String {
    levels
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for TauPrior {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        let (name, args) = spec.split_once(':').unwrap_or((spec, ""));
        let name = name.to_ascii_lowercase();
        let p = match (name.as_str(), args.is_empty()) {
            ("uniform", true) => TauPrior::Uniform,
            ("jeffreys", true) => TauPrior::Jeffreys,
            ("i2", true) => TauPrior::I2,
            ("shrinkage", true) => TauPrior::Shrinkage,
            ("dumouchel", true) => TauPrior::DuMouchel,
            ("half-normal", false) => TauPrior::HalfNormal {
                scale: numbers(spec, args, 1)?[0],
            },
            ("half-cauchy", false) => TauPrior::HalfT {
                df: 1.0,
                scale: numbers(spec, args, 1)?[0],
            },
            ("half-t", false) => {
                let v = numbers(spec, args, 2)?;
                TauPrior::HalfT {
                    df: v[0],
                    scale: v[1],
                }
            }
            ("exponential", false) => TauPrior::Exponential {
                rate: numbers(spec, args, 1)?[0],
            },
            ("log-normal-tau2", false) => {
                let v = numbers(spec, args, 2)?;
                TauPrior::LogNormalTau2 {
                    mean: v[0],
                    sd: v[1],
                    source: None,
                }
            }
            ("log-t-tau2", false) => {
                let v = numbers(spec, args, 3)?;
                TauPrior::LogTTau2 {
                    df: v[0],
                    location: v[1],
                    scale: v[2],
                    source: None,
                }
            }
            ("turner" | "rhodes", false) => published(spec, &name, args)?,
            _ => return Err(prior_error(format!(
                "unknown tau prior '{spec}'; use uniform, half-normal:S, half-cauchy:S, half-t:DF,S, exponential:RATE, log-normal-tau2:M,S, log-t-tau2:DF,M,S, jeffreys, i2, shrinkage, dumouchel, turner:OUTCOME,COMPARISON or rhodes:OUTCOME,COMPARISON[,AREA]"
            ))),
        };
        p.validate()
    }
}

impl fmt::Display for TauPrior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TauPrior::Uniform => write!(f, "uniform"),
            TauPrior::HalfNormal { scale } => write!(f, "half-normal:{scale}"),
            TauPrior::HalfT { df, scale } if *df == 1.0 => write!(f, "half-cauchy:{scale}"),
            TauPrior::HalfT { df, scale } => write!(f, "half-t:{df},{scale}"),
            TauPrior::Exponential { rate } => write!(f, "exponential:{rate}"),
            TauPrior::LogNormalTau2 {
                source: Some(s), ..
            }
            | TauPrior::LogTTau2 {
                source: Some(s), ..
            } => write!(f, "{s}"),
            TauPrior::LogNormalTau2 { mean, sd, .. } => write!(f, "log-normal-tau2:{mean},{sd}"),
            TauPrior::LogTTau2 {
                df,
                location,
                scale,
                ..
            } => write!(f, "log-t-tau2:{df},{location},{scale}"),
            TauPrior::Jeffreys => write!(f, "jeffreys"),
            TauPrior::I2 => write!(f, "i2"),
            TauPrior::Shrinkage => write!(f, "shrinkage"),
            TauPrior::DuMouchel => write!(f, "dumouchel"),
        }
    }
}

impl Serialize for TauPrior {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for MuPrior {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("flat") || spec.eq_ignore_ascii_case("uniform") {
            return Ok(MuPrior::Flat);
        }
        match spec.split_once(':') {
            Some((n, args)) if n.eq_ignore_ascii_case("normal") => {
                let v = numbers(spec, args, 2)?;
                if !v[0].is_finite() || !pos(v[1]) {
                    return Err(prior_error(format!(
                        "mu prior '{spec}': the mean must be finite and the standard deviation positive"
                    )));
                }
                Ok(MuPrior::Normal {
                    mean: v[0],
                    sd: v[1],
                })
            }
            _ => Err(prior_error(format!(
                "unknown mu prior '{spec}'; use flat or normal:MEAN,SD"
            ))),
        }
    }
}

impl fmt::Display for MuPrior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MuPrior::Flat => write!(f, "flat"),
            MuPrior::Normal { mean, sd } => write!(f, "normal:{mean},{sd}"),
        }
    }
}

impl Serialize for MuPrior {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The density's derivative agrees with a central difference of the log density.
    #[test]
    fn derivatives_match_differences() {
        let v = [0.3, 0.1, 0.05];
        let d = PriorData::new(&v);
        for spec in [
            "half-normal:0.5",
            "half-cauchy:0.3",
            "half-t:3,0.4",
            "exponential:2",
            "log-normal-tau2:-2,1.5",
            "log-t-tau2:5,-3,2",
            "jeffreys",
            "i2",
            "shrinkage",
            "dumouchel",
        ] {
            let p: TauPrior = spec.parse().unwrap();
            for tau in [0.05, 0.3, 1.7] {
                let h = 1e-6;
                let num = (p.ln_density(tau + h, &d).0 - p.ln_density(tau - h, &d).0) / (2.0 * h);
                let an = p.ln_density(tau, &d).1;
                assert!((num - an).abs() < 1e-6 * (1.0 + an.abs()), "{spec} {tau}");
            }
        }
    }

    #[test]
    fn specs_round_trip_and_reject_bad_values() {
        for spec in ["uniform", "half-t:3,0.4", "log-t-tau2:5,-3,2", "rhodes:any"] {
            let p: TauPrior = spec.parse().unwrap();
            assert_eq!(p.to_string(), spec);
        }
        assert!("half-t:3".parse::<TauPrior>().is_err());
        assert!("rhodes:mental-health,placebo".parse::<TauPrior>().is_err());
        assert!("normal:0,0".parse::<MuPrior>().is_err());
    }
}
