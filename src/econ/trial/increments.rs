//! Increments of cost and effect (intervention − comparator) with their variances and
//! covariance, from patient-level data.

use serde::Serialize;

use crate::error::{Error, Result};

/// Increments with their variances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Increments {
    /// Δc.
    pub inc_cost: f64,
    /// Δe.
    pub inc_effect: f64,
    /// Var Δc.
    pub var_cost: f64,
    /// Var Δe.
    pub var_effect: f64,
    /// Cov(Δc, Δe).
    pub cov: f64,
}

/// Mean cost, mean effect, their sample variances and covariance.
fn mean_var_cov(c: &[f64], e: &[f64]) -> (f64, f64, f64, f64, f64) {
    let n = c.len() as f64;
    let mc = c.iter().sum::<f64>() / n;
    let me = e.iter().sum::<f64>() / n;
    let (mut vc, mut ve, mut cv) = (0.0, 0.0, 0.0);
    for (x, y) in c.iter().zip(e) {
        vc += (x - mc) * (x - mc);
        ve += (y - me) * (y - me);
        cv += (x - mc) * (y - me);
    }
    (mc, me, vc / (n - 1.0), ve / (n - 1.0), cv / (n - 1.0))
}

/// The increments of treated (`ct`, `et`) over control (`cc`, `ec`) patients.
pub(super) fn increments(ct: &[f64], et: &[f64], cc: &[f64], ec: &[f64]) -> Increments {
    let (mct, met, vct, vet, cvt) = mean_var_cov(ct, et);
    let (mcc, mec, vcc, vec_, cvc) = mean_var_cov(cc, ec);
    let (nt, nc) = (ct.len() as f64, cc.len() as f64);
    Increments {
        inc_cost: mct - mcc,
        inc_effect: met - mec,
        var_cost: vct / nt + vcc / nc,
        var_effect: vet / nt + vec_ / nc,
        cov: cvt / nt + cvc / nc,
    }
}

/// Costs and effects split by arm: (treated costs, treated effects, control costs, control
/// effects), in patient order.
pub(super) fn by_arm(cost: &[f64], effect: &[f64], treated: &[bool]) -> [Vec<f64>; 4] {
    let pick = |v: &[f64], t: bool| -> Vec<f64> {
        v.iter()
            .zip(treated)
            .filter(|(_, &x)| x == t)
            .map(|(y, _)| *y)
            .collect()
    };
    [
        pick(cost, true),
        pick(effect, true),
        pick(cost, false),
        pick(effect, false),
    ]
}

/// Increments of one study from patient data (for pooling).
///
/// # Errors
/// [`Error::Length`] when the inputs differ in length; [`Error::TooFew`] for an arm with fewer
/// than 2 patients.
pub fn patient_increments(cost: &[f64], effect: &[f64], treated: &[bool]) -> Result<Increments> {
    Error::check_len("patient effects", cost.len(), effect.len())?;
    Error::check_len("patient arms", cost.len(), treated.len())?;
    let [ct, et, cc, ec] = by_arm(cost, effect, treated);
    if ct.len() < 2 || cc.len() < 2 {
        return Err(Error::TooFew {
            analysis: "each arm".into(),
            needed: 2,
            found: ct.len().min(cc.len()),
            unit: "patients",
            note: String::new(),
        });
    }
    Ok(increments(&ct, &et, &cc, &ec))
}
