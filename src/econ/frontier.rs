//! The efficiency frontier: strategies ordered by cost, strong and extended dominance, and
//! sequential ICERs (dampack `calculate_icers`).

use serde::Serialize;

use crate::error::{Error, Result};

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
    check_strategies(strategies)?;
    let mut idx: Vec<usize> = (0..strategies.len()).collect();
    idx.sort_by(|&a, &b| {
        strategies[a]
            .cost
            .total_cmp(&strategies[b].cost)
            .then(strategies[b].effect.total_cmp(&strategies[a].effect))
    });
    let status = dominance(strategies, &idx);
    Ok(frontier_rows(strategies, &idx, &status))
}

/// Fails for no strategies, a non-finite cost or effect, or a name given twice.
fn check_strategies(strategies: &[Strategy]) -> Result<()> {
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
    Ok(())
}

/// Each strategy's status, from the strategies in cost order `idx`: strong dominance, then
/// extended dominance repeatedly until the ICERs increase.
fn dominance(strategies: &[Strategy], idx: &[usize]) -> Vec<Status> {
    let mut status = vec![Status::ND; strategies.len()];
    let mut best_effect = f64::NEG_INFINITY;
    for &i in idx {
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
    status
}

/// The frontier table: non-dominated strategies by cost with their increments and ICERs, then
/// the extendedly and the strongly dominated ones in cost order.
fn frontier_rows(strategies: &[Strategy], idx: &[usize], status: &[Status]) -> Vec<FrontierRow> {
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
    out
}
