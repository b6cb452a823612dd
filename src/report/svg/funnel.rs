//! Contour-enhanced funnel plot (metafor `funnel()`, with `level = c(90, 95, 99)` contours).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::legend::{Key, Legend};
use super::{header, left_margin, style, x_axis, y_axis, Axis};
use crate::data::Table;
use crate::diag::BiasResult;
use crate::effect::{EffectSizes, Measure};
use crate::error::Result;

/// What the funnel plot's vertical axis shows (metafor `funnel(yaxis = …)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunnelY {
    /// Standard error, 0 at the top (metafor `"sei"`, the default).
    #[default]
    Se,
    /// Sampling variance, 0 at the top (`"vi"`).
    Vi,
    /// Precision 1/SE, largest at the top (`"seinv"`).
    InvSe,
    /// Sample size, largest at the top (`"ni"`): no contours, as metafor.
    N,
}

impl FunnelY {
    fn label(self) -> &'static str {
        match self {
            FunnelY::Se => "Standard error",
            FunnelY::Vi => "Sampling variance",
            FunnelY::InvSe => "Precision (1/SE)",
            FunnelY::N => "Sample size",
        }
    }
}

/// Contour shades, from the centre out: p > .10, .05–.10, .01–.05, p < .01. A ramp of lightness
/// (100 %, 87 %, 72 %, 58 %) so the bands differ in greyscale too.
pub const SHADES: [&str; 4] = ["#ffffff", "#dddddd", "#b8b8b8", "#939393"];

/// z for two-sided p = .10, .05, .01.
const Z: [f64; 3] = [1.6448536269514722, 1.959963984540054, 2.5758293035489004];

/// What a funnel plot shows.
#[derive(Debug, Clone, Copy)]
pub struct FunnelPlot<'a> {
    /// Effect sizes.
    pub yi: &'a [f64],
    /// Sampling variances.
    pub vi: &'a [f64],
    /// Sample sizes (needed for [`FunnelY::N`]).
    pub n: Option<&'a [f64]>,
    /// The pooled estimate (vertical line).
    pub estimate: f64,
    /// Studies added by trim-and-fill, `(yi, vi)`, drawn hollow.
    pub filled: &'a [(f64, f64)],
    /// Trim-and-fill's adjusted estimate (a dashed line), when trim-and-fill ran.
    pub adjusted: Option<f64>,
    /// Effect measure (axis label).
    pub measure: Measure,
    /// The vertical axis.
    pub y: FunnelY,
    /// Draw the pseudo 95 % confidence funnel around the estimate (dashed).
    pub pseudo_ci: bool,
}

/// A contour-enhanced funnel plot with SE on the vertical axis and no pseudo-CI funnel: see
/// [`funnel_plot`].
pub fn funnel(
    yi: &[f64],
    vi: &[f64],
    estimate: f64,
    filled: &[(f64, f64)],
    measure: Measure,
    title: &str,
) -> String {
    funnel_plot(
        &FunnelPlot {
            yi,
            vi,
            n: None,
            estimate,
            filled,
            adjusted: None,
            measure,
            y: FunnelY::Se,
            pseudo_ci: false,
        },
        title,
    )
}

/// Vertical position of a study: `(se, n) -> axis value`.
fn yval(y: FunnelY, se: f64, n: f64) -> f64 {
    match y {
        FunnelY::Se => se,
        FunnelY::Vi => se * se,
        FunnelY::InvSe => 1.0 / se,
        FunnelY::N => n,
    }
}

/// SE at vertical axis value `t` (for contours; not for sample sizes).
fn se_at(y: FunnelY, t: f64) -> f64 {
    match y {
        FunnelY::Se | FunnelY::N => t,
        FunnelY::Vi => t.max(0.0).sqrt(),
        FunnelY::InvSe => 1.0 / t,
    }
}

/// The funnel plot of the bias checks, as `peerstat bias` draws it (the CLI and the Python
/// module both call it): the studies of `es`, the pooled estimate `estimate` (of the model the
/// report used), trim-and-fill's filled studies and adjusted estimate from `rep`, and for
/// [`FunnelY::N`] the sample sizes `n_t + n_c` read from `table`. The title defaults to
/// "Funnel plot: " and the file name of the table's source.
///
/// # Errors
/// For [`FunnelY::N`]: [`crate::error::Error::MissingColumn`] without `n_t`/`n_c`, and a value error
/// naming the row of a study without them.
pub fn bias_funnel(
    table: &Table,
    es: &EffectSizes,
    (estimate, rep): (f64, &BiasResult),
    (y, pseudo_ci): (FunnelY, bool),
    title: Option<&str>,
) -> Result<String> {
    let filled: Vec<(f64, f64)> = rep.trimfill.filled.iter().map(|f| (f.yi, f.vi)).collect();
    let n = if y == FunnelY::N {
        let purpose = "for a funnel plot by sample size (arm sizes)";
        let nt = table.numeric("n_t", purpose)?;
        let nc = table.numeric("n_c", purpose)?;
        let mut n = Vec::with_capacity(es.k());
        for &r in es.rows() {
            match (nt[r], nc[r]) {
                (Some(t), Some(c)) => n.push(t + c),
                _ => {
                    return Err(table.value_error(
                        r,
                        if nt[r].is_none() { "n_t" } else { "n_c" },
                        "a funnel plot by sample size needs the arm sizes n_t and n_c",
                    ))
                }
            }
        }
        Some(n)
    } else {
        None
    };
    let title = title.map_or_else(
        || {
            let source = table.source();
            let file = std::path::Path::new(source)
                .file_name()
                .map_or(source.into(), |f| f.to_string_lossy().into_owned());
            format!("Funnel plot: {file}")
        },
        str::to_string,
    );
    Ok(funnel_plot(
        &FunnelPlot {
            yi: es.yi(),
            vi: es.vi(),
            n: n.as_deref(),
            estimate,
            filled: &filled,
            adjusted: (rep.trimfill.k0 > 0).then_some(rep.trimfill.est.estimate),
            measure: es.measure(),
            y,
            pseudo_ci,
        },
        &title,
    ))
}

/// A contour-enhanced funnel plot: effect (x) against the chosen precision axis, shaded regions
/// where a study would be significant at p < .10, .05 and .01 (two-sided, around 0), the pooled
/// estimate as a vertical line, trim-and-fill's filled studies hollow and its adjusted estimate
/// dashed, and optionally the pseudo 95 % CI funnel around the estimate. A legend below the axis
/// names every shade and line; the plot grows to fit it.
pub fn funnel_plot(f: &FunnelPlot<'_>, title: &str) -> String {
    let contours = f.y != FunnelY::N;
    let pts = points(f);
    let fr = frame(f, &pts, contours);
    let (x0, y0, y1) = (fr.x0, fr.y0, fr.y1);
    let legend = legend(f, contours, fr.w - 20.0);
    let h = y1 + 52.0 + legend.height();
    let mut out = header(fr.w, h, title);
    draw_background(&mut out, f, &fr, contours);
    draw_estimate_lines(&mut out, f, &fr);
    draw_points(&mut out, f, &fr, &pts);
    out.push_str("</g>\n");
    let _ = writeln!(
        out,
        "<rect x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{}\"/>",
        fr.x1 - x0,
        y1 - y0,
        style::GRID
    );
    line_labels(&mut out, f, &fr.ax, y0);
    y_axis(&mut out, &fr.ay, x0, &fr.yticks, f.y.label());
    let label = if f.measure.is_log_scale() {
        format!("log {}", f.measure.description())
    } else {
        f.measure.description().to_string()
    };
    x_axis(&mut out, &fr.ax, y1, false, &label);
    legend.draw(&mut out, 10.0, y1 + 50.0);
    out.push_str("</svg>\n");
    out
}

/// The points: (effect, value on the vertical axis, filled by trim-and-fill), the studies first.
fn points(f: &FunnelPlot<'_>) -> Vec<(f64, f64, bool)> {
    let n_of = |i: usize| f.n.and_then(|n| n.get(i).copied()).unwrap_or(f64::NAN);
    let mut pts: Vec<(f64, f64, bool)> = Vec::new(); // (x, axis value, filled)
    for (i, (&y, &v)) in f.yi.iter().zip(f.vi).enumerate() {
        pts.push((y, yval(f.y, v.sqrt(), n_of(i)), false));
    }
    if f.y != FunnelY::N {
        for &(y, v) in f.filled {
            pts.push((y, yval(f.y, v.sqrt(), f64::NAN), true));
        }
    }
    pts
}

/// The plot area and its two axes.
struct Frame {
    w: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    ax: Axis,
    ay: Axis,
    yticks: Vec<(f64, String)>,
}

/// The axes: the vertical one over the points' values (0 at the top for SE and variance), the
/// horizontal one symmetric around 0, reaching every point and estimate (and, with contours,
/// the widest p < .01 contour within reason).
fn frame(f: &FunnelPlot<'_>, pts: &[(f64, f64, bool)], contours: bool) -> Frame {
    let tv: Vec<f64> = pts.iter().map(|p| p.1).filter(|t| t.is_finite()).collect();
    let tmax = tv.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tmin = tv.iter().copied().fold(f64::INFINITY, f64::min);
    // the axis range (lo at the top for SE and variance, at the bottom for the others)
    let (ylo, yhi, down) = match f.y {
        FunnelY::Se | FunnelY::Vi => (0.0, tmax * 1.1 + 1e-12, true),
        _ => {
            let pad = 0.08 * (tmax - tmin).max(tmax.abs() * 0.1 + 1e-9);
            (
                (tmin - pad).max(if f.y == FunnelY::N { 0.0 } else { tmin * 0.5 }),
                tmax + pad,
                false,
            )
        }
    };
    // widest SE drawn (for the contours' reach)
    let se_far = if contours {
        se_at(f.y, if down { yhi } else { ylo })
    } else {
        0.0
    };
    let mut reach = pts
        .iter()
        .map(|p| p.0.abs())
        .chain([f.estimate.abs(), f.adjusted.unwrap_or(0.0).abs()])
        .fold(0.0f64, f64::max);
    if contours {
        reach = reach.max((Z[2] * se_far).min(reach * 3.0 + 1e-9));
    }
    let reach = reach * 1.05 + 1e-12;

    let (w, top) = (640.0, 50.0);
    let probe = Axis::new(ylo, yhi, 0.0, 340.0);
    let yticks = probe.labelled_ticks(true);
    let x0 = left_margin(&yticks);
    let (x1, y0, y1) = (w - 24.0, top, top + 340.0);
    let ax = Axis::new(-reach, reach, x0, x1);
    let ay = if down {
        Axis::new(ylo, yhi, y0, y1)
    } else {
        Axis::new(ylo, yhi, y1, y0)
    };
    Frame {
        w,
        x0,
        x1,
        y0,
        y1,
        ax,
        ay,
        yticks,
    }
}

/// Opens the clipped plot area: the significance contours (or a plain background) and the
/// pseudo confidence funnel.
fn draw_background(out: &mut String, f: &FunnelPlot<'_>, fr: &Frame, contours: bool) {
    let (x0, x1, y0, y1) = (fr.x0, fr.x1, fr.y0, fr.y1);
    let (ax, ay) = (&fr.ax, &fr.ay);
    let _ = writeln!(
        out,
        "<clipPath id=\"plotarea\"><rect x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath><g clip-path=\"url(#plotarea)\">",
        x1 - x0,
        y1 - y0
    );
    if contours {
        draw_contours(out, f.y, ax, ay, (x0, x1, y0, y1));
    } else {
        let _ = writeln!(
            out,
            "<rect x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f7f7f7\"/>",
            x1 - x0,
            y1 - y0
        );
    }
    if f.pseudo_ci && contours {
        for sign in [-1.0, 1.0] {
            let p = curve(f.y, ay, |se| ax.px_free(f.estimate + sign * Z[1] * se));
            let _ = writeln!(
                out,
                "<polyline class=\"pseudo-ci\" points=\"{p}\" fill=\"none\" stroke=\"{}\" stroke-dasharray=\"2,3\" stroke-width=\"1.2\"/>",
                style::INK
            );
        }
    }
}

/// The pooled estimate's line and trim-and-fill's adjusted estimate (dashed).
fn draw_estimate_lines(out: &mut String, f: &FunnelPlot<'_>, fr: &Frame) {
    let (ax, y0, y1) = (&fr.ax, fr.y0, fr.y1);
    let _ = writeln!(
        out,
        "<line class=\"pooled\" data-estimate=\"{4}\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-width=\"1.5\"/>",
        ax.px(f.estimate),
        y0,
        y1,
        style::POOLED,
        f.estimate
    );
    if let Some(adj) = f.adjusted {
        let _ = writeln!(
            out,
            "<line class=\"adjusted\" data-estimate=\"{adj}\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-width=\"1.5\" stroke-dasharray=\"7,4\"/>",
            ax.px(adj),
            y0,
            y1,
            style::POOLED
        );
    }
}

/// The studies (solid) and trim-and-fill's filled studies (hollow).
fn draw_points(out: &mut String, f: &FunnelPlot<'_>, fr: &Frame, pts: &[(f64, f64, bool)]) {
    let (ax, ay) = (&fr.ax, &fr.ay);
    for (i, &(x, t, hollow)) in pts.iter().enumerate() {
        if !t.is_finite() {
            continue;
        }
        let (class, se) = if hollow {
            ("filled", f.filled[i - f.yi.len()].1.sqrt())
        } else {
            ("study", f.vi[i].sqrt())
        };
        let fill = if hollow { "white" } else { style::STUDY };
        let _ = writeln!(
            out,
            "<circle class=\"{class}\" data-yi=\"{x}\" data-se=\"{se}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{}\" stroke-width=\"1.2\"/>",
            ax.px(x),
            ay.px(t),
            if hollow { style::STUDY } else { "white" },
        );
    }
}

/// Points `x(se(t)), y(t)` along the vertical axis, top to bottom.
fn curve(y: FunnelY, ay: &Axis, x: impl Fn(f64) -> f64) -> String {
    let (lo, hi) = ay.range();
    let n = 80;
    (0..=n)
        .map(|i| {
            // sample densely near the apex (small SE)
            let u = i as f64 / n as f64;
            let t = match y {
                FunnelY::InvSe => lo + (hi - lo) * u,
                _ => lo + (hi - lo) * u * u,
            };
            let se = se_at(y, t.max(1e-12));
            format!("{:.1},{:.1}", x(se).clamp(-1e5, 1e5), ay.px_free(t))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The three contour regions around 0 over the p < .01 background.
fn draw_contours(out: &mut String, y: FunnelY, ax: &Axis, ay: &Axis, b: (f64, f64, f64, f64)) {
    let (x0, x1, y0, y1) = b;
    let _ = writeln!(
        out,
        "<rect class=\"contour p01\" x=\"{x0}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
        x1 - x0,
        y1 - y0,
        SHADES[3]
    );
    for (k, class) in [(2usize, "p05"), (1, "p10"), (0, "pns")] {
        let z = Z[k];
        let left = curve(y, ay, |se| ax.px_free(-z * se));
        let mut right: Vec<&str> = Vec::new();
        let r = curve(y, ay, |se| ax.px_free(z * se));
        right.extend(r.split(' ').rev());
        let _ = writeln!(
            out,
            "<polygon class=\"contour {class}\" points=\"{left} {}\" fill=\"{}\"/>",
            right.join(" "),
            SHADES[k]
        );
    }
}

/// Labels at the top of the pooled and adjusted lines, set apart when the lines are close.
fn line_labels(out: &mut String, f: &FunnelPlot<'_>, ax: &Axis, y0: f64) {
    let xp = ax.px(f.estimate);
    let Some(adj) = f.adjusted else {
        let _ = writeln!(
            out,
            "<text x=\"{xp:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{}\">pooled</text>",
            y0 - 4.0,
            style::POOLED
        );
        return;
    };
    let xa = ax.px(adj);
    let (ap, aa) = if xa >= xp {
        ("end", "start")
    } else {
        ("start", "end")
    };
    let _ = writeln!(
        out,
        "<text x=\"{xp:.1}\" y=\"{:.1}\" text-anchor=\"{ap}\" font-size=\"12\" fill=\"{}\">pooled</text><text class=\"adjusted-label\" x=\"{xa:.1}\" y=\"{:.1}\" text-anchor=\"{aa}\" font-size=\"12\" fill=\"{}\">adjusted</text>",
        y0 - 4.0,
        style::POOLED,
        y0 - 4.0,
        style::POOLED
    );
}

fn legend(f: &FunnelPlot<'_>, contours: bool, room: f64) -> Legend {
    let mut l = Legend::new(room);
    if contours {
        for (k, label) in [
            (0, "p > .10"),
            (1, ".05 < p < .10"),
            (2, ".01 < p < .05"),
            (3, "p < .01"),
        ] {
            l.push(Key::Swatch(SHADES[k].into()), label);
        }
    }
    l.push(
        Key::Line {
            colour: style::POOLED.into(),
            dash: None,
        },
        &format!("pooled estimate ({})", super::fmt_num(f.estimate)),
    );
    if let Some(a) = f.adjusted {
        l.push(
            Key::Line {
                colour: style::POOLED.into(),
                dash: Some("7,4".into()),
            },
            &format!("trim-and-fill adjusted ({})", super::fmt_num(a)),
        );
    }
    if !f.filled.is_empty() && f.y != FunnelY::N {
        l.push(Key::Hollow(style::STUDY.into()), "filled (trim-and-fill)");
    }
    if f.pseudo_ci && contours {
        l.push(
            Key::Line {
                colour: style::INK.into(),
                dash: Some("2,3".into()),
            },
            "pseudo 95% CI",
        );
    }
    l
}
