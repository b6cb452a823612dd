//! Contour-enhanced funnel plot.

use std::fmt::Write as _;

use super::{header, style, x_axis, y_axis, Axis};
use crate::effect::Measure;

/// A contour-enhanced funnel plot: effect (x) against standard error (y, 0 at the top), shaded
/// regions where a study would be significant at p < .10, .05 and .01 (two-sided, around 0),
/// the pooled estimate as a vertical line, and studies added by trim-and-fill drawn hollow
/// (`filled` holds their `(yi, vi)`).
pub fn funnel(
    yi: &[f64],
    vi: &[f64],
    estimate: f64,
    filled: &[(f64, f64)],
    measure: Measure,
    title: &str,
) -> String {
    let (w, h) = (620.0, 460.0);
    let (x0, x1, y0, y1) = (70.0, 590.0, 50.0, 390.0);
    let ses: Vec<f64> = vi
        .iter()
        .chain(filled.iter().map(|f| &f.1))
        .map(|v| v.sqrt())
        .collect();
    let max_se = ses.iter().fold(0.0f64, |a, &b| a.max(b)) * 1.1 + 1e-12;
    let z01 = 2.5758293035489004;
    let reach = yi
        .iter()
        .chain(filled.iter().map(|f| &f.0))
        .map(|y| y.abs())
        .fold(z01 * max_se, f64::max)
        * 1.05;
    let ax = Axis::new(
        -reach.max(estimate.abs() * 1.1),
        reach.max(estimate.abs() * 1.1),
        x0,
        x1,
    );
    let sy = |se: f64| y0 + (y1 - y0) * se / max_se;
    let mut out = header(w, h, title);
    // contours, widest first: p < .01 (white outside), .01–.05, .05–.10 shaded
    let _ = writeln!(
        out,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>",
        x1 - x0,
        y1 - y0
    );
    for (z, fill, class) in [
        (z01, "#d9d9d9", "p01"),
        (1.959963984540054, "#bdbdbd", "p05"),
        (1.6448536269514722, "#ffffff", "p10"),
    ] {
        let _ = writeln!(
            out,
            "<polygon class=\"contour {class}\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{fill}\"/>",
            ax.px(0.0),
            sy(0.0),
            ax.px(-z * max_se),
            sy(max_se),
            ax.px(z * max_se),
            sy(max_se)
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"pooled\" data-estimate=\"{estimate}\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-width=\"1.5\"/>",
        ax.px(estimate),
        y0,
        y1,
        style::POOLED
    );
    for (&y, &v) in yi.iter().zip(vi) {
        let _ = writeln!(
            out,
            "<circle class=\"study\" data-yi=\"{y}\" data-se=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{}\"/>",
            v.sqrt(),
            ax.px(y),
            sy(v.sqrt()),
            style::STUDY
        );
    }
    for &(y, v) in filled {
        let _ = writeln!(
            out,
            "<circle class=\"filled\" data-yi=\"{y}\" data-se=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"white\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            v.sqrt(),
            ax.px(y),
            sy(v.sqrt()),
            style::STUDY
        );
    }
    // y axis (SE)
    let se_ticks = Axis::new(0.0, max_se, 0.0, 1.0).ticks();
    y_axis(&mut out, x0, y0, y1, &se_ticks, sy, "Standard error");
    let label = if measure.is_log_scale() {
        format!("log {}", measure.description())
    } else {
        measure.description().to_string()
    };
    x_axis(&mut out, &ax, y1, false, &label);
    // legend
    let ly = h - 14.0;
    let _ = writeln!(
        out,
        "<rect x=\"70\" y=\"{:.1}\" width=\"12\" height=\"10\" fill=\"#ffffff\" stroke=\"#999\"/><text x=\"86\" y=\"{ly:.1}\">p &gt; .10</text><rect x=\"150\" y=\"{0:.1}\" width=\"12\" height=\"10\" fill=\"#bdbdbd\"/><text x=\"166\" y=\"{ly:.1}\">.10 &gt; p &gt; .05</text><rect x=\"262\" y=\"{0:.1}\" width=\"12\" height=\"10\" fill=\"#d9d9d9\"/><text x=\"278\" y=\"{ly:.1}\">.05 &gt; p &gt; .01</text><rect x=\"374\" y=\"{0:.1}\" width=\"12\" height=\"10\" fill=\"#f4f4f4\" stroke=\"#999\"/><text x=\"390\" y=\"{ly:.1}\">p &lt; .01</text>{1}",
        ly - 9.0,
        if filled.is_empty() {
            String::new()
        } else {
            format!(
                "<circle cx=\"480\" cy=\"{:.1}\" r=\"4.5\" fill=\"white\" stroke=\"{}\"/><text x=\"490\" y=\"{ly:.1}\">filled (trim-and-fill)</text>",
                ly - 4.0,
                style::STUDY
            )
        }
    );
    out.push_str("</svg>\n");
    out
}
