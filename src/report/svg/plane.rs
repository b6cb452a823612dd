//! Cost-effectiveness plane.

use std::fmt::Write as _;

use super::legend::{Key, Legend};
use super::{esc, header, left_margin, style, x_axis, y_axis, Axis};

/// Dash patterns of the WTP lines: unlike the series' (`style::DASHES`), which the ellipses use.
const WTP_DASHES: [&str; 4] = ["1.5,3", "14,3,3,3,3,3", "18,5", "1.5,6"];

/// χ²₂ 0.95 quantile: the squared Mahalanobis radius of a 95 % bivariate normal region.
const CHI2_2_95: f64 = 5.991464547107979;

/// One comparison on the plane: its draws (incremental cost, incremental effect), the mean and
/// the covariance matrix of (effect, cost) that the 95 % ellipse is drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaneSeries {
    /// Name ("peer vs control").
    pub name: String,
    /// Draws or bootstrap replicates, `(Δcost, Δeffect)`; may be empty.
    pub draws: Vec<(f64, f64)>,
    /// The point estimate `(Δcost, Δeffect)`.
    pub mean: (f64, f64),
    /// Covariance `[[var(Δe), cov], [cov, var(Δc)]]` for the ellipse, if any.
    pub cov: Option<[[f64; 2]; 2]>,
    /// What the ellipse is: the spread of the draws, or a confidence region of the mean.
    pub region: &'static str,
}

impl PlaneSeries {
    /// A series of draws with their mean and the 95 % ellipse of a bivariate normal with the
    /// draws' covariance (the region holding about 95 % of the draws).
    pub fn from_draws(name: &str, draws: Vec<(f64, f64)>) -> Self {
        let n = draws.len() as f64;
        let (mc, me) = draws
            .iter()
            .fold((0.0, 0.0), |(a, b), &(c, e)| (a + c / n, b + e / n));
        let cov = (draws.len() > 2).then(|| {
            let (mut vee, mut vcc, mut vce) = (0.0, 0.0, 0.0);
            for &(c, e) in &draws {
                vee += (e - me) * (e - me);
                vcc += (c - mc) * (c - mc);
                vce += (c - mc) * (e - me);
            }
            let d = n - 1.0;
            [[vee / d, vce / d], [vce / d, vcc / d]]
        });
        PlaneSeries {
            name: name.to_string(),
            draws,
            mean: (mc, me),
            cov,
            region: "95% region of the draws",
        }
    }
}

/// A cost-effectiveness plane of draws with the willingness-to-pay line at `wtp`: see
/// [`ce_plane`].
pub fn plane(series: &[(String, Vec<(f64, f64)>)], wtp: f64, title: &str) -> String {
    let s: Vec<PlaneSeries> = series
        .iter()
        .map(|(n, d)| PlaneSeries::from_draws(n, d.clone()))
        .collect();
    ce_plane(&s, &[wtp], title)
}

/// Boundary of the 95 % ellipse: `(Δe, Δc)` points.
fn ellipse(mean: (f64, f64), cov: [[f64; 2]; 2]) -> Option<Vec<(f64, f64)>> {
    // Cholesky of [[a, b], [b, d]]
    let (a, b, d) = (cov[0][0], cov[0][1], cov[1][1]);
    if !(a > 0.0 && d >= 0.0) {
        return None;
    }
    let l11 = a.sqrt();
    let l21 = b / l11;
    let l22 = (d - l21 * l21).max(0.0).sqrt();
    let r = CHI2_2_95.sqrt();
    Some(
        (0..=72)
            .map(|i| {
                let t = i as f64 / 72.0 * std::f64::consts::TAU;
                let (u, v) = (r * t.cos(), r * t.sin());
                (mean.1 + l11 * u, mean.0 + l21 * u + l22 * v)
            })
            .collect(),
    )
}

/// A cost-effectiveness plane: incremental effect (x) against incremental cost (y); for each
/// series its draws (translucent), its mean (a cross) and the 95 % ellipse; a dashed line
/// through the origin for each willingness to pay (up to four: more would hide the cloud);
/// quadrant labels in the corners on a backing so points cannot hide them; a legend below.
pub fn ce_plane(series: &[PlaneSeries], wtp: &[f64], title: &str) -> String {
    let wtp: Vec<f64> = wtp
        .iter()
        .copied()
        .filter(|w| w.is_finite())
        .take(4)
        .collect();
    let ells: Vec<Option<Vec<(f64, f64)>>> = series
        .iter()
        .map(|s| s.cov.and_then(|c| ellipse(s.mean, c)))
        .collect();
    let (xlo, xhi, ylo, yhi) = ranges(series, &ells);
    let w = 660.0;
    let (y0, y1) = (50.0, 430.0);
    let yticks = Axis::new(ylo, yhi, y1, y0).labelled_ticks(true);
    let x0 = left_margin(&yticks);
    let x1 = w - 20.0;
    let ax = Axis::new(xlo, xhi, x0, x1);
    let ay = Axis::new(ylo, yhi, y1, y0);
    let legend = legend(series, &ells, &wtp, w - 20.0);
    let h = y1 + 52.0 + legend.height();
    let mut out = header(w, h, title);
    draw_area(&mut out, &ax, &ay, (x0, x1, y0, y1));
    draw_draws(&mut out, series, &ax, &ay);
    for (k, dash) in wtp.iter().zip(WTP_DASHES) {
        wtp_line(&mut out, *k, dash, &ax, &ay);
    }
    draw_means(&mut out, series, &ells, &ax, &ay);
    out.push_str("</g>\n");
    quadrants(&mut out, (x0, x1, y0, y1));
    y_axis(&mut out, &ay, x0, &yticks, "Incremental cost");
    x_axis(&mut out, &ax, y1, false, "Incremental effect");
    legend.draw(&mut out, 10.0, y1 + 50.0);
    out.push_str("</svg>\n");
    out
}

/// The ranges (effect low, high, cost low, high) over the origin, every draw, mean and ellipse,
/// padded by 8 %.
fn ranges(series: &[PlaneSeries], ells: &[Option<Vec<(f64, f64)>>]) -> (f64, f64, f64, f64) {
    let (mut xlo, mut xhi, mut ylo, mut yhi) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut take = |e: f64, c: f64| {
        if e.is_finite() && c.is_finite() {
            xlo = xlo.min(e);
            xhi = xhi.max(e);
            ylo = ylo.min(c);
            yhi = yhi.max(c);
        }
    };
    for (s, e) in series.iter().zip(ells) {
        s.draws.iter().for_each(|&(c, e)| take(e, c));
        take(s.mean.1, s.mean.0);
        e.iter().flatten().for_each(|&(x, y)| take(x, y));
    }
    let px = 0.08 * (xhi - xlo).max(1e-9);
    let py = 0.08 * (yhi - ylo).max(1e-9);
    (xlo - px, xhi + px, ylo - py, yhi + py)
}

/// The plot area's background, and the clipped group (left open) with the axes through the
/// origin.
fn draw_area(out: &mut String, ax: &Axis, ay: &Axis, (x0, x1, y0, y1): (f64, f64, f64, f64)) {
    let _ = writeln!(
        out,
        "<rect x=\"{x0:.1}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fafafa\" stroke=\"{}\"/>",
        x1 - x0,
        y1 - y0,
        style::GRID
    );
    let _ = writeln!(
        out,
        "<clipPath id=\"plotarea\"><rect x=\"{x0:.1}\" y=\"{y0}\" width=\"{:.1}\" height=\"{:.1}\"/></clipPath><g clip-path=\"url(#plotarea)\">",
        x1 - x0,
        y1 - y0
    );
    let (cx, cy) = (ax.px(0.0), ay.px(0.0));
    let _ = writeln!(out, "<line x1=\"{x0:.1}\" y1=\"{cy:.1}\" x2=\"{x1}\" y2=\"{cy:.1}\" stroke=\"{0}\"/><line x1=\"{cx:.1}\" y1=\"{y0}\" x2=\"{cx:.1}\" y2=\"{y1}\" stroke=\"{0}\"/>", style::GRID);
}

/// Each series' draws: a few points (studies) large, a cloud of draws small and translucent.
fn draw_draws(out: &mut String, series: &[PlaneSeries], ax: &Axis, ay: &Axis) {
    let colours = style::PALETTE;
    for (k, s) in series.iter().enumerate() {
        let col = colours[k % colours.len()];
        // a few points (studies) are drawn large; a cloud of draws small and translucent
        let (r, op) = if s.draws.len() < 50 {
            (4.0, 0.75)
        } else {
            (1.8, 0.3)
        };
        let _ = writeln!(
            out,
            "<g class=\"draws\" data-series=\"{}\" fill=\"{col}\" fill-opacity=\"{op}\">",
            esc(&s.name)
        );
        for &(dc, de) in &s.draws {
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\"/>",
                ax.px(de),
                ay.px(dc)
            );
        }
        let _ = writeln!(out, "</g>");
    }
}

/// Each series' 95 % ellipse and its mean (a cross).
fn draw_means(
    out: &mut String,
    series: &[PlaneSeries],
    ells: &[Option<Vec<(f64, f64)>>],
    ax: &Axis,
    ay: &Axis,
) {
    let colours = style::PALETTE;
    for (k, (s, e)) in series.iter().zip(ells).enumerate() {
        let col = colours[k % colours.len()];
        if let Some(pts) = e {
            let p: Vec<String> = pts
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", ax.px(x), ay.px(y)))
                .collect();
            let _ = writeln!(
                out,
                "<polygon class=\"ellipse\" data-series=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2\" stroke-dasharray=\"{}\"/>",
                esc(&s.name),
                p.join(" "),
                style::DASHES[k % style::DASHES.len()]
            );
        }
        let (mx, my) = (ax.px(s.mean.1), ay.px(s.mean.0));
        let _ = writeln!(
            out,
            "<path class=\"mean\" data-series=\"{}\" data-cost=\"{}\" data-effect=\"{}\" d=\"M{:.1},{my:.1}h14M{mx:.1},{:.1}v14\" stroke=\"white\" stroke-width=\"5\"/><path d=\"M{:.1},{my:.1}h14M{mx:.1},{:.1}v14\" stroke=\"{col}\" stroke-width=\"2.5\"/>",
            esc(&s.name),
            s.mean.0,
            s.mean.1,
            mx - 7.0,
            my - 7.0,
            mx - 7.0,
            my - 7.0
        );
    }
}

/// A dashed line through the origin at willingness to pay `wtp`.
fn wtp_line(out: &mut String, wtp: f64, dash: &str, ax: &Axis, ay: &Axis) {
    let (elo, ehi) = ax.range();
    let _ = writeln!(
        out,
        "<line class=\"wtp\" data-wtp=\"{wtp}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"{dash}\"/>",
        ax.px_free(elo),
        ay.px_free(wtp * elo),
        ax.px_free(ehi),
        ay.px_free(wtp * ehi),
        style::INK
    );
}

/// Quadrant labels in the plot's corners, each on a light backing drawn over the points.
fn quadrants(out: &mut String, (x0, x1, y0, y1): (f64, f64, f64, f64)) {
    let size = 12.0;
    for (text, right, top) in [
        ("more costly, more effective", true, true),
        ("dominated (costlier, less effective)", false, true),
        ("dominant (cheaper, more effective)", true, false),
        ("cheaper, less effective", false, false),
    ] {
        let tw = super::text_width(text, size);
        let bx = if right { x1 - tw - 10.0 } else { x0 + 2.0 };
        let by = if top { y0 + 2.0 } else { y1 - 18.0 };
        let _ = writeln!(
            out,
            "<rect class=\"quadrant-bg\" x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{:.1}\" height=\"16\" fill=\"white\" fill-opacity=\"0.85\"/><text class=\"quadrant\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size}\" fill=\"#555555\">{}</text>",
            tw + 8.0,
            bx + 4.0,
            by + 12.0,
            esc(text)
        );
    }
}

fn legend(
    series: &[PlaneSeries],
    ells: &[Option<Vec<(f64, f64)>>],
    wtp: &[f64],
    room: f64,
) -> Legend {
    let mut l = Legend::new(room);
    for (k, s) in series.iter().enumerate() {
        let col = style::PALETTE[k % style::PALETTE.len()];
        l.push(Key::Dot(col.into()), &s.name);
    }
    l.push(Key::Cross(style::INK.into()), "mean");
    if let Some((s, _)) = series.iter().zip(ells).find(|(_, e)| e.is_some()) {
        l.push(
            Key::Hollow(style::INK.into()),
            &format!("ellipse: {}", s.region),
        );
    }
    for (w, dash) in wtp.iter().zip(WTP_DASHES) {
        l.push(
            Key::Line {
                colour: style::INK.into(),
                dash: Some(dash.into()),
            },
            &format!("WTP £{} per unit of effect", group(*w)),
        );
    }
    l
}

/// A money amount with thousands separated: 20000 → "20,000".
fn group(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut g = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    if v < 0.0 {
        format!("-{g}")
    } else {
        g
    }
}
