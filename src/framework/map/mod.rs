//! The evidence-and-gap map of a coded evidence base, as `map` and the report's `egm.html` build
//! it: studies placed in rows × columns of codebook fields with a pooled effect per cell
//! ([`map_data`]), the element view ([`elements`]), the cost studies of an economic companion
//! ([`costs`]), and the whole map from the options of an evaluation ([`evidence`]).

mod cells;
pub mod costs;
pub mod elements;
pub mod evidence;
mod records;

pub use cells::map_data;
pub use records::{ElementCell, ElementsView, MapCell, MapData, MapStudy};
