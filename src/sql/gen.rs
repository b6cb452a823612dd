//! A group's `yi`, `vi` read as `peerstat reanalyse --measure GEN` reads them: the same row
//! kernel, the same omissions and the same error messages.

use crate::effect::convert::{effect_rows, RowResult};
use crate::effect::{EffectOptions, Measure};

/// The columns of a precomputed effect.
pub(super) const GEN_INPUTS: &[&str] = &["yi", "vi"];

/// Buffers reused from group to group.
#[derive(Debug, Default)]
pub(super) struct GenScratch {
    rows: Vec<RowResult>,
    /// The effects of the rows used.
    pub(super) y: Vec<f64>,
    /// Their sampling variances.
    pub(super) v: Vec<f64>,
}

/// Reads one group's rows (`cols` = `[yi, vi]`) into `s.y`, `s.v`, omitting rows with a missing
/// value, as `reanalyse` does.
///
/// # Errors
/// `reanalyse`'s message for the group: a bad value (`row R, column C: …`, R counted in the
/// group's canonical order) or no usable row.
pub(super) fn gen_effects(cols: &[&[Option<f64>]], s: &mut GenScratch) -> Result<(), String> {
    let n = cols.first().map_or(0, |c| c.len());
    s.rows.clear();
    effect_rows(
        Measure::Gen,
        &EffectOptions::default(),
        GEN_INPUTS,
        cols,
        0..n,
        &mut s.rows,
    )
    .map_err(|bad| {
        format!(
            "row {}, column {}: {}",
            bad.row + 1,
            bad.column,
            bad.message
        )
    })?;
    s.y.clear();
    s.v.clear();
    let mut first_skip = None;
    for (i, r) in s.rows.iter().enumerate() {
        match r {
            Ok((y, v, _)) => {
                s.y.push(*y);
                s.v.push(*v);
            }
            Err(skip) => {
                first_skip.get_or_insert((i, skip));
            }
        }
    }
    if s.y.is_empty() {
        let why = first_skip.map_or(String::new(), |(row, skip)| {
            format!("row {}: {}", row + 1, skip.reason(|c| c.to_string()))
        });
        return Err(format!(
            "no studies left to analyse: all {} rows omitted (first: {why})",
            s.rows.len()
        ));
    }
    Ok(())
}
