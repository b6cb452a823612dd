//! The stratified bootstrap of patient-level increments.

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use super::increments::Increments;
use super::options::PatientOptions;

/// Bootstrap results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bootstrap {
    /// Replicates.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// Percentile ICER interval kind (`bounded`, or `unbounded` when the central angles reach
    /// Δe = 0).
    pub icer_interval: String,
    /// Lower ICER percentile (angle-ordered).
    pub icer_lower: f64,
    /// Upper ICER percentile (angle-ordered).
    pub icer_upper: f64,
    /// Percentile interval of Δc.
    pub inc_cost_ci: [f64; 2],
    /// Percentile interval of Δe.
    pub inc_effect_ci: [f64; 2],
    /// Replicate increments `(Δc, Δe)` (not in the JSON; written by `--draws-out`).
    #[serde(skip)]
    pub draws: Vec<(f64, f64)>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // R's type-7 quantile
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

pub(super) fn bootstrap(
    ct: &[f64],
    et: &[f64],
    cc: &[f64],
    ec: &[f64],
    point: Increments,
    opts: &PatientOptions,
) -> Bootstrap {
    let reps = opts.boot;
    let draws: Vec<(f64, f64)> = (0..reps)
        .into_par_iter()
        .map(|b| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(b as u64);
            let mut mean = |c: &[f64], e: &[f64]| {
                let n = c.len();
                let (mut sc, mut se) = (0.0, 0.0);
                for _ in 0..n {
                    let i = rng.random_range(0..n);
                    sc += c[i];
                    se += e[i];
                }
                (sc / n as f64, se / n as f64)
            };
            let (mct, met) = mean(ct, et);
            let (mcc, mec) = mean(cc, ec);
            (mct - mcc, met - mec)
        })
        .collect();
    let alpha = 1.0 - opts.level / 100.0;
    // Angles relative to the point estimate's direction, wrapped to (−π, π].
    let base = point.inc_cost.atan2(point.inc_effect);
    let mut ang: Vec<f64> = draws
        .iter()
        .map(|(dc, de)| {
            let mut a = dc.atan2(*de) - base;
            while a > std::f64::consts::PI {
                a -= 2.0 * std::f64::consts::PI;
            }
            while a <= -std::f64::consts::PI {
                a += 2.0 * std::f64::consts::PI;
            }
            a
        })
        .collect();
    ang.sort_by(f64::total_cmp);
    let (alo, ahi) = (
        percentile(&ang, alpha / 2.0) + base,
        percentile(&ang, 1.0 - alpha / 2.0) + base,
    );
    // Bounded only if both limits stay on the same side of the Δe = 0 axis as the estimate.
    let side = point.inc_effect.signum();
    let bounded =
        alo.cos() * side > 0.0 && ahi.cos() * side > 0.0 && (ahi - alo) < std::f64::consts::PI;
    let (ilo, ihi) = if bounded {
        let (a, b) = (alo.tan(), ahi.tan());
        (a.min(b), a.max(b))
    } else {
        (f64::NAN, f64::NAN)
    };
    let mut dcs: Vec<f64> = draws.iter().map(|d| d.0).collect();
    let mut des: Vec<f64> = draws.iter().map(|d| d.1).collect();
    dcs.sort_by(f64::total_cmp);
    des.sort_by(f64::total_cmp);
    Bootstrap {
        replicates: reps,
        seed: opts.seed,
        icer_interval: if bounded { "bounded" } else { "unbounded" }.into(),
        icer_lower: ilo,
        icer_upper: ihi,
        inc_cost_ci: [
            percentile(&dcs, alpha / 2.0),
            percentile(&dcs, 1.0 - alpha / 2.0),
        ],
        inc_effect_ci: [
            percentile(&des, alpha / 2.0),
            percentile(&des, 1.0 - alpha / 2.0),
        ],
        draws,
    }
}
