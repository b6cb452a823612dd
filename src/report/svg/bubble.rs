//! Bubble plot for a meta-regression (metafor `regplot()`), and its version for a categorical
//! moderator: one estimate with its CI per level.

use std::fmt::Write as _;

use super::legend::{Key, Legend};
use super::{esc, fmt_num, header, left_margin, style, x_axis, x_axis_at, y_axis, Axis};
use crate::effect::Measure;

/// The fitted line's confidence and prediction limits at one moderator value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Moderator value.
    pub x: f64,
    /// Predicted effect.
    pub pred: f64,
    /// Confidence limits of the prediction.
    pub ci: (f64, f64),
    /// Prediction-interval limits (adding the residual τ²).
    pub pi: (f64, f64),
}

/// Data for a bubble plot.
#[derive(Debug, Clone, Copy)]
pub struct Bubble<'a> {
    /// Moderator values.
    pub x: &'a [f64],
    /// Effect sizes.
    pub yi: &'a [f64],
    /// Model weights (point sizes, as metafor `regplot`).
    pub weights: &'a [f64],
    /// Fitted intercept.
    pub intercept: f64,
    /// Fitted slope.
    pub slope: f64,
    /// Moderator name (x-axis label).
    pub xlabel: &'a str,
    /// Confidence and prediction bands along the moderator (empty: none drawn).
    pub bands: &'a [Band],
    /// Caption under the plot (the slope, its CI and p); empty for none.
    pub caption: &'a str,
}

/// Point radii as metafor `regplot` sizes points: `sqrt(w)` rescaled linearly onto
/// `plim = c(0.5, 3)` character sizes (all 1 when the weights are equal), a size of 1 drawn
/// with a 4 px radius.
///
/// # Examples
///
/// ```
/// let r = peerstat::report::svg::point_radii(&[1.0, 4.0, 9.0]);
/// assert_eq!(r, vec![2.0, 7.0, 12.0]);
/// ```
pub fn point_radii(weights: &[f64]) -> Vec<f64> {
    let wi: Vec<f64> = weights.iter().map(|w| w.max(0.0).sqrt()).collect();
    let lo = wi.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = wi.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let rng = hi - lo;
    wi.iter()
        .map(|&w| {
            let p = if rng <= f64::EPSILON.sqrt() || !rng.is_finite() {
                1.0
            } else {
                (w - lo) / rng * (3.0 - 0.5) + 0.5
            };
            4.0 * p
        })
        .collect()
}

fn ylabel(measure: Measure) -> String {
    if measure.is_log_scale() {
        format!("log {}", measure.description())
    } else {
        measure.description().to_string()
    }
}

/// A bubble plot for a meta-regression on one numeric moderator: effects against the moderator,
/// points sized by weight as metafor `regplot` (largest drawn first so small ones stay visible),
/// the fitted line `intercept + slope·x` with its confidence band (shaded) and prediction band
/// (dashed), and the caption below.
pub fn bubble(b: &Bubble<'_>, measure: Measure, title: &str) -> String {
    let (xlo, xhi) = minmax(b.x.iter().copied());
    let (mut ylo, mut yhi) = minmax(b.yi.iter().copied());
    for band in b.bands {
        (ylo, yhi) = (ylo.min(band.pi.0), yhi.max(band.pi.1));
    }
    let px = 0.05 * (xhi - xlo).max(1e-9);
    let py = 0.06 * (yhi - ylo).max(1e-9);
    let w = 640.0;
    let (y0, y1) = (50.0, 380.0);
    let ay = Axis::new(ylo - py, yhi + py, y1, y0);
    let yticks = ay.labelled_ticks(true);
    let x0 = left_margin(&yticks);
    let x1 = w - 24.0;
    let ax = Axis::new(xlo - px, xhi + px, x0, x1);
    let legend = bubble_legend(b, w - 20.0);
    let cap_rows = if b.caption.is_empty() { 0.0 } else { 18.0 };
    let h = y1 + 52.0 + cap_rows + legend.height();
    let mut out = header(w, h, title);
    let _ = writeln!(
        out,
        "<clipPath id=\"plotarea\"><rect x=\"{x0:.1}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath><g clip-path=\"url(#plotarea)\">",
        x1 - x0,
        y1 - y0
    );
    draw_bands(&mut out, b.bands, &ax, &ay);
    let (xa, xb) = ax.range();
    let _ = writeln!(
        out,
        "<line class=\"fit\" data-intercept=\"{}\" data-slope=\"{}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
        b.intercept,
        b.slope,
        ax.px(xa),
        ay.px_free(b.intercept + b.slope * xa),
        ax.px(xb),
        ay.px_free(b.intercept + b.slope * xb),
        style::POOLED
    );
    studies(&mut out, b.x, b.yi, b.weights, |x| ax.px(x), &ay);
    out.push_str("</g>\n");
    y_axis(&mut out, &ay, x0, &yticks, &ylabel(measure));
    x_axis(&mut out, &ax, y1, false, b.xlabel);
    let mut y = y1 + 50.0;
    if !b.caption.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"caption\" x=\"10\" y=\"{y:.1}\">{}</text>",
            esc(b.caption)
        );
        y += 18.0;
    }
    legend.draw(&mut out, 10.0, y);
    out.push_str("</svg>\n");
    out
}

/// The legend: studies, the fitted line and, with bands, the CI and prediction interval.
fn bubble_legend(b: &Bubble<'_>, width: f64) -> Legend {
    let mut legend = Legend::new(width);
    legend.push(Key::Hollow(style::STUDY.into()), "study (area by weight)");
    legend.push(
        Key::Line {
            colour: style::POOLED.into(),
            dash: None,
        },
        "fitted line",
    );
    if !b.bands.is_empty() {
        legend.push(Key::Swatch("#f3d9d6".into()), "95% CI");
        legend.push(
            Key::Line {
                colour: style::POOLED.into(),
                dash: Some("5,4".into()),
            },
            "95% prediction interval",
        );
    }
    legend
}

/// The confidence band (shaded) and the prediction band (dashed), when there are bands.
fn draw_bands(out: &mut String, bands: &[Band], ax: &Axis, ay: &Axis) {
    if bands.is_empty() {
        return;
    }
    let upper = bands.iter().map(|s| (s.x, s.ci.1));
    let lower = bands.iter().rev().map(|s| (s.x, s.ci.0));
    let pts: Vec<String> = upper
        .chain(lower)
        .map(|(x, y)| format!("{:.1},{:.1}", ax.px(x), ay.px(y)))
        .collect();
    let _ = writeln!(
        out,
        "<polygon class=\"ci-band\" points=\"{}\" fill=\"#f3d9d6\" stroke=\"none\"/>",
        pts.join(" ")
    );
    for (class, f) in [
        ("pi-band", (|s: &Band| s.pi.0) as fn(&Band) -> f64),
        ("pi-band", |s: &Band| s.pi.1),
    ] {
        let p: Vec<String> = bands
            .iter()
            .map(|s| format!("{:.1},{:.1}", ax.px(s.x), ay.px(f(s))))
            .collect();
        let _ = writeln!(
            out,
            "<polyline class=\"{class}\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-dasharray=\"5,4\"/>",
            p.join(" "),
            style::POOLED
        );
    }
}

/// Study points, largest first, sized as [`point_radii`].
fn studies(
    out: &mut String,
    x: &[f64],
    yi: &[f64],
    weights: &[f64],
    px: impl Fn(f64) -> f64,
    ay: &Axis,
) {
    let r = point_radii(weights);
    let mut order: Vec<usize> = (0..x.len().min(yi.len()).min(r.len())).collect();
    order.sort_by(|&a, &b| r[b].total_cmp(&r[a]));
    for i in order {
        let _ = writeln!(
            out,
            "<circle class=\"study\" data-x=\"{}\" data-yi=\"{}\" data-weight=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.2}\" fill=\"{}\" fill-opacity=\"0.45\" stroke=\"{}\"/>",
            x[i],
            yi[i],
            weights[i],
            px(x[i]),
            ay.px(yi[i]),
            r[i],
            style::STUDY,
            style::STUDY
        );
    }
}

/// One level of a categorical moderator: its estimate with CI.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelEstimate {
    /// Level name.
    pub level: String,
    /// Estimated effect at the level.
    pub estimate: f64,
    /// Confidence limits.
    pub ci: (f64, f64),
}

/// Data for a bubble plot of a categorical moderator.
#[derive(Debug, Clone, Copy)]
pub struct LevelBubble<'a> {
    /// The levels' estimates, in axis order.
    pub levels: &'a [LevelEstimate],
    /// Each study's level (index into `levels`).
    pub level_of: &'a [usize],
    /// Effect sizes.
    pub yi: &'a [f64],
    /// Model weights.
    pub weights: &'a [f64],
    /// Moderator name (x-axis label).
    pub xlabel: &'a str,
    /// Caption under the plot (the test of moderators); empty for none.
    pub caption: &'a str,
}

/// A meta-regression on a categorical moderator: the studies of each level (sized by weight,
/// spread a little sideways so equal values do not hide each other) and the level's estimate
/// as a square with its CI; the caption below.
pub fn bubble_levels(b: &LevelBubble<'_>, measure: Measure, title: &str) -> String {
    let LevelBubble {
        levels,
        level_of,
        yi,
        weights,
        xlabel,
        caption,
    } = *b;
    let (mut ylo, mut yhi) = minmax(yi.iter().copied());
    for l in levels {
        (ylo, yhi) = (ylo.min(l.ci.0), yhi.max(l.ci.1));
    }
    let py = 0.06 * (yhi - ylo).max(1e-9);
    let w = 640.0;
    let (y0, y1) = (50.0, 380.0);
    let ay = Axis::new(ylo - py, yhi + py, y1, y0);
    let yticks = ay.labelled_ticks(true);
    let x0 = left_margin(&yticks);
    let x1 = w - 24.0;
    let n = levels.len().max(1) as f64;
    let ax = Axis::new(-0.5, n - 0.5, x0, x1);
    let h = y1 + 52.0 + if caption.is_empty() { 0.0 } else { 18.0 } + 18.0;
    let mut out = header(w, h, title);
    // a deterministic sideways spread within each level
    let mut seen = vec![0usize; levels.len()];
    let xs: Vec<f64> = level_of
        .iter()
        .map(|&l| {
            let k = seen.get(l).copied().unwrap_or(0);
            if let Some(s) = seen.get_mut(l) {
                *s += 1;
            }
            let off = [0.0, -0.08, 0.08, -0.16, 0.16, -0.04, 0.04, -0.12, 0.12][k % 9];
            l as f64 - 0.15 + off
        })
        .collect();
    studies(&mut out, &xs, yi, weights, |x| ax.px(x), &ay);
    for (k, l) in levels.iter().enumerate() {
        let x = ax.px(k as f64 + 0.2);
        let _ = writeln!(
            out,
            "<line class=\"level-ci\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\"/><rect class=\"level\" data-level=\"{}\" data-estimate=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/>",
            ay.px(l.ci.0),
            ay.px(l.ci.1),
            style::POOLED,
            esc(&l.level),
            l.estimate,
            x - 5.0,
            ay.px(l.estimate) - 5.0,
            style::POOLED
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{}\">{}</text>",
            x + 8.0,
            ay.px(l.estimate) + 4.0,
            style::POOLED,
            fmt_num(l.estimate)
        );
    }
    y_axis(&mut out, &ay, x0, &yticks, &ylabel(measure));
    let ticks: Vec<(f64, String)> = levels
        .iter()
        .enumerate()
        .map(|(k, l)| (k as f64, l.level.clone()))
        .collect();
    x_axis_at(&mut out, &ax, y1, &ticks, xlabel);
    let mut y = y1 + 50.0;
    if !caption.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"caption\" x=\"10\" y=\"{y:.1}\">{}</text>",
            esc(caption)
        );
        y += 18.0;
    }
    let mut legend = Legend::new(w - 20.0);
    legend.push(Key::Hollow(style::STUDY.into()), "study (area by weight)");
    legend.push(
        Key::Swatch(style::POOLED.into()),
        "level estimate with 95% CI",
    );
    legend.draw(&mut out, 10.0, y);
    out.push_str("</svg>\n");
    out
}

fn minmax(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        })
}
