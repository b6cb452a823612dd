//! Adaptive Gauss–Kronrod (10/21-point) quadrature on a finite interval, as QUADPACK's
//! `qag` with the 21-point rule: the interval with the largest error estimate is bisected until
//! the summed error estimate is below the tolerance.

/// Abscissae of the 21-point Kronrod rule on [−1, 1] (non-negative half, descending); the odd
/// entries (1, 3, …, 9) are the 10-point Gauss nodes. QUADPACK `qk21`.
#[allow(clippy::excessive_precision)] // QUADPACK's published digits
const XGK: [f64; 11] = [
    0.995_657_163_025_808_080_735_527_280_689,
    0.973_906_528_517_171_720_077_964_012_084,
    0.930_157_491_355_708_226_001_207_180_060,
    0.865_063_366_688_984_510_732_096_688_423,
    0.780_817_726_586_416_897_063_717_578_345,
    0.679_409_568_299_024_406_234_327_365_115,
    0.562_757_134_668_604_683_339_000_099_273,
    0.433_395_394_129_247_190_799_265_943_166,
    0.294_392_862_701_460_198_131_126_603_104,
    0.148_874_338_981_631_210_884_826_001_130,
    0.0,
];

/// Weights of the 21-point Kronrod rule, matching [`XGK`].
#[allow(clippy::excessive_precision)] // QUADPACK's published digits
const WGK: [f64; 11] = [
    0.011_694_638_867_371_874_278_064_396_062,
    0.032_558_162_307_964_727_478_818_972_459,
    0.054_755_896_574_351_996_031_381_300_245,
    0.075_039_674_810_919_952_767_043_140_916,
    0.093_125_454_583_697_605_535_065_465_083,
    0.109_387_158_802_297_641_899_210_590_326,
    0.123_491_976_262_065_851_077_958_109_831,
    0.134_709_217_311_473_325_928_054_001_772,
    0.142_775_938_577_060_080_797_094_273_139,
    0.147_739_104_901_338_491_374_841_515_972,
    0.149_445_554_002_916_905_664_936_468_390,
];

/// Weights of the 10-point Gauss rule at `XGK[1], XGK[3], …, XGK[9]`.
#[allow(clippy::excessive_precision)] // QUADPACK's published digits
const WG: [f64; 5] = [
    0.066_671_344_308_688_137_593_568_809_893,
    0.149_451_349_150_580_593_145_776_339_658,
    0.219_086_362_515_982_043_995_534_934_228,
    0.269_266_719_309_996_355_091_226_921_569,
    0.295_524_224_714_752_870_173_892_994_651,
];

/// The 21-point Kronrod estimate of ∫ₐᵇ f and its error estimate |K21 − G10|.
fn gk21(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = WGK[10] * fc;
    let mut g = 0.0;
    for j in 0..10 {
        let x = h * XGK[j];
        let s = f(c - x) + f(c + x);
        k += WGK[j] * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// ∫ f over the pieces between consecutive `points` (sorted, finite), adaptively to a relative
/// error `rel_tol` of the total (or an absolute error below 1e-300). Returns the integral and
/// whether the tolerance was met within 4000 subdivisions.
pub(super) fn integrate(f: &impl Fn(f64) -> f64, points: &[f64], rel_tol: f64) -> (f64, bool) {
    let mut parts: Vec<(f64, f64, f64, f64)> = points
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let (v, e) = gk21(f, w[0], w[1]);
            (w[0], w[1], v, e)
        })
        .collect();
    for _ in 0..4000 {
        let total: f64 = parts.iter().map(|p| p.2).sum();
        let err: f64 = parts.iter().map(|p| p.3).sum();
        if err <= rel_tol * total.abs() || err < 1e-300 {
            return (total, true);
        }
        let (i, _) = parts
            .iter()
            .enumerate()
            .fold((0, -1.0), |b, (i, p)| if p.3 > b.1 { (i, p.3) } else { b });
        let (a, b, _, _) = parts[i];
        let m = 0.5 * (a + b);
        if !(m > a && m < b) {
            break;
        }
        let (v1, e1) = gk21(f, a, m);
        let (v2, e2) = gk21(f, m, b);
        parts[i] = (a, m, v1, e1);
        parts.push((m, b, v2, e2));
    }
    (parts.iter().map(|p| p.2).sum(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_density_integrates_to_one() {
        let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let (v, ok) = integrate(&phi, &[-40.0, 0.0, 40.0], 1e-14);
        assert!(ok);
        assert!((v - 1.0).abs() < 1e-14, "{v}");
        // ∫₀¹ x^20 = 1/21 (beyond the rule's exactness: bisected)
        let (v, ok) = integrate(&|x: f64| x.powi(40), &[0.0, 1.0], 1e-14);
        assert!(ok && (v - 1.0 / 41.0).abs() < 1e-15, "{v}");
    }
}
