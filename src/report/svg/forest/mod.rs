//! Forest plot (metafor's `forest()` and meta's `forest.meta` as models): one row per study
//! (square sized by weight, CI whisker, arrows where the axis clips it), the pooled diamond with
//! the prediction interval drawn as metafor's dotted bar through it, subgroup blocks, text
//! columns (arm data, any data column), the estimate \[CI\] and weight columns, risk-of-bias
//! dots, and an axis whose tick labels never overlap, with "favours" labels under it.
//!
//! The default axis covers the studies' intervals, except that intervals more than four times
//! as wide as the median are left out of the range (metafor's default `alim` takes every
//! interval, so one imprecise study squashes the others): their whiskers are clipped and end in
//! arrowheads, as metafor draws them when `alim` clips.

mod bayes;
mod columns;
mod draw;
mod layout;
mod marks;
mod rows;
mod scale;

use crate::framework::rob::RobAssessment;
use crate::model::subgroup::SubgroupAnalysis;
use crate::model::{Fit, Tau2Method};

pub use bayes::bayes_forest;
pub use columns::{ForestColumn, ForestSort, SortKey};
pub use layout::ForestLayout;

/// Which side of the null favours the intervention (the first "favours" label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Effects below the null favour the intervention (harmful events: OR, RR < 1).
    Lower,
    /// Effects above the null favour the intervention (a beneficial outcome: SMD > 0).
    Higher,
}

/// How a forest plot is drawn; `Default` gives metafor's look with the defaults described on
/// each field.
#[derive(Debug, Clone, Default)]
pub struct ForestOptions<'a> {
    /// Title over the plot (none by default, as a journal figure).
    pub title: Option<String>,
    /// Axis label (default: the measure's name, with "(log scale)" on a log axis); for
    /// precomputed effects (GEN) also the name of the estimate column.
    pub xlab: Option<String>,
    /// Axis limits on the display scale (ratios on a log axis); intervals beyond them are
    /// clipped and end in arrowheads.
    pub xlim: Option<(f64, f64)>,
    /// Tick values on the display scale (default: nice values whose labels fit).
    pub at: Vec<f64>,
    /// "Favours" labels: (intervention, comparator), placed under the axis on each side of
    /// the null.
    pub favours: Option<(String, String)>,
    /// Which side favours the intervention (default: lower for 2×2 tables and rates, where
    /// the events are usually harms; higher otherwise).
    pub better: Option<Better>,
    /// Row order within each block.
    pub sort: ForestSort,
    /// Text columns left of the plot (arm data, `ilab` columns), in order.
    pub columns: Vec<ForestColumn>,
    /// Show effects as `exp(value)` on a log axis (for precomputed log-scale effects; ratio
    /// measures always are).
    pub exp: bool,
    /// Decimals of the estimates and intervals (default 2).
    pub digits: Option<usize>,
    /// With subgroups: show each study's weight within its subgroup (default: within the
    /// overall model, so squares compare across blocks); the column header says which.
    pub subgroup_weights: bool,
    /// Risk-of-bias dots (robvis colours) right of the weights, matched by data row.
    pub rob: Option<&'a RobAssessment>,
    /// The most rows the plot may have (studies, headings and summaries; default
    /// [`MAX_FOREST_ROWS`]); a larger plot is refused.
    pub max_rows: Option<usize>,
}

/// The most rows a forest plot has unless asked for more (`--max-rows`): 10,000 rows make an
/// SVG of about 8 MB, taller than any page; a larger plot is refused before it is drawn.
pub const MAX_FOREST_ROWS: usize = 10_000;

impl ForestOptions<'_> {
    /// Axis limits from a list of numbers: none, or exactly two (lower, upper).
    ///
    /// # Errors
    /// [`crate::error::Error::Setting`] for any other count.
    pub fn limits(values: &[f64]) -> crate::error::Result<Option<(f64, f64)>> {
        match values {
            [] => Ok(None),
            [a, b] => Ok(Some((*a, *b))),
            _ => Err(crate::error::Error::setting(
                crate::error::Setting::Forest,
                format!(
                    "the axis limits are two numbers, lower and upper (got {})",
                    values.len()
                ),
            )),
        }
    }

    /// "Favours" labels from `intervention,comparator`.
    ///
    /// # Errors
    /// [`crate::error::Error::Setting`] unless the text is two non-empty names separated by a comma.
    pub fn favours_labels(s: &str) -> crate::error::Result<(String, String)> {
        match s.split_once(',') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(crate::error::Error::setting(
                crate::error::Setting::Forest,
                format!("the favours labels are two names separated by a comma, intervention first (got '{s}')"),
            )),
        }
    }
}

/// A forest plot of a fit: one row per study (square sized by weight, CI whisker), the pooled
/// diamond and the prediction interval, with columns for label, effect \[CI\] and weight; with
/// `subgroups`, study blocks per level with their own diamonds, then the overall diamond and the
/// test for subgroup differences. Ratio measures are drawn on a log axis labelled as ratios.
pub fn forest(fit: &Fit, subgroups: Option<&SubgroupAnalysis>, title: &str) -> String {
    forest_with_rob(fit, subgroups, title, None)
}

/// [`forest`] with risk-of-bias columns to the right (as robvis's `rob_append_to_forest`): with
/// `rob`, a coloured circle with its symbol per RoB domain and the overall judgement for each
/// study row, matched by data row; without, the plain forest plot.
pub fn forest_with_rob(
    fit: &Fit,
    subgroups: Option<&SubgroupAnalysis>,
    title: &str,
    rob: Option<&RobAssessment>,
) -> String {
    let opts = ForestOptions {
        title: (!title.is_empty()).then(|| title.to_string()),
        rob,
        ..ForestOptions::default()
    };
    // default options have no limits or ticks to refuse
    forest_plot(fit, subgroups, &opts).unwrap_or_else(|e| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\"><text x=\"10\" y=\"24\">{}</text></svg>\n",
            super::esc(&e.to_string())
        )
    })
}

/// A forest plot drawn with `opts`.
///
/// # Errors
/// [`crate::error::Error::Setting`] when the axis limits are not increasing, limits or ticks are not
/// positive on a log axis, or the exp display is asked for effects that are neither
/// precomputed (GEN) nor on the log scale, or the plot would have more rows than
/// [`ForestOptions::max_rows`].
pub fn forest_plot(
    fit: &Fit,
    subgroups: Option<&SubgroupAnalysis>,
    opts: &ForestOptions,
) -> crate::error::Result<String> {
    let m = fit.measure;
    if opts.exp && m != crate::effect::Measure::Gen && !m.is_log_scale() {
        return Err(crate::error::Error::setting(
            crate::error::Setting::Forest,
            format!(
                "the exp display is for precomputed effects (GEN) on the log scale; {} effects are shown as estimated",
                m.description()
            ),
        ));
    }
    let rows = rows(fit, subgroups, opts);
    let max = opts.max_rows.unwrap_or(MAX_FOREST_ROWS);
    if rows.len() > max {
        return Err(crate::error::Error::setting(
            crate::error::Setting::Forest,
            format!(
                "the forest plot would have {} rows, more than the limit of {max} \
                 (--max-rows); raise --max-rows, or plot fewer studies",
                rows.len()
            ),
        ));
    }
    draw::draw(fit, &rows, footnotes(fit, subgroups), opts)
}

/// One row of the plot.
pub(super) struct Row {
    label: String,
    kind: Kind,
}

pub(super) enum Kind {
    Study {
        yi: f64,
        lo: f64,
        hi: f64,
        weight: f64,
        row: usize,
    },
    Diamond {
        est: f64,
        lo: f64,
        hi: f64,
        class: &'static str,
        /// The prediction interval drawn through the diamond.
        pi: Option<(f64, f64)>,
    },
    /// A posterior shrinkage estimate of the study above (`meta --bayes --forest`): an open
    /// circle at its mean with its credible interval.
    Shrunk {
        est: f64,
        lo: f64,
        hi: f64,
    },
    /// The prediction interval's numbers (drawn on the diamond's row).
    PiText {
        lo: f64,
        hi: f64,
    },
    Heading,
}

/// A fixed-decimals number with no sign on a value that rounds to zero.
pub(crate) fn fmt_fixed(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// The label of a pooled diamond.
fn pooled_label(f: &Fit) -> String {
    if f.method == Tau2Method::Ee {
        "Common effect".to_string()
    } else if f.options.get_knha_adhoc() {
        format!("Random effects ({}, ad hoc KH)", f.method)
    } else {
        format!("Random effects ({})", f.method)
    }
}

/// The rows: study blocks (sorted), diamonds, the prediction interval.
fn rows(fit: &Fit, subgroups: Option<&SubgroupAnalysis>, opts: &ForestOptions) -> Vec<Row> {
    let level = fit.options.get_level();
    let z = crate::dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let study_row = |s: &crate::model::StudyResult, weight: f64| Row {
        label: s.study.clone(),
        kind: Kind::Study {
            yi: s.yi,
            lo: s.yi - z * s.vi.sqrt(),
            hi: s.yi + z * s.vi.sqrt(),
            weight,
            row: s.row,
        },
    };
    let sort = |block: &mut Vec<Row>| {
        let key = |r: &Row| match r.kind {
            Kind::Study {
                yi, weight, row, ..
            } => (yi, weight, row),
            _ => (0.0, 0.0, 0),
        };
        match &opts.sort {
            ForestSort::Data => {}
            ForestSort::Estimate => block.sort_by(|a, b| key(a).0.total_cmp(&key(b).0)),
            ForestSort::Weight => block.sort_by(|a, b| key(b).1.total_cmp(&key(a).1)),
            ForestSort::Column(k) => block.sort_by(|a, b| k.cmp(key(a).2, key(b).2)),
        }
    };
    let mut rows = Vec::new();
    match subgroups {
        Some(sg) => {
            for g in &sg.subgroups {
                rows.push(Row {
                    label: format!("{} = {}", sg.by, g.level),
                    kind: Kind::Heading,
                });
                let mut block: Vec<Row> = g
                    .fit
                    .studies
                    .iter()
                    .map(|s| {
                        let w = if opts.subgroup_weights {
                            s.weight
                        } else {
                            fit.studies
                                .iter()
                                .find(|o| o.row == s.row)
                                .map_or(s.weight, |o| o.weight)
                        };
                        study_row(s, w)
                    })
                    .collect();
                sort(&mut block);
                rows.extend(block);
                let gs = &g.fit.summary;
                rows.push(Row {
                    label: format!(
                        "Subtotal (k = {}{})",
                        gs.k,
                        if gs.k > 1 {
                            format!(", I² = {:.0}%", gs.i2)
                        } else {
                            String::new()
                        }
                    ),
                    kind: Kind::Diamond {
                        est: gs.estimate,
                        lo: gs.ci_lower,
                        hi: gs.ci_upper,
                        class: "subgroup",
                        pi: None,
                    },
                });
            }
        }
        None => {
            let mut block: Vec<Row> = fit.studies.iter().map(|s| study_row(s, s.weight)).collect();
            sort(&mut block);
            rows.extend(block);
        }
    }
    let s = &fit.summary;
    let pi = (s.pi_lower.is_finite() && s.pi_upper.is_finite()).then_some((s.pi_lower, s.pi_upper));
    rows.push(Row {
        label: format!("{} (k = {})", pooled_label(fit), s.k),
        kind: Kind::Diamond {
            est: s.estimate,
            lo: s.ci_lower,
            hi: s.ci_upper,
            class: "pooled",
            pi,
        },
    });
    if let Some((lo, hi)) = pi {
        rows.push(Row {
            label: format!("Prediction interval ({level}%)"),
            kind: Kind::PiText { lo, hi },
        });
    }
    rows
}

/// The footnotes: heterogeneity and, with subgroups, the test for subgroup differences.
fn footnotes(fit: &Fit, subgroups: Option<&SubgroupAnalysis>) -> Vec<String> {
    let s = &fit.summary;
    let mut out = vec![if fit.method == Tau2Method::Ee {
        format!(
            "Heterogeneity: Q = {:.2} (df = {}), I² = {:.0}%",
            s.q, s.q_df, s.i2
        )
    } else {
        format!(
            "Heterogeneity: τ² = {:.3}, I² = {:.0}%, Q = {:.2} (df = {}, p {})",
            s.tau2,
            s.i2,
            s.q,
            s.q_df,
            crate::report::pv(s.q_p)
        )
    }];
    if let Some(sg) = subgroups {
        out.push(format!(
            "Test for subgroup differences: Q = {:.2} (df = {}), p {}",
            sg.subgroup_test.q,
            sg.subgroup_test.df,
            crate::report::pv(sg.subgroup_test.p_value)
        ));
    }
    out
}
