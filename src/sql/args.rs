//! Argument checking shared by the functions: type coercion and literal options.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

/// Coerces arguments to `types` (the first `required` of them required).
pub(super) fn coerce(
    usage: &str,
    arg_types: &[DataType],
    types: &[DataType],
    required: usize,
) -> Result<Vec<DataType>> {
    if arg_types.len() < required || arg_types.len() > types.len() {
        return Err(DataFusionError::Plan(format!(
            "{usage}: expected {required} to {} arguments, got {}",
            types.len(),
            arg_types.len()
        )));
    }
    Ok(types[..arg_types.len()].to_vec())
}

fn literal<'a>(
    func: &str,
    name: &str,
    e: Option<&'a Arc<dyn PhysicalExpr>>,
) -> Result<Option<&'a ScalarValue>> {
    let Some(e) = e else { return Ok(None) };
    match e.downcast_ref::<Literal>() {
        Some(l) if l.value().is_null() => Ok(None),
        Some(l) => Ok(Some(l.value())),
        None => Err(DataFusionError::Plan(format!(
            "{func}: {name} must be a literal (the same for every row)"
        ))),
    }
}

/// A text option (`NULL` = default).
pub(super) fn literal_str(
    func: &str,
    name: &str,
    e: Option<&Arc<dyn PhysicalExpr>>,
) -> Result<Option<String>> {
    match literal(func, name, e)? {
        None => Ok(None),
        Some(v) => match v.try_as_str() {
            Some(Some(s)) => Ok(Some(s.to_string())),
            _ => Err(DataFusionError::Plan(format!(
                "{func}: {name} must be text, got {v}"
            ))),
        },
    }
}

/// A Boolean option (`NULL` = default).
pub(super) fn literal_bool(
    func: &str,
    name: &str,
    e: Option<&Arc<dyn PhysicalExpr>>,
) -> Result<Option<bool>> {
    match literal(func, name, e)? {
        None => Ok(None),
        Some(ScalarValue::Boolean(b)) => Ok(*b),
        Some(v) => Err(DataFusionError::Plan(format!(
            "{func}: {name} must be true or false, got {v}"
        ))),
    }
}

/// A numeric option (`NULL` = default).
pub(super) fn literal_f64(
    func: &str,
    name: &str,
    e: Option<&Arc<dyn PhysicalExpr>>,
) -> Result<Option<f64>> {
    match literal(func, name, e)? {
        None => Ok(None),
        Some(v) => match v.cast_to(&DataType::Float64)? {
            ScalarValue::Float64(x) => Ok(x),
            _ => Err(DataFusionError::Plan(format!(
                "{func}: {name} must be a number, got {v}"
            ))),
        },
    }
}

/// The model options `method`, `knha`, `level` from arguments 3–5 (0-based 2–4).
pub(super) fn model_options(
    func: &str,
    e: &[Arc<dyn PhysicalExpr>],
) -> Result<crate::model::RandomEffects> {
    let mut model = crate::model::RandomEffects::new();
    if let Some(m) = literal_str(func, "method", e.get(2))? {
        let m: crate::model::Tau2Method = m
            .parse()
            .map_err(|err: crate::error::Error| DataFusionError::Plan(format!("{func}: {err}")))?;
        model = model.method(m);
    }
    if let Some(k) = literal_bool(func, "knha", e.get(3))? {
        model = model.knha(k);
    }
    if let Some(l) = literal_f64(func, "level", e.get(4))? {
        model = model
            .level(l)
            .map_err(|err| DataFusionError::Plan(format!("{func}: {err}")))?;
    }
    Ok(model)
}

/// The argument types of `rma` and `egger`: `yi`, `vi`, then `method`, `knha`, `level`.
pub(super) fn model_arg_types(usage: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    coerce(
        usage,
        arg_types,
        &[
            DataType::Float64,
            DataType::Float64,
            DataType::Utf8,
            DataType::Boolean,
            DataType::Float64,
        ],
        2,
    )
}
