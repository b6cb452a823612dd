//! `rma(yi, vi [, method [, knha [, level]]])`: a random-effects meta-analysis per group.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use super::args::{model_arg_types, model_options};
use super::rows::{state_fields, Rows};
use crate::bulk::Reanalysis;
use crate::data::{Column, Table};
use crate::effect::Measure;
use crate::model::{RandomEffects, Summary, SummaryValue};

/// The aggregate function `rma`: the random-effects model of `peerstat reanalyse` (measure
/// `GEN`: precomputed `yi`, `vi`) fitted to each group's rows.
///
/// Arguments: `yi`, `vi` (numbers), then optional literals `method` (τ² estimator, default
/// `'REML'`), `knha` (Knapp–Hartung, default `false`) and `level` (confidence level in
/// percent, default 95). Returns a struct with the columns of [`crate::bulk::result_columns`]. A group that
/// cannot be analysed gets its `error` and nulls, and the query goes on.
///
/// The group's rows are sorted by `(yi, vi)` before the fit, so the result does not depend on
/// the partitioning or row order of the query; it is bit-for-bit `reanalyse`'s on the same rows
/// in that order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rma {
    signature: Signature,
}

impl Default for Rma {
    fn default() -> Self {
        Rma {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The struct fields `rma` returns: [`crate::bulk::result_columns`] typed as `reanalyse` writes them
/// (counts `Int64`, numbers `Float64` with non-finite values null, labels and `error` `Utf8`).
pub fn rma_fields() -> Fields {
    let kinds = Summary::COLUMNS.iter().filter(|c| c.bulk).map(|c| {
        let t = match (c.get)(&Summary::default()) {
            SummaryValue::Int(_) => DataType::Int64,
            SummaryValue::Float(_) => DataType::Float64,
            SummaryValue::Text(_) => DataType::Utf8,
        };
        Field::new(c.name, t, true)
    });
    kinds
        .chain(std::iter::once(Field::new("error", DataType::Utf8, true)))
        .collect()
}

impl AggregateUDFImpl for Rma {
    fn name(&self) -> &str {
        "rma"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        model_arg_types("rma(yi, vi [, method [, knha [, level]]])", arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(rma_fields()))
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let model = model_options("rma", acc_args.exprs)?;
        Ok(Box::new(RmaAcc {
            rows: Rows::default(),
            model,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(state_fields(args.name))
    }
}

#[derive(Debug)]
struct RmaAcc {
    rows: Rows,
    model: RandomEffects,
}

/// Fits one group as `reanalyse` does (measure `GEN`), rows in the given order.
pub(crate) fn fit_group(
    model: &RandomEffects,
    y: Vec<Option<f64>>,
    v: Vec<Option<f64>>,
) -> std::result::Result<Summary, String> {
    let n = y.len();
    let table = Table::from_columns(
        "group",
        vec![
            ("group".to_string(), Column::Int(vec![Some(0); n])),
            ("yi".to_string(), Column::Float(y)),
            ("vi".to_string(), Column::Float(v)),
        ],
    )
    .map_err(|e| e.to_string())?;
    let result = Reanalysis::new(&["group"], Measure::Gen)
        .model(*model)
        .run_table(&table)
        .map_err(|e| e.to_string())?;
    match result.into_iter().next() {
        None => Err("no rows in the group".into()),
        Some(g) => match (g.summary, g.error) {
            (_, Some(e)) => Err(e),
            (Some(s), None) => Ok(s),
            (None, None) => Err("no result".into()),
        },
    }
}

/// One struct row from a fit or its error.
fn struct_row(fit: std::result::Result<Summary, String>) -> ScalarValue {
    let fields = rma_fields();
    let cols = Summary::COLUMNS.iter().filter(|c| c.bulk);
    let ok = fit.as_ref().ok();
    let mut arrays: Vec<ArrayRef> = cols
        .map(|c| -> ArrayRef {
            let value = ok.map(|s| (c.get)(s));
            match (c.get)(&Summary::default()) {
                SummaryValue::Int(_) => Arc::new(Int64Array::from(vec![match value {
                    Some(SummaryValue::Int(n)) => i64::try_from(n).ok(),
                    _ => None,
                }])),
                SummaryValue::Float(_) => Arc::new(Float64Array::from(vec![match value {
                    Some(SummaryValue::Float(x)) => x.is_finite().then_some(x),
                    _ => None,
                }])),
                SummaryValue::Text(_) => Arc::new(StringArray::from(vec![match value {
                    Some(SummaryValue::Text(t)) => Some(t),
                    _ => None,
                }])),
            }
        })
        .collect();
    arrays.push(Arc::new(StringArray::from(vec![fit.err()])));
    ScalarValue::Struct(Arc::new(StructArray::new(fields, arrays, None)))
}

impl Accumulator for RmaAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.rows.update(values)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (y, v) = self.rows.sorted();
        Ok(struct_row(fit_group(&self.model, y, v)))
    }

    fn size(&self) -> usize {
        self.rows.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(self.rows.state())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.rows.merge(states)
    }
}
