//! Adaptive Gauss–Legendre quadrature over the heterogeneity axis `τ ∈ (0, ∞)`.
//!
//! # Formula
//! The half-line is mapped onto `t ∈ (−1, 1)` by `τ = c·exp(x)`, `x = t/(1 − t²)`, so
//! `dτ = τ·(1 + t²)/(1 − t²)² dt`. In `x` a density that is finite at `τ = 0` decays like `eˣ`,
//! an integrable singularity `τ^(−a)` (a < 1) like `e^((1−a)x)`, and an algebraic tail
//! `τ^(−b)` (b > 1) like `e^(−(b−1)x)`; the rational map in `t` then turns even a logarithmic
//! tail `x^(−p)` into a smooth power of `1 − t`. `c` is a scale of the problem (so that the
//! bulk of the mass sits near `t = 0`).
//!
//! The rule on each subinterval is 15-point Gauss–Legendre (nodes computed once by Newton's
//! method on the Legendre polynomial); a subinterval's error is estimated by comparing the rule
//! on the whole with the rule on its two halves, and the halves are kept (global adaptive
//! bisection of the worst subinterval, as QUADPACK's `qag`). Integrands are vector-valued so
//! that several moments share one partition; every component must meet its tolerance.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Gauss–Legendre order of the rule on each subinterval.
const ORDER: usize = 15;
/// The most subintervals before giving up.
const MAX_INTERVALS: usize = 4000;
/// τ above `TAU_MAX` is taken to carry no mass (τ² stays representable; a posterior tail
/// beyond 1e150 holds less than 1e-13 of the mass for every prior offered).
const TAU_MAX: f64 = 1e150;
/// τ below `TAU_MIN` is taken to carry no mass (the log-t priors' mass below it, the heaviest
/// near 0, is of the order of `|ln TAU_MIN|^(−5)·scale⁵`, below 1e-14 for their usual scales).
const TAU_MIN: f64 = 1e-300;

/// The nodes (on `[−1, 1]`) and weights of the [`ORDER`]-point Gauss–Legendre rule.
fn rule() -> &'static ([f64; ORDER], [f64; ORDER]) {
    static RULE: OnceLock<([f64; ORDER], [f64; ORDER])> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = ORDER;
        let mut x = [0.0; ORDER];
        let mut w = [0.0; ORDER];
        for i in 0..n {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            let mut dp = 0.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, z);
                for j in 2..=n {
                    let p2 = ((2 * j - 1) as f64 * z * p1 - (j - 1) as f64 * p0) / j as f64;
                    p0 = p1;
                    p1 = p2;
                }
                dp = n as f64 * (z * p1 - p0) / (z * z - 1.0);
                let dz = p1 / dp;
                z -= dz;
                if dz.abs() < 1e-16 {
                    break;
                }
            }
            x[i] = z;
            w[i] = 2.0 / ((1.0 - z * z) * dp * dp);
        }
        (x, w)
    })
}

/// The map `t ↦ (τ, dτ/dt)` for scale `c`; `None` where the integrand is taken as 0.
pub(crate) fn tau_of(t: f64, c: f64) -> Option<(f64, f64)> {
    let d = 1.0 - t * t;
    if d <= 0.0 {
        return None;
    }
    let x = t / d;
    if x.abs() > 700.0 {
        return None;
    }
    let tau = c * x.exp();
    if !(TAU_MIN..=TAU_MAX).contains(&tau) {
        return None;
    }
    Some((tau, tau * (1.0 + t * t) / (d * d)))
}

/// The inverse map `τ ↦ t` for scale `c` (`τ = 0` gives −1).
pub(crate) fn t_of(tau: f64, c: f64) -> f64 {
    if tau <= 0.0 {
        return -1.0;
    }
    if !tau.is_finite() {
        return 1.0;
    }
    let x = (tau / c).ln();
    if x == 0.0 {
        0.0
    } else {
        (-1.0 + (1.0 + 4.0 * x * x).sqrt()) / (2.0 * x)
    }
}

/// One subinterval with its estimate and error.
#[derive(Clone, Copy)]
struct Piece<const N: usize> {
    a: f64,
    b: f64,
    value: [f64; N],
    error: [f64; N],
    /// The rule applied to |f| (the scale of a component whose integral cancels to ~0).
    mag: [f64; N],
}

/// The rule on `[a, b]` of the integrand in `t`, and of its absolute value.
fn gauss<const N: usize>(
    f: &mut impl FnMut(f64) -> [f64; N],
    c: f64,
    a: f64,
    b: f64,
) -> ([f64; N], [f64; N]) {
    let (x, w) = rule();
    let (h, m) = (0.5 * (b - a), 0.5 * (b + a));
    let mut s = [0.0; N];
    let mut g = [0.0; N];
    for (xi, wi) in x.iter().zip(w) {
        let t = m + h * xi;
        if let Some((tau, jac)) = tau_of(t, c) {
            let v = f(tau);
            for j in 0..N {
                s[j] += wi * jac * v[j];
                g[j] += wi * jac * v[j].abs();
            }
        }
    }
    (s.map(|v| v * h), g.map(|v| v * h))
}

/// The piece `[a, b]`: the rule on its halves, and their difference from the rule on the whole.
fn piece<const N: usize>(f: &mut impl FnMut(f64) -> [f64; N], c: f64, a: f64, b: f64) -> Piece<N> {
    let (whole, _) = gauss(f, c, a, b);
    let mid = 0.5 * (a + b);
    let ((l, lm), (r, rm)) = (gauss(f, c, a, mid), gauss(f, c, mid, b));
    let mut value = [0.0; N];
    let mut error = [0.0; N];
    let mut mag = [0.0; N];
    for j in 0..N {
        value[j] = l[j] + r[j];
        error[j] = (value[j] - whole[j]).abs();
        mag[j] = lm[j] + rm[j];
    }
    Piece {
        a,
        b,
        value,
        error,
        mag,
    }
}

/// The integral of the vector-valued `f(τ)` over `τ ∈ (lo, hi)` (`0 ≤ lo < hi ≤ ∞`) on the
/// axis of scale `c`, each component to relative accuracy `rel` of the integral of its absolute
/// value (or absolute `abs[j]`, whichever is larger).
///
/// # Errors
/// [`Error::NotConverged`] when [`MAX_INTERVALS`] subintervals do not reach the tolerance, or
/// [`Error::Undefined`] when the integrand is not finite.
pub(crate) fn integrate<const N: usize>(
    mut f: impl FnMut(f64) -> [f64; N],
    c: f64,
    (lo, hi): (f64, f64),
    rel: f64,
    abs: [f64; N],
) -> Result<[f64; N]> {
    let (ta, tb) = (t_of(lo, c), t_of(hi, c));
    if tb <= ta {
        return Ok([0.0; N]);
    }
    let start = 8;
    let mut pieces: Vec<Piece<N>> = (0..start)
        .map(|i| {
            let a = ta + (tb - ta) * i as f64 / start as f64;
            let b = ta + (tb - ta) * (i + 1) as f64 / start as f64;
            piece(&mut f, c, a, b)
        })
        .collect();
    loop {
        let (total, err, mag) = totals(&pieces);
        if total.iter().chain(&err).any(|v| !v.is_finite()) {
            return Err(Error::Undefined {
                what: "the posterior integral".into(),
                reason: "the integrand is not finite (the data or prior overflow double precision)"
                    .into(),
            });
        }
        let tol: Vec<f64> = (0..N).map(|j| (rel * mag[j]).max(abs[j])).collect();
        if (0..N).all(|j| err[j] <= tol[j]) {
            return Ok(total);
        }
        if pieces.len() >= MAX_INTERVALS {
            return Err(Error::NotConverged {
                procedure: "the adaptive quadrature over tau",
                iterations: pieces.len(),
                detail: "; the posterior of tau is too irregular for double precision".into(),
            });
        }
        let worst = worst_piece(&pieces, &tol);
        let p = pieces.swap_remove(worst);
        let mid = 0.5 * (p.a + p.b);
        if mid <= p.a || mid >= p.b {
            // The subinterval cannot be split further in double precision: accept it.
            return Ok(total);
        }
        pieces.push(piece(&mut f, c, p.a, mid));
        pieces.push(piece(&mut f, c, mid, p.b));
    }
}

/// Sums of the estimates, of the errors and of the magnitudes over the pieces.
fn totals<const N: usize>(pieces: &[Piece<N>]) -> ([f64; N], [f64; N], [f64; N]) {
    let mut total = [0.0; N];
    let mut err = [0.0; N];
    let mut mag = [0.0; N];
    for p in pieces {
        for j in 0..N {
            total[j] += p.value[j];
            err[j] += p.error[j];
            mag[j] += p.mag[j];
        }
    }
    (total, err, mag)
}

/// The piece whose error, relative to each component's tolerance, is largest.
fn worst_piece<const N: usize>(pieces: &[Piece<N>], tol: &[f64]) -> usize {
    let score = |p: &Piece<N>| {
        (0..N)
            .map(|j| p.error[j] / tol[j].max(f64::MIN_POSITIVE))
            .fold(0.0, f64::max)
    };
    let mut best = (0, f64::NEG_INFINITY);
    for (i, p) in pieces.iter().enumerate() {
        let s = score(p);
        if s > best.1 {
            best = (i, s);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legendre_rule_integrates_polynomials_exactly() {
        let (x, w) = rule();
        let s: f64 = w.iter().sum();
        assert!((s - 2.0).abs() < 1e-14);
        let m28: f64 = x.iter().zip(w).map(|(x, w)| w * x.powi(28)).sum();
        assert!((m28 - 2.0 / 29.0).abs() < 1e-14);
    }

    #[test]
    fn half_line_integrals_to_full_precision() {
        let rel = 1e-13;
        // ∫ exp(−τ) = 1; ∫ τ^(−1/2) exp(−τ) = √π; ∫ 1/(1+τ)^1.5 = 2; ∫ 1/((1+τ)·ln²(e+τ)) = 1
        let [a, b, d] = integrate(
            |t| [(-t).exp(), (-t).exp() / t.sqrt(), (1.0 + t).powf(-1.5)],
            1.0,
            (0.0, f64::INFINITY),
            rel,
            [0.0; 3],
        )
        .unwrap();
        assert!((a - 1.0).abs() < 1e-13, "{a}");
        assert!((b - std::f64::consts::PI.sqrt()).abs() < 1e-12, "{b}");
        assert!((d - 2.0).abs() < 1e-12, "{d}");
        // ∫_0^2 τ² = 8/3 on a finite range
        let [p] = integrate(|t| [t * t], 0.7, (0.0, 2.0), rel, [0.0]).unwrap();
        assert!((p - 8.0 / 3.0).abs() < 1e-13, "{p}");
    }

    #[test]
    fn map_round_trips() {
        for tau in [1e-30, 0.01, 1.0, 3.7, 1e20] {
            let t = t_of(tau, 2.0);
            let (back, _) = tau_of(t, 2.0).unwrap();
            assert!((back / tau - 1.0).abs() < 1e-12, "{tau} {back}");
        }
    }
}
