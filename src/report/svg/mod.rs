//! SVG plots: forest, funnel and bubble plots, hand-written so that they need no fonts or
//! libraries at run time (text is rendered by the viewer) and share one look.
//!
//! Every plot element carries a class (`study`, `pooled`, `subgroup`, `pi`, `filled`, …) and
//! the numbers it shows as `data-*` attributes, so tests (and scripts) can check what is drawn.
//!
//! # Examples
//!
//! ```
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::RandomEffects;
//! use peerstat::report::svg;
//! let es = EffectSizes::from_slices(Measure::Gen, &[0.1, 0.4, 0.3], &[0.02, 0.03, 0.05]).unwrap();
//! let fit = RandomEffects::new().fit(&es).unwrap();
//! let s = svg::forest(&fit, None, "Demo");
//! assert_eq!(s.matches("class=\"study\"").count(), 3);
//! ```

mod bubble;
mod ceac;
mod cnma;
mod forest;
mod funnel;
mod league;
mod network;
mod plane;
mod rob;

pub use bubble::{bubble, Bubble};
pub use ceac::ceac;
pub use cnma::component_forest;
pub use forest::{
    forest, forest_plot, forest_with_rob, Better, ForestColumn, ForestOptions, ForestSort, SortKey,
};
pub use funnel::funnel;
pub use league::network_league;
pub use network::{network_forest, network_graph};
pub use plane::plane;
pub use rob::{
    rob_class, rob_colour, rob_symbol, summary as rob_summary, symbol_key as rob_symbol_key,
    traffic_light,
};

use std::fmt::Write as _;

/// Colours and sizes shared by every plot.
pub mod style {
    /// Font stack (generic fallback: no font files are needed).
    pub const FONT: &str = "Helvetica, Arial, sans-serif";
    /// Ink for text and axes.
    pub const INK: &str = "#222222";
    /// Study markers.
    pub const STUDY: &str = "#1f4e79";
    /// Pooled estimates.
    pub const POOLED: &str = "#b03a2e";
    /// Light grid and reference lines.
    pub const GRID: &str = "#bbbbbb";
    /// Font size (px).
    pub const SIZE: f64 = 12.0;
    /// Series colours (CE planes, acceptability curves).
    pub const PALETTE: [&str; 6] = [
        "#1f4e79", "#b03a2e", "#2e7d32", "#8e44ad", "#d68910", "#555555",
    ];
}

/// Escapes text for SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(w: f64, h: f64, title: &str) -> String {
    let t = esc(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{}\" font-size=\"{}\" fill=\"{}\">\n<title>{t}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        style::FONT,
        style::SIZE,
        style::INK,
    )
}

/// Maps data values to pixels on a linear or log axis.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    lo: f64,
    hi: f64,
    px0: f64,
    px1: f64,
}

impl Axis {
    /// An axis showing data `lo..hi` over pixels `px0..px1`.
    pub fn new(lo: f64, hi: f64, px0: f64, px1: f64) -> Self {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, hi + 1.0)
        };
        Axis { lo, hi, px0, px1 }
    }

    /// Pixel position of a value (clamped to the axis).
    pub fn px(&self, x: f64) -> f64 {
        let t = ((x - self.lo) / (self.hi - self.lo)).clamp(-0.02, 1.02);
        self.px0 + t * (self.px1 - self.px0)
    }

    /// Tick positions: "nice" values (1, 2, 5 × 10ⁿ) inside the range.
    pub fn ticks(&self) -> Vec<f64> {
        let span = self.hi - self.lo;
        let raw = span / 6.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| span / s <= 7.0)
            .unwrap_or(10.0 * mag);
        let mut t = (self.lo / step).ceil() * step;
        let mut out = Vec::new();
        while t <= self.hi + 1e-9 * step {
            out.push(if t.abs() < 1e-12 * step { 0.0 } else { t });
            t += step;
        }
        out
    }
}

/// Tick values for a log-scale (ratio) axis spanning `ln(lo)..ln(hi)`, as ratios.
fn ratio_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let cands: [f64; 21] = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0,
        50.0, 100.0, 200.0, 500.0, 1000.0,
    ];
    let inside: Vec<f64> = cands
        .iter()
        .copied()
        .filter(|c| c.ln() >= lo && c.ln() <= hi)
        .collect();
    if inside.len() <= 7 {
        inside
    } else {
        inside
            .into_iter()
            .filter(|c| [0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0, 0.001, 1000.0].contains(c))
            .collect()
    }
}

fn fmt_num(x: f64) -> String {
    let s = fmt_magnitude(x);
    // a value that rounds to zero is shown without a sign ("0.00", not "-0.00")
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

fn fmt_magnitude(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn tick_label(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Draws an x axis with ticks at `y`; `ratio` labels ticks as exp(value).
fn x_axis(out: &mut String, ax: &Axis, y: f64, ratio: bool, label: &str) {
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/>",
        ax.px0,
        ax.px1,
        style::INK
    );
    let ticks: Vec<(f64, String)> = if ratio {
        ratio_ticks(ax.lo, ax.hi)
            .into_iter()
            .map(|r| (r.ln(), tick_label(r)))
            .collect()
    } else {
        ax.ticks().into_iter().map(|t| (t, tick_label(t))).collect()
    };
    for (v, l) in ticks {
        let x = ax.px(v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y + 5.0,
            style::INK,
            y + 18.0,
            esc(&l)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (ax.px0 + ax.px1) / 2.0,
        y + 36.0,
        esc(label)
    );
}

/// Draws a y axis at `x0` from `y0` to `y1`: the axis line, a tick and label at each of `ticks`
/// (placed by `py`), and the rotated axis `label`.
fn y_axis(
    out: &mut String,
    x0: f64,
    y0: f64,
    y1: f64,
    ticks: &[f64],
    py: impl Fn(f64) -> f64,
    label: &str,
) {
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{}\"/>",
        style::INK
    );
    for &t in ticks {
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{1:.1}\" x2=\"{x0}\" y2=\"{1:.1}\" stroke=\"{2}\"/><text x=\"{3:.1}\" y=\"{4:.1}\" text-anchor=\"end\">{5}</text>",
            x0 - 5.0,
            py(t),
            style::INK,
            x0 - 8.0,
            py(t) + 4.0,
            tick_label(t)
        );
    }
    let _ = writeln!(
        out,
        "<text transform=\"translate(18,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (y0 + y1) / 2.0,
        esc(label)
    );
}
