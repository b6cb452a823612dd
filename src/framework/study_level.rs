//! One effect per study from a domain's dependent effects, for the analyses that assume
//! independent effects (the Bayesian result, the selection model and PET-PEESE, the
//! location-scale model by form): metafor's `aggregate(dat, cluster = study, struct = "CS",
//! rho = ρ)`, the inverse-variance average under compound symmetry.
//!
//! # Formula
//! For a study with effects `y` and sampling covariance `V` (`Vᵢᵢ = vᵢ`,
//! `Vᵢⱼ = ρ√(vᵢvⱼ)`): `ȳ = 1ᵀV⁻¹y / 1ᵀV⁻¹1`, `var(ȳ) = 1 / 1ᵀV⁻¹1`.

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};

/// The study-level effects: one per study, in order of first appearance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StudyLevel {
    /// Study identifiers.
    pub study: Vec<String>,
    /// Aggregated effects.
    pub yi: Vec<f64>,
    /// Their sampling variances.
    pub vi: Vec<f64>,
    /// For each study, the positions (in the input) of its effects.
    pub members: Vec<Vec<usize>>,
}

/// Aggregates effects `yi` (variances `vi`) by `study` with within-study correlation `rho`.
///
/// # Errors
/// [`Error::Singular`] when a study's covariance cannot be inverted (ρ = 1 with several
/// effects).
pub(crate) fn aggregate(yi: &[f64], vi: &[f64], study: &[String], rho: f64) -> Result<StudyLevel> {
    let mut order: Vec<String> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, s) in study.iter().enumerate() {
        match order.iter().position(|o| o == s) {
            Some(j) => members[j].push(i),
            None => {
                order.push(s.clone());
                members.push(vec![i]);
            }
        }
    }
    let mut out_y = Vec::with_capacity(order.len());
    let mut out_v = Vec::with_capacity(order.len());
    for (s, m) in order.iter().zip(&members) {
        let n = m.len();
        let v = DMatrix::from_fn(n, n, |a, b| {
            if a == b {
                vi[m[a]]
            } else {
                rho * (vi[m[a]] * vi[m[b]]).sqrt()
            }
        });
        let inv = v.try_inverse().ok_or_else(|| Error::Singular {
            message: format!(
                "the sampling covariance of study {s}'s {n} effects (correlation {rho}) cannot be inverted; assume a correlation below 1"
            ),
        })?;
        let w = &inv * DVector::from_element(n, 1.0);
        let sw = w.sum();
        let y: f64 = m.iter().zip(w.iter()).map(|(&i, wi)| wi * yi[i]).sum();
        out_y.push(y / sw);
        out_v.push(1.0 / sw);
    }
    Ok(StudyLevel {
        study: order,
        yi: out_y,
        vi: out_v,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_equal_variances_average_with_the_cs_variance() {
        // two effects of variance v, correlation r: mean, variance v(1 + r)/2
        let s = aggregate(
            &[0.2, 0.4, 1.0],
            &[0.04, 0.04, 0.1],
            &["a".into(), "a".into(), "b".into()],
            0.6,
        )
        .unwrap();
        assert_eq!(s.study, ["a", "b"]);
        assert!((s.yi[0] - 0.3).abs() < 1e-12);
        assert!((s.vi[0] - 0.04 * 1.6 / 2.0).abs() < 1e-12);
        assert_eq!((s.yi[1], s.vi[1]), (1.0, 0.1));
        assert_eq!(s.members, [vec![0, 1], vec![2]]);
    }
}
