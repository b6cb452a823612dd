//! Probabilistic sensitivity analysis (or bootstrap) draws: expected net benefit, acceptability
//! curves, the acceptability frontier and the expected value of perfect information.
//!
//! # Formulas (draw d, strategy s, willingness to pay λ)
//! * `NMB_ds = λ·effect_ds − cost_ds`; expected NMB is its mean over draws.
//! * CEAC: `P(best)_s` = share of draws in which s has the highest NMB (ties: the first strategy
//!   in input order); pairwise `P(INMB > 0)` = share of draws with `NMB_s − NMB_ref > 0`.
//! * CEAF: the strategy with the highest expected NMB at each λ.
//! * `EVPI = E_d[max_s NMB_ds] − max_s E_d[NMB_ds]`.

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::Serialize;

use super::frontier::{frontier, FrontierRow, Strategy};
use crate::data::Table;
use crate::error::{Error, Result};

/// Results at one willingness-to-pay value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WtpResult {
    /// Willingness to pay per unit of effect.
    pub wtp: f64,
    /// Expected NMB per strategy (in `strategies` order).
    pub nmb: Vec<f64>,
    /// Probability each strategy has the highest NMB (CEAC).
    pub p_best: Vec<f64>,
    /// Probability each strategy's NMB exceeds the reference strategy's (null for the reference).
    pub p_inmb_positive: Vec<f64>,
    /// Strategy with the highest expected NMB (CEAF).
    pub ceaf_strategy: String,
    /// Expected value of perfect information (per person).
    pub evpi: f64,
    /// Expected value of partial perfect information, one per requested parameter group
    /// ([`crate::econ::voi::add_evppi`]; empty and absent from JSON otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evppi: Vec<crate::econ::voi::records::Evppi>,
    /// Expected value of sample information, per proposed study and size
    /// ([`crate::econ::voi::add_evsi`]; empty and absent from JSON otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evsi: Vec<crate::econ::voi::records::Evsi>,
    /// EVPI for the population ([`crate::econ::voi::Population`]; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population_evpi: Option<f64>,
}

/// A PSA analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawsAnalysis {
    /// Strategies, in input order.
    pub strategies: Vec<String>,
    /// Number of draws.
    pub draws: usize,
    /// Reference (comparator) strategy for pairwise CEACs.
    pub reference: String,
    /// Mean cost per strategy.
    pub mean_cost: Vec<f64>,
    /// Mean effect per strategy.
    pub mean_effect: Vec<f64>,
    /// Frontier of the means.
    pub frontier: Vec<FrontierRow>,
    /// Results by willingness to pay.
    pub by_wtp: Vec<WtpResult>,
    /// The population of the population values of information
    /// ([`crate::econ::voi::apply_population`]; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<crate::econ::voi::records::Population>,
}

/// Reads long-format draws (`draw, strategy, cost, effect`) into draws × strategies matrices.
///
/// # Errors
/// Missing columns, non-numeric values (naming row and column), or a draw that lacks a strategy
/// or repeats one.
pub fn draw_matrices(table: &Table) -> Result<(Vec<String>, Array2<f64>, Array2<f64>)> {
    let strat = table
        .get("strategy")
        .ok_or_else(|| table.missing_column("strategy", "for PSA draws"))?;
    let draw = table
        .get("draw")
        .ok_or_else(|| table.missing_column("draw", "for PSA draws"))?;
    let cost = table.numeric("cost", "for PSA draws")?;
    let effect = table.numeric("effect", "for PSA draws")?;
    let n = table.nrows();
    let mut names: Vec<String> = Vec::new();
    let mut draws: Vec<String> = Vec::new();
    let mut s_of = Vec::with_capacity(n);
    let mut d_of = Vec::with_capacity(n);
    let mut draw_index = std::collections::HashMap::new();
    for i in 0..n {
        let s = strat
            .key(i)
            .ok_or_else(|| table.value_error(i, "strategy", "missing strategy"))?;
        let d = draw
            .key(i)
            .ok_or_else(|| table.value_error(i, "draw", "missing draw id"))?;
        let si = match names.iter().position(|x| x == &s) {
            Some(p) => p,
            None => {
                names.push(s);
                names.len() - 1
            }
        };
        let di = *draw_index.entry(d.clone()).or_insert_with(|| {
            draws.push(d);
            draws.len() - 1
        });
        s_of.push(si);
        d_of.push(di);
    }
    let (nd, ns) = (draws.len(), names.len());
    let mut c = Array2::from_elem((nd, ns), f64::NAN);
    let mut e = Array2::from_elem((nd, ns), f64::NAN);
    for i in 0..n {
        let (d, s) = (d_of[i], s_of[i]);
        if !c[[d, s]].is_nan() {
            return Err(table.value_error(
                i,
                "strategy",
                format!("draw {} has strategy '{}' twice", draws[d], names[s]),
            ));
        }
        c[[d, s]] = cost[i].ok_or_else(|| table.value_error(i, "cost", "missing cost"))?;
        e[[d, s]] = effect[i].ok_or_else(|| table.value_error(i, "effect", "missing effect"))?;
    }
    for d in 0..nd {
        for s in 0..ns {
            if c[[d, s]].is_nan() {
                return Err(Error::Format {
                    file: table.source().to_string(),
                    message: format!(
                        "draw {} has no row for strategy '{}' (every draw needs every strategy)",
                        draws[d], names[s]
                    ),
                });
            }
        }
    }
    Ok((names, c, e))
}

/// Analyses draws: means and their frontier, and per λ expected NMB, CEAC (P(best) and pairwise
/// against `reference`), CEAF and EVPI. Parallel over λ.
///
/// # Errors
/// [`Error::NotFound`] for an unknown reference, [`Error::Empty`] for no draws,
/// [`Error::Length`] when `names`, `cost` and `effect` disagree in shape, [`Error::Setting`] for
/// no willingness-to-pay values.
pub fn analyse_draws(
    names: &[String],
    cost: &Array2<f64>,
    effect: &Array2<f64>,
    wtp: &[f64],
    reference: Option<&str>,
) -> Result<DrawsAnalysis> {
    let (nd, ns) = cost.dim();
    check_draws(names, cost, effect, wtp)?;
    let r = reference_index(names, reference)?;
    let mean_cost: Vec<f64> = cost
        .mean_axis(Axis(0))
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let mean_effect: Vec<f64> = effect
        .mean_axis(Axis(0))
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let strategies: Vec<Strategy> = (0..ns)
        .map(|s| Strategy::new(&names[s], mean_cost[s], mean_effect[s]))
        .collect();
    let by_wtp = wtp
        .par_iter()
        .map(|&l| at_wtp(names, (cost, effect), l, r))
        .collect();
    Ok(DrawsAnalysis {
        strategies: names.to_vec(),
        draws: nd,
        reference: names[r].clone(),
        mean_cost,
        mean_effect,
        frontier: frontier(&strategies)?,
        by_wtp,
        population: None,
    })
}

/// Fails for no draws, shapes that disagree, or no willingness-to-pay values.
fn check_draws(
    names: &[String],
    cost: &Array2<f64>,
    effect: &Array2<f64>,
    wtp: &[f64],
) -> Result<()> {
    let (nd, ns) = cost.dim();
    if nd == 0 || ns == 0 {
        return Err(Error::Empty {
            file: "draws".into(),
            message: "no draws given".into(),
        });
    }
    Error::check_len("strategy names", ns, names.len())?;
    Error::check_len("effect draws", nd, effect.nrows())?;
    Error::check_len("effect strategies", ns, effect.ncols())?;
    if wtp.is_empty() {
        return Err(Error::setting(
            crate::error::Setting::Wtp,
            "no willingness-to-pay values given",
        ));
    }
    Ok(())
}

/// The index of the reference strategy `reference` (the first strategy when `None`).
fn reference_index(names: &[String], reference: Option<&str>) -> Result<usize> {
    Ok(match reference {
        Some(name) => names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::NotFound {
                kind: "strategy",
                kind_plural: "strategies",
                name: name.to_string(),
                available: names.to_vec(),
            })?,
        None => 0,
    })
}

/// Expected NMB, CEAC (P(best), and P(INMB > 0) against strategy `r`), CEAF and EVPI at
/// willingness to pay `l`.
fn at_wtp(
    names: &[String],
    (cost, effect): (&Array2<f64>, &Array2<f64>),
    l: f64,
    r: usize,
) -> WtpResult {
    let (nd, ns) = cost.dim();
    let mut sum = vec![0.0; ns];
    let mut best = vec![0usize; ns];
    let mut pos = vec![0usize; ns];
    let mut sum_max = 0.0;
    let mut nmb = vec![0.0; ns];
    for d in 0..nd {
        for s in 0..ns {
            nmb[s] = l * effect[[d, s]] - cost[[d, s]];
            sum[s] += nmb[s];
        }
        let mut b = 0;
        for s in 1..ns {
            if nmb[s] > nmb[b] {
                b = s;
            }
        }
        best[b] += 1;
        sum_max += nmb[b];
        for s in 0..ns {
            if nmb[s] - nmb[r] > 0.0 {
                pos[s] += 1;
            }
        }
    }
    let n = nd as f64;
    let mean: Vec<f64> = sum.iter().map(|x| x / n).collect();
    let mut ceaf = 0;
    for s in 1..ns {
        if mean[s] > mean[ceaf] {
            ceaf = s;
        }
    }
    WtpResult {
        wtp: l,
        nmb: mean.clone(),
        p_best: best.iter().map(|&b| b as f64 / n).collect(),
        p_inmb_positive: (0..ns)
            .map(|s| if s == r { f64::NAN } else { pos[s] as f64 / n })
            .collect(),
        ceaf_strategy: names[ceaf].clone(),
        evpi: (sum_max / n - mean[ceaf]).max(0.0),
        evppi: Vec::new(),
        evsi: Vec::new(),
        population_evpi: None,
    }
}
