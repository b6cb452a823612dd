//! Code shared by the integration tests (`mod common;` at the top of a test file).
//!
//! - [`close`]: one value against a reference value read from a JSON fixture (metafor, dampack,
//!   systemfit, robumeta, ...).
//! - [`rel_close`]: two values computed by peerstat, for property tests.
//! - [`cli`]: running the `peerstat` binary and reading its output.
//! - [`fixtures`]: reference JSON files and datasets with their effects.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

pub mod cli;
pub mod fixtures;
pub mod svg;

use serde_json::Value;

/// Asserts that `got` matches the reference value `want`.
///
/// - `want` null (or absent, or not a number): the reference has no value (R's `NA`/`NULL`,
///   e.g. no Q-profile CI for the common-effect model), so `got` must be NaN.
/// - otherwise `|got − want| ≤ max(rel·|want|, abs)`: relative tolerance `rel`, with the
///   absolute floor `abs` for references near zero. A NaN `got` always fails.
///
/// Most suites scale the floor with the tolerance, `abs = rel·scale`: the comparison is then
/// relative for |want| ≥ `scale` and absolute (as if |want| were `scale`) below it.
/// `abs = 0` gives a purely relative comparison.
#[track_caller]
pub fn close(what: &str, got: f64, want: &Value, rel: f64, abs: f64) {
    match want.as_f64() {
        None => assert!(got.is_nan(), "{what}: reference null, peerstat {got}"),
        Some(w) => {
            let tol = (rel * w.abs()).max(abs);
            assert!(
                (got - w).abs() <= tol,
                "{what}: peerstat {got}, reference {w} (diff {:e}, tol {tol:e})",
                (got - w).abs()
            );
        }
    }
}

/// Whether two values computed by peerstat agree: `|a − b| ≤ tol·(1 + max(|a|, |b|))`, so
/// relative for large values and absolute (`tol`) near zero; symmetric in `a` and `b`. Two
/// NaNs (undefined, e.g. no CI for EE) count as equal.
///
/// Returns a bool rather than asserting, for `prop_assert!`. Unlike [`close`] neither side is a
/// reference, hence the symmetric scale.
pub fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}
