//! The permutation test of a meta-regression's moderators (metafor `permutest`).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::MetaRegression;
use crate::error::Error;

/// Permutation test of a meta-regression (metafor `permutest`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Permutation {
    /// Permutations requested (the observed data count as one).
    pub iterations: usize,
    /// Permutations used: the observed data plus the random permutations whose refit succeeded.
    pub used: usize,
    /// Seed.
    pub seed: u64,
    /// Permutation p-value of each coefficient (two-sided), intercept first.
    pub p_values: Vec<f64>,
    /// Permutation p-value of QM.
    pub qm_p: f64,
}

impl MetaRegression {
    /// Permutation test: the rows of the design are shuffled relative to `(y, v)` and the model
    /// refitted (τ² re-estimated each time), `n − 1` times; with the observed data counted as
    /// the first of the `n` permutations (as metafor, so no p-value is 0), a coefficient's
    /// p-value is the share of the `n` whose |statistic| is at least the observed one; likewise
    /// QM. Permutation `i` draws from ChaCha8 stream `i` of `seed`, so
    /// the result does not depend on the thread count.
    ///
    /// # Errors
    /// When the observed model cannot be fitted.
    pub fn permutation_test(
        &self,
        y: &[f64],
        v: &[f64],
        x: &DMatrix<f64>,
        names: &[String],
        n: usize,
        seed: u64,
    ) -> Result<Permutation, Error> {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        use rayon::prelude::*;
        let observed = self.fit(y, v, x, names)?;
        let yv = DVector::from_column_slice(y);
        let k = y.len();
        let p = x.ncols();
        let results: Vec<Option<(Vec<f64>, f64)>> = (1..n.max(1))
            .into_par_iter()
            .map(|i| {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(i as u64);
                let mut perm: Vec<usize> = (0..k).collect();
                perm.shuffle(&mut rng);
                let xp = DMatrix::from_fn(k, p, |r, c| x[(perm[r], c)]);
                let (tau2, iterations, converged_by) = self.tau2(&yv, v, &xp).ok()?;
                let t = super::Tau2Fit {
                    tau2,
                    iterations,
                    converged_by,
                };
                let f = self.finish(&yv, v, &xp, names, t, true).ok()?;
                Some((
                    f.coefficients.iter().map(|c| c.est.statistic).collect(),
                    f.qm,
                ))
            })
            .collect();
        let ok: Vec<&(Vec<f64>, f64)> = results.iter().flatten().collect();
        let used = ok.len() + 1;
        let tol = 1e-12;
        let p_values = (0..p)
            .map(|j| {
                let obs = observed.coefficients[j].est.statistic.abs();
                let hits = ok.iter().filter(|(z, _)| z[j].abs() >= obs - tol).count();
                (hits + 1) as f64 / used as f64
            })
            .collect();
        let qm_p = if p > 1 {
            let hits = ok.iter().filter(|(_, q)| *q >= observed.qm - tol).count();
            (hits + 1) as f64 / used as f64
        } else {
            f64::NAN
        };
        Ok(Permutation {
            iterations: n,
            used,
            seed,
            p_values,
            qm_p,
        })
    }
}
