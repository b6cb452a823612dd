//! Fitting a multilevel model: checks, Fisher scoring of the variance components, inference on
//! the coefficients, fit statistics and the working model.

use nalgebra::{DMatrix, DVector};

use super::structure::StructuredTerm;
use super::{
    dfs, inference, kernel, levels, predict, profile, Marginal, MultilevelData, MultilevelDfs,
    MultilevelFit, MultilevelMethod, MultilevelModel, MultilevelTest, StructFit,
};
use crate::dist;
use crate::error::{Error, Setting};
use crate::model::vcalc::SamplingCovariance;

impl MultilevelModel {
    /// [`MultilevelModel::fit`] with the factors named (outermost first) in results and errors,
    /// an optional block-diagonal sampling covariance (its diagonal is `v`) and an optional
    /// structured term.
    pub(super) fn fit_full(
        &self,
        data: MultilevelData<'_>,
        term: Option<&StructuredTerm>,
        factors: &[String],
    ) -> Result<MultilevelFit, Error> {
        let (y, v, x, levels) = (data.y, data.v, data.x, data.levels);
        let k = y.len();
        let p = x.ncols();
        let held = self.check(data, term)?;
        let nl = levels.len();
        let (codes, nlevels, factors) = levels::nested(levels, factors, &held.held[..nl])?;
        let dense = dense_cov(data.cov, term, &codes, &factors, k)?;
        let split = kernel::split_codes(k, codes.first(), dense, term.map(|t| t.outer.as_slice()));
        kernel::check_block_sizes(&split, self.max_block, dense.or(data.cov), factors.first())?;
        let blocks = kernel::Blocks::new(y, v, x, &codes, dense, term);
        let scale = v.iter().sum::<f64>() / k as f64;
        let fe = fixed_effects(&blocks, dense.is_some(), y, v, x)?;
        let df_e = k - p;
        let vt = df_e as f64 / fe.trp0;
        let start = self.start(&held, &fe, df_e, scale, term.is_some());
        let reml = self.method == MultilevelMethod::Reml;
        let sc = self
            .scoring(&blocks, &start, &held.held, scale)
            .map_err(|e| scoring_error(e, &factors, term, &blocks))?;
        let ev = &sc.eval;
        let (test, ddf) = self.coefficient_dfs(x, &codes, &nlevels, df_e);
        let tests = inference::tests(&ev.beta, &ev.vb, data.names, ddf.as_deref(), self.level)
            .ok_or_else(singular)?;
        let df = ddf.as_ref().and_then(|d| d.first().copied());
        let stats = fit_stats(&FitCounts {
            ll: ev.ll,
            parms: (p + held.held.iter().filter(|h| !**h).count()) as f64,
            k,
            df_e,
            reml,
            logdet_v: fe.logdet_v,
            v,
        });
        let (s2, spar) = sc.s2.split_at(nl);
        let total: f64 = s2.iter().sum();
        let first = tests
            .coefficients
            .first()
            .map(|c| c.est)
            .unwrap_or_default();
        let (cis, capped) = self
            .profile
            .then(|| self.profile_intervals(&blocks, &sc, &held.held, reml, scale))
            .unzip();
        let extra = new_study_extra(term, held.tau2.len(), spar);
        let crit = predict::critical(self.level, df);
        let pi = extra
            .filter(|_| p == 1)
            .map(|e| predict::interval(&first, s2, e, crit));
        let prediction = self.predict_newmods(ev, total, extra, ddf.as_deref())?;
        let structured =
            term.map(|t| struct_fit(t, spar, &held.held[nl..], cis.as_ref().map(|c| &c[nl..])));
        Ok(MultilevelFit {
            method: self.method,
            test,
            dfs: self.dfs,
            k,
            p,
            first,
            df,
            coefficients: tests.coefficients,
            i2_levels: s2.iter().map(|s| 100.0 * (s / (total + vt))).collect(),
            sigma2: s2.to_vec(),
            sigma2_ci: cis.as_ref().map(|c| c[..nl].to_vec()),
            sigma2_ci_capped: capped.as_ref().map(|c| c[..nl].to_vec()),
            sigma2_fixed: held.held[..nl].to_vec(),
            sigma2_levels: nlevels,
            structured,
            factors,
            loglik: ev.ll,
            deviance: stats.deviance,
            aic: stats.aic,
            bic: stats.bic,
            aicc: stats.aicc,
            qe: fe.qe,
            qe_df: df_e,
            qe_p: dist::chi2_sf(fe.qe, df_e as f64),
            qm: tests.qm,
            qm_df: tests.qm_df,
            qm_df2: tests.qm_df2,
            qm_p: tests.qm_p,
            vt,
            pi_lower: pi.map(|p| p.0),
            pi_upper: pi.map(|p| p.1),
            prediction,
            iterations: sc.iterations,
            vb: ev.vb.clone(),
            working: working_model(data, &ev.beta, codes, sc.s2.clone(), dense, term),
        })
    }

    /// Fisher scoring of the variance components from `start`, with `held` parameters fixed.
    fn scoring(
        &self,
        blocks: &kernel::Blocks,
        start: &[f64],
        held: &[bool],
        scale: f64,
    ) -> Result<kernel::Scoring, Option<(usize, Vec<f64>)>> {
        kernel::fisher_scoring(
            blocks,
            start,
            held,
            self.method == MultilevelMethod::Reml,
            scale,
            self.threshold,
            self.max_iter,
        )
    }

    /// Profile-likelihood intervals of the variance components at the scoring estimates `sc`.
    fn profile_intervals(
        &self,
        blocks: &kernel::Blocks,
        sc: &kernel::Scoring,
        held: &[bool],
        reml: bool,
        scale: f64,
    ) -> (Vec<[f64; 2]>, Vec<[bool; 2]>) {
        let prof = profile::Profile {
            blocks,
            s2: &sc.s2,
            held,
            ll_max: sc.eval.ll,
            reml,
            scale,
            threshold: self.threshold,
            max_iter: self.max_iter,
            warm: std::cell::RefCell::new(sc.s2.clone()),
        };
        prof.intervals(self.level).into_iter().unzip()
    }

    /// The predictions at the `newmods` asked for, with a new study's true effect varying by
    /// `total` (Σσ²) plus `extra` (the structured variance; NaN when unknown).
    fn predict_newmods(
        &self,
        ev: &kernel::Eval,
        total: f64,
        extra: Option<f64>,
        ddf: Option<&[f64]>,
    ) -> Result<Option<super::Prediction>, Error> {
        self.newmods
            .as_deref()
            .map(|nm| {
                let tau2 = total + extra.unwrap_or(f64::NAN);
                predict::at(nm, &ev.beta, &ev.vb, tau2, ddf, self.level)
            })
            .transpose()
    }

    /// The test of the coefficients and, for t tests, the df of each coefficient (`df_e`: the
    /// residual df `k − p`).
    fn coefficient_dfs(
        &self,
        x: &DMatrix<f64>,
        codes: &[Vec<usize>],
        nlevels: &[usize],
        df_e: usize,
    ) -> (MultilevelTest, Option<Vec<f64>>) {
        let test = match self.dfs {
            MultilevelDfs::Contain => MultilevelTest::T,
            MultilevelDfs::Residual => self.test,
        };
        let ddf: Option<Vec<f64>> = (test == MultilevelTest::T).then(|| match self.dfs {
            MultilevelDfs::Contain => dfs::contain(x, codes, nlevels),
            MultilevelDfs::Residual => vec![df_e as f64; x.ncols()],
        });
        (test, ddf)
    }

    /// Checks the data and the held values against the model, and returns which parameters are
    /// held.
    fn check(
        &self,
        data: MultilevelData<'_>,
        term: Option<&StructuredTerm>,
    ) -> Result<Held, Error> {
        let MultilevelData {
            y, v, levels, x, ..
        } = data;
        let k = y.len();
        let p = x.ncols();
        if v.len() != k
            || x.nrows() != k
            || levels.iter().any(|l| l.len() != k)
            || term.is_some_and(|t| t.inner.len() != k || t.outer.len() != k)
        {
            return Err(Error::input(
                "multilevel model",
                "effects, variances, level ids and design rows differ in number",
            ));
        }
        if levels.is_empty() && term.is_none() {
            return Err(Error::setting(
                Setting::Random,
                "a multilevel model needs at least one random factor",
            ));
        }
        let nl = levels.len();
        if !self.fixed.is_empty() && self.fixed.len() != nl {
            return Err(Error::setting(
                Setting::FixedSigma2,
                format!(
                    "{} fixed variance components given for {nl} random factors",
                    self.fixed.len()
                ),
            ));
        }
        if self
            .fixed
            .iter()
            .flatten()
            .any(|s| !(s.is_finite() && *s >= 0.0))
        {
            return Err(Error::setting(
                Setting::FixedSigma2,
                "a fixed variance component must be finite and non-negative",
            ));
        }
        let mut held: Vec<bool> = (0..nl)
            .map(|l| matches!(self.fixed.get(l), Some(Some(_))))
            .collect();
        let (nt, nr) = term.map_or((0, 0), |t| (t.n_tau2(), t.n_rho()));
        let tau2 = check_fixed(&self.fixed_tau2, nt, Setting::FixedTau2, 0.0)?;
        let rho = check_fixed(&self.fixed_rho, nr, Setting::FixedRho, -1.0)?;
        held.extend(tau2.iter().chain(&rho).map(Option::is_some));
        for (i, (&yi, &vi)) in y.iter().zip(v).enumerate() {
            if !(yi.is_finite() && vi.is_finite() && vi > 0.0) {
                return Err(Error::input(
                    format!("effect {}", i + 1),
                    "effects must be finite and variances positive",
                ));
            }
        }
        if k <= p {
            return Err(Error::TooFew {
                analysis: "a multilevel model with these moderators".into(),
                needed: p + 1,
                found: k,
                unit: "effects",
                note: String::new(),
            });
        }
        Ok(Held { held, tau2, rho })
    }

    /// The starting values of Fisher scoring: held values where held, otherwise an equal share of
    /// the DerSimonian–Laird-type τ² (at least 1 % of the mean variance), correlations 0.
    fn start(
        &self,
        held: &Held,
        fe: &FixedEffects,
        df_e: usize,
        scale: f64,
        structured: bool,
    ) -> Vec<f64> {
        let nl = held.held.len() - held.tau2.len() - held.rho.len();
        let tau2_dl = ((fe.qe - df_e as f64) / fe.trp0).max(0.0);
        let share = tau2_dl.max(0.01 * scale) / (nl + usize::from(structured)) as f64;
        let mut start: Vec<f64> = (0..nl)
            .map(|l| match self.fixed.get(l) {
                Some(Some(s)) => *s,
                _ => share,
            })
            .collect();
        start.extend(held.tau2.iter().map(|f| f.unwrap_or(share)));
        start.extend(held.rho.iter().map(|f| f.unwrap_or(0.0)));
        start
    }
}

/// Which parameters are held: one flag per parameter (nested variances, then the structured
/// term's τ², then its ρ), with the held values of the structured term.
struct Held {
    held: Vec<bool>,
    tau2: Vec<Option<f64>>,
    rho: Vec<Option<f64>>,
}

/// The fixed-effects model with weights `W = V⁻¹`: QE, `tr(P₀)` and, for a non-diagonal `V`,
/// `ln det V`.
struct FixedEffects {
    qe: f64,
    trp0: f64,
    logdet_v: Option<f64>,
}

/// The working model kept with a fit (for robust inference and prediction): the design, the
/// residuals `y − Xβ`, the factors' codes and the variance components.
fn working_model(
    data: MultilevelData<'_>,
    beta: &DVector<f64>,
    codes: Vec<Vec<usize>>,
    s2: Vec<f64>,
    dense: Option<&SamplingCovariance>,
    term: Option<&StructuredTerm>,
) -> Marginal {
    let MultilevelData { y, v, x, .. } = data;
    let residuals = y
        .iter()
        .zip((x * beta).iter())
        .map(|(y, f)| y - f)
        .collect();
    Marginal::new(
        x.clone(),
        residuals,
        codes,
        s2,
        v.to_vec(),
        dense.cloned(),
        term.cloned(),
    )
}

/// The extra variance of a new study's true effect beyond Σσ²: the structured variance when
/// there is one τ² (`nt`), `None` with several (metafor needs `tau2.levels` then).
fn new_study_extra(term: Option<&StructuredTerm>, nt: usize, spar: &[f64]) -> Option<f64> {
    match term {
        Some(_) if nt == 1 => Some(spar[0]),
        Some(_) => None,
        None => Some(0.0),
    }
}

/// The sampling covariance when it is dense (not diagonal), checked against the model: without
/// a structured term its blocks must nest in the outermost factor (the first of `codes`, named
/// the first of `factors`); with one it must have `k` effects.
fn dense_cov<'a>(
    cov: Option<&'a SamplingCovariance>,
    term: Option<&StructuredTerm>,
    codes: &[Vec<usize>],
    factors: &[String],
    k: usize,
) -> Result<Option<&'a SamplingCovariance>, Error> {
    let Some(c) = cov.filter(|c| !c.is_diagonal()) else {
        return Ok(None);
    };
    match term {
        None => check_nested(c, &codes[0], &factors[0], k)?,
        Some(_) if c.k() != k => {
            return Err(Error::input(
                "sampling covariance",
                format!("it has {} effects, the model {k}", c.k()),
            ))
        }
        Some(_) => {}
    }
    Ok(Some(c))
}

/// The error of failed Fisher scoring: no convergence (`Some((iterations, last iterate))`), or a
/// singular design.
fn scoring_error(
    e: Option<(usize, Vec<f64>)>,
    factors: &[String],
    term: Option<&StructuredTerm>,
    blocks: &kernel::Blocks,
) -> Error {
    match e {
        Some((iterations, last)) => Error::NotConverged {
            procedure: if term.is_some() {
                "Fisher scoring of the variance components and correlations"
            } else {
                "Fisher scoring of the variance components"
            },
            iterations,
            detail: stall_detail(&last, factors, term, blocks),
        },
        None => singular(),
    }
}

/// The design is singular.
fn singular() -> Error {
    Error::Singular {
        message: "the design matrix is singular (collinear moderators)".into(),
    }
}

/// The fixed-effects pieces (QE, ṽ, and the start): from the blocks when `V` is `dense`, else
/// from the diagonal weights.
fn fixed_effects(
    blocks: &kernel::Blocks,
    dense: bool,
    y: &[f64],
    v: &[f64],
    x: &DMatrix<f64>,
) -> Result<FixedEffects, Error> {
    if dense {
        let f = blocks.fixed().ok_or_else(singular)?;
        return Ok(FixedEffects {
            qe: f.qe,
            trp0: f.trp0,
            logdet_v: Some(f.logdet_v),
        });
    }
    let w: Vec<f64> = v.iter().map(|vi| 1.0 / vi).collect();
    let mut xw = x.clone();
    for (mut row, &wi) in xw.row_iter_mut().zip(&w) {
        row *= wi;
    }
    let xtwx_inv = (x.transpose() * &xw)
        .cholesky()
        .ok_or_else(singular)?
        .inverse();
    let yv = DVector::from_column_slice(y);
    let b0 = &xtwx_inv * (xw.transpose() * &yv);
    let res0 = &yv - x * &b0;
    let qe: f64 = res0.iter().zip(&w).map(|(r, wi)| wi * r * r).sum();
    let mut xw2 = x.clone();
    for (mut row, &wi) in xw2.row_iter_mut().zip(&w) {
        row *= wi * wi;
    }
    let trp0 = w.iter().sum::<f64>() - (&xtwx_inv * (x.transpose() * xw2)).trace();
    Ok(FixedEffects {
        qe,
        trp0,
        logdet_v: None,
    })
}

/// What the fit statistics are computed from.
struct FitCounts<'a> {
    /// The (restricted) log-likelihood.
    ll: f64,
    /// Number of estimated parameters (coefficients and free variance parameters).
    parms: f64,
    k: usize,
    /// Residual df `k − p`.
    df_e: usize,
    reml: bool,
    /// `ln det V` for a non-diagonal `V`.
    logdet_v: Option<f64>,
    /// Sampling variances.
    v: &'a [f64],
}

/// Deviance and information criteria (metafor's fitstats).
struct FitStats {
    deviance: f64,
    aic: f64,
    bic: f64,
    aicc: f64,
}

/// The fit statistics (metafor's fitstats).
fn fit_stats(c: &FitCounts<'_>) -> FitStats {
    let (ll, parms) = (c.ll, c.parms);
    let n = if c.reml { c.df_e } else { c.k } as f64;
    let deviance = if c.reml {
        -2.0 * ll
    } else {
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let ll_full: f64 = match c.logdet_v {
            Some(ld) => -0.5 * (c.k as f64 * ln2pi + ld),
            None => c.v.iter().map(|vi| -0.5 * (ln2pi + vi.ln())).sum(),
        };
        -2.0 * (ll - ll_full)
    };
    let nc = n.max(parms + 2.0);
    FitStats {
        deviance,
        aic: -2.0 * ll + 2.0 * parms,
        bic: -2.0 * ll + parms * n.ln(),
        aicc: -2.0 * ll + 2.0 * parms * nc / (nc - parms - 1.0),
    }
}

/// The structured term's part of the fit: its estimates `spar` (τ², then ρ), which are `held`,
/// and their profile CIs.
fn struct_fit(
    t: &StructuredTerm,
    spar: &[f64],
    held: &[bool],
    ci: Option<&[[f64; 2]]>,
) -> StructFit {
    let nt = t.n_tau2();
    StructFit {
        structure: t.structure,
        struct_term: format!("{} | {}", t.names[0], t.names[1]),
        struct_levels: t.levels.clone(),
        struct_outer_levels: t
            .outer
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        struct_tau2: spar[..nt].to_vec(),
        struct_rho: spar[nt..].to_vec(),
        struct_tau2_fixed: held[..nt].to_vec(),
        struct_rho_fixed: held[nt..].to_vec(),
        struct_tau2_ci: ci.map(|c| c[..nt].to_vec()),
        struct_rho_ci: ci.map(|c| c[nt..].to_vec()),
    }
}

/// Checks that `cov` has `k` effects and that each of its blocks lies within one level of the
/// outermost factor (`outer`: its code per effect).
fn check_nested(
    cov: &SamplingCovariance,
    outer: &[usize],
    factor: &str,
    k: usize,
) -> Result<(), Error> {
    if cov.k() != k {
        return Err(Error::input(
            "sampling covariance",
            format!("it has {} effects, the model {k}", cov.k()),
        ));
    }
    for b in cov.blocks() {
        let first = outer[b.rows[0]];
        if b.rows.iter().any(|&r| outer[r] != first) {
            return Err(Error::input(
                format!("sampling covariance of cluster '{}'", b.label),
                format!("its effects lie in several levels of the outermost random factor '{factor}': the covariance clusters must be nested in that factor (or equal to it)"),
            ));
        }
    }
    Ok(())
}

/// The held values of a structured term's parameters, one per parameter (`None`: estimated), from
/// the builder's list (empty: all estimated). Values must be finite and at least `min`
/// (correlations also at most 1).
fn check_fixed(
    given: &[Option<f64>],
    n: usize,
    setting: Setting,
    min: f64,
) -> Result<Vec<Option<f64>>, Error> {
    if given.is_empty() {
        return Ok(vec![None; n]);
    }
    if given.len() != n {
        return Err(Error::setting(
            setting,
            format!(
                "{} values given for {n} parameters of the structured term",
                given.len()
            ),
        ));
    }
    let max = if min < 0.0 { 1.0 } else { f64::INFINITY };
    if given
        .iter()
        .flatten()
        .any(|x| !(x.is_finite() && *x >= min && *x <= max))
    {
        return Err(Error::setting(
            setting,
            if min < 0.0 {
                "a held correlation must lie in [-1, 1]"
            } else {
                "a held variance must be finite and non-negative"
            },
        ));
    }
    Ok(given.to_vec())
}

/// Where Fisher scoring stopped: the components at (or next to) the edge of their range, which
/// usually keep it from converging, and what may help.
fn stall_detail(
    last: &[f64],
    factors: &[String],
    term: Option<&StructuredTerm>,
    blocks: &kernel::Blocks,
) -> String {
    let nl = factors.len();
    let nt = term.map_or(0, StructuredTerm::n_tau2);
    let name = |q: usize| -> String {
        if q < nl {
            format!("sigma^2 of '{}'", factors[q])
        } else if q < nl + nt {
            format!("tau^2.{} of the structured term", q - nl + 1)
        } else {
            format!("rho.{} of the structured term", q - nl - nt + 1)
        }
    };
    let scale = last
        .iter()
        .take(nl + nt)
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let edge: Vec<String> = last
        .iter()
        .enumerate()
        .filter(|&(q, x)| {
            if blocks.is_rho(q) {
                x.abs() > 0.999
            } else {
                *x <= 1e-6 * scale
            }
        })
        .map(|(q, x)| format!("{} = {x:.6}", name(q)))
        .collect();
    let singular = term.is_some_and(|t| {
        let m = t.sigma().matrix(&last[nl..]);
        let e = m.symmetric_eigenvalues();
        e.min() <= 1e-6 * e.max().max(f64::MIN_POSITIVE)
    });
    if singular {
        let rho: Vec<String> = last[nl + nt..].iter().map(|r| format!("{r:.4}")).collect();
        format!(
            "; the structured term's covariance matrix is (nearly) singular at the last iterate (correlations {}): the estimates run towards correlations that cannot all hold at once; a simpler structure (HCS, CS, AR) or correlations held at values may fit",
            rho.join(", ")
        )
    } else if edge.is_empty() {
        "; no component is at the edge of its range: the likelihood may be flat (too few levels for this many components)".into()
    } else {
        format!(
            "; at the last iterate {} at the edge of its range: hold it at that value (or drop the component) and refit",
            edge.join(", ")
        )
    }
}
