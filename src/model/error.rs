//! Errors of model fitting.

use super::Tau2Method;

/// Errors from model fitting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// No studies.
    #[error("no studies to analyse")]
    Empty,
    /// Inputs differ in length or hold unusable values.
    #[error("study {index}: {message}")]
    BadInput {
        /// 1-based study index.
        index: usize,
        /// What is wrong.
        message: &'static str,
    },
    /// `yi` and `vi` lengths differ.
    #[error("yi has {yi} values but vi has {vi}")]
    Length {
        /// Length of `yi`.
        yi: usize,
        /// Length of `vi`.
        vi: usize,
    },
    /// Too few studies for the requested option.
    #[error("{what} needs at least {needed} studies (k = {k})")]
    TooFew {
        /// The option.
        what: &'static str,
        /// Minimum k.
        needed: usize,
        /// Actual k.
        k: usize,
    },
    /// The design matrix is rank-deficient (collinear or constant moderators).
    #[error("the moderators are collinear (the design matrix is singular)")]
    Singular,
    /// A result is not representable in double precision (overflow, underflow): the effects or
    /// variances span too many orders of magnitude.
    #[error("{what} is not representable in double precision: the effect sizes or sampling variances span too many orders of magnitude (rescale the data)")]
    NotRepresentable {
        /// Which result.
        what: &'static str,
    },
    /// An iterative τ² estimator did not converge.
    #[error("the {method} estimator of tau^2 did not converge in {iterations} iterations (Fisher scoring); damp the steps (a step adjustment of 0.5), or use another estimator (PM, DL)")]
    NotConverged {
        /// Estimator.
        method: Tau2Method,
        /// Iterations used.
        iterations: usize,
    },
}

impl ModelError {
    /// Process exit code (see [`crate::error`]): 1 for non-convergence, 2 for input the model
    /// cannot take (no studies, bad values, too few studies, a singular design).
    pub fn exit_code(&self) -> i32 {
        match self {
            ModelError::NotConverged { .. } | ModelError::NotRepresentable { .. } => 1,
            _ => 2,
        }
    }
}
