//! Economics benchmarks: 10,000 stratified bootstrap replicates on 2,000 patients, and CEAC /
//! CEAF / EVPI over 10,000 draws × 5 strategies × 101 WTP values.
//!
//! Run: `cargo bench --bench econ`.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use peerstat::econ::{analyse_draws, analyse_patients, PatientOptions};
use std::hint::black_box;

fn rng(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn econ(c: &mut Criterion) {
    let mut r = rng(99);
    let n = 2000;
    let treated: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
    let cost: Vec<f64> = (0..n)
        .map(|i| 1500.0 + 800.0 * r() + if treated[i] { 400.0 } else { 0.0 })
        .collect();
    let effect: Vec<f64> = (0..n)
        .map(|i| 0.6 + 0.2 * r() + if treated[i] { 0.03 } else { 0.0 })
        .collect();
    let opts = PatientOptions {
        wtp: vec![20000.0, 30000.0],
        level: 95.0,
        boot: 10_000,
        seed: 1,
        ..PatientOptions::default()
    };
    let mut g = c.benchmark_group("econ");
    g.sample_size(10);
    g.bench_function("bootstrap_10k_reps_2000_patients", |b| {
        b.iter(|| {
            analyse_patients(
                "peer",
                "control",
                black_box(&cost),
                &effect,
                &treated,
                &opts,
            )
            .unwrap()
        })
    });
    let (nd, ns) = (10_000, 5);
    let costs = Array2::from_shape_fn((nd, ns), |(_, s)| 1000.0 + 300.0 * s as f64 + 500.0 * r());
    let effects = Array2::from_shape_fn((nd, ns), |(_, s)| 0.6 + 0.02 * s as f64 + 0.1 * r());
    let names: Vec<String> = (0..ns).map(|s| format!("s{s}")).collect();
    let wtp: Vec<f64> = (0..=100).map(|i| 500.0 * i as f64).collect();
    g.bench_function("ceac_evpi_10k_draws_5_strategies_101_wtp", |b| {
        b.iter(|| analyse_draws(&names, black_box(&costs), &effects, &wtp, None).unwrap())
    });
    g.finish();
}

criterion_group!(benches, econ);
criterion_main!(benches);
