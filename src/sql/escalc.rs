//! `escalc(measure, …arm columns)`: one effect size per row.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array, StringArray, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::effect::convert::effect_rows;
use crate::effect::{needed_columns, EffectOptions, Measure};

/// The scalar function `escalc`: a row's effect size and sampling variance, computed by the
/// kernel of `peerstat effects` and `reanalyse` with metafor's default options.
///
/// One signature per measure family (`measure` a text literal; the other arguments are the
/// columns the measure reads, in this order):
///
/// | measures | arguments after `measure` |
/// |---|---|
/// | `'SMD'`, `'MD'`, `'ROM'`, `'SMDH'` (two arms, means) | `n_t, mean_t, sd_t, n_c, mean_c, sd_c` |
/// | `'OR'`, `'RR'`, `'RD'`, `'AS'` (2×2 tables) | `events_t, n_t, events_c, n_c` |
/// | `'IRR'`, `'IRD'`, `'IRSD'` (incidence rates) | `events_t, person_time_t, events_c, person_time_c` |
/// | `'SMCC'`, `'SMCRH'` (change in one group) | `mean_post, sd_post, mean_pre, sd_pre, n, ri` |
/// | `'SMCR'` (change, raw-score SD) | `mean_post, mean_pre, sd_pre, n, ri` |
/// | `'COR'`, `'ZCOR'` (correlations) | `ri, n` |
/// | `'PR'`, `'PLO'`, `'PFT'` (proportions) | `events, n` |
/// | `'GEN'` (precomputed) | `yi, vi` |
///
/// Returns a struct `(yi, vi, error)`: a row with a missing value or an undefined effect gets
/// nulls and the reason in `error`, as does a row with a bad value (a negative SD, events above
/// n); the query goes on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Escalc {
    signature: Signature,
}

impl Default for Escalc {
    fn default() -> Self {
        Escalc {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The struct fields `escalc` returns.
pub fn escalc_fields() -> Fields {
    Fields::from(vec![
        Field::new("yi", DataType::Float64, true),
        Field::new("vi", DataType::Float64, true),
        Field::new("error", DataType::Utf8, true),
    ])
}

const USAGE: &str = "escalc('SMD'|'MD'|'ROM'|'SMDH', n_t, mean_t, sd_t, n_c, mean_c, sd_c), \
                     escalc('OR'|'RR'|'RD'|'AS', events_t, n_t, events_c, n_c), \
                     escalc('IRR'|'IRD'|'IRSD', events_t, person_time_t, events_c, person_time_c), \
                     escalc('SMCC'|'SMCRH', mean_post, sd_post, mean_pre, sd_pre, n, ri), \
                     escalc('SMCR', mean_post, mean_pre, sd_pre, n, ri), \
                     escalc('COR'|'ZCOR', ri, n), escalc('PR'|'PLO'|'PFT', events, n) or \
                     escalc('GEN', yi, vi)";

/// Argument counts (with the measure) of the signatures.
const ARITIES: [usize; 5] = [3, 5, 6, 7, 8];

fn plan(msg: String) -> DataFusionError {
    DataFusionError::Plan(msg)
}

/// The measure and its argument columns (canonical names, in order).
fn measure_of(arg: &ColumnarValue) -> Result<(Measure, Vec<&'static str>)> {
    let ColumnarValue::Scalar(s) = arg else {
        return Err(plan(format!(
            "escalc: the measure must be a literal; {USAGE}"
        )));
    };
    let Some(Some(code)) = s.try_as_str() else {
        return Err(plan(format!("escalc: the measure must be text; {USAGE}")));
    };
    let m: Measure = code
        .parse()
        .map_err(|e: crate::error::Error| plan(format!("escalc: {e}")))?;
    // GEN reads `yi` with `vi` (not `sei`).
    Ok((m, needed_columns(m, |c| c == "vi")))
}

impl ScalarUDFImpl for Escalc {
    fn name(&self) -> &str {
        "escalc"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !ARITIES.contains(&arg_types.len()) {
            return Err(plan(format!(
                "escalc: expected 3, 5, 6, 7 or 8 arguments, got {}; {USAGE}",
                arg_types.len()
            )));
        }
        let mut t = vec![DataType::Utf8];
        t.extend(std::iter::repeat_n(DataType::Float64, arg_types.len() - 1));
        Ok(t)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(escalc_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (measure, names) = match args.args.first() {
            Some(a) => measure_of(a)?,
            None => return Err(plan(format!("escalc: no arguments; {USAGE}"))),
        };
        if args.args.len() != names.len() + 1 {
            return Err(plan(format!(
                "escalc: measure {measure} takes {} columns ({}), got {}; {USAGE}",
                names.len(),
                names.join(", "),
                args.args.len() - 1
            )));
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args[1..])?;
        let cols: Vec<Vec<Option<f64>>> = arrays
            .iter()
            .map(|a| {
                a.as_primitive_opt::<Float64Type>()
                    .map(|p| p.iter().collect())
                    .ok_or_else(|| plan("escalc: expected numeric columns".into()))
            })
            .collect::<Result<_>>()?;
        let slices: Vec<&[Option<f64>]> = cols.iter().map(Vec::as_slice).collect();
        let n = args.number_rows;
        let opts = EffectOptions::default();
        let (mut y, mut v, mut err) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut out = Vec::with_capacity(1);
        for i in 0..n {
            out.clear();
            let row = effect_rows(measure, &opts, &names, &slices, i..i + 1, &mut out);
            let (yi, vi, e) = match (row, out.first()) {
                (Err(bad), _) => (None, None, Some(format!("{}: {}", bad.column, bad.message))),
                (Ok(()), Some(Ok((yi, vi, _)))) => (Some(*yi), Some(*vi), None),
                (Ok(()), Some(Err(skip))) => (None, None, Some(skip.reason(|c| c.to_string()))),
                (Ok(()), None) => (None, None, Some("no effect".to_string())),
            };
            y.push(yi);
            v.push(vi);
            err.push(e);
        }
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from(y)),
            Arc::new(Float64Array::from(v)),
            Arc::new(StringArray::from(err)),
        ];
        let s = StructArray::new(escalc_fields(), arrays, None);
        if n == 1
            && args
                .args
                .iter()
                .all(|a| matches!(a, ColumnarValue::Scalar(_)))
        {
            return Ok(ColumnarValue::Scalar(ScalarValue::Struct(Arc::new(s))));
        }
        Ok(ColumnarValue::Array(Arc::new(s) as ArrayRef))
    }
}
