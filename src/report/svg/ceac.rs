//! Cost-effectiveness acceptability curves.

use std::fmt::Write as _;

use super::{esc, header, style, x_axis, Axis};

/// Cost-effectiveness acceptability curves: one curve per series (probability against
/// willingness to pay), with the acceptability frontier marked by thick segments when given
/// (`frontier[i]` = index of the CEAF series at `wtp[i]`).
pub fn ceac(
    wtp: &[f64],
    series: &[(String, Vec<f64>)],
    frontier: Option<&[usize]>,
    title: &str,
) -> String {
    let (w, h) = (620.0, 440.0);
    let (x0, x1, y0, y1) = (70.0, 590.0, 50.0, 370.0);
    let max = wtp.iter().fold(0.0f64, |a, &b| a.max(b)).max(1.0);
    let ax = Axis::new(
        wtp.iter().fold(f64::INFINITY, |a, &b| a.min(b)).min(0.0),
        max,
        x0,
        x1,
    );
    let ay = Axis::new(0.0, 1.0, y1, y0);
    let colours = style::PALETTE;
    let mut out = header(w, h, title);
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = writeln!(out, "<line x1=\"{x0}\" y1=\"{0:.1}\" x2=\"{x1}\" y2=\"{0:.1}\" stroke=\"#eeeeee\"/><text x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{t}</text>", ay.px(t), x0 - 6.0, ay.px(t) + 4.0);
    }
    for (k, (name, p)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let pts: Vec<String> = wtp
            .iter()
            .zip(p)
            .map(|(&l, &v)| format!("{:.1},{:.1}", ax.px(l), ay.px(v)))
            .collect();
        let _ = writeln!(out, "<polyline class=\"ceac\" data-series=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"1.5\"/>", esc(name), pts.join(" "));
        if let Some(f) = frontier {
            for i in 0..wtp.len() {
                if f[i] == k {
                    let _ = writeln!(out, "<circle class=\"ceaf\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\" fill=\"{col}\"/>", ax.px(wtp[i]), ay.px(p[i]));
                }
            }
        }
        let _ = writeln!(out, "<line x1=\"{:.1}\" y1=\"{1:.1}\" x2=\"{2:.1}\" y2=\"{1:.1}\" stroke=\"{col}\" stroke-width=\"2\"/><text x=\"{3:.1}\" y=\"{4:.1}\">{5}</text>", x1 - 170.0, y0 + 14.0 + 16.0 * k as f64, x1 - 150.0, x1 - 145.0, y0 + 18.0 + 16.0 * k as f64, esc(name));
    }
    if frontier.is_some() {
        let _ = writeln!(out, "<text x=\"{x0}\" y=\"{:.1}\" fill=\"#555\">dots: acceptability frontier (highest expected net benefit)</text>", h - 12.0);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{}\"/>",
        style::INK
    );
    let _ = writeln!(out, "<text transform=\"translate(18,{:.1}) rotate(-90)\" text-anchor=\"middle\">probability cost-effective</text>", (y0 + y1) / 2.0);
    x_axis(
        &mut out,
        &ax,
        y1,
        false,
        "willingness to pay per unit of effect",
    );
    out.push_str("</svg>\n");
    out
}
