//! Number formatting shared by the text reports.

use crate::data::fmt_f64;

/// A number for CSV output: shortest round-trip form, empty when undefined.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        fmt_f64(x)
    } else {
        String::new()
    }
}

/// Column width for labels: the longest label in characters, at least `min`.
pub fn width<'a>(labels: impl Iterator<Item = &'a str>, min: usize) -> usize {
    labels
        .map(|l| l.chars().count())
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
