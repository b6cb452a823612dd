//! Diagnostics: publication bias (Egger, Begg, trim-and-fill, fail-safe N), sensitivity and
//! influence (leave-one-out, influence measures, cumulative meta-analysis), and the
//! common-effect methods for 2×2 tables (Mantel–Haenszel, Peto), with metafor's conventions
//! (`regtest`, `ranktest`, `trimfill`, `fsn`, `influence`, `leave1out`, `cumul`, `rma.mh`,
//! `rma.peto`; `docs/src/diagnostics.md`).
//!
//! # Examples
//!
//! ```
//! use peerstat::diag;
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::RandomEffects;
//! let yi = [0.10, 0.30, 0.35, 0.60, 0.05, 0.42];
//! let vi = [0.01, 0.02, 0.04, 0.09, 0.015, 0.05];
//! let es = EffectSizes::from_slices(Measure::Gen, &yi, &vi).unwrap();
//! let b = diag::begg(&es).unwrap();
//! assert!(b.tau > 0.0 && b.exact);
//! let tf = diag::trimfill(&es, &RandomEffects::new(), diag::TrimFillEstimator::L0, None).unwrap();
//! assert_eq!(tf.k0, tf.filled.len());
//! ```

mod adjusted;
mod bias;
mod fsn_types;
mod influence;
mod mh;
mod need;
mod parse;
mod pet_peese;
mod result;
mod selmodel;
mod tarone;
mod trimfill;
mod zeroin;

pub use adjusted::{AdjustedOptions, BiasReport};
pub use bias::{begg, egger, fail_safe, Begg, Egger, EggerModel, FailSafe, Side};
pub use fsn_types::{FsnType, FsnValue};
pub use influence::{cumulative, influence, influence_refit, CumulativeStep, Influence};
pub use mh::{mantel_haenszel, mantel_haenszel_with, peto, MhFit, MhMethod};
pub use pet_peese::{pet_peese, LimitRegression, PetOrPeese, PetPeese, PetPeeseChoice};
pub use result::{BiasOptions, BiasResult, InfluenceOptions, InfluenceResult};
pub use selmodel::{selmodel, Alternative, SelModel, SelModelOptions, SelType};
pub use tarone::tarone;
pub use trimfill::{trimfill, Filled, TrimFill, TrimFillEstimator};

use crate::effect::Measure;

/// Names the scale of a measure for messages.
pub fn scale_note(m: Measure) -> &'static str {
    if m.is_log_scale() {
        "log scale"
    } else {
        "analysis scale"
    }
}
