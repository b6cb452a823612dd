//! Economic evaluation (`docs/src/economics.md`): efficiency frontiers with dominance and sequential ICERs,
//! probabilistic (PSA or bootstrap) draws with net benefit, acceptability curves, CEAF and EVPI,
//! trial-based analysis from patient data or published arm summaries (Fieller interval,
//! incremental net monetary benefit, stratified bootstrap with angle-ordered ICER percentiles,
//! covariate adjustment by seemingly unrelated regression, discounting), and random-effects
//! pooling of net benefit across trials.
//!
//! Increments are always intervention − comparator; net monetary benefit is `NMB = λ·effect − cost`
//! and the incremental net monetary benefit `INMB = λ·Δe − Δc`.
//!
//! # Examples
//!
//! ```
//! use peerstat::econ::{frontier, Status, Strategy};
//! let s = vec![
//!     Strategy::new("usual care", 1000.0, 0.60),
//!     Strategy::new("peer support", 1500.0, 0.65),
//!     Strategy::new("intensive", 3000.0, 0.66),
//!     Strategy::new("leaflet", 1600.0, 0.62),
//! ];
//! let f = frontier(&s).unwrap();
//! assert_eq!(f[1].strategy, "peer support");
//! assert!((f[1].icer - 10000.0).abs() < 1e-9);
//! assert_eq!(f.iter().find(|r| r.strategy == "leaflet").unwrap().status, Status::D);
//! ```

pub mod business;
pub mod draws;
mod frontier;
mod parse;
pub mod table;
pub mod trial;
pub mod voi;
mod wtp;

pub use draws::{analyse_draws, DrawsAnalysis, WtpResult};
pub use frontier::{frontier, FrontierRow, Status, Strategy};
pub use trial::{
    analyse_arms, analyse_patients, discount_factor, fieller, pooled_ceac, pooled_net_benefit, sur,
    ArmSummary, Fieller, FiellerKind, Inmb, PatientOptions, Timing, TrialResult,
};
pub use trial::{pooled_icer, Increments, PooledIcer};
pub use wtp::{default_wtp_grid, parse_wtp};
