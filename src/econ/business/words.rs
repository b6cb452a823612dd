//! Amounts in words a commissioner reads: pounds with thousands separators and a true minus
//! sign ("−£108", never "£-108").

/// Pounds rounded to whole pounds: `£12,345`, `−£108`.
///
/// ```
/// use peerstat::econ::business::money;
/// assert_eq!(money(-108.4), "−£108");
/// assert_eq!(money(1234567.0), "£1,234,567");
/// assert_eq!(peerstat::econ::business::thousands(-1383.2), "−1,383");
/// ```
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "undefined".into();
    }
    let r = x.round();
    let sign = if r < 0.0 { "−" } else { "" };
    format!("{sign}£{}", thousands(r.abs()))
}

/// A whole number with thousands separators and a true minus sign (`−1,234`).
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "undefined".into();
    }
    if x.round() < 0.0 {
        return format!("−{}", thousands(-x));
    }
    let digits = format!("{:.0}", x.round().abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A probability as a whole percentage ("<1%" and ">99%" at the ends).
pub fn percent(p: f64) -> String {
    if !p.is_finite() {
        "undefined".into()
    } else if p > 0.0 && p < 0.005 {
        "<1%".into()
    } else if p < 1.0 && p > 0.995 {
        ">99%".into()
    } else {
        format!("{:.0}%", p * 100.0)
    }
}
