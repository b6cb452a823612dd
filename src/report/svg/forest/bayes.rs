//! The forest plot of a Bayesian random-effects fit (`meta --bayes --forest`, as bayesmeta's
//! `forestplot()` with its shrinkage estimates): each study's observed effect with its
//! confidence interval, and under it its posterior shrinkage estimate (open circle, posterior
//! mean, central credible interval); then μ's posterior (a diamond from the median over the
//! credible interval) with the predictive interval of a new study's effect θ_new through it.

use super::{draw, fmt_fixed, ForestOptions, Kind, Row, MAX_FOREST_ROWS};
use crate::error::{Error, Result, Setting};
use crate::model::bayes::BayesFit;
use crate::model::Fit;

/// The Bayesian forest plot of `bayes`, fitted to the studies of `fit` (which gives the
/// measure, the level of the studies' confidence intervals and the data rows), drawn with
/// `opts`. Squares are sized by the weights `1/(vᵢ + τ̃²)`, τ̃ the posterior median of τ.
///
/// # Errors
/// [`Error::Setting`] when the studies of the two fits differ in number, or as
/// [`super::forest_plot`] for the options.
///
/// # Examples
/// ```
/// use peerstat::effect::{EffectSizes, Measure};
/// use peerstat::model::bayes::{Bayes, TauPrior};
/// use peerstat::model::RandomEffects;
/// use peerstat::report::svg::{bayes_forest, ForestOptions};
/// let y = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16];
/// let v: Vec<f64> = [14.9f64, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6].iter().map(|s| s * s).collect();
/// let es = EffectSizes::from_slices(Measure::Gen, &y, &v).unwrap();
/// let fit = RandomEffects::new().fit(&es).unwrap();
/// let bayes = Bayes::new(TauPrior::Uniform).fit(&y, &v, &[]).unwrap();
/// let svg = bayes_forest(&fit, &bayes, &ForestOptions::default()).unwrap();
/// assert_eq!(svg.matches("class=\"shrunk\"").count(), 8);
/// ```
pub fn bayes_forest(fit: &Fit, bayes: &BayesFit, opts: &ForestOptions) -> Result<String> {
    if fit.studies.len() != bayes.studies.len() {
        return Err(Error::setting(
            Setting::Forest,
            format!(
                "the Bayesian fit has {} studies and the fit {}; draw both from the same effects",
                bayes.studies.len(),
                fit.studies.len()
            ),
        ));
    }
    let rows = rows(fit, bayes);
    let max = opts.max_rows.unwrap_or(MAX_FOREST_ROWS);
    if rows.len() > max {
        return Err(Error::setting(
            Setting::Forest,
            format!(
                "the forest plot would have {} rows, more than the limit of {max} (--max-rows)",
                rows.len()
            ),
        ));
    }
    // the dashed reference line at μ's posterior median
    let mut f = fit.clone();
    f.summary.estimate = bayes.mu.median;
    draw::draw(&f, &rows, notes(bayes), opts)
}

/// The rows: per study its observation and its shrinkage estimate, then μ and θ_new.
fn rows(fit: &Fit, bayes: &BayesFit) -> Vec<Row> {
    let level = fit.options.get_level();
    let z = crate::dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let t2 = bayes.tau.median * bayes.tau.median;
    let total: f64 = bayes
        .studies
        .iter()
        .map(|s| 1.0 / (s.sei * s.sei + t2))
        .sum();
    let mut rows = Vec::new();
    for (s, b) in fit.studies.iter().zip(&bayes.studies) {
        rows.push(Row {
            label: s.study.clone(),
            kind: Kind::Study {
                yi: b.yi,
                lo: b.yi - z * b.sei,
                hi: b.yi + z * b.sei,
                weight: 100.0 / (b.sei * b.sei + t2) / total,
                row: s.row,
            },
        });
        rows.push(Row {
            label: "  shrinkage estimate".into(),
            kind: Kind::Shrunk {
                est: b.shrunk_mean,
                lo: b.ci_lower,
                hi: b.ci_upper,
            },
        });
    }
    let pct = fmt_fixed(100.0 * bayes.level, 0);
    rows.push(Row {
        label: format!("μ, posterior median (k = {})", bayes.k),
        kind: Kind::Diamond {
            est: bayes.mu.median,
            lo: bayes.mu.ci_lower,
            hi: bayes.mu.ci_upper,
            class: "pooled",
            pi: Some((bayes.theta_new.ci_lower, bayes.theta_new.ci_upper)),
        },
    });
    rows.push(Row {
        label: format!("θ_new, predictive interval ({pct}%)"),
        kind: Kind::PiText {
            lo: bayes.theta_new.ci_lower,
            hi: bayes.theta_new.ci_upper,
        },
    });
    rows
}

/// The footnotes: priors and τ's posterior, and what the rows show.
fn notes(b: &BayesFit) -> Vec<String> {
    let d = |x: f64| fmt_fixed(x, 3);
    vec![
        format!(
            "Bayesian random effects: tau prior {}, mu prior {}; τ median {} [{}, {}], P(μ > 0) = {}",
            b.tau_prior,
            b.mu_prior,
            d(b.tau.median),
            d(b.tau.ci_lower),
            d(b.tau.ci_upper),
            d(b.prob_mu_gt_0)
        ),
        format!(
            "Squares: observed effects and confidence intervals; circles: posterior shrinkage means and {} credible intervals",
            b.interval
        ),
    ]
}
