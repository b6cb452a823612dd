//! Value of information from PSA draws, to the numbers of R's voi (Jackson, Heath, Baio,
//! Strong): EVPPI for single parameters and groups by GAM regression (voi's default), Strong &
//! Oakley's blocks and Sadatsafavi et al.'s segments.
//!
//! EVPI itself is part of every PSA analysis ([`crate::econ::draws`]).
//!
//! # Examples
//!
//! ```
//! use ndarray::Array2;
//! use peerstat::econ::voi::{evppi, EvppiMethod, EvppiOptions, Parameters};
//! // two strategies; strategy 2 is better exactly when theta > 0.5
//! let n = 200;
//! let theta: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
//! let cost = Array2::zeros((n, 2));
//! let effect = Array2::from_shape_fn((n, 2), |(d, s)| if s == 1 { theta[d] - 0.5 } else { 0.0 });
//! let params = Parameters::new(vec![("theta".into(), theta)]).unwrap();
//! let opts = EvppiOptions {
//!     groups: vec![vec!["theta".into()]],
//!     method: EvppiMethod::StrongOakley,
//!     blocks: Some(2),
//!     se_draws: 0,
//!     seed: 1,
//! };
//! let v = evppi(&cost, &effect, &params, &[1.0], &opts).unwrap();
//! // perfect information on theta: E[max(0, theta - 0.5)] = 0.125, and the blocks find it
//! assert!((v[0][0].evppi - 0.125).abs() < 1e-12);
//! ```

mod evppi;
mod evsi;
mod gam;
mod params;
mod population;
pub(crate) mod records;
mod request;
mod sadatsafavi;
mod spline;
mod strong_oakley;

pub use evppi::{add_evppi, evppi, EvppiOptions};
pub use evsi::{add_evsi, evsi, Design, EvsiOptions, Study};
pub use gam::GAM_MAX_PARAMETERS;
pub use params::Parameters;
pub use population::{apply_population, StudyCost};
pub use records::{Evppi, EvppiMethod, Evsi, EvsiMethod, Population};
pub use request::VoiRequest;
