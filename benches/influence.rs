//! Influence diagnostics (leave-one-out) by down-dating against refitting every deletion, in
//! the same process, interleaved: `cargo bench --bench influence -- [K ...]` (default
//! 1000 10000 100000; the refit, O(k²), only up to k = 10,000). Prints the median of 3 runs of
//! each and the largest difference in leave-one-out τ² and estimate between the two.

use std::time::Instant;

use peerstat::diag::{influence, influence_refit};
use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::{RandomEffects, Tau2Method};

/// k studies with heterogeneous effects and variances (a fixed linear congruential sequence).
fn data(k: usize) -> EffectSizes {
    let mut s: u64 = 12345;
    let mut u = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut y, mut v) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for _ in 0..k {
        let vi = 0.005 + 0.2 * u();
        let z = (u() + u() + u() + u() - 2.0) * 1.7;
        y.push(0.3 + z * (0.04 + vi).sqrt());
        v.push(vi);
    }
    EffectSizes::from_slices(Measure::Md, &y, &v).expect("valid data")
}

fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    x[x.len() / 2]
}

fn main() {
    let ks: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ks = if ks.is_empty() {
        vec![1000, 10_000, 100_000]
    } else {
        ks
    };
    println!("k\tmethod\tdowndate_s\trefit_s\tratio\tmax_dtau2\tmax_dest");
    for &k in &ks {
        let es = data(k);
        for m in [
            Tau2Method::Reml,
            Tau2Method::Dl,
            Tau2Method::Pm,
            Tau2Method::Ml,
        ] {
            let model = RandomEffects::new().method(m);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let (mut dt, mut de) = (0.0f64, 0.0f64);
            for _ in 0..3 {
                let t = Instant::now();
                let a = influence(&es, &model).expect("influence");
                fast.push(t.elapsed().as_secs_f64());
                if k <= 10_000 {
                    let t = Instant::now();
                    let b = influence_refit(&es, &model).expect("refit");
                    slow.push(t.elapsed().as_secs_f64());
                    for (x, y) in a.iter().zip(&b) {
                        dt = dt.max((x.leave1out_tau2 - y.leave1out_tau2).abs());
                        de = de.max((x.leave1out_estimate - y.leave1out_estimate).abs());
                    }
                }
            }
            let (f, s) = (
                median(fast),
                if slow.is_empty() {
                    f64::NAN
                } else {
                    median(slow)
                },
            );
            println!("{k}\t{m}\t{f:.4}\t{s:.4}\t{:.1}\t{dt:.1e}\t{de:.1e}", s / f);
        }
    }
}
