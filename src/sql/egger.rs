//! `egger(yi, vi [, method [, knha [, level]]])`: Egger's regression test per group.

use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::Result;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Signature, Volatility};

use super::args::{model_arg_types, model_options};
use super::gen::{gen_effects, GenScratch, GEN_INPUTS};
use super::groups::{row_aggregate, GroupKernel, StructOut};
use crate::diag::{egger, Egger as EggerTest, EggerModel};
use crate::effect::{EffectSizes, Measure};
use crate::model::RandomEffects;

/// The aggregate function `egger`: Egger's regression test for funnel-plot asymmetry
/// ([`crate::diag::egger`], metafor's `regtest` default: the model refitted with the standard
/// error as moderator) on each group's rows, read as `peerstat meta` reads `yi`, `vi` columns.
///
/// Arguments as [`super::Rma`]'s. Returns a struct with `k`, `statistic`, `df`, `p_value`,
/// `slope`, `limit_estimate`, `limit_ci_lower`, `limit_ci_upper` and `error`; a group that
/// cannot be tested gets its `error` and nulls. Rows are sorted by `(yi, vi)` first and read as
/// by [`super::Rma`] (rows with a missing value omitted).
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

/// The kernel of `egger`: the rows read as by `rma`, then [`crate::diag::egger`].
#[derive(Debug, Clone, Copy)]
pub(super) struct EggerKernel {
    model: RandomEffects,
}

impl GroupKernel for EggerKernel {
    type Scratch = GenScratch;
    type Fit = (usize, EggerTest);
    const INPUTS: &'static [&'static str] = GEN_INPUTS;

    fn fields() -> Fields {
        egger_fields()
    }

    fn fit(&self, cols: &[&[Option<f64>]], s: &mut GenScratch) -> Result<Self::Fit, String> {
        gen_effects(cols, s)?;
        let es = EffectSizes::from_slices(Measure::Gen, &s.y, &s.v).map_err(|e| e.to_string())?;
        let test = egger(&es, &self.model, EggerModel::default()).map_err(|e| e.to_string())?;
        Ok((es.k(), test))
    }

    fn write(fit: Option<&Self::Fit>, out: &mut StructOut) {
        out.int(fit.map(|f| f.0));
        for name in FLOATS {
            out.float(fit.map(|(_, t)| match name {
                "statistic" => t.statistic,
                "df" => t.df,
                "p_value" => t.p_value,
                "slope" => t.slope,
                "limit_estimate" => t.limit_estimate,
                "limit_ci_lower" => t.limit_ci_lower,
                _ => t.limit_ci_upper,
            }));
        }
    }
}

impl Egger {
    fn kernel(args: &AccumulatorArgs) -> Result<EggerKernel> {
        Ok(EggerKernel {
            model: model_options("egger", args.exprs)?,
        })
    }
}

row_aggregate!(Egger, EggerKernel, "egger", |t: &[DataType]| {
    model_arg_types("egger(yi, vi [, method [, knha [, level]]])", t)
});
