//! Bulk benchmark: REML + Knapp–Hartung (with Q-profile CI and prediction interval) over an
//! in-memory workload of 10,000 simulated meta-analyses (~80k rows).
//!
//! Run: `cargo bench --bench bulk`. End to end from Parquet: `benches/bulk.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use peerstat::bulk::{simulate_table, Reanalysis};
use peerstat::effect::Measure;
use peerstat::model::RandomEffects;
use std::hint::black_box;

fn bulk(c: &mut Criterion) {
    let table = simulate_table(10_000, 1);
    let mut g = c.benchmark_group("bulk");
    g.sample_size(20);
    g.throughput(Throughput::Elements(10_000));
    for (name, measure) in [
        ("gen_reml_knha_10k", Measure::Gen),
        ("smd_reml_knha_10k", Measure::Smd),
    ] {
        let job = Reanalysis::new(&["analysis_id"], measure).model(RandomEffects::new().knha(true));
        g.bench_function(name, |b| {
            b.iter(|| job.run_table(black_box(&table)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bulk);
criterion_main!(benches);
