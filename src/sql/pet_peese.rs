//! `pet_peese(yi, vi [, method [, knha [, level]]])`: PET, PEESE and PET-PEESE per group.

use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::Result;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Signature, Volatility};

use super::args::{model_arg_types, model_options};
use super::gen::{gen_effects, GenScratch, GEN_INPUTS};
use super::groups::{row_aggregate, GroupKernel, StructOut};
use crate::diag::{pet_peese, PetOrPeese, PetPeese as PetPeeseFit};
use crate::effect::{EffectSizes, Measure};

/// The aggregate function `pet_peese`: PET, PEESE and the conditional PET-PEESE estimate
/// ([`crate::diag::pet_peese`], metafor `regtest(model = "lm")` limit estimates; PEESE when
/// PET's intercept has two-sided p < 0.10, Stanley & Doucouliagos 2014) on each group's rows.
///
/// Arguments as [`super::Rma`]'s (only `level` matters: the regressions are weighted least
/// squares whatever the τ² method). Returns a struct with `k`, `pet_estimate`, `pet_se`,
/// `pet_ci_lower`, `pet_ci_upper`, `pet_intercept_p`, `peese_estimate`, `peese_se`,
/// `peese_ci_lower`, `peese_ci_upper`, `chosen` (`"pet"` or `"peese"`), `estimate`, `se`,
/// `ci_lower`, `ci_upper` and `error`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PetPeese {
    signature: Signature,
}

impl Default for PetPeese {
    fn default() -> Self {
        PetPeese {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

const PET: [&str; 5] = [
    "pet_estimate",
    "pet_se",
    "pet_ci_lower",
    "pet_ci_upper",
    "pet_intercept_p",
];
const PEESE: [&str; 4] = [
    "peese_estimate",
    "peese_se",
    "peese_ci_lower",
    "peese_ci_upper",
];
const CHOSEN: [&str; 4] = ["estimate", "se", "ci_lower", "ci_upper"];

/// The struct fields `pet_peese` returns.
pub fn pet_peese_fields() -> Fields {
    let float = |n: &&str| Field::new(*n, DataType::Float64, true);
    std::iter::once(Field::new("k", DataType::Int64, true))
        .chain(PET.iter().map(float))
        .chain(PEESE.iter().map(float))
        .chain(std::iter::once(Field::new("chosen", DataType::Utf8, true)))
        .chain(CHOSEN.iter().map(float))
        .chain(std::iter::once(Field::new("error", DataType::Utf8, true)))
        .collect()
}

/// The kernel of `pet_peese`: the rows read as by `rma`, then [`crate::diag::pet_peese`].
#[derive(Debug, Clone, Copy)]
pub(super) struct PetPeeseKernel {
    level: f64,
}

impl GroupKernel for PetPeeseKernel {
    type Scratch = GenScratch;
    type Fit = (usize, PetPeeseFit);
    const INPUTS: &'static [&'static str] = GEN_INPUTS;

    fn fields() -> Fields {
        pet_peese_fields()
    }

    fn fit(&self, cols: &[&[Option<f64>]], s: &mut GenScratch) -> Result<Self::Fit, String> {
        gen_effects(cols, s)?;
        let es = EffectSizes::from_slices(Measure::Gen, &s.y, &s.v).map_err(|e| e.to_string())?;
        let fit = pet_peese(&es, self.level, 0.10).map_err(|e| e.to_string())?;
        Ok((es.k(), fit))
    }

    fn write(fit: Option<&Self::Fit>, out: &mut StructOut) {
        out.int(fit.map(|f| f.0));
        let f = fit.map(|f| &f.1);
        out.float(f.map(|f| f.pet.estimate));
        out.float(f.map(|f| f.pet.se));
        out.float(f.map(|f| f.pet.ci_lower));
        out.float(f.map(|f| f.pet.ci_upper));
        out.float(f.map(|f| f.pet.intercept_p));
        out.float(f.map(|f| f.peese.estimate));
        out.float(f.map(|f| f.peese.se));
        out.float(f.map(|f| f.peese.ci_lower));
        out.float(f.map(|f| f.peese.ci_upper));
        out.text(f.map(|f| match f.pet_peese.chosen {
            PetOrPeese::Pet => "pet",
            PetOrPeese::Peese => "peese",
        }));
        out.float(f.map(|f| f.pet_peese.estimate));
        out.float(f.map(|f| f.pet_peese.se));
        out.float(f.map(|f| f.pet_peese.ci_lower));
        out.float(f.map(|f| f.pet_peese.ci_upper));
    }
}

impl PetPeese {
    fn kernel(args: &AccumulatorArgs) -> Result<PetPeeseKernel> {
        Ok(PetPeeseKernel {
            level: model_options("pet_peese", args.exprs)?.get_level(),
        })
    }
}

row_aggregate!(PetPeese, PetPeeseKernel, "pet_peese", |t: &[DataType]| {
    model_arg_types("pet_peese(yi, vi [, method [, knha [, level]]])", t)
});
