//! Fitting one group of rows: its effect sizes, then the random-effects or multilevel model,
//! with a failure held as the group's `error`; and every group of a buffer in parallel.

use rayon::prelude::*;

use super::buffer::Buffer;
use super::multilevel::{BulkMultilevel, MultilevelRow};
use super::reanalysis::Reanalysis;
use super::result::GroupResult;
use crate::data::Table;
use crate::effect::convert::{effect_rows, NoEffect, RowResult};
use crate::error::Error;
use crate::model::bayes::BayesWorkspace;
use crate::model::Workspace;

/// Per-thread scratch space.
#[derive(Default)]
struct Scratch {
    rows: Vec<RowResult>,
    y: Vec<f64>,
    v: Vec<f64>,
    ws: Workspace,
    bayes: BayesWorkspace,
    /// Rows of the group (0-based in the buffer), and those used (0-based in the group).
    idx: Vec<usize>,
    used: Vec<usize>,
}

impl Scratch {
    /// Keeps the rows with an effect (`y`, `v`, and their positions in `used`); returns how
    /// many were omitted and the position in the group of the first.
    fn keep_usable(&mut self) -> (usize, Option<usize>) {
        self.y.clear();
        self.v.clear();
        self.used.clear();
        let mut omitted = 0;
        let mut first_skip = None;
        for (i, r) in self.rows.iter().enumerate() {
            match r {
                Ok((y, v, _)) => {
                    self.y.push(*y);
                    self.v.push(*v);
                    self.used.push(i);
                }
                Err(_) => {
                    omitted += 1;
                    first_skip.get_or_insert(i);
                }
            }
        }
        (omitted, first_skip)
    }
}

impl Reanalysis {
    /// Analyses one group: rows `range` of `buf`.
    fn analyse(
        &self,
        (names, ml, aux): (&[&str], Option<&BulkMultilevel>, &[String]),
        buf: &Buffer,
        range: std::ops::Range<usize>,
        s: &mut Scratch,
    ) -> GroupResult {
        let first_row = range.start;
        let fail = |error: String, omitted: usize| GroupResult {
            first_row,
            summary: None,
            multilevel: None,
            bayes: None,
            error: Some(error),
            omitted,
        };
        if let Err(message) = self.effects(names, buf, range.clone(), s) {
            return fail(message, 0);
        }
        let (omitted, first_skip) = s.keep_usable();
        if s.y.is_empty() {
            let why = match first_skip.map(|i| (range.start + i, &s.rows[i])) {
                Some((row, Err(skip))) => skip_message(names, buf, row, skip),
                _ => String::new(),
            };
            return fail(
                format!("no studies left to analyse: all {omitted} rows omitted (first: {why})"),
                omitted,
            );
        }
        if let Some(b) = &self.bayes {
            return match b.fit(&s.y, &s.v, &mut s.bayes) {
                Ok(row) => GroupResult {
                    first_row,
                    summary: None,
                    multilevel: None,
                    bayes: Some(row),
                    error: None,
                    omitted,
                },
                Err(e) => fail(e.to_string(), omitted),
            };
        }
        let fitted = match ml {
            Some(ml) => self
                .fit_multilevel(ml, aux, buf, range, s)
                .map(|row| (None, Some(row))),
            None => self
                .model
                .fit_slices(&s.y, &s.v, &mut s.ws)
                .map(|summary| (Some(summary), None))
                .map_err(|e| e.to_string()),
        };
        match fitted {
            Ok((summary, multilevel)) => GroupResult {
                first_row,
                summary,
                multilevel,
                bayes: None,
                error: None,
                omitted,
            },
            Err(e) => fail(e, omitted),
        }
    }

    /// The effect sizes of rows `range` of `buf` into `s.rows`; a bad value stops the group
    /// with its message (row and column as in the file).
    fn effects(
        &self,
        names: &[&str],
        buf: &Buffer,
        range: std::ops::Range<usize>,
        s: &mut Scratch,
    ) -> Result<(), String> {
        let cols: Vec<&[Option<f64>]> = buf.vals.iter().map(|v| v.as_slice()).collect();
        s.rows.clear();
        let Err(bad) = effect_rows(self.measure, &self.effect, names, &cols, range, &mut s.rows)
        else {
            return Ok(());
        };
        let row = bad.row;
        let col = names.iter().position(|n| *n == bad.column);
        // A cell that is not a number is held as NaN: report it as the text it was.
        let message = col
            .and_then(|j| buf.bad.get(&(j, buf.rows[row])))
            .cloned()
            .unwrap_or(bad.message);
        let column = col.map_or(bad.column, |j| buf.val_names[j].as_str());
        Err(format!(
            "row {}, column {column}: {message}",
            buf.rows[row] + 1
        ))
    }

    /// Fits the multilevel model `ml` to the usable rows of the group `range` of `buf`, with
    /// the further columns `aux` it reads; an error as the group's row shows it.
    fn fit_multilevel(
        &self,
        ml: &BulkMultilevel,
        aux: &[String],
        buf: &Buffer,
        range: std::ops::Range<usize>,
        s: &mut Scratch,
    ) -> Result<MultilevelRow, String> {
        s.idx.clear();
        s.idx.extend(range.clone());
        let cols = aux
            .iter()
            .zip(&buf.aux)
            .map(|(n, c)| (n.clone(), c.take(&s.idx)))
            .collect();
        Table::from_columns("group", cols)
            .and_then(|t| ml.fit_group(self.measure, &t, (&s.y, &s.v), &s.used))
            .map_err(|e| group_error(e, buf, range.start))
    }

    /// Analyses the groups `groups` of `buf` in parallel, in group order.
    pub(super) fn analyse_all(
        &self,
        names: &[&str],
        buf: &Buffer,
        groups: &[std::ops::Range<usize>],
    ) -> Vec<GroupResult> {
        // The multilevel model with the columns named as in the file (the group tables' names).
        let ml = self.multilevel.as_ref().map(|m| m.mapped(&self.map));
        let aux: Vec<String> = self
            .aux_names()
            .into_iter()
            .map(|n| self.map.actual(n).to_string())
            .collect();
        let how = (names, ml.as_ref(), aux.as_slice());
        // One scratch space per worker thread for the whole run, so buffers and the cached
        // quantiles of the workspace are built once, not per batch or per rayon split.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        groups
            .par_iter()
            .with_min_len(64)
            .map(|g| {
                SCRATCH.with(|s| match s.try_borrow_mut() {
                    Ok(mut s) => self.analyse(how, buf, g.clone(), &mut s),
                    // (re-entered on this thread by rayon work stealing: a fresh one)
                    Err(_) => self.analyse(how, buf, g.clone(), &mut Scratch::default()),
                })
            })
            .collect()
    }
}

/// A group's error as its row shows it: a bad value with its row in the input file (the
/// group's `first`-th buffered row is its first), other errors as they read.
fn group_error(e: Error, buf: &Buffer, first: usize) -> String {
    match e {
        Error::Value {
            row,
            column,
            message,
            ..
        } => {
            let file_row = buf
                .rows
                .get(first + row.saturating_sub(1))
                .map_or(row, |r| r + 1);
            format!("row {file_row}, column {column}: {message}")
        }
        e => e.to_string(),
    }
}

/// Why the buffer's row `row` has no effect, its columns named as in the file.
fn skip_message(names: &[&str], buf: &Buffer, row: usize, skip: &NoEffect) -> String {
    format!(
        "row {}: {}",
        buf.rows[row] + 1,
        skip.reason(|c| names
            .iter()
            .position(|n| *n == c)
            .map_or(c.to_string(), |j| buf.val_names[j].clone()))
    )
}
