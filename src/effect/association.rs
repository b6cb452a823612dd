//! More measures of 2×2 tables (metafor `PETO`, `PHI`, `YUQ`, `YUY`, `PBIT`, `OR2DN`, `OR2DL`)
//! from the canonical columns `events_t, n_t, events_c, n_c`, after the continuity correction of
//! the kernel (`add = ½` to tables with a zero cell, as escalc; none for `PHI`, whose escalc
//! default is `add = 0`).

use super::Measure;
use crate::dist::norm_quantile;

/// True for the 2×2 measures of this module.
pub(crate) fn handles(measure: Measure) -> bool {
    matches!(
        measure,
        Measure::Peto
            | Measure::Phi
            | Measure::Yuq
            | Measure::Yuy
            | Measure::Pbit
            | Measure::Or2dn
            | Measure::Or2dl
    )
}

/// A 2×2-table measure and its variance (metafor 3.8.1 and 5.0 alike, `vtype = "LS"`) from the
/// cells `a, b` (intervention events, non-events) and `c, d` (control). Other measures give NaN.
///
/// # Formula
/// `PETO`: `E = (a+c)·n1/N`, `V = (a+c)(b+d)·n1·n2/(N²(N−1))`, `yi = (a − E)/V`, `vi = 1/V`;
/// `PHI`: `yi = (ad − bc)/√(n1·n2·(a+c)(b+d))`, `vi` escalc's large-sample formula (Bishop,
/// Fienberg & Holland 1975); `YUQ`: `yi = (OR − 1)/(OR + 1)`, `vi = ¼(1 − yi²)²·Σ1/cell`;
/// `YUY`: `yi = (√OR − 1)/(√OR + 1)`, `vi = (1/16)(1 − yi²)²·Σ1/cell`;
/// `PBIT`: `yi = Φ⁻¹(p1) − Φ⁻¹(p2)`, `vi = Σ 2π·p(1−p)·exp(z²)/n`;
/// `OR2DL`: `yi = √3/π·ln OR`, `vi = 3/π²·Σ1/cell`; `OR2DN`: `yi = ln OR/1.65`,
/// `vi = Σ1/cell/1.65²`.
///
/// # Examples
/// ```
/// use peerstat::effect::{table_measure, Measure};
/// // dat.bcg, Aronson 1948 (4/123 vs 11/139): metafor escalc("YUQ"): -0.437672, 0.058353
/// let (y, v) = table_measure(Measure::Yuq, 4.0, 119.0, 11.0, 128.0);
/// assert!((y + 0.437671609).abs() < 1e-8 && (v - 0.058352520).abs() < 1e-8);
/// ```
pub fn table_measure(measure: Measure, a: f64, b: f64, c: f64, d: f64) -> (f64, f64) {
    let (n1, n2) = (a + b, c + d);
    let n = n1 + n2;
    let sum_inv = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d;
    let log_or = (a / b).ln() - (c / d).ln();
    match measure {
        Measure::Peto => {
            let e = (a + c) * n1 / n;
            let v = (a + c) * (b + d) * (n1 / n) * (n2 / n) / (n - 1.0);
            ((a - e) / v, 1.0 / v)
        }
        Measure::Phi => phi(a, b, c, d),
        Measure::Yuq => {
            let or = (a / b) / (c / d);
            let y = (or - 1.0) / (or + 1.0);
            (y, 0.25 * (1.0 - y * y).powi(2) * sum_inv)
        }
        Measure::Yuy => {
            let s = ((a / b) / (c / d)).sqrt();
            let y = (s - 1.0) / (s + 1.0);
            (y, (1.0 - y * y).powi(2) * sum_inv / 16.0)
        }
        Measure::Pbit => {
            let (p1, p2) = (a / n1, c / n2);
            let (z1, z2) = (norm_quantile(p1), norm_quantile(p2));
            let tau = 2.0 * std::f64::consts::PI;
            (
                z1 - z2,
                tau * p1 * (1.0 - p1) * (z1 * z1).exp() / n1
                    + tau * p2 * (1.0 - p2) * (z2 * z2).exp() / n2,
            )
        }
        Measure::Or2dl => {
            let f = 3f64.sqrt() / std::f64::consts::PI;
            (f * log_or, f * f * sum_inv)
        }
        Measure::Or2dn => (log_or / 1.65, sum_inv / (1.65 * 1.65)),
        _ => (f64::NAN, f64::NAN),
    }
}

/// The phi coefficient and its large-sample variance (escalc `vtype = "LS"`).
fn phi(a: f64, b: f64, c: f64, d: f64) -> (f64, f64) {
    let n = a + b + c + d;
    let y = (a * d - b * c) / ((a + b) * (c + d) * (a + c) * (b + d)).sqrt();
    let (p1r, p2r) = ((a + b) / n, (c + d) / n);
    let (p1c, p2c) = ((a + c) / n, (b + d) / n);
    let v = (1.0 - y * y
        + y * (1.0 + 0.5 * y * y) * (p1r - p2r) * (p1c - p2c) / (p1r * p2r * p1c * p2c).sqrt()
        - 0.75 * y * y * ((p1r - p2r).powi(2) / (p1r * p2r) + (p1c - p2c).powi(2) / (p1c * p2c)))
        / n;
    (y, v)
}
