//! Meta-regression benchmark: REML with 3 moderators at k = 50, with and without KH.
//!
//! Run: `cargo bench --bench moderators`.

use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::DMatrix;
use peerstat::model::regression::MetaRegression;
use peerstat::model::RandomEffects;
use std::hint::black_box;

fn regression(c: &mut Criterion) {
    let k = 50;
    let mut s = 12345u64;
    let mut r = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = DMatrix::from_fn(k, 4, |_, j| if j == 0 { 1.0 } else { r() * 10.0 });
    let v: Vec<f64> = (0..k).map(|_| 0.01 + 0.1 * r()).collect();
    let y: Vec<f64> = (0..k)
        .map(|i| {
            0.2 + 0.03 * x[(i, 1)] - 0.02 * x[(i, 2)]
                + 0.3 * (r() - 0.5)
                + (r() - 0.5) * v[i].sqrt()
        })
        .collect();
    let names: Vec<String> = ["intrcpt", "a", "b", "c"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for knha in [false, true] {
        let m = MetaRegression::new(RandomEffects::new().knha(knha));
        c.bench_function(
            &format!("metareg_reml_3mods_k50{}", if knha { "_knha" } else { "" }),
            |b| b.iter(|| m.fit(black_box(&y), black_box(&v), &x, &names).unwrap()),
        );
    }
}

criterion_group!(benches, regression);
criterion_main!(benches);
