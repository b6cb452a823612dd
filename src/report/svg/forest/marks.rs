//! The forest plot's marks: text, arrowheads, clipped intervals, risk-of-bias headings and key,
//! the measure's name.

use std::fmt::Write as _;

use super::scale::{text_width, Scale};
use crate::effect::Measure;
use crate::framework::rob::RobAssessment;
use crate::report::svg::{label, style};

const SIZE: f64 = style::SIZE;

/// The measure's name for headers and the axis.
pub(super) fn measure_name(m: Measure, xlab: Option<&str>, exp: bool) -> String {
    match m {
        Measure::Gen => match (xlab, exp) {
            (Some(x), _) => x.to_string(),
            (None, true) => "exp(Estimate)".into(),
            (None, false) => "Estimate".into(),
        },
        Measure::Smd | Measure::Smdh => "Standardised mean difference".into(),
        Measure::Smcc | Measure::Smcr | Measure::Smcrh => "Standardised mean change".into(),
        Measure::Zcor => "Fisher's z".into(),
        Measure::Plo => "Log odds".into(),
        Measure::Pft => "Proportion (double arcsine)".into(),
        Measure::As => "Arcsine risk difference".into(),
        Measure::Irsd => "Root incidence rate difference".into(),
        _ => {
            let d = m.description();
            let mut c = d.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// Shortens a label to `max` px (with an ellipsis).
pub(super) fn fit_text(s: &str, max: f64) -> String {
    if text_width(s, SIZE) <= max {
        return s.to_string();
    }
    let n = ((max / (SIZE * 0.6)) as usize).saturating_sub(1);
    let mut t: String = s.chars().take(n).collect();
    t.push('…');
    t
}

pub(super) fn text(out: &mut String, x: f64, y: f64, anchor: &str, attrs: &str, s: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\"{attrs}>{}</text>",
        label(s)
    );
}

/// An arrowhead at pixel `x` on row `y`, pointing left (`left`) or right.
pub(super) fn arrow(out: &mut String, x: f64, y: f64, left: bool, colour: &str) {
    let d = if left { 7.0 } else { -7.0 };
    let _ = writeln!(
        out,
        "<polygon class=\"arrow\" data-side=\"{}\" points=\"{x:.1},{y:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{colour}\"/>",
        if left { "lower" } else { "upper" },
        x + d,
        y - 4.0,
        x + d,
        y + 4.0
    );
}

/// Draws a horizontal interval clipped to the axis, with arrows at the clipped ends and, with
/// `caps`, end bars at the others; returns
/// the `data-clipped` value ("", "lower", "upper" or "both").
pub(super) fn interval(
    out: &mut String,
    sc: &Scale,
    (lo, hi): (f64, f64),
    y: f64,
    attrs: &str,
    caps: bool,
) -> &'static str {
    let (cl, cu) = (sc.below(lo), sc.above(hi));
    let _ = writeln!(
        out,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\"{attrs}/>",
        sc.px(lo),
        sc.px(hi),
        style::INK
    );
    // end bars where the interval ends inside the axis (metafor's whisker caps), arrowheads
    // where the axis clips it
    for (v, clipped, px, left) in [(lo, cl, sc.px0, true), (hi, cu, sc.px1, false)] {
        if clipped {
            arrow(out, px, y, left, style::INK);
        } else if caps {
            let x = sc.px(v);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\"/>",
                y - 3.0,
                y + 3.0,
                style::INK
            );
        }
    }
    match (cl, cu) {
        (true, true) => "both",
        (true, false) => "lower",
        (false, true) => "upper",
        _ => "",
    }
}

/// The risk-of-bias column headings ("Risk of bias" over D1 … O) from `x`.
pub(super) fn rob_header(
    out: &mut String,
    a: &RobAssessment,
    x: f64,
    col_w: f64,
    head1: f64,
    head2: f64,
) {
    text(
        out,
        x + col_w * a.columns.len() as f64 / 2.0,
        head1,
        "middle",
        " class=\"col-head\" font-weight=\"bold\"",
        "Risk of bias",
    );
    for (c, col) in a.columns.iter().enumerate() {
        let short = if col.short == "Overall" {
            "O"
        } else {
            &col.short
        };
        text(
            out,
            x + col_w * (c as f64 + 0.5),
            head2,
            "middle",
            " class=\"rob-heading\" font-weight=\"bold\"",
            short,
        );
    }
}

/// The key under the plot: what D1 … O stand for and what the symbols mean.
pub(super) fn rob_key(out: &mut String, a: &RobAssessment, y: f64) {
    let grey = " font-size=\"12\" fill=\"#555555\"";
    text(
        out,
        10.0,
        y,
        "start",
        grey,
        &format!(
            "Risk of bias ({}): {}.",
            a.tool.name(),
            crate::report::svg::rob::symbol_key(a.tool)
        ),
    );
    for (c, col) in a.columns.iter().enumerate() {
        let short = if col.short == "Overall" {
            "O"
        } else {
            &col.short
        };
        text(
            out,
            10.0,
            y + 14.0 * (c as f64 + 1.0),
            "start",
            grey,
            &format!("{short}: {}.", col.name),
        );
    }
}
