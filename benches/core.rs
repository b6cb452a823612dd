//! Core benchmarks: one REML fit with Knapp–Hartung, Q-profile CI and prediction interval at
//! k = 10 and k = 100, and effect sizes (SMD) for 1M rows.
//!
//! Run: `cargo bench --bench core`.

use criterion::{criterion_group, criterion_main, Criterion};
use peerstat::data::{Column, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::{RandomEffects, Tau2Method, Workspace};
use std::hint::black_box;

/// Deterministic pseudo-random numbers in [0, 1) (xorshift), so the bench needs no RNG crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn studies(k: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut r = Rng(seed);
    let v: Vec<f64> = (0..k).map(|_| 0.01 + 0.2 * r.next()).collect();
    let y: Vec<f64> = v
        .iter()
        .map(|vi| 0.3 + (r.next() - 0.5) * 0.6 + (r.next() - 0.5) * 2.0 * vi.sqrt())
        .collect();
    (y, v)
}

fn fits(c: &mut Criterion) {
    let model = RandomEffects::new().method(Tau2Method::Reml).knha(true);
    for k in [10usize, 100] {
        let (y, v) = studies(k, 42 + k as u64);
        let mut ws = Workspace::new();
        c.bench_function(&format!("reml_knha_qprofile_k{k}"), |b| {
            b.iter(|| {
                model
                    .fit_slices(black_box(&y), black_box(&v), &mut ws)
                    .unwrap()
            })
        });
    }
    let (y, v) = studies(10, 7);
    let mut ws = Workspace::new();
    let dl = RandomEffects::new().method(Tau2Method::Dl);
    c.bench_function("dl_k10", |b| {
        b.iter(|| {
            dl.fit_slices(black_box(&y), black_box(&v), &mut ws)
                .unwrap()
        })
    });
}

fn effects(c: &mut Criterion) {
    let n = 1_000_000;
    let mut r = Rng(9);
    let ints = |r: &mut Rng| {
        Column::Int(
            (0..n)
                .map(|_| Some(15 + (r.next() * 285.0) as i64))
                .collect(),
        )
    };
    let floats = |r: &mut Rng, lo: f64, span: f64| {
        Column::Float((0..n).map(|_| Some(lo + span * r.next())).collect())
    };
    let t = Table::from_columns(
        "bench",
        vec![
            ("n_t".into(), ints(&mut r)),
            ("mean_t".into(), floats(&mut r, 45.0, 10.0)),
            ("sd_t".into(), floats(&mut r, 5.0, 10.0)),
            ("n_c".into(), ints(&mut r)),
            ("mean_c".into(), floats(&mut r, 45.0, 10.0)),
            ("sd_c".into(), floats(&mut r, 5.0, 10.0)),
        ],
    )
    .unwrap();
    let opts = EffectOptions::default();
    let mut g = c.benchmark_group("effects");
    g.sample_size(10);
    g.bench_function("smd_1m_rows", |b| {
        b.iter(|| EffectSizes::compute(black_box(&t), Measure::Smd, &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, fits, effects);
criterion_main!(benches);
