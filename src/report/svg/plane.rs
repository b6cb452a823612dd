//! Cost-effectiveness plane.

use std::fmt::Write as _;

use super::{esc, header, style, tick_label, x_axis, Axis};

/// A cost-effectiveness plane: incremental effect (x) against incremental cost (y) for each
/// series of draws, the willingness-to-pay line through the origin, and quadrant labels.
pub fn plane(series: &[(String, Vec<(f64, f64)>)], wtp: f64, title: &str) -> String {
    let (w, h) = (620.0, 500.0);
    let (x0, x1, y0, y1) = (80.0, 590.0, 50.0, 400.0);
    let pts = series.iter().flat_map(|s| s.1.iter());
    let (mut xmax, mut ymax) = (1e-12f64, 1e-12f64);
    for &(dc, de) in pts {
        xmax = xmax.max(de.abs());
        ymax = ymax.max(dc.abs());
    }
    let ax = Axis::new(-xmax * 1.1, xmax * 1.1, x0, x1);
    let ay = Axis::new(-ymax * 1.1, ymax * 1.1, y1, y0);
    let colours = style::PALETTE;
    let mut out = header(w, h, title);
    let _ = writeln!(
        out,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"{}\"/>",
        x1 - x0,
        y1 - y0,
        style::GRID
    );
    let _ = writeln!(
        out,
        "<clipPath id=\"box\"><rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\"/></clipPath><g clip-path=\"url(#box)\">",
        x1 - x0,
        y1 - y0
    );
    let (cx, cy) = (ax.px(0.0), ay.px(0.0));
    let _ = writeln!(out, "<line x1=\"{x0}\" y1=\"{cy:.1}\" x2=\"{x1}\" y2=\"{cy:.1}\" stroke=\"{}\"/><line x1=\"{cx:.1}\" y1=\"{y0}\" x2=\"{cx:.1}\" y2=\"{y1}\" stroke=\"{}\"/>", style::GRID, style::GRID);
    for (k, (name, d)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let _ = writeln!(
            out,
            "<g class=\"draws\" data-series=\"{}\" fill=\"{col}\" fill-opacity=\"0.35\">",
            esc(name)
        );
        for &(dc, de) in d {
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.8\"/>",
                ax.px(de),
                ay.px(dc)
            );
        }
        let _ = writeln!(out, "</g>");
    }
    // WTP line Δc = λΔe, clipped to the box
    let xe = xmax * 1.1;
    let (ya, yb) = (-wtp * xe, wtp * xe);
    let _ = writeln!(
        out,
        "<line class=\"wtp\" data-wtp=\"{wtp}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/>",
        ax.px(-xe),
        ay.px(ya),
        ax.px(xe),
        ay.px(yb),
        style::POOLED
    );
    out.push_str("</g>\n");
    for (k, (name, _)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let ly = h - 28.0 + 14.0 * (k / 2) as f64;
        let lx = x0 + 260.0 * (k % 2) as f64;
        let _ = writeln!(out, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{col}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{col}\">{}</text>", lx, ly - 4.0, lx + 10.0, ly, esc(name));
    }
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#777\">more costly, more effective</text>", x1 - 6.0, y0 + 16.0);
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#777\">more costly, less effective (dominated)</text>", x0 + 6.0, y0 + 16.0);
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#777\">dominant (cheaper, more effective)</text>", x1 - 6.0, y1 - 8.0);
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#777\">cheaper, less effective</text>",
        x0 + 6.0,
        y1 - 8.0
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\">WTP £{:.0} per unit of effect</text>",
        x0 + 6.0,
        y1 - 26.0,
        style::POOLED,
        wtp
    );
    x_axis(&mut out, &ax, y1, false, "incremental effect");
    for t in ay.ticks() {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            ay.px(t) + 4.0,
            tick_label(t)
        );
    }
    let _ = writeln!(out, "<text transform=\"translate(16,{:.1}) rotate(-90)\" text-anchor=\"middle\">incremental cost</text>", (y0 + y1) / 2.0);
    out.push_str("</svg>\n");
    out
}
