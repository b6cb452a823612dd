//! Linear contrasts of a model's coefficients (metafor `anova(fit, X = …)`): `cᵀβ̂` with
//! standard error `√(cᵀV_βc)`, a z or t test and its confidence interval, and the coefficients'
//! covariance matrix itself (metafor `vcov(fit)`).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::prediction::critical;
use crate::dist;
use crate::error::{Error, Setting};

/// One linear contrast of the coefficients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// The contrast as given (`allocrandom-allocsystematic`).
    pub label: String,
    /// The weight of each coefficient, in coefficient order.
    pub weights: Vec<f64>,
    /// `cᵀβ̂`.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Lower confidence bound.
    pub ci_lower: f64,
    /// Upper confidence bound.
    pub ci_upper: f64,
    /// z or t statistic.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Degrees of freedom of the t test (`None`: z test).
    pub df: Option<f64>,
}

/// The coefficients' covariance matrix (metafor `vcov(fit)`), rows and columns named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vcov {
    /// Coefficient names, in order.
    pub names: Vec<String>,
    /// The matrix, row by row.
    pub matrix: Vec<Vec<f64>>,
}

impl Vcov {
    /// The named matrix `vb`.
    pub fn new(names: &[String], vb: &DMatrix<f64>) -> Vcov {
        Vcov {
            names: names.to_vec(),
            matrix: (0..vb.nrows())
                .map(|r| (0..vb.ncols()).map(|c| vb[(r, c)]).collect())
                .collect(),
        }
    }
}

/// The contrast `spec` of the coefficients `names` (estimates `beta`, covariance `vb`), tested
/// with t on `df` (`None`: z) at `level` percent.
///
/// `spec` is a sum of coefficient names, each with an optional sign and multiplier:
/// `allocrandom-allocsystematic`, `ablat`, `2*a - b + 0.5*c`.
///
/// ```
/// use nalgebra::{DMatrix, DVector};
/// use peerstat::model::contrast::contrast;
/// let names = vec!["intrcpt".to_string(), "a".to_string(), "b".to_string()];
/// let beta = DVector::from_vec(vec![1.0, 0.5, 0.2]);
/// let vb = DMatrix::from_diagonal(&DVector::from_vec(vec![0.04, 0.01, 0.01]));
/// let c = contrast("a-b", &names, &beta, &vb, None, 95.0).unwrap();
/// assert!((c.estimate - 0.3).abs() < 1e-12);
/// assert!((c.se - 0.02f64.sqrt()).abs() < 1e-12);
/// ```
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Contrast`]) for a name that is not a coefficient or a
/// malformed term.
pub fn contrast(
    spec: &str,
    names: &[String],
    beta: &DVector<f64>,
    vb: &DMatrix<f64>,
    df: Option<f64>,
    level: f64,
) -> Result<Contrast, Error> {
    let w = DVector::from_vec(parse(spec, names)?);
    let estimate = w.dot(beta);
    let se = (w.transpose() * vb * &w)[(0, 0)].max(0.0).sqrt();
    let statistic = estimate / se;
    let crit = critical(level, df);
    let p = match df {
        Some(d) => dist::t_p2(statistic, d),
        None => dist::norm_p2(statistic),
    };
    Ok(Contrast {
        label: spec.trim().to_string(),
        weights: w.iter().copied().collect(),
        estimate,
        se,
        ci_lower: estimate - crit * se,
        ci_upper: estimate + crit * se,
        statistic,
        p,
        df,
    })
}

/// The weights of `spec` over `names`: terms read left to right, each `[+|-][NUM*]NAME`, the
/// longest coefficient name matching at each position (names may hold `-`).
fn parse(spec: &str, names: &[String]) -> Result<Vec<f64>, Error> {
    let bad = |why: String| {
        Error::setting(
            Setting::Contrast,
            format!(
                "contrast '{spec}': {why}; write coefficient names joined by + and -, each with an optional multiplier (e.g. 'allocrandom-allocsystematic' or '2*a-b'); the coefficients are {}",
                names.join(", ")
            ),
        )
    };
    let s: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    let mut w = vec![0.0; names.len()];
    let mut rest = s.as_str();
    if rest.is_empty() {
        return Err(bad("it is empty".into()));
    }
    while !rest.is_empty() {
        let mut sign = 1.0;
        if let Some(r) = rest.strip_prefix('-') {
            sign = -1.0;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('+') {
            rest = r;
        }
        if let Some(star) = rest.find('*') {
            if let Ok(m) = rest[..star].parse::<f64>() {
                sign *= m;
                rest = &rest[star + 1..];
            }
        }
        let (i, len) = names
            .iter()
            .enumerate()
            .filter(|(_, n)| rest.starts_with(n.as_str()))
            .map(|(i, n)| (i, n.len()))
            .max_by_key(|&(_, l)| l)
            .ok_or_else(|| bad(format!("'{rest}' does not start with a coefficient name")))?;
        w[i] += sign;
        rest = &rest[len..];
        if !rest.is_empty() && !rest.starts_with(['+', '-']) {
            return Err(bad(format!("expected + or - before '{rest}'")));
        }
    }
    Ok(w)
}
