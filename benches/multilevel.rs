//! The correlated-and-hierarchical-effects (CHE) model end to end: `vcalc` (ρ = 0.6, one obs per
//! effect), REML with `~ 1 | study/esid`, CR2 cluster-robust inference by study — the work of
//! `../shared/bench/metafor_mv_scale.R` (metafor `vcalc` + `rma.mv(sparse = TRUE)` +
//! `robust(clubSandwich = TRUE)`), on data simulated the same way: study effects N(0, 0.25²),
//! effect-level N(0, 0.15²), `vi` ~ U(0.01, 0.1), `yi = 0.3 + u + w + N(0, vi)`, at 100 studies
//! × 5 effects and 1,000 × 10. `benches/multilevel.sh` times the command and metafor itself.
//!
//! Run: `cargo bench --bench multilevel`.

use criterion::{criterion_group, criterion_main, Criterion};
use nalgebra::DMatrix;
use peerstat::model::multilevel::MultilevelModel;
use peerstat::model::robust::{Robust, RobustType};
use peerstat::model::vcalc::vcalc;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::hint::black_box;

/// `studies × effects` effects as metafor_mv_scale.R simulates them: (yi, vi, study, esid).
fn simulate(studies: usize, effects: usize) -> (Vec<f64>, Vec<f64>, Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let k = studies * effects;
    let study: Vec<usize> = (0..k).map(|i| i / effects).collect();
    let esid: Vec<usize> = (0..k).collect();
    let std = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!());
    let u: Vec<f64> = (0..studies).map(|_| 0.25 * std.sample(&mut rng)).collect();
    let vi: Vec<f64> = (0..k).map(|_| rng.random_range(0.01..0.1)).collect();
    let yi = (0..k)
        .map(|i| {
            0.3 + u[study[i]] + 0.15 * std.sample(&mut rng) + vi[i].sqrt() * std.sample(&mut rng)
        })
        .collect();
    (yi, vi, study, esid)
}

/// vcalc + REML fit + CR2: the estimate, its CR2 SE.
fn che(
    model: &MultilevelModel,
    robust: &Robust,
    data: &(Vec<f64>, Vec<f64>, Vec<usize>, Vec<usize>),
) -> (f64, f64) {
    let (yi, vi, study, esid) = data;
    let cov = vcalc(vi, study, Some(&esid[..]), None, 0.6).unwrap_or_else(|e| panic!("{e}"));
    let x = DMatrix::from_element(yi.len(), 1, 1.0);
    let levels = vec![study.clone(), esid.clone()];
    let fit = model
        .fit_cov(yi, &cov, &levels, &x, &["intrcpt".to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    let r = robust
        .fit_multilevel(&fit, study)
        .unwrap_or_else(|e| panic!("{e}"));
    (fit.first.estimate, r.coefficients[0].est.se)
}

fn bench(c: &mut Criterion) {
    let robust = Robust::new(RobustType::Cr2, 95.0).unwrap_or_else(|e| panic!("{e}"));
    for (s, m) in [(100, 5), (1000, 10)] {
        let data = simulate(s, m);
        let mut g = c.benchmark_group(format!("che_{s}x{m}"));
        if s >= 1000 {
            g.sample_size(10);
        }
        for profile in [false, true] {
            let model = MultilevelModel::new().profile_ci(profile);
            let name = if profile {
                "with_profile_ci"
            } else {
                "vcalc_reml_cr2"
            };
            g.bench_function(name, |b| b.iter(|| che(&model, &robust, black_box(&data))));
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
