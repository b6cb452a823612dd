//! Likelihood-ratio tests between nested multilevel models (metafor's `anova(full, reduced)`).

use serde::Serialize;

use super::{MultilevelFit, MultilevelMethod};
use crate::dist;
use crate::error::Error;

/// A likelihood-ratio test of a reduced model against a fuller one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lrt {
    /// What the reduced model leaves out (a random factor's name, for instance).
    pub dropped: String,
    /// `2·(ll_full − ll_reduced)`, at least 0.
    pub lrt: f64,
    /// The difference in the number of parameters.
    pub df: usize,
    /// Its p-value from χ² on `df` (no correction for a variance component at the boundary,
    /// as metafor).
    pub p_value: f64,
    /// Log-likelihood of the reduced model (restricted under REML).
    pub loglik_reduced: f64,
    /// AIC of the reduced model.
    pub aic_reduced: f64,
    /// BIC of the reduced model.
    pub bic_reduced: f64,
}

/// The number of parameters of a fit as metafor counts them: coefficients plus estimated
/// variance components.
pub(super) fn parameters(fit: &MultilevelFit) -> usize {
    let structured = fit.structured.as_ref().map_or(0, |s| {
        s.struct_tau2_fixed
            .iter()
            .chain(&s.struct_rho_fixed)
            .filter(|h| !**h)
            .count()
    });
    fit.p + fit.sigma2_fixed.iter().filter(|h| !**h).count() + structured
}

/// Compares two fits to the same effects: `LRT = 2·(ll_full − ll_reduced)` (0 when negative),
/// on as many df as the fits differ in parameters (coefficients plus estimated variance
/// components), p from χ² without boundary correction — metafor's `anova(full, reduced)`. The
/// fit with more parameters is taken as the full model. `dropped` labels the result.
///
/// # Errors
/// [`Error::Input`] when the fits differ in the number of effects or in method, when REML fits
/// differ in their coefficients (restricted likelihoods of different fixed effects are not
/// comparable), or when they have the same number of parameters.
pub fn likelihood_ratio(
    full: &MultilevelFit,
    reduced: &MultilevelFit,
    dropped: &str,
) -> Result<Lrt, Error> {
    let bad = |why: &str| Error::input("likelihood-ratio test", why);
    let (pf, pr) = (parameters(full), parameters(reduced));
    let (full, reduced, pf, pr) = if pf < pr {
        (reduced, full, pr, pf)
    } else {
        (full, reduced, pf, pr)
    };
    if full.k != reduced.k {
        return Err(bad("the models are fitted to different numbers of effects"));
    }
    if full.method != reduced.method {
        return Err(bad("the models are fitted by different methods"));
    }
    let names = |f: &MultilevelFit| {
        f.coefficients
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    if full.method == MultilevelMethod::Reml && names(full) != names(reduced) {
        return Err(bad(
            "REML fits with different fixed effects have incomparable likelihoods (fit both by ML)",
        ));
    }
    if pf == pr {
        return Err(bad("the models have the same number of parameters"));
    }
    let df = pf - pr;
    let lrt = (reduced.deviance - full.deviance).max(0.0);
    Ok(Lrt {
        dropped: dropped.to_string(),
        lrt,
        df,
        p_value: dist::chi2_sf(lrt, df as f64),
        loglik_reduced: reduced.loglik,
        aic_reduced: reduced.aic,
        bic_reduced: reduced.bic,
    })
}
