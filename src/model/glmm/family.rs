//! The two response families of the GLMMs: binomial with the logit link and Poisson with the
//! log link (both canonical, so the observed and expected information agree).

use statrs::function::gamma::ln_gamma;

/// A response family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Binomial counts `y` of `n` trials, logit link.
    Binomial,
    /// Poisson counts, log link (person-time enters as the offset `ln t`).
    Poisson,
}

/// One row of the GLMM: a count, its trials (binomial), the offset, the fixed-effect design
/// entries `(parameter index, value)` and the coefficient of the cluster's random effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The family of the response.
    pub family: Family,
    /// The count.
    pub y: f64,
    /// Trials (binomial; unused for Poisson).
    pub n: f64,
    /// The offset on the linear-predictor scale.
    pub offset: f64,
    /// Nonzero entries of the fixed-effect design row.
    pub fixed: Vec<(usize, f64)>,
    /// The random effect's coefficient `z` (η = … + z·τ·u).
    pub z: f64,
    /// The log-likelihood constant (`ln C(n, y)`, or `−ln y!`).
    pub constant: f64,
}

impl Row {
    /// A row with its log-likelihood constant computed.
    pub fn new(
        family: Family,
        y: f64,
        n: f64,
        offset: f64,
        fixed: Vec<(usize, f64)>,
        z: f64,
    ) -> Self {
        let constant = match family {
            Family::Binomial => ln_gamma(n + 1.0) - ln_gamma(y + 1.0) - ln_gamma(n - y + 1.0),
            Family::Poisson => -ln_gamma(y + 1.0),
        };
        Row {
            family,
            y,
            n,
            offset,
            fixed,
            z,
            constant,
        }
    }

    /// The linear predictor without the random effect: offset + design · `theta`.
    pub fn linear(&self, theta: &[f64]) -> f64 {
        self.offset + self.fixed.iter().map(|&(i, x)| x * theta[i]).sum::<f64>()
    }

    /// The log-likelihood at linear predictor `eta`, with its first and (negated) second
    /// derivative in `eta`: `(ℓ, y − μ, w)`.
    pub fn loglik(&self, eta: f64) -> (f64, f64, f64) {
        match self.family {
            Family::Binomial => {
                let soft = softplus(eta);
                let p = expit(eta);
                (
                    self.constant + self.y * eta - self.n * soft,
                    self.y - self.n * p,
                    self.n * p * (1.0 - p),
                )
            }
            Family::Poisson => {
                let mu = eta.exp();
                (self.constant + self.y * eta - mu, self.y - mu, mu)
            }
        }
    }

    /// The saturated log-likelihood (fitted value = observed).
    pub fn saturated(&self) -> f64 {
        let xlogx = |a: f64, b: f64| if a > 0.0 { a * (a / b).ln() } else { 0.0 };
        match self.family {
            Family::Binomial => {
                self.constant + xlogx(self.y, self.n) + xlogx(self.n - self.y, self.n)
            }
            Family::Poisson => self.constant + xlogx(self.y, 1.0) - self.y,
        }
    }
}

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The logistic function.
fn expit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}
