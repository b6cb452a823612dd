//! Location-scale models (metafor `rma(yi, vi, mods = ~ x, scale = ~ z)`, log link;
//! Viechtbauer & López-López 2022, Res Synth Methods 13:697): where heterogeneity comes from.
//!
//! The effects follow `yᵢ ~ N(xᵢβ, vᵢ + τ²ᵢ)` with `log τ²ᵢ = zᵢα`. α is estimated by ML or REML
//! (β profiled out by weighted least squares), by Newton's method on the exact observed Hessian
//! ([`kernel`](self) formulas), to a step below 1e-10: tighter than metafor's optimisers. The
//! SEs of α are those of the observed Hessian (as metafor's numerical one), the SEs of β
//! `(XᵀWX)⁻¹`; `QS` tests the scale coefficients after the intercept, `QM` the location ones.
//!
//! * [`LocationScale`]: options; [`LocationScale::fit`] on designs,
//!   [`LocationScale::fit_table`] on table columns.
//! * [`ScaleFit`]: the record; [`ScaleFit::predict`] τ² and the effect at new values.
//! * Profile-likelihood CIs for α: [`AlphaInterval`].

mod fit;
mod kernel;
mod predict;
mod profile;
mod table;

pub use fit::{LocationScale, ScaleFit, ScaleMethod};
pub use predict::ScalePrediction;
pub use profile::AlphaInterval;
pub use table::ScaleTableFit;
