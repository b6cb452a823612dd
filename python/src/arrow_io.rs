//! Tables in and out through the Arrow C stream interface (the Arrow PyCapsule protocol):
//! anything with `__arrow_c_stream__` (pyarrow, polars, pandas, DuckDB) comes in as a
//! [`Table`]; results go out as an [`ArrowTable`] that pyarrow reads with `pyarrow.table(...)`.

use std::ffi::CString;
use std::path::Path;

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use peerstat::data::{self, ColumnMap, Table};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::to_py;

/// Reads `data`: a file path (`str`, CSV/TSV/Parquet read by the library) or an object with
/// `__arrow_c_stream__`, named `source` in messages, with the column renames `map`.
pub(crate) fn load(data: &Bound<'_, PyAny>, source: &str, map: &ColumnMap) -> PyResult<Table> {
    if let Ok(path) = data.extract::<String>() {
        let py = data.py();
        return py
            .detach(|| data::read_table(Path::new(&path), map))
            .map_err(to_py);
    }
    if !data.hasattr("__arrow_c_stream__")? {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "data must be a file path or a table with the Arrow PyCapsule interface \
             (__arrow_c_stream__: pyarrow, polars, pandas >= 2.2, DuckDB), got {}",
            data.get_type().name()?
        )));
    }
    let capsule = data.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("__arrow_c_stream__ did not return a PyCapsule")
    })?;
    let name = c"arrow_array_stream";
    let ptr = capsule.pointer_checked(Some(name))?;
    // SAFETY: the capsule holds an `ArrowArrayStream` (checked by its name, as the Arrow
    // PyCapsule interface specifies); `from_raw` moves the stream out and marks the capsule's
    // copy released, so the capsule's destructor does not release it again.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast()) };
    let reader = ArrowArrayStreamReader::try_new(stream).map_err(|e| {
        to_py(peerstat::Error::Format {
            file: source.to_string(),
            message: format!("cannot read the Arrow stream ({e})"),
        })
    })?;
    let schema = reader.schema();
    data::read_arrow(source, &schema, reader, map).map_err(to_py)
}

/// A result table, handed to Python through the Arrow C stream interface.
#[pyclass(module = "peerstat._native", frozen)]
pub(crate) struct ArrowTable {
    batch: RecordBatch,
}

impl ArrowTable {
    /// The Arrow form of a library table.
    pub(crate) fn new(table: &Table) -> PyResult<Self> {
        Ok(ArrowTable {
            batch: data::to_record_batch(table).map_err(to_py)?,
        })
    }
}

#[pymethods]
impl ArrowTable {
    /// The Arrow PyCapsule interface: a capsule holding an `ArrowArrayStream` of the table.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batch = self.batch.clone();
        let schema = batch.schema();
        let reader: Box<dyn RecordBatchReader + Send> =
            Box::new(RecordBatchIterator::new(vec![Ok(batch)], schema));
        let stream = FFI_ArrowArrayStream::new(reader);
        let name = CString::new("arrow_array_stream")?;
        PyCapsule::new(py, stream, Some(name))
    }

    /// Number of rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}
