//! Layout and drawing of the forest plot.

use std::fmt::Write as _;

use super::marks::{measure_name, rob_header, rob_key, text};
use super::rows::{draw_row, Cols, ROW_H};
use super::scale::{self, text_width, AxisSpec};
use super::{fmt_fixed, footnotes, Better, ForestOptions, Kind, Row};
use crate::effect::{DataKind, Measure};
use crate::model::subgroup::SubgroupAnalysis;
use crate::model::Fit;
use crate::report::svg::{esc, style};

const SIZE: f64 = style::SIZE;
const PLOT_W: f64 = 360.0;
const MAX_LABEL_W: f64 = 300.0;

/// Lays out and draws the plot.
pub(super) fn draw(
    fit: &Fit,
    subgroups: Option<&SubgroupAnalysis>,
    rows: &[Row],
    o: &ForestOptions,
) -> crate::Result<String> {
    let m = fit.measure;
    let log = m.is_log_scale() || (m == Measure::Gen && o.exp);
    let digits = o.digits.unwrap_or(2);
    let level = fit.options.get_level();
    let has_null = !matches!(m, Measure::Pr | Measure::Plo | Measure::Pft);
    let show = |v: f64| if log { v.exp() } else { v };
    let ci = |e: f64, l: f64, h: f64| {
        format!(
            "{} [{}, {}]",
            fmt_fixed(show(e), digits),
            fmt_fixed(show(l), digits),
            fmt_fixed(show(h), digits)
        )
    };

    // Columns, left to right: label, text columns, plot, estimate [CI], weight, risk of bias.
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
    let px0 = x + 10.0;
    let px1 = px0 + PLOT_W;
    let name = measure_name(m, o.xlab.as_deref(), o.exp);
    let ci_head = format!("[{level}% CI]");
    let est_w = rows
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Study { yi, lo, hi, .. } => Some(ci(yi, lo, hi)),
            Kind::Diamond { est, lo, hi, .. } => Some(ci(est, lo, hi)),
            Kind::PiText { lo, hi } => Some(format!(
                "[{}, {}]",
                fmt_fixed(show(lo), digits),
                fmt_fixed(show(hi), digits)
            )),
            Kind::Heading => None,
        })
        .map(|s| text_width(&s, SIZE))
        .fold(0.0, f64::max);
    let one_line = format!("{name} {ci_head}");
    let est_w = est_w
        .max(text_width(&name, SIZE))
        .max(text_width(&ci_head, SIZE));
    let est_one_line = text_width(&one_line, SIZE) <= est_w + 20.0;
    let est_w = if est_one_line {
        est_w.max(text_width(&one_line, SIZE))
    } else {
        est_w
    };
    let est_right = px1 + 20.0 + est_w;
    let weight_sub = match (subgroups.is_some(), o.subgroup_weights) {
        (false, _) => "",
        (true, false) => "(overall)",
        (true, true) => "(in subgroup)",
    };
    let weight_right =
        est_right + 14.0 + text_width(weight_sub, SIZE).max(text_width("Weight", SIZE));
    let rob_col_w = 24.0;
    let rob_x = weight_right + 14.0;
    let rob_w = o
        .rob
        .map_or(0.0, |a| 14.0 + rob_col_w * a.columns.len() as f64);
    let notes = footnotes(fit, subgroups);

    // Vertical: title, two header lines, rows, axis, favours, axis label, footnotes, RoB key.
    let mut y = 10.0;
    let mut out_title = None;
    if let Some(t) = &o.title {
        out_title = Some((t.clone(), y + 16.0));
        y += 28.0;
    }
    let head1 = y + 12.0;
    let head2 = y + 27.0;
    let top = y + 36.0;
    let yb = top + ROW_H * rows.len() as f64 + 6.0;

    // The axis from the studies and diamonds.
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
            Kind::Diamond { lo, hi, .. } => Some([lo, hi]),
            _ => None,
        })
        .flatten()
        .collect();
    if has_null {
        always.push(0.0);
    }
    let sc = scale::build(&AxisSpec {
        studies: &studies,
        always: &always,
        xlim: o.xlim,
        at: &o.at,
        log,
        px0,
        px1,
        size: SIZE,
    })?;
    let null_px = if has_null && !sc.below(0.0) && !sc.above(0.0) {
        Some(sc.px(0.0))
    } else {
        None
    };
    let xlab = o.xlab.clone().unwrap_or_else(|| {
        if log {
            format!("{name} (log scale)")
        } else {
            name.clone()
        }
    });
    let mut yy = yb + 18.0 + 18.0;
    let favours = o.favours.as_ref().map(|(a, b)| {
        let better = o.better.unwrap_or(match m.data_kind() {
            DataKind::Binary | DataKind::Rate => Better::Lower,
            _ => Better::Higher,
        });
        let (left, right) = match better {
            Better::Lower => (a, b),
            Better::Higher => (b, a),
        };
        let f = (
            format!("← Favours {left}"),
            format!("Favours {right} →"),
            yy,
        );
        yy += 18.0;
        f
    });
    let xlab_y = yy;
    let notes_y = xlab_y + 22.0;
    let key_y = notes_y + 16.0 * notes.len() as f64 + 8.0;
    let key_h = o
        .rob
        .map_or(0.0, |a| 14.0 * (a.columns.len() as f64 + 1.0) + 8.0);
    let height = key_y + key_h + 4.0;
    let centre = null_px.unwrap_or((px0 + px1) / 2.0);
    // the favours labels either side of the null, moved right together when the left one
    // would leave the canvas
    let favours_x = favours.as_ref().map(|(l, _, _)| {
        let left_end = (centre - 8.0).max(10.0 + text_width(l, SIZE));
        (left_end, (centre + 8.0).max(left_end + 16.0))
    });
    let mut width = weight_right + rob_w + 10.0;
    for n in &notes {
        width = width.max(10.0 + text_width(n, SIZE) + 10.0);
    }
    if let (Some((_, r, _)), Some((_, rx))) = (&favours, favours_x) {
        width = width.max(rx + text_width(r, SIZE) + 10.0);
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
    if let Some((t, _)) = &out_title {
        width = width.max(10.0 + text_width(t, 15.0) + 10.0);
    }
    let width = width.ceil();
    let height = height.ceil();

    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"forest\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"{}\" font-size=\"{SIZE}\" fill=\"{}\" data-axis-lower=\"{}\" data-axis-upper=\"{}\" data-log=\"{log}\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        style::FONT,
        style::INK,
        sc.lo,
        sc.hi,
        esc(o.title.as_deref().unwrap_or("Forest plot"))
    );
    if let Some((t, ty)) = &out_title {
        text(
            &mut out,
            10.0,
            *ty,
            "start",
            " class=\"title\" font-size=\"15\" font-weight=\"bold\"",
            t,
        );
    }
    // Headers.
    let bold = " class=\"col-head\" font-weight=\"bold\"";
    text(&mut out, 10.0, head2, "start", bold, "Study");
    for (g, a, b) in &groups {
        if g.is_empty() {
            continue;
        }
        text(&mut out, (a + b) / 2.0, head1, "middle", bold, g);
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
    for (c, cx) in o.columns.iter().zip(&col_x) {
        text(
            &mut out,
            *cx,
            head2,
            "middle",
            " class=\"col-head ilab\" font-weight=\"bold\"",
            &c.header,
        );
    }
    if est_one_line {
        text(&mut out, est_right, head2, "end", bold, &one_line);
    } else {
        text(&mut out, est_right, head1, "end", bold, &name);
        text(&mut out, est_right, head2, "end", bold, &ci_head);
    }
    if weight_sub.is_empty() {
        text(&mut out, weight_right, head2, "end", bold, "Weight");
    } else {
        text(&mut out, weight_right, head1, "end", bold, "Weight");
        text(&mut out, weight_right, head2, "end", bold, weight_sub);
    }
    if let Some(a) = o.rob {
        rob_header(&mut out, a, rob_x, rob_col_w, head1, head2);
    }
    let _ = writeln!(
        out,
        "<line x1=\"10\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"{2}\"/>",
        top - 3.0,
        width - 10.0,
        style::GRID
    );

    // Reference lines over the rows.
    let last_graphic = rows
        .iter()
        .rposition(|r| matches!(r.kind, Kind::Study { .. } | Kind::Diamond { .. }))
        .unwrap_or(0);
    let ref_bottom = top + ROW_H * (last_graphic as f64 + 1.0);
    if let Some(nx) = null_px {
        let _ = writeln!(
            out,
            "<line class=\"null\" x1=\"{nx:.1}\" y1=\"{:.1}\" x2=\"{nx:.1}\" y2=\"{yb:.1}\" stroke=\"{}\"/>",
            top,
            style::GRID
        );
    }
    let est = fit.summary.estimate;
    if !sc.below(est) && !sc.above(est) {
        let _ = writeln!(
            out,
            "<line class=\"pooled-line\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-opacity=\"0.5\" stroke-dasharray=\"2,3\"/>",
            sc.px(est),
            top,
            ref_bottom,
            style::POOLED
        );
    }

    let maxw = rows
        .iter()
        .filter_map(|r| match r.kind {
            Kind::Study { weight, .. } => Some(weight),
            _ => None,
        })
        .fold(0.0, f64::max)
        .max(1e-12);
    let cols = Cols {
        top,
        label_w,
        col_x: &col_x,
        est_right,
        weight_right,
        rob_x,
        rob_col_w,
        log,
        digits,
    };
    for (i, r) in rows.iter().enumerate() {
        draw_row(&mut out, i, r, &cols, &sc, o, maxw);
    }

    // Axis.
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{px0:.1}\" y1=\"{yb:.1}\" x2=\"{px1:.1}\" y2=\"{yb:.1}\" stroke=\"{}\"/>",
        style::INK
    );
    for (v, l) in &sc.ticks {
        let x = sc.px(*v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{yb:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\"/>",
            yb + 5.0,
            style::INK
        );
        text(
            &mut out,
            x,
            yb + 18.0,
            "middle",
            &format!(" class=\"tick\" data-value=\"{}\"", sc.show(*v)),
            l,
        );
    }
    if let (Some((l, r, fy)), Some((lx, rx))) = (&favours, favours_x) {
        let side = |s: &str| format!(" class=\"favours\" data-side=\"{s}\"");
        text(&mut out, lx, *fy, "end", &side("left"), l);
        text(&mut out, rx, *fy, "start", &side("right"), r);
    }
    text(
        &mut out,
        (px0 + px1) / 2.0,
        xlab_y,
        "middle",
        " class=\"xlab\"",
        &xlab,
    );
    for (k, n) in notes.iter().enumerate() {
        text(
            &mut out,
            10.0,
            notes_y + 16.0 * k as f64,
            "start",
            " class=\"note\" fill=\"#555555\"",
            n,
        );
    }
    if let Some(a) = o.rob {
        rob_key(&mut out, a, key_y);
    }
    out.push_str("</svg>\n");
    Ok(out)
}
