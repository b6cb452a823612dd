//! Axes shared by every plot: the value-to-pixel map, one tick algorithm (nice 1-2-5 × 10ᵏ
//! steps on linear axes, 1-2-5 decades on log axes), thinned until no two tick labels overlap,
//! and the text-width estimate used to decide it.
//!
//! # Examples
//!
//! ```
//! use peerstat::report::svg::{Axis, text_width};
//! // a short axis: ticks are thinned until their labels fit side by side
//! let ax = Axis::new(0.0, 1.0, 0.0, 60.0);
//! let t = ax.labelled_ticks(false);
//! for w in t.windows(2) {
//!     let gap = (ax.px(w[1].0) - ax.px(w[0].0)).abs();
//!     assert!(gap >= (text_width(&w[0].1, 12.0) + text_width(&w[1].1, 12.0)) / 2.0);
//! }
//! ```

use std::fmt::Write as _;

use super::{esc, style};

/// Space kept between two tick labels (px).
const LABEL_GAP: f64 = 6.0;

/// Estimated width (px) of `s` set at `size` px in the plots' font (DejaVu Sans metrics, which
/// the PNG and PDF renderers embed; browsers' Helvetica/Arial are narrower, so the estimate errs
/// wide).
pub fn text_width(s: &str, size: f64) -> f64 {
    let em: f64 = super::cut_label(s)
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.64,
            '.' | ',' | ':' | ';' | ' ' | '\'' | '|' | '!' => 0.32,
            'i' | 'l' | 'j' | 'I' => 0.28,
            'f' | 't' | 'r' => 0.4,
            '-' | '(' | ')' | '[' | ']' => 0.39,
            'm' | 'w' => 0.98,
            'M' | 'W' => 1.0,
            'A'..='Z' => 0.72,
            'a'..='z' => 0.62,
            '−' | '–' | '—' | '×' | '≥' | '≤' | '£' | '€' => 0.84,
            _ => 0.7,
        })
        .sum();
    em * size
}

/// Maps data values to pixels on a linear axis (a ratio axis is linear in the log of the ratio).
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) px0: f64,
    pub(crate) px1: f64,
}

impl Axis {
    /// An axis showing data `lo..hi` over pixels `px0..px1` (`px0 > px1` for a y axis whose
    /// values grow upwards).
    pub fn new(lo: f64, hi: f64, px0: f64, px1: f64) -> Self {
        let (lo, hi) = if hi > lo && (hi - lo).is_finite() {
            (lo, hi)
        } else if lo.is_finite() {
            (lo - 1.0, lo + 1.0)
        } else {
            (-1.0, 1.0)
        };
        Axis { lo, hi, px0, px1 }
    }

    /// The data range `(lo, hi)`.
    pub fn range(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The pixel range `(px0, px1)`.
    pub fn pixels(&self) -> (f64, f64) {
        (self.px0, self.px1)
    }

    /// Pixel position of a value (clamped just outside the axis).
    pub fn px(&self, x: f64) -> f64 {
        let t = ((x - self.lo) / (self.hi - self.lo)).clamp(-0.02, 1.02);
        self.px0 + t * (self.px1 - self.px0)
    }

    /// Pixel position of a value, not clamped (for lines that a clip path cuts).
    pub fn px_free(&self, x: f64) -> f64 {
        self.px0 + (x - self.lo) / (self.hi - self.lo) * (self.px1 - self.px0)
    }

    /// Tick positions: nice values (1, 2, 5 × 10ᵏ) inside the range, thinned so that labels
    /// set horizontally do not overlap.
    pub fn ticks(&self) -> Vec<f64> {
        self.labelled_ticks(false)
            .into_iter()
            .map(|t| t.0)
            .collect()
    }

    /// Ticks with their labels on a linear axis; `vertical` thins for labels stacked one above
    /// the other (a y axis) instead of side by side.
    pub fn labelled_ticks(&self, vertical: bool) -> Vec<(f64, String)> {
        let len = (self.px1 - self.px0).abs();
        let span = self.hi - self.lo;
        // finest step: about one tick per 25 px, at most 12
        let target = (len / 25.0).clamp(2.0, 12.0);
        let mut step = nice_step(span / target);
        let mut prev = linear_ticks(self.lo, self.hi, step);
        for _ in 0..12 {
            let t = linear_ticks(self.lo, self.hi, step);
            if t.len() < 2 {
                // a coarser step leaves one tick: keep every k-th of the last set instead
                return thin_every(self, prev, vertical);
            }
            if fits(self, &t, vertical) {
                return t;
            }
            prev = t;
            step = next_step(step);
        }
        prev
    }

    /// Ticks of a ratio axis (the axis holds log ratios): 1-2-5 per decade, thinned to 1-5,
    /// 1 per decade, or every other decade until the labels fit; on a span shorter than that,
    /// nice linear steps of the ratio. Positions are log ratios, labels are ratios.
    pub fn ratio_ticks(&self) -> Vec<(f64, String)> {
        let (elo, ehi) = (self.lo.exp(), self.hi.exp());
        let levels: [&[f64]; 3] = [&[1.0, 2.0, 5.0], &[1.0, 5.0], &[1.0]];
        let k0 = elo.log10().floor() as i32 - 1;
        let k1 = ehi.log10().ceil() as i32 + 1;
        let mut out = Vec::new();
        for (li, mant) in levels.iter().enumerate() {
            let mut t = Vec::new();
            for k in k0..=k1 {
                for &m in *mant {
                    let v = m * 10f64.powi(k);
                    if v >= elo * (1.0 - 1e-9) && v <= ehi * (1.0 + 1e-9) {
                        t.push((v.ln(), ratio_label(v)));
                    }
                }
            }
            if li == 0 && t.len() < 3 {
                // a short span: linear steps in the ratio (0.8, 0.9, 1, 1.1, …)
                return self.short_ratio_ticks(elo, ehi);
            }
            if fits(self, &t, false) {
                return t;
            }
            out = t;
        }
        // decades still collide: every other, every third … decade
        let decades = out;
        for every in 2..=6usize {
            let t: Vec<(f64, String)> = decades
                .iter()
                .filter(|(v, _)| {
                    let k = (v.exp().log10()).round() as i64;
                    k.rem_euclid(every as i64) == 0
                })
                .cloned()
                .collect();
            if fits(self, &t, false) || t.len() <= 2 {
                return t;
            }
        }
        decades
    }

    fn short_ratio_ticks(&self, elo: f64, ehi: f64) -> Vec<(f64, String)> {
        let len = (self.px1 - self.px0).abs();
        let mut step = nice_step((ehi - elo) / (len / 30.0).clamp(2.0, 10.0));
        for _ in 0..12 {
            let t: Vec<(f64, String)> = linear_ticks(elo, ehi, step)
                .into_iter()
                .filter(|(v, _)| *v > 0.0)
                .map(|(v, l)| (v.ln(), l))
                .collect();
            if t.len() <= 2 || fits(self, &t, false) {
                return t;
            }
            step = next_step(step);
        }
        Vec::new()
    }
}

/// Every k-th tick of `t` (k = 2, 3, …) until the labels fit, keeping at least two.
fn thin_every(ax: &Axis, t: Vec<(f64, String)>, vertical: bool) -> Vec<(f64, String)> {
    for k in 2..t.len().max(2) {
        let s: Vec<(f64, String)> = t.iter().step_by(k).cloned().collect();
        if s.len() < 2 {
            break;
        }
        if fits(ax, &s, vertical) {
            return s;
        }
    }
    t.into_iter().take(1).collect()
}

/// The nice step (1, 2 or 5 × 10ᵏ) at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// The next coarser nice step: 1 → 2 → 5 → 10.
fn next_step(step: f64) -> f64 {
    let mag = 10f64.powf(step.log10().floor());
    let m = (step / mag).round();
    if m < 1.5 {
        2.0 * mag
    } else if m < 3.5 {
        5.0 * mag
    } else {
        10.0 * mag
    }
}

/// Multiples of `step` in `lo..=hi`, labelled with the decimals the step needs.
fn linear_ticks(lo: f64, hi: f64, step: f64) -> Vec<(f64, String)> {
    let decimals = (-(step.log10().floor())).max(0.0) as usize;
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last < first || last - first > 1000 {
        return Vec::new();
    }
    // thousands are grouped on an axis that reaches 10 000 (all its labels alike), never on
    // one that stops short of it (years stay "1948")
    let group = (first.abs().max(last.abs()) as f64) * step >= 10_000.0;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            let v = if v.abs() < 1e-12 * step { 0.0 } else { v };
            (v, number_label(v, decimals, group))
        })
        .collect()
}

/// `v` with `decimals` decimals, thousands separated by commas if `group`, no "-0".
fn number_label(v: f64, decimals: usize, group: bool) -> String {
    let s = format!("{v:.decimals$}");
    let s = match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    };
    if !group || v.abs() < 1000.0 || decimals > 0 {
        return s;
    }
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s.as_str()),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

/// A ratio tick label: as many decimals as the value needs (0.002, 0.05, 0.5, 2, 50).
fn ratio_label(v: f64) -> String {
    let decimals = if v >= 1.0 {
        0
    } else {
        (-(v.log10().floor())) as usize
    };
    number_label(v, decimals, v >= 10_000.0)
}

/// Whether the labels of `ticks` on `ax` keep clear of each other.
fn fits(ax: &Axis, ticks: &[(f64, String)], vertical: bool) -> bool {
    ticks.windows(2).all(|w| {
        let d = (ax.px(w[1].0) - ax.px(w[0].0)).abs();
        if vertical {
            d >= style::SIZE + 2.0
        } else {
            d >= (text_width(&w[0].1, style::SIZE) + text_width(&w[1].1, style::SIZE)) / 2.0
                + LABEL_GAP
        }
    })
}

/// A tick label for a value (up to three decimals, trailing zeros dropped).
pub fn tick_label(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Tick values for a log-scale (ratio) axis spanning `ln(lo)..ln(hi)`, as ratios, thinned for
/// a 400 px axis (use [`Axis::ratio_ticks`] for the axis actually drawn).
pub fn ratio_ticks(lo: f64, hi: f64) -> Vec<f64> {
    Axis::new(lo, hi, 0.0, 400.0)
        .ratio_ticks()
        .into_iter()
        .map(|t| t.0.exp())
        .collect()
}

/// Draws an x axis with ticks at `y`; `ratio` labels ticks as exp(value).
pub fn x_axis(out: &mut String, ax: &Axis, y: f64, ratio: bool, label: &str) {
    let ticks = if ratio {
        ax.ratio_ticks()
    } else {
        ax.labelled_ticks(false)
    };
    x_axis_at(out, ax, y, &ticks, label);
}

/// Draws an x axis at `y` with the given ticks (position, label) and the axis `label` below.
pub fn x_axis_at(out: &mut String, ax: &Axis, y: f64, ticks: &[(f64, String)], label: &str) {
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/>",
        ax.px0,
        ax.px1,
        style::INK
    );
    for (v, l) in ticks {
        let x = ax.px(*v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\"/><text class=\"tick x\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y + 5.0,
            style::INK,
            y + 18.0,
            esc(l)
        );
    }
    if !label.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            (ax.px0 + ax.px1) / 2.0,
            y + 36.0,
            super::label(label)
        );
    }
}

/// Width (px) a y axis's tick labels need left of the axis line.
pub fn y_label_room(ticks: &[(f64, String)]) -> f64 {
    ticks
        .iter()
        .map(|t| text_width(&t.1, style::SIZE))
        .fold(0.0, f64::max)
}

/// Draws a y axis at `x0` for `ay` (a vertical [`Axis`]): the axis line, a tick and label at
/// each of `ticks`, and the rotated axis `label` at `label_x`.
pub fn y_axis(out: &mut String, ay: &Axis, x0: f64, ticks: &[(f64, String)], label: &str) {
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{x0}\" y1=\"{:.1}\" x2=\"{x0}\" y2=\"{:.1}\" stroke=\"{}\"/>",
        ay.px0,
        ay.px1,
        style::INK
    );
    for (v, l) in ticks {
        let y = ay.px(*v);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{x0}\" y2=\"{y:.1}\" stroke=\"{}\"/><text class=\"tick y\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 5.0,
            style::INK,
            x0 - 8.0,
            y + 4.0,
            esc(l)
        );
    }
    let lx = (x0 - 14.0 - y_label_room(ticks)).max(14.0);
    let _ = writeln!(
        out,
        "<text class=\"axis-label\" transform=\"translate({lx:.1},{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (ay.px0 + ay.px1) / 2.0,
        super::label(label)
    );
}

/// The left margin a plot needs for a y axis with these ticks (labels, gap and rotated title).
pub fn left_margin(ticks: &[(f64, String)]) -> f64 {
    (y_label_room(ticks) + 40.0).max(56.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_steps_are_nice_and_labels_fit() {
        let ax = Axis::new(0.0, 0.3, 0.0, 500.0);
        let t = ax.labelled_ticks(false);
        let labels: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(labels[..4], ["0.00", "0.05", "0.10", "0.15"]);
        // a narrow axis thins to steps of 0.1
        let ax = Axis::new(0.0, 0.3, 0.0, 90.0);
        let labels: Vec<String> = ax.labelled_ticks(false).into_iter().map(|x| x.1).collect();
        assert_eq!(labels, ["0.0", "0.1", "0.2", "0.3"]);
    }

    #[test]
    fn ratio_ticks_are_one_two_five() {
        let ax = Axis::new(0.1f64.ln(), 10f64.ln(), 0.0, 500.0);
        let labels: Vec<String> = ax.ratio_ticks().into_iter().map(|x| x.1).collect();
        assert_eq!(labels, ["0.1", "0.2", "0.5", "1", "2", "5", "10"]);
        // narrow: decades only
        let ax = Axis::new(0.001f64.ln(), 1000f64.ln(), 0.0, 160.0);
        let labels: Vec<String> = ax.ratio_ticks().into_iter().map(|x| x.1).collect();
        assert!(labels
            .iter()
            .all(|l| ["0.001", "0.1", "10", "1000", "0.01", "1", "100"].contains(&l.as_str())));
        // a short span: linear steps of the ratio
        let ax = Axis::new(0.8f64.ln(), 1.3f64.ln(), 0.0, 400.0);
        let labels: Vec<String> = ax.ratio_ticks().into_iter().map(|x| x.1).collect();
        assert!(labels.contains(&"1.0".to_string()) && labels.len() >= 3);
    }

    #[test]
    fn big_numbers_are_grouped() {
        assert_eq!(number_label(30000.0, 0, true), "30,000");
        assert_eq!(number_label(-2500.0, 0, false), "-2500");
        assert_eq!(number_label(-25000.0, 0, true), "-25,000");
        assert_eq!(number_label(-0.0001, 2, true), "0.00");
        let t = linear_ticks(0.0, 20_000.0, 5000.0);
        assert_eq!(t[1].1, "5,000");
        let t = linear_ticks(1940.0, 1980.0, 10.0);
        assert_eq!(t[0].1, "1940");
    }
}
