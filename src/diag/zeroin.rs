//! R's `uniroot` root finder (Brent's zeroin, R's `R_zeroin2`), for the fail-safe N that metafor
//! finds with `uniroot` on a step function of N: only the same iterates give the same N.

/// The root of `f` in `[a, b]` given `fa = f(a)`, `fb = f(b)` of opposite signs, to `tol`, in at
/// most `max_iter` steps (R `uniroot(f, c(a, b), tol = tol, maxiter = max_iter)$root`).
pub(crate) fn zeroin(
    f: impl Fn(f64) -> f64,
    (mut a, mut b): (f64, f64),
    (mut fa, mut fb): (f64, f64),
    tol: f64,
    max_iter: usize,
) -> f64 {
    let (mut c, mut fc) = (a, fa);
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    for _ in 0..=max_iter {
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * f64::EPSILON * b.abs() + tol / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || fb == 0.0 {
            return b;
        }
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                let (qq, t1, t2) = (fa / fc, fb / fc, fb / fa);
                p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0));
                q = (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < 0.75 * cb * q - (tol_act * q).abs() / 2.0 && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b);
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_smooth_root() {
        let f = |x: f64| x * x - 2.0;
        let r = zeroin(f, (0.0, 2.0), (f(0.0), f(2.0)), 1e-12, 1000);
        assert!((r - 2f64.sqrt()).abs() < 1e-11);
    }
}
