//! `rma(yi, vi [, method [, knha [, level]]])`: a random-effects meta-analysis per group.

use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::Result;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Signature, Volatility};

use super::args::{model_arg_types, model_options};
use super::gen::{gen_effects, GenScratch, GEN_INPUTS};
use super::groups::{row_aggregate, GroupKernel, StructOut};
use crate::model::{RandomEffects, Summary, SummaryValue, Workspace};

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
/// in that order (the same row kernel and [`RandomEffects::fit_slices`], no table built per
/// group).
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

/// The kernel of `rma`: `reanalyse`'s row reading and fit.
#[derive(Debug, Clone, Copy)]
pub(super) struct RmaKernel {
    model: RandomEffects,
}

/// Scratch of [`RmaKernel`].
#[derive(Debug, Default)]
pub(super) struct RmaScratch {
    gen: GenScratch,
    ws: Workspace,
}

impl GroupKernel for RmaKernel {
    type Scratch = RmaScratch;
    type Fit = Summary;
    const INPUTS: &'static [&'static str] = GEN_INPUTS;

    fn fields() -> Fields {
        rma_fields()
    }

    fn fit(&self, cols: &[&[Option<f64>]], s: &mut RmaScratch) -> Result<Summary, String> {
        gen_effects(cols, &mut s.gen)?;
        self.model
            .fit_slices(&s.gen.y, &s.gen.v, &mut s.ws)
            .map_err(|e| e.to_string())
    }

    fn write(fit: Option<&Summary>, out: &mut StructOut) {
        // A failed group writes nothing: the row's end fills every field with null.
        let Some(fit) = fit else { return };
        for c in Summary::COLUMNS.iter().filter(|c| c.bulk) {
            match (c.get)(fit) {
                SummaryValue::Int(n) => out.int(Some(n)),
                SummaryValue::Float(x) => out.float(Some(x)),
                SummaryValue::Text(t) => out.text(Some(t)),
            }
        }
    }
}

impl Rma {
    fn kernel(args: &AccumulatorArgs) -> Result<RmaKernel> {
        Ok(RmaKernel {
            model: model_options("rma", args.exprs)?,
        })
    }
}

row_aggregate!(Rma, RmaKernel, "rma", |t: &[DataType]| model_arg_types(
    "rma(yi, vi [, method [, knha [, level]]])",
    t
));
