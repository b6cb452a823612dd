//! Network data from table columns: arm-level rows (one row per arm, every pair of arms of a
//! study becomes a contrast, as netmeta's `pairwise()`), or contrast rows (`treat1`, `treat2`,
//! `yi` with `vi` or `sei`).

use super::Contrast;
use crate::data::{Column, Table};
use crate::effect::{DataKind, EffectOptions, EffectSizes, Measure};
use crate::error::{Error, Result, Setting};

/// The arm columns of each data kind (per arm) and their two-group names (`_t` for the first
/// arm of a pair, `_c` for the second).
const CONTINUOUS: [(&str, &str, &str); 3] = [
    ("n", "n_t", "n_c"),
    ("mean", "mean_t", "mean_c"),
    ("sd", "sd_t", "sd_c"),
];
const BINARY: [(&str, &str, &str); 2] = [("events", "events_t", "events_c"), ("n", "n_t", "n_c")];

/// Every pair of arms of every study as a contrast (`treat1` the earlier arm in the file, effect
/// of `treat1` relative to `treat2`), with the effect `measure` computed as `meta` computes it
/// from two groups (continuous arms `n, mean, sd`; binary arms `events, n`).
///
/// # Errors
/// [`Error::MissingColumn`] for an absent study, treatment or arm column; [`Error::Input`] for a
/// study with one arm or a treatment twice in one study (naming the study); as
/// [`EffectSizes::compute`] for bad arm data (naming the pair).
pub fn contrasts_from_arms(
    table: &Table,
    study: &str,
    treatment: &str,
    measure: Measure,
    opts: &EffectOptions,
) -> Result<Vec<Contrast>> {
    for (c, why) in [(study, "as the study"), (treatment, "as the treatment")] {
        if !table.has(c) {
            return Err(table.missing_column(c, why));
        }
    }
    let cols = arm_columns(measure)?;
    let tr = table.texts(treatment);
    let (order, arms) = studies_with_arms(table, study, treatment)?;
    let pairs = arm_pairs(&order, &arms, &tr)?;
    let pt = pair_table(table, &cols, &pairs, &order, &tr)?;
    let es = EffectSizes::compute(&pt, measure, opts)?;
    if es.k() != pairs.len() {
        let used: std::collections::HashSet<usize> = es.rows().iter().copied().collect();
        let bad = (0..pairs.len()).find(|i| !used.contains(i)).unwrap_or(0);
        let p = pairs[bad];
        return Err(Error::input(
            format!("study '{}', rows {} and {}", order[p.0], p.1 + 1, p.2 + 1),
            "the arm data do not give an effect for this pair (missing or inconsistent values)",
        ));
    }
    Ok(es
        .rows()
        .iter()
        .zip(es.yi().iter().zip(es.vi()))
        .map(|(&r, (&y, &v))| {
            let p = pairs[r];
            Contrast {
                study: order[p.0].clone(),
                treat1: tr[p.1].clone().unwrap_or_default(),
                treat2: tr[p.2].clone().unwrap_or_default(),
                yi: y,
                vi: v,
            }
        })
        .collect())
}

/// The arm columns of `measure`'s data kind.
///
/// # Errors
/// [`Error::Setting`] for a measure that is not of two arms' means or events.
fn arm_columns(measure: Measure) -> Result<Vec<(&'static str, &'static str, &'static str)>> {
    match measure.data_kind() {
        DataKind::Binary => Ok(BINARY.to_vec()),
        DataKind::Continuous => Ok(CONTINUOUS.to_vec()),
        _ => Err(Error::setting(
            Setting::Measure,
            format!(
                "a network from arm data needs a measure of two arms' means (SMD, MD, ROM, SMDH) or events (OR, RR, RD, AS), not {}",
                measure.code()
            ),
        )),
    }
}

/// The studies in order of appearance, with their arm rows.
///
/// # Errors
/// [`Error::Value`] for a missing study or treatment.
fn studies_with_arms(
    table: &Table,
    study: &str,
    treatment: &str,
) -> Result<(Vec<String>, Vec<Vec<usize>>)> {
    let st = table.texts(study);
    let tr = table.texts(treatment);
    let mut order: Vec<String> = Vec::new();
    let mut arms: Vec<Vec<usize>> = Vec::new();
    for r in 0..table.nrows() {
        let s = st[r]
            .clone()
            .ok_or_else(|| table.value_error(r, study, "the study is missing"))?;
        if tr[r].is_none() {
            return Err(table.value_error(r, treatment, "the treatment is missing"));
        }
        match order.iter().position(|x| x == &s) {
            Some(i) => arms[i].push(r),
            None => {
                order.push(s);
                arms.push(vec![r]);
            }
        }
    }
    Ok((order, arms))
}

/// Every pair of arms of every study: `(study, row of the first arm, row of the second)`.
///
/// # Errors
/// [`Error::Input`] for a study with one arm or a treatment in two arms of a study.
fn arm_pairs(
    order: &[String],
    arms: &[Vec<usize>],
    tr: &[Option<String>],
) -> Result<Vec<(usize, usize, usize)>> {
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (i, rows) in arms.iter().enumerate() {
        if rows.len() < 2 {
            return Err(Error::input(
                format!("study '{}'", order[i]),
                "it has one arm: a study needs two or more arms to compare",
            ));
        }
        for (a, &ra) in rows.iter().enumerate() {
            for &rb in &rows[a + 1..] {
                if tr[ra] == tr[rb] {
                    return Err(Error::input(
                        format!("study '{}'", order[i]),
                        format!(
                            "treatment '{}' appears in two arms (rows {} and {}); combine them or label them apart",
                            tr[ra].as_deref().unwrap_or(""),
                            ra + 1,
                            rb + 1
                        ),
                    ));
                }
                pairs.push((i, ra, rb));
            }
        }
    }
    Ok(pairs)
}

/// A two-group table of the pairs (`_t` the first arm, `_c` the second), each labelled
/// "study (treat1 vs treat2)".
///
/// # Errors
/// [`Error::MissingColumn`] for an absent arm column.
fn pair_table(
    table: &Table,
    cols: &[(&str, &str, &str)],
    pairs: &[(usize, usize, usize)],
    order: &[String],
    tr: &[Option<String>],
) -> Result<Table> {
    let mut columns: Vec<(String, Column)> = Vec::new();
    for (arm, t, c) in cols {
        let col = table
            .get(arm)
            .ok_or_else(|| table.missing_column(arm, "as arm data"))?;
        columns.push((
            t.to_string(),
            col.take(&pairs.iter().map(|p| p.1).collect::<Vec<_>>()),
        ));
        columns.push((
            c.to_string(),
            col.take(&pairs.iter().map(|p| p.2).collect::<Vec<_>>()),
        ));
    }
    columns.push((
        "study".into(),
        Column::Str(
            pairs
                .iter()
                .map(|p| {
                    Some(format!(
                        "{} ({} vs {})",
                        order[p.0],
                        tr[p.1].as_deref().unwrap_or(""),
                        tr[p.2].as_deref().unwrap_or("")
                    ))
                })
                .collect(),
        ),
    ));
    Table::from_columns(&format!("{} (pairs of arms)", table.source()), columns)
}

/// Contrast rows: `study`, `treat1`, `treat2` and the effect columns `meta` reads for generic
/// effects (`yi` with `vi` or `sei`).
///
/// # Errors
/// [`Error::MissingColumn`]; [`Error::Value`] for a missing label; as [`EffectSizes::compute`].
pub fn contrasts_from_rows(table: &Table, study: &str) -> Result<Vec<Contrast>> {
    for (c, why) in [
        (study, "as the study"),
        ("treat1", "as the first treatment"),
        ("treat2", "as the second treatment"),
    ] {
        if !table.has(c) {
            return Err(table.missing_column(c, why));
        }
    }
    let es = EffectSizes::compute(table, Measure::Gen, &EffectOptions::default())?;
    if es.k() != table.nrows() {
        let used: std::collections::HashSet<usize> = es.rows().iter().copied().collect();
        let r = (0..table.nrows()).find(|i| !used.contains(i)).unwrap_or(0);
        return Err(table.value_error(r, "yi", "the contrast has no usable effect and variance"));
    }
    let (st, t1, t2) = (
        table.texts(study),
        table.texts("treat1"),
        table.texts("treat2"),
    );
    es.rows()
        .iter()
        .zip(es.yi().iter().zip(es.vi()))
        .map(|(&r, (&y, &v))| {
            let get = |col: &[Option<String>], name: &str| {
                col[r]
                    .clone()
                    .ok_or_else(|| table.value_error(r, name, "the value is missing"))
            };
            Ok(Contrast {
                study: get(&st, study)?,
                treat1: get(&t1, "treat1")?,
                treat2: get(&t2, "treat2")?,
                yi: y,
                vi: v,
            })
        })
        .collect()
}

/// Whether a network table holds contrast rows (`treat1`, `treat2`) rather than arm rows.
pub fn has_contrast_rows(table: &Table) -> bool {
    table.has("treat1") && table.has("treat2")
}

/// The contrasts of a network table: its contrast rows ([`contrasts_from_rows`]) when it has
/// `treat1` and `treat2` columns, else every pair of arms within a study of its arm rows
/// ([`contrasts_from_arms`]).
///
/// # Errors
/// As [`contrasts_from_rows`] and [`contrasts_from_arms`].
pub fn contrasts(
    table: &Table,
    study: &str,
    treatment: &str,
    measure: Measure,
    opts: &EffectOptions,
) -> Result<Vec<Contrast>> {
    if has_contrast_rows(table) {
        contrasts_from_rows(table, study)
    } else {
        contrasts_from_arms(table, study, treatment, measure, opts)
    }
}

/// The evidence drawn in a network graph: the studies and comparisons of `contrasts`, with the
/// participants of arm rows when the table gives every arm's size (`n`).
pub fn evidence(
    table: &Table,
    study: &str,
    treatment: &str,
    contrasts: &[Contrast],
) -> super::Evidence {
    let ev = super::Evidence::from_contrasts(contrasts);
    match (has_contrast_rows(table), arm_sizes(table, study, treatment)) {
        (false, Some(sizes)) => ev.with_participants(&sizes),
        _ => ev,
    }
}

/// The size of every arm of arm-level rows (`(study, treatment, n)` from the `n` column), for
/// [`super::Evidence::with_participants`]; `None` without an `n` column or with a missing size.
pub fn arm_sizes(
    table: &Table,
    study: &str,
    treatment: &str,
) -> Option<Vec<(String, String, f64)>> {
    if !table.has("n") {
        return None;
    }
    let n = table.numeric("n", "as arm sizes").ok()?;
    let (st, tr) = (table.texts(study), table.texts(treatment));
    (0..table.nrows())
        .map(|r| Some((st[r].clone()?, tr[r].clone()?, n[r]?)))
        .collect()
}

/// The components of each treatment from arm-level rows: one column per component, present
/// when the arm's value is true, 1 or yes (false, 0, no or empty: absent). For
/// [`super::ComponentSpec::given`].
///
/// # Errors
/// [`Error::MissingColumn`] for an absent treatment or component column; [`Error::Value`] for a
/// value that is not true/false, 1/0 or yes/no, or for a treatment whose arms disagree on its
/// components (naming the row).
pub fn components_from_columns(
    table: &Table,
    treatment: &str,
    columns: &[String],
) -> Result<Vec<(String, Vec<String>)>> {
    if !table.has(treatment) {
        return Err(table.missing_column(treatment, "as the treatment"));
    }
    for c in columns {
        if !table.has(c) {
            return Err(table.missing_column(c, "as a component"));
        }
    }
    let tr = table.texts(treatment);
    let vals: Vec<Vec<Option<String>>> = columns.iter().map(|c| table.texts(c)).collect();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (r, t) in tr.iter().enumerate() {
        let Some(t) = t else {
            return Err(table.value_error(r, treatment, "the treatment is missing"));
        };
        let mut comps = Vec::new();
        for (c, v) in columns.iter().zip(&vals) {
            let text = v[r].as_deref().unwrap_or("").trim().to_ascii_lowercase();
            match text.as_str() {
                "1" | "1.0" | "true" | "yes" | "y" => comps.push(c.clone()),
                "0" | "0.0" | "false" | "no" | "n" | "" | "na" => {}
                _ => {
                    return Err(table.value_error(
                        r,
                        c,
                        format!("'{text}' is not a component indicator (true/false, 1/0, yes/no)"),
                    ))
                }
            }
        }
        match out.iter().find(|(name, _)| name == t) {
            Some((_, prev)) if *prev != comps => {
                return Err(table.value_error(
                    r,
                    treatment,
                    format!(
                        "treatment '{t}' has components {{{}}} here but {{{}}} in an earlier row",
                        comps.join(", "),
                        prev.join(", ")
                    ),
                ))
            }
            Some(_) => {}
            None => out.push((t.clone(), comps)),
        }
    }
    Ok(out)
}
