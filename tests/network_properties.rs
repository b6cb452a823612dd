//! Invariants of network meta-analysis on random networks: the graph-theoretical common effect
//! equals generalised least squares on each study's contrasts against its baseline with the
//! covariance of the shared arm (computed here densely, independently of the library), and the
//! order of the rows and the study labels do not matter.

use nalgebra::{DMatrix, DVector};
use peerstat::model::network::{Contrast, Network};
use proptest::prelude::*;

/// A study: its label and arms (treatment, arm mean, arm variance).
type Study = (usize, Vec<(usize, f64, f64)>);

/// A random connected network: every study compares treatment 0 or a treatment already in the
/// network with others; arm variances per arm, so multi-arm contrasts are consistent.
fn network() -> impl Strategy<Value = Vec<Study>> {
    (3usize..6).prop_flat_map(|n| {
        prop::collection::vec(
            (
                prop::collection::vec((0usize..n, -1.0f64..1.0, 0.01f64..0.2), 2..4),
                0usize..1000,
            ),
            n + 2..n + 10,
        )
        .prop_map(move |studies| {
            let mut out = Vec::new();
            for (i, (arms, _)) in studies.into_iter().enumerate() {
                let mut seen = Vec::new();
                let mut a = Vec::new();
                for (t, y, v) in arms {
                    if !seen.contains(&t) {
                        seen.push(t);
                        a.push((t, y, v));
                    }
                }
                if a.len() >= 2 {
                    out.push((i, a));
                }
            }
            // A spanning chain keeps it connected: study c_t compares t with t - 1.
            for t in 1..n {
                out.push((
                    1000 + t,
                    vec![(t - 1, 0.1 * t as f64, 0.05), (t, -0.2, 0.07)],
                ));
            }
            out
        })
    })
}

fn contrasts(net: &[Study]) -> Vec<Contrast> {
    let mut c = Vec::new();
    for (s, arms) in net {
        for i in 0..arms.len() {
            for j in i + 1..arms.len() {
                c.push(Contrast {
                    study: format!("s{s}"),
                    treat1: format!("T{}", arms[i].0),
                    treat2: format!("T{}", arms[j].0),
                    yi: arms[i].1 - arms[j].1,
                    vi: arms[i].2 + arms[j].2,
                });
            }
        }
    }
    c
}

/// Dense GLS on baseline contrasts: effects of T1..T(n-1) against T0.
fn gls(net: &[Study], n: usize) -> (DVector<f64>, DMatrix<f64>) {
    let p = n - 1;
    let mut a = DMatrix::zeros(p, p);
    let mut b = DVector::zeros(p);
    for (_, arms) in net {
        let (bt, by, bv) = arms[0];
        let m = arms.len() - 1;
        let x = DMatrix::from_fn(m, p, |r, c| {
            let t = arms[r + 1].0;
            f64::from(u8::from(c + 1 == t)) - f64::from(u8::from(c + 1 == bt))
        });
        let y = DVector::from_fn(m, |r, _| arms[r + 1].1 - by);
        let v = DMatrix::from_fn(m, m, |r, c| if r == c { arms[r + 1].2 + bv } else { bv });
        let w = v.try_inverse().unwrap();
        a += x.transpose() * &w * &x;
        b += x.transpose() * &w * y;
    }
    let cov = a.try_inverse().unwrap();
    (&cov * b, cov)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

    #[test]
    fn common_effect_is_gls_and_row_order_does_not_matter(net in network(), seed in 0u64..1000) {
        let mut treatments: Vec<usize> = net.iter().flat_map(|(_, a)| a.iter().map(|x| x.0)).collect();
        treatments.sort_unstable();
        treatments.dedup();
        // Only networks whose treatments are 0..n (the chain guarantees connection).
        let n = treatments.len();
        prop_assume!(treatments == (0..n).collect::<Vec<_>>());
        let data = contrasts(&net);
        let fit = Network::new().reference("T0").fit(&data).unwrap();
        let (d, cov) = gls(&net, n);
        for t in 1..n {
            let e = fit.common.estimates.iter().find(|e| e.treatment == format!("T{t}")).unwrap();
            prop_assert!((e.estimate - d[t - 1]).abs() < 1e-8 * (1.0 + d[t - 1].abs()), "T{t}: {} vs {}", e.estimate, d[t - 1]);
            prop_assert!((e.se - cov[(t - 1, t - 1)].sqrt()).abs() < 1e-8, "se T{t}");
        }
        // Rows shuffled and studies relabelled: the same fit.
        let mut shuffled = data.clone();
        let k = shuffled.len();
        for i in 0..k {
            let j = (seed as usize + 7 * i) % k;
            shuffled.swap(i, j);
        }
        for c in &mut shuffled {
            c.study = format!("x{}", c.study);
        }
        let g = Network::new().reference("T0").fit(&shuffled).unwrap();
        prop_assert!((g.tau2 - fit.tau2).abs() < 1e-10 * (1.0 + fit.tau2));
        prop_assert!((g.q_total - fit.q_total).abs() < 1e-9 * (1.0 + fit.q_total));
        for (a, b) in g.random.estimates.iter().zip(&fit.random.estimates) {
            prop_assert!((a.estimate - b.estimate).abs() < 1e-10);
        }
    }
}
