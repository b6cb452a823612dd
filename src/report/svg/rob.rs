//! Risk-of-bias plots in robvis's look: the traffic-light plot (studies × domains, a coloured
//! circle with a symbol per judgement) and the summary plot (per domain, stacked horizontal bars
//! of the share of studies — weighted by the pooled model's weights when the domain was pooled —
//! at each judgement). Colours are robvis's; every judgement also has its own symbol, so the
//! plots read without colour.
//!
//! Marks carry `class="rob-dot low"` (or `some-concerns`, `high`, `no-information`) with
//! `data-study`, `data-domain` and `data-judgement`; bar segments carry `class="rob-bar …"` with
//! `data-domain`, `data-judgement` and `data-share`.

use std::fmt::Write as _;

use super::{esc, header, style};
use crate::framework::rob::{Judgement, RobAssessment, Tool};

/// robvis's colour of a judgement.
pub fn rob_colour(j: Judgement) -> &'static str {
    match j {
        Judgement::Low => "#02C100",
        Judgement::SomeConcerns => "#E2DF07",
        Judgement::High => "#BF0000",
        Judgement::Moderate => "#E2DF07",
        Judgement::Serious => "#BF0000",
        Judgement::Critical => "#820000",
        Judgement::NoInformation => "#4EA1F7",
    }
}

/// The symbol drawn in a judgement's circle (robvis: + low, − some concerns or moderate, ×
/// high or serious, ! critical, ? no information).
pub fn rob_symbol(j: Judgement) -> &'static str {
    match j {
        Judgement::Low => "+",
        Judgement::SomeConcerns => "−",
        Judgement::High | Judgement::Serious => "×",
        Judgement::Moderate => "−",
        Judgement::Critical => "!",
        Judgement::NoInformation => "?",
    }
}

/// The CSS class of a judgement (`low`, `some-concerns`, `high`, `moderate`, `serious`,
/// `critical`, `no-information`).
pub fn rob_class(j: Judgement) -> &'static str {
    match j {
        Judgement::Low => "low",
        Judgement::SomeConcerns => "some-concerns",
        Judgement::High => "high",
        Judgement::Moderate => "moderate",
        Judgement::Serious => "serious",
        Judgement::Critical => "critical",
        Judgement::NoInformation => "no-information",
    }
}

/// One judgement's circle with its symbol, centred at (`x`, `y`), radius `r`; `attrs` are
/// extra attributes of the group (`data-*`).
pub(super) fn dot(out: &mut String, x: f64, y: f64, r: f64, j: Judgement, attrs: &str) {
    let _ = writeln!(
        out,
        "<g class=\"rob-dot {}\" data-judgement=\"{}\"{attrs}><title>{}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{}\" stroke=\"#333333\" stroke-width=\"0.6\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{:.0}\" font-weight=\"bold\" fill=\"{}\">{}</text></g>",
        rob_class(j),
        rob_class(j),
        j.label(),
        rob_colour(j),
        y + r * 0.42,
        (r * 1.25).max(12.0),
        if j == Judgement::Critical {
            "#FFFFFF"
        } else {
            "#111111"
        },
        rob_symbol(j)
    );
}

/// The legend's judgements: the tool's (no information only when it occurs), in order.
fn legend_judgements(a: &RobAssessment) -> Vec<Judgement> {
    let none = a
        .studies
        .iter()
        .any(|s| s.judgements.contains(&Judgement::NoInformation));
    a.tool
        .judgements()
        .iter()
        .copied()
        .filter(|j| *j != Judgement::NoInformation || none)
        .collect()
}

/// The symbols of a tool in words ("+ low, − some concerns, × high, ? no information").
pub fn symbol_key(tool: Tool) -> String {
    tool.judgements()
        .iter()
        .map(|j| format!("{} {}", rob_symbol(*j), j.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The traffic-light plot of one assessment: a row per study, a column per RoB 2 domain and the
/// overall judgement, a legend of judgements and a key of the domains.
pub fn traffic_light(a: &RobAssessment, title: &str) -> String {
    let label_w = (a
        .studies
        .iter()
        .map(|s| s.study.chars().count())
        .max()
        .unwrap_or(5) as f64
        * 6.6
        + 20.0)
        .clamp(90.0, 300.0);
    let col_w = 46.0;
    let row_h = 30.0;
    let top = 78.0;
    let ncol = a.columns.len();
    let grid_w = col_w * ncol as f64;
    let legend_x = label_w + grid_w + 24.0;
    let key_lines = ncol;
    let height = top + row_h * a.studies.len() as f64 + 30.0 + 16.0 * (key_lines as f64 + 2.0);
    let width = (legend_x + 150.0).max(520.0);
    let mut out = header(width, height, title);
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"44\" text-anchor=\"middle\" font-weight=\"bold\">Risk of bias domains ({})</text>",
        label_w + grid_w / 2.0,
        a.tool.name()
    );
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{:.1}\" font-weight=\"bold\">Study</text>",
        top - 8.0
    );
    let grid_h = row_h * a.studies.len() as f64;
    let g = Grid {
        label_w,
        col_w,
        row_h,
        top,
    };
    draw_grid(&mut out, a, &g);
    draw_judgement_key(&mut out, a, legend_x, top);
    draw_domain_key(&mut out, a, top + grid_h + 28.0);
    out.push_str("</svg>\n");
    out
}

/// The summary plot of one assessment: per column a horizontal bar split into the shares of
/// each judgement (weighted by the pooled model's weights when `a.weighted`, else each study
/// once, said in the axis title), with percentages on the axis and a legend below.
pub fn summary(a: &RobAssessment, title: &str) -> String {
    let label_w = (a
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(10) as f64
        * 6.4
        + 20.0)
        .clamp(120.0, 360.0);
    let bar_w = 420.0;
    let row_h = 30.0;
    let top = 44.0;
    let n = a.columns.len();
    let height = top + row_h * n as f64 + 92.0;
    let step = |j: Judgement| 30.0 + 7.0 * (j.label().len() as f64 + 4.0);
    let legend = legend_judgements(a);
    let legend_w: f64 = legend.iter().map(|j| step(*j)).sum::<f64>() - 30.0;
    let legend_x = (label_w + bar_w / 2.0 - legend_w / 2.0).max(10.0);
    let width = (label_w + bar_w + 30.0).max(legend_x + legend_w + 10.0);
    let mut out = header(width, height, title);
    let b = Bars {
        x0: label_w,
        bar_w,
        row_h,
        top,
    };
    draw_percent_axis(&mut out, &b, n);
    draw_bars(&mut out, a, &b);
    let yb = top + row_h * n as f64 + 34.0;
    draw_share_legend(&mut out, a, &b, yb, legend_x);
    out.push_str("</svg>\n");
    out
}

/// The traffic-light grid: label column width, cell width and height, top of the first row.
struct Grid {
    label_w: f64,
    col_w: f64,
    row_h: f64,
    top: f64,
}

/// The domain columns (shaded, headed by their short names) and a row of dots per study.
fn draw_grid(out: &mut String, a: &RobAssessment, g: &Grid) {
    let (label_w, col_w, row_h, top) = (g.label_w, g.col_w, g.row_h, g.top);
    let grid_w = col_w * a.columns.len() as f64;
    let grid_h = row_h * a.studies.len() as f64;
    for (c, col) in a.columns.iter().enumerate() {
        let x = label_w + col_w * c as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#EBEBEB\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
            x + 1.0,
            top - 26.0,
            col_w - 2.0,
            grid_h + 26.0,
            x + col_w / 2.0,
            top - 8.0,
            esc(&col.short)
        );
    }
    for (i, s) in a.studies.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let _ = writeln!(
            out,
            "<line x1=\"10\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"white\" stroke-width=\"1.5\"/><text x=\"10\" y=\"{2:.1}\">{3}</text>",
            y + row_h / 2.0,
            label_w + grid_w,
            y + 4.0,
            crate::report::svg::label(&s.study)
        );
        for (c, j) in s.judgements.iter().enumerate() {
            let x = label_w + col_w * c as f64 + col_w / 2.0;
            let attrs = format!(
                " data-study=\"{}\" data-domain=\"{}\"",
                esc(&s.study),
                esc(&a.columns[c].short)
            );
            dot(out, x, y, 11.0, *j, &attrs);
        }
    }
}

/// The legend of judgements right of the grid.
fn draw_judgement_key(out: &mut String, a: &RobAssessment, legend_x: f64, top: f64) {
    let _ = writeln!(
        out,
        "<text x=\"{legend_x:.1}\" y=\"{:.1}\" font-weight=\"bold\">Judgement</text>",
        top - 8.0
    );
    for (k, j) in legend_judgements(a).into_iter().enumerate() {
        let y = top + 14.0 + 26.0 * k as f64;
        let mut g = String::new();
        dot(&mut g, legend_x + 10.0, y, 9.0, j, " data-legend=\"true\"");
        out.push_str(&g.replacen("rob-dot", "rob-legend", 1));
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            legend_x + 26.0,
            y + 4.0,
            j.label()
        );
    }
}

/// The key of the domains under the grid, from `ky`.
fn draw_domain_key(out: &mut String, a: &RobAssessment, ky: f64) {
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"{ky:.1}\" font-weight=\"bold\">Domains:</text>"
    );
    for (c, col) in a.columns.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{:.1}\">{}: {}.</text>",
            ky + 16.0 * (c as f64 + 1.0),
            esc(&col.short),
            esc(&col.name)
        );
    }
}

/// The summary plot's bars: their left edge and width, row height, top of the first row.
struct Bars {
    x0: f64,
    bar_w: f64,
    row_h: f64,
    top: f64,
}

impl Bars {
    /// The x of share `p`.
    fn px(&self, p: f64) -> f64 {
        self.x0 + self.bar_w * p
    }
}

/// The percentage gridlines and their labels under `n` bars.
fn draw_percent_axis(out: &mut String, b: &Bars, n: usize) {
    let (top, row_h) = (b.top, b.row_h);
    let px = |p: f64| b.px(p);
    for t in 0..=4 {
        let p = t as f64 / 4.0;
        let _ = writeln!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-dasharray=\"2,3\"/><text x=\"{0:.1}\" y=\"{4:.1}\" text-anchor=\"middle\">{5:.0}%</text>",
            px(p),
            top - 4.0,
            top + row_h * n as f64 + 2.0,
            style::GRID,
            top + row_h * n as f64 + 16.0,
            p * 100.0
        );
    }
}

/// A bar per column, split into the shares of each judgement.
fn draw_bars(out: &mut String, a: &RobAssessment, b: &Bars) {
    let (x0, bar_w, row_h, top) = (b.x0, b.bar_w, b.row_h, b.top);
    let px = |p: f64| b.px(p);
    for (c, col) in a.columns.iter().enumerate() {
        let y = top + row_h * c as f64;
        let bold = if col.short == "Overall" {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"{bold}>{}</text>",
            x0 - 8.0,
            y + row_h / 2.0 + 4.0,
            esc(&col.name)
        );
        let sh = &a.shares[c];
        let mut start = 0.0;
        for &j in a.tool.judgements() {
            let p = sh.get(j);
            if p.is_nan() || p <= 0.0 {
                continue;
            }
            let _ = writeln!(
                out,
                "<rect class=\"rob-bar {}\" data-domain=\"{}\" data-judgement=\"{}\" data-share=\"{p}\" x=\"{:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{}\" stroke=\"#333333\" stroke-width=\"0.5\"><title>{}: {:.0}%</title></rect>",
                rob_class(j),
                esc(&col.short),
                rob_class(j),
                px(start),
                y + 4.0,
                bar_w * p,
                row_h - 8.0,
                rob_colour(j),
                j.label(),
                p * 100.0
            );
            start += p;
        }
    }
}

/// The axis title (weighted or not) at `yb` and the legend of judgements under it from
/// `legend_x`.
fn draw_share_legend(out: &mut String, a: &RobAssessment, b: &Bars, yb: f64, legend_x: f64) {
    let step = |j: Judgement| 30.0 + 7.0 * (j.label().len() as f64 + 4.0);
    let (x0, bar_w) = (b.x0, b.bar_w);
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{yb:.1}\" text-anchor=\"middle\">{}</text>",
        x0 + bar_w / 2.0,
        if a.weighted {
            "Share of studies, weighted by the pooled model's weights"
        } else {
            "Share of studies (unweighted: the domain was not pooled)"
        }
    );
    let mut x = legend_x;
    for j in legend_judgements(a) {
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"14\" fill=\"{}\" stroke=\"#333333\" stroke-width=\"0.5\"/><text x=\"{:.1}\" y=\"{:.1}\">{} ({})</text>",
            yb + 14.0,
            rob_colour(j),
            x + 20.0,
            yb + 25.0,
            j.label(),
            rob_symbol(j)
        );
        x += step(j);
    }
}
