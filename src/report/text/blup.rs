//! The printout of predicted true effects and random effects, in the style of metafor's
//! `print(blup(fit))` and `print(ranef(fit))`.

use std::fmt::Write;

use crate::model::blup::{Blup, RanefLevel};

/// One table: a label column, then `pred`, `se`, `pi.lb`, `pi.ub` with 4 decimals.
fn rows<'a>(title: &str, items: impl Iterator<Item = (&'a str, [f64; 4])> + Clone) -> String {
    let w = items
        .clone()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = String::new();
    let _ = writeln!(out, "\n{title}\n");
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>9} {:>9} {:>9}",
        "", "pred", "se", "pi.lb", "pi.ub"
    );
    for (label, v) in items {
        let _ = writeln!(
            out,
            "{label:<w$} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
            v[0], v[1], v[2], v[3]
        );
    }
    out
}

/// The predicted true effects (metafor `blup()`).
pub fn blup_table(blup: &[Blup]) -> String {
    rows(
        "Predicted true effects (BLUPs; metafor blup()):",
        blup.iter()
            .map(|b| (b.study.as_str(), [b.pred, b.se, b.pi_lower, b.pi_upper])),
    )
}

/// The predicted random effects of each term (metafor `ranef()`), titled by the term names
/// `terms` (one per list; missing names print as the term's position).
pub fn ranef_table(ranef: &[Vec<RanefLevel>], terms: &[String]) -> String {
    let mut out = String::new();
    for (i, levels) in ranef.iter().enumerate() {
        let name = terms
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("term {}", i + 1));
        out.push_str(&rows(
            &format!("Predicted random effects of {name} (metafor ranef()):"),
            levels
                .iter()
                .map(|r| (r.level.as_str(), [r.pred, r.se, r.pi_lower, r.pi_upper])),
        ));
    }
    out
}
