//! Drawing one row of the forest plot: a study (square, whisker, text columns, risk-of-bias
//! dots), a diamond with the prediction interval through it, or a text row.

use std::fmt::Write as _;

use super::marks::{arrow, fit_text, interval, text};
use super::scale::Scale;
use super::{fmt_fixed, ForestOptions, Kind, Row};
use crate::report::svg::{esc, style};

/// Row height (px).
pub(super) const ROW_H: f64 = 20.0;

/// Where the columns are and how numbers are shown, for drawing the rows.
pub(super) struct Cols<'a> {
    pub(super) top: f64,
    pub(super) label_w: f64,
    pub(super) col_x: &'a [f64],
    pub(super) est_right: f64,
    pub(super) weight_right: f64,
    pub(super) rob_x: f64,
    pub(super) rob_col_w: f64,
    /// How numbers are shown.
    pub(super) display: Display,
    /// The axis.
    pub(super) sc: &'a Scale,
    /// The plot's options (text columns, risk of bias).
    pub(super) o: &'a ForestOptions<'a>,
    /// The heaviest study's weight, for the square sizes.
    pub(super) maxw: f64,
}

/// How numbers are shown: the scale (log or not) and the decimals.
#[derive(Clone, Copy)]
pub(super) struct Display {
    /// Effects are on the log scale (shown exponentiated).
    pub(super) log: bool,
    /// Decimals.
    pub(super) digits: usize,
}

impl Display {
    /// A number on the display scale.
    pub(super) fn num(self, v: f64) -> String {
        fmt_fixed(if self.log { v.exp() } else { v }, self.digits)
    }

    /// "estimate [lower, upper]" on the display scale.
    pub(super) fn ci(self, e: f64, l: f64, h: f64) -> String {
        format!("{} [{}, {}]", self.num(e), self.num(l), self.num(h))
    }
}

/// Draws row `i`: its marks (square and whisker, diamond, prediction interval) and its text.
pub(super) fn draw_row(out: &mut String, i: usize, r: &Row, c: &Cols) {
    let y = c.top + ROW_H * i as f64 + ROW_H / 2.0;
    let label = fit_text(&r.label, c.label_w);
    match r.kind {
        Kind::Study {
            yi,
            lo,
            hi,
            weight,
            row,
        } => {
            let s = StudyRow {
                yi,
                lo,
                hi,
                weight,
                row,
            };
            draw_study(out, c, &r.label, &label, y, &s);
        }
        Kind::Diamond {
            est,
            lo,
            hi,
            class,
            pi,
        } => {
            if let Some(pi) = pi {
                draw_prediction_interval(out, c.sc, pi, y);
            }
            draw_diamond(out, c.sc, (est, lo, hi), class, y);
            let b = " font-weight=\"bold\"";
            let ty = y + 4.0;
            text(
                out,
                10.0,
                ty,
                "start",
                &format!(" class=\"label\"{b}"),
                &label,
            );
            text(
                out,
                c.est_right,
                ty,
                "end",
                &format!(" class=\"est\"{b}"),
                &c.display.ci(est, lo, hi),
            );
        }
        Kind::Shrunk { est, lo, hi } => draw_shrunk(out, c, &label, y, (est, lo, hi)),
        Kind::PiText { lo, hi } => {
            let ty = y + 4.0;
            let it = " font-style=\"italic\"";
            text(
                out,
                10.0,
                ty,
                "start",
                &format!(" class=\"label\"{it}"),
                &label,
            );
            text(
                out,
                c.est_right,
                ty,
                "end",
                &format!(" class=\"est\"{it}"),
                &format!("[{}, {}]", c.display.num(lo), c.display.num(hi)),
            );
        }
        Kind::Heading => {
            text(
                out,
                10.0,
                y + 4.0,
                "start",
                " class=\"label\" font-weight=\"bold\" font-style=\"italic\"",
                &label,
            );
        }
    }
}

/// A study row's numbers.
struct StudyRow {
    yi: f64,
    lo: f64,
    hi: f64,
    weight: f64,
    row: usize,
}

/// A study row on row centre `y`: whisker and square in a group, label (`name` as fitted to the
/// label column: `label`), text columns, estimate [CI], weight, risk-of-bias dots.
fn draw_study(out: &mut String, c: &Cols, name: &str, label: &str, y: f64, s: &StudyRow) {
    let (sc, o) = (c.sc, c.o);
    let StudyRow {
        yi,
        lo,
        hi,
        weight,
        row,
    } = *s;
    let ty = y + 4.0;
    let mut g = String::new();
    let clipped = interval(&mut g, sc, (lo, hi), y, "", true);
    if !sc.below(yi) && !sc.above(yi) {
        let side = 4.0 + 10.0 * (weight / c.maxw).sqrt();
        let _ = writeln!(
            g,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{side:.1}\" height=\"{side:.1}\" fill=\"{}\"/>",
            sc.px(yi) - side / 2.0,
            y - side / 2.0,
            style::STUDY
        );
    }
    let _ = writeln!(
        out,
        "<g class=\"study\" data-study=\"{}\" data-row=\"{row}\" data-yi=\"{yi}\" data-ci-lower=\"{lo}\" data-ci-upper=\"{hi}\" data-weight=\"{weight}\" data-clipped=\"{clipped}\">\n{g}</g>",
        esc(name)
    );
    text(out, 10.0, ty, "start", " class=\"label\"", label);
    for (col, cx) in o.columns.iter().zip(c.col_x) {
        if let Some(Some(v)) = col.cells.get(row) {
            text(out, *cx, ty, "middle", " class=\"ilab\"", v);
        }
    }
    text(
        out,
        c.est_right,
        ty,
        "end",
        " class=\"est\"",
        &c.display.ci(yi, lo, hi),
    );
    text(
        out,
        c.weight_right,
        ty,
        "end",
        " class=\"weight\"",
        &format!("{weight:.1}%"),
    );
    if let Some(a) = o.rob {
        let judgements = a.judgements_of_row(row).unwrap_or(&[]);
        for (d, j) in judgements.iter().enumerate() {
            let x = c.rob_x + c.rob_col_w * (d as f64 + 0.5);
            let attrs = format!(
                " data-study=\"{}\" data-domain=\"{}\"",
                esc(name),
                esc(&a.columns[d].short)
            );
            crate::report::svg::rob::dot(out, x, y, 8.0, *j, &attrs);
        }
    }
}

/// metafor's prediction interval: a dotted line through the diamond with end bars (arrowheads
/// where the axis clips it).
fn draw_prediction_interval(out: &mut String, sc: &Scale, (pl, ph): (f64, f64), y: f64) {
    let mut g = String::new();
    let clipped = interval(
        &mut g,
        sc,
        (pl, ph),
        y,
        " stroke-dasharray=\"2,2\" stroke-width=\"1.3\"",
        true,
    );
    let _ = writeln!(
        out,
        "<g class=\"pi\" data-lower=\"{pl}\" data-upper=\"{ph}\" data-clipped=\"{clipped}\">\n{g}</g>"
    );
}

/// A diamond (pooled or subgroup `class`) with arrowheads where the axis clips it.
fn draw_diamond(out: &mut String, sc: &Scale, (est, lo, hi): (f64, f64, f64), class: &str, y: f64) {
    let (cl, cu) = (sc.below(lo), sc.above(hi));
    let clipped = match (cl, cu) {
        (true, true) => "both",
        (true, false) => "lower",
        (false, true) => "upper",
        _ => "",
    };
    let colour = if class == "pooled" {
        style::POOLED
    } else {
        style::STUDY
    };
    let _ = writeln!(
        out,
        "<polygon class=\"{class}\" data-estimate=\"{est}\" data-ci-lower=\"{lo}\" data-ci-upper=\"{hi}\" data-clipped=\"{clipped}\" points=\"{:.1},{y:.1} {:.1},{:.1} {:.1},{y:.1} {:.1},{:.1}\" fill=\"{}\"/>",
        sc.px(lo),
        sc.px(est),
        y - 7.0,
        sc.px(hi),
        sc.px(est),
        y + 7.0,
        colour
    );
    if cl {
        arrow(out, sc.px0, y, true, colour);
    }
    if cu {
        arrow(out, sc.px1, y, false, colour);
    }
}

/// A shrinkage estimate's row (`meta --bayes --forest`): a grey whisker and an open circle at
/// the posterior mean, its label in italics, its mean [interval].
fn draw_shrunk(out: &mut String, c: &Cols, label: &str, y: f64, (est, lo, hi): (f64, f64, f64)) {
    let mut g = String::new();
    let clipped = interval(&mut g, c.sc, (lo, hi), y, " stroke-opacity=\"0.6\"", true);
    if !c.sc.below(est) && !c.sc.above(est) {
        let _ = writeln!(
            g,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"white\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            c.sc.px(est),
            style::POOLED
        );
    }
    let _ = writeln!(
        out,
        "<g class=\"shrunk\" data-estimate=\"{est}\" data-ci-lower=\"{lo}\" data-ci-upper=\"{hi}\" data-clipped=\"{clipped}\">\n{g}</g>"
    );
    let it = " font-style=\"italic\"";
    text(
        out,
        10.0,
        y + 4.0,
        "start",
        &format!(" class=\"label\"{it}"),
        label,
    );
    text(
        out,
        c.est_right,
        y + 4.0,
        "end",
        &format!(" class=\"est\"{it}"),
        &c.display.ci(est, lo, hi),
    );
}
