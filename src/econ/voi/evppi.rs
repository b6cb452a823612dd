//! Expected value of partial perfect information from PSA draws and their parameters, by the
//! methods of R's voi: GAM regression (the default), Strong–Oakley blocks and Sadatsafavi
//! segments.
//!
//! # Formula
//! Net benefit `NB_ds = λ·effect_ds − cost_ds`. Regression: for each strategy `s` other than the
//! first (voi's reference), the incremental net benefit `NB_ds − NB_d1` is regressed on the
//! parameters θ, giving fitted values `f_ds` (`f_d1 = 0`), and
//! `EVPPI = (1/n) Σ_d max_s f_ds − max_s (1/n) Σ_d f_ds` (voi's `calc_evppi`). The regression is
//! done at each willingness to pay, as voi does for net-benefit input (voi's
//! cost-effectiveness input regresses costs and effects separately instead).

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::gam::GamDesign;
use super::params::Parameters;
use super::records::{Evppi, EvppiMethod};
use super::sadatsafavi::evppi_sal;
use super::strong_oakley::evppi_so;
use crate::econ::draws::DrawsAnalysis;
use crate::error::{Error, Result, Setting};

/// Which EVPPIs to compute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvppiOptions {
    /// Parameter groups: one EVPPI per group (a single parameter is a group of one).
    pub groups: Vec<Vec<String>>,
    /// The method.
    pub method: EvppiMethod,
    /// Strong–Oakley: the number of blocks (must divide the number of draws).
    pub blocks: Option<usize>,
    /// GAM: coefficient draws for the standard error (0: none; voi's `B`, default 1000 there).
    pub se_draws: usize,
    /// Seed of the coefficient draws (ChaCha8, one stream per group and WTP).
    pub seed: u64,
}

impl EvppiOptions {
    /// Checks the options that do not depend on the data.
    ///
    /// # Errors
    /// [`Error::Setting`] for an empty group, Strong–Oakley without blocks, or a group of
    /// several parameters for Strong–Oakley or Sadatsafavi (single-parameter methods).
    pub fn validate(&self) -> Result<()> {
        for g in &self.groups {
            if g.is_empty() || g.iter().any(|p| p.trim().is_empty()) {
                return Err(Error::setting(
                    Setting::Voi,
                    "an EVPPI group names no parameter",
                ));
            }
            if g.len() > 1 && self.method != EvppiMethod::Gam {
                return Err(Error::setting(
                    Setting::Voi,
                    format!(
                        "the {} method works for one parameter at a time, not the group {}: use gam",
                        method_name(self.method),
                        g.join(",")
                    ),
                ));
            }
        }
        if self.method == EvppiMethod::StrongOakley && self.blocks.is_none() {
            return Err(Error::setting(
                Setting::Voi,
                "Strong-Oakley EVPPI needs the number of blocks (e.g. 20 or 40)",
            ));
        }
        Ok(())
    }
}

fn method_name(m: EvppiMethod) -> &'static str {
    match m {
        EvppiMethod::Gam => "GAM",
        EvppiMethod::StrongOakley => "Strong-Oakley",
        EvppiMethod::Sadatsafavi => "Sadatsafavi",
    }
}

/// Net benefit at willingness to pay `l` (draws × strategies).
pub(crate) fn net_benefit(cost: &Array2<f64>, effect: &Array2<f64>, l: f64) -> Array2<f64> {
    effect.mapv(|e| l * e) - cost
}

/// voi's `calc_evppi` for fitted incremental net benefits (`fits[s][d]`, strategies 2…, the
/// first strategy's column being 0).
pub(crate) fn evppi_from_fitted(fits: &[Vec<f64>]) -> f64 {
    let n = fits.first().map_or(0, Vec::len);
    if n == 0 {
        return 0.0;
    }
    let nf = n as f64;
    let mut mean_max = 0.0;
    for d in 0..n {
        mean_max += fits.iter().map(|f| f[d]).fold(0.0, f64::max);
    }
    let max_mean = fits
        .iter()
        .map(|f| f.iter().sum::<f64>() / nf)
        .fold(0.0, f64::max);
    mean_max / nf - max_mean
}

/// EVPPI by GAM of incremental net benefits (against the first strategy) on a design.
pub(crate) fn gam_evppi(design: &GamDesign, nb: &Array2<f64>) -> Result<f64> {
    Ok(gam_evppi_se(design, nb, 0, None)?.0)
}

/// EVPPI by GAM and, with `draws` > 0 and a random stream, its standard error over draws of
/// the regression coefficients from their posterior (voi's `evppi(..., se = TRUE, B)`).
fn gam_evppi_se(
    design: &GamDesign,
    nb: &Array2<f64>,
    draws: usize,
    rng: Option<&mut ChaCha8Rng>,
) -> Result<(f64, Option<f64>)> {
    let fits = (1..nb.ncols())
        .map(|s| {
            let y: Vec<f64> = nb.rows().into_iter().map(|r| r[s] - r[0]).collect();
            design.fit(&y)
        })
        .collect::<Result<Vec<_>>>()?;
    let fitted: Vec<Vec<f64>> = fits.iter().map(|f| f.fitted.clone()).collect();
    let value = evppi_from_fitted(&fitted);
    let Some(rng) = rng.filter(|_| draws > 1) else {
        return Ok((value, None));
    };
    let reps: Vec<f64> = (0..draws)
        .map(|_| {
            let f: Vec<Vec<f64>> = fits.iter().map(|g| design.replicate(g, rng)).collect();
            evppi_from_fitted(&f)
        })
        .collect();
    let mean = reps.iter().sum::<f64>() / draws as f64;
    let var = reps.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (draws - 1) as f64;
    Ok((value, Some(var.sqrt())))
}

/// The group's columns, without parameters that are constant over the draws (their EVPPI is 0,
/// as voi drops them).
fn varying<'a>(params: &'a Parameters, group: &[String]) -> Result<Vec<(&'a str, &'a [f64])>> {
    let mut out = Vec::new();
    for name in group {
        let c = params.column(name)?;
        let first = c.first().copied().unwrap_or(0.0);
        if c.iter().any(|&v| v != first) {
            let i = params.names().iter().position(|n| n == name).unwrap_or(0);
            out.push((params.names()[i].as_str(), c));
        }
    }
    Ok(out)
}

/// EVPPI of every group at every willingness to pay: `out[w][g]`.
///
/// # Errors
/// Unknown parameters, parameters and draws that disagree in number, a Strong–Oakley block count
/// that does not divide the draws, and GAM designs that cannot be fitted (too few distinct
/// values, more than four parameters).
pub fn evppi(
    cost: &Array2<f64>,
    effect: &Array2<f64>,
    params: &Parameters,
    wtp: &[f64],
    opts: &EvppiOptions,
) -> Result<Vec<Vec<Evppi>>> {
    opts.validate()?;
    Error::check_len("parameter draws", cost.nrows(), params.draws())?;
    let mut out: Vec<Vec<Evppi>> = vec![Vec::with_capacity(opts.groups.len()); wtp.len()];
    for group in &opts.groups {
        let cols = varying(params, group)?;
        let gi = out[0].len() as u64;
        let values: Vec<(f64, Option<f64>)> = if cols.is_empty() {
            vec![(0.0, None); wtp.len()]
        } else {
            match opts.method {
                EvppiMethod::Gam => {
                    let design = GamDesign::new(&cols)?;
                    wtp.par_iter()
                        .enumerate()
                        .map(|(w, &l)| {
                            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
                            rng.set_stream(gi * wtp.len() as u64 + w as u64);
                            let nb = net_benefit(cost, effect, l);
                            gam_evppi_se(&design, &nb, opts.se_draws, Some(&mut rng))
                        })
                        .collect::<Result<_>>()?
                }
                EvppiMethod::StrongOakley => {
                    let b = opts.blocks.unwrap_or(0);
                    wtp.iter()
                        .map(|&l| {
                            Ok((evppi_so(&net_benefit(cost, effect, l), cols[0].1, b)?, None))
                        })
                        .collect::<Result<_>>()?
                }
                EvppiMethod::Sadatsafavi => wtp
                    .iter()
                    .map(|&l| (evppi_sal(&net_benefit(cost, effect, l), cols[0].1), None))
                    .collect(),
            }
        };
        for (w, (v, se)) in values.into_iter().enumerate() {
            out[w].push(Evppi {
                parameters: group.clone(),
                method: opts.method,
                blocks: (opts.method == EvppiMethod::StrongOakley)
                    .then_some(opts.blocks.unwrap_or(0)),
                evppi: v,
                se,
                population_evppi: None,
            });
        }
    }
    Ok(out)
}

/// Computes the EVPPIs of `opts` and appends them to each `by_wtp` entry of a PSA analysis.
///
/// # Errors
/// As [`evppi`].
pub fn add_evppi(
    analysis: &mut DrawsAnalysis,
    cost: &Array2<f64>,
    effect: &Array2<f64>,
    params: &Parameters,
    opts: &EvppiOptions,
) -> Result<()> {
    let wtp: Vec<f64> = analysis.by_wtp.iter().map(|w| w.wtp).collect();
    let values = evppi(cost, effect, params, &wtp, opts)?;
    for (w, v) in analysis.by_wtp.iter_mut().zip(values) {
        w.evppi.extend(v);
    }
    Ok(())
}
