//! Multilevel models with nested random intercepts (metafor `rma.mv(yi, vi, mods, random =
//! ~ 1 | outer/inner)`); `docs/src/multilevel.md`.
//!
//! `y = Xβ + Σ_l Z_l u_l + e`, `u_l ~ N(0, σ²_l I)`, `e ~ N(0, diag(v))`, where level `l` is the
//! combination of the first `l + 1` factors (as metafor's `a/b/c`: `a`, `a/b`, `a/b/c`). The
//! marginal covariance `M = Σ_l σ²_l Z_l Z_lᵀ + diag(v)` is block-diagonal by the outermost
//! factor and is only ever factored block by block.
//!
//! # Formulas
//! * σ² maximise the restricted (REML, default) or full (ML) log-likelihood, by Fisher scoring
//!   with `score_l = −½ tr(P D_l) + ½ yᵀP D_l P y` and `I_lm = ½ tr(P D_l P D_m)`,
//!   `D_l = Z_l Z_lᵀ`, `P = M⁻¹ − M⁻¹X(XᵀM⁻¹X)⁻¹XᵀM⁻¹` (`M⁻¹` in place of `P` under ML); a
//!   component that would turn negative is held at 0.
//! * `β̂ = (XᵀM⁻¹X)⁻¹XᵀM⁻¹y`, `Var(β̂) = (XᵀM⁻¹X)⁻¹`; tests z, or t on `k − p` df or on
//!   containment df per coefficient (`dfs.rs`).
//! * Fit statistics as metafor's `fitstats`: parameters `p + L`; deviance `−2 ll` under REML,
//!   `−2 (ll − ll_saturated)` under ML; `AIC = −2 ll + 2 (p + L)`; `BIC = −2 ll + (p + L) ln n`
//!   with `n = k − p` under REML and `k` under ML.
//! * `QE = (y − Xb)ᵀ V⁻¹ (y − Xb)` with the V-weighted `b`, on `k − p` df.
//! * `I²_l = 100·σ²_l / (Σσ² + ṽ)`, `ṽ = (k − p)/tr(P₀)`, `P₀ = W − WX(XᵀWX)⁻¹XᵀW`, `W = V⁻¹`.
//!
//! # Examples
//!
//! ```
//! use nalgebra::DMatrix;
//! use peerstat::model::multilevel::MultilevelModel;
//! let y = [0.1, 0.3, 0.2, 0.6, 0.7, 0.5, 0.0, -0.1];
//! let v = [0.02, 0.03, 0.02, 0.04, 0.03, 0.02, 0.03, 0.02];
//! let study = vec![0, 0, 1, 1, 2, 2, 3, 3];
//! let esid = vec![0, 1, 0, 1, 0, 1, 0, 1];
//! let x = DMatrix::from_element(8, 1, 1.0);
//! let fit = MultilevelModel::new()
//!     .fit(&y, &v, &[study, esid], &x, &["intrcpt".to_string()])
//!     .unwrap();
//! assert_eq!(fit.sigma2.len(), 2);
//! assert_eq!(fit.sigma2_levels, vec![4, 8]);
//! ```

mod dfs;
mod inference;
mod kernel;
mod levels;
mod lrt;
mod marginal;
mod predict;
mod profile;
mod ranef;
mod structure;
mod table;

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::Error;
use crate::model::coefficient::Coefficient;
use crate::model::vcalc::SamplingCovariance;
use crate::model::Estimate;

pub use crate::model::prediction::Prediction;
pub use dfs::MultilevelDfs;
pub use lrt::{likelihood_ratio, Lrt};
pub use marginal::Marginal;
pub use ranef::random_effects;
pub use structure::{Structure, StructuredTerm};
pub use table::{parse_random, parse_terms, CovSource, MultilevelTable, RandomTerms, TableOptions};

/// Estimation method for the variance components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum MultilevelMethod {
    /// Restricted maximum likelihood (metafor's default).
    #[default]
    #[serde(rename = "REML")]
    Reml,
    /// Maximum likelihood.
    #[serde(rename = "ML")]
    Ml,
}

/// The reference distribution of tests and confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MultilevelTest {
    /// Standard normal (metafor `test = "z"`, the default).
    #[default]
    Z,
    /// t (metafor `test = "t"`), on the df of [`MultilevelDfs`].
    T,
}

/// The default limit on the effects in one block of a multilevel model's marginal covariance
/// ([`MultilevelModel::max_block`]).
pub const DEFAULT_MAX_BLOCK: usize = 5000;

/// Options of a multilevel model (a builder). Defaults: REML, z tests, 95 %, every variance
/// component estimated, no profile-likelihood intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct MultilevelModel {
    method: MultilevelMethod,
    test: MultilevelTest,
    level: f64,
    max_iter: usize,
    /// The most effects one block of the marginal covariance may hold.
    max_block: usize,
    threshold: f64,
    /// Per component, a value it is held at (`None`: estimated); empty: all estimated.
    fixed: Vec<Option<f64>>,
    /// Whether to compute profile-likelihood intervals for the variance components.
    profile: bool,
    /// The structured term's structure (used when a fit has a structured term).
    structure: Structure,
    /// Per τ² of the structured term, a value it is held at; empty: all estimated.
    fixed_tau2: Vec<Option<f64>>,
    /// Per ρ of the structured term, a value it is held at; empty: all estimated.
    fixed_rho: Vec<Option<f64>>,
    /// The df of t tests.
    dfs: MultilevelDfs,
    /// Moderator values at which to predict (after the intercept).
    newmods: Option<Vec<f64>>,
}

/// The structured term of a fit (`~ inner | outer`, metafor `struct=`): its variances and
/// correlations, with profile-likelihood CIs when asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StructFit {
    /// The structure (`CS`, `HCS`, `UN`, `AR`, `HAR`, `DIAG`, `ID`).
    #[serde(rename = "struct")]
    pub structure: Structure,
    /// The inner and outer factors, as `inner | outer`.
    pub struct_term: String,
    /// The inner levels, sorted (numerically when all are numbers).
    pub struct_levels: Vec<String>,
    /// Number of levels of the outer factor.
    pub struct_outer_levels: usize,
    /// The variances: one for CS/AR/ID, one per inner level (sorted order) for HCS/UN/DIAG/HAR.
    pub struct_tau2: Vec<f64>,
    /// The correlations: one for CS/HCS/AR/HAR, the lower triangle row by row for UN
    /// (ρ₂₁, ρ₃₁, ρ₃₂, …), none for DIAG/ID.
    pub struct_rho: Vec<f64>,
    /// Whether each variance was held at a given value.
    pub struct_tau2_fixed: Vec<bool>,
    /// Whether each correlation was held at a given value.
    pub struct_rho_fixed: Vec<bool>,
    /// Profile-likelihood CIs of the variances (as `sigma2_ci`), when asked for.
    pub struct_tau2_ci: Option<Vec<[f64; 2]>>,
    /// Profile-likelihood CIs of the correlations (search interval `[−1, 1]`, for AR/HAR
    /// `[min(0, ρ̂), 1]`, as metafor), when asked for.
    pub struct_rho_ci: Option<Vec<[f64; 2]>>,
}

impl Default for MultilevelModel {
    fn default() -> Self {
        Self::new()
    }
}

/// A fitted multilevel model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultilevelFit {
    /// Estimation method.
    pub method: MultilevelMethod,
    /// Test used for coefficients.
    pub test: MultilevelTest,
    /// How t tests get their df (`residual`, `contain`).
    pub dfs: MultilevelDfs,
    /// Effects used.
    pub k: usize,
    /// Coefficients in the model.
    pub p: usize,
    /// The first coefficient (the intercept, or the pooled effect without moderators).
    #[serde(flatten)]
    pub first: Estimate,
    /// Degrees of freedom of the first coefficient's t test (`None` for z); every coefficient
    /// carries its own (they differ under [`MultilevelDfs::Contain`]).
    pub df: Option<f64>,
    /// All coefficients, each with its df under t tests.
    pub coefficients: Vec<Coefficient>,
    /// Variance components, outermost level first.
    pub sigma2: Vec<f64>,
    /// Profile-likelihood confidence interval `[lower, upper]` of each variance component
    /// (outermost first; metafor's `confint`), when asked for; `null` bounds for a component
    /// held fixed or a bound that could not be found.
    pub sigma2_ci: Option<Vec<[f64; 2]>>,
    /// Beside `sigma2_ci`, per bound whether it is the end of the search interval rather than a
    /// crossing of the cut-off (metafor prints it with `>`): the true bound lies beyond. Lower
    /// bounds are never capped (a lower bound of 0 is the edge of the parameter space).
    pub sigma2_ci_capped: Option<Vec<[bool; 2]>>,
    /// Whether each component was held at a given value rather than estimated.
    pub sigma2_fixed: Vec<bool>,
    /// Number of distinct levels of each factor (outermost first).
    pub sigma2_levels: Vec<usize>,
    /// The structured term, when the model has one (its keys appear at the top level).
    #[serde(flatten)]
    pub structured: Option<StructFit>,
    /// The factor of each component, as metafor prints it (`district`, `district/school`).
    pub factors: Vec<String>,
    /// Log-likelihood (restricted under REML).
    pub loglik: f64,
    /// Deviance.
    pub deviance: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Corrected AIC.
    pub aicc: f64,
    /// Test for residual heterogeneity.
    pub qe: f64,
    /// Its degrees of freedom (`k − p`).
    pub qe_df: usize,
    /// Its p-value.
    pub qe_p: f64,
    /// Omnibus test of all coefficients but the first, or of the only one (χ² on `qm_df`, or F
    /// on `(qm_df, qm_df2)` under t tests).
    pub qm: f64,
    /// Its (numerator) degrees of freedom: the number of coefficients tested.
    pub qm_df: usize,
    /// Its denominator df under t tests (`k − p`, or under containment df the smallest df of
    /// the tested coefficients, as metafor).
    pub qm_df2: Option<f64>,
    /// Its p-value.
    pub qm_p: f64,
    /// Typical within-study variance `ṽ`.
    pub vt: f64,
    /// I² per level (percent), outermost first.
    pub i2_levels: Vec<f64>,
    /// Lower bound of the prediction interval for the true effect of a new study (metafor's
    /// `predict`: `estimate ± crit·√(se² + Σσ²)`); `None` with moderators.
    pub pi_lower: Option<f64>,
    /// Upper bound of the prediction interval; `None` with moderators.
    pub pi_upper: Option<f64>,
    /// The prediction at the moderator values asked for (metafor `predict(fit, newmods = …)`),
    /// when asked for.
    pub prediction: Option<Prediction>,
    /// Fisher-scoring iterations.
    pub iterations: usize,
    /// Covariance matrix of the coefficients.
    #[serde(skip)]
    pub vb: DMatrix<f64>,
    /// The fitted working model (design, residuals, marginal covariance), for inference after
    /// the fit such as cluster-robust standard errors.
    #[serde(skip)]
    pub working: Marginal,
}

impl MultilevelModel {
    /// Default options: REML, z tests, 95 %.
    pub fn new() -> Self {
        MultilevelModel {
            method: MultilevelMethod::Reml,
            test: MultilevelTest::Z,
            level: 95.0,
            max_iter: 1000,
            max_block: DEFAULT_MAX_BLOCK,
            threshold: 1e-10,
            fixed: Vec::new(),
            profile: false,
            structure: Structure::Cs,
            fixed_tau2: Vec::new(),
            fixed_rho: Vec::new(),
            dfs: MultilevelDfs::Residual,
            newmods: None,
        }
    }

    /// The structure of a structured term `~ inner | outer` in fits on table columns (default
    /// CS, as metafor).
    pub fn structure(mut self, s: Structure) -> Self {
        self.structure = s;
        self
    }

    /// Holds the structured term's variances at given values (metafor `tau2 = c(NA, 0.1)`): one
    /// entry per τ², `None` for one to estimate; an empty list estimates all.
    pub fn fix_tau2(mut self, values: Vec<Option<f64>>) -> Self {
        self.fixed_tau2 = values;
        self
    }

    /// Holds the structured term's correlations at given values (metafor `rho = …`): one entry
    /// per ρ, `None` for one to estimate; an empty list estimates all.
    pub fn fix_rho(mut self, values: Vec<Option<f64>>) -> Self {
        self.fixed_rho = values;
        self
    }

    /// Holds variance components at given values (metafor `sigma2 = c(0, NA)`): one entry per
    /// random factor, outermost first, `None` for a component to estimate. A held component
    /// counts as no parameter in the fit statistics. An empty list (the default) estimates all.
    pub fn fix_sigma2(mut self, values: Vec<Option<f64>>) -> Self {
        self.fixed = values;
        self
    }

    /// Whether to compute profile-likelihood confidence intervals for the estimated variance
    /// components (`sigma2_ci`; default no): for component `l`, the values of `σ²_l` where
    /// `2·(ll_max − ll_profile(σ²_l))` equals the χ²₁ quantile at the confidence level, the
    /// other components refitted at each value. As metafor's `confint.rma.mv`: the lower bound
    /// is 0 when the deviance at `σ²_l = 0` is below the cut-off, and the search for the upper
    /// bound stops at `max(10, 100·σ̂²_l)` (10 when `σ̂²_l ≤ 1.5e-8`), which is reported when
    /// the deviance there is still below the cut-off.
    pub fn profile_ci(mut self, yes: bool) -> Self {
        self.profile = yes;
        self
    }

    /// Sets how t tests get their degrees of freedom (metafor `dfs`); [`MultilevelDfs::Contain`]
    /// implies t tests, as in metafor.
    pub fn dfs(mut self, dfs: MultilevelDfs) -> Self {
        self.dfs = dfs;
        self
    }

    /// Predicts at these moderator values (`prediction`; metafor `predict(fit, newmods = …)`):
    /// one value per column of the design after the first, which is taken to be the intercept
    /// (factor levels as their 0/1 columns). Its critical value is that of the coefficients'
    /// tests: normal, or t on the smallest df among the coefficients with a non-zero value.
    pub fn newmods(mut self, values: Vec<f64>) -> Self {
        self.newmods = Some(values);
        self
    }

    /// Sets the estimation method.
    pub fn method(mut self, m: MultilevelMethod) -> Self {
        self.method = m;
        self
    }

    /// Sets the test (z, or t on the df of [`MultilevelModel::dfs`]).
    pub fn test(mut self, t: MultilevelTest) -> Self {
        self.test = t;
        self
    }

    /// Confidence level in percent.
    pub fn get_level(&self) -> f64 {
        self.level
    }

    /// Confidence level in percent (values in (0.5, 1) are read as proportions).
    ///
    /// # Errors
    /// [`Error::Setting`] outside 50–100 % (exclusive).
    pub fn level(mut self, level: f64) -> Result<Self, Error> {
        self.level = crate::error::check_level(level)?;
        Ok(self)
    }

    /// Maximum Fisher-scoring iterations (default 1000).
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n.max(1);
        self
    }

    /// The most effects one block of the marginal covariance may hold (default
    /// [`DEFAULT_MAX_BLOCK`]): a block is the effects of one outermost cluster (joined with the
    /// sampling-covariance clusters and structured-term groups it overlaps), and each costs a
    /// Cholesky factor per iteration, cubic in its size.
    pub fn max_block(mut self, n: usize) -> Self {
        self.max_block = n.max(1);
        self
    }

    /// Fits the model. `levels` holds, per factor and outermost first, an id for every effect
    /// (`[study, esid]`); level `l` is the combination of the first `l + 1` ids. `x` is the
    /// design (intercept first when there is one), `names` its column names.
    ///
    /// # Errors
    /// [`Error::Input`] for inputs of different lengths, non-finite
    /// effects or non-positive variances; [`Error::TooFew`] unless `k > p`, or for a factor
    /// with a single level; [`Error::Singular`] for a rank-deficient design or two factors (neither
    /// held at a value) that
    /// group the effects identically; [`Error::NotConverged`].
    pub fn fit(
        &self,
        y: &[f64],
        v: &[f64],
        levels: &[Vec<usize>],
        x: &DMatrix<f64>,
        names: &[String],
    ) -> Result<MultilevelFit, Error> {
        let factors: Vec<String> = (1..=levels.len()).map(|l| format!("level{l}")).collect();
        let data = MultilevelData {
            y,
            v,
            cov: None,
            levels,
            x,
            names,
        };
        self.fit_full(data, None, &factors)
    }

    /// [`MultilevelModel::fit`] with a block-diagonal sampling covariance `V` in place of
    /// `diag(v)` (metafor `rma.mv(yi, V, …)`, for instance with `V` from
    /// [`vcalc`](crate::model::vcalc::vcalc): the correlated-and-hierarchical-effects model).
    /// Every block of `cov` must lie within one level of the outermost factor. A diagonal `cov`
    /// gives exactly the fit of [`MultilevelModel::fit`] with its variances.
    ///
    /// # Errors
    /// [`Error::Input`] for a covariance block spanning two levels of the outermost factor or
    /// of another number of effects; as [`MultilevelModel::fit`] otherwise.
    pub fn fit_cov(
        &self,
        y: &[f64],
        cov: &SamplingCovariance,
        levels: &[Vec<usize>],
        x: &DMatrix<f64>,
        names: &[String],
    ) -> Result<MultilevelFit, Error> {
        let factors: Vec<String> = (1..=levels.len()).map(|l| format!("level{l}")).collect();
        let v = cov.variances();
        let data = MultilevelData {
            y,
            v: &v,
            cov: Some(cov),
            levels,
            x,
            names,
        };
        self.fit_full(data, None, &factors)
    }

    /// [`MultilevelModel::fit_cov`] with a structured term `~ inner | outer` beside the nested
    /// random intercepts `data.levels` (which may be empty): metafor's `rma.mv(yi, V, random =
    /// list(~ 1 | a/b, ~ inner | outer), struct = …)`. `data.cov` `None` takes `V = diag(v)`.
    ///
    /// # Errors
    /// [`Error::Setting`] for held τ²/ρ lists of the wrong length or values out of range; as
    /// [`MultilevelModel::fit_cov`] otherwise.
    pub fn fit_structured(
        &self,
        data: MultilevelData<'_>,
        term: &StructuredTerm,
    ) -> Result<MultilevelFit, Error> {
        let factors: Vec<String> = (1..=data.levels.len())
            .map(|l| format!("level{l}"))
            .collect();
        let v = data
            .cov
            .map_or_else(|| data.v.to_vec(), SamplingCovariance::variances);
        self.fit_full(MultilevelData { v: &v, ..data }, Some(term), &factors)
    }
}

/// The data of a multilevel fit: effects, their sampling variances (or covariance), the ids of
/// the nested random factors and the design.
#[derive(Clone, Copy)]
pub struct MultilevelData<'a> {
    /// Effects.
    pub y: &'a [f64],
    /// Sampling variances (with `cov`, its diagonal; [`MultilevelModel::fit_structured`] takes
    /// them from `cov` when there is one).
    pub v: &'a [f64],
    /// A block-diagonal sampling covariance (`None`: `diag(v)`).
    pub cov: Option<&'a SamplingCovariance>,
    /// Per nested factor, outermost first, an id for every effect (may be empty beside a
    /// structured term).
    pub levels: &'a [Vec<usize>],
    /// The design (intercept first when there is one).
    pub x: &'a DMatrix<f64>,
    /// Its column names.
    pub names: &'a [String],
}

mod fit;
