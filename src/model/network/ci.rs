//! Confidence intervals of the random-effects network (netmeta's `method.random.ci`), with the
//! Hartung–Knapp-type variants.
//!
//! # Formula
//! With `df = Σ_s (a_s − 1) − (n − 1)` (the df of the network's Q), `se` the random-effects
//! standard error of a comparison and `Q_r = (y − Bd̂_r)ᵀW_r(y − Bd̂_r)` the Q of the
//! random-effects fit (its weights `W_r` with τ² added to every pairwise variance):
//! * `classic`: `est ± z_{1−α/2} se` (netmeta's default);
//! * `t-dist`: `est ± t_{1−α/2, df} se` (netmeta ≥ 3.6-0, `method.random.ci = "t-dist"`; the
//!   standard error is unchanged);
//! * `HK`: `se_HK = √(q) se` with `q = Q_r / df` (Hartung–Knapp / Sidik–Jonkman, as `meta`'s
//!   `method.random.ci = "HK"` for one pairwise comparison, where `Q_r` is the generalised
//!   Q of the random-effects model), `est ± t_{1−α/2, df} se_HK`;
//! * `HK-se`: as `HK` with `q` replaced by `max(1, q)` (`meta`'s `adhoc.hakn.ci = "se"`: the
//!   adjusted SE is never smaller than the classic one).
//!
//! With `df = 0` every method falls back to `classic` (netmeta: a t quantile on 0 df is replaced
//! by the normal one; `Q_r/df` is undefined). The prediction interval is not changed
//! (netmeta's `est ± t_{1−α/2, df} √(se² + τ²)` with the unadjusted `se`), nor are the P-scores
//! and the random-effects netsplit.

use std::str::FromStr;

use serde::Serialize;

use crate::dist;
use crate::error::{Error, Setting};

/// How the confidence intervals of the random-effects model are formed (see the module's
/// formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum RandomCi {
    /// Normal quantile (netmeta's default).
    #[default]
    #[serde(rename = "classic")]
    Classic,
    /// t quantile on the network's df (netmeta's `"t-dist"`).
    #[serde(rename = "t-dist")]
    TDist,
    /// Hartung–Knapp: variances scaled by `Q_random / df`, t quantile.
    #[serde(rename = "HK")]
    Hk,
    /// Hartung–Knapp with the factor at least 1 (`meta`'s `adhoc.hakn.ci = "se"`).
    #[serde(rename = "HK-se")]
    HkSe,
}

impl FromStr for RandomCi {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "classic" | "z" => Ok(RandomCi::Classic),
            "t-dist" | "t" => Ok(RandomCi::TDist),
            "hk" | "hakn" | "knha" => Ok(RandomCi::Hk),
            "hk-se" => Ok(RandomCi::HkSe),
            _ => Err(Error::setting(
                Setting::RandomCi,
                format!(
                    "the random-effects confidence interval must be classic, t-dist, HK or HK-se, got '{s}'"
                ),
            )),
        }
    }
}

/// The interval rule of one model: `est ± crit · √factor · se`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CiRule {
    /// The quantile.
    pub crit: f64,
    /// The variance factor (1 unless Hartung–Knapp).
    pub factor: f64,
    /// The df of the t quantile (`None`: normal).
    pub df: Option<usize>,
}

impl CiRule {
    /// Normal quantile, no factor.
    pub fn normal(level: f64) -> CiRule {
        CiRule {
            crit: dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0),
            factor: 1.0,
            df: None,
        }
    }

    /// The rule of `method` with the network's `df` and the random-effects Q `q_random`.
    pub fn random(method: RandomCi, level: f64, df: usize, q_random: f64) -> CiRule {
        if method == RandomCi::Classic || df == 0 {
            return CiRule::normal(level);
        }
        let factor = match method {
            RandomCi::Hk => q_random / df as f64,
            RandomCi::HkSe => (q_random / df as f64).max(1.0),
            _ => 1.0,
        };
        CiRule {
            crit: dist::t_quantile(1.0 - (1.0 - level / 100.0) / 2.0, df as f64),
            factor,
            df: Some(df),
        }
    }
}
