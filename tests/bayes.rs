//! Bayesian random-effects meta-analysis (`model::bayes`) against bayesmeta's published
//! eight-schools values and exact quadrature in R (`fixtures/bayes/bayes.R` writes
//! `fixtures/bayes/bayes.json`).

use peerstat::model::bayes::{Bayes, BayesFit, Interval, MuPrior, TauPrior};

const SCHOOLS_Y: [f64; 8] = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16];
const SCHOOLS_SE: [f64; 8] = [14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6];

fn schools(b: Bayes) -> BayesFit {
    let v: Vec<f64> = SCHOOLS_SE.iter().map(|s| s * s).collect();
    b.fit(&SCHOOLS_Y, &v, &[]).unwrap()
}

fn close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(err <= rel, "{what}: got {got}, want {want} (rel. error {err:e})");
}

/// bayesmeta vignette ("An introduction to meta-analysis using the bayesmeta package"),
/// `schools.example.2$summary` (uniform priors) and `schools.example.1$summary`
/// (half-Cauchy(25) tau prior, N(0, 50) mu prior); shortest intervals, bayesmeta's default.
/// bayesmeta computes tau's summaries by `integrate()` (reproduced to 1e-6 here), mu's and
/// theta's on its approximate DIRECT grid (to 1e-4 here; the exact values are in bayes.json).
#[test]
fn eight_schools_published() {
    let uni = schools(Bayes::new(TauPrior::Uniform).interval(Interval::Shortest));
    eprintln!("{uni:#?}");
    close("tau median", uni.tau.median, 5.227732, 1e-6);
    close("tau mean", uni.tau.mean.unwrap(), 6.585992, 1e-6);
    close("tau sd", uni.tau.sd.unwrap(), 5.685974, 1e-6);
    close("tau upper", uni.tau.ci_upper, 17.265797, 1e-6);
    assert_eq!(uni.tau.ci_lower, 0.0);
    assert_eq!(uni.tau.mode, 0.0);
    close("mu median", uni.mu.median, 8.055861, 1e-4);
    close("mu mean", uni.mu.mean.unwrap(), 8.092138, 1e-4);
    close("mu sd", uni.mu.sd.unwrap(), 5.246683, 1e-4);
    close("mu lower", uni.mu.ci_lower, -2.176157, 1e-3);
    close("mu upper", uni.mu.ci_upper, 18.406330, 1e-4);
    close("theta sd", uni.theta_new.sd.unwrap(), 10.148132, 1e-4);
    close("theta upper", uni.theta_new.ci_upper, 29.014749, 1e-4);

    let hc = schools(
        Bayes::new("half-cauchy:25".parse().unwrap())
            .mu_prior(MuPrior::Normal { mean: 0.0, sd: 50.0 })
            .interval(Interval::Shortest),
    );
    close("tau median", hc.tau.median, 4.758539, 1e-6);
    close("tau mean", hc.tau.mean.unwrap(), 5.884511, 1e-6);
    close("tau sd", hc.tau.sd.unwrap(), 4.869904, 1e-6);
    close("tau upper", hc.tau.ci_upper, 15.165894, 1e-6);
    close("mu median", hc.mu.median, 7.962961, 1e-4);
    close("mu mean", hc.mu.mean.unwrap(), 7.985729, 1e-4);
    close("mu mode", hc.mu.mode, 7.929503, 1e-4);
    close("theta mode", hc.theta_new.mode, 7.865547, 1e-4);
}
