//! The league table of a network as a heat map.

use std::fmt::Write as _;

use super::{esc, fmt_num, header, style};
use crate::effect::Measure;
use crate::model::network::{LeagueCell, NetworkFit, NetworkMethod};

/// Blends white towards `rgb` by `t` (0–1).
fn tint(rgb: (u8, u8, u8), t: f64) -> String {
    let mix = |c: u8| (255.0 - (255.0 - c as f64) * t.clamp(0.0, 1.0)).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(rgb.0), mix(rgb.1), mix(rgb.2))
}

/// The league table as a heat map: treatments on the diagonal (sorted by random-effects
/// P-score, best first), each cell the row treatment against the column treatment, random
/// effects below the diagonal and common effect above (netmeta's `netleague` with the two
/// models); the colour shows which treatment the estimate favours (blue: the row treatment,
/// red: the column treatment) and how strongly; cells whose CI excludes the null are bold and
/// outlined.
pub fn network_league(fit: &NetworkFit, measure: Measure, title: &str) -> String {
    let n = fit.treatments.len();
    let order = by_p_score(fit);
    let longest = fit
        .treatments
        .iter()
        .map(|t| t.chars().count().min(crate::report::svg::MAX_LABEL))
        .max()
        .unwrap_or(4) as f64;
    let g = Grid {
        cw: (longest * 7.0 + 16.0).max(112.0),
        ch: 42.0,
        x0: 10.0,
        y0: 80.0,
        sign: if fit.small_values_good { -1.0 } else { 1.0 },
        max_abs: fit
            .random
            .league
            .iter()
            .chain(&fit.common.league)
            .flatten()
            .map(|c| c.estimate.abs())
            .fold(0.0f64, f64::max)
            .max(1e-12),
        ratio: measure.is_log_scale(),
    };
    let width = (g.x0 + g.cw * n as f64 + 10.0).max(560.0);
    let height = g.y0 + g.ch * n as f64 + 112.0;
    let mut out = header(width, height, title);
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"44\" fill=\"#555555\">Cell in row A, column B: A vs B, {} [{}% CI].</text><text x=\"10\" y=\"62\" fill=\"#555555\">Lower-left triangle: random effects ({}); upper-right: common effect.</text>",
        if measure == Measure::Smd { "SMD" } else { measure.code() },
        fit.level,
        match fit.method {
            NetworkMethod::Dl => "DL",
            NetworkMethod::Reml => "REML",
        }
    );
    for (r, &i) in order.iter().enumerate() {
        for (c, &j) in order.iter().enumerate() {
            draw_cell(&mut out, fit, &g, (r, i), (c, j));
        }
    }
    draw_key(&mut out, fit, g.y0 + g.ch * n as f64, g.ratio);
    out.push_str("</svg>\n");
    out
}

/// The treatments' indices by random-effects P-score, best first.
fn by_p_score(fit: &NetworkFit) -> Vec<usize> {
    let ps = |i: usize| {
        fit.p_scores
            .iter()
            .find(|p| p.treatment == fit.treatments[i])
            .map_or(0.0, |p| p.random)
    };
    let mut order: Vec<usize> = (0..fit.treatments.len()).collect();
    order.sort_by(|&a, &b| ps(b).total_cmp(&ps(a)));
    order
}

/// The grid of cells and how they are coloured.
struct Grid {
    /// Cell width and height.
    cw: f64,
    ch: f64,
    /// The grid's top-left corner.
    x0: f64,
    y0: f64,
    /// -1 when smaller values are better, else 1.
    sign: f64,
    /// The largest absolute estimate (full colour).
    max_abs: f64,
    /// Numbers shown as ratios.
    ratio: bool,
}

/// The cell at grid row `r` (treatment `i`), column `c` (treatment `j`): the treatment's name on
/// the diagonal, else the estimate [CI] coloured by the side it favours.
fn draw_cell(
    out: &mut String,
    fit: &NetworkFit,
    g: &Grid,
    (r, i): (usize, usize),
    (c, j): (usize, usize),
) {
    let (cw, ch) = (g.cw, g.ch);
    let (x, y) = (g.x0 + cw * c as f64, g.y0 + ch * r as f64);
    let (cx, cy) = (x + cw / 2.0, y + ch / 2.0);
    if i == j {
        let _ = writeln!(
            out,
            "<rect class=\"diagonal\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cw:.1}\" height=\"{ch:.1}\" fill=\"#eeeeee\" stroke=\"white\"/><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            cy + 4.0,
            crate::report::svg::label(&fit.treatments[i])
        );
        return;
    }
    let show = |x: f64| if g.ratio { x.exp() } else { x };
    let (sign, max_abs) = (g.sign, g.max_abs);
    let (model, lower) = if r > c {
        (&fit.random, "random")
    } else {
        (&fit.common, "common")
    };
    let Some(cell) = model.league.get(i).and_then(|row| row.get(j)) else {
        return;
    };
    let LeagueCell {
        estimate,
        ci_lower,
        ci_upper,
    } = *cell;
    let sig = ci_lower > 0.0 || ci_upper < 0.0;
    let good = sign * estimate;
    let strength = (estimate.abs() / max_abs).sqrt() * 0.85;
    let fill = if good >= 0.0 {
        tint((0x1f, 0x4e, 0x79), strength)
    } else {
        tint((0xb0, 0x3a, 0x2e), strength)
    };
    let ink = if strength > 0.62 { "white" } else { style::INK };
    let weight = if sig { " font-weight=\"bold\"" } else { "" };
    let stroke = if sig {
        format!(" stroke=\"{}\" stroke-width=\"2\"", style::INK)
    } else {
        " stroke=\"white\"".to_string()
    };
    let _ = writeln!(
        out,
        "<g class=\"cell {lower}\" data-row=\"{}\" data-column=\"{}\" data-estimate=\"{estimate}\" data-ci-lower=\"{ci_lower}\" data-ci-upper=\"{ci_upper}\" data-significant=\"{sig}\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"{stroke}/><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\"{weight}>{}</text><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\"{weight}>[{}, {}]</text></g>",
        esc(&fit.treatments[i]),
        esc(&fit.treatments[j]),
        x + 1.0,
        y + 1.0,
        cw - 2.0,
        ch - 2.0,
        cy - 3.0,
        fmt_num(show(estimate)),
        cy + 13.0,
        fmt_num(show(ci_lower)),
        fmt_num(show(ci_upper))
    );
}

/// The colour key and the notes under the grid (whose bottom is at `bottom`).
fn draw_key(out: &mut String, fit: &NetworkFit, bottom: f64, ratio: bool) {
    let ky = bottom + 24.0;
    let better = if fit.small_values_good {
        "Smaller values are better"
    } else {
        "Larger values are better"
    };
    let _ = writeln!(
        out,
        "<rect x=\"10\" y=\"{:.1}\" width=\"14\" height=\"12\" fill=\"{}\"/><text x=\"30\" y=\"{ky:.1}\">favours the row treatment</text><rect x=\"210\" y=\"{0:.1}\" width=\"14\" height=\"12\" fill=\"{}\"/><text x=\"230\" y=\"{ky:.1}\">favours the column treatment</text>",
        ky - 10.0,
        tint((0x1f, 0x4e, 0x79), 0.6),
        tint((0xb0, 0x3a, 0x2e), 0.6)
    );
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555555\">{better}; bold, outlined: the CI excludes {}.</text><text x=\"10\" y=\"{:.1}\" fill=\"#555555\">Order: random-effects P-score, best first.</text>",
        ky + 22.0,
        if ratio { "1" } else { "0" },
        ky + 40.0
    );
}
