//! Network meta-analysis plots: the network graph (netmeta's `netgraph`) and the forest plot
//! of every treatment against the reference (`forest.netmeta`); the league-table heat map is in
//! [`super::league`].

use std::f64::consts::PI;
use std::fmt::Write as _;

use super::{esc, fmt_num, header, style, x_axis, Axis};
use crate::effect::Measure;
use crate::model::network::{Evidence, NetworkFit, NetworkMethod};

/// Position of treatment `i` of `n` on a circle of radius `r` around `(cx, cy)`: the first at
/// the top, then clockwise.
fn on_circle(i: usize, n: usize, cx: f64, cy: f64, r: f64) -> (f64, f64, f64) {
    let a = -PI / 2.0 + 2.0 * PI * i as f64 / n.max(1) as f64;
    (cx + r * a.cos(), cy + r * a.sin(), a)
}

/// The network graph: treatments on a circle (sorted, clockwise from the top), node area in
/// proportion to the participants (or, without arm sizes, the studies) of the treatment, edge
/// width in proportion to the studies comparing the pair (their number at the middle of the
/// edge), multi-arm studies as lightly shaded polygons over their arms, labels outside the
/// circle.
pub fn network_graph(ev: &Evidence, title: &str) -> String {
    let n = ev.treatments.len();
    let longest = ev
        .treatments
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(4) as f64;
    let margin = (longest * 7.0 + 30.0).max(80.0);
    let r = 200.0;
    let (w, h) = ((2.0 * (r + margin)).max(660.0), 2.0 * r + 170.0);
    let (cx, cy) = (w / 2.0, 50.0 + r + 20.0);
    let (sizes, by) = match &ev.participants {
        Some(p) => (p.clone(), "participants"),
        None => (ev.studies.iter().map(|&s| s as f64).collect(), "studies"),
    };
    let max_size = sizes.iter().fold(0.0f64, |a, &b| a.max(b)).max(1e-12);
    let node_r = |i: usize| (20.0 * (sizes[i] / max_size).sqrt()).max(4.0);
    let max_k = ev.edges.iter().map(|e| e.studies).max().unwrap_or(1).max(1) as f64;
    let pos: Vec<(f64, f64, f64)> = (0..n).map(|i| on_circle(i, n, cx, cy, r)).collect();
    let mut out = header(w, h, title);
    for (m, s) in ev.multi_arm.iter().enumerate() {
        let pts: Vec<String> = s
            .arms
            .iter()
            .filter_map(|&t| pos.get(t))
            .map(|p| format!("{:.1},{:.1}", p.0, p.1))
            .collect();
        let _ = writeln!(
            out,
            "<polygon class=\"multiarm\" data-study=\"{}\" data-arms=\"{}\" points=\"{}\" fill=\"{3}\" fill-opacity=\"0.15\" stroke=\"{3}\" stroke-opacity=\"0.4\"/>",
            esc(&s.study),
            s.arms.len(),
            pts.join(" "),
            style::PALETTE[m % style::PALETTE.len()]
        );
    }
    for e in &ev.edges {
        let (a, b) = (pos[e.t1], pos[e.t2]);
        let width = (10.0 * e.studies as f64 / max_k).max(1.5);
        let _ = writeln!(
            out,
            "<line class=\"edge\" data-t1=\"{}\" data-t2=\"{}\" data-studies=\"{}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#666666\" stroke-width=\"{width:.1}\" stroke-linecap=\"round\"/>",
            esc(&ev.treatments[e.t1]),
            esc(&ev.treatments[e.t2]),
            e.studies,
            a.0,
            a.1,
            b.0,
            b.1
        );
    }
    // study counts on the edges, over every edge line
    for e in &ev.edges {
        let (a, b) = (pos[e.t1], pos[e.t2]);
        let _ = writeln!(
            out,
            "<text class=\"edge-count\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            a.0 + 0.4 * (b.0 - a.0),
            a.1 + 0.4 * (b.1 - a.1) + 4.0,
            e.studies
        );
    }
    for (i, t) in ev.treatments.iter().enumerate() {
        let (x, y, ang) = pos[i];
        let nr = node_r(i);
        let parts = ev
            .participants
            .as_ref()
            .and_then(|p| p.get(i))
            .map_or(String::new(), |p| format!(" data-participants=\"{p}\""));
        let _ = writeln!(
            out,
            "<circle class=\"node\" data-treatment=\"{}\" data-studies=\"{}\"{parts} cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{nr:.1}\" fill=\"{}\" stroke=\"white\" stroke-width=\"1.5\"/>",
            esc(t),
            ev.studies[i],
            style::STUDY
        );
        let lr = r + nr + 8.0;
        let (lx, ly) = (cx + lr * ang.cos(), cy + lr * ang.sin());
        let anchor = if ang.cos() > 0.2 {
            "start"
        } else if ang.cos() < -0.2 {
            "end"
        } else {
            "middle"
        };
        let dy = if ang.sin() < -0.5 {
            0.0
        } else if ang.sin() > 0.5 {
            10.0
        } else {
            4.0
        };
        let _ = writeln!(
            out,
            "<text class=\"node-label\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"13\">{}</text>",
            ly + dy,
            esc(t)
        );
    }
    let multi = if ev.multi_arm.is_empty() {
        String::new()
    } else {
        format!(
            "; shaded: {} multi-arm {}",
            ev.multi_arm.len(),
            if ev.multi_arm.len() == 1 {
                "study"
            } else {
                "studies"
            }
        )
    };
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555555\">Node area ∝ {by} of the treatment; edge width ∝ studies comparing the pair</text><text x=\"10\" y=\"{:.1}\" fill=\"#555555\">(their number on the edge){multi}.</text>",
        h - 30.0,
        h - 12.0
    );
    out.push_str("</svg>\n");
    out
}

/// The forest plot of every treatment against the reference (`random`: the random-effects
/// model, else the common-effect model), one row per treatment sorted by P-score (best first),
/// with the estimate \[CI\] and P-score columns and the direction that favours each side.
pub fn network_forest(fit: &NetworkFit, measure: Measure, random: bool, title: &str) -> String {
    let model = if random { &fit.random } else { &fit.common };
    let ratio = measure.is_log_scale();
    let score = |t: &str| {
        fit.p_scores
            .iter()
            .find(|p| p.treatment == t)
            .map_or(f64::NAN, |p| if random { p.random } else { p.common })
    };
    let mut rows: Vec<_> = model
        .estimates
        .iter()
        .filter(|e| e.treatment != fit.reference)
        .collect();
    rows.sort_by(|a, b| score(&b.treatment).total_cmp(&score(&a.treatment)));
    let label_w = (rows
        .iter()
        .map(|e| e.treatment.chars().count())
        .max()
        .unwrap_or(8) as f64
        * 7.0
        + 30.0)
        .clamp(140.0, 320.0);
    let (x0, x1) = (label_w, label_w + 340.0);
    let ci_x = x1 + 12.0;
    let ps_x = ci_x + 220.0;
    let width = ps_x + 20.0;
    let (top, row_h) = (78.0, 24.0);
    let yb = top + row_h * rows.len() as f64 + 4.0;
    let height = yb + 110.0;
    let ax = interval_axis(rows.iter().map(|e| (e.ci_lower, e.ci_upper)), x0, x1);
    let show = |x: f64| if ratio { x.exp() } else { x };
    let model_name = if random {
        format!(
            "Random effects ({})",
            match fit.method {
                NetworkMethod::Dl => "DL",
                NetworkMethod::Reml => "REML",
            }
        )
    } else {
        "Common effect".to_string()
    };
    let mut out = header(width, height, title);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"44\" fill=\"#555555\">{model_name}: every treatment vs '{}', sorted by P-score</text>",
        esc(&fit.reference)
    );
    let frame = Frame {
        ax: &ax,
        top,
        bottom: yb,
        ci_x,
        level: fit.level,
        measure,
    };
    frame.head(&mut out, "Treatment", ("P-score", ps_x, true));
    for (i, e) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let ty = y + 4.0;
        let ps = score(&e.treatment);
        let _ = writeln!(
            out,
            "<g class=\"row\" data-treatment=\"{}\" data-estimate=\"{}\" data-ci-lower=\"{}\" data-ci-upper=\"{}\" data-p-score=\"{ps}\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"1.5\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/></g>",
            esc(&e.treatment),
            e.estimate,
            e.ci_lower,
            e.ci_upper,
            ax.px(e.ci_lower),
            ax.px(e.ci_upper),
            style::INK,
            ax.px(e.estimate) - 5.0,
            y - 5.0,
            style::STUDY
        );
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{ty:.1}\">{}</text><text x=\"{ci_x:.1}\" y=\"{ty:.1}\">{} [{}, {}]</text><text x=\"{ps_x:.1}\" y=\"{ty:.1}\" text-anchor=\"end\">{ps:.3}</text>",
            esc(&e.treatment),
            fmt_num(show(e.estimate)),
            fmt_num(show(e.ci_lower)),
            fmt_num(show(e.ci_upper))
        );
    }
    let axis_label = if ratio {
        format!("{} vs {} (log scale)", measure.description(), fit.reference)
    } else {
        format!("{} vs {}", measure.description(), fit.reference)
    };
    x_axis(&mut out, &ax, yb + 4.0, ratio, &axis_label);
    let treat = "Favours treatment";
    let refr = format!("Favours {}", fit.reference);
    let (left, right) = if fit.small_values_good {
        (treat.to_string(), refr)
    } else {
        (refr, treat.to_string())
    };
    let fy = yb + 60.0;
    frame.favours(&mut out, fy, &left, &right);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555555\">{}; τ² = {:.4}, I² = {:.0}%.</text>",
        fy + 26.0,
        if fit.small_values_good {
            "Smaller values are better"
        } else {
            "Larger values are better"
        },
        fit.tau2,
        fit.i2
    );
    out.push_str("</svg>\n");
    out
}

/// The frame the two network forest plots share (treatments here, components in
/// [`super::cnma`]): the axis, the rows' vertical extent, the CI column and the measure.
pub(super) struct Frame<'a> {
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
pub(super) fn interval_axis(intervals: impl Iterator<Item = (f64, f64)>, x0: f64, x1: f64) -> Axis {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (l, u) in intervals {
        lo = lo.min(l);
        hi = hi.max(u);
    }
    let pad = 0.05 * (hi - lo).max(1e-9);
    Axis::new(lo - pad, hi + pad, x0 + 10.0, x1 - 10.0)
}
