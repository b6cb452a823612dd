//! Effect sizes for tables whose rows carry different kinds of data (the evaluation framework's
//! evidence base): each row's effect from what it carries, through the same row kernel as
//! [`EffectSizes::compute`](super::EffectSizes::compute), so every effect size in peerstat has
//! one path.

use super::convert::{effect_rows, input_columns};
use super::{DataKind, EffectOptions, Measure, Provenance};
use crate::data::Table;
use crate::error::Result;

/// One row's effect and the kind of data it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowEffect {
    /// Effect size: as given (`yi`), Hedges' g, or a log odds ratio.
    pub yi: f64,
    /// Its sampling variance.
    pub vi: f64,
    /// What the row carried: precomputed (`Generic`), continuous arms or a 2×2 table.
    pub kind: DataKind,
    /// Where `yi` and `vi` came from, and any design effect.
    pub source: Provenance,
}

/// The measures tried, in order of preference.
const SOURCES: [Measure; 4] = [Measure::Gen, Measure::Smd, Measure::Or, Measure::Irr];

/// Each row's effect from what it carries, with metafor's defaults: `yi` with `vi` (or `sei`,
/// a CI or a p-value on the same scale), else Hedges' g from continuous arms (exact J, LS
/// variance; means and SDs filled in from medians or standard errors) or from a t or F
/// statistic, else the log odds ratio of the 2×2 table (1/2 added to the cells of a table with
/// a zero cell), else the log incidence rate ratio from events and person-time per arm (1/2 added
/// to both arms' events when one is zero). `None` for a row with no complete set of values or an undefined effect (for
/// example both SDs 0).
///
/// # Errors
/// [`crate::error::Error::Value`] naming the row and column of a value that cannot be used (a
/// non-finite number, a negative SD or variance, a group size below 2, events outside 0..=n, a
/// CI not containing its estimate, a median without n, an ICC outside [0, 1)).
pub fn row_effects(table: &Table) -> Result<Vec<Option<RowEffect>>> {
    row_effects_with(table, &EffectOptions::default())
}

/// As [`row_effects`], with the conversion and cluster options of `opts` (confidence bounds are
/// read on the scale of `yi`: there is no ratio scale here).
///
/// # Errors
/// As [`row_effects`].
pub fn row_effects_with(table: &Table, opts: &EffectOptions) -> Result<Vec<Option<RowEffect>>> {
    opts.convert.check()?;
    let n = table.nrows();
    let mut out: Vec<Option<RowEffect>> = vec![None; n];
    for measure in SOURCES {
        let Ok(names) = input_columns(measure, |c| table.has(c)) else {
            continue;
        };
        let cols = names
            .iter()
            .map(|c| table.numeric(c, ""))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<usize> = (0..n).filter(|&i| out[i].is_none()).collect();
        if rows.is_empty() {
            break;
        }
        let sub: Vec<Vec<Option<f64>>> = cols
            .iter()
            .map(|c| rows.iter().map(|&i| c[i]).collect())
            .collect();
        let slices: Vec<&[Option<f64>]> = sub.iter().map(Vec::as_slice).collect();
        let mut res = Vec::with_capacity(rows.len());
        effect_rows(measure, opts, &names, &slices, 0..rows.len(), &mut res)
            .map_err(|b| table.value_error(rows[b.row], b.column, b.message))?;
        for (&i, r) in rows.iter().zip(res) {
            if let Ok((yi, vi, source)) = r {
                out[i] = Some(RowEffect {
                    yi,
                    vi,
                    kind: measure.data_kind(),
                    source,
                });
            }
        }
    }
    Ok(out)
}
