//! Bubble plot for a meta-regression.

use std::fmt::Write as _;

use super::{header, style, x_axis, y_axis, Axis};
use crate::effect::Measure;

/// Data for a bubble plot.
#[derive(Debug, Clone, Copy)]
pub struct Bubble<'a> {
    /// Moderator values.
    pub x: &'a [f64],
    /// Effect sizes.
    pub yi: &'a [f64],
    /// Model weights (bubble areas).
    pub weights: &'a [f64],
    /// Fitted intercept.
    pub intercept: f64,
    /// Fitted slope.
    pub slope: f64,
    /// Moderator name (x-axis label).
    pub xlabel: &'a str,
}

/// A bubble plot for a meta-regression on one numeric moderator: effects against the moderator,
/// bubbles sized by model weight, and the fitted line `intercept + slope·x`.
pub fn bubble(b: &Bubble<'_>, measure: Measure, title: &str) -> String {
    let Bubble {
        x,
        yi,
        weights,
        intercept,
        slope,
        xlabel,
    } = *b;
    let (w, h) = (620.0, 440.0);
    let (x0, x1, y0, y1) = (70.0, 590.0, 50.0, 380.0);
    let (xlo, xhi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (ylo, yhi) = yi
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let px = 0.06 * (xhi - xlo).max(1e-9);
    let py = 0.1 * (yhi - ylo).max(1e-9);
    let ax = Axis::new(xlo - px, xhi + px, x0, x1);
    let ay = Axis::new(ylo - py, yhi + py, y1, y0);
    let maxw = weights.iter().fold(0.0f64, |a, &b| a.max(b)).max(1e-12);
    let mut out = header(w, h, title);
    for ((&xv, &yv), &wv) in x.iter().zip(yi).zip(weights) {
        let r = 3.0 + 12.0 * (wv / maxw).sqrt();
        let _ = writeln!(
            out,
            "<circle class=\"study\" data-x=\"{xv}\" data-yi=\"{yv}\" data-weight=\"{wv}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"{}\" fill-opacity=\"0.35\" stroke=\"{}\"/>",
            ax.px(xv),
            ay.px(yv),
            style::STUDY,
            style::STUDY
        );
    }
    let (xa, xb) = (xlo - px, xhi + px);
    let _ = writeln!(
        out,
        "<line class=\"fit\" data-intercept=\"{intercept}\" data-slope=\"{slope}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
        ax.px(xa),
        ay.px(intercept + slope * xa),
        ax.px(xb),
        ay.px(intercept + slope * xb),
        style::POOLED
    );
    let ylabel = if measure.is_log_scale() {
        format!("log {}", measure.description())
    } else {
        measure.description().to_string()
    };
    y_axis(&mut out, &ay, x0, &ay.labelled_ticks(true), &ylabel);
    x_axis(&mut out, &ax, y1, false, xlabel);
    out.push_str("</svg>\n");
    out
}
