//! Leave-one-out by down-dating (`diag::influence`) against refitting every deletion
//! (`diag::influence_refit`), for every τ² estimator, on random data: small k (where most sums
//! are computed directly) and k in the hundreds (where they come from the expansions).

use peerstat::diag::{influence, influence_refit, Influence};
use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::{RandomEffects, Tau2Method};
use proptest::prelude::*;

/// |a − b| ≤ tol·(scale + |b|), NaN equal to NaN.
fn close(a: f64, b: f64, tol: f64, scale: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * (scale + b.abs())
}

fn fields(x: &Influence) -> [(&'static str, f64); 14] {
    [
        ("estimate", x.leave1out_estimate),
        ("se", x.leave1out_se),
        ("ci_lower", x.leave1out_ci_lower),
        ("ci_upper", x.leave1out_ci_upper),
        ("p_value", x.leave1out_p_value),
        ("tau2", x.leave1out_tau2),
        ("i2", x.leave1out_i2),
        ("rstudent", x.rstudent),
        ("dffits", x.dffits),
        ("cook_d", x.cook_d),
        ("cov_ratio", x.cov_ratio),
        ("dfbetas", x.dfbetas),
        ("qe_deleted", x.qe_deleted),
        ("hat", x.hat),
    ]
}

/// Checks every study and field; returns how many values were compared.
fn agree(y: &[f64], v: &[f64], method: Tau2Method, knha: bool) -> Result<usize, TestCaseError> {
    let es = EffectSizes::from_slices(Measure::Md, y, v).expect("valid data");
    let model = RandomEffects::new().method(method).knha(knha);
    let (Ok(fast), Ok(slow)) = (influence(&es, &model), influence_refit(&es, &model)) else {
        // a model failure (non-convergence) must be a failure of both
        prop_assert_eq!(
            influence(&es, &model).is_err(),
            influence_refit(&es, &model).is_err()
        );
        return Ok(0);
    };
    prop_assert_eq!(fast.len(), slow.len());
    let vbar = v.iter().sum::<f64>() / v.len() as f64;
    let mut n = 0;
    for (f, s) in fast.iter().zip(&slow) {
        for ((name, a), (_, b)) in fields(f).into_iter().zip(fields(s)) {
            // each value relative to its natural scale: τ² to the sampling variances (its
            // stopping rule's scale), Q to its df, I² to 100 %, estimates to the effects' unit
            // scale, standardised diagnostics and p values to 1, SE and hat relative
            let scale = match name {
                "tau2" => vbar,
                "qe_deleted" => v.len() as f64,
                "i2" => 100.0,
                "se" | "hat" => 0.0,
                _ => 1.0,
            };
            prop_assert!(
                close(a, b, 1e-10, scale),
                "{} {:?} knha={} study {}: down-dated {} refit {}",
                name,
                method,
                knha,
                f.study,
                a,
                b
            );
            n += 1;
        }
        prop_assert_eq!(f.influential, s.influential);
    }
    Ok(n)
}

fn data(k: std::ops::Range<usize>) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    k.prop_flat_map(|k| {
        (
            prop::collection::vec(-3.0f64..3.0, k),
            prop::collection::vec(0.001f64..2.0, k),
        )
    })
}

fn method() -> impl Strategy<Value = Tau2Method> {
    prop::sample::select(Tau2Method::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn small_k_agrees((y, v) in data(3..25), m in method(), knha in any::<bool>()) {
        agree(&y, &v, m, knha)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn large_k_agrees((y, v) in data(200..600), m in method(), knha in any::<bool>()) {
        agree(&y, &v, m, knha)?;
    }
}

/// Every estimator on one fixed large data set (so that the expansions are used whatever the
/// random cases draw).
#[test]
fn every_method_at_k_1000() {
    let k = 1000;
    let y: Vec<f64> = (0..k)
        .map(|j| ((j * 7919 % 1000) as f64 / 500.0 - 1.0) * 0.6 + 0.3)
        .collect();
    let v: Vec<f64> = (0..k)
        .map(|j| 0.01 + (j * 104_729 % 997) as f64 / 1500.0)
        .collect();
    let mut checked = 0;
    for m in Tau2Method::ALL {
        for knha in [false, true] {
            let n = agree(&y, &v, m, knha).expect("agree");
            assert_eq!(n, 14 * k, "{m:?} fitted");
            checked += 1;
        }
    }
    assert_eq!(checked, 18);
}
