//! Population values of information and the expected net benefit of sampling.
//!
//! # Formula
//! Population value = per-person value × `Σ_{t=0}^{H−1} N/(1+r)^t` ([`Population`]); for a study
//! costing `fixed + per_person × people` (people = `n`, or `2n` for a two-arm trial),
//! `ENBS = population EVSI − study cost`, and the optimal `n` is the one with the highest ENBS
//! among those tried (per study and willingness to pay).

use super::records::Population;
use crate::econ::draws::DrawsAnalysis;
use crate::error::{Error, Result, Setting};

/// A study's cost: a fixed part and a part per person studied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StudyCost {
    /// Fixed cost.
    pub fixed: f64,
    /// Cost per person studied.
    pub per_person: f64,
}

impl StudyCost {
    /// Parses `FIXED,PER_PERSON`.
    ///
    /// # Errors
    /// [`Error::Setting`] unless two non-negative numbers are given.
    pub fn parse(s: &str) -> Result<StudyCost> {
        let v: Vec<Option<f64>> = s.split(',').map(|x| x.trim().parse::<f64>().ok()).collect();
        match v.as_slice() {
            [Some(f), Some(p)] if f.is_finite() && p.is_finite() && *f >= 0.0 && *p >= 0.0 => {
                Ok(StudyCost {
                    fixed: *f,
                    per_person: *p,
                })
            }
            _ => Err(Error::setting(
                Setting::Voi,
                format!("a study cost is FIXED,PER_PERSON (two numbers >= 0), got '{s}'"),
            )),
        }
    }
}

/// Adds population EVPI, EVPPI and EVSI to a PSA analysis and, with a study cost, the study
/// cost, ENBS and the optimal `n` of each EVSI.
pub fn apply_population(analysis: &mut DrawsAnalysis, pop: &Population, cost: Option<StudyCost>) {
    let m = pop.multiplier;
    for w in &mut analysis.by_wtp {
        w.population_evpi = Some(w.evpi * m);
        for e in &mut w.evppi {
            e.population_evppi = Some(e.evppi * m);
        }
        for e in &mut w.evsi {
            let pv = e.evsi * m;
            e.population_evsi = Some(pv);
            if let Some(c) = cost {
                let people = super::Design::people_of(&e.design, e.n);
                let sc = c.fixed + c.per_person * people;
                e.study_cost = Some(sc);
                e.enbs = Some(pv - sc);
            }
        }
        if cost.is_some() {
            mark_optimal(&mut w.evsi);
        }
    }
    analysis.population = Some(pop.clone());
}

/// Marks, within each study (design and parameters), the `n` with the highest ENBS.
fn mark_optimal(evsi: &mut [super::Evsi]) {
    for i in 0..evsi.len() {
        let same =
            |j: usize| evsi[j].design == evsi[i].design && evsi[j].parameters == evsi[i].parameters;
        let best = (0..evsi.len())
            .filter(|&j| same(j))
            .max_by(|&a, &b| {
                evsi[a]
                    .enbs
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&evsi[b].enbs.unwrap_or(f64::NEG_INFINITY))
                    .then(b.cmp(&a))
            })
            .unwrap_or(i);
        evsi[i].optimal = Some(best == i);
    }
}
