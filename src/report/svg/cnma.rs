//! The component-effect forest plot of a component network meta-analysis (netmeta's
//! `forest.netcomb`, with the components rather than the treatments): one row per component,
//! then the interaction terms and the requested combinations, each with its estimate and CI;
//! components the data cannot estimate are listed with the reason.

use std::fmt::Write as _;

use super::network::{interval_axis, Frame};
use super::{esc, fmt_num, header, style, x_axis, Axis};
use crate::effect::Measure;
use crate::model::network::{CnmaFit, ComponentEstimate};

/// Which block a row belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Component,
    Interaction,
    Combination,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Component => "component",
            Kind::Interaction => "interaction",
            Kind::Combination => "combination",
        }
    }
    fn heading(self) -> &'static str {
        match self {
            Kind::Component => "Components",
            Kind::Interaction => "Interactions",
            Kind::Combination => "Combinations",
        }
    }
}

/// One row: an estimate or the reason it is missing.
enum Row<'a> {
    Estimate(&'a ComponentEstimate),
    Missing(&'a str, &'a str),
}

impl Row<'_> {
    fn name(&self) -> &str {
        match self {
            Row::Estimate(e) => &e.component,
            Row::Missing(n, _) => n,
        }
    }
}

/// The rows of each block, in the order of the fit's columns (combinations as requested, the
/// ones that cannot be estimated last).
fn blocks<'a>(fit: &'a CnmaFit, random: bool) -> Vec<(Kind, Vec<Row<'a>>)> {
    let (comps, combos) = if random {
        (&fit.components, &fit.combinations)
    } else {
        (&fit.components_common, &fit.combinations_common)
    };
    let base: Vec<&str> = fit
        .treatment_components
        .iter()
        .flat_map(|t| t.components.iter().map(String::as_str))
        .collect();
    let missing = |name: &str| {
        fit.not_identifiable
            .iter()
            .find(|n| n.component == name)
            .map(|n| Row::Missing(&n.component, &n.reason))
    };
    let column = |name: &'a String| {
        comps
            .iter()
            .find(|e| &e.component == name)
            .map(Row::Estimate)
            .or_else(|| missing(name))
    };
    let (mut c, mut i) = (Vec::new(), Vec::new());
    for name in &fit.component_names {
        let target = if base.contains(&name.as_str()) {
            &mut c
        } else {
            &mut i
        };
        target.extend(column(name));
    }
    let mut k: Vec<Row> = combos.iter().map(Row::Estimate).collect();
    k.extend(
        fit.not_identifiable
            .iter()
            .filter(|n| !fit.component_names.contains(&n.component))
            .map(|n| Row::Missing(&n.component, &n.reason)),
    );
    [
        (Kind::Component, c),
        (Kind::Interaction, i),
        (Kind::Combination, k),
    ]
    .into_iter()
    .filter(|(_, rows)| !rows.is_empty())
    .collect()
}

/// Which side an interval favours: `adding` (entirely on the good side of 0), `leaving out`
/// (entirely on the other side) or unclear.
fn favours(e: &ComponentEstimate, small_good: bool) -> (&'static str, &'static str) {
    let (good, bad) = if small_good {
        (e.ci_upper < 0.0, e.ci_lower > 0.0)
    } else {
        (e.ci_lower > 0.0, e.ci_upper < 0.0)
    };
    match (good, bad) {
        (true, _) => ("adding", "adding it"),
        (_, true) => ("absence", "leaving it out"),
        _ => ("unclear", "unclear (CI includes no effect)"),
    }
}

/// The component-effect forest plot (`random`: the random-effects model, else the common-effect
/// model): every component's effect (relative to its absence) with its CI, the interaction
/// terms and the requested combinations below, components and combinations that cannot be
/// estimated listed as "not estimable" with the reason, the side each interval favours, and the
/// test of the additive model.
pub fn component_forest(fit: &CnmaFit, measure: Measure, random: bool, title: &str) -> String {
    let blocks = blocks(fit, random);
    let l = layout(&blocks);
    let mut out = header(l.width, l.height, title);
    subtitle(&mut out, fit, random);
    let frame = Frame {
        ax: &l.ax,
        top: l.top,
        bottom: l.yb,
        ci_x: l.ci_x,
        level: fit.level,
        measure,
    };
    frame.head(&mut out, "Component", ("Favours", l.fav_x, false));
    let cols = RowColumns {
        ax: &l.ax,
        ci_x: l.ci_x,
        fav_x: l.fav_x,
        small_good: fit.small_values_good,
        ratio: measure.is_log_scale(),
    };
    draw_blocks(&mut out, &blocks, &l, &cols);
    footer(&mut out, &frame, fit, l.yb);
    out.push_str("</svg>\n");
    out
}

/// Where the plot's parts go.
struct Layout {
    /// The axis, from the estimated intervals.
    ax: Axis,
    /// The x of the CI text and of the favours column.
    ci_x: f64,
    fav_x: f64,
    top: f64,
    row_h: f64,
    /// The bottom of the rows (where the axis goes).
    yb: f64,
    width: f64,
    height: f64,
}

/// The layout: a label column as wide as the longest name (within limits), the plot, the CI and
/// favours columns, room for the longest "not estimable" reason, one row per entry and heading.
fn layout(blocks: &[(Kind, Vec<Row>)]) -> Layout {
    let longest = blocks
        .iter()
        .flat_map(|(k, rows)| {
            rows.iter()
                .map(|r| r.name().chars().count().min(super::MAX_LABEL) + 2)
                .chain([k.heading().len()])
        })
        .max()
        .unwrap_or(8) as f64;
    let label_w = (longest * 7.0 + 24.0).clamp(140.0, 340.0);
    let (x0, x1) = (label_w, label_w + 340.0);
    let ci_x = x1 + 12.0;
    let fav_x = ci_x + 190.0;
    let reason_chars = blocks
        .iter()
        .flat_map(|(_, rows)| rows.iter())
        .filter_map(|r| match r {
            Row::Missing(_, why) => Some(why.chars().count() + 16),
            Row::Estimate(_) => None,
        })
        .max()
        .unwrap_or(0) as f64;
    let width = (fav_x + 190.0).max(x0 + 10.0 + reason_chars * 6.4 + 20.0);
    let (top, row_h) = (78.0, 24.0);
    let n_rows: usize = blocks.iter().map(|(_, r)| r.len() + 1).sum();
    let yb = top + row_h * n_rows as f64 + 4.0;
    let height = yb + 138.0;
    let ax = interval_axis(
        blocks.iter().flat_map(|(_, rows)| {
            rows.iter().filter_map(|r| match r {
                Row::Estimate(e) => Some((e.ci_lower, e.ci_upper)),
                Row::Missing(..) => None,
            })
        }),
        x0,
        x1,
    );
    Layout {
        ax,
        ci_x,
        fav_x,
        top,
        row_h,
        yb,
        width,
        height,
    }
}

/// The line under the title: the model, and the treatments with no active component.
fn subtitle(out: &mut String, fit: &CnmaFit, random: bool) {
    let inactive: Vec<String> = fit
        .treatment_components
        .iter()
        .filter(|t| t.components.is_empty())
        .map(|t| format!("'{}'", t.treatment))
        .collect();
    let model_name = if random {
        format!(
            "Random effects (additive model, τ² = {:.4})",
            fit.tau2_additive
        )
    } else {
        "Common effect (additive model)".to_string()
    };
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"44\" fill=\"#555555\">{model_name}: the effect of adding each component, relative to its absence{}</text>",
        if inactive.is_empty() {
            String::new()
        } else {
            esc(&format!(" ({} has none)", inactive.join(", ")))
        }
    );
}

/// Each block: its heading, then its rows.
fn draw_blocks(out: &mut String, blocks: &[(Kind, Vec<Row>)], l: &Layout, cols: &RowColumns) {
    let (top, row_h) = (l.top, l.row_h);
    let mut i = 0usize;
    for (kind, rows) in blocks {
        let ty = top + row_h * i as f64 + row_h / 2.0 + 4.0;
        let _ = writeln!(
            out,
            "<text class=\"block\" x=\"10\" y=\"{ty:.1}\" font-weight=\"bold\" fill=\"#555555\">{}</text>",
            kind.heading()
        );
        i += 1;
        for r in rows {
            let y = top + row_h * i as f64 + row_h / 2.0;
            row(out, r, *kind, y, cols);
            i += 1;
        }
    }
}

/// Under the rows: the axis, the favours labels, the test of the additive model and how to read
/// interactions and combinations.
fn footer(out: &mut String, frame: &Frame, fit: &CnmaFit, yb: f64) {
    let measure = frame.measure;
    let ratio = measure.is_log_scale();
    let axis_label = format!(
        "{}: component vs its absence{}",
        measure.description(),
        if ratio { " (log scale)" } else { "" }
    );
    x_axis(out, frame.ax, yb + 4.0, ratio, &axis_label);
    let (left, right) = if fit.small_values_good {
        ("Favours adding it", "Favours leaving it out")
    } else {
        ("Favours leaving it out", "Favours adding it")
    };
    let fy = yb + 60.0;
    frame.favours(out, fy, left, right);
    let p = |x: Option<f64>| x.map_or_else(|| "–".to_string(), |p| format!("{p:.3}"));
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555555\">{}; additive model Q = {:.2} on {} df (p {}); against the standard network Q_diff = {:.2} on {} df (p {}).</text>",
        fy + 26.0,
        if fit.small_values_good {
            "Smaller values are better"
        } else {
            "Larger values are better"
        },
        fit.q_additive,
        fit.q_additive_df,
        p(fit.q_additive_p),
        fit.q_diff,
        fit.q_diff_df,
        p(fit.q_diff_p)
    );
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555555\">A small p for Q_diff speaks against additivity. An interaction adds to the sum of its components;</text><text x=\"10\" y=\"{:.1}\" fill=\"#555555\">a combination is the sum of its components (and of their interactions).</text>",
        fy + 44.0,
        fy + 62.0
    );
}

/// What a row needs besides its entry: the axis, the CI text and favours columns, which side is
/// good, and whether numbers are shown as ratios.
struct RowColumns<'a> {
    ax: &'a Axis,
    ci_x: f64,
    fav_x: f64,
    small_good: bool,
    ratio: bool,
}

impl RowColumns<'_> {
    /// A number on the display scale.
    fn show(&self, x: f64) -> f64 {
        if self.ratio {
            x.exp()
        } else {
            x
        }
    }
}

/// Draws one row at height `y`.
fn row(out: &mut String, r: &Row, kind: Kind, y: f64, cols: &RowColumns) {
    let (ax, ci_x, fav_x) = (cols.ax, cols.ci_x, cols.fav_x);
    let ty = y + 4.0;
    let e = match r {
        Row::Missing(name, why) => {
            let _ = writeln!(
                out,
                "<g class=\"not-estimable\" data-component=\"{0}\" data-kind=\"{1}\" data-reason=\"{2}\"><text x=\"22\" y=\"{ty:.1}\">{0}</text><rect x=\"{3:.1}\" y=\"{4:.1}\" width=\"{5:.1}\" height=\"14\" fill=\"white\"/><text x=\"{3:.1}\" y=\"{ty:.1}\" font-style=\"italic\" fill=\"#555555\">not estimable: {2}</text></g>",
                esc(name),
                kind.name(),
                esc(why),
                ax.px0,
                y - 7.0,
                (why.chars().count() + 16) as f64 * 6.2,
            );
            return;
        }
        Row::Estimate(e) => e,
    };
    let (fav, fav_text) = favours(e, cols.small_good);
    let colour = match kind {
        Kind::Component => style::STUDY,
        Kind::Interaction => style::PALETTE[3],
        Kind::Combination => style::POOLED,
    };
    let x = ax.px(e.estimate);
    let marker = if kind == Kind::Combination {
        format!(
            "<polygon points=\"{:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1}\" fill=\"{colour}\"/>",
            x - 7.0,
            y - 6.0,
            x + 7.0,
            y + 6.0
        )
    } else {
        format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>",
            x - 5.0,
            y - 5.0
        )
    };
    let _ = writeln!(
        out,
        "<g class=\"{0}\" data-component=\"{1}\" data-estimate=\"{2}\" data-se=\"{3}\" data-ci-lower=\"{4}\" data-ci-upper=\"{5}\" data-favours=\"{fav}\"><line x1=\"{6:.1}\" y1=\"{y:.1}\" x2=\"{7:.1}\" y2=\"{y:.1}\" stroke=\"{8}\" stroke-width=\"1.5\"/>{marker}</g>",
        kind.name(),
        esc(&e.component),
        e.estimate,
        e.se,
        e.ci_lower,
        e.ci_upper,
        ax.px(e.ci_lower),
        ax.px(e.ci_upper),
        style::INK,
    );
    let _ = writeln!(
        out,
        "<text x=\"22\" y=\"{ty:.1}\">{}</text><text x=\"{ci_x:.1}\" y=\"{ty:.1}\">{} [{}, {}]</text><text x=\"{fav_x:.1}\" y=\"{ty:.1}\">{fav_text}</text>",
        crate::report::svg::label(&e.component),
        fmt_num(cols.show(e.estimate)),
        fmt_num(cols.show(e.ci_lower)),
        fmt_num(cols.show(e.ci_upper)),
    );
}
