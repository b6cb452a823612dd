//! The single evaluation framework: the codebook (who / what / why / how / where / when, outcome
//! domains, study fields), validation of a dataset against it, the simulated demonstration
//! evidence base, the standard analysis (`peerstat evaluate`) and the evidence-and-gap map.
//!
//! # Examples
//!
//! ```
//! use peerstat::framework::{normalize, Codebook};
//! let cb = Codebook::builtin();
//! let mode = cb.field("mode").unwrap();
//! assert_eq!(mode.canonical("Face-To-Face"), Some("face to face"));
//! assert_eq!(normalize("one_to_one"), "one to one");
//! ```

mod bayes_domain;
mod bayes_words;
mod bias_domain;
pub mod business_case;
pub mod certainty;
mod codebook;
pub mod column_hints;
pub mod dependence;
mod dependent_subgroups;
mod direction;
mod domain;
mod domain_checks;
pub mod elements;
pub mod evaluate;
mod evaluation_case;
mod form_heterogeneity;
pub mod forms;
mod grade;
pub mod map;
mod methods;
pub mod options;
mod parse;
mod records;
pub mod rob;
mod scale;
pub mod simulate;
mod smallk;
mod smallk_methods;
pub mod smallk_options;
mod study_level;
pub mod template;
pub mod words;

pub use codebook::{
    is_simulated, normalize, Codebook, Field, FieldKind, Validation, BUILTIN, DIMENSIONS,
};
pub use map::{costs as map_costs, elements as map_elements, evidence as evidence_map};
