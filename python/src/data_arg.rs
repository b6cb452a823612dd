//! The data a function analyses, as the Python layer passes it: one dictionary with the data
//! object, its name in messages, the effect measure, the effect-size options and the column
//! renames (built by `_opts._data_arg`), so that no function takes them one by one.

use std::collections::HashMap;

use pyo3::prelude::*;

use crate::EffectOpts;

/// The data, its name, and how effect sizes are computed from it.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct DataArg<'py> {
    /// A pandas or polars DataFrame, a pyarrow Table or RecordBatchReader, or a path.
    pub(crate) data: Bound<'py, PyAny>,
    /// The name of the data in messages (a path, or "pandas DataFrame").
    pub(crate) source: String,
    /// The effect measure (`None`: GEN when there is a `yi` column).
    pub(crate) measure: Option<String>,
    /// The effect-size options.
    pub(crate) effect: EffectOpts,
    /// Column renames `{canonical: actual}`.
    #[pyo3(default)]
    pub(crate) columns: Option<HashMap<String, String>>,
}
