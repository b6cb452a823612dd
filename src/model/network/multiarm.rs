//! The checks of a multi-arm study's contrasts (netmeta's `chkmultiarm`): they must be the
//! pairwise differences of one set of arm effects, and their variances must come from arm
//! variances that are not negative.
//!
//! * Effects: with `a` arms and `y_jk = effect(j) − effect(k)` for every pair, the least-squares
//!   arm effects are `d_j = (1/a) Σ_k y_jk` (`y_jj = 0`, `y_kj = −y_jk`); the study is refused
//!   when a residual `|y_jk − (d_j − d_k)|` exceeds [`TOL_MULTIARM`] (netmeta's `tol.multiarm`,
//!   absolute, on the analysis scale). For three arms every residual is a third of the
//!   discrepancy `y_AB + y_BC − y_AC`.
//! * Variances: the least-squares arm variances `σ²_j = (s_j − V/(a − 1))/(a − 2)`, with `s_j`
//!   the sum of the pairwise variances of arm `j` and `V` their total (exact for three arms:
//!   `σ²_A = (V_AB + V_AC − V_BC)/2`); a negative one is refused, as netmeta does. (netmeta's
//!   optional `tol.multiarm.se`, off by default, which also checks that four or more arms'
//!   variances are fitted by arm variances, is not applied.)

use super::graph::Edge;
use crate::error::{Error, Result};

/// The largest residual of a multi-arm study's effects from one set of arm effects (netmeta's
/// default `tol.multiarm`).
pub const TOL_MULTIARM: f64 = 0.001;

/// A study's pairwise effects and variances as `a × a` matrices over its arms (`y[j][k] =
/// effect(j) − effect(k)`).
struct StudyPairs {
    /// The study's treatments (indices into the network's treatments), sorted.
    arms: Vec<usize>,
    /// Antisymmetric effects.
    y: Vec<Vec<f64>>,
    /// Symmetric variances (zero diagonal).
    v: Vec<Vec<f64>>,
}

impl StudyPairs {
    /// The pairs of study `es` (the edges of one study, which give every pair once).
    fn new(edges: &[Edge], es: &[usize]) -> Self {
        let mut arms: Vec<usize> = es
            .iter()
            .flat_map(|&e| [edges[e].t1, edges[e].t2])
            .collect();
        arms.sort_unstable();
        arms.dedup();
        let a = arms.len();
        let at = |t: usize| arms.iter().position(|&x| x == t).unwrap_or(0);
        let (mut y, mut v) = (vec![vec![0.0; a]; a], vec![vec![0.0; a]; a]);
        for &e in es {
            let x = &edges[e];
            let (j, k) = (at(x.t1), at(x.t2));
            y[j][k] = x.y;
            y[k][j] = -x.y;
            v[j][k] = x.v;
            v[k][j] = x.v;
        }
        StudyPairs { arms, y, v }
    }

    /// The largest absolute residual of the effects from least-squares arm effects.
    fn largest_residual(&self) -> f64 {
        let a = self.arms.len();
        let d: Vec<f64> = self
            .y
            .iter()
            .map(|row| row.iter().sum::<f64>() / a as f64)
            .collect();
        let mut worst = 0.0_f64;
        for j in 0..a {
            for k in j + 1..a {
                worst = worst.max((self.y[j][k] - (d[j] - d[k])).abs());
            }
        }
        worst
    }

    /// The three arms `(j, k, l)` whose effects disagree most, with the discrepancy `y_jk +
    /// y_kl − y_jl`.
    fn worst_triple(&self) -> (usize, usize, usize, f64) {
        let a = self.arms.len();
        let mut worst = (0, 1, 2, 0.0_f64);
        for j in 0..a {
            for k in j + 1..a {
                for l in k + 1..a {
                    let gap = self.y[j][k] + self.y[k][l] - self.y[j][l];
                    if gap.abs() > worst.3.abs() {
                        worst = (j, k, l, gap);
                    }
                }
            }
        }
        worst
    }

    /// The least-squares arm variances (three or more arms).
    fn arm_variances(&self) -> Vec<f64> {
        let a = self.arms.len();
        let s: Vec<f64> = self.v.iter().map(|row| row.iter().sum()).collect();
        let total = s.iter().sum::<f64>() / 2.0;
        s.iter()
            .map(|sj| (sj - total / (a - 1) as f64) / (a - 2) as f64)
            .collect()
    }
}

/// Checks every multi-arm study (three or more arms) of `by_study`: consistent effects (within
/// [`TOL_MULTIARM`]) and no negative arm variance.
///
/// # Errors
/// [`Error::Input`] naming the study, its three most discrepant treatments and the
/// discrepancy, or the arm with a negative variance.
pub(super) fn check(
    edges: &[Edge],
    by_study: &[Vec<usize>],
    studies: &[String],
    treatments: &[String],
) -> Result<()> {
    for (s, es) in by_study.iter().enumerate() {
        if es.len() < 3 {
            continue;
        }
        let pairs = StudyPairs::new(edges, es);
        check_effects(&pairs, &studies[s], treatments)?;
        check_variances(&pairs, &studies[s], treatments)?;
    }
    Ok(())
}

/// Refuses a study whose effects are not the differences of one set of arm effects.
fn check_effects(pairs: &StudyPairs, study: &str, treatments: &[String]) -> Result<()> {
    let resid = pairs.largest_residual();
    // A NaN residual (effects too large to combine) is refused too.
    if resid.is_nan() || resid > TOL_MULTIARM {
        let (j, k, l, gap) = pairs.worst_triple();
        let name = |i: usize| treatments[pairs.arms[i]].as_str();
        let (a, b, c) = (name(j), name(k), name(l));
        let (ab, bc, ac) = (pairs.y[j][k], pairs.y[k][l], pairs.y[j][l]);
        return Err(Error::input(
            format!("study '{study}'"),
            format!(
                "its multi-arm contrasts are inconsistent: {a} vs {b} ({}) plus {b} vs {c} ({}) is {}, but {a} vs {c} is {} (a discrepancy of {}; the contrasts of one study must be differences of its arms' effects, within {TOL_MULTIARM} as netmeta's tol.multiarm); give consistent contrasts or the study's arm-level data",
                num(ab),
                num(bc),
                num(ab + bc),
                num(ac),
                num(gap)
            ),
        ));
    }
    Ok(())
}

/// Refuses a study whose pairwise variances need a negative arm variance.
fn check_variances(pairs: &StudyPairs, study: &str, treatments: &[String]) -> Result<()> {
    let sigma2 = pairs.arm_variances();
    // Rounding of the pairwise variances can make a zero arm variance slightly negative.
    let scale = pairs.v.iter().flatten().fold(0.0_f64, |m, &x| m.max(x));
    let slack = 1e-10 * scale;
    if let Some((j, s2)) = sigma2.iter().enumerate().find(|(_, &s2)| s2 < -slack) {
        return Err(Error::input(
            format!("study '{study}'"),
            format!(
                "its multi-arm variances imply a negative variance ({}) for arm '{}': the variance of each contrast must be the sum of its two arms' variances; give the study's variances from one set of arm variances or its arm-level data",
                num(*s2),
                treatments[pairs.arms[j]]
            ),
        ));
    }
    Ok(())
}

/// A number for a message: six significant digits, without trailing zeros.
fn num(x: f64) -> String {
    format!("{:.5e}", x)
        .parse::<f64>()
        .map_or_else(|_| x.to_string(), |r| r.to_string())
}
