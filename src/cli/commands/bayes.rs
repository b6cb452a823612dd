//! `meta --bayes`: the Bayesian random-effects fit added to `meta`'s result.

use peerstat::effect::EffectSizes;
use peerstat::model::bayes::{Bayes, BayesFit, BulkBayes, Interval, MuPrior, TauPrior};

use crate::cli::args::{BayesArgs, BulkBayesArgs};
use crate::cli::Failure;

/// The Bayesian fit `--bayes` asks for, on the effect sizes `es` at `level` (percent).
pub fn fit(a: &BayesArgs, es: &EffectSizes, level: f64) -> Result<BayesFit, Failure> {
    let tau: TauPrior = a.tau_prior.parse()?;
    let mu: MuPrior = a.mu_prior.parse()?;
    let interval: Interval = a.interval.parse()?;
    Ok(Bayes::new(tau)
        .mu_prior(mu)
        .interval(interval)
        .level(level / 100.0)
        .prob_above(&a.prob_above)
        .fit(es.yi(), es.vi(), es.study())?)
}

/// The Bayesian model `reanalyse --bayes` fits to every group, at `level` (percent); `None`
/// without `--bayes`.
pub fn bulk(a: &BulkBayesArgs, level: f64) -> Result<Option<BulkBayes>, Failure> {
    if !a.bayes {
        return Ok(None);
    }
    let tau: TauPrior = a.tau_prior.parse()?;
    let mu: MuPrior = a.mu_prior.parse()?;
    let b = BulkBayes::new(tau)
        .mu_prior(mu)
        .level(level / 100.0)?
        .prob_above(&a.prob_above)?;
    b.check_prior()?;
    Ok(Some(b))
}
