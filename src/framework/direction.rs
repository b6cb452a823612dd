//! Which way is better for each outcome, and the accounting of rows `evaluate` does not use.
//!
//! The direction comes from the `higher_is_better` column (per row), else from the options'
//! direction per outcome name, else — only when asked — the assumption that higher is better.
//! An outcome with none of these stops the evaluation with one error listing every such outcome.

use std::collections::BTreeMap;

use serde::Serialize;

use super::options::EvaluateOptions;
use crate::data::{Column, Table};
use crate::error::{Error, Result, Setting};

/// Where an outcome's direction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionSource {
    /// The `higher_is_better` column.
    Data,
    /// The direction per outcome in the options.
    Options,
    /// Assumed higher-is-better (the assumption was asked for).
    Assumed,
}

/// The direction used for one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeDirection {
    /// Outcome name (the `outcome` column, else the outcome domain).
    pub outcome: String,
    /// Outcome domain.
    pub domain: String,
    /// True when a higher value is better for the participant.
    pub higher_is_better: bool,
    /// Where this came from.
    pub source: DirectionSource,
    /// Rows of this outcome that were analysed.
    pub rows: usize,
}

/// A row of the input that `evaluate` did not use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnusedRow {
    /// 1-based data row.
    pub row: usize,
    /// Study label.
    pub study: String,
    /// Why it was not used.
    pub reason: String,
}

/// A `higher_is_better` cell: `Some(true/false)`, `None` when empty; an unreadable text is an
/// error naming the row.
pub(crate) fn column_directions(table: &Table) -> Result<Vec<Option<bool>>> {
    bool_column(
        table,
        "higher_is_better",
        "is not a direction: use true (a higher value is better) or false",
    )
}

/// A yes/no column (`true`/`false`, `1`/`0`, `yes`/`no`, `t`/`f`): `None` for an empty cell or
/// an absent column; an unreadable text is an error naming the row, `what` saying what it should be.
pub(crate) fn bool_column(table: &Table, name: &str, what: &str) -> Result<Vec<Option<bool>>> {
    match table.get(name) {
        Some(Column::Bool(v)) => Ok(v.clone()),
        Some(c) => (0..table.nrows())
            .map(|i| match c.text(i) {
                None => Ok(None),
                Some(s) => match s.trim().to_lowercase().as_str() {
                    "" | "na" => Ok(None),
                    "true" | "1" | "yes" | "t" => Ok(Some(true)),
                    "false" | "0" | "no" | "f" => Ok(Some(false)),
                    _ => Err(table.value_error(
                        i,
                        name,
                        format!("'{}' {what}", crate::data::excerpt(&s)),
                    )),
                },
            })
            .collect(),
        None => Ok(vec![None; table.nrows()]),
    }
}

/// The outcome name of each row: the `outcome` column, else the outcome domain.
pub(crate) fn outcome_names(table: &Table, domain: &[Option<String>]) -> Vec<String> {
    let outcome = if table.has("outcome") {
        table.texts("outcome")
    } else {
        vec![None; table.nrows()]
    };
    outcome
        .into_iter()
        .zip(domain)
        .map(|(o, d)| o.or_else(|| d.clone()).unwrap_or_default())
        .collect()
}

/// The direction of each row in `used` (others `None`) and the direction used per outcome.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Direction`]) listing every outcome without a direction when
/// the assumption was not asked for; [`Error::Value`] for an unreadable `higher_is_better` cell.
pub(crate) fn row_directions(
    table: &Table,
    domain: &[Option<String>],
    used: &[bool],
    opts: &EvaluateOptions,
) -> Result<(Vec<Option<bool>>, Vec<OutcomeDirection>)> {
    let col = column_directions(table)?;
    let names = outcome_names(table, domain);
    let mut out = vec![None; table.nrows()];
    let mut missing: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut per: BTreeMap<(String, String, bool, u8), usize> = BTreeMap::new();
    for i in (0..table.nrows()).filter(|&i| used[i]) {
        let (h, src) = match (col[i], opts.higher_is_better.get(&names[i])) {
            (Some(h), _) => (h, DirectionSource::Data),
            (None, Some(&h)) => (h, DirectionSource::Options),
            (None, None) if opts.assume_higher_is_better => (true, DirectionSource::Assumed),
            (None, None) => {
                missing.entry(&names[i]).or_default().push(i + 1);
                continue;
            }
        };
        out[i] = Some(h);
        let d = domain[i].clone().unwrap_or_default();
        *per.entry((d, names[i].clone(), h, src as u8)).or_default() += 1;
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|(o, rows)| format!("'{o}' ({})", row_list(rows)))
            .collect();
        return Err(Error::setting(
            Setting::Direction,
            format!(
                "{}: the direction of {} outcome{} is not given, so a benefit cannot be told from \
                 a harm: {}. Add a higher_is_better column (true when a higher value is better \
                 for the participant, e.g. false for PHQ-9 scores or admissions), or state the \
                 direction per outcome in the options",
                table.source(),
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                list.join("; ")
            ),
        ));
    }
    check_consistent(table, &names, &out)?;
    let directions = per
        .into_iter()
        .map(|((domain, outcome, h, src), rows)| OutcomeDirection {
            outcome,
            domain,
            higher_is_better: h,
            source: match src {
                0 => DirectionSource::Data,
                1 => DirectionSource::Options,
                _ => DirectionSource::Assumed,
            },
            rows,
        })
        .collect();
    Ok((out, directions))
}

/// `row 3` or `rows 1, 2, 5` (at most 8 shown, then `…`), for messages; `rows` are 1-based.
fn row_list(rows: &[usize]) -> String {
    let shown: Vec<String> = rows.iter().take(8).map(|r| r.to_string()).collect();
    format!(
        "row{} {}{}",
        if rows.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if rows.len() > 8 { ", …" } else { "" }
    )
}

/// Refuses an outcome whose rows disagree on the direction (from the `higher_is_better`
/// column, the options or the assumption), listing the rows of each side.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Direction`]) naming every such outcome and its rows.
fn check_consistent(table: &Table, names: &[String], dirs: &[Option<bool>]) -> Result<()> {
    // Per outcome, the 1-based rows saying higher is better (true) and lower (false).
    let mut sides: BTreeMap<&str, [Vec<usize>; 2]> = BTreeMap::new();
    for (i, d) in dirs.iter().enumerate() {
        if let Some(h) = *d {
            sides.entry(&names[i]).or_default()[usize::from(h)].push(i + 1);
        }
    }
    let list: Vec<String> = sides
        .iter()
        .filter(|(_, [lower, higher])| !lower.is_empty() && !higher.is_empty())
        .map(|(o, [lower, higher])| {
            format!(
                "'{o}' (higher is better in {}; lower in {})",
                row_list(higher),
                row_list(lower)
            )
        })
        .collect();
    if list.is_empty() {
        return Ok(());
    }
    Err(Error::setting(
        Setting::Direction,
        format!(
            "{}: the direction of {} outcome{} contradicts itself, so a benefit cannot be told \
             from a harm: {}. Give every row of an outcome the same higher_is_better (an outcome \
             measured on a reversed scale needs its own outcome name)",
            table.source(),
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            list.join("; ")
        ),
    ))
}

/// Why a row without a usable effect has none, from the columns it fills.
pub(crate) fn no_effect_reason(table: &Table, i: usize) -> String {
    let has = |c: &str| table.has(c) && table.get(c).is_some_and(|col| col.text(i).is_some());
    let arms = ["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"];
    let binary = ["events_t", "n_t", "events_c", "n_c"];
    if has("yi") && !has("vi") && !has("sei") {
        "missing variance (yi without vi, sei, a CI in ci_lower and ci_upper, or a p-value in pval)"
            .into()
    } else if has("vi") || has("sei") {
        "missing effect (vi or sei without yi)".into()
    } else if arms.iter().any(|c| has(c)) || binary.iter().any(|c| has(c)) {
        let full = |set: &[&str]| set.iter().all(|c| has(c));
        if full(&arms) || full(&binary) {
            "effect undefined from its arm data (for example both SDs 0)".into()
        } else {
            let lacking: Vec<&str> = if binary.iter().skip(1).any(|c| has(c)) && !has("mean_t") {
                binary.iter().copied().filter(|c| !has(c)).collect()
            } else {
                arms.iter().copied().filter(|c| !has(c)).collect()
            };
            format!(
                "incomplete effect data (missing {}; nothing to convert from: no medians with IQR or range, standard errors, t or F statistic or p-value with n_t and n_c)",
                lacking.join(", ")
            )
        }
    } else {
        "no effect data".into()
    }
}
