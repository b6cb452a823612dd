//! Minimisation of a smooth function of a few parameters: Nelder–Mead to find the basin, then
//! damped Newton steps with finite-difference derivatives to polish the minimum, and a
//! Richardson-extrapolated finite-difference Hessian for standard errors.

use nalgebra::{DMatrix, DVector};

/// The step of the finite differences at `x`.
fn step(x: f64, rel: f64) -> f64 {
    rel * x.abs().max(0.1)
}

/// Central-difference gradient.
pub(super) fn gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64], rel: f64) -> Vec<f64> {
    let mut xp = x.to_vec();
    (0..x.len())
        .map(|i| {
            let h = step(x[i], rel);
            xp[i] = x[i] + h;
            let fp = f(&xp);
            xp[i] = x[i] - h;
            let fm = f(&xp);
            xp[i] = x[i];
            (fp - fm) / (2.0 * h)
        })
        .collect()
}

/// Central-difference Hessian with steps `h_i = rel·max(|x_i|, 0.1)`.
fn hessian_at(f: &dyn Fn(&[f64]) -> f64, x: &[f64], rel: f64) -> DMatrix<f64> {
    let n = x.len();
    let h: Vec<f64> = x.iter().map(|&v| step(v, rel)).collect();
    let f0 = f(x);
    let mut m = DMatrix::zeros(n, n);
    let mut xp = x.to_vec();
    for i in 0..n {
        xp[i] = x[i] + h[i];
        let fp = f(&xp);
        xp[i] = x[i] - h[i];
        let fm = f(&xp);
        xp[i] = x[i];
        m[(i, i)] = (fp - 2.0 * f0 + fm) / (h[i] * h[i]);
        for j in 0..i {
            let mut e = |si: f64, sj: f64| {
                xp[i] = x[i] + si * h[i];
                xp[j] = x[j] + sj * h[j];
                let v = f(&xp);
                xp[i] = x[i];
                xp[j] = x[j];
                v
            };
            let v =
                (e(1.0, 1.0) - e(1.0, -1.0) - e(-1.0, 1.0) + e(-1.0, -1.0)) / (4.0 * h[i] * h[j]);
            m[(i, j)] = v;
            m[(j, i)] = v;
        }
    }
    m
}

/// The Hessian of `f` at `x` by central differences with Richardson extrapolation (steps
/// `1e-3·max(|x_i|, 0.1)` and half that), accurate to about 1e-8 relative for a smooth `f`.
pub(super) fn hessian(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> DMatrix<f64> {
    let a = hessian_at(f, x, 1e-3);
    let b = hessian_at(f, x, 5e-4);
    (b * 4.0 - a) / 3.0
}

/// Nelder–Mead from `x0` with initial steps `scale`, at most `max_eval` evaluations; stops when
/// the simplex's function values agree to 1e-10 relative.
pub(super) fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    x0: &[f64],
    scale: &[f64],
    max_eval: usize,
) -> Vec<f64> {
    let n = x0.len();
    let mut pts: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += scale[i];
        pts.push(p);
    }
    let mut val: Vec<f64> = pts.iter().map(|p| nan_inf(f(p))).collect();
    let mut evals = n + 1;
    while evals < max_eval {
        let mut idx: Vec<usize> = (0..=n).collect();
        idx.sort_by(|&a, &b| val[a].total_cmp(&val[b]));
        pts = idx.iter().map(|&i| pts[i].clone()).collect();
        val = idx.iter().map(|&i| val[i]).collect();
        if (val[n] - val[0]).abs() <= 1e-10 * (val[0].abs() + 1e-10) {
            break;
        }
        let c: Vec<f64> = (0..n)
            .map(|j| pts[..n].iter().map(|p| p[j]).sum::<f64>() / n as f64)
            .collect();
        let at = |t: f64| -> Vec<f64> { (0..n).map(|j| c[j] + t * (pts[n][j] - c[j])).collect() };
        let xr = at(-1.0);
        let fr = nan_inf(f(&xr));
        evals += 1;
        if fr < val[0] {
            let xe = at(-2.0);
            let fe = nan_inf(f(&xe));
            evals += 1;
            (pts[n], val[n]) = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < val[n - 1] {
            (pts[n], val[n]) = (xr, fr);
        } else {
            let t = if fr < val[n] { -0.5 } else { 0.5 };
            let xc = at(t);
            let fc = nan_inf(f(&xc));
            evals += 1;
            if fc < val[n].min(fr) {
                (pts[n], val[n]) = (xc, fc);
            } else {
                for i in 1..=n {
                    pts[i] = (0..n)
                        .map(|j| pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]))
                        .collect();
                    val[i] = nan_inf(f(&pts[i]));
                }
                evals += n;
            }
        }
    }
    let best = (0..=n).fold(0, |b, i| if val[i] < val[b] { i } else { b });
    pts[best].clone()
}

/// NaN as +∞, so that a failed evaluation is never chosen.
fn nan_inf(v: f64) -> f64 {
    if v.is_nan() {
        f64::INFINITY
    } else {
        v
    }
}

/// Damped Newton polishing of a minimum of `f` from `x0`: Levenberg-damped Newton steps with a
/// backtracking line search, until the step is below 1e-10 (relative to max(|x|, 1)).
/// Returns the point and the number of iterations, or `None` when 200 iterations do not converge.
pub(super) fn newton(f: &dyn Fn(&[f64]) -> f64, x0: &[f64]) -> Option<(Vec<f64>, usize)> {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut fx = f(&x);
    for it in 1..=200 {
        let g = DVector::from_vec(gradient(f, &x, 1e-5));
        let h = hessian_at(f, &x, 1e-4);
        let mut lambda = 0.0;
        let dir = loop {
            let m = &h + DMatrix::identity(n, n) * lambda;
            match m.clone().cholesky() {
                Some(ch) => break -ch.solve(&g),
                None => {
                    lambda = if lambda == 0.0 {
                        1e-6 * h.norm().max(1.0)
                    } else {
                        lambda * 10.0
                    }
                }
            }
            if lambda > 1e12 {
                return None;
            }
        };
        let mut t = 1.0;
        let mut next = None;
        while t > 1e-10 {
            let xn: Vec<f64> = (0..n).map(|i| x[i] + t * dir[i]).collect();
            let fnew = f(&xn);
            if fnew.is_finite() && fnew <= fx + 1e-12 * fx.abs().max(1.0) {
                next = Some((xn, fnew));
                break;
            }
            t *= 0.5;
        }
        let small = (0..n).all(|i| (t * dir[i]).abs() <= 1e-10 * x[i].abs().max(1.0));
        match next {
            Some((xn, fnew)) => {
                x = xn;
                fx = fnew;
            }
            None => return if small { Some((x, it)) } else { None },
        }
        if small {
            return Some((x, it));
        }
    }
    None
}
