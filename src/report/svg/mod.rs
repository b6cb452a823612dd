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

mod axis;
mod bubble;
mod business;
mod cea;
mod ceac;
mod cnma;
mod forest;
mod funnel;
mod league;
mod legend;
mod network;
mod plane;
mod regplot;
mod rob;
mod theme;

pub use axis::{
    left_margin, ratio_ticks, text_width, tick_label, x_axis, x_axis_at, y_axis, y_label_room, Axis,
};
pub use bubble::{bubble, Bubble};
pub use business::{business_cashflow, business_ceac, business_tornado};
pub use cea::{acceptability_grid, cea_acceptability, cea_plane};
pub use ceac::ceac;
pub(crate) use ceac::ceac_with_axis;
pub use cnma::component_forest;
pub use forest::{
    bayes_forest, forest, forest_plot, forest_with_rob, Better, ForestColumn, ForestLayout,
    ForestOptions, ForestSort, SortKey, MAX_FOREST_ROWS,
};
pub use funnel::funnel;
pub use league::network_league;
pub use legend::{Key, Legend};
pub use network::{network_forest, network_graph};
pub use plane::plane;
pub use regplot::regression_bubble;
pub use rob::{
    rob_class, rob_colour, rob_symbol, summary as rob_summary, symbol_key as rob_symbol_key,
    traffic_light,
};

// funnel, bubble, plane and CEAC options; axes, legends and themes shared by every plot
pub use bubble::{bubble_levels, point_radii, Band, LevelBubble, LevelEstimate};
pub use funnel::{bias_funnel, funnel_plot, FunnelPlot, FunnelY, SHADES as FUNNEL_SHADES};
pub use plane::{ce_plane, PlaneSeries};
pub use theme::{recolour, Theme};

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
    /// Dash patterns of series lines, in palette order (solid first), so that series differ
    /// without colour too.
    pub const DASHES: [&str; 6] = ["none", "8,4", "2,3", "10,3,2,3", "4,4", "12,4"];
    /// Series colours (CE planes, acceptability curves).
    pub const PALETTE: [&str; 6] = [
        "#1f4e79", "#b03a2e", "#2e7d32", "#8e44ad", "#d68910", "#555555",
    ];
}

/// The longest label drawn in full (characters): a study, treatment or component name or an axis
/// title longer than this is drawn cut with an ellipsis, its full text kept in a `<title>`
/// (a tooltip in browsers), so that no name can make a plot unboundedly wide.
pub const MAX_LABEL: usize = 120;

/// A label as the content of a `<text>` element, escaped: as it is up to [`MAX_LABEL`]
/// characters, else its first `MAX_LABEL - 1` characters and `…`, followed by a `<title>` with
/// the full text.
///
/// # Examples
///
/// ```
/// use peerstat::report::svg::{label, MAX_LABEL};
/// assert_eq!(label("A & B"), "A &amp; B");
/// let long = "x".repeat(MAX_LABEL + 1);
/// assert_eq!(label(&long), format!("{}…<title>{long}</title>", "x".repeat(MAX_LABEL - 1)));
/// ```
pub fn label(s: &str) -> String {
    match s.char_indices().nth(MAX_LABEL) {
        None => esc(s),
        Some(_) => {
            let cut: String = s.chars().take(MAX_LABEL - 1).collect();
            format!("{}…<title>{}</title>", esc(&cut), esc(s))
        }
    }
}

/// Escapes text for SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(w: f64, h: f64, title: &str) -> String {
    let (size, shown) = fit_text(title, w - 20.0, 15.0, 1.1);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{}\" font-size=\"{}\" fill=\"{}\">\n<title>{}</title>\n<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text class=\"title\" x=\"10\" y=\"22\" font-size=\"{size:.1}\" font-weight=\"bold\">{}</text>\n",
        style::FONT,
        style::SIZE,
        style::INK,
        esc(title),
        esc(&shown),
    )
}

/// Text that fits `room` px: set at `size` (× `bold` for a bold face) if it fits, else at a
/// smaller size down to 10 px, else cut with an ellipsis. Returns the size and the text.
fn fit_text(text: &str, room: f64, size: f64, bold: f64) -> (f64, String) {
    let text = &cut_label(text);
    let wid = |s: &str, z: f64| text_width(s, z) * bold;
    let full = wid(text, size);
    if full <= room {
        return (size, text.to_string());
    }
    let smaller = (size * room / full).max(10.0);
    if wid(text, smaller) <= room {
        return (smaller, text.to_string());
    }
    let mut cut: String = text.to_string();
    while !cut.is_empty() && wid(&format!("{cut}…"), smaller) > room {
        cut.pop();
    }
    (smaller, format!("{}…", cut.trim_end()))
}

/// `text` as [`label`] draws it (without the `<title>`), unescaped.
fn cut_label(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_LABEL) {
        None => text.into(),
        Some(_) => format!("{}…", text.chars().take(MAX_LABEL - 1).collect::<String>()).into(),
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
