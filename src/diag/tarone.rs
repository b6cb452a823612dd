//! Tarone's test of homogeneity of odds ratios across 2×2 tables (metafor `rma.mh`'s `TA`):
//! Breslow–Day's statistic with Tarone's correction.
//!
//! # Formula
//! For each table with events and non-events (cells a, b, c, d; `x = a + c`, N), the expected
//! `E` of `a` under the Mantel–Haenszel odds ratio ψ solves `E(N − n1 − x + E) = ψ(n1 − E)(x − E)`
//! (the root of a quadratic; `E = n1·x/N` when ψ = 1), with variance `V = 1/(1/E + 1/(n1 − E) +
//! 1/(x − E) + 1/(N − n1 − x + E))⁻¹`. Breslow–Day: `BD = Σ(a − E)²/V`; Tarone:
//! `TA = BD − (Σ(a − E))²/ΣV`, χ² on (tables used − 1) df, over the tables with `E > 0`.

use crate::model::glmm::ChiTest;

/// Tarone's test for the tables `(a, n1, c, n2)` at the Mantel–Haenszel odds ratio `psi`;
/// `None` when fewer than 2 tables qualify.
pub fn tarone(cells: &[(f64, f64, f64, f64)], psi: f64) -> Option<ChiTest> {
    let (mut bd, mut dev, mut sv, mut used) = (0.0, 0.0, 0.0, 0usize);
    for &(a, n1, c, n2) in cells {
        let n = n1 + n2;
        let x = a + c;
        let y = n - x;
        let e = if psi == 1.0 {
            n1 * x / n
        } else {
            let aa = psi * (n1 + x) + (n2 - x);
            let b = (aa * aa - 4.0 * n1 * x * psi * (psi - 1.0)).sqrt();
            (aa - b) / (2.0 * (psi - 1.0))
        };
        if !(e > 0.0 && x > 0.0 && y > 0.0) {
            continue;
        }
        let v = 1.0 / (1.0 / e + 1.0 / (n1 - e) + 1.0 / (x - e) + 1.0 / (e - n1 - x + n));
        bd += (a - e).powi(2) / v;
        dev += a - e;
        sv += v;
        used += 1;
    }
    (used > 1).then(|| ChiTest::new((bd.max(0.0) - dev * dev / sv).max(0.0), used - 1))
}
