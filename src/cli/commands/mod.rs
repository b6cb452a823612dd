//! One handler per command, and the validation shared by them.

pub mod bubble;
pub mod bulk;
pub mod diag;
pub mod econ;
pub mod framework;
pub mod meta;
pub mod network;

use std::path::Path;

use peerstat::data::{self, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::RandomEffects;

use super::args::{DataArgs, ModelArgs};
use super::output::columns;
use super::{say, Failure};

/// Validated data options and the table read.
pub struct Loaded {
    pub table: Table,
    pub measure: Measure,
    pub opts: EffectOptions,
}

/// Checks that every `--col` rename is of a column the command reads: a canonical column, or
/// one named in its options (`named`: moderators, group keys, codebook fields …).
pub fn check_renames(map: &ColumnMap, named: &[&str]) -> Result<(), Failure> {
    let mut known: Vec<&str> = data::CANONICAL_COLUMNS.to_vec();
    known.extend(
        named
            .iter()
            .filter(|n| !known.contains(n))
            .collect::<Vec<_>>(),
    );
    Ok(map.check_known(&known)?)
}

/// Reads the input and settles the measure (GEN when there is a `yi` column and none is given).
/// `named` are the columns the command's options name (see [`check_renames`]).
pub fn load(a: &DataArgs, named: &[&str]) -> Result<Loaded, Failure> {
    let map = columns(&a.col)?;
    check_renames(&map, named)?;
    let opts = effect_options(a)?;
    let table = data::read_table(&a.input, &map)?;
    let measure = match a.measure {
        Some(m) => m.into(),
        None if table.has("yi") => Measure::Gen,
        None => {
            let hint = if table.has("mean_t") {
                "the file has continuous arm columns: SMD, MD or ROM"
            } else if table.has("person_time_t") {
                "the file has events and person-time per arm: IRR, IRD or IRSD"
            } else if table.has("events_t") {
                "the file has 2x2 columns: OR, RR, RD or AS"
            } else if table.has("mean_pre") {
                "the file has pre/post columns: SMCC, SMCR or SMCRH"
            } else if table.has("ri") {
                "the file has correlations: COR or ZCOR"
            } else if table.has("events") {
                "the file has events of one group: PR, PLO or PFT"
            } else {
                "SMD, MD, ROM, OR, RR, RD or GEN; see --help for the others"
            };
            return Err(Failure::Usage(format!(
                "{}: choose an effect measure with --measure ({hint})",
                a.input.display()
            )));
        }
    };
    Ok(Loaded {
        table,
        measure,
        opts,
    })
}

/// The effect-size options of the data flags.
pub fn effect_options(a: &DataArgs) -> Result<EffectOptions, Failure> {
    if !(a.add.is_finite() && a.add >= 0.0) {
        return Err(Failure::Usage(format!(
            "--add must be a non-negative number, got {}",
            a.add
        )));
    }
    Ok(EffectOptions {
        vtype: a.vtype.into(),
        add: a.add,
        to: a.to.into(),
        drop00: a.drop00,
        strict: a.strict,
    })
}

/// The random-effects model of the model flags (`--method MH/PETO` are handled by `meta`).
pub fn model(a: &ModelArgs) -> Result<RandomEffects, Failure> {
    let Some(method) = a.method.tau2() else {
        return Err(Failure::Usage(
            "--method MH and PETO are common-effect methods for 2x2 tables, available in `peerstat meta` only"
                .into(),
        ));
    };
    Ok(RandomEffects::new()
        .method(method)
        .knha(a.knha)
        .level(a.level)?
        .prediction(a.pi.into())
        .i2_method(a.i2.into())
        .max_iter(a.max_iter)
        .step_adjustment(a.stepadj)?)
}

/// Effect sizes of the loaded data, with a warning per omitted row.
pub fn effect_sizes(l: &Loaded, file: &Path) -> Result<EffectSizes, Failure> {
    let es = EffectSizes::compute(&l.table, l.measure, &l.opts)?;
    for o in es.omitted() {
        say!(
            "warning: {}: row {} (study '{}') omitted: {}",
            file.display(),
            o.row,
            o.study,
            o.reason
        );
    }
    Ok(es)
}
