//! The scenario file: what a commissioner states about their setting (TOML), read into raw
//! serde structs and validated into a typed [`Scenario`], every error naming its key
//! (`"outcome.baseline_rate: …"`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::discount::Discount;
use crate::error::{Error, Result};

/// A number given either as a fixed value or as a distribution `{ mean, sd }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
enum RawValue {
    Fixed(f64),
    Uncertain { mean: f64, sd: f64 },
}

/// Uptake: a list (its length is the horizon), one share, or a curve from `from` to `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawUptake {
    List(Vec<f64>),
    Constant(f64),
    Curve(RawCurve),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCurve {
    from: f64,
    to: f64,
    #[serde(default)]
    shape: Option<String>,
    #[serde(default)]
    steepness: Option<f64>,
}

/// A discount setting: a rate or `"green-book"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawDiscount {
    Rate(f64),
    Named(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    title: Option<String>,
    population: RawPopulation,
    programme: RawProgramme,
    outcome: RawOutcome,
    #[serde(default)]
    appraisal: RawAppraisal,
    #[serde(default)]
    research: RawResearch,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    eligible: Option<f64>,
    uptake: Option<RawUptake>,
    horizon_years: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    cost_per_participant: Option<RawValue>,
    #[serde(default)]
    fixed_cost_per_year: Option<RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutcome {
    #[serde(default)]
    name: Option<String>,
    measure: Option<String>,
    estimate: Option<f64>,
    ci_lower: Option<f64>,
    ci_upper: Option<f64>,
    tau2: Option<f64>,
    pi_lower: Option<f64>,
    pi_upper: Option<f64>,
    effect_from: Option<String>,
    domain: Option<String>,
    baseline_rate: Option<RawValue>,
    baseline_risk: Option<RawValue>,
    unit_cost: Option<RawValue>,
    qaly_per_event: Option<RawValue>,
    qaly_per_participant: Option<RawValue>,
    qaly_per_sd: Option<RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppraisal {
    discount: Option<RawDiscount>,
    discount_cost: Option<RawDiscount>,
    discount_effect: Option<RawDiscount>,
    effect: Option<String>,
    wtp: Option<Vec<f64>>,
    draws: Option<i64>,
    seed: Option<i64>,
    sensitivity_range: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResearch {
    trial_n: Option<Vec<i64>>,
    trial_fixed_cost: Option<f64>,
    trial_cost_per_participant: Option<f64>,
    follow_up_years: Option<f64>,
}

/// How an uncertain input is drawn in the probabilistic analysis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dist {
    /// No uncertainty (a fixed value, or `sd = 0`).
    Fixed,
    /// Gamma with the given mean and SD (costs, rates, QALYs: non-negative).
    Gamma,
    /// Beta with the given mean and SD (risks).
    Beta,
}

/// An input value with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Value {
    /// The value (the mean of its distribution).
    pub mean: f64,
    /// Its standard deviation (0 when fixed).
    pub sd: f64,
    /// The distribution of the probabilistic draws.
    pub dist: Dist,
}

impl Value {
    /// A fixed value.
    pub fn fixed(x: f64) -> Value {
        Value {
            mean: x,
            sd: 0.0,
            dist: Dist::Fixed,
        }
    }
}

/// The baseline outcome without the programme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// Events per person-year.
    Rate(Value),
    /// Risk of an event within a year (a probability).
    Risk(Value),
}

impl Baseline {
    /// The baseline value (rate or risk).
    pub fn value(&self) -> Value {
        match self {
            Baseline::Rate(v) | Baseline::Risk(v) => *v,
        }
    }
}

/// Where the pooled effect comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectInput {
    /// Stated in the scenario: measure, estimate, 95 % CI, optionally τ² or a prediction interval.
    Direct {
        /// `RR`, `IRR` or `OR`.
        measure: String,
        /// Estimate on the natural (ratio) scale.
        estimate: f64,
        /// Lower 95 % confidence bound (ratio scale).
        ci_lower: f64,
        /// Upper 95 % confidence bound (ratio scale).
        ci_upper: f64,
        /// Between-study variance on the log scale.
        tau2: Option<f64>,
        /// 95 % prediction interval (ratio scale).
        pi: Option<(f64, f64)>,
    },
    /// A `meta --format json` output, or an `evaluate` `results.json` domain.
    File {
        /// The file (resolved against the scenario's folder).
        path: PathBuf,
        /// The domain of a `results.json`.
        domain: Option<String>,
    },
    /// A domain of the evaluation the scenario runs with (`evaluate --scenario`):
    /// `outcome.domain` without `effect_from` or a stated effect.
    Evaluation {
        /// The outcome domain.
        domain: String,
    },
}

/// Which effect distribution drives the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectUse {
    /// The pooled mean effect and its confidence interval.
    Mean,
    /// The predictive distribution of the effect in a new setting (needs τ²).
    Prediction,
}

/// How uptake was stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Population {
    /// Eligible people per year.
    pub eligible: Value,
    /// Share taking part in each year (its length is the horizon).
    pub uptake: Vec<f64>,
}

/// The proposed trial of the value-of-research analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Research {
    /// Sizes per arm to value.
    pub trial_n: Vec<usize>,
    /// Fixed cost of the trial.
    pub fixed_cost: f64,
    /// Cost per participant (both arms).
    pub cost_per_participant: f64,
    /// Follow-up per participant (years) for a rate outcome.
    pub follow_up_years: f64,
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// A title (optional).
    pub title: Option<String>,
    /// Eligible population and uptake.
    pub population: Population,
    /// Programme cost per participant.
    pub cost_per_participant: Value,
    /// Fixed programme cost per year.
    pub fixed_cost_per_year: Value,
    /// The outcome's name in words (default "events").
    pub outcome_name: String,
    /// The effect.
    pub effect: EffectInput,
    /// Use the mean or the prediction; `None`: prediction when τ² is known, else mean.
    pub effect_use: Option<EffectUse>,
    /// Baseline rate or risk.
    pub baseline: Baseline,
    /// Cost of one event.
    pub unit_cost: Value,
    /// QALYs lost per event.
    pub qaly_per_event: Option<Value>,
    /// QALYs gained per participant.
    pub qaly_per_participant: Option<Value>,
    /// QALYs gained per participant per 1 SD improvement: the explicit mapping an SMD needs.
    pub qaly_per_sd: Option<Value>,
    /// Discounting of costs.
    pub discount_cost: Discount,
    /// Discounting of QALYs.
    pub discount_effect: Discount,
    /// Willingness-to-pay thresholds (£ per QALY).
    pub wtp: Vec<f64>,
    /// Probabilistic draws.
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
    /// Relative range of the one-way sensitivity for fixed inputs (default 0.2: ±20 %).
    pub sensitivity_range: f64,
    /// The proposed trial.
    pub research: Research,
}

fn bad(key: &str, message: impl Into<String>) -> Error {
    Error::input(key, message)
}

fn need<T>(v: Option<T>, key: &str, what: &str) -> Result<T> {
    v.ok_or_else(|| bad(key, format!("missing: {what}")))
}

/// Validates a value: finite, non-negative mean and SD; `unit` true bounds the mean in [0, 1].
fn value(raw: RawValue, key: &str, unit: bool) -> Result<Value> {
    let (mean, sd) = match raw {
        RawValue::Fixed(x) => (x, 0.0),
        RawValue::Uncertain { mean, sd } => (mean, sd),
    };
    if !mean.is_finite() || mean < 0.0 {
        return Err(bad(key, format!("must be a number ≥ 0 (got {mean})")));
    }
    if unit && mean > 1.0 {
        return Err(bad(key, format!("a risk must lie in [0, 1] (got {mean})")));
    }
    if !sd.is_finite() || sd < 0.0 {
        return Err(bad(key, format!("sd must be a number ≥ 0 (got {sd})")));
    }
    if sd > 0.0 && mean <= 0.0 {
        return Err(bad(key, "an uncertain value needs a positive mean"));
    }
    if unit && sd > 0.0 && sd * sd >= mean * (1.0 - mean) {
        return Err(bad(
            key,
            format!("sd {sd} is too large for a risk of mean {mean} (a beta distribution needs sd² < mean × (1 − mean))"),
        ));
    }
    let dist = match (sd > 0.0, unit) {
        (false, _) => Dist::Fixed,
        (true, false) => Dist::Gamma,
        (true, true) => Dist::Beta,
    };
    Ok(Value { mean, sd, dist })
}

impl Scenario {
    /// Parses a scenario: TOML, or JSON with the same keys when the text starts with `{`;
    /// `source` names it in errors, `dir` is the folder that relative `effect_from` paths are
    /// read from.
    ///
    /// # Errors
    /// [`Error::Format`] for invalid TOML or JSON or an unknown key; [`Error::Input`] naming the
    /// key (`"outcome.baseline_rate"`) for a missing or out-of-range value.
    pub fn parse(text: &str, source: &str, dir: &Path) -> Result<Scenario> {
        let raw: RawScenario = if text.trim_start().starts_with('{') {
            serde_json::from_str(text)
                .map_err(|e| Error::format(source, format!("invalid scenario: {e}")))?
        } else {
            toml::from_str(text)
                .map_err(|e| Error::format(source, format!("invalid scenario: {e}")))?
        };
        let population = population(raw.population)?;
        let p = raw.programme;
        let cost_per_participant = value(
            need(
                p.cost_per_participant,
                "programme.cost_per_participant",
                "the programme's cost per participant (£)",
            )?,
            "programme.cost_per_participant",
            false,
        )?;
        let fixed_cost_per_year = match p.fixed_cost_per_year {
            Some(v) => value(v, "programme.fixed_cost_per_year", false)?,
            None => Value::fixed(0.0),
        };
        let o = raw.outcome;
        let effect = effect_input(&o, dir)?;
        // an SMD case (qaly_per_sd) avoids no events: its baseline and unit cost may be left out
        let smd = o.qaly_per_sd.is_some();
        let baseline = match (smd, o.baseline_rate.is_none() && o.baseline_risk.is_none()) {
            (true, true) => Baseline::Rate(Value::fixed(0.0)),
            _ => baseline(&o)?,
        };
        let unit_cost = match (smd, o.unit_cost) {
            (true, None) => Value::fixed(0.0),
            (_, u) => value(
                need(u, "outcome.unit_cost", "the cost of one event (£)")?,
                "outcome.unit_cost",
                false,
            )?,
        };
        let qaly_per_sd = o
            .qaly_per_sd
            .map(|v| value(v, "outcome.qaly_per_sd", false))
            .transpose()?;
        let qaly_per_event = o
            .qaly_per_event
            .map(|v| value(v, "outcome.qaly_per_event", false))
            .transpose()?;
        let qaly_per_participant = o
            .qaly_per_participant
            .map(|v| value(v, "outcome.qaly_per_participant", false))
            .transpose()?;
        let a = raw.appraisal;
        let (discount_cost, discount_effect) = discounts(&a)?;
        let (effect_use, wtp, draws, seed, sensitivity_range) = appraisal_settings(&a)?;
        Ok(Scenario {
            title: raw.title,
            population,
            cost_per_participant,
            fixed_cost_per_year,
            outcome_name: o.name.unwrap_or_else(|| "events".into()),
            effect,
            effect_use,
            baseline,
            unit_cost,
            qaly_per_event,
            qaly_per_participant,
            qaly_per_sd,
            discount_cost,
            discount_effect,
            wtp,
            draws: draws as usize,
            seed: seed as u64,
            sensitivity_range,
            research: research(raw.research)?,
        })
    }

    /// Reads and parses a scenario file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read, else as [`Scenario::parse`].
    pub fn from_file(path: &Path) -> Result<Scenario> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        Self::parse(&text, &name, dir)
    }
}

fn population(p: RawPopulation) -> Result<Population> {
    let eligible = need(
        p.eligible,
        "population.eligible",
        "the eligible people per year",
    )?;
    if !eligible.is_finite() || eligible < 0.0 {
        return Err(bad("population.eligible", "must be a number ≥ 0"));
    }
    let uptake = need(
        p.uptake,
        "population.uptake",
        "the share taking part in each year (a list, one share, or { from, to })",
    )?;
    let horizon = match (&uptake, p.horizon_years) {
        (RawUptake::List(l), None) => l.len(),
        (RawUptake::List(_), Some(_)) => {
            return Err(bad(
                "population.horizon_years",
                "the uptake list's length sets the horizon: give one or the other",
            ))
        }
        (_, Some(h)) if (1..=200).contains(&h) => h as usize,
        (_, Some(h)) => {
            return Err(bad(
                "population.horizon_years",
                format!("must be between 1 and 200 (got {h})"),
            ))
        }
        (_, None) => {
            return Err(bad(
                "population.horizon_years",
                "missing: a constant or curved uptake needs the horizon in years",
            ))
        }
    };
    let shares = match uptake {
        RawUptake::List(l) => l,
        RawUptake::Constant(u) => vec![u; horizon],
        RawUptake::Curve(c) => curve(&c, horizon)?,
    };
    if shares.is_empty() || shares.len() > 200 {
        return Err(bad(
            "population.uptake",
            "give between 1 and 200 yearly shares",
        ));
    }
    if let Some(u) = shares.iter().find(|u| !(0.0..=1.0).contains(*u)) {
        return Err(bad(
            "population.uptake",
            format!("each share must lie in [0, 1] (got {u})"),
        ));
    }
    Ok(Population {
        eligible: Value::fixed(eligible),
        uptake: shares,
    })
}

/// The outcome's baseline: a rate (events per person-year) or a risk, exactly one of them.
fn baseline(o: &RawOutcome) -> Result<Baseline> {
    Ok(match (o.baseline_rate, o.baseline_risk) {
        (Some(r), None) => Baseline::Rate(value(r, "outcome.baseline_rate", false)?),
        (None, Some(r)) => Baseline::Risk(value(r, "outcome.baseline_risk", true)?),
        (Some(_), Some(_)) => {
            return Err(bad(
                "outcome.baseline_rate",
                "give baseline_rate (events per person-year) or baseline_risk, not both",
            ))
        }
        (None, None) => return Err(bad(
            "outcome.baseline_rate",
            "missing: the events per person-year without the programme (or outcome.baseline_risk)",
        )),
    })
}

/// [`appraisal_settings`]: the effect used, the thresholds, the draws, the seed and the
/// sensitivity range.
type Settings = (Option<EffectUse>, Vec<f64>, i64, i64, f64);

/// The appraisal's settings: which effect to use, the thresholds, the draws, the seed and the
/// one-way sensitivity range, each checked.
fn appraisal_settings(a: &RawAppraisal) -> Result<Settings> {
    let effect_use = match a.effect.as_deref() {
        None => None,
        Some("mean") => Some(EffectUse::Mean),
        Some("prediction") => Some(EffectUse::Prediction),
        Some(other) => {
            return Err(bad(
                "appraisal.effect",
                format!("\"{other}\" is not \"mean\" or \"prediction\""),
            ))
        }
    };
    let wtp = a.wtp.clone().unwrap_or_else(|| vec![20000.0, 30000.0]);
    if wtp.is_empty() || wtp.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(bad(
            "appraisal.wtp",
            "give one or more thresholds ≥ 0 (£ per QALY)",
        ));
    }
    let draws = a.draws.unwrap_or(10000);
    if !(100..=10_000_000).contains(&draws) {
        return Err(bad(
            "appraisal.draws",
            format!("must be between 100 and 10,000,000 (got {draws})"),
        ));
    }
    let seed = a.seed.unwrap_or(1);
    if seed < 0 {
        return Err(bad("appraisal.seed", "must be ≥ 0"));
    }
    let sensitivity_range = a.sensitivity_range.unwrap_or(0.2);
    if !(sensitivity_range > 0.0 && sensitivity_range < 1.0) {
        return Err(bad(
            "appraisal.sensitivity_range",
            "must lie strictly between 0 and 1 (0.2: ±20 %)",
        ));
    }
    Ok((effect_use, wtp, draws, seed, sensitivity_range))
}

/// Uptake rising from `from` in year 1 to `to` in the last year: linear, or along a logistic S
/// curve `1/(1 + exp(−k(t − mid)))` rescaled to pass through both ends (mid = the middle year).
fn curve(c: &RawCurve, horizon: usize) -> Result<Vec<f64>> {
    let h = horizon as f64;
    let k = c.steepness.unwrap_or(1.0);
    if !(k > 0.0 && k.is_finite()) {
        return Err(bad(
            "population.uptake.steepness",
            "must be a positive number",
        ));
    }
    let share: Box<dyn Fn(f64) -> f64> = match c.shape.as_deref().unwrap_or("linear") {
        "linear" => Box::new(|t: f64| if h > 1.0 { (t - 1.0) / (h - 1.0) } else { 1.0 }),
        "logistic" => {
            let mid = (1.0 + h) / 2.0;
            let l = move |t: f64| 1.0 / (1.0 + (-k * (t - mid)).exp());
            let (l1, lh) = (l(1.0), l(h));
            Box::new(move |t: f64| {
                if h > 1.0 {
                    (l(t) - l1) / (lh - l1)
                } else {
                    1.0
                }
            })
        }
        other => {
            return Err(bad(
                "population.uptake.shape",
                format!("\"{other}\" is not \"linear\" or \"logistic\""),
            ))
        }
    };
    Ok((1..=horizon)
        .map(|t| c.from + (c.to - c.from) * share(t as f64))
        .collect())
}

fn effect_input(o: &RawOutcome, dir: &Path) -> Result<EffectInput> {
    if let Some(f) = &o.effect_from {
        if o.estimate.is_some() || o.measure.is_some() {
            return Err(bad(
                "outcome.effect_from",
                "give the effect directly (measure, estimate, ci_lower, ci_upper) or effect_from, not both",
            ));
        }
        let p = Path::new(f);
        let path = if p.is_absolute() {
            p.to_path_buf()
        } else {
            dir.join(p)
        };
        return Ok(EffectInput::File {
            path,
            domain: o.domain.clone(),
        });
    }
    if let Some(d) = &o.domain {
        if o.measure.is_some() || o.estimate.is_some() {
            return Err(bad(
                "outcome.domain",
                "give the effect directly (measure, estimate, ci_lower, ci_upper) or a domain, not both (a domain alone takes the effect from the evaluation the scenario runs with; with effect_from, from a saved results.json)",
            ));
        }
        return Ok(EffectInput::Evaluation { domain: d.clone() });
    }
    let measure = need(
        o.measure.clone(),
        "outcome.measure",
        "RR, IRR or OR (or effect_from = \"meta.json\")",
    )?;
    if measure.eq_ignore_ascii_case("SMD") {
        if o.qaly_per_sd.is_none() {
            return Err(bad(
                "outcome.qaly_per_sd",
                "outcome.measure = \"SMD\" drives QALYs only through an explicit mapping: give outcome.qaly_per_sd, the QALYs gained per participant per 1 SD improvement (an SMD avoids no events)",
            ));
        }
        return smd_input(o, measure);
    }
    let est = need(
        o.estimate,
        "outcome.estimate",
        "the pooled effect on its ratio scale",
    )?;
    let lo = need(
        o.ci_lower,
        "outcome.ci_lower",
        "the lower 95 % confidence bound",
    )?;
    let hi = need(
        o.ci_upper,
        "outcome.ci_upper",
        "the upper 95 % confidence bound",
    )?;
    for (k, v) in [
        ("outcome.estimate", est),
        ("outcome.ci_lower", lo),
        ("outcome.ci_upper", hi),
    ] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(bad(k, format!("a ratio must be positive (got {v})")));
        }
    }
    if !(lo <= est && est <= hi) {
        return Err(bad(
            "outcome.ci_lower",
            format!("the interval [{lo}, {hi}] must contain the estimate {est}"),
        ));
    }
    if let Some(t) = o.tau2 {
        if !(t >= 0.0 && t.is_finite()) {
            return Err(bad("outcome.tau2", "must be a number ≥ 0 (log scale)"));
        }
    }
    let pi = match (o.pi_lower, o.pi_upper) {
        (None, None) => None,
        (Some(a), Some(b)) if a > 0.0 && a <= est && est <= b && b.is_finite() => Some((a, b)),
        (Some(_), Some(_)) => {
            return Err(bad(
                "outcome.pi_lower",
                "the prediction interval must be positive and contain the estimate",
            ))
        }
        _ => return Err(bad("outcome.pi_lower", "give both pi_lower and pi_upper")),
    };
    if pi.is_some() && o.tau2.is_some() {
        return Err(bad(
            "outcome.tau2",
            "give tau2 or a prediction interval, not both",
        ));
    }
    Ok(EffectInput::Direct {
        measure,
        estimate: est,
        ci_lower: lo,
        ci_upper: hi,
        tau2: o.tau2,
        pi,
    })
}

/// A stated SMD (positive: benefit) with its 95 % CI and optional τ² (no prediction interval).
fn smd_input(o: &RawOutcome, measure: String) -> Result<EffectInput> {
    let est = need(
        o.estimate,
        "outcome.estimate",
        "the pooled SMD (positive: benefit)",
    )?;
    let lo = need(
        o.ci_lower,
        "outcome.ci_lower",
        "the lower 95 % confidence bound",
    )?;
    let hi = need(
        o.ci_upper,
        "outcome.ci_upper",
        "the upper 95 % confidence bound",
    )?;
    if !(lo.is_finite() && hi.is_finite() && lo <= est && est <= hi) {
        return Err(bad(
            "outcome.ci_lower",
            format!("the interval [{lo}, {hi}] must contain the estimate {est}"),
        ));
    }
    if o.pi_lower.is_some() || o.pi_upper.is_some() {
        return Err(bad(
            "outcome.pi_lower",
            "for an SMD give outcome.tau2, not a prediction interval",
        ));
    }
    if let Some(t) = o.tau2 {
        if !(t >= 0.0 && t.is_finite()) {
            return Err(bad("outcome.tau2", "must be a number ≥ 0"));
        }
    }
    Ok(EffectInput::Direct {
        measure,
        estimate: est,
        ci_lower: lo,
        ci_upper: hi,
        tau2: o.tau2,
        pi: None,
    })
}

fn discount(raw: &RawDiscount, key: &str) -> Result<Discount> {
    match raw {
        RawDiscount::Rate(r) if (0.0..1.0).contains(r) => Ok(Discount::Rate(*r)),
        RawDiscount::Rate(r) => Err(bad(key, format!("a rate must lie in [0, 1) (got {r})"))),
        RawDiscount::Named(s) if s == "green-book" => Ok(Discount::GreenBook),
        RawDiscount::Named(s) => Err(bad(
            key,
            format!("\"{s}\" is not a rate (0.035) or \"green-book\""),
        )),
    }
}

fn discounts(a: &RawAppraisal) -> Result<(Discount, Discount)> {
    let both = match &a.discount {
        Some(d) => discount(d, "appraisal.discount")?,
        None => Discount::Rate(0.035),
    };
    let c = match &a.discount_cost {
        Some(d) => discount(d, "appraisal.discount_cost")?,
        None => both,
    };
    let e = match &a.discount_effect {
        Some(d) => discount(d, "appraisal.discount_effect")?,
        None => both,
    };
    Ok((c, e))
}

fn research(r: RawResearch) -> Result<Research> {
    let n = r
        .trial_n
        .unwrap_or_else(|| vec![50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000]);
    if n.is_empty() || n.iter().any(|&x| !(1..=100_000_000).contains(&x)) {
        return Err(bad(
            "research.trial_n",
            "give one or more sizes per arm ≥ 1",
        ));
    }
    let check = |v: Option<f64>, key: &str| -> Result<f64> {
        match v {
            None => Ok(0.0),
            Some(x) if x >= 0.0 && x.is_finite() => Ok(x),
            Some(x) => Err(bad(key, format!("must be a number ≥ 0 (got {x})"))),
        }
    };
    let follow_up_years = r.follow_up_years.unwrap_or(1.0);
    if !(follow_up_years > 0.0 && follow_up_years.is_finite()) {
        return Err(bad("research.follow_up_years", "must be a positive number"));
    }
    Ok(Research {
        trial_n: n.into_iter().map(|x| x as usize).collect(),
        fixed_cost: check(r.trial_fixed_cost, "research.trial_fixed_cost")?,
        cost_per_participant: check(
            r.trial_cost_per_participant,
            "research.trial_cost_per_participant",
        )?,
        follow_up_years,
    })
}
