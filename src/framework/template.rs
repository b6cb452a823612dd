//! The coding template of the framework (`peerstat init`): every canonical column with its type,
//! allowed levels (from the codebook) and meaning, which combinations of columns give an effect,
//! and two filled example rows of each kind. Data only; `report::template` renders the CSV and
//! the data dictionary.

use serde::Serialize;

use super::codebook::{Codebook, FieldKind};

/// One column of the template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateColumn {
    /// Canonical name.
    pub name: String,
    /// `text`, `number`, `category` or `true/false`.
    pub kind: String,
    /// Allowed levels (categories).
    pub levels: Vec<String>,
    /// What it holds.
    pub description: String,
    /// `study`, the framework dimension (`who`, `what`, …), or `effect`.
    pub group: String,
}

/// A set of columns that gives an effect, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Combination {
    /// The kind (`yi_source` code of the effects it gives: `arms`, `2x2`, `ci`, …).
    pub kind: &'static str,
    /// The columns needed.
    pub columns: &'static str,
    /// What is computed from them.
    pub gives: &'static str,
}

/// An example row: its kind and its values by column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExampleRow {
    /// Which combination it shows.
    pub kind: &'static str,
    /// `(column, value)` pairs; other columns are empty.
    pub values: Vec<(&'static str, String)>,
}

/// The whole template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    /// Codebook name and version.
    pub codebook: String,
    /// Every column, in template order.
    pub columns: Vec<TemplateColumn>,
    /// The combinations of columns that give an effect, in the order they are tried.
    pub combinations: Vec<Combination>,
    /// Two example rows of each combination.
    pub examples: Vec<ExampleRow>,
}

/// The effect columns: name, description.
pub const EFFECT_COLUMNS: [(&str, &str); 33] = [
    ("n_t", "participants in the peer-support (intervention) arm"),
    ("mean_t", "mean outcome, intervention arm"),
    ("sd_t", "standard deviation, intervention arm"),
    ("n_c", "participants in the comparator arm"),
    ("mean_c", "mean outcome, comparator arm"),
    ("sd_c", "standard deviation, comparator arm"),
    ("events_t", "participants with the event, intervention arm (binary outcome)"),
    ("events_c", "participants with the event, comparator arm"),
    ("person_time_t", "person-time at risk, intervention arm (with events_t: incidence rates, e.g. falls or admissions per person-year)"),
    ("person_time_c", "person-time at risk, comparator arm"),
    ("yi", "effect size as reported (SMD, or log odds ratio; with vi, sei, a CI or a p-value)"),
    ("vi", "sampling variance of yi"),
    ("sei", "standard error of yi"),
    ("ci_lower", "lower confidence bound of yi (same scale as yi)"),
    ("ci_upper", "upper confidence bound of yi"),
    ("ci_level", "confidence level of the bounds in percent (default 95)"),
    ("pval", "two-sided p-value: of yi; or, with n_t and n_c and no yi, of the t-test of the means (negative when the intervention mean is lower)"),
    ("tstat", "two-sample t statistic (intervention minus comparator), with n_t and n_c"),
    ("fstat", "F statistic with 1 numerator df (signed: negative when the intervention mean is lower), with n_t and n_c"),
    ("median_t", "median, intervention arm (with q1_t, q3_t and/or min_t, max_t, and n_t)"),
    ("q1_t", "first quartile, intervention arm"),
    ("q3_t", "third quartile, intervention arm"),
    ("min_t", "minimum, intervention arm"),
    ("max_t", "maximum, intervention arm"),
    ("se_t", "standard error of the mean, intervention arm (gives sd_t = se_t·√n_t)"),
    ("median_c", "median, comparator arm"),
    ("q1_c", "first quartile, comparator arm"),
    ("q3_c", "third quartile, comparator arm"),
    ("min_c", "minimum, comparator arm"),
    ("max_c", "maximum, comparator arm"),
    ("se_c", "standard error of the mean, comparator arm"),
    ("cluster_size", "mean cluster size m of a cluster-randomised trial (design effect 1 + (m − 1)·ICC)"),
    ("icc", "intracluster correlation of that trial, in [0, 1)"),
];

/// The combinations, in the order `evaluate` tries them.
pub const COMBINATIONS: [Combination; 12] = [
    Combination {
        kind: "yi",
        columns: "yi, vi (or sei)",
        gives: "the effect as given",
    },
    Combination {
        kind: "ci",
        columns: "yi, ci_lower, ci_upper (ci_level)",
        gives: "vi = ((ci_upper − ci_lower)/(2·z))²",
    },
    Combination {
        kind: "p",
        columns: "yi, pval",
        gives: "vi = (yi / z_(1−p/2))²",
    },
    Combination {
        kind: "arms",
        columns: "n_t, mean_t, sd_t, n_c, mean_c, sd_c",
        gives: "Hedges' g (exact J) with its LS variance",
    },
    Combination {
        kind: "se",
        columns: "n_t, mean_t, se_t, n_c, mean_c, se_c",
        gives: "SDs = se·√n, then Hedges' g",
    },
    Combination {
        kind: "median_iqr",
        columns: "n_t, median_t, q1_t, q3_t (same for _c)",
        gives: "means (Luo 2018) and SDs (Wan 2014), then Hedges' g; with min and max too, SDs after Shi 2020 (median_iqr_range)",
    },
    Combination {
        kind: "median_range",
        columns: "n_t, median_t, min_t, max_t (same for _c)",
        gives: "means (Luo 2018) and SDs (Wan 2014), then Hedges' g",
    },
    Combination {
        kind: "t",
        columns: "tstat, n_t, n_c",
        gives: "Hedges' g = J·t·√(1/n_t + 1/n_c)",
    },
    Combination {
        kind: "F",
        columns: "fstat, n_t, n_c (or pval, n_t, n_c)",
        gives: "t = sign(F)·√|F| (or from the p-value), then as t",
    },
    Combination {
        kind: "2x2",
        columns: "events_t, n_t, events_c, n_c",
        gives: "log odds ratio (½ added to tables with a zero cell)",
    },
    Combination {
        kind: "rates",
        columns: "events_t, person_time_t, events_c, person_time_c",
        gives: "log incidence rate ratio (½ added to both arms' events when one has none); a domain of rates only is reported as rate ratios",
    },
    Combination {
        kind: "cluster",
        columns: "any of the above with cluster_size and icc",
        gives: "vi × (1 + (m − 1)·ICC)",
    },
];

/// The example rows (outcomes and values invented for illustration), two of each
/// combination: `kind`, `study` (also its `study_id`), the outcome's columns, then the effect's
/// `column=value` pairs, space-separated.
const EXAMPLES: &str = include_str!("template_examples.csv");

/// The example rows of [`EXAMPLES`], in its order.
fn examples() -> Vec<ExampleRow> {
    let mut lines = EXAMPLES.lines();
    let header: Vec<&'static str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| example_row(&header, l))
        .collect()
}

/// One line of [`EXAMPLES`] as a row: `study` and `study_id`, the outcome's columns (named by
/// `header`), then the effect's pairs.
fn example_row(header: &[&'static str], line: &'static str) -> ExampleRow {
    let cells: Vec<&'static str> = line.split(',').collect();
    let study = cells.get(1).copied().unwrap_or_default();
    let mut values = vec![
        ("study", study.to_string()),
        ("study_id", study.to_string()),
    ];
    let last = header.len().saturating_sub(1);
    values.extend(
        header
            .iter()
            .zip(&cells)
            .take(last)
            .skip(2)
            .map(|(c, v)| (*c, v.to_string())),
    );
    let effect = cells.get(last).copied().unwrap_or_default();
    values.extend(
        effect
            .split_whitespace()
            .filter_map(|p| p.split_once('='))
            .map(|(c, v)| (c, v.to_string())),
    );
    ExampleRow {
        kind: cells.first().copied().unwrap_or_default(),
        values,
    }
}

/// The template of `codebook`: `study`, `study_id`, the codebook's fields in its order, then the
/// effect columns ([`EFFECT_COLUMNS`]).
pub fn template(codebook: &Codebook) -> Template {
    let mut columns = vec![
        TemplateColumn {
            name: "study".into(),
            kind: "text".into(),
            levels: Vec::new(),
            description: "study label shown in the report (e.g. Smith 2019)".into(),
            group: "study".into(),
        },
        TemplateColumn {
            name: "study_id".into(),
            kind: "text".into(),
            levels: Vec::new(),
            description:
                "one identifier per study, shared by all its rows (several outcomes or comparisons)"
                    .into(),
            group: "study".into(),
        },
    ];
    for f in &codebook.fields {
        let (kind, levels) = match &f.kind {
            FieldKind::Category { levels } => ("category", levels.clone()),
            FieldKind::Number { .. } => ("number", Vec::new()),
            FieldKind::Text if f.name == "higher_is_better" => ("true/false", Vec::new()),
            FieldKind::Text => ("text", Vec::new()),
        };
        columns.push(TemplateColumn {
            name: f.name.clone(),
            kind: kind.into(),
            levels,
            description: f.description.clone(),
            group: f.dimension.clone(),
        });
    }
    for (name, d) in EFFECT_COLUMNS {
        if columns.iter().any(|c| c.name == name) {
            continue;
        }
        columns.push(TemplateColumn {
            name: name.into(),
            kind: "number".into(),
            levels: Vec::new(),
            description: d.into(),
            group: "effect".into(),
        });
    }
    Template {
        codebook: format!("{} {}", codebook.name, codebook.version),
        columns,
        combinations: COMBINATIONS.to_vec(),
        examples: examples(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_examples_of_each_combination_with_every_value() {
        let ex = examples();
        for c in COMBINATIONS {
            assert_eq!(
                ex.iter().filter(|e| e.kind == c.kind).count(),
                2,
                "{}",
                c.kind
            );
        }
        assert_eq!(ex.len(), 2 * COMBINATIONS.len());
        for e in &ex {
            assert_eq!(e.values[0].0, "study");
            assert!(e.values.iter().all(|(c, v)| !c.is_empty() && !v.is_empty()));
            assert!(e.values.len() >= 9, "{:?}", e.values);
        }
    }
}
