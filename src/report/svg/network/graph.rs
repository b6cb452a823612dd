//! The network graph (netmeta's `netgraph`): treatments on a circle, edges by the studies
//! comparing them, multi-arm studies shaded.

use std::f64::consts::PI;
use std::fmt::Write as _;

use crate::model::network::Evidence;
use crate::report::svg::{esc, header, style};

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
    let g = layout(ev);
    let mut out = header(g.w, g.h, title);
    draw_multi_arm(&mut out, ev, &g.pos);
    draw_edges(&mut out, ev, &g.pos);
    draw_nodes(&mut out, ev, &g);
    draw_key(&mut out, ev, g.by, g.h);
    out.push_str("</svg>\n");
    out
}

/// Where the graph goes: the canvas, the circle and each treatment's place and node radius.
struct Graph {
    w: f64,
    h: f64,
    cx: f64,
    cy: f64,
    /// The circle's radius.
    r: f64,
    /// Each treatment's (x, y, angle) on the circle.
    pos: Vec<(f64, f64, f64)>,
    /// Each treatment's node radius.
    node_r: Vec<f64>,
    /// What the node area is in proportion to ("participants" or "studies").
    by: &'static str,
}

/// The layout: a circle with room for the longest label outside it, nodes sized by
/// participants (or studies).
fn layout(ev: &Evidence) -> Graph {
    let n = ev.treatments.len();
    let longest = ev
        .treatments
        .iter()
        .map(|t| t.chars().count().min(crate::report::svg::MAX_LABEL))
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
    let node_r = (0..n)
        .map(|i| (20.0 * (sizes[i] / max_size).sqrt()).max(4.0))
        .collect();
    let pos: Vec<(f64, f64, f64)> = (0..n).map(|i| on_circle(i, n, cx, cy, r)).collect();
    Graph {
        w,
        h,
        cx,
        cy,
        r,
        pos,
        node_r,
        by,
    }
}

/// Multi-arm studies as lightly shaded polygons over their arms.
fn draw_multi_arm(out: &mut String, ev: &Evidence, pos: &[(f64, f64, f64)]) {
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
}

/// The edges, width by the studies comparing the pair, then their study counts over every edge
/// line.
fn draw_edges(out: &mut String, ev: &Evidence, pos: &[(f64, f64, f64)]) {
    let max_k = ev.edges.iter().map(|e| e.studies).max().unwrap_or(1).max(1) as f64;
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
}

/// The nodes, area by participants (or studies), and their labels outside the circle.
fn draw_nodes(out: &mut String, ev: &Evidence, g: &Graph) {
    for (i, t) in ev.treatments.iter().enumerate() {
        let (x, y, ang) = g.pos[i];
        let nr = g.node_r[i];
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
        let lr = g.r + nr + 8.0;
        let (lx, ly) = (g.cx + lr * ang.cos(), g.cy + lr * ang.sin());
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
            crate::report::svg::label(t)
        );
    }
}

/// The key under the graph: what node area and edge width mean, and the multi-arm studies.
fn draw_key(out: &mut String, ev: &Evidence, by: &str, h: f64) {
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
}
