//! Effect sizes for tables whose rows carry different kinds of data (the evaluation framework's
//! evidence base): each row's effect from what it carries, through the same row kernel as
//! [`EffectSizes::compute`](super::EffectSizes::compute), so every effect size in peerstat has
//! one path.

use super::{compute_rows, DataKind, EffectOptions, Measure, Skip};
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
}

/// The sources tried, in order of preference: the measure, the canonical columns it reads.
const SOURCES: [(Measure, &[&str]); 4] = [
    (Measure::Gen, &["yi", "vi"]),
    (Measure::Gen, &["yi", "sei"]),
    (
        Measure::Smd,
        &["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"],
    ),
    (Measure::Or, &["events_t", "n_t", "events_c", "n_c"]),
];

/// Each row's effect from what it carries: `yi` with `vi` (or `sei`), else Hedges' g from
/// continuous arms (exact J, LS variance), else the log odds ratio of the 2×2 table (1/2 added
/// to the cells of a table with a zero cell), all with metafor's defaults. `None` for a row with
/// no complete set of values or an undefined effect (for example both SDs 0).
///
/// # Errors
/// [`crate::Error::Value`] naming the row and column of a value that cannot be used (a
/// non-finite number, a negative SD or variance, a group size below 2, events outside 0..=n),
/// in the columns the row's effect is computed from.
pub fn row_effects(table: &Table) -> Result<Vec<Option<RowEffect>>> {
    let n = table.nrows();
    let mut out: Vec<Option<RowEffect>> = vec![None; n];
    let mut taken = vec![false; n];
    let opts = EffectOptions::default();
    for (measure, names) in SOURCES {
        if !names.iter().all(|c| table.has(c)) {
            continue;
        }
        let cols = names
            .iter()
            .map(|c| table.numeric(c, ""))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<usize> = (0..n)
            .filter(|&i| !taken[i] && cols.iter().all(|c| c[i].is_some()))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let sub: Vec<Vec<Option<f64>>> = cols
            .iter()
            .map(|c| rows.iter().map(|&i| c[i]).collect())
            .collect();
        let slices: Vec<&[Option<f64>]> = sub.iter().map(Vec::as_slice).collect();
        let mut res = Vec::with_capacity(rows.len());
        compute_rows(measure, &opts, names, &slices, 0..rows.len(), &mut res)
            .map_err(|(j, bad)| table.value_error(rows[j], names[bad.col], bad.message))?;
        for (&i, r) in rows.iter().zip(res) {
            taken[i] = true;
            if let Ok((yi, vi)) = r {
                out[i] = Some(RowEffect {
                    yi,
                    vi,
                    kind: measure.data_kind(),
                });
            } else if let Err(Skip::Missing(_)) = r {
                taken[i] = false;
            }
        }
    }
    Ok(out)
}
