//! Forest plot.

use std::fmt::Write as _;

use super::{esc, fmt_num, header, style, x_axis, Axis};
use crate::effect::Measure;
use crate::framework::rob::RobAssessment;
use crate::model::subgroup::SubgroupAnalysis;
use crate::model::Fit;

struct Row {
    label: String,
    kind: RowKind,
}

enum RowKind {
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
    },
    Pi {
        lo: f64,
        hi: f64,
    },
    Heading,
    Text,
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
    let m = fit.measure;
    let ratio = m.is_log_scale();
    let level = fit.options.get_level();
    let z = crate::dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let study_row = |s: &crate::model::StudyResult, weight: f64| Row {
        label: s.study.clone(),
        kind: RowKind::Study {
            yi: s.yi,
            lo: s.yi - z * s.vi.sqrt(),
            hi: s.yi + z * s.vi.sqrt(),
            weight,
            row: s.row,
        },
    };
    let mut rows = Vec::new();
    let pooled_label = |f: &Fit| {
        if f.method == crate::model::Tau2Method::Ee {
            "Common effect".to_string()
        } else if f.options.get_knha_adhoc() {
            format!("Random effects ({}, ad hoc KH)", f.method)
        } else {
            format!("Random effects ({})", f.method)
        }
    };
    match subgroups {
        Some(sg) => {
            for g in &sg.subgroups {
                rows.push(Row {
                    label: format!("{} = {}", sg.by, g.level),
                    kind: RowKind::Heading,
                });
                for s in &g.fit.studies {
                    // weights within the overall model, so squares compare across blocks
                    let w = fit
                        .studies
                        .iter()
                        .find(|o| o.row == s.row)
                        .map_or(s.weight, |o| o.weight);
                    rows.push(study_row(s, w));
                }
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
                    kind: RowKind::Diamond {
                        est: gs.estimate,
                        lo: gs.ci_lower,
                        hi: gs.ci_upper,
                        class: "subgroup",
                    },
                });
            }
        }
        None => {
            for s in &fit.studies {
                rows.push(study_row(s, s.weight));
            }
        }
    }
    let s = &fit.summary;
    rows.push(Row {
        label: format!("{} (k = {})", pooled_label(fit), s.k),
        kind: RowKind::Diamond {
            est: s.estimate,
            lo: s.ci_lower,
            hi: s.ci_upper,
            class: "pooled",
        },
    });
    if s.pi_lower.is_finite() {
        rows.push(Row {
            label: format!("Prediction interval ({level}%)"),
            kind: RowKind::Pi {
                lo: s.pi_lower,
                hi: s.pi_upper,
            },
        });
    }
    let het = if fit.method == crate::model::Tau2Method::Ee {
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
    };
    rows.push(Row {
        label: het,
        kind: RowKind::Text,
    });
    if let Some(sg) = subgroups {
        rows.push(Row {
            label: format!(
                "Test for subgroup differences: Q = {:.2} (df = {}), p {}",
                sg.subgroup_test.q,
                sg.subgroup_test.df,
                crate::report::pv(sg.subgroup_test.p_value)
            ),
            kind: RowKind::Text,
        });
    }

    // Layout.
    let label_w = rows
        .iter()
        .filter(|r| !matches!(r.kind, RowKind::Text))
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(10) as f64
        * 6.6
        + 20.0;
    let label_w = label_w.clamp(140.0, 320.0);
    let plot_w = 360.0;
    let (x0, x1) = (label_w, label_w + plot_w);
    let rob_col_w = 24.0;
    let rob_w = rob.map_or(0.0, |a| 14.0 + rob_col_w * a.columns.len() as f64);
    let width = x1 + 250.0 + rob_w;
    let weight_x = width - 10.0 - rob_w;
    let row_h = 22.0;
    let top = 58.0;
    let key_h = rob.map_or(0.0, |a| 14.0 * (a.columns.len() as f64 + 1.0) + 30.0);
    let height = top + row_h * (rows.len() as f64 + 1.0) + 50.0 + key_h;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in &rows {
        match r.kind {
            RowKind::Study { lo: a, hi: b, .. }
            | RowKind::Diamond { lo: a, hi: b, .. }
            | RowKind::Pi { lo: a, hi: b } => {
                lo = lo.min(a);
                hi = hi.max(b);
            }
            _ => {}
        }
    }
    let null = 0.0;
    lo = lo.min(null);
    hi = hi.max(null);
    let pad = 0.05 * (hi - lo).max(1e-9);
    let ax = Axis::new(lo - pad, hi + pad, x0 + 10.0, x1 - 10.0);
    let show = |x: f64| if ratio { x.exp() } else { x };

    let mut out = header(width, height, title);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" font-weight=\"bold\">Study</text><text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{} [{level}% CI]</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-weight=\"bold\">Weight</text>",
        top - 10.0,
        x1 + 10.0,
        top - 10.0,
        if m == Measure::Smd { "g" } else { m.code() },
        weight_x,
        top - 10.0
    );
    if let Some(a) = rob {
        rob_header(&mut out, a, weight_x + 14.0, rob_col_w, top);
    }
    let yb = top + row_h * rows.len() as f64 + 4.0;
    // null line
    let _ = writeln!(
        out,
        "<line class=\"null\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-dasharray=\"3,3\"/>",
        ax.px(null),
        top - 4.0,
        yb,
        style::GRID
    );
    // pooled estimate line
    let _ = writeln!(
        out,
        "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-opacity=\"0.5\" stroke-dasharray=\"1,3\"/>",
        ax.px(s.estimate),
        top - 4.0,
        yb,
        style::POOLED
    );
    let maxw = rows
        .iter()
        .filter_map(|r| match r.kind {
            RowKind::Study { weight, .. } => Some(weight),
            _ => None,
        })
        .fold(0.0, f64::max)
        .max(1e-12);
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let ty = y + 4.0;
        match r.kind {
            RowKind::Study {
                yi,
                lo,
                hi,
                weight,
                row,
            } => {
                let side = 4.0 + 12.0 * (weight / maxw).sqrt();
                let _ = writeln!(
                    out,
                    "<g class=\"study\" data-study=\"{}\" data-yi=\"{yi}\" data-weight=\"{weight}\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{side:.1}\" height=\"{side:.1}\" fill=\"{}\"/></g>",
                    esc(&r.label),
                    ax.px(lo),
                    ax.px(hi),
                    style::INK,
                    ax.px(yi) - side / 2.0,
                    y - side / 2.0,
                    style::STUDY
                );
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\">{}</text><text x=\"{:.1}\" y=\"{ty:.1}\">{} [{}, {}]</text><text x=\"{:.1}\" y=\"{ty:.1}\" text-anchor=\"end\">{:.1}%</text>",
                    esc(&r.label),
                    x1 + 10.0,
                    fmt_num(show(yi)),
                    fmt_num(show(lo)),
                    fmt_num(show(hi)),
                    weight_x,
                    weight
                );
                if let Some(a) = rob {
                    let judgements = a.judgements_of_row(row).unwrap_or(&[]);
                    for (c, j) in judgements.iter().enumerate() {
                        let x = weight_x + 14.0 + rob_col_w * (c as f64 + 0.5);
                        let attrs = format!(
                            " data-study=\"{}\" data-domain=\"{}\"",
                            esc(&r.label),
                            esc(&a.columns[c].short)
                        );
                        super::rob::dot(&mut out, x, y, 8.0, *j, &attrs);
                    }
                }
            }
            RowKind::Diamond { est, lo, hi, class } => {
                let _ = writeln!(
                    out,
                    "<polygon class=\"{class}\" data-estimate=\"{est}\" data-ci-lower=\"{lo}\" data-ci-upper=\"{hi}\" points=\"{:.1},{y:.1} {:.1},{:.1} {:.1},{y:.1} {:.1},{:.1}\" fill=\"{}\"/>",
                    ax.px(lo),
                    ax.px(est),
                    y - 7.0,
                    ax.px(hi),
                    ax.px(est),
                    y + 7.0,
                    if class == "pooled" { style::POOLED } else { style::STUDY }
                );
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\" font-weight=\"bold\">{}</text><text x=\"{:.1}\" y=\"{ty:.1}\" font-weight=\"bold\">{} [{}, {}]</text>",
                    esc(&r.label),
                    x1 + 10.0,
                    fmt_num(show(est)),
                    fmt_num(show(lo)),
                    fmt_num(show(hi))
                );
            }
            RowKind::Pi { lo, hi } => {
                let _ = writeln!(
                    out,
                    "<g class=\"pi\" data-lower=\"{lo}\" data-upper=\"{hi}\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"3\" stroke-opacity=\"0.6\"/></g>",
                    ax.px(lo),
                    ax.px(hi),
                    style::POOLED
                );
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\" font-style=\"italic\">{}</text><text x=\"{:.1}\" y=\"{ty:.1}\" font-style=\"italic\">[{}, {}]</text>",
                    esc(&r.label),
                    x1 + 10.0,
                    fmt_num(show(lo)),
                    fmt_num(show(hi))
                );
            }
            RowKind::Heading => {
                let _ = writeln!(out, "<text x=\"10\" y=\"{ty:.1}\" font-weight=\"bold\" font-style=\"italic\">{}</text>", esc(&r.label));
            }
            RowKind::Text => {
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\" fill=\"#555555\">{}</text>",
                    esc(&r.label)
                );
            }
        }
    }
    let axis_label = if ratio {
        format!("{} (log scale)", m.description())
    } else {
        m.description().to_string()
    };
    x_axis(&mut out, &ax, yb + 4.0, ratio, &axis_label);
    if let Some(a) = rob {
        rob_key(&mut out, a, yb + 62.0);
    }
    out.push_str("</svg>\n");
    out
}

/// The risk-of-bias column headings ("Risk of bias" over D1 … Overall) from `x`.
fn rob_header(out: &mut String, a: &RobAssessment, x: f64, col_w: f64, top: f64) {
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">Risk of bias</text>",
        x + col_w * a.columns.len() as f64 / 2.0,
        top - 26.0
    );
    for (c, col) in a.columns.iter().enumerate() {
        let short = if col.short == "Overall" {
            "O"
        } else {
            &col.short
        };
        let _ = writeln!(
            out,
            "<text class=\"rob-heading\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            x + col_w * (c as f64 + 0.5),
            top - 10.0,
            esc(short)
        );
    }
}

/// The key under the plot: what D1 … O stand for and what the symbols mean.
fn rob_key(out: &mut String, a: &RobAssessment, y: f64) {
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{y:.1}\" font-size=\"12\" fill=\"#555555\">Risk of bias ({}): {}.</text>",
        a.tool.name(),
        super::rob::symbol_key(a.tool)
    );
    for (c, col) in a.columns.iter().enumerate() {
        let short = if col.short == "Overall" {
            "O"
        } else {
            &col.short
        };
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{:.1}\" font-size=\"12\" fill=\"#555555\">{}: {}.</text>",
            y + 14.0 * (c as f64 + 1.0),
            esc(short),
            esc(&col.name)
        );
    }
}
