//! Network meta-analysis at the size of issue 14's speed target: 50 treatments, 500 studies of
//! which 60 are multi-arm (40 three-arm, 20 four-arm), 680 pairwise contrasts. `Network::fit`
//! does everything in one call (common effect, generalised-DL random effects, P-scores, the Q
//! decomposition by design and netsplit for both models); benched with DL (target: under 50 ms)
//! and with REML (the contrast-based `rma.mv` model through the multilevel engine).
//!
//! The network is simulated arm by arm, so multi-arm contrasts are consistent: true effects
//! `d_t ~ N(0, 0.5²)`, reference `T01` at 0; a random spanning tree (each treatment joined to an
//! earlier one) guarantees connection, the other two-arm studies compare random pairs, half of
//! them against `T01`–`T05` (common comparators); arm means `μ_s + d_t + δ_st + ε` with
//! `μ_s ~ N(0, 1)`, `δ_st ~ N(0, τ²/2)` (τ = 0.2: contrast heterogeneity τ², correlation ½ in a
//! multi-arm study) and arm sampling variances `s ~ U(0.01, 0.1)`; contrasts `y = arm_i − arm_j`,
//! `v = s_i + s_j` for every pair of arms.
//!
//! Run: `cargo bench --bench network`. With `PEERSTAT_NETWORK_CSV=FILE` the binary only writes
//! the contrasts (`study,treat1,treat2,yi,vi`) to FILE and exits — `benches/network.sh` does that
//! and times metafor and `peerstat network` on the same rows.

use criterion::Criterion;
use peerstat::model::network::{Contrast, Network, NetworkMethod};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::fmt::Write as _;
use std::hint::black_box;

const TREATMENTS: usize = 50;
const STUDIES: usize = 500;
const THREE_ARM: usize = 40;
const FOUR_ARM: usize = 20;

fn name(t: usize) -> String {
    format!("T{:02}", t + 1)
}

/// The simulated network's contrasts (every pair of arms of every study).
fn simulate() -> Vec<Contrast> {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let std = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!());
    let tau = 0.2;
    let d: Vec<f64> = (0..TREATMENTS)
        .map(|t| {
            if t == 0 {
                0.0
            } else {
                0.5 * std.sample(&mut rng)
            }
        })
        .collect();
    // Distinct arms `k` of one study: `first` given, the rest random.
    let arms_with = |rng: &mut ChaCha8Rng, first: Vec<usize>, k: usize| {
        let mut arms = first;
        while arms.len() < k {
            let common = rng.random_bool(0.5);
            let t = if common {
                rng.random_range(0..5)
            } else {
                rng.random_range(0..TREATMENTS)
            };
            if !arms.contains(&t) {
                arms.push(t);
            }
        }
        arms
    };
    let mut designs: Vec<Vec<usize>> = Vec::with_capacity(STUDIES);
    for t in 1..TREATMENTS {
        let parent = rng.random_range(0..t);
        designs.push(vec![parent, t]);
    }
    for _ in 0..THREE_ARM {
        designs.push(arms_with(&mut rng, Vec::new(), 3));
    }
    for _ in 0..FOUR_ARM {
        designs.push(arms_with(&mut rng, Vec::new(), 4));
    }
    while designs.len() < STUDIES {
        designs.push(arms_with(&mut rng, Vec::new(), 2));
    }
    let mut out = Vec::new();
    for (s, arms) in designs.iter().enumerate() {
        let mu = std.sample(&mut rng);
        let arm: Vec<(f64, f64)> = arms
            .iter()
            .map(|&t| {
                let v: f64 = rng.random_range(0.01..0.1);
                let delta = tau / 2f64.sqrt() * std.sample(&mut rng);
                (mu + d[t] + delta + v.sqrt() * std.sample(&mut rng), v)
            })
            .collect();
        for i in 0..arms.len() {
            for j in (i + 1)..arms.len() {
                out.push(Contrast {
                    study: format!("s{:03}", s + 1),
                    treat1: name(arms[i]),
                    treat2: name(arms[j]),
                    yi: arm[i].0 - arm[j].0,
                    vi: arm[i].1 + arm[j].1,
                });
            }
        }
    }
    out
}

fn write_csv(path: &str, data: &[Contrast]) {
    let mut s = String::from("study,treat1,treat2,yi,vi\n");
    for c in data {
        let _ = writeln!(
            s,
            "{},{},{},{:?},{:?}",
            c.study, c.treat1, c.treat2, c.yi, c.vi
        );
    }
    std::fs::write(path, s).unwrap_or_else(|e| panic!("{path}: {e}"));
    eprintln!("wrote {path} ({} contrasts)", data.len());
}

fn bench(c: &mut Criterion, data: &[Contrast]) {
    let mut g = c.benchmark_group("network_50x500");
    for (label, method) in [("dl", NetworkMethod::Dl), ("reml", NetworkMethod::Reml)] {
        let net = Network::new().reference("T01").method(method);
        if method == NetworkMethod::Reml {
            g.sample_size(10);
        }
        g.bench_function(label, |b| {
            b.iter(|| net.fit(black_box(data)).unwrap_or_else(|e| panic!("{e}")))
        });
    }
    g.finish();
}

fn main() {
    let data = simulate();
    if let Ok(path) = std::env::var("PEERSTAT_NETWORK_CSV") {
        write_csv(&path, &data);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &data);
    c.final_summary();
}
