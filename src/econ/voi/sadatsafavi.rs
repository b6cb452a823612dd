//! Single-parameter EVPPI by Sadatsafavi et al.'s (2013) segments, as R's voi (`method =
//! "sal"`, one separator per pair of strategies, code from BCEA).
//!
//! # Formula
//! Sort the draws by θ. For each pair of strategies `(a, b)`, `c_t = (1/n) Σ_{i ≤ t} (NB_ia −
//! NB_ib)` over the sorted draws; with `l` and `u` the first positions of its minimum and maximum,
//! the separator is `u` when `c_u − max(c_1, c_n) > min(c_1, c_n) − c_l`, else `l`, kept when it is
//! strictly inside (1 < t < n). The separators cut the sorted draws into segments, and
//! `EVPPI = Σ_segments max_s (1/n) Σ_{i ∈ segment} NB_is − max_s (1/n) Σ_i NB_is` (0 when there is
//! no separator).

use ndarray::Array2;

use super::strong_oakley::{max_mean, order};

/// EVPPI of parameter `theta` from net benefit `nb` (draws × strategies).
pub(crate) fn evppi_sal(nb: &Array2<f64>, theta: &[f64]) -> f64 {
    let (n, ns) = nb.dim();
    let o = order(theta);
    let nf = n as f64;
    let mut seps: Vec<usize> = Vec::new();
    for a in 0..ns {
        for b in a + 1..ns {
            let mut cm = Vec::with_capacity(n);
            let mut acc = 0.0;
            for &i in &o {
                acc += nb[[i, a]] - nb[[i, b]];
                cm.push(acc / nf);
            }
            // 1-based positions of the first minimum and maximum (R's which.min / which.max)
            let (mut l, mut u) = (0, 0);
            for t in 1..n {
                if cm[t] < cm[l] {
                    l = t;
                }
                if cm[t] > cm[u] {
                    u = t;
                }
            }
            let (first, last) = (cm[0], cm[n - 1]);
            let sep = if cm[u] - first.max(last) > first.min(last) - cm[l] {
                u
            } else {
                l
            } + 1;
            if sep > 1 && sep < n {
                seps.push(sep);
            }
        }
    }
    if seps.is_empty() {
        return 0.0;
    }
    seps.sort_unstable();
    let mut cuts = vec![0];
    cuts.extend(seps);
    cuts.push(n);
    cuts.dedup();
    let mut total = 0.0;
    for w in cuts.windows(2) {
        let mut best = f64::NEG_INFINITY;
        for s in 0..ns {
            let sum: f64 = o[w[0]..w[1]].iter().map(|&i| nb[[i, s]]).sum();
            best = best.max(sum);
        }
        total += best / nf;
    }
    total - max_mean(nb)
}
