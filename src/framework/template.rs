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

fn row(
    kind: &'static str,
    study: &str,
    common: &[(&'static str, &str)],
    effect: &[(&'static str, &str)],
) -> ExampleRow {
    let mut values = vec![
        ("study", study.to_string()),
        ("study_id", study.to_string()),
    ];
    values.extend(
        common
            .iter()
            .chain(effect)
            .map(|(c, v)| (*c, v.to_string())),
    );
    ExampleRow { kind, values }
}

/// Two example rows of each combination (outcomes and values invented for illustration).
fn examples() -> Vec<ExampleRow> {
    let phq: [(&str, &str); 5] = [
        ("outcome_domain", "mental health"),
        ("outcome", "PHQ-9"),
        ("higher_is_better", "false"),
        ("design", "rct"),
        ("duration_months", "6"),
    ];
    let wemwbs: [(&str, &str); 5] = [
        ("outcome_domain", "wellbeing"),
        ("outcome", "WEMWBS"),
        ("higher_is_better", "true"),
        ("design", "rct"),
        ("duration_months", "3"),
    ];
    let adm: [(&str, &str); 5] = [
        ("outcome_domain", "service use"),
        ("outcome", "hospital admission"),
        ("higher_is_better", "false"),
        ("design", "rct"),
        ("duration_months", "12"),
    ];
    let falls: [(&str, &str); 5] = [
        ("outcome_domain", "physical health"),
        ("outcome", "falls per person-year"),
        ("higher_is_better", "false"),
        ("design", "rct"),
        ("duration_months", "12"),
    ];
    let cl: [(&str, &str); 5] = [
        ("outcome_domain", "mental health"),
        ("outcome", "PHQ-9"),
        ("higher_is_better", "false"),
        ("design", "cluster rct"),
        ("duration_months", "12"),
    ];
    vec![
        row(
            "yi",
            "Example yi A",
            &wemwbs,
            &[("yi", "0.25"), ("vi", "0.020")],
        ),
        row(
            "yi",
            "Example yi B",
            &wemwbs,
            &[("yi", "0.31"), ("sei", "0.18")],
        ),
        row(
            "ci",
            "Example CI A",
            &wemwbs,
            &[("yi", "0.18"), ("ci_lower", "-0.05"), ("ci_upper", "0.41")],
        ),
        row(
            "ci",
            "Example CI B",
            &wemwbs,
            &[
                ("yi", "0.40"),
                ("ci_lower", "0.15"),
                ("ci_upper", "0.65"),
                ("ci_level", "90"),
            ],
        ),
        row(
            "p",
            "Example p A",
            &wemwbs,
            &[("yi", "0.22"), ("pval", "0.03")],
        ),
        row(
            "p",
            "Example p B",
            &wemwbs,
            &[("yi", "0.12"), ("pval", "0.41")],
        ),
        row(
            "arms",
            "Example arms A",
            &phq,
            &[
                ("n_t", "60"),
                ("mean_t", "8.1"),
                ("sd_t", "4.2"),
                ("n_c", "58"),
                ("mean_c", "9.6"),
                ("sd_c", "4.5"),
            ],
        ),
        row(
            "arms",
            "Example arms B",
            &phq,
            &[
                ("n_t", "45"),
                ("mean_t", "7.9"),
                ("sd_t", "3.8"),
                ("n_c", "47"),
                ("mean_c", "9.1"),
                ("sd_c", "4.0"),
            ],
        ),
        row(
            "se",
            "Example SE A",
            &phq,
            &[
                ("n_t", "40"),
                ("mean_t", "8.4"),
                ("se_t", "0.66"),
                ("n_c", "41"),
                ("mean_c", "9.9"),
                ("se_c", "0.70"),
            ],
        ),
        row(
            "se",
            "Example SE B",
            &phq,
            &[
                ("n_t", "25"),
                ("mean_t", "7.2"),
                ("se_t", "0.80"),
                ("n_c", "26"),
                ("mean_c", "8.0"),
                ("se_c", "0.84"),
            ],
        ),
        row(
            "median_iqr",
            "Example median IQR A",
            &phq,
            &[
                ("n_t", "50"),
                ("median_t", "7"),
                ("q1_t", "4"),
                ("q3_t", "11"),
                ("n_c", "52"),
                ("median_c", "9"),
                ("q1_c", "5"),
                ("q3_c", "13"),
            ],
        ),
        row(
            "median_iqr",
            "Example median IQR B",
            &phq,
            &[
                ("n_t", "70"),
                ("median_t", "8"),
                ("q1_t", "5"),
                ("q3_t", "12"),
                ("n_c", "68"),
                ("median_c", "9"),
                ("q1_c", "6"),
                ("q3_c", "13"),
            ],
        ),
        row(
            "median_range",
            "Example median range A",
            &phq,
            &[
                ("n_t", "36"),
                ("median_t", "8"),
                ("min_t", "1"),
                ("max_t", "17"),
                ("n_c", "35"),
                ("median_c", "10"),
                ("min_c", "2"),
                ("max_c", "19"),
            ],
        ),
        row(
            "median_range",
            "Example median range B",
            &phq,
            &[
                ("n_t", "48"),
                ("median_t", "7"),
                ("min_t", "0"),
                ("max_t", "15"),
                ("n_c", "50"),
                ("median_c", "8"),
                ("min_c", "1"),
                ("max_c", "16"),
            ],
        ),
        row(
            "t",
            "Example t A",
            &wemwbs,
            &[("n_t", "40"), ("n_c", "42"), ("tstat", "2.1")],
        ),
        row(
            "t",
            "Example t B",
            &wemwbs,
            &[("n_t", "55"), ("n_c", "53"), ("tstat", "1.4")],
        ),
        row(
            "F",
            "Example F A",
            &wemwbs,
            &[("n_t", "29"), ("n_c", "31"), ("fstat", "4.4")],
        ),
        row(
            "F",
            "Example p (t-test) B",
            &wemwbs,
            &[("n_t", "33"), ("n_c", "30"), ("pval", "0.048")],
        ),
        row(
            "rates",
            "Example rates A",
            &falls,
            &[
                ("events_t", "30"),
                ("person_time_t", "95.5"),
                ("events_c", "44"),
                ("person_time_c", "90.0"),
            ],
        ),
        row(
            "rates",
            "Example rates B",
            &falls,
            &[
                ("events_t", "18"),
                ("person_time_t", "61.0"),
                ("events_c", "25"),
                ("person_time_c", "58.5"),
            ],
        ),
        row(
            "2x2",
            "Example 2x2 A",
            &adm,
            &[
                ("events_t", "12"),
                ("n_t", "100"),
                ("events_c", "20"),
                ("n_c", "98"),
            ],
        ),
        row(
            "2x2",
            "Example 2x2 B",
            &adm,
            &[
                ("events_t", "8"),
                ("n_t", "75"),
                ("events_c", "14"),
                ("n_c", "80"),
            ],
        ),
        row(
            "cluster",
            "Example cluster A",
            &cl,
            &[
                ("n_t", "120"),
                ("mean_t", "8.8"),
                ("sd_t", "4.4"),
                ("n_c", "118"),
                ("mean_c", "9.7"),
                ("sd_c", "4.6"),
                ("cluster_size", "12"),
                ("icc", "0.05"),
            ],
        ),
        row(
            "cluster",
            "Example cluster B",
            &cl,
            &[
                ("n_t", "90"),
                ("mean_t", "8.2"),
                ("sd_t", "4.1"),
                ("n_c", "96"),
                ("mean_c", "8.9"),
                ("sd_c", "4.3"),
                ("cluster_size", "8"),
                ("icc", "0.02"),
            ],
        ),
    ]
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
