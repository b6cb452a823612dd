//! Published predictive distributions for the heterogeneity τ², as priors.
//!
//! * Turner et al. (2015), *Predictive distributions for between-study heterogeneity and simple
//!   methods for their application in Bayesian meta-analysis*, Statistics in Medicine 34(6):
//!   984–998, Table IV: log τ² ~ Normal(μ, σ²) for log odds ratios, by outcome type and type of
//!   comparison; the "any" setting (p. 993) is Normal(−2.56, 1.74²).
//! * Rhodes et al. (2015), *Predictive distributions were developed for the extent of
//!   heterogeneity in meta-analyses of continuous outcome data*, Journal of Clinical
//!   Epidemiology 68(1): 52–60, Table 3 (and Tables A.3.1/A.3.2 for respiratory diseases and
//!   cancer): log τ² ~ location + scale·t₅ for standardised mean differences; the "any" setting
//!   (Sec. 3.3) is t₅(−3.44, 2.59).
//!
//! The values are those of R's bayesmeta 3.4 (`TurnerEtAlParameters` and
//! `RhodesEtAlParameters` in `R/bayesmeta.R`, functions `TurnerEtAlPrior` and
//! `RhodesEtAlPrior`), which transcribes the papers' tables.

/// Command-line names of Turner et al.'s 16 outcome types, in the table's order, with the
/// outcome type in the paper's words.
pub const TURNER_OUTCOMES: [(&str, &str); 16] = [
    ("all-cause-mortality", "all-cause mortality"),
    ("obstetric", "obstetric outcomes"),
    (
        "cause-specific-mortality",
        "cause-specific mortality / major morbidity event / composite (mortality or morbidity)",
    ),
    ("resource-use", "resource use / hospital stay / process"),
    ("surgical", "surgical / device related success / failure"),
    ("withdrawals", "withdrawals / drop-outs"),
    (
        "internal-structure",
        "internal / structure-related outcomes",
    ),
    (
        "general-physical-health",
        "general physical health indicators",
    ),
    ("adverse-events", "adverse events"),
    ("infection", "infection / onset of new disease"),
    (
        "signs-symptoms",
        "signs / symptoms reflecting continuation / end of condition",
    ),
    ("pain", "pain"),
    (
        "quality-of-life",
        "quality of life / functioning (dichotomized)",
    ),
    ("mental-health", "mental health indicators"),
    ("biological-markers", "biological markers (dichotomized)"),
    ("subjective", "subjective outcomes (various)"),
];

/// Command-line names of Turner et al.'s 5 types of comparison, in the table's order.
pub const TURNER_COMPARISONS: [(&str, &str); 5] = [
    ("pharma-placebo", "pharmacological vs. placebo / control"),
    ("pharma-pharma", "pharmacological vs. pharmacological"),
    (
        "nonpharma-placebo",
        "non-pharmacological vs. placebo / control",
    ),
    (
        "nonpharma-pharma",
        "non-pharmacological vs. pharmacological",
    ),
    (
        "nonpharma-nonpharma",
        "non-pharmacological vs. non-pharmacological",
    ),
];

/// Turner et al. Table IV, mean of log τ², one row per comparison type, one column per outcome.
const TURNER_MEAN: [[f64; 16]; 5] = [
    [
        -3.95, -3.52, -3.71, -2.34, -2.14, -2.99, -2.71, -2.29, -1.87, -2.49, -2.06, -1.83, -2.54,
        -2.12, -1.77, -2.70,
    ],
    [
        -4.18, -3.75, -3.95, -2.58, -2.37, -3.23, -2.94, -2.53, -2.10, -2.73, -2.29, -2.06, -2.78,
        -2.35, -2.00, -2.93,
    ],
    [
        -4.17, -3.74, -3.93, -2.56, -2.36, -3.21, -2.93, -2.51, -2.10, -2.71, -2.28, -2.05, -2.77,
        -2.34, -1.99, -2.92,
    ],
    [
        -2.92, -2.49, -2.68, -1.31, -1.11, -1.96, -1.67, -1.26, -0.84, -1.46, -1.03, -0.80, -1.51,
        -1.09, -0.74, -1.67,
    ],
    [
        -3.50, -3.08, -3.27, -1.90, -1.69, -2.55, -2.26, -1.85, -1.43, -2.05, -1.61, -1.38, -2.10,
        -1.67, -1.33, -2.26,
    ],
];

/// Turner et al. Table IV, standard deviation of log τ² (layout as [`TURNER_MEAN`]).
const TURNER_SD: [[f64; 16]; 5] = [
    [
        1.34, 1.74, 1.74, 1.74, 1.74, 1.74, 1.74, 1.53, 1.52, 1.52, 1.51, 1.52, 1.54, 1.53, 1.52,
        1.52,
    ],
    [
        1.41, 1.79, 1.79, 1.79, 1.79, 1.79, 1.79, 1.58, 1.58, 1.58, 1.58, 1.58, 1.60, 1.60, 1.58,
        1.58,
    ],
    [
        1.55, 1.91, 1.91, 1.91, 1.91, 1.91, 1.92, 1.72, 1.71, 1.71, 1.71, 1.71, 1.73, 1.72, 1.71,
        1.71,
    ],
    [
        1.02, 1.50, 1.51, 1.50, 1.50, 1.51, 1.51, 1.25, 1.24, 1.24, 1.24, 1.25, 1.27, 1.27, 1.24,
        1.25,
    ],
    [
        1.26, 1.68, 1.68, 1.68, 1.68, 1.68, 1.68, 1.46, 1.45, 1.45, 1.45, 1.45, 1.47, 1.47, 1.45,
        1.45,
    ],
];

/// Command-line names of Rhodes et al.'s 8 outcome types, in the table's order.
pub const RHODES_OUTCOMES: [(&str, &str); 8] = [
    ("obstetric", "obstetric outcome"),
    ("resource-use", "resource use and hospital stay / process"),
    (
        "internal-structure",
        "internal and external structure-related outcome",
    ),
    (
        "general-physical-health",
        "general physical health and adverse event and pain and quality of life / functioning",
    ),
    (
        "signs-symptoms",
        "signs / symptoms reflecting continuation / end of condition and infection / onset of new acute / chronic disease",
    ),
    ("mental-health", "mental health outcome"),
    ("biological-marker", "biological marker"),
    ("subjective", "various subjectively measured outcomes"),
];

/// Command-line names of Rhodes et al.'s 3 types of comparison, in the table's order.
pub const RHODES_COMPARISONS: [(&str, &str); 3] = [
    ("pharma-placebo", "pharmacological vs. placebo / control"),
    ("pharma-pharma", "pharmacological vs. pharmacological"),
    ("nonpharma", "non-pharmacological (any)"),
];

/// Command-line names of Rhodes et al.'s medical areas: Table 3 (other), A.3.1, A.3.2.
pub const RHODES_AREAS: [&str; 3] = ["other", "respiratory", "cancer"];

/// Rhodes et al. location of log τ²: `[area][comparison][outcome]`.
const RHODES_LOCATION: [[[f64; 8]; 3]; 3] = [
    [
        [-4.13, -2.55, -2.43, -3.16, -3.00, -2.99, -3.41, -2.76],
        [-4.40, -2.83, -2.70, -3.44, -3.27, -3.27, -3.68, -3.03],
        [-3.99, -2.41, -2.29, -3.02, -2.86, -3.85, -3.27, -2.62],
    ],
    [
        [-6.03, -4.46, -4.33, -5.07, -4.90, -4.90, -5.31, -4.66],
        [-6.31, -4.73, -4.61, -5.34, -5.18, -5.17, -5.59, -4.94],
        [-5.89, -4.32, -4.19, -4.93, -4.76, -4.76, -5.17, -4.52],
    ],
    [
        [-1.57, 0.01, -0.13, -0.60, -0.44, -0.43, -0.85, -0.20],
        [-1.85, -0.27, -0.14, -0.88, -0.71, -0.71, -1.13, -0.48],
        [-1.43, 0.15, 0.27, -0.46, -0.30, -0.29, -0.71, -0.06],
    ],
];

/// Rhodes et al. scale of log τ² (layout as [`RHODES_LOCATION`]).
const RHODES_SCALE: [[[f64; 8]; 3]; 3] = [
    [
        [2.34, 2.73, 2.50, 2.50, 2.50, 2.16, 2.83, 2.58],
        [2.31, 2.70, 2.46, 2.44, 2.47, 2.14, 2.78, 2.59],
        [2.11, 2.57, 2.32, 2.27, 2.33, 1.93, 2.66, 2.41],
    ],
    [
        [2.36, 2.74, 2.51, 2.51, 2.50, 2.17, 2.83, 2.59],
        [2.31, 2.70, 2.46, 2.45, 2.47, 2.14, 2.78, 2.59],
        [2.21, 2.57, 2.33, 2.28, 2.33, 1.94, 2.66, 2.41],
    ],
    [
        [2.45, 2.83, 2.61, 2.61, 2.60, 2.28, 2.93, 2.68],
        [2.41, 2.79, 2.56, 2.55, 2.57, 2.25, 2.87, 2.68],
        [2.24, 2.68, 2.45, 2.40, 2.46, 2.08, 2.78, 2.53],
    ],
];

/// The index of `name` among the first elements of `names`.
fn index(names: &[(&str, &str)], name: &str) -> Option<usize> {
    names.iter().position(|(n, _)| *n == name)
}

/// Turner et al.'s (mean, sd) of log τ² for an outcome and comparison (command-line names);
/// `None` for a name not in the table.
pub fn turner(outcome: &str, comparison: &str) -> Option<(f64, f64)> {
    let o = index(&TURNER_OUTCOMES, outcome)?;
    let c = index(&TURNER_COMPARISONS, comparison)?;
    Some((TURNER_MEAN[c][o], TURNER_SD[c][o]))
}

/// Rhodes et al.'s (location, scale) of log τ² (a t distribution with 5 df) for an outcome,
/// comparison and medical area (command-line names); `None` for a name not in the tables.
pub fn rhodes(outcome: &str, comparison: &str, area: &str) -> Option<(f64, f64)> {
    let o = index(&RHODES_OUTCOMES, outcome)?;
    let c = index(&RHODES_COMPARISONS, comparison)?;
    let a = RHODES_AREAS.iter().position(|n| *n == area)?;
    Some((RHODES_LOCATION[a][c][o], RHODES_SCALE[a][c][o]))
}

/// Turner et al.'s setting for any outcome and comparison (p. 993): log τ² ~ N(−2.56, 1.74²).
pub const TURNER_ANY: (f64, f64) = (-2.56, 1.74);
/// Rhodes et al.'s general setting (Sec. 3.3): log τ² ~ −3.44 + 2.59·t₅.
pub const RHODES_ANY: (f64, f64) = (-3.44, 2.59);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_match_bayesmeta() {
        // TurnerEtAlPrior("mental health indicators", "non-pharmacological", "placebo / control")
        assert_eq!(
            turner("mental-health", "nonpharma-placebo"),
            Some((-2.34, 1.72))
        );
        assert_eq!(
            turner("all-cause-mortality", "pharma-placebo"),
            Some((-3.95, 1.34))
        );
        assert_eq!(
            turner("subjective", "nonpharma-nonpharma"),
            Some((-2.26, 1.45))
        );
        // RhodesEtAlPrior("mental health outcome", "non-pharmacological", "placebo / control")
        assert_eq!(
            rhodes("mental-health", "nonpharma", "other"),
            Some((-3.85, 1.93))
        );
        assert_eq!(
            rhodes("obstetric", "pharma-placebo", "respiratory"),
            Some((-6.03, 2.36))
        );
        assert_eq!(
            rhodes("subjective", "nonpharma", "cancer"),
            Some((-0.06, 2.53))
        );
        assert_eq!(turner("nope", "pharma-placebo"), None);
    }
}
