//! Fieller's confidence set for an ICER.

use serde::Serialize;

use crate::dist;

/// Kind of a Fieller interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FiellerKind {
    /// `[lower, upper]`.
    Bounded,
    /// `(−∞, lower] ∪ [upper, ∞)`.
    TwoRays,
    /// Every ICER is compatible with the data.
    WholeLine,
}

/// Fieller's confidence set for an ICER.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fieller {
    /// Shape of the set.
    pub kind: FiellerKind,
    /// Lower limit (bounded), or the end of the lower ray (two rays); null for the whole line.
    pub lower: f64,
    /// Upper limit (bounded), or the start of the upper ray (two rays); null for the whole line.
    pub upper: f64,
}

/// Fieller's interval at level `level` (percent) from increments and their (co)variances.
///
/// # Errors
/// [`crate::error::Error::Setting`] for a confidence level outside (50, 100).
pub fn fieller(
    dc: f64,
    de: f64,
    vc: f64,
    ve: f64,
    cov: f64,
    level: f64,
) -> crate::error::Result<Fieller> {
    let level = crate::error::check_level(level)?;
    Ok(fieller_at(dc, de, vc, ve, cov, level))
}

/// [`fieller`] at a checked level.
pub(super) fn fieller_at(dc: f64, de: f64, vc: f64, ve: f64, cov: f64, level: f64) -> Fieller {
    let z = dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    fieller_q(dc, de, vc, ve, cov, z)
}

/// Fieller's set `{R : (Δc − R·Δe)² ≤ q²·(Vc − 2R·Cov + R²·Ve)}` for the critical value `q`
/// (a normal or t quantile).
pub(super) fn fieller_q(dc: f64, de: f64, vc: f64, ve: f64, cov: f64, z: f64) -> Fieller {
    let z2 = z * z;
    let a = de * de - z2 * ve;
    let b = -2.0 * (dc * de - z2 * cov);
    let c = dc * dc - z2 * vc;
    let disc = b * b - 4.0 * a * c;
    if disc < 0.0 || a == 0.0 {
        return Fieller {
            kind: FiellerKind::WholeLine,
            lower: f64::NAN,
            upper: f64::NAN,
        };
    }
    let s = disc.sqrt();
    let (r1, r2) = ((-b - s) / (2.0 * a), (-b + s) / (2.0 * a));
    let (lo, hi) = (r1.min(r2), r1.max(r2));
    Fieller {
        kind: if a > 0.0 {
            FiellerKind::Bounded
        } else {
            FiellerKind::TwoRays
        },
        lower: lo,
        upper: hi,
    }
}
