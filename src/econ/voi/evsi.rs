//! Expected value of sample information for voi's built-in study designs, from PSA draws and
//! their parameters: by regression on simulated study data (Strong et al. 2015, voi's default)
//! or by moment matching (Heath et al. 2018).
//!
//! # Designs (voi's `study =`)
//! * `binary` (one parameter p): `X1 ~ Binomial(n, p)`.
//! * `trial-binary` (p1, p2; `n` per arm): `X1 ~ Binomial(n, p1)`, `X2 ~ Binomial(n, p2)`.
//! * `normal-known` (mean μ; individual SD σ, default 1): `X1 ~ Normal(μ, σ/√n)`.
//!
//! # Formula
//! Regression: one data set is simulated per PSA draw from that draw's parameters; the
//! incremental net benefits are regressed on `X1[, X2]` by the GAM of EVPPI and
//! `EVSI = (1/n) Σ_d max_s f_ds − max_s (1/n) Σ_d f_ds`.
//!
//! Moment matching: with `f` the EVPPI fit on the study's parameters, `Q` parameter points are
//! taken at the quantiles `1/(Q+1), …, Q/(Q+1)` of each parameter (randomly paired, as voi), one
//! study of size `n` is simulated at each, and the posterior variance of `f` given that study is
//! computed; the preposterior variance is `Var(f) − mean_q Var(f | X_q)` and the EVPPI fit,
//! shrunk about its mean by the matrix ratio of standard deviations, gives the EVSI. voi
//! obtains `Var(· | X_q)` by re-running the decision model on posterior draws; peerstat has no
//! model to run, so it reweights the PSA draws by the likelihood of `X_q` (their prior is the
//! PSA distribution) — the same quantity when the EVPPI regression holds.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Normal};
use rayon::prelude::*;
use serde::Serialize;

use super::evppi::{gam_evppi, net_benefit};
use super::gam::GamDesign;
use super::params::Parameters;
use super::records::{Evsi, EvsiMethod};
use crate::econ::draws::DrawsAnalysis;
use crate::error::{Error, Result, Setting};

/// A built-in study design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// A single-arm study of a binary outcome (one probability).
    Binary,
    /// A two-arm trial of a binary outcome, `n` per arm (two probabilities).
    TrialBinary,
    /// A study of a normal outcome with known SD (one mean).
    NormalKnown,
}

impl Design {
    /// The design's name (`binary`, `trial-binary`, `normal-known`).
    pub fn name(self) -> &'static str {
        match self {
            Design::Binary => "binary",
            Design::TrialBinary => "trial-binary",
            Design::NormalKnown => "normal-known",
        }
    }

    fn parameters(self) -> usize {
        match self {
            Design::TrialBinary => 2,
            _ => 1,
        }
    }

    /// People studied by the design named `name` at size `n` (`2n` for `trial-binary`).
    pub fn people_of(name: &str, n: u64) -> f64 {
        if name == Design::TrialBinary.name() {
            2.0 * n as f64
        } else {
            n as f64
        }
    }

    /// People studied for a size `n` (`2n` for a two-arm trial).
    pub fn people(self, n: u64) -> f64 {
        match self {
            Design::TrialBinary => 2.0 * n as f64,
            _ => n as f64,
        }
    }
}

/// A proposed study: a design and the parameters it informs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Study {
    /// The design.
    pub design: Design,
    /// The parameters, as many as the design needs.
    pub parameters: Vec<String>,
}

impl Study {
    /// Parses `DESIGN:PARAM[,PARAM]`, e.g. `trial-binary:p1,p2`.
    ///
    /// # Errors
    /// [`Error::Setting`] for an unknown design or the wrong number of parameters.
    pub fn parse(s: &str) -> Result<Study> {
        let bad = |m: String| Error::setting(Setting::Voi, m);
        let (d, p) = s
            .split_once(':')
            .ok_or_else(|| bad(format!("a study is DESIGN:PARAM[,PARAM], got '{s}'")))?;
        let design = match d.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "binary" => Design::Binary,
            "trial-binary" => Design::TrialBinary,
            "normal-known" => Design::NormalKnown,
            _ => {
                return Err(bad(format!(
                    "unknown study design '{d}': choose binary, trial-binary or normal-known"
                )))
            }
        };
        let parameters: Vec<String> = p.split(',').map(|x| x.trim().to_string()).collect();
        if parameters.len() != design.parameters() || parameters.iter().any(String::is_empty) {
            return Err(bad(format!(
                "design {} needs {} parameter(s), got '{p}'",
                design.name(),
                design.parameters()
            )));
        }
        Ok(Study { design, parameters })
    }
}

/// Which EVSIs to compute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvsiOptions {
    /// The proposed studies (one EVSI per study and sample size).
    pub studies: Vec<Study>,
    /// Sample sizes (per arm for `trial-binary`).
    pub n: Vec<u64>,
    /// The method.
    pub method: EvsiMethod,
    /// `normal-known`: the SD of one observation (voi's default 1).
    pub sd: f64,
    /// Moment matching: the number of parameter points (voi's default 50).
    pub q: usize,
    /// Seed of the simulated studies (ChaCha8, one stream per study and size).
    pub seed: u64,
}

impl EvsiOptions {
    /// Checks the options that do not depend on the data.
    ///
    /// # Errors
    /// [`Error::Setting`] for no sample sizes, a size of 0, an SD that is not positive, or
    /// fewer than 5 moment-matching points.
    pub fn validate(&self) -> Result<()> {
        if self.n.is_empty() || self.n.contains(&0) {
            return Err(Error::setting(
                Setting::Voi,
                "EVSI needs sample sizes of 1 or more",
            ));
        }
        if !(self.sd.is_finite() && self.sd > 0.0) {
            return Err(Error::setting(
                Setting::Voi,
                "the normal-known SD must be positive",
            ));
        }
        if self.method == EvsiMethod::MomentMatching && self.q < 5 {
            return Err(Error::setting(
                Setting::Voi,
                "moment matching needs at least 5 points",
            ));
        }
        Ok(())
    }
}

/// The parameter columns of a study, probabilities checked to lie in [0, 1].
fn study_columns<'a>(params: &'a Parameters, study: &Study) -> Result<Vec<&'a [f64]>> {
    let mut out = Vec::new();
    for p in &study.parameters {
        let c = params.column(p)?;
        if study.design != Design::NormalKnown && c.iter().any(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::input(
                format!("parameter '{p}'"),
                format!(
                    "is a probability for design {}, but has values outside [0, 1]",
                    study.design.name()
                ),
            ));
        }
        out.push(c);
    }
    Ok(out)
}

/// One study's data at parameter values `theta[j]` (one value per parameter).
fn simulate_one(design: Design, theta: &[f64], n: u64, sd: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    match design {
        Design::NormalKnown => {
            let s = sd / (n as f64).sqrt();
            vec![Normal::new(theta[0], s).map_or(theta[0], |d| d.sample(rng))]
        }
        _ => theta
            .iter()
            .map(|&p| Binomial::new(n, p).map_or(0.0, |d| d.sample(rng) as f64))
            .collect(),
    }
}

/// Log-likelihood of data `x` at parameters `theta` (constants dropped).
fn loglik(design: Design, x: &[f64], theta: &[f64], n: u64, sd: f64) -> f64 {
    match design {
        Design::NormalKnown => {
            let v = sd * sd / n as f64;
            -(x[0] - theta[0]).powi(2) / (2.0 * v)
        }
        _ => x
            .iter()
            .zip(theta)
            .map(|(&k, &p)| {
                let a = if k > 0.0 { k * p.ln() } else { 0.0 };
                let b = if k < n as f64 {
                    (n as f64 - k) * (1.0 - p).ln()
                } else {
                    0.0
                };
                a + b
            })
            .sum(),
    }
}

/// The PSA: costs and effects (draws × strategies) and the willingness-to-pay values.
struct Psa<'a> {
    cost: &'a Array2<f64>,
    effect: &'a Array2<f64>,
    wtp: &'a [f64],
}

/// One study at one size: its parameter columns and the random stream of its simulations.
struct Case<'a> {
    cols: &'a [&'a [f64]],
    study: &'a Study,
    n: u64,
    stream: u64,
}

fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// EVSI by regression at every WTP for one study and size.
fn regression(psa: &Psa, case: &Case, opts: &EvsiOptions) -> Result<Vec<f64>> {
    let (cost, effect, wtp) = (psa.cost, psa.effect, psa.wtp);
    let (cols, study, n, stream) = (case.cols, case.study, case.n, case.stream);
    let mut rng = rng_for(opts.seed, stream);
    let nd = cols[0].len();
    let mut data = vec![Vec::with_capacity(nd); cols.len()];
    let mut theta = vec![0.0; cols.len()];
    for d in 0..nd {
        for (j, c) in cols.iter().enumerate() {
            theta[j] = c[d];
        }
        for (j, x) in simulate_one(study.design, &theta, n, opts.sd, &mut rng)
            .into_iter()
            .enumerate()
        {
            data[j].push(x);
        }
    }
    let named: Vec<(&str, &[f64])> = data
        .iter()
        .enumerate()
        .map(|(j, x)| (if j == 0 { "X1" } else { "X2" }, x.as_slice()))
        .collect();
    let design = GamDesign::new(&named)?;
    wtp.par_iter()
        .map(|&l| gam_evppi(&design, &net_benefit(cost, effect, l)))
        .collect()
}

/// The `Q` parameter points of moment matching: quantiles `q/(Q+1)` (R type 4) of each
/// parameter, each column shuffled (voi's `mm_gen_quantiles`).
fn quantile_points(cols: &[&[f64]], q: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let mut per: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let mut s = c.to_vec();
            s.sort_by(f64::total_cmp);
            let n = s.len();
            let mut v: Vec<f64> = (1..=q)
                .map(|i| {
                    // type 4: linear interpolation of the empirical CDF, h = n p
                    let h = n as f64 * i as f64 / (q + 1) as f64;
                    let lo = h.floor() as usize;
                    let frac = h - lo as f64;
                    let a = s[lo.clamp(1, n) - 1];
                    let b = s[(lo + 1).clamp(1, n) - 1];
                    a + frac * (b - a)
                })
                .collect();
            v.shuffle(rng);
            v
        })
        .collect();
    (0..q)
        .map(|i| per.iter_mut().map(|c| c[i]).collect())
        .collect()
}

/// Covariance matrix (ncomp × ncomp) of the columns of `f` with weights `w` (summing to 1).
fn weighted_cov(f: &[Vec<f64>], w: &[f64]) -> DMatrix<f64> {
    let m = f.len();
    let mean: Vec<f64> = f
        .iter()
        .map(|c| c.iter().zip(w).map(|(a, b)| a * b).sum())
        .collect();
    DMatrix::from_fn(m, m, |a, b| {
        f[a].iter()
            .zip(&f[b])
            .zip(w)
            .map(|((x, y), wi)| wi * (x - mean[a]) * (y - mean[b]))
            .sum()
    })
}

/// Symmetric square root (negative eigenvalues set to 0), or its inverse.
fn sqrt_sym(m: &DMatrix<f64>, inverse: bool) -> DMatrix<f64> {
    let e = SymmetricEigen::new(m.clone());
    let d = e.eigenvalues.map(|l| {
        let s = l.max(0.0).sqrt();
        if inverse {
            if s > 0.0 {
                1.0 / s
            } else {
                0.0
            }
        } else {
            s
        }
    });
    &e.eigenvectors * DMatrix::from_diagonal(&d) * e.eigenvectors.transpose()
}

/// EVSI by moment matching at every WTP for one study and size.
fn moment_matching(psa: &Psa, case: &Case, opts: &EvsiOptions) -> Result<Vec<f64>> {
    let (cost, effect, wtp) = (psa.cost, psa.effect, psa.wtp);
    let (cols, study, n, stream) = (case.cols, case.study, case.n, case.stream);
    let mut rng = rng_for(opts.seed, stream);
    let nd = cols[0].len();
    // posterior weights of the PSA draws given each simulated study (independent of WTP)
    let points = quantile_points(cols, opts.q, &mut rng);
    let mut weights = Vec::with_capacity(points.len());
    for theta in &points {
        let x = simulate_one(study.design, theta, n, opts.sd, &mut rng);
        let ll: Vec<f64> = (0..nd)
            .map(|d| {
                let th: Vec<f64> = cols.iter().map(|c| c[d]).collect();
                loglik(study.design, &x, &th, n, opts.sd)
            })
            .collect();
        let top = ll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = ll.iter().map(|l| (l - top).exp()).collect();
        let s: f64 = w.iter().sum();
        weights.push(w.into_iter().map(|v| v / s).collect::<Vec<f64>>());
    }
    let names: Vec<(&str, &[f64])> = study
        .parameters
        .iter()
        .zip(cols)
        .map(|(p, c)| (p.as_str(), *c))
        .collect();
    let design = GamDesign::new(&names)?;
    let uniform = vec![1.0 / nd as f64; nd];
    wtp.par_iter()
        .map(|&l| {
            let nb = net_benefit(cost, effect, l);
            let fits = (1..nb.ncols())
                .map(|s| {
                    let y: Vec<f64> = nb.rows().into_iter().map(|r| r[s] - r[0]).collect();
                    design.fit(&y).map(|f| f.fitted)
                })
                .collect::<Result<Vec<_>>>()?;
            let var_fit = weighted_cov(&fits, &uniform);
            let mut post = DMatrix::zeros(fits.len(), fits.len());
            for w in &weights {
                post += weighted_cov(&fits, w);
            }
            post /= weights.len() as f64;
            let prep = &var_fit - post;
            let shrink = sqrt_sym(&var_fit, true) * sqrt_sym(&prep, false);
            let mean: Vec<f64> = fits
                .iter()
                .map(|c| c.iter().sum::<f64>() / nd as f64)
                .collect();
            let m = fits.len();
            let rescaled: Vec<Vec<f64>> = (0..m)
                .map(|b| {
                    (0..nd)
                        .map(|d| {
                            mean[b]
                                + (0..m)
                                    .map(|a| (fits[a][d] - mean[a]) * shrink[(a, b)])
                                    .sum::<f64>()
                        })
                        .collect()
                })
                .collect();
            Ok(super::evppi::evppi_from_fitted(&rescaled))
        })
        .collect()
}

/// EVSI of every study and size at every WTP: `out[w]` lists studies in order, each with its
/// sizes in order.
///
/// # Errors
/// Unknown parameters, probabilities outside [0, 1], simulated data with too few distinct
/// values for the regression, and the option errors of [`EvsiOptions::validate`].
pub fn evsi(
    cost: &Array2<f64>,
    effect: &Array2<f64>,
    params: &Parameters,
    wtp: &[f64],
    opts: &EvsiOptions,
) -> Result<Vec<Vec<Evsi>>> {
    opts.validate()?;
    Error::check_len("parameter draws", cost.nrows(), params.draws())?;
    let mut out: Vec<Vec<Evsi>> = vec![Vec::new(); wtp.len()];
    for (si, study) in opts.studies.iter().enumerate() {
        let cols = study_columns(params, study)?;
        for (ni, &n) in opts.n.iter().enumerate() {
            let stream = (si * opts.n.len() + ni) as u64;
            let psa = Psa { cost, effect, wtp };
            let case = Case {
                cols: &cols,
                study,
                n,
                stream,
            };
            let values = match opts.method {
                EvsiMethod::Regression => regression(&psa, &case, opts)?,
                EvsiMethod::MomentMatching => moment_matching(&psa, &case, opts)?,
            };
            for (w, v) in values.into_iter().enumerate() {
                out[w].push(Evsi {
                    design: study.design.name().to_string(),
                    n,
                    parameters: study.parameters.clone(),
                    method: opts.method,
                    evsi: v,
                    population_evsi: None,
                    study_cost: None,
                    enbs: None,
                    optimal: None,
                });
            }
        }
    }
    Ok(out)
}

/// Computes the EVSIs of `opts` and appends them to each `by_wtp` entry of a PSA analysis.
///
/// # Errors
/// As [`evsi`].
pub fn add_evsi(
    analysis: &mut DrawsAnalysis,
    cost: &Array2<f64>,
    effect: &Array2<f64>,
    params: &Parameters,
    opts: &EvsiOptions,
) -> Result<()> {
    let wtp: Vec<f64> = analysis.by_wtp.iter().map(|w| w.wtp).collect();
    let values = evsi(cost, effect, params, &wtp, opts)?;
    for (w, v) in analysis.by_wtp.iter_mut().zip(values) {
        w.evsi.extend(v);
    }
    Ok(())
}
