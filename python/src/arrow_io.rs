//! Tables in and out through the Arrow C stream interface (the Arrow PyCapsule protocol):
//! anything with `__arrow_c_stream__` (pyarrow, polars, pandas, DuckDB) comes in as a
//! [`Table`]; results go out as an [`ArrowTable`] that pyarrow reads with `pyarrow.table(...)`.

use std::ffi::CString;
use std::path::Path;

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use peerstat::data::Column;
use peerstat::data::{self, ColumnMap, Table};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyFloat, PyList, PyString};

use crate::errors::to_py;

/// Reads `data`: a file path (`str`, CSV/TSV/Parquet read by the library) or an object with
/// `__arrow_c_stream__`, named `source` in messages, with the column renames `map`.
pub(crate) fn load(data: &Bound<'_, PyAny>, source: &str, map: &ColumnMap) -> PyResult<Table> {
    if let Ok(frame) = data.cast::<Frame>() {
        // Read once: the table moves out (no copy of a large frame).
        let taken = frame
            .get()
            .table
            .lock()
            .map_err(|_| {
                pyo3::exceptions::PyRuntimeError::new_err("a pandas frame lock was poisoned")
            })?
            .take();
        return match taken {
            Some(table) => Ok(table.with_map(map.clone())),
            None => Err(pyo3::exceptions::PyValueError::new_err(
                "this pandas frame was already read: pass the DataFrame itself",
            )),
        };
    }
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

/// A pandas DataFrame read straight from its columns' NumPy arrays (see [`read_columns`]), for
/// one call: [`load`] moves the table out.
#[pyclass(module = "peerstat._native", frozen)]
pub(crate) struct Frame {
    table: std::sync::Mutex<Option<Table>>,
}

/// Reads a pandas DataFrame from its column names and its columns' NumPy arrays (pandas'
/// `column_arrays`), as `pyarrow.Table.from_pandas` followed by [`load`] would read it, without
/// pyarrow: floats (NaN is missing), integers, booleans, and object arrays of strings (None and
/// NaN missing). `None` when a column is of another kind (nullable, datetime, mixed objects,
/// unsigned above `i64::MAX`, a byte order other than the machine's), when a name repeats or
/// when there are no rows: the caller then goes through pyarrow, which reads or refuses it as
/// before.
#[pyfunction]
pub(crate) fn read_columns(
    source: &str,
    names: Vec<String>,
    arrays: &Bound<'_, PyList>,
) -> PyResult<Option<Frame>> {
    if names.len() != arrays.len() {
        return Ok(None);
    }
    let mut cols = Vec::with_capacity(names.len());
    let mut nrows = None;
    for (name, arr) in names.into_iter().zip(arrays.iter()) {
        let Some(col) = numpy_column(&arr)? else {
            return Ok(None);
        };
        if *nrows.get_or_insert(col.len()) != col.len() {
            return Ok(None);
        }
        cols.push((name, col));
    }
    if nrows.unwrap_or(0) == 0 {
        return Ok(None);
    }
    Ok(Table::from_columns(source, cols).ok().map(|table| Frame {
        table: std::sync::Mutex::new(Some(table)),
    }))
}

/// One NumPy array as a column, through its `__array_interface__` (`None` for anything but a
/// one-dimensional array of the kinds [`read_columns`] reads).
fn numpy_column(arr: &Bound<'_, PyAny>) -> PyResult<Option<Column>> {
    let py = arr.py();
    let Ok(iface) = arr.getattr(intern!(py, "__array_interface__")) else {
        return Ok(None);
    };
    let Ok(iface) = iface.cast::<PyDict>() else {
        return Ok(None);
    };
    let (Some(typestr), Some(shape), Some(data)) = (
        iface.get_item(intern!(py, "typestr"))?,
        iface.get_item(intern!(py, "shape"))?,
        iface.get_item(intern!(py, "data"))?,
    ) else {
        return Ok(None);
    };
    let Ok(typestr) = typestr.extract::<String>() else {
        return Ok(None);
    };
    let Ok((n,)) = shape.extract::<(usize,)>() else {
        return Ok(None);
    };
    if typestr == "|O" {
        return object_column(arr, n);
    }
    // The byte order must be the machine's ('|' for one-byte types).
    let native = if cfg!(target_endian = "little") {
        '<'
    } else {
        '>'
    };
    let mut chars = typestr.chars();
    let (Some(order), Some(kind)) = (chars.next(), chars.next()) else {
        return Ok(None);
    };
    let Ok(size) = chars.as_str().parse::<usize>() else {
        return Ok(None);
    };
    if !(order == '|' || order == native || order == '=') {
        return Ok(None);
    }
    let Ok((address, _readonly)) = data.extract::<(usize, bool)>() else {
        return Ok(None);
    };
    let stride = match iface.get_item(intern!(py, "strides"))? {
        None => size as isize,
        Some(s) if s.is_none() => size as isize,
        Some(s) => match s.extract::<(isize,)>() {
            Ok((st,)) => st,
            Err(_) => return Ok(None),
        },
    };
    if address == 0 && n > 0 {
        return Ok(None);
    }
    // The array's memory, read only while `arr` (held by the caller) keeps it alive and the GIL
    // is held.
    let base = address as *const u8;
    macro_rules! read {
        ($t:ty) => {{
            (0..n)
                .map(|i| {
                    // SAFETY: `__array_interface__` describes `n` elements of this type at
                    // `base + i * stride` (NumPy's own description of the live array);
                    // `read_unaligned` needs no alignment.
                    unsafe {
                        std::ptr::read_unaligned(base.offset(i as isize * stride).cast::<$t>())
                    }
                })
                .collect::<Vec<$t>>()
        }};
    }
    let col = match (kind, size) {
        ('f', 8) => Column::Float(read!(f64).into_iter().map(not_nan).collect()),
        ('f', 4) => Column::Float(
            read!(f32)
                .into_iter()
                .map(|x| not_nan(f64::from(x)))
                .collect(),
        ),
        ('i', 8) => Column::Int(read!(i64).into_iter().map(Some).collect()),
        ('i', 4) => Column::Int(read!(i32).into_iter().map(|x| Some(x.into())).collect()),
        ('i', 2) => Column::Int(read!(i16).into_iter().map(|x| Some(x.into())).collect()),
        ('i', 1) => Column::Int(read!(i8).into_iter().map(|x| Some(x.into())).collect()),
        ('u', 4) => Column::Int(read!(u32).into_iter().map(|x| Some(x.into())).collect()),
        ('u', 2) => Column::Int(read!(u16).into_iter().map(|x| Some(x.into())).collect()),
        ('u', 1) => Column::Int(read!(u8).into_iter().map(|x| Some(x.into())).collect()),
        ('u', 8) => {
            let mut v = Vec::with_capacity(n);
            for x in read!(u64) {
                match i64::try_from(x) {
                    Ok(x) => v.push(Some(x)),
                    Err(_) => return Ok(None),
                }
            }
            Column::Int(v)
        }
        ('b', 1) => Column::Bool(read!(u8).into_iter().map(|x| Some(x != 0)).collect()),
        _ => return Ok(None),
    };
    Ok(Some(col))
}

/// NaN as missing, as pyarrow's `from_pandas` conversion reads it.
fn not_nan(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// An object array of strings (None and NaN missing) as a text column; `None` when it holds
/// anything else.
fn object_column(arr: &Bound<'_, PyAny>, n: usize) -> PyResult<Option<Column>> {
    let list = arr.call_method0(intern!(arr.py(), "tolist"))?;
    let Ok(list) = list.cast::<PyList>() else {
        return Ok(None);
    };
    if list.len() != n {
        return Ok(None);
    }
    let mut v = Vec::with_capacity(n);
    for item in list.iter() {
        if let Ok(s) = item.cast::<PyString>() {
            v.push(Some(s.to_cow()?.into_owned()));
        } else if item.is_none() || item.cast::<PyFloat>().is_ok_and(|f| f.value().is_nan()) {
            v.push(None);
        } else {
            return Ok(None);
        }
    }
    Ok(Some(Column::Str(v)))
}
