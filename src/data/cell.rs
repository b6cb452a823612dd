//! Cells in messages and numbers from text: the one number parser, the one column lookup and
//! the one way a cell's value is quoted in an error, shared by every reader and analysis.

use super::fmt_f64;

/// Longest cell value (in characters) quoted in full in a message.
pub const EXCERPT_CHARS: usize = 80;

/// `s` for quoting in a message: the first [`EXCERPT_CHARS`] characters, then `…` when it is
/// longer (a 20 MB cell must not be echoed back).
pub fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// Parses a cell as a number (surrounding spaces ignored). The error is the message every
/// command gives for a cell that is not a number: `expected a number, found 'abc'`, with a note
/// for a decimal comma.
pub(crate) fn parse_number(s: &str) -> Result<f64, String> {
    let t = s.trim();
    t.parse::<f64>().map_err(|_| {
        let comma = t.contains(',') && t.replacen(',', ".", 1).parse::<f64>().is_ok();
        format!(
            "expected a number, found '{}'{}",
            excerpt(s),
            if comma {
                " (a decimal comma? numbers are read with a decimal point)"
            } else {
                ""
            }
        )
    })
}

/// The message for a logical (true/false) column where numbers are needed.
pub(crate) const LOGICAL: &str = "expected a number, found a logical (true/false) column";

/// The message for a number that is NaN or infinite where a finite one is needed.
pub(crate) fn not_finite(x: f64) -> String {
    format!("expected a finite number, found {}", fmt_f64(x))
}

/// Where column `wanted` is among `names`: the exact name, else the one name that matches it
/// ignoring ASCII case (so a header `YI` or `Study` is found as `yi` or `study`; two such
/// names, for example `Yi` and `YI`, find neither).
pub fn find_column<S: AsRef<str>>(names: &[S], wanted: &str) -> Option<usize> {
    if let Some(i) = names.iter().position(|n| n.as_ref() == wanted) {
        return Some(i);
    }
    let mut like = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_ref().eq_ignore_ascii_case(wanted));
    match (like.next(), like.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// The first column name that appears twice in `names`, if any.
pub(crate) fn repeated<S: AsRef<str>>(names: &[S]) -> Option<&str> {
    names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].iter().any(|m| m.as_ref() == n.as_ref()))
        .map(|(_, n)| n.as_ref())
}

/// The message for a column name that appears twice in a file.
pub(crate) fn repeated_message(name: &str) -> String {
    format!("column '{}' appears twice", excerpt(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_long_values() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "é".repeat(200);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn numbers_parse_with_one_message() {
        assert_eq!(parse_number(" 1.5 "), Ok(1.5));
        assert_eq!(
            parse_number("abc"),
            Err("expected a number, found 'abc'".into())
        );
        assert!(parse_number("0,5").unwrap_err().contains("decimal comma"));
        assert_eq!(not_finite(f64::NAN), "expected a finite number, found NaN");
    }

    #[test]
    fn columns_match_ignoring_case_when_unambiguous() {
        assert_eq!(find_column(&["study", "YI"], "yi"), Some(1));
        assert_eq!(find_column(&["yi", "YI"], "YI"), Some(1));
        assert_eq!(find_column(&["Yi", "YI"], "yi"), None);
        assert_eq!(repeated(&["a", "b", "a"]), Some("a"));
        assert_eq!(repeated(&["a", "b"]), None);
    }
}
