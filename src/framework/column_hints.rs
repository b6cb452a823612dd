//! Misspelt column names: "did you mean `mean_t`?" (edit distance) for columns that are neither
//! read as effect data nor in the codebook, and the columns each kind of effect needs when no row
//! has a usable effect.

use super::codebook::Codebook;
use super::template::EFFECT_COLUMNS;
use crate::data::Table;

/// Columns the evaluation reads beside the codebook's fields and the effect columns.
const OTHER_READ: [&str; 4] = ["study", "outcome_domain", "outcome", "higher_is_better"];

/// The kinds of effect an evaluation computes from plain columns, with the columns each needs
/// (`a|b`: either), in the order they are tried.
const KINDS: [(&str, &[&str]); 4] = [
    ("an effect as given", &["yi", "vi|sei"]),
    (
        "continuous arms",
        &["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"],
    ),
    ("a 2x2 table", &["events_t", "n_t", "events_c", "n_c"]),
    (
        "incidence rates",
        &["events_t", "person_time_t", "events_c", "person_time_c"],
    ),
];

/// The Levenshtein distance between `a` and `b`, ignoring ASCII case.
///
/// # Examples
///
/// ```
/// use peerstat::framework::column_hints::edit_distance;
/// assert_eq!(edit_distance("mean_tx", "mean_t"), 1);
/// assert_eq!(edit_distance("risk_of_bais", "risk_of_bias"), 2);
/// assert_eq!(edit_distance("Yi", "yi"), 0);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_ascii_lowercase().chars().collect();
    let b: Vec<char> = b.to_ascii_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `name` when it is close enough to be a slip (at most 1 edit for
/// names up to 7 characters, 2 for longer ones) and not `name` itself; ties go to the first.
///
/// # Examples
///
/// ```
/// use peerstat::framework::column_hints::did_you_mean;
/// assert_eq!(did_you_mean("higher_is_beter", ["study", "higher_is_better"]), Some("higher_is_better"));
/// assert_eq!(did_you_mean("age", ["n_t", "mean_t"]), None);
/// ```
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let allowed = if name.chars().count() <= 7 { 1 } else { 2 };
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d > 0 && *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Every name an evaluation reads: the effect columns, the codebook's fields and the others
/// ([`OTHER_READ`]).
fn known<'a>(codebook: &'a Codebook) -> impl Iterator<Item = &'a str> + 'a {
    EFFECT_COLUMNS
        .iter()
        .map(|(n, _)| *n)
        .chain(OTHER_READ)
        .chain(codebook.fields.iter().map(|f| f.name.as_str()))
}

/// Whether column `c` of `table` is read: it has the name of a column read, or `--col` maps a
/// column read to it.
fn is_read(table: &Table, codebook: &Codebook, c: &str) -> bool {
    known(codebook)
        .any(|k| k.eq_ignore_ascii_case(c) || table.actual_name(k).eq_ignore_ascii_case(c))
}

/// One sentence per column of `table` that is not read but is one slip away from a column that
/// is read (effect data, the codebook's fields, study, outcome, direction): "column
/// `risk_of_bais` is not read (kept as an extra moderator): did you mean `risk_of_bias`?".
pub fn misspelt(table: &Table, codebook: &Codebook) -> Vec<String> {
    table
        .names()
        .iter()
        .filter(|c| !is_read(table, codebook, c))
        .filter_map(|c| {
            did_you_mean(c, known(codebook)).map(|k| {
                format!("column `{c}` is not read (kept as an extra moderator): did you mean `{k}`? Rename it, or map it with --col {k}={c}")
            })
        })
        .collect()
}

/// Why no row of `table` has a usable effect, for the error: the columns each kind of effect
/// needs and which of them are missing, with "did you mean" for columns one slip away.
pub fn no_effect_columns(table: &Table, codebook: &Codebook) -> String {
    let has = |c: &str| c.split('|').any(|c| table.has(c));
    let kinds: Vec<String> = KINDS
        .iter()
        .map(|(kind, cols)| {
            let missing: Vec<String> = cols
                .iter()
                .filter(|c| !has(c))
                .map(|c| c.replace('|', " or "))
                .collect();
            if missing.is_empty() {
                format!(
                    "{kind} ({}): all present, but no row fills them all with valid values",
                    cols.join(", ").replace('|', " or ")
                )
            } else {
                format!(
                    "{kind} ({}): missing {}",
                    cols.join(", ").replace('|', " or "),
                    missing.join(", ")
                )
            }
        })
        .collect();
    let slips: Vec<String> = table
        .names()
        .iter()
        .filter(|c| !is_read(table, codebook, c))
        .filter_map(|c| {
            did_you_mean(
                c,
                EFFECT_COLUMNS
                    .iter()
                    .map(|(n, _)| *n)
                    .filter(|n| !table.has(n)),
            )
            .map(|k| format!("column `{c}`: did you mean `{k}`?"))
        })
        .collect();
    format!(
        "no row has a usable effect. Each kind of effect needs these columns: {}{}",
        kinds.join("; "),
        if slips.is_empty() {
            ". (Other ways: a CI in ci_lower and ci_upper or a p-value in pval with yi; medians, standard errors or test statistics with n_t and n_c: see `peerstat init`.)".to_string()
        } else {
            format!(
                ". {} (rename it, or map it with --col NAME=COLUMN)",
                slips.join("; ")
            )
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_are_found_and_unrelated_names_are_not() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            did_you_mean("mean_tx", ["mean_t", "mean_c"]),
            Some("mean_t")
        );
        assert_eq!(did_you_mean("mean_t", ["mean_t"]), None);
        assert_eq!(
            did_you_mean("risk_of_bais", ["risk_of_bias"]),
            Some("risk_of_bias")
        );
        // short names: one edit only
        assert_eq!(did_you_mean("sdt", ["sd_t"]), Some("sd_t"));
        assert_eq!(did_you_mean("country", ["counts"]), None);
    }
}
