//! The printouts every fitted model shares (metafor's `print` of a fit's coefficients and of
//! `predict`): the coefficient table of a [`Fitted`](crate::model::Fitted) model and one line
//! with a prediction at moderator values.

use std::fmt::Write as _;

use crate::model::multilevel::Prediction;
use crate::model::regression::Coefficient;
use crate::report::fmt::{f4, fp, label, stars, width};

/// The layout of a coefficient table beyond its fixed columns (estimate, se, statistic, p-value,
/// CI bounds).
#[derive(Debug, Default)]
pub(super) struct Columns<'a> {
    /// t tests (`tval`) rather than z tests (`zval`).
    pub t: bool,
    /// A `df` column after the statistic, filled from each coefficient's df.
    pub df: bool,
    /// Rows start with the coefficient's name (a one-coefficient univariate fit prints none).
    pub names: bool,
    /// A last column before the stars: its heading and one cell per coefficient (the
    /// permutation p-values of a meta-regression).
    pub extra: Option<(&'a str, Vec<String>)>,
}

/// A metafor-style coefficient table: a heading row, then per coefficient the estimate, SE,
/// statistic, (df,) p-value, CI bounds, (extra cell) and significance stars.
pub(super) fn coefficient_table(coefficients: &[Coefficient], cols: &Columns) -> String {
    let mut out = String::new();
    let w = width(coefficients.iter().map(|c| c.name.as_str()), 7);
    let name = |n: &str| {
        if cols.names {
            format!("{:<w$} ", label(n))
        } else {
            String::new()
        }
    };
    let df_head = if cols.df {
        format!(" {:>6}", "df")
    } else {
        String::new()
    };
    let extra = |cell: Option<&str>| cell.map(|c| format!("  {c:>10}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{:>9} {:>8} {:>9}{df_head} {:>8} {:>9} {:>9}{}",
        name(""),
        "estimate",
        "se",
        if cols.t { "tval" } else { "zval" },
        "pval",
        "ci.lb",
        "ci.ub",
        extra(cols.extra.as_ref().map(|e| e.0))
    );
    for (j, c) in coefficients.iter().enumerate() {
        let df = match c.df {
            Some(d) if cols.df => format!(" {:>6}", f4g(d)),
            _ => String::new(),
        };
        let cell = cols
            .extra
            .as_ref()
            .and_then(|e| e.1.get(j))
            .map(String::as_str);
        let _ = writeln!(
            out,
            "{}{:>9} {:>8} {:>9}{df} {:>8} {:>9} {:>9}{}  {}",
            name(&c.name),
            f4(c.est.estimate),
            f4(c.est.se),
            f4(c.est.statistic),
            fp(c.est.p_value),
            f4(c.est.ci_lower),
            f4(c.est.ci_upper),
            extra(cell),
            stars(c.est.p_value)
        );
    }
    out
}

/// A degrees-of-freedom value: an integer without decimals, else four.
pub(super) fn f4g(d: f64) -> String {
    if d.fract() == 0.0 && d.abs() < 1e15 {
        format!("{d:.0}")
    } else {
        f4(d)
    }
}

/// One line with a prediction at moderator values `newmods` (metafor's `predict` printout):
/// the predicted effect, its CI and the prediction interval.
pub(super) fn prediction_line(p: &Prediction, newmods: &[f64]) -> String {
    let at: Vec<String> = newmods.iter().map(|v| v.to_string()).collect();
    let df =
        p.df.map(|d| format!(", t on {} df", f4g(d)))
            .unwrap_or_default();
    format!(
        "Prediction at moderators ({}): pred {} (se {}), CI [{}, {}], prediction interval [{}, {}]{df}",
        at.join(", "),
        f4(p.pred),
        f4(p.se),
        f4(p.ci_lower),
        f4(p.ci_upper),
        f4(p.pi_lower),
        f4(p.pi_upper)
    )
}
