//! Generalised linear mixed models for counts (metafor `rma.glmm`; Stijnen, Hamza & Özdemir
//! 2010): binomial-normal models for log odds ratios and single-group logit proportions,
//! Poisson-normal models for log incidence rate ratios and single-group log rates, with equal
//! effects or normal random effects whose likelihood is integrated by adaptive Gauss–Hermite
//! quadrature (metafor's and lme4's `nAGQ`, default 7).
//!
//! # Models (study i, random effect `b_i ~ N(0, τ²)`)
//! * PLO: `x_i ~ Bin(n_i, expit(μ + b_i))`; IRLN: `x_i ~ Poisson(t_i exp(μ + b_i))`.
//! * OR, UM.FS: `a_i ~ Bin(n1_i, expit(α_i + θ + b_i/2))`, `c_i ~ Bin(n2_i, expit(α_i − b_i/2))`
//!   with fixed study intercepts `α_i`; IRR, UM.FS: the same with Poisson counts and offsets
//!   `ln t`.
//! * OR, CM.AL: `a_i ~ Bin(a_i + c_i, expit(ln(n1_i/n2_i) + θ + b_i))`; IRR, CM.EL: `x1_i ~
//!   Bin(x1_i + x2_i, expit(ln(t1_i/t2_i) + θ + b_i))` (exact: conditioning Poisson counts on
//!   their sum).
//!
//! The log-likelihood includes the binomial or Poisson constants, so it equals metafor's
//! (`ll.QE − deviance/2` with lme4's deviance). The SE of θ comes from the inverse of the
//! observed information of all parameters, τ included (lme4's `vcov` from its Hessian).
//!
//! # Examples
//!
//! ```
//! use peerstat::model::glmm::{Counts, Glmm, GlmmData, GlmmMeasure, GlmmModel};
//! // dat.pritz1997 (metafor): events and sizes of 14 single-group studies
//! let x = [16.0, 10.0, 4.0, 43.0, 10.0, 25.0, 13.0, 12.0, 22.0, 4.0, 5.0, 18.0, 58.0, 6.0];
//! let n = [17.0, 12.0, 8.0, 58.0, 10.0, 42.0, 14.0, 12.0, 41.0, 5.0, 6.0, 23.0, 68.0, 10.0];
//! let rows: Vec<Option<Counts>> = x
//!     .iter()
//!     .zip(&n)
//!     .map(|(&x1, &n1)| Some(Counts { x1, n1, x2: 0.0, n2: 0.0 }))
//!     .collect();
//! let data = GlmmData::new(GlmmMeasure::Plo, &rows).unwrap();
//! let fit = Glmm::new(GlmmModel::UmFs).fit(&data).unwrap();
//! // metafor: rma.glmm(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
//! assert!((fit.est.estimate - 1.3766).abs() < 1e-4);
//! assert!((fit.tau2 - 0.5893).abs() < 1e-4);
//! ```

mod cluster;
mod design;
mod family;
mod fit;
mod hermite;
mod heterogeneity;
mod newton;

pub use design::{Counts, GlmmData, GlmmMeasure, GlmmModel};
pub use fit::{Glmm, GlmmFit};
pub use hermite::NormalRule;
pub use heterogeneity::ChiTest;
