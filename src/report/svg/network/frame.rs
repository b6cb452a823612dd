//! The frame the network and component forest plots share: axis, rows, CI column, headings and
//! favours labels.

use std::fmt::Write as _;

use crate::effect::Measure;
use crate::report::svg::{esc, style, Axis};

/// The frame the two network forest plots share (treatments here, components in
/// [`crate::report::svg::cnma`]): the axis, the rows' vertical extent, the CI column and the measure.
pub(in crate::report::svg) struct Frame<'a> {
    /// The horizontal axis.
    pub ax: &'a Axis,
    /// The top of the first row.
    pub top: f64,
    /// The bottom of the last row.
    pub bottom: f64,
    /// Where the estimate [CI] column starts.
    pub ci_x: f64,
    /// The confidence level (%).
    pub level: f64,
    /// The effect measure.
    pub measure: Measure,
}

impl Frame<'_> {
    /// Column headings (`first` over the labels, "`code` [level% CI]", and `last` at its x,
    /// right-aligned when asked) and the dashed line of no effect.
    pub fn head(&self, out: &mut String, first: &str, last: (&str, f64, bool)) {
        let code = if self.measure == Measure::Smd {
            "SMD"
        } else {
            self.measure.code()
        };
        let (name, x, end) = last;
        let anchor = if end { " text-anchor=\"end\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{0:.1}\" font-weight=\"bold\">{first}</text><text x=\"{1:.1}\" y=\"{0:.1}\" font-weight=\"bold\">{code} [{2}% CI]</text><text x=\"{x:.1}\" y=\"{0:.1}\"{anchor} font-weight=\"bold\">{name}</text>",
            self.top - 10.0,
            self.ci_x,
            self.level
        );
        let _ = writeln!(
            out,
            "<line class=\"null\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-dasharray=\"3,3\"/>",
            self.ax.px(0.0),
            self.top - 4.0,
            self.bottom,
            style::GRID
        );
    }

    /// The "favours" labels either side of the line of no effect, at height `y`.
    pub fn favours(&self, out: &mut String, y: f64, left: &str, right: &str) {
        let _ = writeln!(
            out,
            "<text class=\"favours\" x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"end\">← {}</text><text class=\"favours\" x=\"{:.1}\" y=\"{y:.1}\">{} →</text>",
            self.ax.px(0.0) - 6.0,
            esc(left),
            self.ax.px(0.0) + 6.0,
            esc(right)
        );
    }
}

/// The axis over the intervals `(lower, upper)` and 0, padded by 5 %, between `x0` and `x1`
/// (10 px in from each).
pub(in crate::report::svg) fn interval_axis(
    intervals: impl Iterator<Item = (f64, f64)>,
    x0: f64,
    x1: f64,
) -> Axis {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (l, u) in intervals {
        lo = lo.min(l);
        hi = hi.max(u);
    }
    let pad = 0.05 * (hi - lo).max(1e-9);
    Axis::new(lo - pad, hi + pad, x0 + 10.0, x1 - 10.0)
}
