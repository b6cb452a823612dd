//! `rma_mh(ai, n1, ci, n2 [, measure [, level]])`: the Mantel–Haenszel common-effect model per
//! group of 2×2 tables.

use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Signature, Volatility};

use super::args::{coerce, literal_f64, literal_str};
use super::groups::{row_aggregate, GroupKernel, StructOut};
use crate::data::{Column, Table};
use crate::diag::{mantel_haenszel, MhFit};
use crate::effect::Measure;

/// The aggregate function `rma_mh`: [`crate::diag::mantel_haenszel`] (metafor's `rma.mh`, as
/// `peerstat meta --method MH`) on each group's 2×2 tables.
///
/// Arguments: `ai` (events, treatment arm), `n1` (its size), `ci` (events, control arm), `n2`
/// (its size), then optional literals `measure` (`'OR'` (default), `'RR'` or `'RD'`) and `level`
/// (confidence level in percent, default 95). Returns a struct with `k`, `estimate`, `se`,
/// `ci_lower`, `ci_upper`, `statistic`, `p_value` (log scale for OR and RR; z test), `tau2`
/// (0), `i2`, `h2`, `q`, `q_df`, `q_p`, `cmh`, `cmh_p` (the Cochran–Mantel–Haenszel test, OR
/// only) and `error`. A group that cannot be analysed gets its `error` and nulls.
///
/// Rows are sorted by `(ai, n1, ci, n2)` before the fit (its sums depend on the order), so the
/// result does not depend on the partitioning or row order of the query; it is bit-for-bit the
/// library's on the group's rows in that order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RmaMh {
    signature: Signature,
}

impl Default for RmaMh {
    fn default() -> Self {
        RmaMh {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const USAGE: &str = "rma_mh(ai, n1, ci, n2 [, measure [, level]])";

/// The input columns, by their canonical names.
const INPUTS: &[&str] = &["events_t", "n_t", "events_c", "n_c"];

const FLOATS_1: [&str; 10] = [
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "statistic",
    "p_value",
    "tau2",
    "i2",
    "h2",
    "q",
];
const FLOATS_2: [&str; 3] = ["q_p", "cmh", "cmh_p"];

/// The struct fields `rma_mh` returns.
pub fn rma_mh_fields() -> Fields {
    let float = |n: &&str| Field::new(*n, DataType::Float64, true);
    std::iter::once(Field::new("k", DataType::Int64, true))
        .chain(FLOATS_1.iter().map(float))
        .chain(std::iter::once(Field::new("q_df", DataType::Int64, true)))
        .chain(FLOATS_2.iter().map(float))
        .chain(std::iter::once(Field::new("error", DataType::Utf8, true)))
        .collect()
}

/// The kernel of `rma_mh`.
#[derive(Debug, Clone, Copy)]
pub(super) struct MhKernel {
    measure: Measure,
    level: f64,
}

fn value(f: &MhFit, name: &str) -> f64 {
    match name {
        "estimate" => f.est.estimate,
        "se" => f.est.se,
        "ci_lower" => f.est.ci_lower,
        "ci_upper" => f.est.ci_upper,
        "statistic" => f.est.statistic,
        "p_value" => f.est.p_value,
        "tau2" => f.tau2,
        "i2" => f.i2,
        "h2" => f.h2,
        "q" => f.q,
        "q_p" => f.q_p,
        "cmh" => f.cmh,
        _ => f.cmh_p,
    }
}

impl GroupKernel for MhKernel {
    type Scratch = ();
    type Fit = MhFit;
    const INPUTS: &'static [&'static str] = INPUTS;

    fn fields() -> Fields {
        rma_mh_fields()
    }

    fn fit(&self, cols: &[&[Option<f64>]], _: &mut ()) -> Result<MhFit, String> {
        let table = Table::from_columns(
            "group",
            INPUTS
                .iter()
                .zip(cols)
                .map(|(n, c)| (n.to_string(), Column::Float(c.to_vec())))
                .collect(),
        )
        .map_err(|e| e.to_string())?;
        mantel_haenszel(&table, self.measure, self.level).map_err(|e| e.to_string())
    }

    fn write(fit: Option<&MhFit>, out: &mut StructOut) {
        out.int(fit.map(|f| f.k));
        for n in FLOATS_1 {
            out.float(fit.map(|f| value(f, n)));
        }
        out.int(fit.map(|f| f.q_df));
        for n in FLOATS_2 {
            out.float(fit.map(|f| value(f, n)));
        }
    }
}

impl RmaMh {
    fn kernel(args: &AccumulatorArgs) -> Result<MhKernel> {
        let plan = |m: String| DataFusionError::Plan(format!("rma_mh: {m}"));
        let measure = match literal_str("rma_mh", "measure", args.exprs.get(4))? {
            None => Measure::Or,
            Some(m) => m
                .parse()
                .map_err(|e: crate::error::Error| plan(e.to_string()))?,
        };
        if !matches!(measure, Measure::Or | Measure::Rr | Measure::Rd) {
            return Err(plan(format!(
                "the measure must be 'OR', 'RR' or 'RD', not '{measure}'; {USAGE}"
            )));
        }
        let level = literal_f64("rma_mh", "level", args.exprs.get(5))?.unwrap_or(95.0);
        crate::error::check_level(level).map_err(|e| plan(e.to_string()))?;
        Ok(MhKernel { measure, level })
    }
}

/// The argument types of `rma_mh`: four numbers, then the optional literals.
fn mh_arg_types(arg_types: &[DataType]) -> Result<Vec<DataType>> {
    let f = DataType::Float64;
    coerce(
        USAGE,
        arg_types,
        &[
            f.clone(),
            f.clone(),
            f.clone(),
            f.clone(),
            DataType::Utf8,
            f,
        ],
        4,
    )
}

row_aggregate!(RmaMh, MhKernel, "rma_mh", mh_arg_types);
