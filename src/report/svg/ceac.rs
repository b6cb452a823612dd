//! Cost-effectiveness acceptability curves and frontier.

use std::fmt::Write as _;

use super::legend::{Key, Legend};
use super::{esc, header, left_margin, style, x_axis, y_axis, Axis};

/// Cost-effectiveness acceptability curves: one curve per series (probability against
/// willingness to pay), with the acceptability frontier marked by dots when given
/// (`frontier[i]` = index of the CEAF series at `wtp[i]`). The legend goes below the plot and
/// wraps, so long strategy names are never cut off.
pub fn ceac(
    wtp: &[f64],
    series: &[(String, Vec<f64>)],
    frontier: Option<&[usize]>,
    title: &str,
) -> String {
    ceac_with_axis(
        wtp,
        series,
        frontier,
        title,
        "Willingness to pay per unit of effect (£)",
    )
}

/// [`ceac`] with the x axis named by `x_label`.
pub(crate) fn ceac_with_axis(
    wtp: &[f64],
    series: &[(String, Vec<f64>)],
    frontier: Option<&[usize]>,
    title: &str,
    x_label: &str,
) -> String {
    let w = 640.0;
    let (y0, y1) = (50.0, 380.0);
    let max = wtp.iter().copied().fold(0.0f64, f64::max).max(1.0);
    let min = wtp.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let ay = Axis::new(0.0, 1.0, y1, y0);
    let yticks = ay.labelled_ticks(true);
    let x0 = left_margin(&yticks);
    let x1 = w - 24.0;
    let ax = Axis::new(min, max, x0, x1);
    let colours = style::PALETTE;
    let mut legend = Legend::new(w - 20.0);
    for (k, (name, _)) in series.iter().enumerate() {
        let dash = style::DASHES[k % style::DASHES.len()];
        legend.push(
            Key::Line {
                colour: colours[k % colours.len()].into(),
                dash: (dash != "none").then(|| dash.into()),
            },
            name,
        );
    }
    if frontier.is_some() {
        legend.push(
            Key::Dot(style::INK.into()),
            "acceptability frontier (highest expected net benefit)",
        );
    }
    let h = y1 + 52.0 + legend.height();
    let mut out = header(w, h, title);
    for (t, _) in &yticks {
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{x0:.1}\" y1=\"{0:.1}\" x2=\"{x1:.1}\" y2=\"{0:.1}\" stroke=\"#e6e6e6\"/>",
            ay.px(*t)
        );
    }
    for (k, (name, p)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let pts: Vec<String> = wtp
            .iter()
            .zip(p)
            .filter(|(_, v)| v.is_finite())
            .map(|(&l, &v)| format!("{:.1},{:.1}", ax.px(l), ay.px(v)))
            .collect();
        let dash = style::DASHES[k % style::DASHES.len()];
        let _ = writeln!(out, "<polyline class=\"ceac\" data-series=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>", esc(name), pts.join(" "));
        if let Some(f) = frontier {
            // at most ~60 frontier dots, evenly spread over the grid
            let every = (wtp.len() / 60).max(1);
            for i in (0..wtp.len().min(f.len()).min(p.len())).step_by(every) {
                if f[i] == k && p[i].is_finite() {
                    let _ = writeln!(
                        out,
                        "<circle class=\"ceaf\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{col}\"/>",
                        ax.px(wtp[i]),
                        ay.px(p[i])
                    );
                }
            }
        }
    }
    y_axis(&mut out, &ay, x0, &yticks, "Probability cost-effective");
    x_axis(&mut out, &ax, y1, false, x_label);
    legend.draw(&mut out, 10.0, y1 + 50.0);
    out.push_str("</svg>\n");
    out
}
