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

/// A pooled result on its natural scale (for example a pooled Fisher z as a correlation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BackTransformed {
    /// The back-transformation used (`transform`: `exp`, `z_to_r`, `logistic`,
    /// `freeman_tukey` with `n_harmonic`).
    #[serde(flatten)]
    pub transform: BackTransform,
    /// Estimate.
    #[serde(rename = "estimate_natural")]
    pub estimate: f64,
    /// Lower confidence limit.
    #[serde(rename = "ci_lower_natural")]
    pub ci_lower: f64,
    /// Upper confidence limit.
    #[serde(rename = "ci_upper_natural")]
    pub ci_upper: f64,
    /// Lower prediction limit.
    #[serde(rename = "pi_lower_natural")]
    pub pi_lower: f64,
    /// Upper prediction limit.
    #[serde(rename = "pi_upper_natural")]
    pub pi_upper: f64,
}

impl BackTransform {
    /// `[estimate, ci_lower, ci_upper, pi_lower, pi_upper]` on the natural scale, or `None` for
    /// a measure shown as analysed.
    pub fn on(self, v: [f64; 5]) -> Option<BackTransformed> {
        (!self.is_identity()).then(|| BackTransformed {
            transform: self,
            estimate: self.apply(v[0]),
            ci_lower: self.apply(v[1]),
            ci_upper: self.apply(v[2]),
            pi_lower: self.apply(v[3]),
            pi_upper: self.apply(v[4]),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_freeman_tukey_matches_metafor_and_clamps() {
        // metafor: transf.ipft(c(0.01, 1.5, 0.3, 1.2), ni = 10) = 0, 1, 0.0519874747729306,
        // 0.901876567237676 (0.01 lies below transf.pft(0, 10) = 0.153, 1.5 above
        // transf.pft(1, 10) = 1.418)
        let ft = BackTransform::FreemanTukey { n_harmonic: 10.0 };
        assert_eq!(ft.apply(0.01), 0.0);
        assert_eq!(ft.apply(1.5), 1.0);
        assert!((ft.apply(0.3) - 0.051_987_474_772_930_59).abs() < 1e-14);
        assert!((ft.apply(1.2) - 0.901_876_567_237_675_6).abs() < 1e-14);
        assert_eq!(
            BackTransform::freeman_tukey(&[0.0, f64::NAN]),
            BackTransform::Identity
        );
    }

    #[test]
    fn transforms_by_measure() {
        assert_eq!(BackTransform::of(Measure::Irr), BackTransform::Exp);
        assert_eq!(BackTransform::of(Measure::Zcor), BackTransform::ZToR);
        assert_eq!(BackTransform::of(Measure::Plo), BackTransform::Logistic);
        assert!(BackTransform::of(Measure::Pft).is_identity());
        assert!(BackTransform::of(Measure::Cor).is_identity());
        // plogis(1.2) = 0.76852478349901754
        assert!((BackTransform::Logistic.apply(1.2) - 0.768_524_783_499_017_5).abs() < 1e-15);
    }
}
