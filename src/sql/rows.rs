//! The rows of many groups as one aggregate state: flat column buffers of doubles (nulls kept:
//! the fits omit them, as `reanalyse` omits missing cells) with each row's group index.
//!
//! A partial state is, per group, one list of doubles per input column; partial states merge by
//! concatenation. Before a group is fitted its rows are put in a canonical order (see
//! [`Chunk::sorted_group`]), so results do not depend on how the query split or ordered them.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::EmitTo;

/// The state fields of an aggregate over the columns `inputs`: one list of doubles each.
pub(super) fn state_fields(name: &str, inputs: &[&str]) -> Vec<FieldRef> {
    let item = Arc::new(Field::new_list_field(DataType::Float64, true));
    inputs
        .iter()
        .map(|c| {
            Arc::new(Field::new(
                format!("{name}[{c}]"),
                DataType::List(item.clone()),
                true,
            ))
        })
        .collect()
}

fn floats(a: &ArrayRef) -> Result<&Float64Array> {
    a.as_primitive_opt::<Float64Type>().ok_or_else(|| {
        DataFusionError::Execution(format!(
            "peerstat: expected a double column, got {}",
            a.data_type()
        ))
    })
}

fn lists(a: &ArrayRef) -> Result<&ListArray> {
    a.as_list_opt::<i32>().ok_or_else(|| {
        DataFusionError::Internal(format!(
            "peerstat: expected a list state, got {}",
            a.data_type()
        ))
    })
}

/// Total order of a cell: null first, then by `f64::total_cmp`.
fn cell_cmp(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(&y),
    }
}

/// The rows of every group, in arrival order.
#[derive(Debug, Clone)]
pub(super) struct GroupRows {
    /// Each row's group index.
    group: Vec<usize>,
    /// One buffer per input column.
    cols: Vec<Vec<Option<f64>>>,
    /// Groups seen (the largest group index + 1, or more).
    groups: usize,
}

/// Rows ordered by group: group `g` holds rows `offsets[g]..offsets[g + 1]` of `cols`.
#[derive(Debug, Default)]
pub(super) struct Chunk {
    pub(super) offsets: Vec<usize>,
    pub(super) cols: Vec<Vec<Option<f64>>>,
}

/// Reusable buffers for [`Chunk::sorted_group`].
#[derive(Debug, Default)]
pub(super) struct SortScratch {
    idx: Vec<usize>,
    cols: Vec<Vec<Option<f64>>>,
}

impl GroupRows {
    /// No rows, `width` input columns.
    pub(super) fn new(width: usize) -> Self {
        GroupRows {
            group: Vec::new(),
            cols: vec![Vec::new(); width],
            groups: 0,
        }
    }

    /// Input columns.
    fn width(&self) -> usize {
        self.cols.len()
    }

    /// Appends input rows: the first `width` arrays of `values` (cast to doubles by the
    /// signature; further arrays are the literal options), row `i` to group `group[i]`, rows
    /// where `filter` is not true skipped.
    pub(super) fn update(
        &mut self,
        values: &[ArrayRef],
        group: &[usize],
        filter: Option<&BooleanArray>,
        total: usize,
    ) -> Result<()> {
        let w = self.width();
        if values.len() < w {
            return Err(DataFusionError::Plan(format!(
                "peerstat: expected {w} input columns, got {}",
                values.len()
            )));
        }
        let arrays: Vec<&Float64Array> = values[..w].iter().map(floats).collect::<Result<_>>()?;
        self.groups = self.groups.max(total);
        self.reserve(group.len());
        let keep = |i: usize| filter.is_none_or(|f| f.is_valid(i) && f.value(i));
        for (i, &g) in group.iter().enumerate() {
            if !keep(i) {
                continue;
            }
            self.group.push(g);
            for (c, a) in self.cols.iter_mut().zip(&arrays) {
                c.push(a.is_valid(i).then(|| a.value(i)));
            }
        }
        Ok(())
    }

    /// Appends the rows of partial states (`width` list arrays), state row `i` to group
    /// `group[i]`.
    pub(super) fn merge(
        &mut self,
        states: &[ArrayRef],
        group: &[usize],
        total: usize,
    ) -> Result<()> {
        let w = self.width();
        if states.len() < w {
            return Err(DataFusionError::Internal("peerstat: bad state".into()));
        }
        let lists: Vec<&ListArray> = states[..w].iter().map(lists).collect::<Result<_>>()?;
        let items: Vec<&Float64Array> = lists
            .iter()
            .map(|l| floats(l.values()))
            .collect::<Result<_>>()?;
        self.groups = self.groups.max(total);
        let first = lists[0];
        let offsets = first.value_offsets();
        self.reserve(offsets.last().map_or(0, |&e| (e - offsets[0]) as usize));
        for (i, &g) in group.iter().enumerate() {
            if first.is_null(i) {
                continue;
            }
            let range = first.value_offsets()[i] as usize..first.value_offsets()[i + 1] as usize;
            self.group.extend(std::iter::repeat_n(g, range.len()));
            for ((c, l), it) in self.cols.iter_mut().zip(&lists).zip(&items) {
                let (a, b) = (
                    l.value_offsets()[i] as usize,
                    l.value_offsets()[i + 1] as usize,
                );
                if b - a != range.len() {
                    return Err(DataFusionError::Internal(
                        "peerstat: state lists of different lengths".into(),
                    ));
                }
                c.extend((a..b).map(|r| it.is_valid(r).then(|| it.value(r))));
            }
        }
        Ok(())
    }

    /// Room for `rows` more rows (one allocation per batch, not repeated doubling).
    fn reserve(&mut self, rows: usize) {
        self.group.reserve(rows);
        self.cols.iter_mut().for_each(|c| c.reserve(rows));
    }

    /// Counts groups even when they have no rows yet (the single-group accumulator).
    pub(super) fn at_least(&mut self, groups: usize) {
        self.groups = self.groups.max(groups);
    }

    /// The rows of the groups `emit` names, ordered by group (a counting sort, stable); with
    /// `take`, they leave the state and later groups' indices shift down.
    fn chunk(&mut self, emit: EmitTo, take: bool) -> Chunk {
        let n = match emit {
            EmitTo::All => self.groups,
            EmitTo::First(n) => n.min(self.groups),
        };
        let mut offsets = vec![0usize; n + 1];
        for &g in &self.group {
            if g < n {
                offsets[g + 1] += 1;
            }
        }
        for g in 0..n {
            offsets[g + 1] += offsets[g];
        }
        let mut next = offsets.clone();
        let total = offsets[n];
        let mut cols = vec![vec![None; total]; self.width()];
        for (r, &g) in self.group.iter().enumerate() {
            if g < n {
                let at = next[g];
                next[g] += 1;
                for (out, c) in cols.iter_mut().zip(&self.cols) {
                    out[at] = c[r];
                }
            }
        }
        if take {
            if n >= self.groups {
                self.group.clear();
                self.cols.iter_mut().for_each(Vec::clear);
            } else {
                let mut keep = 0;
                for r in 0..self.group.len() {
                    let g = self.group[r];
                    if g >= n {
                        self.group[keep] = g - n;
                        for c in &mut self.cols {
                            c[keep] = c[r];
                        }
                        keep += 1;
                    }
                }
                self.group.truncate(keep);
                self.cols.iter_mut().for_each(|c| c.truncate(keep));
            }
            self.groups -= n;
        }
        Chunk { offsets, cols }
    }

    /// Takes the rows of the groups `emit` names out of the state.
    pub(super) fn take(&mut self, emit: EmitTo) -> Chunk {
        self.chunk(emit, true)
    }

    /// A copy of every group's rows, ordered by group.
    pub(super) fn copy(&mut self) -> Chunk {
        self.chunk(EmitTo::All, false)
    }

    /// Bytes held (for the memory accounting of DataFusion).
    pub(super) fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.group.capacity() * std::mem::size_of::<usize>()
            + self
                .cols
                .iter()
                .map(|c| c.capacity() * std::mem::size_of::<Option<f64>>())
                .sum::<usize>()
    }
}

impl Chunk {
    /// Groups held.
    pub(super) fn groups(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The partial state: one list array per input column, a list per group.
    pub(super) fn state(self) -> Vec<ArrayRef> {
        let item = Arc::new(Field::new_list_field(DataType::Float64, true));
        let offsets = OffsetBuffer::from_lengths(self.offsets.windows(2).map(|w| w[1] - w[0]));
        self.cols
            .into_iter()
            .map(|c| -> ArrayRef {
                Arc::new(ListArray::new(
                    item.clone(),
                    offsets.clone(),
                    Arc::new(Float64Array::from(c)),
                    None,
                ))
            })
            .collect()
    }

    /// Group `g`'s rows in the canonical order: lexicographically by column (nulls first, then
    /// `f64::total_cmp`), so that a group's result does not depend on how the query split or
    /// ordered its rows. Rows that compare equal are identical, so the order is unique.
    pub(super) fn sorted_group<'s>(
        &self,
        g: usize,
        s: &'s mut SortScratch,
    ) -> Vec<&'s [Option<f64>]> {
        let range = self.offsets[g]..self.offsets[g + 1];
        s.idx.clear();
        s.idx.extend(range);
        let cols = &self.cols;
        s.idx.sort_unstable_by(|&a, &b| {
            cols.iter()
                .map(|c| cell_cmp(c[a], c[b]))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        s.cols.resize_with(cols.len(), Vec::new);
        for (out, c) in s.cols.iter_mut().zip(cols) {
            out.clear();
            out.extend(s.idx.iter().map(|&i| c[i]));
        }
        s.cols.iter().map(Vec::as_slice).collect()
    }
}

/// Each input row as its own partial state (lists of length one; rows where `filter` is not
/// true as empty lists).
pub(super) fn rows_as_state(
    values: &[ArrayRef],
    width: usize,
    filter: Option<&BooleanArray>,
) -> Result<Vec<ArrayRef>> {
    if values.len() < width {
        return Err(DataFusionError::Plan(format!(
            "peerstat: expected {width} input columns, got {}",
            values.len()
        )));
    }
    let n = values.first().map_or(0, |a| a.len());
    let keep = |i: usize| filter.is_none_or(|f| f.is_valid(i) && f.value(i));
    let offsets = OffsetBuffer::from_lengths((0..n).map(|i| usize::from(keep(i))));
    let item = Arc::new(Field::new_list_field(DataType::Float64, true));
    values[..width]
        .iter()
        .map(|a| -> Result<ArrayRef> {
            let a = floats(a)?;
            let kept: Float64Array = (0..n)
                .filter(|&i| keep(i))
                .map(|i| a.is_valid(i).then(|| a.value(i)))
                .collect();
            Ok(Arc::new(ListArray::new(
                item.clone(),
                offsets.clone(),
                Arc::new(kept),
                None,
            )))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    #[test]
    fn emitting_the_first_groups_shifts_the_rest_down() {
        let mut rows = GroupRows::new(2);
        let y = [Some(3.0), Some(1.0), None, Some(2.0), Some(5.0)];
        let v = [Some(0.1), Some(0.2), Some(0.3), Some(0.4), Some(0.5)];
        rows.update(&[col(&y), col(&v)], &[2, 0, 1, 0, 2], None, 3)
            .unwrap();
        let first = rows.take(EmitTo::First(2));
        assert_eq!(first.offsets, vec![0, 2, 3]);
        assert_eq!(first.cols[0], vec![Some(1.0), Some(2.0), None]);
        // Group 2 is now group 0; a new row joins it.
        rows.update(&[col(&[Some(4.0)]), col(&[Some(0.6)])], &[0], None, 1)
            .unwrap();
        let rest = rows.take(EmitTo::All);
        assert_eq!(rest.offsets, vec![0, 3]);
        let mut s = SortScratch::default();
        let sorted = rest.sorted_group(0, &mut s);
        assert_eq!(sorted[0], &[Some(3.0), Some(4.0), Some(5.0)]);
        assert_eq!(sorted[1], &[Some(0.1), Some(0.6), Some(0.5)]);
    }

    #[test]
    fn states_merge_back_to_the_same_rows() {
        let mut a = GroupRows::new(2);
        let y = [Some(1.0), None, Some(2.0)];
        let v = [Some(0.1), Some(0.2), None];
        let filter = BooleanArray::from(vec![true, true, false]);
        a.update(&[col(&y), col(&v)], &[1, 0, 1], Some(&filter), 2)
            .unwrap();
        let state = a.take(EmitTo::All).state();
        let mut b = GroupRows::new(2);
        b.merge(&state, &[5, 4], 6).unwrap();
        let c = b.take(EmitTo::All);
        assert_eq!(c.offsets, vec![0, 0, 0, 0, 0, 1, 2]);
        // a's group 1 (row 0) went to group 4, its group 0 (row 1) to group 5.
        assert_eq!(c.cols[0], vec![Some(1.0), None]);
        assert_eq!(c.cols[1], vec![Some(0.1), Some(0.2)]);
        let one = rows_as_state(&[col(&y), col(&v)], 2, Some(&filter)).unwrap();
        assert_eq!(one[0].len(), 3);
        assert_eq!(lists(&one[0]).unwrap().value_length(2), 0);
    }
}
