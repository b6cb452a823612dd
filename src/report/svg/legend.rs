//! Legends laid out in rows that wrap to the room given, so that no entry is cut off.

use std::fmt::Write as _;

use super::{esc, style, text_width};

/// What an entry's key shows.
#[derive(Debug, Clone)]
pub enum Key {
    /// A filled square with a thin border (a shaded region).
    Swatch(String),
    /// A line, solid or dashed (`stroke-dasharray`).
    Line {
        /// Stroke colour.
        colour: String,
        /// Dash pattern, if any.
        dash: Option<String>,
    },
    /// A filled dot.
    Dot(String),
    /// A hollow dot.
    Hollow(String),
    /// A cross (a mean).
    Cross(String),
}

/// Entries laid out left to right, wrapping to a new row when the next one would pass `room`.
#[derive(Debug, Clone)]
pub struct Legend {
    room: f64,
    entries: Vec<(Key, String)>,
}

/// Height of one legend row (px).
const ROW: f64 = 18.0;
/// Width of a key plus the gap before its text (px).
const KEY: f64 = 26.0;
/// Gap between entries (px).
const GAP: f64 = 16.0;

impl Legend {
    /// An empty legend that may use `room` px of width.
    pub fn new(room: f64) -> Self {
        Legend {
            room,
            entries: Vec::new(),
        }
    }

    /// Adds an entry.
    pub fn push(&mut self, key: Key, label: &str) {
        self.entries.push((key, label.to_string()));
    }

    fn width(label: &str) -> f64 {
        KEY + text_width(label, style::SIZE)
    }

    /// Rows: the entries' indices and x offsets.
    fn rows(&self) -> Vec<Vec<(usize, f64)>> {
        let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
        let mut x = 0.0;
        for (i, (_, label)) in self.entries.iter().enumerate() {
            let w = Self::width(label);
            if rows.is_empty() || (x > 0.0 && x + w > self.room) {
                rows.push(Vec::new());
                x = 0.0;
            }
            if let Some(r) = rows.last_mut() {
                r.push((i, x));
            }
            x += w + GAP;
        }
        rows
    }

    /// Height the legend needs (px).
    pub fn height(&self) -> f64 {
        self.rows().len() as f64 * ROW
    }

    /// Widest row (px).
    pub fn width_used(&self) -> f64 {
        self.rows()
            .iter()
            .filter_map(|r| r.last())
            .map(|&(i, x)| x + Self::width(&self.entries[i].1))
            .fold(0.0, f64::max)
    }

    /// Draws the legend with its first row's baseline at `(x, y)`.
    pub fn draw(&self, out: &mut String, x: f64, y: f64) {
        let _ = writeln!(out, "<g class=\"legend\">");
        for (r, row) in self.rows().iter().enumerate() {
            let by = y + r as f64 * ROW;
            for &(i, dx) in row {
                let (key, label) = &self.entries[i];
                let kx = x + dx;
                let my = by - 4.0;
                let _ = match key {
                    Key::Swatch(c) => writeln!(
                        out,
                        "<rect class=\"swatch\" x=\"{kx:.1}\" y=\"{:.1}\" width=\"18\" height=\"12\" fill=\"{c}\" stroke=\"{}\"/>",
                        by - 10.0,
                        style::INK
                    ),
                    Key::Line { colour, dash } => writeln!(
                        out,
                        "<line x1=\"{kx:.1}\" y1=\"{my:.1}\" x2=\"{:.1}\" y2=\"{my:.1}\" stroke=\"{colour}\" stroke-width=\"2\"{}/>",
                        kx + 20.0,
                        dash.as_ref()
                            .map(|d| format!(" stroke-dasharray=\"{d}\""))
                            .unwrap_or_default()
                    ),
                    Key::Dot(c) => writeln!(
                        out,
                        "<circle cx=\"{:.1}\" cy=\"{my:.1}\" r=\"5\" fill=\"{c}\"/>",
                        kx + 9.0
                    ),
                    Key::Cross(c) => writeln!(
                        out,
                        "<path d=\"M{:.1},{my:.1}h14M{:.1},{:.1}v14\" stroke=\"{c}\" stroke-width=\"2.5\"/>",
                        kx + 2.0,
                        kx + 9.0,
                        my - 7.0
                    ),
                    Key::Hollow(c) => writeln!(
                        out,
                        "<circle cx=\"{:.1}\" cy=\"{my:.1}\" r=\"4.5\" fill=\"white\" stroke=\"{c}\" stroke-width=\"1.5\"/>",
                        kx + 9.0
                    ),
                };
                let _ = writeln!(
                    out,
                    "<text class=\"legend-label\" x=\"{:.1}\" y=\"{by:.1}\">{}</text>",
                    kx + KEY,
                    esc(label)
                );
            }
        }
        let _ = writeln!(out, "</g>");
    }
}
