//! The Gauss hypergeometric function ₂F₁ for UCOR's exact bias correction.

/// `₂F₁(a, b; c; x)` for `0 ≤ x < 1` (and `x = 1` with `c > a + b`) by its power series, summed
/// until a term no longer changes the sum (at most 10⁶ terms: the series of UCOR with a tiny
/// sample and a correlation near 0 converges slowly, and its product with `r` then is tiny).
///
/// # Examples
/// ```
/// use peerstat::effect::hyperg_2f1;
/// // ₂F₁(1, 1; 2; x) = −ln(1 − x)/x
/// let x: f64 = 0.5;
/// assert!((hyperg_2f1(1.0, 1.0, 2.0, x) + (1.0 - x).ln() / x).abs() < 1e-14);
/// ```
pub fn hyperg_2f1(a: f64, b: f64, c: f64, x: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 0..1_000_000u32 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * x;
        let next = sum + term;
        if next == sum {
            break;
        }
        sum = next;
    }
    sum
}
