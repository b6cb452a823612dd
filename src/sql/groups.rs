//! The aggregates' machinery: a per-group kernel ([`GroupKernel`]) run by one
//! [`GroupsAccumulator`] over all groups of a partition (flat row buffers, one output column
//! buffer per struct field, scratch space reused across groups), and the one-group
//! [`Accumulator`] DataFusion needs besides (an aggregate without `GROUP BY`).

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, StringBuilder, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{Accumulator, EmitTo, GroupsAccumulator};

use super::rows::{rows_as_state, Chunk, GroupRows, SortScratch};

/// Implements [`datafusion::logical_expr::AggregateUDFImpl`] for a row-collecting aggregate
/// `$ty` (a struct with a `signature` field and a `fn kernel(&AccumulatorArgs) ->
/// Result<K>` building its [`GroupKernel`] `K`): its SQL name, argument coercion
/// (`$coerce(arg_types)`), the result struct ([`GroupKernel::fields`]), the state (the group's
/// rows of `K::INPUTS`) and the accumulators ([`SingleAcc`], [`GroupsAcc`]).
macro_rules! row_aggregate {
    ($ty:ty, $kernel:ty, $name:literal, $coerce:expr) => {
        impl datafusion::logical_expr::AggregateUDFImpl for $ty {
            fn name(&self) -> &str {
                $name
            }

            fn signature(&self) -> &datafusion::logical_expr::Signature {
                &self.signature
            }

            fn coerce_types(
                &self,
                arg_types: &[datafusion::arrow::datatypes::DataType],
            ) -> datafusion::common::Result<Vec<datafusion::arrow::datatypes::DataType>> {
                ($coerce)(arg_types)
            }

            fn return_type(
                &self,
                _arg_types: &[datafusion::arrow::datatypes::DataType],
            ) -> datafusion::common::Result<datafusion::arrow::datatypes::DataType> {
                Ok(datafusion::arrow::datatypes::DataType::Struct(
                    <$kernel as $crate::sql::groups::GroupKernel>::fields(),
                ))
            }

            fn accumulator(
                &self,
                args: datafusion::logical_expr::function::AccumulatorArgs,
            ) -> datafusion::common::Result<Box<dyn datafusion::logical_expr::Accumulator>> {
                Ok(Box::new($crate::sql::groups::SingleAcc::new(Self::kernel(
                    &args,
                )?)))
            }

            fn state_fields(
                &self,
                args: datafusion::logical_expr::function::StateFieldsArgs,
            ) -> datafusion::common::Result<Vec<datafusion::arrow::datatypes::FieldRef>> {
                Ok($crate::sql::rows::state_fields(
                    args.name,
                    <$kernel as $crate::sql::groups::GroupKernel>::INPUTS,
                ))
            }

            fn groups_accumulator_supported(
                &self,
                _args: datafusion::logical_expr::function::AccumulatorArgs,
            ) -> bool {
                true
            }

            fn create_groups_accumulator(
                &self,
                args: datafusion::logical_expr::function::AccumulatorArgs,
            ) -> datafusion::common::Result<Box<dyn datafusion::logical_expr::GroupsAccumulator>>
            {
                Ok(Box::new($crate::sql::groups::GroupsAcc::new(Self::kernel(
                    &args,
                )?)))
            }
        }
    };
}
pub(super) use row_aggregate;

/// What an aggregate computes from one group's rows.
pub(super) trait GroupKernel: std::fmt::Debug + Send + Sync + 'static {
    /// Scratch space reused from group to group.
    type Scratch: Default + Send;
    /// A group's result.
    type Fit;
    /// Input columns read (the first arguments of the function), in order.
    const INPUTS: &'static [&'static str];
    /// The struct fields returned: the result's, then `error` (`Utf8`).
    fn fields() -> Fields;
    /// Analyses one group's rows (`cols`, one slice per input column, canonical order).
    ///
    /// # Errors
    /// Why the group cannot be analysed (the group's `error`).
    fn fit(&self, cols: &[&[Option<f64>]], s: &mut Self::Scratch) -> Result<Self::Fit, String>;
    /// Writes a result's fields (all but `error`) in order. With `None` it may write nothing:
    /// the end of the row fills every field left with null.
    fn write(fit: Option<&Self::Fit>, out: &mut StructOut);
}

/// One growing buffer per struct field.
#[derive(Debug)]
enum Col {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Text(StringBuilder),
}

/// The rows of a struct column being built, field by field in order ([`StructOut::int`],
/// [`StructOut::float`], [`StructOut::text`]), one row at a time.
#[derive(Debug)]
pub(super) struct StructOut {
    fields: Fields,
    cols: Vec<Col>,
    at: usize,
}

impl StructOut {
    fn new(fields: Fields, rows: usize) -> Self {
        let cols = fields
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int64 => Col::Int(Vec::with_capacity(rows)),
                DataType::Utf8 => Col::Text(StringBuilder::with_capacity(rows, 8 * rows)),
                _ => Col::Float(Vec::with_capacity(rows)),
            })
            .collect();
        StructOut {
            fields,
            cols,
            at: 0,
        }
    }

    fn next(&mut self) -> Option<&mut Col> {
        let c = self.cols.get_mut(self.at);
        self.at += 1;
        c
    }

    /// The next field, a count.
    pub(super) fn int(&mut self, v: Option<usize>) {
        match self.next() {
            Some(Col::Int(c)) => c.push(v.and_then(|n| i64::try_from(n).ok())),
            other => push_null(other),
        }
    }

    /// The next field, a number (non-finite values null).
    pub(super) fn float(&mut self, v: Option<f64>) {
        match self.next() {
            Some(Col::Float(c)) => c.push(v.filter(|x| x.is_finite())),
            other => push_null(other),
        }
    }

    /// The next field, text.
    pub(super) fn text(&mut self, v: Option<&str>) {
        match self.next() {
            Some(Col::Text(c)) => c.append_option(v),
            other => push_null(other),
        }
    }

    /// Ends a row: the `error` field, and nulls for any field left unwritten.
    fn end_row(&mut self, error: Option<&str>) {
        while self.at + 1 < self.cols.len() {
            push_null(self.cols.get_mut(self.at));
            self.at += 1;
        }
        self.text(error);
        self.at = 0;
    }

    fn finish(self) -> StructArray {
        let arrays: Vec<ArrayRef> = self
            .cols
            .into_iter()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Int(v) => Arc::new(Int64Array::from(v)),
                    Col::Float(v) => Arc::new(Float64Array::from(v)),
                    Col::Text(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        StructArray::new(self.fields, arrays, None)
    }
}

/// A null in whatever column this is (a field written with the wrong kind stays null).
fn push_null(c: Option<&mut Col>) {
    match c {
        Some(Col::Int(v)) => v.push(None),
        Some(Col::Float(v)) => v.push(None),
        Some(Col::Text(b)) => b.append_null(),
        None => {}
    }
}

/// Fits every group of `chunk`, in group order.
fn evaluate_chunk<K: GroupKernel>(kernel: &K, chunk: &Chunk) -> StructArray {
    let groups = chunk.groups();
    let mut out = StructOut::new(K::fields(), groups);
    let (mut sort, mut scratch) = (SortScratch::default(), K::Scratch::default());
    for g in 0..groups {
        if chunk.offsets[g] == chunk.offsets[g + 1] {
            K::write(None, &mut out);
            out.end_row(Some("no rows in the group"));
            continue;
        }
        let cols = chunk.sorted_group(g, &mut sort);
        match kernel.fit(&cols, &mut scratch) {
            Ok(fit) => {
                K::write(Some(&fit), &mut out);
                out.end_row(None);
            }
            Err(e) => {
                K::write(None, &mut out);
                out.end_row(Some(&e));
            }
        }
    }
    out.finish()
}

/// The accumulator of all groups of a partition.
#[derive(Debug)]
pub(super) struct GroupsAcc<K> {
    rows: GroupRows,
    kernel: K,
}

impl<K: GroupKernel> GroupsAcc<K> {
    pub(super) fn new(kernel: K) -> Self {
        GroupsAcc {
            rows: GroupRows::new(K::INPUTS.len()),
            kernel,
        }
    }
}

impl<K: GroupKernel> GroupsAccumulator for GroupsAcc<K> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.rows
            .update(values, group_indices, opt_filter, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let chunk = self.rows.take(emit_to);
        Ok(Arc::new(evaluate_chunk(&self.kernel, &chunk)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(self.rows.take(emit_to).state())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.rows.merge(values, group_indices, total_num_groups)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        rows_as_state(values, K::INPUTS.len(), opt_filter)
    }

    fn size(&self) -> usize {
        self.rows.size()
    }
}

/// The accumulator of a single group (an aggregate without `GROUP BY`).
#[derive(Debug)]
pub(super) struct SingleAcc<K> {
    rows: GroupRows,
    kernel: K,
}

impl<K: GroupKernel> SingleAcc<K> {
    pub(super) fn new(kernel: K) -> Self {
        let mut rows = GroupRows::new(K::INPUTS.len());
        rows.at_least(1);
        SingleAcc { rows, kernel }
    }
}

/// Row 0 of each array.
fn first_row(arrays: &[ArrayRef]) -> Result<Vec<ScalarValue>> {
    arrays
        .iter()
        .map(|a| ScalarValue::try_from_array(a, 0))
        .collect()
}

impl<K: GroupKernel> Accumulator for SingleAcc<K> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let n = values.first().map_or(0, |a| a.len());
        self.rows.update(values, &vec![0; n], None, 1)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let s = evaluate_chunk(&self.kernel, &self.rows.copy());
        ScalarValue::try_from_array(&s, 0)
    }

    fn size(&self) -> usize {
        self.rows.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        first_row(&self.rows.copy().state())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let n = states.first().map_or(0, |a| a.len());
        self.rows.merge(states, &vec![0; n], 1)
    }
}
