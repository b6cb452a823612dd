//! Layout and drawing of the forest plot.

use std::fmt::Write as _;

use super::marks::{measure_name, rob_header, rob_key, text};
use super::rows::{draw_row, Cols, Display, ROW_H};
use super::scale::{self, text_width, AxisSpec, Scale};
use super::{Better, ForestOptions, Kind, Row};
use crate::effect::{DataKind, Measure};
use crate::model::Fit;
use crate::report::svg::{esc, style};

const SIZE: f64 = style::SIZE;
const PLOT_W: f64 = 360.0;
const MAX_LABEL_W: f64 = 300.0;
/// Width of one risk-of-bias column (px).
const ROB_COL_W: f64 = 24.0;

/// Lays out and draws the plot.
pub(super) fn draw(
    fit: &Fit,
    rows: &[Row],
    notes: Vec<String>,
    o: &ForestOptions,
) -> crate::error::Result<String> {
    let subgroups = rows.iter().any(|r| matches!(r.kind, Kind::Heading));
    let l = layout(fit, subgroups, rows, notes, o)?;
    let mut out = open_svg(&l, o);
    draw_headers(&mut out, &l, o);
    draw_reference_lines(&mut out, &l, fit.summary.estimate);
    draw_rows(&mut out, &l, rows, o);
    draw_axis(&mut out, &l);
    draw_footer(&mut out, &l, o);
    out.push_str("</svg>\n");
    Ok(out)
}

/// The vertical layout down to the axis.
struct Top {
    /// The title and its baseline.
    title: Option<(String, f64)>,
    /// The two header lines' baselines.
    head1: f64,
    head2: f64,
    /// The top of the first row.
    top: f64,
    /// The axis line's y.
    yb: f64,
    /// The bottom of the last row with a mark.
    ref_bottom: f64,
}

/// The title, two header lines and the rows, top down to the axis.
fn top_down(rows: &[Row], o: &ForestOptions) -> Top {
    let mut y = 10.0;
    let mut title = None;
    if let Some(t) = &o.title {
        title = Some((t.clone(), y + 16.0));
        y += 28.0;
    }
    let head1 = y + 12.0;
    let head2 = y + 27.0;
    let top = y + 36.0;
    let yb = top + ROW_H * rows.len() as f64 + 6.0;
    let last_graphic = rows
        .iter()
        .rposition(|r| {
            matches!(
                r.kind,
                Kind::Study { .. } | Kind::Diamond { .. } | Kind::Shrunk { .. }
            )
        })
        .unwrap_or(0);
    let ref_bottom = top + ROW_H * (last_graphic as f64 + 1.0);

    Top {
        title,
        head1,
        head2,
        top,
        yb,
        ref_bottom,
    }
}

/// The axis label: as given, else the measure's name (on a log scale, said so).
fn axis_label(o: &ForestOptions, log: bool, name: &str) -> String {
    o.xlab.clone().unwrap_or_else(|| {
        if log {
            format!("{name} (log scale)")
        } else {
            name.to_string()
        }
    })
}

/// The label and text columns left of the plot.
struct TextColumns {
    label_w: f64,
    /// The centre of each text column.
    col_x: Vec<f64>,
    /// Column groups: name, left and right edge.
    groups: Vec<(String, f64, f64)>,
    /// The right edge of the last column.
    right: f64,
}

/// The estimate [CI] column right of the plot.
struct EstimateColumn {
    name: String,
    ci_head: String,
    one_line: String,
    /// The header fits on one line.
    one_line_fits: bool,
    right: f64,
}

/// The favours labels under the axis: left and right text, their row and their x.
struct Favours {
    left: String,
    right: String,
    y: f64,
    left_x: f64,
    right_x: f64,
}

/// Where everything goes.
struct Layout {
    display: Display,
    text: TextColumns,
    px0: f64,
    px1: f64,
    est: EstimateColumn,
    weight_sub: &'static str,
    weight_right: f64,
    rob_x: f64,
    notes: Vec<String>,
    title: Option<(String, f64)>,
    head1: f64,
    head2: f64,
    top: f64,
    /// The axis line's y.
    yb: f64,
    /// The bottom of the pooled estimate's line: the last row with a mark.
    ref_bottom: f64,
    sc: Scale,
    null_px: Option<f64>,
    xlab: String,
    favours: Option<Favours>,
    xlab_y: f64,
    notes_y: f64,
    key_y: f64,
    width: f64,
    height: f64,
}

/// Computes the layout: columns left to right, then rows top to bottom, the axis and the canvas.
fn layout(
    fit: &Fit,
    subgroups: bool,
    rows: &[Row],
    notes: Vec<String>,
    o: &ForestOptions,
) -> crate::error::Result<Layout> {
    let m = fit.measure;
    let log = m.is_log_scale() || (m == Measure::Gen && o.exp);
    let display = Display {
        log,
        digits: o.digits.unwrap_or(2),
    };
    let has_null = !matches!(m, Measure::Pr | Measure::Plo | Measure::Pft);

    // Columns, left to right: label, text columns, plot, estimate [CI], weight, risk of bias.
    let text = text_columns(rows, o);
    let px0 = text.right + 10.0;
    let px1 = px0 + PLOT_W;
    let name = measure_name(m, o.xlab.as_deref(), o.exp);
    let est = estimate_column(rows, display, name, fit.options.get_level(), px1);
    let weight_sub = match (subgroups, o.subgroup_weights) {
        (false, _) => "",
        (true, false) => "(overall)",
        (true, true) => "(in subgroup)",
    };
    let weight_right =
        est.right + 14.0 + text_width(weight_sub, SIZE).max(text_width("Weight", SIZE));
    let rob_x = weight_right + 14.0;
    let rob_w = o
        .rob
        .map_or(0.0, |a| 14.0 + ROB_COL_W * a.columns.len() as f64);

    // Vertical: title, two header lines, rows, axis, favours, axis label, footnotes, RoB key.
    let Top {
        title,
        head1,
        head2,
        top,
        yb,
        ref_bottom,
    } = top_down(rows, o);
    let sc = axis_scale(rows, has_null, log, o, px0, px1)?;
    let null_px = if has_null && !sc.below(0.0) && !sc.above(0.0) {
        Some(sc.px(0.0))
    } else {
        None
    };
    let xlab = axis_label(o, log, &est.name);
    let mut yy = yb + 18.0 + 18.0;
    let centre = null_px.unwrap_or((px0 + px1) / 2.0);
    let favours = favours_labels(m, o, yy, centre);
    if favours.is_some() {
        yy += 18.0;
    }
    let xlab_y = yy;
    let notes_y = xlab_y + 22.0;
    let key_y = notes_y + 16.0 * notes.len() as f64 + 8.0;
    let key_h = o
        .rob
        .map_or(0.0, |a| 14.0 * (a.columns.len() as f64 + 1.0) + 8.0);
    let height = (key_y + key_h + 4.0).ceil();
    let width = canvas_width(
        weight_right + rob_w + 10.0,
        &notes,
        favours.as_ref(),
        o,
        title.as_ref().map(|(t, _)| t.as_str()),
    );
    Ok(Layout {
        display,
        text,
        px0,
        px1,
        est,
        weight_sub,
        weight_right,
        rob_x,
        notes,
        title,
        head1,
        head2,
        top,
        yb,
        ref_bottom,
        sc,
        null_px,
        xlab,
        favours,
        xlab_y,
        notes_y,
        key_y,
        width,
        height,
    })
}

/// The label column (as wide as the widest label, capped) and the text columns with their group
/// headers; a group header wider than its columns widens the last one.
fn text_columns(rows: &[Row], o: &ForestOptions) -> TextColumns {
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label, SIZE))
        .fold(text_width("Study", SIZE), f64::max)
        .min(MAX_LABEL_W);
    let mut x = 10.0 + label_w + 14.0;
    let mut col_x = Vec::new();
    let mut groups: Vec<(String, f64, f64)> = Vec::new();
    for c in &o.columns {
        let w = c
            .cells
            .iter()
            .flatten()
            .map(|s| text_width(s, SIZE))
            .fold(text_width(&c.header, SIZE), f64::max)
            + 14.0;
        col_x.push(x + w / 2.0);
        match groups.last_mut() {
            Some(g) if g.0 == c.group => g.2 = x + w,
            _ => groups.push((c.group.clone(), x, x + w)),
        }
        x += w;
        // a group header wider than its columns widens the last one
        if let Some(g) = groups.last_mut() {
            let need = text_width(&g.0, SIZE) + 10.0;
            if g.2 - g.1 < need {
                let extra = need - (g.2 - g.1);
                if let Some(cx) = col_x.last_mut() {
                    *cx += extra / 2.0;
                }
                g.2 += extra;
                x += extra;
            }
        }
    }
    TextColumns {
        label_w,
        col_x,
        groups,
        right: x,
    }
}

/// The estimate [CI] column: as wide as its widest entry or header, with the header on one line
/// when that costs at most 20 px more.
fn estimate_column(rows: &[Row], d: Display, name: String, level: f64, px1: f64) -> EstimateColumn {
    let ci_head = format!("[{level}% CI]");
    let est_w = rows
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Study { yi, lo, hi, .. } => Some(d.ci(yi, lo, hi)),
            Kind::Diamond { est, lo, hi, .. } | Kind::Shrunk { est, lo, hi } => {
                Some(d.ci(est, lo, hi))
            }
            Kind::PiText { lo, hi } => Some(format!("[{}, {}]", d.num(lo), d.num(hi))),
            Kind::Heading => None,
        })
        .map(|s| text_width(&s, SIZE))
        .fold(0.0, f64::max);
    let one_line = format!("{name} {ci_head}");
    let est_w = est_w
        .max(text_width(&name, SIZE))
        .max(text_width(&ci_head, SIZE));
    let one_line_fits = text_width(&one_line, SIZE) <= est_w + 20.0;
    let est_w = if one_line_fits {
        est_w.max(text_width(&one_line, SIZE))
    } else {
        est_w
    };
    EstimateColumn {
        name,
        ci_head,
        one_line,
        one_line_fits,
        right: px1 + 20.0 + est_w,
    }
}

/// The axis from the studies and diamonds (and the null, where there is one).
fn axis_scale(
    rows: &[Row],
    has_null: bool,
    log: bool,
    o: &ForestOptions,
    px0: f64,
    px1: f64,
) -> crate::error::Result<Scale> {
    let studies: Vec<(f64, f64, f64)> = rows
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Study { yi, lo, hi, .. } => Some((yi, lo, hi)),
            _ => None,
        })
        .collect();
    let mut always: Vec<f64> = rows
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Diamond { lo, hi, .. } | Kind::Shrunk { lo, hi, .. } => Some([lo, hi]),
            _ => None,
        })
        .flatten()
        .collect();
    if has_null {
        always.push(0.0);
    }
    scale::build(&AxisSpec {
        studies: &studies,
        always: &always,
        xlim: o.xlim,
        at: &o.at,
        log,
        px0,
        px1,
        size: SIZE,
    })
}

/// The favours labels on row `y`, either side of `centre` (the null), moved right together when
/// the left one would leave the canvas.
fn favours_labels(m: Measure, o: &ForestOptions, y: f64, centre: f64) -> Option<Favours> {
    o.favours.as_ref().map(|(a, b)| {
        let better = o.better.unwrap_or(match m.data_kind() {
            DataKind::Binary | DataKind::Rate => Better::Lower,
            _ => Better::Higher,
        });
        let (left, right) = match better {
            Better::Lower => (a, b),
            Better::Higher => (b, a),
        };
        let left = format!("← Favours {left}");
        let right = format!("Favours {right} →");
        let left_x = (centre - 8.0).max(10.0 + text_width(&left, SIZE));
        let right_x = (centre + 8.0).max(left_x + 16.0);
        Favours {
            left,
            right,
            y,
            left_x,
            right_x,
        }
    })
}

/// The canvas width: the columns' `right` edge, widened for any footnote, favours label, RoB key
/// line or title that would not fit.
fn canvas_width(
    right: f64,
    notes: &[String],
    favours: Option<&Favours>,
    o: &ForestOptions,
    title: Option<&str>,
) -> f64 {
    let mut width = right;
    for n in notes {
        width = width.max(10.0 + text_width(n, SIZE) + 10.0);
    }
    if let Some(f) = favours {
        width = width.max(f.right_x + text_width(&f.right, SIZE) + 10.0);
    }
    if let Some(a) = o.rob {
        let key = format!(
            "Risk of bias ({}): {}.",
            a.tool.name(),
            crate::report::svg::rob::symbol_key(a.tool)
        );
        width = width.max(10.0 + text_width(&key, SIZE) + 10.0);
        for col in &a.columns {
            width = width.max(10.0 + text_width(&format!("Overall: {}.", col.name), SIZE) + 10.0);
        }
    }
    if let Some(t) = title {
        width = width.max(10.0 + text_width(t, 15.0) + 10.0);
    }
    width.ceil()
}

/// The `<svg>` element, its title, the white background and the plot's title.
fn open_svg(l: &Layout, o: &ForestOptions) -> String {
    let (width, height) = (l.width, l.height);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"forest\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"{}\" font-size=\"{SIZE}\" fill=\"{}\" data-axis-lower=\"{}\" data-axis-upper=\"{}\" data-log=\"{}\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        style::FONT,
        style::INK,
        l.sc.lo,
        l.sc.hi,
        l.display.log,
        esc(o.title.as_deref().unwrap_or("Forest plot"))
    );
    if let Some((t, ty)) = &l.title {
        text(
            &mut out,
            10.0,
            *ty,
            "start",
            " class=\"title\" font-size=\"15\" font-weight=\"bold\"",
            t,
        );
    }
    out
}

/// The two header lines (column groups, column names, estimate, weight, RoB) and the rule
/// under them.
fn draw_headers(out: &mut String, l: &Layout, o: &ForestOptions) {
    let (head1, head2) = (l.head1, l.head2);
    let bold = " class=\"col-head\" font-weight=\"bold\"";
    text(out, 10.0, head2, "start", bold, "Study");
    for (g, a, b) in &l.text.groups {
        if g.is_empty() {
            continue;
        }
        text(out, (a + b) / 2.0, head1, "middle", bold, g);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\"/>",
            a + 4.0,
            head1 + 4.0,
            b - 4.0,
            head1 + 4.0,
            style::GRID
        );
    }
    for (c, cx) in o.columns.iter().zip(&l.text.col_x) {
        text(
            out,
            *cx,
            head2,
            "middle",
            " class=\"col-head ilab\" font-weight=\"bold\"",
            &c.header,
        );
    }
    let est = &l.est;
    if est.one_line_fits {
        text(out, est.right, head2, "end", bold, &est.one_line);
    } else {
        text(out, est.right, head1, "end", bold, &est.name);
        text(out, est.right, head2, "end", bold, &est.ci_head);
    }
    if l.weight_sub.is_empty() {
        text(out, l.weight_right, head2, "end", bold, "Weight");
    } else {
        text(out, l.weight_right, head1, "end", bold, "Weight");
        text(out, l.weight_right, head2, "end", bold, l.weight_sub);
    }
    if let Some(a) = o.rob {
        rob_header(out, a, l.rob_x, ROB_COL_W, head1, head2);
    }
    let _ = writeln!(
        out,
        "<line x1=\"10\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"{2}\"/>",
        l.top - 3.0,
        l.width - 10.0,
        style::GRID
    );
}

/// The null line and the pooled estimate's dashed line over the rows.
fn draw_reference_lines(out: &mut String, l: &Layout, est: f64) {
    let (top, yb) = (l.top, l.yb);
    if let Some(nx) = l.null_px {
        let _ = writeln!(
            out,
            "<line class=\"null\" x1=\"{nx:.1}\" y1=\"{:.1}\" x2=\"{nx:.1}\" y2=\"{yb:.1}\" stroke=\"{}\"/>",
            top,
            style::GRID
        );
    }
    if !l.sc.below(est) && !l.sc.above(est) {
        let _ = writeln!(
            out,
            "<line class=\"pooled-line\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-opacity=\"0.5\" stroke-dasharray=\"2,3\"/>",
            l.sc.px(est),
            top,
            l.ref_bottom,
            style::POOLED
        );
    }
}

/// The rows, squares sized by weight relative to the heaviest study.
fn draw_rows(out: &mut String, l: &Layout, rows: &[Row], o: &ForestOptions) {
    let maxw = rows
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Study { weight, .. } => Some(weight),
            _ => None,
        })
        .fold(0.0, f64::max)
        .max(1e-12);
    let cols = Cols {
        top: l.top,
        label_w: l.text.label_w,
        col_x: &l.text.col_x,
        est_right: l.est.right,
        weight_right: l.weight_right,
        rob_x: l.rob_x,
        rob_col_w: ROB_COL_W,
        display: l.display,
        sc: &l.sc,
        o,
        maxw,
    };
    for (i, r) in rows.iter().enumerate() {
        draw_row(out, i, r, &cols);
    }
}

/// The axis line, its ticks and tick labels.
fn draw_axis(out: &mut String, l: &Layout) {
    let (px0, px1, yb) = (l.px0, l.px1, l.yb);
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{px0:.1}\" y1=\"{yb:.1}\" x2=\"{px1:.1}\" y2=\"{yb:.1}\" stroke=\"{}\"/>",
        style::INK
    );
    for (v, lab) in &l.sc.ticks {
        let x = l.sc.px(*v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{yb:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\"/>",
            yb + 5.0,
            style::INK
        );
        text(
            out,
            x,
            yb + 18.0,
            "middle",
            &format!(" class=\"tick\" data-value=\"{}\"", l.sc.show(*v)),
            lab,
        );
    }
}

/// Under the axis: the favours labels, the axis label, the footnotes and the RoB key.
fn draw_footer(out: &mut String, l: &Layout, o: &ForestOptions) {
    if let Some(f) = &l.favours {
        let side = |s: &str| format!(" class=\"favours\" data-side=\"{s}\"");
        text(out, f.left_x, f.y, "end", &side("left"), &f.left);
        text(out, f.right_x, f.y, "start", &side("right"), &f.right);
    }
    text(
        out,
        (l.px0 + l.px1) / 2.0,
        l.xlab_y,
        "middle",
        " class=\"xlab\"",
        &l.xlab,
    );
    for (k, n) in l.notes.iter().enumerate() {
        text(
            out,
            10.0,
            l.notes_y + 16.0 * k as f64,
            "start",
            " class=\"note\" fill=\"#555555\"",
            n,
        );
    }
    if let Some(a) = o.rob {
        rob_key(out, a, l.key_y);
    }
}
