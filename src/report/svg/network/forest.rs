//! The forest plot of every treatment against the reference (netmeta's `forest.netmeta`).

use std::fmt::Write as _;

use super::frame::{interval_axis, Frame};
use crate::effect::Measure;
use crate::model::network::{NetworkFit, NetworkMethod, VersusReference};
use crate::report::svg::{esc, fmt_num, header, style, x_axis};

/// The forest plot of every treatment against the reference (`random`: the random-effects
/// model, else the common-effect model), one row per treatment sorted by P-score (best first),
/// with the estimate \[CI\] and P-score columns and the direction that favours each side.
pub fn network_forest(fit: &NetworkFit, measure: Measure, random: bool, title: &str) -> String {
    let rows = sorted_rows(fit, random);
    let label_w = (rows
        .iter()
        .map(|(e, _)| {
            e.treatment
                .chars()
                .count()
                .min(crate::report::svg::MAX_LABEL)
        })
        .max()
        .unwrap_or(8) as f64
        * 7.0
        + 30.0)
        .clamp(140.0, 320.0);
    let (x0, x1) = (label_w, label_w + 340.0);
    let ci_x = x1 + 12.0;
    let ps_x = ci_x + 220.0;
    let width = ps_x + 20.0;
    let (top, row_h) = (78.0, 24.0);
    let yb = top + row_h * rows.len() as f64 + 4.0;
    let height = yb + 110.0;
    let ax = interval_axis(rows.iter().map(|(e, _)| (e.ci_lower, e.ci_upper)), x0, x1);
    let mut out = header(width, height, title);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"44\" fill=\"#555555\">{}: every treatment vs '{}', sorted by P-score</text>",
        model_name(fit, random),
        esc(&fit.reference)
    );
    let frame = Frame {
        ax: &ax,
        top,
        bottom: yb,
        ci_x,
        level: fit.level,
        measure,
    };
    frame.head(&mut out, "Treatment", ("P-score", ps_x, true));
    for (i, (e, ps)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        draw_row(&mut out, &frame, e, *ps, (y, ps_x));
    }
    footer(&mut out, &frame, fit, yb);
    out.push_str("</svg>\n");
    out
}

/// Every treatment but the reference with its P-score, best first.
fn sorted_rows(fit: &NetworkFit, random: bool) -> Vec<(&VersusReference, f64)> {
    let model = if random { &fit.random } else { &fit.common };
    let score = |t: &str| {
        fit.p_scores
            .iter()
            .find(|p| p.treatment == t)
            .map_or(f64::NAN, |p| if random { p.random } else { p.common })
    };
    let mut rows: Vec<_> = model
        .estimates
        .iter()
        .filter(|e| e.treatment != fit.reference)
        .collect();
    rows.sort_by(|a, b| score(&b.treatment).total_cmp(&score(&a.treatment)));
    rows.into_iter().map(|e| (e, score(&e.treatment))).collect()
}

/// The model's name for the subtitle.
fn model_name(fit: &NetworkFit, random: bool) -> String {
    if random {
        format!(
            "Random effects ({})",
            match fit.method {
                NetworkMethod::Dl => "DL",
                NetworkMethod::Reml => "REML",
            }
        )
    } else {
        "Common effect".to_string()
    }
}

/// One treatment's row at centre height `y`: whisker and square, label, estimate [CI] and
/// P-score (right-aligned at `ps_x`).
fn draw_row(out: &mut String, frame: &Frame, e: &VersusReference, ps: f64, (y, ps_x): (f64, f64)) {
    let (ax, ci_x) = (frame.ax, frame.ci_x);
    let ratio = frame.measure.is_log_scale();
    let show = |x: f64| if ratio { x.exp() } else { x };
    let ty = y + 4.0;
    let _ = writeln!(
        out,
        "<g class=\"row\" data-treatment=\"{}\" data-estimate=\"{}\" data-ci-lower=\"{}\" data-ci-upper=\"{}\" data-p-score=\"{ps}\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"1.5\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/></g>",
        esc(&e.treatment),
        e.estimate,
        e.ci_lower,
        e.ci_upper,
        ax.px(e.ci_lower),
        ax.px(e.ci_upper),
        style::INK,
        ax.px(e.estimate) - 5.0,
        y - 5.0,
        style::STUDY
    );
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{ty:.1}\">{}</text><text x=\"{ci_x:.1}\" y=\"{ty:.1}\">{} [{}, {}]</text><text x=\"{ps_x:.1}\" y=\"{ty:.1}\" text-anchor=\"end\">{ps:.3}</text>",
        crate::report::svg::label(&e.treatment),
        fmt_num(show(e.estimate)),
        fmt_num(show(e.ci_lower)),
        fmt_num(show(e.ci_upper))
    );
}

/// Under the rows: the axis, the favours labels and the heterogeneity line.
fn footer(out: &mut String, frame: &Frame, fit: &NetworkFit, yb: f64) {
    let measure = frame.measure;
    let ratio = measure.is_log_scale();
    let axis_label = if ratio {
        format!("{} vs {} (log scale)", measure.description(), fit.reference)
    } else {
        format!("{} vs {}", measure.description(), fit.reference)
    };
    x_axis(out, frame.ax, yb + 4.0, ratio, &axis_label);
    let treat = "Favours treatment";
    let refr = format!("Favours {}", fit.reference);
    let (left, right) = if fit.small_values_good {
        (treat.to_string(), refr)
    } else {
        (refr, treat.to_string())
    };
    let fy = yb + 60.0;
    frame.favours(out, fy, &left, &right);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555555\">{}; τ² = {:.4}, I² = {:.0}%.</text>",
        fy + 26.0,
        if fit.small_values_good {
            "Smaller values are better"
        } else {
            "Larger values are better"
        },
        fit.tau2,
        fit.i2
    );
}
