//! Colour themes: every plot is drawn in the light theme and recoloured afterwards, so one
//! drawing serves all three.
//!
//! - [`Theme::Light`]: as drawn (dark ink on white).
//! - [`Theme::Dark`]: light ink on a near-black background; greys are inverted and colours
//!   lightened so that they keep their contrast.
//! - [`Theme::Print`]: greyscale-safe; the series palette becomes greys that differ in
//!   lightness by at least 10 % (black, 33 %, 55 %, 20 %, 70 %, 45 %; the study colour is the
//!   palette's first, so black, and the pooled colour its second), any other colour its
//!   luminance grey.
//!
//! # Examples
//!
//! ```
//! use peerstat::report::svg::{recolour, Theme};
//! let s = r##"<rect fill="white"/><circle fill="#1f4e79"/>"##;
//! assert_eq!(recolour(s, Theme::Light), s);
//! assert_eq!(recolour(s, Theme::Print), r##"<rect fill="#ffffff"/><circle fill="#000000"/>"##);
//! assert!(recolour(s, Theme::Dark).starts_with(r##"<rect fill="#1a1a1a"/>"##));
//! ```

use serde::{Deserialize, Serialize};

use super::style;

/// A colour theme for plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark ink on white (the plots as drawn).
    #[default]
    Light,
    /// Light ink on a near-black background.
    Dark,
    /// Greyscale-safe: series told apart by lightness alone.
    Print,
}

/// Greys that series take in the print theme, in palette order.
const PRINT_PALETTE: [u8; 6] = [0x00, 0x55, 0x8c, 0x33, 0xb3, 0x73];

/// Recolours an SVG drawn in the light theme: every `#rgb`/`#rrggbb` colour and the keywords
/// `white` and `black` in attribute values.
pub fn recolour(svg: &str, theme: Theme) -> String {
    if theme == Theme::Light {
        return svg.to_string();
    }
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(['#', '"']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix('"') {
            // a keyword colour as a whole attribute value
            let word = ["white\"", "black\""]
                .into_iter()
                .find(|w| after.starts_with(w));
            match word {
                Some(w) => {
                    let rgb = if w.starts_with('w') {
                        (255, 255, 255)
                    } else {
                        (0, 0, 0)
                    };
                    out.push('"');
                    out.push_str(&hex(map(rgb, theme)));
                    out.push('"');
                    rest = &after[w.len()..];
                }
                None => {
                    out.push('"');
                    rest = after;
                }
            }
            continue;
        }
        let digits = rest[1..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        match parse(&rest[1..1 + digits]) {
            Some(rgb) if digits == 3 || digits == 6 => {
                out.push_str(&hex(map(rgb, theme)));
                rest = &rest[1 + digits..];
            }
            _ => {
                out.push('#');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn parse(h: &str) -> Option<(u8, u8, u8)> {
    let v = |s: &str| u8::from_str_radix(s, 16).ok();
    match h.len() {
        3 => {
            let d: Vec<u8> = h
                .chars()
                .map(|c| c.to_digit(16).map(|x| (x * 17) as u8))
                .collect::<Option<_>>()?;
            Some((d[0], d[1], d[2]))
        }
        6 => Some((v(&h[0..2])?, v(&h[2..4])?, v(&h[4..6])?)),
        _ => None,
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    (0.2126 * r as f64 + 0.7152 * g as f64 + 0.0722 * b as f64) / 255.0
}

fn map(rgb: (u8, u8, u8), theme: Theme) -> (u8, u8, u8) {
    match theme {
        Theme::Light => rgb,
        Theme::Print => {
            let h = hex(rgb);
            if let Some(k) = style::PALETTE.iter().position(|p| *p == h) {
                let g = PRINT_PALETTE[k];
                return (g, g, g);
            }
            if h == style::STUDY || h == style::POOLED {
                return (0, 0, 0);
            }
            let g = (luminance(rgb) * 255.0).round() as u8;
            (g, g, g)
        }
        Theme::Dark => {
            let (r, g, b) = rgb;
            let spread = r.max(g).max(b) - r.min(g).min(b);
            if spread < 24 {
                // grey: invert lightness onto 0x1a..0xf0
                let l = luminance(rgb);
                let v = (0x1a as f64 + (1.0 - l) * (0xf0 - 0x1a) as f64).round() as u8;
                (v, v, v)
            } else {
                // a colour: mix 45 % with white so it reads on a dark ground
                let up = |c: u8| (c as f64 + (255.0 - c as f64) * 0.45).round() as u8;
                (up(r), up(g), up(b))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_palette_is_distinct_in_grey() {
        let greys: Vec<u8> = style::PALETTE
            .iter()
            .map(|p| map(parse(&p[1..]).unwrap_or((9, 9, 9)), Theme::Print).0)
            .collect();
        for i in 0..greys.len() {
            for j in 0..i {
                assert!(greys[i].abs_diff(greys[j]) >= 0x19, "{greys:?}");
            }
        }
    }

    #[test]
    fn ids_and_text_are_left_alone() {
        let s = "<g clip-path=\"url(#box)\"><text>#1 white</text></g>";
        assert_eq!(recolour(s, Theme::Dark), s);
    }
}
