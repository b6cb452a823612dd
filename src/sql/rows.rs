//! The rows of one group as an aggregate state: `(yi, vi)` pairs, nulls kept (the fit omits
//! them, as `reanalyse` omits missing cells).

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{DataFusionError, ScalarValue};

/// A group's rows, in arrival order until [`Rows::sorted`].
#[derive(Debug, Default, Clone)]
pub(super) struct Rows {
    pub(super) y: Vec<Option<f64>>,
    pub(super) v: Vec<Option<f64>>,
}

/// The state fields of an aggregate over `(yi, vi)`: two lists of doubles.
pub(super) fn state_fields(name: &str) -> Vec<FieldRef> {
    let item = Arc::new(Field::new_list_field(DataType::Float64, true));
    ["yi", "vi"]
        .iter()
        .map(|c| {
            Arc::new(Field::new(
                format!("{name}[{c}]"),
                DataType::List(item.clone()),
                true,
            ))
        })
        .collect()
}

fn floats(a: &ArrayRef) -> Result<&Float64Array, DataFusionError> {
    a.as_primitive_opt::<Float64Type>().ok_or_else(|| {
        DataFusionError::Execution(format!(
            "peerstat: expected a double column, got {}",
            a.data_type()
        ))
    })
}

fn lists(a: &ArrayRef) -> Result<&ListArray, DataFusionError> {
    a.as_list_opt::<i32>().ok_or_else(|| {
        DataFusionError::Internal(format!(
            "peerstat: expected a list state, got {}",
            a.data_type()
        ))
    })
}

/// Total order of a cell: null first, then by `f64::total_cmp`.
fn cell_cmp(a: &Option<f64>, b: &Option<f64>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(y),
    }
}

impl Rows {
    /// Appends the rows of input arrays `yi`, `vi` (cast to doubles by the signature).
    pub(super) fn update(&mut self, values: &[ArrayRef]) -> Result<(), DataFusionError> {
        let (y, v) = match values {
            [y, v, ..] => (floats(y)?, floats(v)?),
            _ => {
                return Err(DataFusionError::Plan(
                    "peerstat: expected the arguments yi, vi".into(),
                ))
            }
        };
        self.y.extend(y.iter());
        self.v.extend(v.iter());
        Ok(())
    }

    /// The state: `[list(yi), list(vi)]`.
    pub(super) fn state(&self) -> Vec<ScalarValue> {
        [&self.y, &self.v]
            .into_iter()
            .map(|c| {
                let arr: ArrayRef = Arc::new(Float64Array::from(c.clone()));
                ScalarValue::List(Arc::new(ListArray::new(
                    Arc::new(Field::new_list_field(DataType::Float64, true)),
                    datafusion::arrow::buffer::OffsetBuffer::from_lengths([c.len()]),
                    arr,
                    None,
                )))
            })
            .collect()
    }

    /// Appends the rows of partial states (concatenation).
    pub(super) fn merge(&mut self, states: &[ArrayRef]) -> Result<(), DataFusionError> {
        let (y, v) = match states {
            [y, v, ..] => (lists(y)?, lists(v)?),
            _ => return Err(DataFusionError::Internal("peerstat: bad state".into())),
        };
        for i in 0..y.len() {
            if y.is_null(i) || v.is_null(i) {
                continue;
            }
            let (yi, vi) = (y.value(i), v.value(i));
            self.y.extend(floats(&yi)?.iter());
            self.v.extend(floats(&vi)?.iter());
        }
        Ok(())
    }

    /// The rows in a canonical order, by `(yi, vi)` (nulls first, then `f64::total_cmp`), so
    /// that a group's result does not depend on how the query split or ordered its rows.
    pub(super) fn sorted(&self) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
        let mut idx: Vec<usize> = (0..self.y.len().min(self.v.len())).collect();
        idx.sort_by(|&a, &b| {
            cell_cmp(&self.y[a], &self.y[b]).then_with(|| cell_cmp(&self.v[a], &self.v[b]))
        });
        (
            idx.iter().map(|&i| self.y[i]).collect(),
            idx.iter().map(|&i| self.v[i]).collect(),
        )
    }

    /// Bytes held (for the memory accounting of DataFusion).
    pub(super) fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + (self.y.capacity() + self.v.capacity()) * std::mem::size_of::<Option<f64>>()
    }
}
