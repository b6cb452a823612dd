//! Decimal commas: European spreadsheets write CSV with `;` between fields and `,` as the
//! decimal mark (`0,5`). A `;`-separated file whose numbers have decimal commas and none has a
//! decimal point is read with `,` as the decimal mark; the table records it
//! ([`super::Table::read_decimal_commas`]) so that commands can say so.

/// Whether `s` is a number written with a decimal comma: digits, one comma, digits (an optional
/// sign and exponent).
fn comma_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let Some((int, frac)) = mantissa.split_once(',') else {
        return false;
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && digits(frac)
        && exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// Whether `s` is a number written with a decimal point.
fn point_number(s: &str) -> bool {
    s.contains('.') && s.parse::<f64>().is_ok()
}

/// Whether the cells hold numbers with decimal commas and none with a decimal point.
pub(super) fn detect(cells: &[Vec<Option<String>>]) -> bool {
    let all = || cells.iter().flatten().flatten();
    all().any(|s| comma_number(s)) && !all().any(|s| point_number(s))
}

/// Rewrites every decimal-comma number among the cells with a decimal point (other text, such
/// as "Smith, 2010", is left as it is).
pub(super) fn convert(cells: &mut [Vec<Option<String>>]) {
    for s in cells.iter_mut().flatten().flatten() {
        if comma_number(s) {
            *s = s.replacen(',', ".", 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_commas_are_told_from_text_and_decimal_points() {
        for s in ["0,5", "-12,25", "1,5e-3", "+3,0"] {
            assert!(comma_number(s), "{s}");
        }
        for s in ["0.5", "12", "Smith, 2010", "1,2,3", ",5", "5,"] {
            assert!(!comma_number(s), "{s}");
        }
        let col = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        let mut cells = vec![col(&["0,5", "1"]), col(&["a, b", "2,25"])];
        assert!(detect(&cells));
        convert(&mut cells);
        assert_eq!(cells[0][0].as_deref(), Some("0.5"));
        assert_eq!(cells[1], col(&["a, b", "2.25"]));
        // a decimal point anywhere: not a decimal-comma file
        assert!(!detect(&[col(&["0,5", "1.5"])]));
        assert!(!detect(&[col(&["1", "2"])]));
    }
}
