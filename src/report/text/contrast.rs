//! The printout of linear contrasts of the coefficients, in the style of metafor's
//! `print(anova(fit, X = …))`.

use std::fmt::Write;

use crate::model::contrast::Contrast;

/// The contrasts table: estimate, SE, z or t (with df), p-value and CI.
pub fn contrast_table(contrasts: &[Contrast]) -> String {
    let w = contrasts
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let stat = if contrasts.iter().any(|c| c.df.is_some()) {
        "tval"
    } else {
        "zval"
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nLinear contrasts of the coefficients (metafor anova(fit, X = ...)):\n"
    );
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9}",
        "", "estimate", "se", stat, "df", "pval", "ci.lb", "ci.ub"
    );
    for c in contrasts {
        let df = c.df.map_or("-".to_string(), |d| format!("{d:.0}"));
        let _ = writeln!(
            out,
            "{:<w$} {:>9.4} {:>9.4} {:>9.4} {:>7} {:>9.4} {:>9.4} {:>9.4}",
            c.label, c.estimate, c.se, c.statistic, df, c.p, c.ci_lower, c.ci_upper
        );
    }
    out
}
