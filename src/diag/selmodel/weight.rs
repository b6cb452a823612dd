//! The selection functions of metafor's `selmodel()`: the relative probability `w(p; δ)` that a
//! study with one-sided (or two-sided) p-value `p` is published.

use serde::Serialize;

use crate::dist;

/// The type of selection model (metafor `selmodel(type = …)`; JSON in lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SelType {
    /// Step function (Vevea & Hedges 1995): `w(p) = δⱼ` for `p` in interval `j` of the steps,
    /// `δ₁ = 1`.
    Stepfun,
    /// Beta (Citkowicz & Vevea 2017): `w(p) = p^(δ₁−1) (1−p)^(δ₂−1)`, p clamped to
    /// [1e-5, 1 − 1e-5].
    Beta,
    /// Half-normal (Preston et al. 2004): `w(p) = exp(−δ p²)`.
    Halfnorm,
    /// Negative exponential: `w(p) = exp(−δ p)`.
    Negexp,
    /// Logistic: `w(p) = 2 exp(−δ p) / (1 + exp(−δ p))`.
    Logistic,
    /// Power: `w(p) = (1 − p)^δ`, p clamped to [1e-5, 1 − 1e-5].
    Power,
}

impl SelType {
    /// The spellings (metafor's names).
    pub const NAMES: &'static [(&'static str, SelType)] = &[
        ("stepfun", SelType::Stepfun),
        ("beta", SelType::Beta),
        ("halfnorm", SelType::Halfnorm),
        ("negexp", SelType::Negexp),
        ("logistic", SelType::Logistic),
        ("power", SelType::Power),
    ];

    /// The name metafor uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SelType::Stepfun => "stepfun",
            SelType::Beta => "beta",
            SelType::Halfnorm => "halfnorm",
            SelType::Negexp => "negexp",
            SelType::Logistic => "logistic",
            SelType::Power => "power",
        }
    }

    /// metafor's `pval.min`: p-values are clamped to `[pval_min, 1 − pval_min]`.
    pub fn pval_min(self) -> f64 {
        match self {
            SelType::Beta | SelType::Power => 1e-5,
            _ => 0.0,
        }
    }

    /// The value of δ (each) under which there is no selection: 1 (step function, beta) or 0.
    pub fn delta_null(self) -> f64 {
        match self {
            SelType::Stepfun | SelType::Beta => 1.0,
            _ => 0.0,
        }
    }
}

/// Which p-values drive selection (metafor `alternative`; JSON `"greater"`, `"less"`,
/// `"two.sided"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Alternative {
    /// One-sided p-values for H₁: θ > 0 (significant positive effects favoured).
    #[default]
    #[serde(rename = "greater")]
    Greater,
    /// One-sided p-values for H₁: θ < 0.
    #[serde(rename = "less")]
    Less,
    /// Two-sided p-values.
    #[serde(rename = "two.sided")]
    TwoSided,
}

impl Alternative {
    /// The spellings: greater, less, two-sided (alias two.sided).
    pub const NAMES: &'static [(&'static str, Alternative)] = &[
        ("greater", Alternative::Greater),
        ("less", Alternative::Less),
        ("two-sided", Alternative::TwoSided),
        ("two.sided", Alternative::TwoSided),
    ];
}

/// The p-value of an estimate `y` with sampling variance `v` under the alternative `greater`
/// (`Φ̄(y/√v)`) or two-sided (`2Φ̄(|y|/√v)`); `less` is handled by flipping signs beforehand.
pub(super) fn pvalue(y: f64, v: f64, two_sided: bool) -> f64 {
    if two_sided {
        2.0 * dist::norm_sf((y / v.sqrt()).abs())
    } else {
        dist::norm_sf(y / v.sqrt())
    }
}

/// The interval (0-based) of the sorted `steps` (last = 1) holding `p`: the first `j` with
/// `p ≤ steps[j]`.
pub(super) fn interval(p: f64, steps: &[f64]) -> usize {
    steps
        .iter()
        .position(|&s| p <= s)
        .unwrap_or(steps.len() - 1)
}

/// `w(p; δ)` of a continuous selection function with threshold `s1` (1 below it; metafor's
/// `steps[1]`, 0 unless given). `p` is already clamped.
pub(super) fn weight(kind: SelType, p: f64, delta: &[f64], s1: f64) -> f64 {
    let d = delta[0];
    match kind {
        SelType::Stepfun => f64::NAN, // closed form elsewhere
        SelType::Beta => p.powf(delta[0] - 1.0) * (1.0 - p).powf(delta[1] - 1.0),
        _ if p <= s1 => 1.0,
        SelType::Halfnorm => (-d * (p * p - s1 * s1)).exp(),
        SelType::Negexp => (-d * (p - s1)).exp(),
        SelType::Logistic => {
            let f = |x: f64| 2.0 * (-d * x).exp() / (1.0 + (-d * x).exp());
            f(p) / f(s1)
        }
        SelType::Power => ((1.0 - p) / (1.0 - s1)).powf(d),
    }
}
