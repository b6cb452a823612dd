//! SVG plots: forest, funnel and bubble plots, hand-written so that they need no fonts or
//! libraries at run time (text is rendered by the viewer) and share one look.
//!
//! Every plot element carries a class (`study`, `pooled`, `subgroup`, `pi`, `filled`, …) and
//! the numbers it shows as `data-*` attributes, so tests (and scripts) can check what is drawn.
//!
//! # Examples
//!
//! ```
//! use peerstat::effect::{EffectSizes, Measure};
//! use peerstat::model::RandomEffects;
//! use peerstat::report::svg;
//! let es = EffectSizes::from_slices(Measure::Gen, &[0.1, 0.4, 0.3], &[0.02, 0.03, 0.05]).unwrap();
//! let fit = RandomEffects::new().fit(&es).unwrap();
//! let s = svg::forest(&fit, None, "Demo");
//! assert_eq!(s.matches("class=\"study\"").count(), 3);
//! ```

use std::fmt::Write as _;

use crate::effect::Measure;
use crate::model::subgroup::SubgroupAnalysis;
use crate::model::Fit;

/// Colours and sizes shared by every plot.
pub mod style {
    /// Font stack (generic fallback: no font files are needed).
    pub const FONT: &str = "Helvetica, Arial, sans-serif";
    /// Ink for text and axes.
    pub const INK: &str = "#222222";
    /// Study markers.
    pub const STUDY: &str = "#1f4e79";
    /// Pooled estimates.
    pub const POOLED: &str = "#b03a2e";
    /// Light grid and reference lines.
    pub const GRID: &str = "#bbbbbb";
    /// Font size (px).
    pub const SIZE: f64 = 12.0;
    /// Series colours (CE planes, acceptability curves).
    pub const PALETTE: [&str; 6] = [
        "#1f4e79", "#b03a2e", "#2e7d32", "#8e44ad", "#d68910", "#555555",
    ];
}

/// Escapes text for SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(w: f64, h: f64, title: &str) -> String {
    let t = esc(title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{}\" font-size=\"{}\" fill=\"{}\">\n<title>{t}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        style::FONT,
        style::SIZE,
        style::INK,
    )
}

/// Maps data values to pixels on a linear or log axis.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    lo: f64,
    hi: f64,
    px0: f64,
    px1: f64,
}

impl Axis {
    /// An axis showing data `lo..hi` over pixels `px0..px1`.
    pub fn new(lo: f64, hi: f64, px0: f64, px1: f64) -> Self {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 1.0, hi + 1.0)
        };
        Axis { lo, hi, px0, px1 }
    }

    /// Pixel position of a value (clamped to the axis).
    pub fn px(&self, x: f64) -> f64 {
        let t = ((x - self.lo) / (self.hi - self.lo)).clamp(-0.02, 1.02);
        self.px0 + t * (self.px1 - self.px0)
    }

    /// Tick positions: "nice" values (1, 2, 5 × 10ⁿ) inside the range.
    pub fn ticks(&self) -> Vec<f64> {
        let span = self.hi - self.lo;
        let raw = span / 6.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| span / s <= 7.0)
            .unwrap_or(10.0 * mag);
        let mut t = (self.lo / step).ceil() * step;
        let mut out = Vec::new();
        while t <= self.hi + 1e-9 * step {
            out.push(if t.abs() < 1e-12 * step { 0.0 } else { t });
            t += step;
        }
        out
    }
}

/// Tick values for a log-scale (ratio) axis spanning `ln(lo)..ln(hi)`, as ratios.
fn ratio_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let cands: [f64; 21] = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 10.0, 20.0,
        50.0, 100.0, 200.0, 500.0, 1000.0,
    ];
    let inside: Vec<f64> = cands
        .iter()
        .copied()
        .filter(|c| c.ln() >= lo && c.ln() <= hi)
        .collect();
    if inside.len() <= 7 {
        inside
    } else {
        inside
            .into_iter()
            .filter(|c| [0.01, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0, 0.001, 1000.0].contains(c))
            .collect()
    }
}

fn fmt_num(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn tick_label(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Draws an x axis with ticks at `y`; `ratio` labels ticks as exp(value).
fn x_axis(out: &mut String, ax: &Axis, y: f64, ratio: bool, label: &str) {
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/>",
        ax.px0,
        ax.px1,
        style::INK
    );
    let ticks: Vec<(f64, String)> = if ratio {
        ratio_ticks(ax.lo, ax.hi)
            .into_iter()
            .map(|r| (r.ln(), tick_label(r)))
            .collect()
    } else {
        ax.ticks().into_iter().map(|t| (t, tick_label(t))).collect()
    };
    for (v, l) in ticks {
        let x = ax.px(v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y + 5.0,
            style::INK,
            y + 18.0,
            esc(&l)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (ax.px0 + ax.px1) / 2.0,
        y + 36.0,
        esc(label)
    );
}

struct Row {
    label: String,
    kind: RowKind,
}

enum RowKind {
    Study {
        yi: f64,
        lo: f64,
        hi: f64,
        weight: f64,
    },
    Diamond {
        est: f64,
        lo: f64,
        hi: f64,
        class: &'static str,
    },
    Pi {
        lo: f64,
        hi: f64,
    },
    Heading,
    Text,
}

/// A forest plot of a fit: one row per study (square sized by weight, CI whisker), the pooled
/// diamond and the prediction interval, with columns for label, effect [CI] and weight; with
/// `subgroups`, study blocks per level with their own diamonds, then the overall diamond and the
/// test for subgroup differences. Ratio measures are drawn on a log axis labelled as ratios.
pub fn forest(fit: &Fit, subgroups: Option<&SubgroupAnalysis>, title: &str) -> String {
    let m = fit.measure;
    let ratio = m.is_log_scale();
    let level = fit.options.get_level();
    let z = crate::dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let study_row = |s: &crate::model::StudyResult, weight: f64| Row {
        label: s.study.clone(),
        kind: RowKind::Study {
            yi: s.yi,
            lo: s.yi - z * s.vi.sqrt(),
            hi: s.yi + z * s.vi.sqrt(),
            weight,
        },
    };
    let mut rows = Vec::new();
    let pooled_label = |f: &Fit| {
        if f.method == crate::model::Tau2Method::Ee {
            "Common effect".to_string()
        } else {
            format!("Random effects ({})", f.method)
        }
    };
    match subgroups {
        Some(sg) => {
            for g in &sg.subgroups {
                rows.push(Row {
                    label: format!("{} = {}", sg.by, g.level),
                    kind: RowKind::Heading,
                });
                for s in &g.fit.studies {
                    // weights within the overall model, so squares compare across blocks
                    let w = fit
                        .studies
                        .iter()
                        .find(|o| o.row == s.row)
                        .map_or(s.weight, |o| o.weight);
                    rows.push(study_row(s, w));
                }
                let gs = &g.fit.summary;
                rows.push(Row {
                    label: format!(
                        "Subtotal (k = {}{})",
                        gs.k,
                        if gs.k > 1 {
                            format!(", I² = {:.0}%", gs.i2)
                        } else {
                            String::new()
                        }
                    ),
                    kind: RowKind::Diamond {
                        est: gs.estimate,
                        lo: gs.ci_lower,
                        hi: gs.ci_upper,
                        class: "subgroup",
                    },
                });
            }
        }
        None => {
            for s in &fit.studies {
                rows.push(study_row(s, s.weight));
            }
        }
    }
    let s = &fit.summary;
    rows.push(Row {
        label: format!("{} (k = {})", pooled_label(fit), s.k),
        kind: RowKind::Diamond {
            est: s.estimate,
            lo: s.ci_lower,
            hi: s.ci_upper,
            class: "pooled",
        },
    });
    if s.pi_lower.is_finite() {
        rows.push(Row {
            label: format!("Prediction interval ({level}%)"),
            kind: RowKind::Pi {
                lo: s.pi_lower,
                hi: s.pi_upper,
            },
        });
    }
    let het = if fit.method == crate::model::Tau2Method::Ee {
        format!(
            "Heterogeneity: Q = {:.2} (df = {}), I² = {:.0}%",
            s.q, s.q_df, s.i2
        )
    } else {
        format!(
            "Heterogeneity: τ² = {:.3}, I² = {:.0}%, Q = {:.2} (df = {}, p {})",
            s.tau2,
            s.i2,
            s.q,
            s.q_df,
            crate::report::pv(s.q_p)
        )
    };
    rows.push(Row {
        label: het,
        kind: RowKind::Text,
    });
    if let Some(sg) = subgroups {
        rows.push(Row {
            label: format!(
                "Test for subgroup differences: Q = {:.2} (df = {}), p {}",
                sg.subgroup_test.q,
                sg.subgroup_test.df,
                crate::report::pv(sg.subgroup_test.p_value)
            ),
            kind: RowKind::Text,
        });
    }

    // Layout.
    let label_w = rows
        .iter()
        .filter(|r| !matches!(r.kind, RowKind::Text))
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(10) as f64
        * 6.6
        + 20.0;
    let label_w = label_w.clamp(140.0, 320.0);
    let plot_w = 360.0;
    let (x0, x1) = (label_w, label_w + plot_w);
    let width = x1 + 250.0;
    let row_h = 22.0;
    let top = 58.0;
    let height = top + row_h * (rows.len() as f64 + 1.0) + 50.0;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in &rows {
        match r.kind {
            RowKind::Study { lo: a, hi: b, .. }
            | RowKind::Diamond { lo: a, hi: b, .. }
            | RowKind::Pi { lo: a, hi: b } => {
                lo = lo.min(a);
                hi = hi.max(b);
            }
            _ => {}
        }
    }
    let null = 0.0;
    lo = lo.min(null);
    hi = hi.max(null);
    let pad = 0.05 * (hi - lo).max(1e-9);
    let ax = Axis::new(lo - pad, hi + pad, x0 + 10.0, x1 - 10.0);
    let show = |x: f64| if ratio { x.exp() } else { x };

    let mut out = header(width, height, title);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" font-weight=\"bold\">Study</text><text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{} [{level}% CI]</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-weight=\"bold\">Weight</text>",
        top - 10.0,
        x1 + 10.0,
        top - 10.0,
        if m == Measure::Smd { "g" } else { m.code() },
        width - 10.0,
        top - 10.0
    );
    let yb = top + row_h * rows.len() as f64 + 4.0;
    // null line
    let _ = writeln!(
        out,
        "<line class=\"null\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-dasharray=\"3,3\"/>",
        ax.px(null),
        top - 4.0,
        yb,
        style::GRID
    );
    // pooled estimate line
    let _ = writeln!(
        out,
        "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-opacity=\"0.5\" stroke-dasharray=\"1,3\"/>",
        ax.px(s.estimate),
        top - 4.0,
        yb,
        style::POOLED
    );
    let maxw = rows
        .iter()
        .filter_map(|r| match r.kind {
            RowKind::Study { weight, .. } => Some(weight),
            _ => None,
        })
        .fold(0.0, f64::max)
        .max(1e-12);
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let ty = y + 4.0;
        match r.kind {
            RowKind::Study { yi, lo, hi, weight } => {
                let side = 4.0 + 12.0 * (weight / maxw).sqrt();
                let _ = writeln!(
                    out,
                    "<g class=\"study\" data-study=\"{}\" data-yi=\"{yi}\" data-weight=\"{weight}\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\"/><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{side:.1}\" height=\"{side:.1}\" fill=\"{}\"/></g>",
                    esc(&r.label),
                    ax.px(lo),
                    ax.px(hi),
                    style::INK,
                    ax.px(yi) - side / 2.0,
                    y - side / 2.0,
                    style::STUDY
                );
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\">{}</text><text x=\"{:.1}\" y=\"{ty:.1}\">{} [{}, {}]</text><text x=\"{:.1}\" y=\"{ty:.1}\" text-anchor=\"end\">{:.1}%</text>",
                    esc(&r.label),
                    x1 + 10.0,
                    fmt_num(show(yi)),
                    fmt_num(show(lo)),
                    fmt_num(show(hi)),
                    width - 10.0,
                    weight
                );
            }
            RowKind::Diamond { est, lo, hi, class } => {
                let _ = writeln!(
                    out,
                    "<polygon class=\"{class}\" data-estimate=\"{est}\" data-ci-lower=\"{lo}\" data-ci-upper=\"{hi}\" points=\"{:.1},{y:.1} {:.1},{:.1} {:.1},{y:.1} {:.1},{:.1}\" fill=\"{}\"/>",
                    ax.px(lo),
                    ax.px(est),
                    y - 7.0,
                    ax.px(hi),
                    ax.px(est),
                    y + 7.0,
                    if class == "pooled" { style::POOLED } else { style::STUDY }
                );
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\" font-weight=\"bold\">{}</text><text x=\"{:.1}\" y=\"{ty:.1}\" font-weight=\"bold\">{} [{}, {}]</text>",
                    esc(&r.label),
                    x1 + 10.0,
                    fmt_num(show(est)),
                    fmt_num(show(lo)),
                    fmt_num(show(hi))
                );
            }
            RowKind::Pi { lo, hi } => {
                let _ = writeln!(
                    out,
                    "<g class=\"pi\" data-lower=\"{lo}\" data-upper=\"{hi}\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"3\" stroke-opacity=\"0.6\"/></g>",
                    ax.px(lo),
                    ax.px(hi),
                    style::POOLED
                );
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\" font-style=\"italic\">{}</text><text x=\"{:.1}\" y=\"{ty:.1}\" font-style=\"italic\">[{}, {}]</text>",
                    esc(&r.label),
                    x1 + 10.0,
                    fmt_num(show(lo)),
                    fmt_num(show(hi))
                );
            }
            RowKind::Heading => {
                let _ = writeln!(out, "<text x=\"10\" y=\"{ty:.1}\" font-weight=\"bold\" font-style=\"italic\">{}</text>", esc(&r.label));
            }
            RowKind::Text => {
                let _ = writeln!(
                    out,
                    "<text x=\"10\" y=\"{ty:.1}\" fill=\"#555555\">{}</text>",
                    esc(&r.label)
                );
            }
        }
    }
    let axis_label = if ratio {
        format!("{} (log scale)", m.description())
    } else {
        m.description().to_string()
    };
    x_axis(&mut out, &ax, yb + 4.0, ratio, &axis_label);
    out.push_str("</svg>\n");
    out
}

/// A contour-enhanced funnel plot: effect (x) against standard error (y, 0 at the top), shaded
/// regions where a study would be significant at p < .10, .05 and .01 (two-sided, around 0),
/// the pooled estimate as a vertical line, and studies added by trim-and-fill drawn hollow
/// (`filled` holds their `(yi, vi)`).
pub fn funnel(
    yi: &[f64],
    vi: &[f64],
    estimate: f64,
    filled: &[(f64, f64)],
    measure: Measure,
    title: &str,
) -> String {
    let (w, h) = (620.0, 460.0);
    let (x0, x1, y0, y1) = (70.0, 590.0, 50.0, 390.0);
    let ses: Vec<f64> = vi
        .iter()
        .chain(filled.iter().map(|f| &f.1))
        .map(|v| v.sqrt())
        .collect();
    let max_se = ses.iter().fold(0.0f64, |a, &b| a.max(b)) * 1.1 + 1e-12;
    let z01 = 2.5758293035489004;
    let reach = yi
        .iter()
        .chain(filled.iter().map(|f| &f.0))
        .map(|y| y.abs())
        .fold(z01 * max_se, f64::max)
        * 1.05;
    let ax = Axis::new(
        -reach.max(estimate.abs() * 1.1),
        reach.max(estimate.abs() * 1.1),
        x0,
        x1,
    );
    let sy = |se: f64| y0 + (y1 - y0) * se / max_se;
    let mut out = header(w, h, title);
    // contours, widest first: p < .01 (white outside), .01–.05, .05–.10 shaded
    let _ = writeln!(
        out,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>",
        x1 - x0,
        y1 - y0
    );
    for (z, fill, class) in [
        (z01, "#d9d9d9", "p01"),
        (1.959963984540054, "#bdbdbd", "p05"),
        (1.6448536269514722, "#ffffff", "p10"),
    ] {
        let _ = writeln!(
            out,
            "<polygon class=\"contour {class}\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{fill}\"/>",
            ax.px(0.0),
            sy(0.0),
            ax.px(-z * max_se),
            sy(max_se),
            ax.px(z * max_se),
            sy(max_se)
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"pooled\" data-estimate=\"{estimate}\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-width=\"1.5\"/>",
        ax.px(estimate),
        y0,
        y1,
        style::POOLED
    );
    for (&y, &v) in yi.iter().zip(vi) {
        let _ = writeln!(
            out,
            "<circle class=\"study\" data-yi=\"{y}\" data-se=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{}\"/>",
            v.sqrt(),
            ax.px(y),
            sy(v.sqrt()),
            style::STUDY
        );
    }
    for &(y, v) in filled {
        let _ = writeln!(
            out,
            "<circle class=\"filled\" data-yi=\"{y}\" data-se=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"white\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            v.sqrt(),
            ax.px(y),
            sy(v.sqrt()),
            style::STUDY
        );
    }
    // y axis (SE)
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{}\"/>",
        style::INK
    );
    for t in Axis::new(0.0, max_se, 0.0, 1.0).ticks() {
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{1:.1}\" x2=\"{x0}\" y2=\"{1:.1}\" stroke=\"{2}\"/><text x=\"{3:.1}\" y=\"{4:.1}\" text-anchor=\"end\">{5}</text>",
            x0 - 5.0,
            sy(t),
            style::INK,
            x0 - 8.0,
            sy(t) + 4.0,
            tick_label(t)
        );
    }
    let _ = writeln!(
        out,
        "<text transform=\"translate(18,{:.1}) rotate(-90)\" text-anchor=\"middle\">Standard error</text>",
        (y0 + y1) / 2.0
    );
    let label = if measure.is_log_scale() {
        format!("log {}", measure.description())
    } else {
        measure.description().to_string()
    };
    x_axis(&mut out, &ax, y1, false, &label);
    // legend
    let ly = h - 14.0;
    let _ = writeln!(
        out,
        "<rect x=\"70\" y=\"{:.1}\" width=\"12\" height=\"10\" fill=\"#ffffff\" stroke=\"#999\"/><text x=\"86\" y=\"{ly:.1}\">p &gt; .10</text><rect x=\"150\" y=\"{0:.1}\" width=\"12\" height=\"10\" fill=\"#bdbdbd\"/><text x=\"166\" y=\"{ly:.1}\">.10 &gt; p &gt; .05</text><rect x=\"262\" y=\"{0:.1}\" width=\"12\" height=\"10\" fill=\"#d9d9d9\"/><text x=\"278\" y=\"{ly:.1}\">.05 &gt; p &gt; .01</text><rect x=\"374\" y=\"{0:.1}\" width=\"12\" height=\"10\" fill=\"#f4f4f4\" stroke=\"#999\"/><text x=\"390\" y=\"{ly:.1}\">p &lt; .01</text>{1}",
        ly - 9.0,
        if filled.is_empty() {
            String::new()
        } else {
            format!(
                "<circle cx=\"480\" cy=\"{:.1}\" r=\"4.5\" fill=\"white\" stroke=\"{}\"/><text x=\"490\" y=\"{ly:.1}\">filled (trim-and-fill)</text>",
                ly - 4.0,
                style::STUDY
            )
        }
    );
    out.push_str("</svg>\n");
    out
}

/// Data for a bubble plot.
#[derive(Debug, Clone, Copy)]
pub struct Bubble<'a> {
    /// Moderator values.
    pub x: &'a [f64],
    /// Effect sizes.
    pub yi: &'a [f64],
    /// Model weights (bubble areas).
    pub weights: &'a [f64],
    /// Fitted intercept.
    pub intercept: f64,
    /// Fitted slope.
    pub slope: f64,
    /// Moderator name (x-axis label).
    pub xlabel: &'a str,
}

/// A bubble plot for a meta-regression on one numeric moderator: effects against the moderator,
/// bubbles sized by model weight, and the fitted line `intercept + slope·x`.
pub fn bubble(b: &Bubble<'_>, measure: Measure, title: &str) -> String {
    let Bubble {
        x,
        yi,
        weights,
        intercept,
        slope,
        xlabel,
    } = *b;
    let (w, h) = (620.0, 440.0);
    let (x0, x1, y0, y1) = (70.0, 590.0, 50.0, 380.0);
    let (xlo, xhi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (ylo, yhi) = yi
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let px = 0.06 * (xhi - xlo).max(1e-9);
    let py = 0.1 * (yhi - ylo).max(1e-9);
    let ax = Axis::new(xlo - px, xhi + px, x0, x1);
    let ay = Axis::new(ylo - py, yhi + py, y1, y0);
    let maxw = weights.iter().fold(0.0f64, |a, &b| a.max(b)).max(1e-12);
    let mut out = header(w, h, title);
    for ((&xv, &yv), &wv) in x.iter().zip(yi).zip(weights) {
        let r = 3.0 + 12.0 * (wv / maxw).sqrt();
        let _ = writeln!(
            out,
            "<circle class=\"study\" data-x=\"{xv}\" data-yi=\"{yv}\" data-weight=\"{wv}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"{}\" fill-opacity=\"0.35\" stroke=\"{}\"/>",
            ax.px(xv),
            ay.px(yv),
            style::STUDY,
            style::STUDY
        );
    }
    let (xa, xb) = (xlo - px, xhi + px);
    let _ = writeln!(
        out,
        "<line class=\"fit\" data-intercept=\"{intercept}\" data-slope=\"{slope}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
        ax.px(xa),
        ay.px(intercept + slope * xa),
        ax.px(xb),
        ay.px(intercept + slope * xb),
        style::POOLED
    );
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{}\"/>",
        style::INK
    );
    for t in ay.ticks() {
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{1:.1}\" x2=\"{x0}\" y2=\"{1:.1}\" stroke=\"{2}\"/><text x=\"{3:.1}\" y=\"{4:.1}\" text-anchor=\"end\">{5}</text>",
            x0 - 5.0,
            ay.px(t),
            style::INK,
            x0 - 8.0,
            ay.px(t) + 4.0,
            tick_label(t)
        );
    }
    let ylabel = if measure.is_log_scale() {
        format!("log {}", measure.description())
    } else {
        measure.description().to_string()
    };
    let _ = writeln!(
        out,
        "<text transform=\"translate(18,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (y0 + y1) / 2.0,
        esc(&ylabel)
    );
    x_axis(&mut out, &ax, y1, false, xlabel);
    out.push_str("</svg>\n");
    out
}

/// A cost-effectiveness plane: incremental effect (x) against incremental cost (y) for each
/// series of draws, the willingness-to-pay line through the origin, and quadrant labels.
pub fn plane(series: &[(String, Vec<(f64, f64)>)], wtp: f64, title: &str) -> String {
    let (w, h) = (620.0, 500.0);
    let (x0, x1, y0, y1) = (80.0, 590.0, 50.0, 400.0);
    let pts = series.iter().flat_map(|s| s.1.iter());
    let (mut xmax, mut ymax) = (1e-12f64, 1e-12f64);
    for &(dc, de) in pts {
        xmax = xmax.max(de.abs());
        ymax = ymax.max(dc.abs());
    }
    let ax = Axis::new(-xmax * 1.1, xmax * 1.1, x0, x1);
    let ay = Axis::new(-ymax * 1.1, ymax * 1.1, y1, y0);
    let colours = style::PALETTE;
    let mut out = header(w, h, title);
    let _ = writeln!(
        out,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"{}\"/>",
        x1 - x0,
        y1 - y0,
        style::GRID
    );
    let _ = writeln!(
        out,
        "<clipPath id=\"box\"><rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\"/></clipPath><g clip-path=\"url(#box)\">",
        x1 - x0,
        y1 - y0
    );
    let (cx, cy) = (ax.px(0.0), ay.px(0.0));
    let _ = writeln!(out, "<line x1=\"{x0}\" y1=\"{cy:.1}\" x2=\"{x1}\" y2=\"{cy:.1}\" stroke=\"{}\"/><line x1=\"{cx:.1}\" y1=\"{y0}\" x2=\"{cx:.1}\" y2=\"{y1}\" stroke=\"{}\"/>", style::GRID, style::GRID);
    for (k, (name, d)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let _ = writeln!(
            out,
            "<g class=\"draws\" data-series=\"{}\" fill=\"{col}\" fill-opacity=\"0.35\">",
            esc(name)
        );
        for &(dc, de) in d {
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.8\"/>",
                ax.px(de),
                ay.px(dc)
            );
        }
        let _ = writeln!(out, "</g>");
    }
    // WTP line Δc = λΔe, clipped to the box
    let xe = xmax * 1.1;
    let (ya, yb) = (-wtp * xe, wtp * xe);
    let _ = writeln!(
        out,
        "<line class=\"wtp\" data-wtp=\"{wtp}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/>",
        ax.px(-xe),
        ay.px(ya),
        ax.px(xe),
        ay.px(yb),
        style::POOLED
    );
    out.push_str("</g>\n");
    for (k, (name, _)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let ly = h - 28.0 + 14.0 * (k / 2) as f64;
        let lx = x0 + 260.0 * (k % 2) as f64;
        let _ = writeln!(out, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{col}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{col}\">{}</text>", lx, ly - 4.0, lx + 10.0, ly, esc(name));
    }
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#777\">more costly, more effective</text>", x1 - 6.0, y0 + 16.0);
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#777\">more costly, less effective (dominated)</text>", x0 + 6.0, y0 + 16.0);
    let _ = writeln!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#777\">dominant (cheaper, more effective)</text>", x1 - 6.0, y1 - 8.0);
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#777\">cheaper, less effective</text>",
        x0 + 6.0,
        y1 - 8.0
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\">WTP £{:.0} per unit of effect</text>",
        x0 + 6.0,
        y1 - 26.0,
        style::POOLED,
        wtp
    );
    x_axis(&mut out, &ax, y1, false, "incremental effect");
    for t in ay.ticks() {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            ay.px(t) + 4.0,
            tick_label(t)
        );
    }
    let _ = writeln!(out, "<text transform=\"translate(16,{:.1}) rotate(-90)\" text-anchor=\"middle\">incremental cost</text>", (y0 + y1) / 2.0);
    out.push_str("</svg>\n");
    out
}

/// Cost-effectiveness acceptability curves: one curve per series (probability against
/// willingness to pay), with the acceptability frontier marked by thick segments when given
/// (`frontier[i]` = index of the CEAF series at `wtp[i]`).
pub fn ceac(
    wtp: &[f64],
    series: &[(String, Vec<f64>)],
    frontier: Option<&[usize]>,
    title: &str,
) -> String {
    let (w, h) = (620.0, 440.0);
    let (x0, x1, y0, y1) = (70.0, 590.0, 50.0, 370.0);
    let max = wtp.iter().fold(0.0f64, |a, &b| a.max(b)).max(1.0);
    let ax = Axis::new(
        wtp.iter().fold(f64::INFINITY, |a, &b| a.min(b)).min(0.0),
        max,
        x0,
        x1,
    );
    let ay = Axis::new(0.0, 1.0, y1, y0);
    let colours = style::PALETTE;
    let mut out = header(w, h, title);
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = writeln!(out, "<line x1=\"{x0}\" y1=\"{0:.1}\" x2=\"{x1}\" y2=\"{0:.1}\" stroke=\"#eeeeee\"/><text x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{t}</text>", ay.px(t), x0 - 6.0, ay.px(t) + 4.0);
    }
    for (k, (name, p)) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        let pts: Vec<String> = wtp
            .iter()
            .zip(p)
            .map(|(&l, &v)| format!("{:.1},{:.1}", ax.px(l), ay.px(v)))
            .collect();
        let _ = writeln!(out, "<polyline class=\"ceac\" data-series=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"1.5\"/>", esc(name), pts.join(" "));
        if let Some(f) = frontier {
            for i in 0..wtp.len() {
                if f[i] == k {
                    let _ = writeln!(out, "<circle class=\"ceaf\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\" fill=\"{col}\"/>", ax.px(wtp[i]), ay.px(p[i]));
                }
            }
        }
        let _ = writeln!(out, "<line x1=\"{:.1}\" y1=\"{1:.1}\" x2=\"{2:.1}\" y2=\"{1:.1}\" stroke=\"{col}\" stroke-width=\"2\"/><text x=\"{3:.1}\" y=\"{4:.1}\">{5}</text>", x1 - 170.0, y0 + 14.0 + 16.0 * k as f64, x1 - 150.0, x1 - 145.0, y0 + 18.0 + 16.0 * k as f64, esc(name));
    }
    if frontier.is_some() {
        let _ = writeln!(out, "<text x=\"{x0}\" y=\"{:.1}\" fill=\"#555\">dots: acceptability frontier (highest expected net benefit)</text>", h - 12.0);
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"{}\"/>",
        style::INK
    );
    let _ = writeln!(out, "<text transform=\"translate(18,{:.1}) rotate(-90)\" text-anchor=\"middle\">probability cost-effective</text>", (y0 + y1) / 2.0);
    x_axis(
        &mut out,
        &ax,
        y1,
        false,
        "willingness to pay per unit of effect",
    );
    out.push_str("</svg>\n");
    out
}
