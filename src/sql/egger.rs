//! `egger(yi, vi [, method [, knha [, level]]])`: Egger's regression test per group.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use super::args::{model_arg_types, model_options};
use super::rows::{state_fields, Rows};
use crate::data::{Column, Table};
use crate::diag::{egger, Egger as EggerTest, EggerModel};
use crate::effect::{EffectOptions, EffectSizes, Measure};
use crate::model::RandomEffects;

/// The aggregate function `egger`: Egger's regression test for funnel-plot asymmetry
/// ([`crate::diag::egger`], metafor's `regtest` default: the model refitted with the standard
/// error as moderator) on each group's rows, read as `peerstat meta` reads `yi`, `vi` columns.
///
/// Arguments as [`super::Rma`]'s. Returns a struct with `k`, `statistic`, `df`, `p_value`,
/// `slope`, `limit_estimate`, `limit_ci_lower`, `limit_ci_upper` and `error`; a group that
/// cannot be tested gets its `error` and nulls. Rows are sorted by `(yi, vi)` first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Egger {
    signature: Signature,
}

impl Default for Egger {
    fn default() -> Self {
        Egger {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const FLOATS: [&str; 7] = [
    "statistic",
    "df",
    "p_value",
    "slope",
    "limit_estimate",
    "limit_ci_lower",
    "limit_ci_upper",
];

/// The struct fields `egger` returns.
pub fn egger_fields() -> Fields {
    std::iter::once(Field::new("k", DataType::Int64, true))
        .chain(
            FLOATS
                .iter()
                .map(|n| Field::new(*n, DataType::Float64, true)),
        )
        .chain(std::iter::once(Field::new("error", DataType::Utf8, true)))
        .collect()
}

impl AggregateUDFImpl for Egger {
    fn name(&self) -> &str {
        "egger"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        model_arg_types("egger(yi, vi [, method [, knha [, level]]])", arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(egger_fields()))
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(EggerAcc {
            rows: Rows::default(),
            model: model_options("egger", acc_args.exprs)?,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(state_fields(args.name))
    }
}

#[derive(Debug)]
struct EggerAcc {
    rows: Rows,
    model: RandomEffects,
}

/// Egger's test on one group, its rows read as `peerstat meta` reads `yi`, `vi` columns.
pub(crate) fn egger_group(
    model: &RandomEffects,
    y: Vec<Option<f64>>,
    v: Vec<Option<f64>>,
) -> std::result::Result<(usize, EggerTest), String> {
    let table = Table::from_columns(
        "group",
        vec![
            ("yi".to_string(), Column::Float(y)),
            ("vi".to_string(), Column::Float(v)),
        ],
    )
    .map_err(|e| e.to_string())?;
    let es = EffectSizes::compute(&table, Measure::Gen, &EffectOptions::default())
        .map_err(|e| e.to_string())?;
    let test = egger(&es, model, EggerModel::default()).map_err(|e| e.to_string())?;
    Ok((es.k(), test))
}

impl Accumulator for EggerAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.rows.update(values)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (y, v) = self.rows.sorted();
        let fit = egger_group(&self.model, y, v);
        let ok = fit.as_ref().ok();
        let finite = |x: f64| x.is_finite().then_some(x);
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![
            ok.and_then(|(k, _)| i64::try_from(*k).ok())
        ]))];
        for name in FLOATS {
            let value = ok.and_then(|(_, t)| {
                finite(match name {
                    "statistic" => t.statistic,
                    "df" => t.df,
                    "p_value" => t.p_value,
                    "slope" => t.slope,
                    "limit_estimate" => t.limit_estimate,
                    "limit_ci_lower" => t.limit_ci_lower,
                    _ => t.limit_ci_upper,
                })
            });
            arrays.push(Arc::new(Float64Array::from(vec![value])));
        }
        arrays.push(Arc::new(StringArray::from(vec![fit.err()])));
        Ok(ScalarValue::Struct(Arc::new(StructArray::new(
            egger_fields(),
            arrays,
            None,
        ))))
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
