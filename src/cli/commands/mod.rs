//! One handler per command, and the validation shared by them.

pub mod bayes;
pub mod bubble;
pub mod bulk;
pub mod business;
pub mod diag;
#[cfg(feature = "distributed")]
pub mod distributed;
pub mod econ;
pub mod framework;
pub mod glmm;
pub mod init;
pub mod meta;
pub mod network;
pub mod scale;
#[cfg(feature = "sql")]
pub mod sql;

use std::path::Path;

use peerstat::data::{self, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure, Source};
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
    known.extend(peerstat::effect::convert::CONVERSION_COLUMNS);
    known.extend(peerstat::effect::MEASURE_COLUMNS);
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
    decimal_comma_note(&table);
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
    if a.vtype.is_some() && measure != Measure::Smd {
        return Err(Failure::Usage(format!(
            "--vtype chooses the sampling variance of SMD; it does not apply to {} (its variance is escalc's default)",
            measure.code()
        )));
    }
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
    let o = EffectOptions {
        vtype: a
            .vtype
            .map_or(peerstat::effect::VarianceType::Ls, Into::into),
        add: a.add,
        to: a.to.into(),
        drop00: a.drop00,
        strict: a.strict,
        convert: peerstat::effect::ConvertOptions {
            ci_scale: a.ci_scale.into(),
            omit_skewed: a.omit_skewed,
            cluster_adjust: a.cluster_adjust.into(),
            icc: a.icc,
        },
    };
    o.convert.check()?;
    Ok(o)
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
    let converted: Vec<String> = es
        .sources()
        .iter()
        .zip(es.rows())
        .filter(|(p, _)| {
            // for a measure other than GEN, yi as given is noted too: it must be on its scale
            p.converted() || (l.measure != Measure::Gen && p.yi_source == Source::Yi)
        })
        .map(|(p, &r)| {
            let mut s = format!("row {} ({}/{})", r + 1, p.yi_source, p.vi_source);
            if let Some(d) = p.design_effect {
                s.push_str(&format!(", design effect {}", data::fmt_f64(d)));
            }
            if p.skewed {
                s.push_str(", skewed");
            }
            s
        })
        .collect();
    if !converted.is_empty() {
        say!(
            "note: {}: {} effect(s) converted from reported statistics or adjusted for clustering: {}",
            file.display(),
            converted.len(),
            converted.join("; ")
        );
    }
    Ok(es)
}

/// Says on standard error that `table` was read with decimal commas (a `;`-separated file whose
/// numbers have decimal commas and no decimal points), so the reading is never silent.
pub(crate) fn decimal_comma_note(table: &data::Table) {
    if table.read_decimal_commas() {
        crate::cli::say!(
            "note: {}: fields separated by ';' and numbers with decimal commas (as European spreadsheets write CSV): read 0,5 as 0.5",
            table.source()
        );
    }
}
