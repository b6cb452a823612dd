//! Text printouts (metafor-style tables) of every result.

mod bayes;
mod bias_adjusted;
mod blup;
mod cnma;
mod contrast;
mod diag;
mod econ;
mod fitted;
mod glmm;
mod meta;
mod multilevel;
mod network;
mod robust;
mod scale;
mod voi;

pub use bayes::bayes_table;
pub use bias_adjusted::bias_report_table;
pub use blup::{blup_table, ranef_table};
pub use cnma::cnma_table;
pub use contrast::contrast_table;
pub use diag::{bias_table, influence_table, mh_table};
pub use econ::cea_table;
pub use glmm::glmm_table;
pub use meta::{table, table_report};
pub use multilevel::multilevel_table;
pub use network::network_table;
pub use robust::{rho_grid_table, robust_table};
pub use scale::scale_table;
