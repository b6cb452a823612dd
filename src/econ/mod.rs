//! Economic evaluation (`docs/src/economics.md`): efficiency frontiers with dominance and sequential ICERs,
//! probabilistic (PSA or bootstrap) draws with net benefit, acceptability curves, CEAF and EVPI,
//! trial-based analysis from patient data or published arm summaries (Fieller interval,
//! incremental net monetary benefit, stratified bootstrap with angle-ordered ICER percentiles,
//! covariate adjustment by seemingly unrelated regression, discounting), and random-effects
//! pooling of net benefit across trials.
//!
//! Increments are always intervention − comparator; net monetary benefit is `NMB = λ·effect − cost`
//! and the incremental net monetary benefit `INMB = λ·Δe − Δc`.
//!
//! # Examples
//!
//! ```
//! use peerstat::econ::{frontier, Status, Strategy};
//! let s = vec![
//!     Strategy::new("usual care", 1000.0, 0.60),
//!     Strategy::new("peer support", 1500.0, 0.65),
//!     Strategy::new("intensive", 3000.0, 0.66),
//!     Strategy::new("leaflet", 1600.0, 0.62),
//! ];
//! let f = frontier(&s).unwrap();
//! assert_eq!(f[1].strategy, "peer support");
//! assert!((f[1].icer - 10000.0).abs() < 1e-9);
//! assert_eq!(f.iter().find(|r| r.strategy == "leaflet").unwrap().status, Status::D);
//! ```

pub mod draws;
mod parse;
pub mod table;
pub mod trial;

pub use draws::{analyse_draws, DrawsAnalysis, WtpResult};
pub use trial::{
    analyse_arms, analyse_patients, discount_factor, fieller, pooled_ceac, pooled_net_benefit, sur,
    ArmSummary, Fieller, FiellerKind, Inmb, PatientOptions, Timing, TrialResult,
};

use serde::Serialize;

use crate::error::{Error, Result, Setting};

/// A strategy with its (mean) cost and effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    /// Name.
    pub strategy: String,
    /// Cost.
    pub cost: f64,
    /// Effect (e.g. QALYs).
    pub effect: f64,
}

impl Strategy {
    /// A strategy.
    pub fn new(name: &str, cost: f64, effect: f64) -> Self {
        Strategy {
            strategy: name.to_string(),
            cost,
            effect,
        }
    }
}

/// Dominance status on the efficiency frontier (dampack `calculate_icers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Non-dominated: on the frontier.
    ND,
    /// Strongly dominated: another strategy costs no more and is at least as effective.
    D,
    /// Extendedly dominated: a mix of neighbours on the frontier does better.
    ED,
}

/// One row of a frontier table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierRow {
    /// Strategy.
    pub strategy: String,
    /// Cost.
    pub cost: f64,
    /// Effect.
    pub effect: f64,
    /// Cost increment over the previous non-dominated strategy (null for the first and for
    /// dominated strategies).
    pub inc_cost: f64,
    /// Effect increment over the previous non-dominated strategy.
    pub inc_effect: f64,
    /// Sequential ICER.
    pub icer: f64,
    /// Status.
    pub status: Status,
}

/// The efficiency frontier with sequential ICERs, as dampack's `calculate_icers`.
///
/// Strategies are sorted by cost (then by effect, higher first); a strategy is strongly
/// dominated (D) when a cheaper-or-equal strategy earlier in that order is at least as effective
/// (ties: equal effect at higher cost → D; identical strategies: the first is kept and the
/// second marked D). Among the rest, a strategy whose ICER exceeds the next one's is extendedly
/// dominated (ED), repeatedly, until ICERs increase. Output: non-dominated strategies by cost with
/// their ICERs, then the dominated ones (ED, then D) in cost order.
///
/// # Errors
/// [`Error::Empty`] for no strategies, [`Error::Input`] for non-finite values or duplicate
/// names.
pub fn frontier(strategies: &[Strategy]) -> Result<Vec<FrontierRow>> {
    if strategies.is_empty() {
        return Err(Error::Empty {
            file: "strategies".into(),
            message: "no strategies given".into(),
        });
    }
    for (i, s) in strategies.iter().enumerate() {
        if !s.cost.is_finite() || !s.effect.is_finite() {
            return Err(Error::input(
                format!("strategy '{}'", s.strategy),
                "cost and effect must be finite numbers",
            ));
        }
        if strategies[..i].iter().any(|o| o.strategy == s.strategy) {
            return Err(Error::input(
                format!("strategy '{}'", s.strategy),
                "appears twice",
            ));
        }
    }
    let mut idx: Vec<usize> = (0..strategies.len()).collect();
    idx.sort_by(|&a, &b| {
        strategies[a]
            .cost
            .total_cmp(&strategies[b].cost)
            .then(strategies[b].effect.total_cmp(&strategies[a].effect))
    });
    let mut status = vec![Status::ND; strategies.len()];
    let mut best_effect = f64::NEG_INFINITY;
    for &i in &idx {
        if strategies[i].effect <= best_effect {
            status[i] = Status::D;
        } else {
            best_effect = strategies[i].effect;
        }
    }
    // Extended dominance on the remaining (cost-ordered, effect-increasing) strategies.
    loop {
        let nd: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| status[i] == Status::ND)
            .collect();
        let icers: Vec<f64> = nd
            .windows(2)
            .map(|w| {
                let (a, b) = (&strategies[w[0]], &strategies[w[1]]);
                (b.cost - a.cost) / (b.effect - a.effect)
            })
            .collect();
        // icers[j] is the ICER of nd[j + 1]
        match (0..icers.len().saturating_sub(1)).find(|&j| icers[j] > icers[j + 1]) {
            Some(j) => status[nd[j + 1]] = Status::ED,
            None => break,
        }
    }
    let nan = f64::NAN;
    let mut out = Vec::with_capacity(strategies.len());
    let mut prev: Option<usize> = None;
    for &i in idx.iter().filter(|&&i| status[i] == Status::ND) {
        let s = &strategies[i];
        let (ic, ie, icer) = match prev {
            Some(p) => {
                let (dc, de) = (s.cost - strategies[p].cost, s.effect - strategies[p].effect);
                (dc, de, dc / de)
            }
            None => (nan, nan, nan),
        };
        out.push(FrontierRow {
            strategy: s.strategy.clone(),
            cost: s.cost,
            effect: s.effect,
            inc_cost: ic,
            inc_effect: ie,
            icer,
            status: Status::ND,
        });
        prev = Some(i);
    }
    for st in [Status::ED, Status::D] {
        for &i in idx.iter().filter(|&&i| status[i] == st) {
            let s = &strategies[i];
            out.push(FrontierRow {
                strategy: s.strategy.clone(),
                cost: s.cost,
                effect: s.effect,
                inc_cost: nan,
                inc_effect: nan,
                icer: nan,
                status: st,
            });
        }
    }
    Ok(out)
}

/// Parses a WTP grid `start:stop:step` (inclusive) or a comma-separated list.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Wtp`]) for malformed input, a non-positive step, or more than
/// 100,000 values.
pub fn parse_wtp(list: Option<&str>, grid: Option<&str>) -> Result<Vec<f64>> {
    let bad = |s: &str| {
        Error::setting(
            Setting::Wtp,
            format!("cannot read willingness-to-pay values '{s}': give a list such as 20000,30000 or a grid start:stop:step such as 0:50000:500"),
        )
    };
    let mut out = Vec::new();
    if let Some(l) = list {
        for p in l.split(',').filter(|p| !p.trim().is_empty()) {
            out.push(p.trim().parse::<f64>().map_err(|_| bad(l))?);
        }
    }
    if let Some(g) = grid {
        let parts: Vec<f64> = g
            .split(':')
            .map(|p| p.trim().parse::<f64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad(g))?;
        let [a, b, step] = parts[..] else {
            return Err(bad(g));
        };
        if step.is_nan() || step <= 0.0 || b < a || (b - a) / step > 100_000.0 {
            return Err(bad(g));
        }
        let n = ((b - a) / step + 1e-9).floor() as usize;
        out.extend((0..=n).map(|i| a + step * i as f64));
    }
    if out.is_empty() {
        out = vec![20_000.0, 30_000.0];
    }
    if out.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(Error::setting(
            Setting::Wtp,
            "willingness-to-pay values must be non-negative numbers",
        ));
    }
    Ok(out)
}

/// The default willingness-to-pay grid for acceptability curves when none is given: 0 to 3 ×
/// the largest ICER in 100 or so nice steps (1, 2 or 5 × 10ᵏ); 0 to 60,000 when no ICER is
/// positive and finite (every comparison dominant or dominated).
///
/// # Examples
///
/// ```
/// let g = peerstat::econ::default_wtp_grid(&[12_500.0, f64::NAN]);
/// assert_eq!((g[0], g[1], *g.last().unwrap()), (0.0, 500.0, 37_500.0));
/// ```
pub fn default_wtp_grid(icers: &[f64]) -> Vec<f64> {
    let max = icers
        .iter()
        .copied()
        .filter(|i| i.is_finite() && *i > 0.0)
        .fold(f64::NAN, f64::max);
    let top = if max.is_nan() { 60_000.0 } else { 3.0 * max };
    let raw = top / 100.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (top / step).ceil() as usize;
    (0..=n).map(|i| step * i as f64).collect()
}
