//! Number and label formatting shared by the text reports.

use std::borrow::Cow;

use crate::data::fmt_f64;

/// Money as every report prints it: whole pounds with thousands separators and a true minus
/// sign (`−£108`, never `£-108`); [`thousands`] the same without the pound sign. One
/// implementation, shared with the business case's words.
///
/// ```
/// use peerstat::report::fmt::{money, thousands};
/// assert_eq!(money(-108.0), "−£108");
/// assert_eq!(money(20000.0), "£20,000");
/// assert_eq!(thousands(-1234.0), "−1,234");
/// ```
pub use crate::econ::business::{money, thousands};

/// The most characters of a label (study, strategy, subgroup level, coefficient name) a text
/// table shows; longer labels are cut by [`label`]. JSON and CSV keep the full label.
pub const LABEL_MAX: usize = 60;

/// A label as a text table shows it: unchanged up to [`LABEL_MAX`] characters, else its first
/// `LABEL_MAX - 1` characters and an ellipsis `…` (cut on a character boundary).
pub fn label(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(LABEL_MAX) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let cut = s
                .char_indices()
                .nth(LABEL_MAX - 1)
                .map_or(s.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &s[..cut]))
        }
    }
}

/// A number for CSV output: shortest round-trip form, empty when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        fmt_f64(x)
    } else {
        String::new()
    }
}

/// Column width for labels: the longest label in characters as [`label`] shows it (so at most
/// [`LABEL_MAX`]), at least `min`.
pub fn width<'a>(labels: impl Iterator<Item = &'a str>, min: usize) -> usize {
    labels
        .map(|l| l.chars().take(LABEL_MAX).count())
        .max()
        .unwrap_or(min)
        .max(min)
}

/// Formats with 4 decimals, or `NA`.
pub fn f4(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "NA".into()
    }
}

/// Formats a p-value as metafor does (`<.0001` below 1e-4).
pub fn fp(p: f64) -> String {
    if !p.is_finite() {
        "NA".into()
    } else if p < 1e-4 {
        "<.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// Significance stars as R prints them (`***` < 0.001, `**` < 0.01, `*` < 0.05, `.` < 0.1).
pub fn stars(p: f64) -> &'static str {
    match p {
        p if p < 0.001 => "***",
        p if p < 0.01 => "**",
        p if p < 0.05 => "*",
        p if p < 0.1 => ".",
        _ => "",
    }
}

/// A p-value as `= 0.0123` or `< .0001`.
pub fn pv(p: f64) -> String {
    match fp(p).as_str() {
        "<.0001" => "< .0001".to_string(),
        s => format!("= {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_on_character_boundaries() {
        assert_eq!(label("short"), "short");
        let exact = "é".repeat(LABEL_MAX);
        assert_eq!(label(&exact), exact);
        let long = "é".repeat(70_000);
        let cut = label(&long);
        assert_eq!(cut.chars().count(), LABEL_MAX);
        assert!(cut.ends_with('…'));
        assert_eq!(width([long.as_str(), "a"].into_iter(), 5), LABEL_MAX);
    }
}
