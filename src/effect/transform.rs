//! Back-transforms of pooled estimates for display (metafor's `transf` functions): `exp` for
//! the log-scale measures, Fisher's z to r, logit to proportion, and the inverse Freeman–Tukey
//! transformation with the harmonic mean of the group sizes (`transf.ipft.hm`).

use serde::Serialize;

use super::Measure;

/// How a measure's estimates are shown on their natural scale.
///
/// # Examples
///
/// ```
/// use peerstat::effect::{BackTransform, Measure};
/// let z = BackTransform::of(Measure::Zcor);
/// assert!((z.apply(0.5) - 0.5f64.tanh()).abs() < 1e-15);
/// // metafor: transf.ipft.hm(0.8, targs = list(ni = c(10, 20))) = 0.515656466918
/// let ft = BackTransform::freeman_tukey(&[10.0, 20.0]);
/// assert!((ft.apply(0.8) - 0.515_656_466_918).abs() < 1e-11);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "transform", rename_all = "snake_case")]
pub enum BackTransform {
    /// Shown as analysed.
    Identity,
    /// `exp` (OR, RR, ROM, IRR).
    Exp,
    /// Fisher's z to r: `tanh` (metafor `transf.ztor`; ZCOR).
    ZToR,
    /// Logit to proportion: `1/(1 + e^−x)` (metafor `transf.ilogit`; PLO).
    Logistic,
    /// Inverse Freeman–Tukey double arcsine with the harmonic mean `n_harmonic` of the group
    /// sizes (metafor `transf.ipft.hm`; PFT).
    FreemanTukey {
        /// Harmonic mean of the group sizes.
        n_harmonic: f64,
    },
}

impl BackTransform {
    /// The back-transform of `measure` that needs no data: PFT, which needs the group sizes
    /// (see [`BackTransform::freeman_tukey`]), is shown as analysed.
    pub fn of(measure: Measure) -> BackTransform {
        match measure {
            m if m.is_log_scale() => BackTransform::Exp,
            Measure::Zcor => BackTransform::ZToR,
            Measure::Plo => BackTransform::Logistic,
            _ => BackTransform::Identity,
        }
    }

    /// The inverse Freeman–Tukey transformation with the harmonic mean of the group sizes `n`
    /// (non-positive or non-finite sizes ignored; shown as analysed when none is left).
    pub fn freeman_tukey(n: &[f64]) -> BackTransform {
        let (k, s) = n
            .iter()
            .filter(|x| x.is_finite() && **x > 0.0)
            .fold((0usize, 0.0f64), |(k, s), x| (k + 1, s + 1.0 / x));
        if k == 0 {
            return BackTransform::Identity;
        }
        BackTransform::FreemanTukey {
            n_harmonic: k as f64 / s,
        }
    }

    /// True when values are shown as analysed.
    pub fn is_identity(self) -> bool {
        self == BackTransform::Identity
    }

    /// What back-transformed values are, in words ("correlation", "proportion", …), for a
    /// measure with this transform.
    pub fn scale(self, measure: Measure) -> &'static str {
        match self {
            BackTransform::ZToR => "correlation",
            BackTransform::Logistic | BackTransform::FreemanTukey { .. } => "proportion",
            _ => measure.description(),
        }
    }

    /// `x` on the natural scale.
    ///
    /// # Formula
    /// Freeman–Tukey (metafor `transf.ipft`), with `n` the harmonic mean:
    /// `p = ½·(1 − sgn(cos 2x)·√(1 − (sin 2x + (sin 2x − 1/sin 2x)/n)²))`, 0 below the
    /// transform of p = 0 and 1 above that of p = 1 (NaN where the root is undefined).
    pub fn apply(self, x: f64) -> f64 {
        match self {
            BackTransform::Identity => x,
            BackTransform::Exp => x.exp(),
            BackTransform::ZToR => x.tanh(),
            BackTransform::Logistic => 1.0 / (1.0 + (-x).exp()),
            BackTransform::FreemanTukey { n_harmonic: n } => inverse_freeman_tukey(x, n),
        }
    }
}

fn inverse_freeman_tukey(x: f64, n: f64) -> f64 {
    if x > super::proportion::freeman_tukey(n, n).0 {
        return 1.0;
    }
    if x < super::proportion::freeman_tukey(0.0, n).0 {
        return 0.0;
    }
    let (s, c) = ((2.0 * x).sin(), (2.0 * x).cos());
    // R's sign(0) is 0
    let sign = if c == 0.0 { 0.0 } else { c.signum() };
    let t = s + (s - 1.0 / s) / n;
    0.5 * (1.0 - sign * (1.0 - t * t).sqrt())
}
