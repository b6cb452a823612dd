//! The probabilistic analysis of a business case: draws of the log effect from its normal
//! distribution (mean or prediction) and of every input given as `{ mean, sd }` (gamma for
//! costs, rates and QALYs; beta for a risk), each draw run through the year table.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Gamma, Normal};
use serde::Serialize;

use super::scenario::{Dist, Value};
use super::years::{totals, year_table, Inputs};
use crate::error::{Error, Result};

/// The inputs a draw varies, with their distributions.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    /// SD of the log effect.
    pub log_sd: f64,
    /// Cost per participant.
    pub cost_per_participant: Value,
    /// Fixed cost per year.
    pub fixed_cost_per_year: Value,
    /// Baseline rate or risk.
    pub baseline: Value,
    /// Unit cost of an event.
    pub unit_cost: Value,
    /// QALYs per event.
    pub qaly_per_event: Value,
    /// QALYs per participant.
    pub qaly_per_participant: Value,
    /// QALYs per participant per 1 SD (an SMD effect).
    pub qaly_per_sd: Value,
}

/// The draws' results.
#[derive(Debug, Clone)]
pub struct Draws {
    /// NPV per draw.
    pub npv: Vec<f64>,
    /// Discounted QALYs per draw.
    pub qalys: Vec<f64>,
    /// Events avoided over the horizon per draw.
    pub events: Vec<f64>,
    /// Cumulative NPV per year (outer) and draw (inner).
    pub cumulative: Vec<Vec<f64>>,
}

/// One point of the acceptability curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CeacPoint {
    /// Willingness to pay per QALY.
    pub wtp: f64,
    /// Share of draws with a positive net monetary benefit.
    pub prob_cost_effective: f64,
}

/// The cash-flow line with its 95 % band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CashflowPoint {
    /// Year.
    pub year: usize,
    /// Cumulative discounted savings − costs at the point estimate.
    pub cumulative_npv: f64,
    /// 2.5th percentile over the draws.
    pub lower: f64,
    /// 97.5th percentile over the draws.
    pub upper: f64,
}

struct Sampler {
    normal: Normal<f64>,
    cost: Option<Gamma<f64>>,
    fixed: Option<Gamma<f64>>,
    baseline: Option<BaselineDist>,
    unit: Option<Gamma<f64>>,
    qe: Option<Gamma<f64>>,
    qp: Option<Gamma<f64>>,
    qs: Option<Gamma<f64>>,
}

fn gamma(v: &Value, key: &str) -> Result<Option<Gamma<f64>>> {
    if v.dist == Dist::Fixed {
        return Ok(None);
    }
    let shape = v.mean * v.mean / (v.sd * v.sd);
    let scale = v.sd * v.sd / v.mean;
    Gamma::new(shape, scale).map(Some).map_err(|e| {
        Error::input(
            key,
            format!("no gamma distribution with this mean and sd: {e}"),
        )
    })
}

/// A baseline rate (gamma) or risk (beta).
enum BaselineDist {
    Gamma(Gamma<f64>),
    Beta(Beta<f64>),
}

impl BaselineDist {
    fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            BaselineDist::Gamma(g) => g.sample(rng),
            BaselineDist::Beta(b) => b.sample(rng),
        }
    }
}

fn baseline(v: &Value) -> Result<Option<BaselineDist>> {
    match v.dist {
        Dist::Fixed => Ok(None),
        Dist::Gamma => Ok(gamma(v, "outcome.baseline_rate")?.map(BaselineDist::Gamma)),
        Dist::Beta => {
            let common = v.mean * (1.0 - v.mean) / (v.sd * v.sd) - 1.0;
            Beta::new(v.mean * common, (1.0 - v.mean) * common)
                .map(|b| Some(BaselineDist::Beta(b)))
                .map_err(|e| {
                    Error::input(
                        "outcome.baseline_risk",
                        format!("no beta distribution with this mean and sd: {e}"),
                    )
                })
        }
    }
}

impl Sampler {
    fn new(u: &Uncertainty) -> Result<Sampler> {
        Ok(Sampler {
            normal: Normal::new(0.0, 1.0).map_err(|e| Error::input("normal", e.to_string()))?,
            cost: gamma(&u.cost_per_participant, "programme.cost_per_participant")?,
            fixed: gamma(&u.fixed_cost_per_year, "programme.fixed_cost_per_year")?,
            baseline: baseline(&u.baseline)?,
            unit: gamma(&u.unit_cost, "outcome.unit_cost")?,
            qe: gamma(&u.qaly_per_event, "outcome.qaly_per_event")?,
            qp: gamma(&u.qaly_per_participant, "outcome.qaly_per_participant")?,
            qs: gamma(&u.qaly_per_sd, "outcome.qaly_per_sd")?,
        })
    }

    /// One draw: the effect first, then the inputs in the scenario's order.
    fn draw(&self, base: &Inputs, sd: f64, rng: &mut ChaCha8Rng) -> Inputs {
        let mut x = base.clone();
        x.theta = base.theta + sd * self.normal.sample(rng);
        let pick = |d: &Option<Gamma<f64>>, v: &mut f64, rng: &mut ChaCha8Rng| {
            if let Some(g) = d {
                *v = g.sample(rng);
            }
        };
        pick(&self.cost, &mut x.cost_per_participant, rng);
        pick(&self.fixed, &mut x.fixed_cost_per_year, rng);
        if let Some(b) = &self.baseline {
            x.baseline = b.sample(rng);
        }
        pick(&self.unit, &mut x.unit_cost, rng);
        pick(&self.qe, &mut x.qaly_per_event, rng);
        pick(&self.qp, &mut x.qaly_per_participant, rng);
        pick(&self.qs, &mut x.qaly_per_sd, rng);
        x
    }
}

/// Runs `n` draws with `seed`.
///
/// # Errors
/// [`Error::Input`] when a stated mean and SD admit no distribution.
pub fn run(base: &Inputs, u: &Uncertainty, has_qalys: bool, n: usize, seed: u64) -> Result<Draws> {
    let s = Sampler::new(u)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let horizon = base.uptake.len();
    let mut d = Draws {
        npv: Vec::with_capacity(n),
        qalys: Vec::with_capacity(n),
        events: Vec::with_capacity(n),
        cumulative: vec![Vec::with_capacity(n); horizon],
    };
    for _ in 0..n {
        let x = s.draw(base, u.log_sd, &mut rng);
        let rows = year_table(&x);
        let t = totals(&rows, has_qalys);
        d.npv.push(t.npv);
        d.qalys.push(t.pv_qalys);
        d.events.push(t.events_avoided);
        for (c, r) in d.cumulative.iter_mut().zip(&rows) {
            c.push(r.cumulative_npv);
        }
    }
    Ok(d)
}

impl Draws {
    /// Net monetary benefit of each draw at `wtp`.
    pub fn nmb(&self, wtp: f64) -> impl Iterator<Item = f64> + '_ {
        self.npv
            .iter()
            .zip(&self.qalys)
            .map(move |(n, q)| wtp * q + n)
    }

    /// Share of draws with a positive net monetary benefit at `wtp`.
    pub fn prob_cost_effective(&self, wtp: f64) -> f64 {
        self.nmb(wtp).filter(|v| *v > 0.0).count() as f64 / self.npv.len() as f64
    }

    /// Expected value of perfect information of the fund / do-not-fund decision at `wtp`:
    /// E[max(NMB, 0)] − max(E[NMB], 0).
    pub fn evpi(&self, wtp: f64) -> f64 {
        let n = self.npv.len() as f64;
        let (mut sum, mut pos) = (0.0, 0.0);
        for v in self.nmb(wtp) {
            sum += v;
            pos += v.max(0.0);
        }
        (pos / n - (sum / n).max(0.0)).max(0.0)
    }

    /// Mean of the draws' NMB at `wtp`.
    pub fn expected_nmb(&self, wtp: f64) -> f64 {
        self.nmb(wtp).sum::<f64>() / self.npv.len() as f64
    }
}

/// The `p` quantile (R's type 7) of `x`.
pub fn quantile(x: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}
