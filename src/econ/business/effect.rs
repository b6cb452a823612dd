//! The effect that drives a business case: a risk, rate or odds ratio with its log-scale standard
//! error (from the 95 % CI), optionally the between-setting variance τ² for a prediction in a new
//! setting, and the conversion of an odds ratio into a risk ratio at the baseline risk (Zhang &
//! Yu 1998: `RR = OR / (1 − p₀ + p₀·OR)`).

use std::path::Path;

use serde::Serialize;

use super::scenario::{EffectInput, EffectUse};
use crate::error::{Error, Result};

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The scale the effect acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ratio {
    /// Risk ratio.
    RR,
    /// Incidence rate ratio.
    IRR,
    /// Odds ratio (converted to a risk ratio at the baseline risk).
    OR,
    /// Standardised mean difference (positive: benefit): avoids no events; drives QALYs only
    /// through the stated mapping `outcome.qaly_per_sd`.
    SMD,
}

/// The effect as the case uses it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// Where it came from, in words (the scenario, or a file and domain).
    pub source: String,
    /// The measure.
    pub measure: Ratio,
    /// Log of the pooled estimate.
    pub log_estimate: f64,
    /// Log-scale standard error of the pooled mean.
    pub log_se: f64,
    /// Between-setting variance (log scale), when known.
    pub tau2: Option<f64>,
    /// Mean or prediction.
    pub used: EffectUse,
    /// Standard deviation of the log effect the case draws from: `log_se` for the mean,
    /// `sqrt(log_se² + τ²)` for a prediction.
    pub log_sd: f64,
}

impl Effect {
    /// The risk (or rate) ratio at log effect `theta`; `risk` is the baseline risk (odds ratios).
    ///
    /// ```
    /// use peerstat::econ::business::Ratio;
    /// // OR 0.5 at baseline risk 0.2: RR = 0.5 / (1 − 0.2 + 0.2 × 0.5) = 0.5 / 0.9
    /// let rr = Ratio::OR.risk_ratio(0.5f64.ln(), 0.2);
    /// assert!((rr - 0.5 / 0.9).abs() < 1e-15);
    /// ```
    pub fn risk_ratio(&self, theta: f64, risk: f64) -> f64 {
        self.measure.risk_ratio(theta, risk)
    }
}

impl Ratio {
    /// The risk (or rate) ratio at log effect `theta`, converting an odds ratio at baseline risk
    /// `risk` by Zhang & Yu.
    pub fn risk_ratio(&self, theta: f64, risk: f64) -> f64 {
        let r = theta.exp();
        match self {
            Ratio::RR | Ratio::IRR => r,
            Ratio::OR => r / (1.0 - risk + risk * r),
            Ratio::SMD => 1.0,
        }
    }

    /// The effect on its natural scale from the analysis scale: a ratio from its log, an SMD
    /// as it is.
    pub fn natural(&self, theta: f64) -> f64 {
        match self {
            Ratio::SMD => theta,
            _ => theta.exp(),
        }
    }

    /// The analysis scale from the natural scale: the log of a ratio, an SMD as it is.
    pub fn analysis(&self, x: f64) -> f64 {
        match self {
            Ratio::SMD => x,
            _ => x.ln(),
        }
    }
}

fn measure(name: &str, key: &str) -> Result<Ratio> {
    match name.to_ascii_uppercase().as_str() {
        "RR" => Ok(Ratio::RR),
        "IRR" => Ok(Ratio::IRR),
        "OR" => Ok(Ratio::OR),
        "SMD" | "SMDH" => Ok(Ratio::SMD),
        other => Err(Error::input(
            key,
            format!("{other} cannot drive the case: give a risk ratio (RR), rate ratio (IRR) or odds ratio (OR), or an SMD with its explicit mapping to QALYs (outcome.qaly_per_sd)"),
        )),
    }
}

/// Resolves the effect: reads a file if named, derives the log SE from the CI, and settles mean
/// or prediction (`None`: prediction when τ² is known, else the mean).
///
/// # Errors
/// [`Error::Input`] naming the key for an unusable measure or a prediction without τ²;
/// [`Error::Io`]/[`Error::Format`] for an unreadable effect file.
pub fn resolve(input: &EffectInput, want: Option<EffectUse>) -> Result<Effect> {
    resolve_with(input, want, None)
}

/// A pooled effect handed over in memory: an `evaluate` domain's result, for a scenario whose
/// effect is read from the evaluation it runs with (`outcome.domain` without `effect_from`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    /// The domain's name.
    pub domain: String,
    /// Its measure as `evaluate` writes it ("OR", "RR", "SMD", …).
    pub measure: String,
    /// The pooled estimate on its analysis (log) scale.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// The between-study variance.
    pub tau2: Option<f64>,
}

/// As [`resolve`], with the pooled results of the evaluation the scenario runs with (`own`):
/// an [`EffectInput::Evaluation`] domain is looked up there.
///
/// # Errors
/// As [`resolve`]; [`Error::Input`] naming `outcome.domain` when the domain is not among `own`
/// (or there is no evaluation).
pub fn resolve_with(
    input: &EffectInput,
    want: Option<EffectUse>,
    own: Option<&[Pooled]>,
) -> Result<Effect> {
    let (source, m, log_est, log_se, tau2) = match input {
        EffectInput::Direct {
            measure: name,
            estimate,
            ci_lower,
            ci_upper,
            tau2,
            pi,
        } => {
            let m = measure(name, "outcome.measure")?;
            let se = (m.analysis(*ci_upper) - m.analysis(*ci_lower)) / (2.0 * Z95);
            // a stated 95 % prediction interval gives τ² = (half-width / z)² − se²
            let tau2 = match pi {
                Some((a, b)) => {
                    let sd = (m.analysis(*b) - m.analysis(*a)) / (2.0 * Z95);
                    Some((sd * sd - se * se).max(0.0))
                }
                None => *tau2,
            };
            (
                "the scenario".to_string(),
                m,
                m.analysis(*estimate),
                se,
                tau2,
            )
        }
        EffectInput::File { path, domain } => from_file(path, domain.as_deref())?,
        EffectInput::Evaluation { domain } => from_evaluation(domain, own)?,
    };
    let used = match (want, tau2) {
        (Some(EffectUse::Prediction), None) => {
            return Err(Error::input(
                "appraisal.effect",
                "a prediction for a new setting needs τ²: give outcome.tau2 or outcome.pi_lower/pi_upper, or read the effect from a meta-analysis (effect_from), or use effect = \"mean\"",
            ))
        }
        (Some(u), _) => u,
        (None, Some(_)) => EffectUse::Prediction,
        (None, None) => EffectUse::Mean,
    };
    let log_sd = match used {
        EffectUse::Mean => log_se,
        EffectUse::Prediction => (log_se * log_se + tau2.unwrap_or(0.0)).sqrt(),
    };
    Ok(Effect {
        source,
        measure: m,
        log_estimate: log_est,
        log_se,
        tau2,
        used,
        log_sd,
    })
}

type Read = (String, Ratio, f64, f64, Option<f64>);

/// The effect of domain `d` of the evaluation the scenario runs with.
fn from_evaluation(d: &str, own: Option<&[Pooled]>) -> Result<Read> {
    let Some(list) = own else {
        return Err(Error::input(
            "outcome.domain",
            format!("a domain (\"{d}\") without effect_from takes the effect from the evaluation the scenario runs with: use `peerstat evaluate DATA --scenario FILE`, or read a saved evaluation with effect_from = \"results.json\""),
        ));
    };
    let p = list.iter().find(|p| p.domain == d).ok_or_else(|| {
        let names: Vec<&str> = list.iter().map(|p| p.domain.as_str()).collect();
        Error::input(
            "outcome.domain",
            format!(
                "the evaluation has no pooled domain \"{d}\" (pooled domains: {})",
                names.join(", ")
            ),
        )
    })?;
    let m = measure(&p.measure, "outcome.domain")?;
    Ok((
        format!("this evaluation, domain \"{d}\""),
        m,
        p.estimate,
        p.se,
        p.tau2.filter(|t| *t >= 0.0),
    ))
}

/// Reads a `meta --format json` output (top-level `measure`, `estimate`, `se`, `tau2` on the log
/// scale) or an `evaluate` `results.json` (`domains[].domain` = `domain`, its `measure` and
/// `pooled`).
fn from_file(path: &Path, domain: Option<&str>) -> Result<Read> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::format(&name, format!("not a JSON file: {e}")))?;
    let (fit, measure_v, source) = match (v.get("domains"), domain) {
        (Some(ds), Some(d)) => {
            let list = ds.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let found = list
                .iter()
                .find(|x| x.get("domain").and_then(|n| n.as_str()) == Some(d))
                .ok_or_else(|| {
                    let names: Vec<&str> = list
                        .iter()
                        .filter_map(|x| x.get("domain").and_then(|n| n.as_str()))
                        .collect();
                    Error::input(
                        "outcome.domain",
                        format!(
                            "{name} has no domain \"{d}\" (domains: {})",
                            names.join(", ")
                        ),
                    )
                })?;
            let fit = found
                .get("pooled")
                .filter(|p| !p.is_null())
                .ok_or_else(|| {
                    Error::input(
                        "outcome.domain",
                        format!("domain \"{d}\" in {name} has no pooled estimate"),
                    )
                })?;
            (fit, found.get("measure"), format!("{name}, domain \"{d}\""))
        }
        (Some(_), None) => {
            return Err(Error::input(
                "outcome.domain",
                format!(
                "{name} is an evaluate results file: name the domain (outcome.domain = \"...\")"
            ),
            ))
        }
        (None, _) => (&v, v.get("measure"), format!("{name} (meta-analysis)")),
    };
    let m = measure(
        measure_v.and_then(|x| x.as_str()).unwrap_or("?"),
        "outcome.effect_from",
    )?;
    let num = |k: &str| fit.get(k).and_then(serde_json::Value::as_f64);
    let est = num("estimate").ok_or_else(|| {
        Error::format(
            &name,
            "no numeric \"estimate\" (expected a `meta --format json` output)",
        )
    })?;
    let se = num("se")
        .filter(|s| *s >= 0.0)
        .ok_or_else(|| Error::format(&name, "no numeric \"se\""))?;
    Ok((source, m, est, se, num("tau2").filter(|t| *t >= 0.0)))
}
