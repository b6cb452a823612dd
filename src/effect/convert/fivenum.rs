//! Mean and SD of one arm from its median with the interquartile range and/or the range, and from
//! the standard error of its mean — metafor 5's `conv.fivenum` defaults (normal data).
//!
//! # Formula
//!
//! With `ξ = 2·Φ⁻¹((n − 0.375)/(n + 0.25))` and `η = 2·Φ⁻¹((0.75n − 0.125)/(n + 0.25))`:
//!
//! | given | mean (Luo et al. 2018) | SD | skewness statistic ≥ critical value (Shi et al.) |
//! |---|---|---|---|
//! | min, median, max | `w(a + b)/2 + (1 − w)m`, `w = 4/(4 + n^0.75)` | `(b − a)/ξ` (Wan 2014) | `\|a + b − 2m\|/(b − a)` ≥ `1/ln(n + 9) + 2.5/(n + 1)` |
//! | q1, median, q3 | `w(q₁ + q₃)/2 + (1 − w)m`, `w = 0.7 + 0.39/n` | `(q₃ − q₁)/η` (Wan 2014) | `\|q₁ + q₃ − 2m\|/(q₃ − q₁)` ≥ `2.65/√n − 6/n²` |
//! | all five | `w₁(a + b)/2 + w₂(q₁ + q₃)/2 + (1 − w₁ − w₂)m`, `w₁ = 2.2/(2.2 + n^0.75)`, `w₂ = 0.7 − 0.72/n^0.55` | `w(b − a)/ξ + (1 − w)(q₃ − q₁)/η`, `w = 1/(1 + 0.07n^0.6)` (Shi 2020) | `max(2.65·ln(0.6n)/√n · T₁, T₂)` ≥ `3/√n − 40/n³` |
//!
//! (`a` = min, `b` = max, `m` = median.) metafor needs `n ≥ 5`. From a standard error of the
//! mean: `sd = se·√n`.

use crate::dist::norm_quantile;

/// Which summary of an arm was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiveNumCase {
    /// Minimum, median and maximum.
    Range,
    /// First quartile, median and third quartile.
    Iqr,
    /// All five.
    Both,
}

/// An arm's estimated mean and SD, with Shi's test for skewness.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiveNum {
    /// Estimated mean.
    pub mean: f64,
    /// Estimated standard deviation.
    pub sd: f64,
    /// Which summary was used.
    pub case: FiveNumCase,
    /// Shi's skewness statistic.
    pub skew_stat: f64,
    /// Its critical value: the data look skewed (the normal-based estimates doubtful) when the
    /// statistic reaches it.
    pub skew_crit: f64,
}

impl FiveNum {
    /// Whether Shi's test flags the data as skewed.
    pub fn skewed(&self) -> bool {
        self.skew_stat >= self.skew_crit
    }
}

/// What a five-number summary cannot give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiveNumError {
    /// `min ≤ q1 ≤ median ≤ q3 ≤ max` does not hold.
    Unsorted,
    /// Fewer than 5 participants (the estimators are not defined, as in metafor).
    SmallN,
    /// A spread of zero (q3 = q1, or max = min).
    ZeroSpread,
}

impl FiveNumError {
    /// The problem in words.
    pub fn message(self) -> &'static str {
        match self {
            FiveNumError::Unsorted => "min <= q1 <= median <= q3 <= max does not hold",
            FiveNumError::SmallN => {
                "a mean and SD from a median need at least 5 participants in the arm"
            }
            FiveNumError::ZeroSpread => {
                "the reported spread is 0 (q3 = q1 or max = min): no SD can be estimated"
            }
        }
    }
}

fn xi(n: f64) -> f64 {
    2.0 * norm_quantile((n - 0.375) / (n + 0.25))
}

fn eta(n: f64) -> f64 {
    2.0 * norm_quantile((0.75 * n - 0.125) / (n + 0.25))
}

/// Mean and SD from a median with the IQR (`iqr = Some((q1, q3))`) and/or the range
/// (`range = Some((min, max))`) of an arm of `n`.
///
/// # Errors
/// [`FiveNumError`] for unsorted values, `n < 5` or a zero spread.
///
/// # Examples
///
/// ```
/// use peerstat::effect::convert::fivenum;
/// // median 10, IQR 7 to 14, n = 50: mean = 0.7078·10.5 + 0.2922·10, sd = 7/η
/// let f = fivenum(10.0, Some((7.0, 14.0)), None, 50.0).unwrap();
/// let w = 0.7 + 0.39 / 50.0;
/// assert!((f.mean - (w * 10.5 + (1.0 - w) * 10.0)).abs() < 1e-12);
/// assert!(!f.skewed());
/// ```
pub fn fivenum(
    median: f64,
    iqr: Option<(f64, f64)>,
    range: Option<(f64, f64)>,
    n: f64,
) -> Result<FiveNum, FiveNumError> {
    let seq: Vec<f64> = [
        range.map(|r| r.0),
        iqr.map(|q| q.0),
        Some(median),
        iqr.map(|q| q.1),
        range.map(|r| r.1),
    ]
    .into_iter()
    .flatten()
    .collect();
    if seq.windows(2).any(|w| w[0] > w[1]) {
        return Err(FiveNumError::Unsorted);
    }
    if n < 5.0 {
        return Err(FiveNumError::SmallN);
    }
    let m = median;
    let out = match (iqr, range) {
        (None, Some((a, b))) => {
            if b <= a {
                return Err(FiveNumError::ZeroSpread);
            }
            let w = 4.0 / (4.0 + n.powf(0.75));
            FiveNum {
                mean: w * (a + b) / 2.0 + (1.0 - w) * m,
                sd: (b - a) / xi(n),
                case: FiveNumCase::Range,
                skew_stat: ((a + b - 2.0 * m) / (b - a)).abs(),
                skew_crit: 1.0 / (n + 9.0).ln() + 2.5 / (n + 1.0),
            }
        }
        (Some((q1, q3)), None) => {
            if q3 <= q1 {
                return Err(FiveNumError::ZeroSpread);
            }
            let w = 0.7 + 0.39 / n;
            FiveNum {
                mean: w * (q1 + q3) / 2.0 + (1.0 - w) * m,
                sd: (q3 - q1) / eta(n),
                case: FiveNumCase::Iqr,
                skew_stat: ((q1 + q3 - 2.0 * m) / (q3 - q1)).abs(),
                skew_crit: 2.65 / n.sqrt() - 6.0 / (n * n),
            }
        }
        (Some((q1, q3)), Some((a, b))) => {
            if q3 <= q1 || b <= a {
                return Err(FiveNumError::ZeroSpread);
            }
            let w1 = 2.2 / (2.2 + n.powf(0.75));
            let w2 = 0.7 - 0.72 / n.powf(0.55);
            let w = 1.0 / (1.0 + 0.07 * n.powf(0.6));
            let t1 = 2.65 * (0.6 * n).ln() / n.sqrt() * ((a + b - 2.0 * m) / (b - a)).abs();
            let t2 = ((q1 + q3 - 2.0 * m) / (q3 - q1)).abs();
            FiveNum {
                mean: w1 * (a + b) / 2.0 + w2 * (q1 + q3) / 2.0 + (1.0 - w1 - w2) * m,
                sd: w * (b - a) / xi(n) + (1.0 - w) * (q3 - q1) / eta(n),
                case: FiveNumCase::Both,
                skew_stat: t1.max(t2),
                skew_crit: 3.0 / n.sqrt() - 40.0 / (n * n * n),
            }
        }
        (None, None) => return Err(FiveNumError::ZeroSpread),
    };
    Ok(out)
}

/// The SD of an arm of `n` from the standard error of its mean: `se·√n`.
pub fn sd_from_se(se: f64, n: f64) -> f64 {
    se * n.sqrt()
}
