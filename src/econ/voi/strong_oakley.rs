//! Single-parameter EVPPI by Strong & Oakley's (2013) blocks, as R's voi (`method = "so"`, code
//! from BCEA): sort the draws by the parameter, cut them into `blocks` blocks of equal size, and
//! take the mean over blocks of the largest within-block mean net benefit.
//!
//! # Formula
//! With draws sorted by θ (ties in input order) and `J = n / blocks`,
//! `EVPPI = (1/B) Σ_b max_s (1/J) Σ_{i ∈ block b} NB_is − max_s (1/n) Σ_i NB_is`.

use ndarray::Array2;

use crate::error::{Error, Result, Setting};

/// The draw indices sorted by `theta` (stable, as R's `order`).
pub(crate) fn order(theta: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..theta.len()).collect();
    idx.sort_by(|&a, &b| theta[a].total_cmp(&theta[b]));
    idx
}

/// The largest column mean of `nb`.
pub(crate) fn max_mean(nb: &Array2<f64>) -> f64 {
    let n = nb.nrows() as f64;
    nb.columns()
        .into_iter()
        .map(|c| c.sum() / n)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// EVPPI of parameter `theta` from net benefit `nb` (draws × strategies) with `blocks` blocks.
///
/// # Errors
/// [`Error::Setting`] when `blocks` is 0 or does not divide the number of draws.
pub(crate) fn evppi_so(nb: &Array2<f64>, theta: &[f64], blocks: usize) -> Result<f64> {
    let (n, ns) = nb.dim();
    if blocks == 0 || n % blocks != 0 || blocks > n {
        return Err(Error::setting(
            Setting::Voi,
            format!(
                "Strong-Oakley needs a number of blocks that divides the {n} draws exactly, got {blocks}"
            ),
        ));
    }
    let j = n / blocks;
    let o = order(theta);
    let mut partial = 0.0;
    for b in 0..blocks {
        let mut best = f64::NEG_INFINITY;
        for s in 0..ns {
            let mut sum = 0.0;
            for &i in &o[b * j..(b + 1) * j] {
                sum += nb[[i, s]];
            }
            best = best.max(sum / j as f64);
        }
        partial += best;
    }
    Ok(partial / blocks as f64 - max_mean(nb))
}
