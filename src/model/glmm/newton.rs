//! Maximising the marginal log-likelihood: Newton steps with a Levenberg safeguard and step
//! halving, on derivatives by Richardson-extrapolated central differences taken cluster by
//! cluster (each cluster depends on its own few parameters, so the work grows with the number
//! of clusters, not its square).

use nalgebra::{DMatrix, DVector};

use super::cluster::Cluster;
use super::hermite::NormalRule;
use crate::error::{Error, Result};

/// The parameters: fixed effects, then (for a random-effects fit) τ at `tau`.
pub struct Problem<'a> {
    /// The clusters.
    pub clusters: &'a [Cluster],
    /// The number of parameters (fixed effects, plus τ when `tau` is set).
    pub n: usize,
    /// The index of τ, when it is estimated.
    pub tau: Option<usize>,
    /// The quadrature rule.
    pub rule: NormalRule,
}

/// A maximum: the parameters, the log-likelihood, its Hessian there and the Newton steps taken.
pub struct Maximum {
    /// The parameters.
    pub x: Vec<f64>,
    /// The log-likelihood.
    pub loglik: f64,
    /// The Hessian of the log-likelihood.
    pub hessian: DMatrix<f64>,
    /// Newton iterations.
    pub iterations: usize,
}

const MAX_ITER: usize = 200;

impl Problem<'_> {
    /// The log-likelihood at `x`.
    pub fn loglik(&self, x: &[f64]) -> f64 {
        let lw = self.rule.log_w();
        self.clusters
            .iter()
            .map(|c| self.cluster_loglik(c, x, &lw))
            .sum()
    }

    fn cluster_loglik(&self, c: &Cluster, x: &[f64], lw: &[f64]) -> f64 {
        let tau = self.tau.map_or(0.0, |i| x[i]);
        c.loglik(x, tau, &self.rule, lw)
    }

    /// The gradient and Hessian at `x` (central differences at steps `h` and `h/2`, combined by
    /// Richardson extrapolation).
    pub fn derivatives(&self, x: &[f64]) -> (DVector<f64>, DMatrix<f64>) {
        let lw = self.rule.log_w();
        let mut g = DVector::zeros(self.n);
        let mut hm = DMatrix::zeros(self.n, self.n);
        for c in self.clusters {
            let mut local = c.params.clone();
            local.extend(self.tau);
            let f = |y: &[f64]| self.cluster_loglik(c, y, &lw);
            let (g1, h1) = local_differences(&f, x, &local, 2e-3);
            let (g2, h2) = local_differences(&f, x, &local, 1e-3);
            for (a, &i) in local.iter().enumerate() {
                g[i] += (4.0 * g2[a] - g1[a]) / 3.0;
                for (b, &j) in local.iter().enumerate() {
                    hm[(i, j)] += (4.0 * h2[(a, b)] - h1[(a, b)]) / 3.0;
                }
            }
        }
        (g, hm)
    }

    /// Maximises the log-likelihood from `x0`.
    ///
    /// # Errors
    /// [`Error::NotConverged`] when the Newton steps do not settle in 200 iterations.
    pub fn maximise(&self, x0: Vec<f64>) -> Result<Maximum> {
        let mut x = x0;
        let mut f = self.loglik(&x);
        for it in 1..=MAX_ITER {
            let (g, hm) = self.derivatives(&x);
            let step = newton_step(&g, &hm);
            let mut t = 1.0;
            let mut moved = false;
            for _ in 0..50 {
                let y: Vec<f64> = x.iter().zip(step.iter()).map(|(a, d)| a + t * d).collect();
                let fy = self.loglik(&y);
                if fy.is_finite() && fy >= f - 1e-13 * f.abs().max(1.0) {
                    let small = x
                        .iter()
                        .zip(&y)
                        .all(|(a, b)| (a - b).abs() <= 1e-10 * (1.0 + a.abs()));
                    x = y;
                    f = fy;
                    moved = !small;
                    break;
                }
                t *= 0.5;
            }
            if !moved {
                let (_, hessian) = self.derivatives(&x);
                return Ok(Maximum {
                    x,
                    loglik: f,
                    hessian,
                    iterations: it,
                });
            }
        }
        Err(Error::NotConverged {
            procedure: "GLMM maximum likelihood (Newton)",
            iterations: MAX_ITER,
            detail: format!("; log-likelihood {f}"),
        })
    }
}

/// The Newton step `(−H + λI)⁻¹ g`, with the smallest λ ≥ 0 (from a ladder) that makes the
/// matrix positive definite.
fn newton_step(g: &DVector<f64>, hm: &DMatrix<f64>) -> DVector<f64> {
    let a = -hm;
    let scale = a.diagonal().iter().map(|v| v.abs()).fold(1e-8, f64::max);
    let mut lambda = 0.0;
    loop {
        let mut m = a.clone();
        for i in 0..m.nrows() {
            m[(i, i)] += lambda;
        }
        if let Some(ch) = m.cholesky() {
            return ch.solve(g);
        }
        lambda = if lambda == 0.0 {
            1e-8 * scale
        } else {
            lambda * 10.0
        };
        if lambda > 1e12 * scale {
            return g * (1.0 / scale);
        }
    }
}

/// Central-difference gradient and Hessian of `f` in the coordinates `local`, step `h` relative
/// to `max(1, |x_i|)`.
fn local_differences(
    f: &dyn Fn(&[f64]) -> f64,
    x: &[f64],
    local: &[usize],
    h: f64,
) -> (Vec<f64>, DMatrix<f64>) {
    let m = local.len();
    let steps: Vec<f64> = local.iter().map(|&i| h * x[i].abs().max(1.0)).collect();
    let at = |moves: &[(usize, f64)]| {
        let mut y = x.to_vec();
        for &(a, d) in moves {
            y[local[a]] += d;
        }
        f(&y)
    };
    let f0 = f(x);
    let mut g = vec![0.0; m];
    let mut hm = DMatrix::zeros(m, m);
    for a in 0..m {
        let ha = steps[a];
        let (fp, fm) = (at(&[(a, ha)]), at(&[(a, -ha)]));
        g[a] = (fp - fm) / (2.0 * ha);
        hm[(a, a)] = (fp - 2.0 * f0 + fm) / (ha * ha);
        for b in 0..a {
            let hb = steps[b];
            let v = (at(&[(a, ha), (b, hb)]) - at(&[(a, ha), (b, -hb)]) - at(&[(a, -ha), (b, hb)])
                + at(&[(a, -ha), (b, -hb)]))
                / (4.0 * ha * hb);
            hm[(a, b)] = v;
            hm[(b, a)] = v;
        }
    }
    (g, hm)
}
