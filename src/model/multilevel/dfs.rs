//! Degrees of freedom of the t tests of a multilevel model (metafor `rma.mv(test = "t", dfs =)`):
//! the residual df `k − p` for every coefficient, or metafor's containment method.
//!
//! # Formula (containment, metafor 3.8-1 `.ddf.calc`)
//! For coefficient `j`, the random factors (nested levels `a`, `a/b`, …) within each of whose
//! levels column `j` of the design is constant "contain" it; its df is the smallest number of
//! levels among them (`k` when none does), minus `p`, and at least 1. The intercept is contained
//! by every factor (df = levels of the outermost − p); a study-level moderator gets the same df, a
//! moderator that varies within studies the df of a finer level.

use nalgebra::DMatrix;
use serde::Serialize;

/// How the t tests of a multilevel model get their degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MultilevelDfs {
    /// `k − p` for every coefficient (metafor `dfs = "residual"`, the default).
    #[default]
    Residual,
    /// Per coefficient from the random factors that contain it (metafor `dfs = "contain"`); it
    /// implies t tests.
    Contain,
}

/// The containment df of every column of `x` (`k × p`), given the codes of each nested level
/// (one per effect) and the number of levels of each.
pub(super) fn contain(x: &DMatrix<f64>, codes: &[Vec<usize>], nlevels: &[usize]) -> Vec<f64> {
    let (k, p) = x.shape();
    (0..p)
        .map(|j| {
            let smallest = codes
                .iter()
                .zip(nlevels)
                .filter(|(c, &n)| constant_within(x, j, c, n))
                .map(|(_, &n)| n)
                .min()
                .unwrap_or(k);
            (smallest as f64 - p as f64).max(1.0)
        })
        .collect()
}

/// Whether column `j` of `x` takes one value within every level of `codes` (`n` levels).
fn constant_within(x: &DMatrix<f64>, j: usize, codes: &[usize], n: usize) -> bool {
    let mut seen: Vec<Option<f64>> = vec![None; n];
    codes.iter().enumerate().all(|(i, &c)| {
        let v = x[(i, j)];
        match seen.get_mut(c) {
            Some(slot @ None) => {
                *slot = Some(v);
                true
            }
            // Exact comparison, as R's table() of the column against the factor.
            Some(Some(w)) => *w == v,
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contain_counts_the_coarsest_level_a_column_is_constant_in() {
        // 3 studies × 2 effects; column 1 constant within studies, column 2 varies within them.
        let x = DMatrix::from_row_slice(
            6,
            3,
            &[
                1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 2.0, 3.0, 1.0,
                2.0, 4.0,
            ],
        );
        let codes = vec![vec![0, 0, 1, 1, 2, 2], vec![0, 1, 2, 3, 4, 5]];
        let df = contain(&x, &codes, &[3, 6]);
        // 3 studies − 3 coefficients → floored at 1; 6 effects − 3.
        assert_eq!(df, vec![1.0, 1.0, 3.0]);
    }
}
