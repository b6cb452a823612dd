//! Willingness-to-pay values: parsed from a list or grid, or a default grid from the ICERs.

use crate::error::{Error, Result, Setting};

/// Parses a WTP grid `start:stop:step` (inclusive) or a comma-separated list.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Wtp`]) for malformed input, a non-positive step, or more than
/// 100,000 values.
pub fn parse_wtp(list: Option<&str>, grid: Option<&str>) -> Result<Vec<f64>> {
    let bad = |s: &str| {
        Error::setting(
            Setting::Wtp,
            format!("cannot read willingness-to-pay values '{s}': give a list such as 20000,30000 or a grid start:stop:step such as 0:50000:500"),
        )
    };
    let mut out = Vec::new();
    if let Some(l) = list {
        for p in l.split(',').filter(|p| !p.trim().is_empty()) {
            out.push(p.trim().parse::<f64>().map_err(|_| bad(l))?);
        }
    }
    if let Some(g) = grid {
        let parts: Vec<f64> = g
            .split(':')
            .map(|p| p.trim().parse::<f64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad(g))?;
        let [a, b, step] = parts[..] else {
            return Err(bad(g));
        };
        if step.is_nan() || step <= 0.0 || b < a || (b - a) / step > 100_000.0 {
            return Err(bad(g));
        }
        let n = ((b - a) / step + 1e-9).floor() as usize;
        out.extend((0..=n).map(|i| a + step * i as f64));
    }
    if out.is_empty() {
        out = vec![20_000.0, 30_000.0];
    }
    if out.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(Error::setting(
            Setting::Wtp,
            "willingness-to-pay values must be non-negative numbers",
        ));
    }
    Ok(out)
}

/// The default willingness-to-pay grid for acceptability curves when none is given: 0 to 3 ×
/// the largest ICER in 100 or so nice steps (1, 2 or 5 × 10ᵏ); 0 to 60,000 when no ICER is
/// positive and finite (every comparison dominant or dominated).
///
/// # Examples
///
/// ```
/// let g = peerstat::econ::default_wtp_grid(&[12_500.0, f64::NAN]);
/// assert_eq!((g[0], g[1], *g.last().unwrap()), (0.0, 500.0, 37_500.0));
/// ```
pub fn default_wtp_grid(icers: &[f64]) -> Vec<f64> {
    let max = icers
        .iter()
        .copied()
        .filter(|i| i.is_finite() && *i > 0.0)
        .fold(f64::NAN, f64::max);
    let top = if max.is_nan() { 60_000.0 } else { 3.0 * max };
    let raw = top / 100.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (top / step).ceil() as usize;
    (0..=n).map(|i| step * i as f64).collect()
}
