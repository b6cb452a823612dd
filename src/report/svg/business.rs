//! The plots of a business case: the cumulative discounted cash flow with its 95 % band, the
//! tornado of the one-way sensitivity, and the acceptability curve of the programme.

use std::fmt::Write as _;

use super::{esc, header, left_margin, style, text_width, x_axis_at, y_axis, Axis};
use crate::econ::business::BusinessCase;

/// Amounts are shown in £, £ thousands or £ millions, whichever reads best.
fn unit(max_abs: f64) -> (f64, &'static str) {
    if max_abs >= 2e6 {
        (1e6, "£ million")
    } else if max_abs >= 2e4 {
        (1e3, "£ thousand")
    } else {
        (1.0, "£")
    }
}

/// Cumulative discounted savings − costs by year (the point estimate line, the draws' 95 %
/// band and the break-even line at 0). Points carry `data-year`, `data-value`, `data-lower`,
/// `data-upper` (in £).
pub fn business_cashflow(c: &BusinessCase, title: Option<&str>) -> String {
    let title = title.unwrap_or("Cumulative discounted cash flow");
    let w = 640.0;
    let (y0, y1) = (50.0, 380.0);
    let pts = &c.cashflow;
    let all = pts
        .iter()
        .flat_map(|p| [p.cumulative_npv, p.lower, p.upper]);
    let (lo, hi) = all
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (div, name) = unit(lo.abs().max(hi.abs()));
    let pad = ((hi - lo) / div * 0.05).max(1e-9);
    let ay = Axis::new(lo / div - pad, hi / div + pad, y1, y0);
    let yticks = money_ticks(ay.labelled_ticks(true));
    let x0 = left_margin(&yticks);
    let x1 = w - 24.0;
    let n = pts.len() as f64;
    let ax = Axis::new(0.5, n + 0.5, x0, x1);
    let mut out = header(w, y1 + 56.0, title);
    let _ = writeln!(
        out,
        "<line class=\"breakeven\" x1=\"{x0:.1}\" y1=\"{0:.1}\" x2=\"{x1:.1}\" y2=\"{0:.1}\" stroke=\"{1}\" stroke-dasharray=\"4,4\"/>",
        ay.px(0.0),
        style::GRID
    );
    let upper: Vec<String> = pts
        .iter()
        .map(|p| format!("{:.1},{:.1}", ax.px(p.year as f64), ay.px(p.upper / div)))
        .collect();
    let lower: Vec<String> = pts
        .iter()
        .rev()
        .map(|p| format!("{:.1},{:.1}", ax.px(p.year as f64), ay.px(p.lower / div)))
        .collect();
    let _ = writeln!(
        out,
        "<polygon class=\"band\" points=\"{} {}\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>",
        upper.join(" "),
        lower.join(" "),
        style::STUDY
    );
    let line: Vec<String> = pts
        .iter()
        .map(|p| {
            format!(
                "{:.1},{:.1}",
                ax.px(p.year as f64),
                ay.px(p.cumulative_npv / div)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<polyline class=\"cashflow-line\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
        line.join(" "),
        style::STUDY
    );
    for p in pts {
        let _ = writeln!(
            out,
            "<circle class=\"cashflow\" data-year=\"{}\" data-value=\"{}\" data-lower=\"{}\" data-upper=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"/>",
            p.year,
            p.cumulative_npv,
            p.lower,
            p.upper,
            ax.px(p.year as f64),
            ay.px(p.cumulative_npv / div),
            style::STUDY
        );
    }
    let every = (pts.len() / 15).max(1);
    let xticks: Vec<(f64, String)> = pts
        .iter()
        .filter(|p| (p.year - 1) % every == 0)
        .map(|p| (p.year as f64, p.year.to_string()))
        .collect();
    y_axis(
        &mut out,
        &ay,
        x0,
        &yticks,
        &format!("Cumulative savings − costs ({name}, discounted)"),
    );
    x_axis_at(
        &mut out,
        &ax,
        y1,
        &xticks,
        "Year (shaded: 95% interval over the draws)",
    );
    out.push_str("</svg>\n");
    out
}

/// The tornado: one bar per input from its low to its high value's net monetary benefit at the
/// first willingness to pay (the NPV when no QALYs are counted), widest first, with the point
/// estimate as a vertical line. Bars carry `data-input`, `data-low`, `data-high` (in £).
pub fn business_tornado(c: &BusinessCase, title: Option<&str>) -> String {
    let wtp = c.by_wtp.first().map_or(0.0, |w| w.wtp);
    let base = c.by_wtp.first().map_or(c.npv, |w| w.nmb);
    let title = title.unwrap_or("One-way sensitivity");
    let rows = &c.tornado;
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} ({} to {})", r.input, short(r.low), short(r.high)))
        .collect();
    let lw = labels
        .iter()
        .map(|l| text_width(l, style::SIZE))
        .fold(120.0, f64::max)
        .min(330.0);
    let w = 640.0 + (lw - 120.0);
    let x0 = lw + 20.0;
    let x1 = w - 24.0;
    let y0 = 50.0;
    let row_h = 24.0;
    let y1 = y0 + row_h * rows.len().max(1) as f64;
    let vals = rows
        .iter()
        .flat_map(|r| [r.nmb_low, r.nmb_high])
        .chain([base]);
    let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (div, name) = unit(lo.abs().max(hi.abs()));
    let pad = ((hi - lo) / div * 0.05).max(1e-9);
    let ax = Axis::new(lo / div - pad, hi / div + pad, x0, x1);
    let mut out = header(w, y1 + 60.0, title);
    for (i, (r, l)) in rows.iter().zip(&labels).enumerate() {
        let y = y0 + row_h * i as f64 + 4.0;
        let (a, b) = (ax.px(r.nmb_low / div), ax.px(r.nmb_high / div));
        let (left, width) = (a.min(b), (a - b).abs().max(1.0));
        let _ = writeln!(
            out,
            "<text class=\"tornado-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 8.0,
            y + row_h / 2.0,
            esc(l)
        );
        let _ = writeln!(
            out,
            "<rect class=\"tornado\" data-input=\"{}\" data-low=\"{}\" data-high=\"{}\" x=\"{left:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
            esc(&r.input),
            r.nmb_low,
            r.nmb_high,
            row_h - 8.0,
            style::STUDY
        );
    }
    let bx = ax.px(base / div);
    let _ = writeln!(
        out,
        "<line class=\"base\" data-value=\"{base}\" x1=\"{bx:.1}\" y1=\"{y0:.1}\" x2=\"{bx:.1}\" y2=\"{y1:.1}\" stroke=\"{}\"/>",
        style::POOLED
    );
    let what = if c.cost_per_qaly.is_some() || c.pv_qalys != 0.0 {
        format!(
            "Net monetary benefit at {} per QALY ({name})",
            crate::econ::business::money(wtp)
        )
    } else {
        format!("Net present value ({name})")
    };
    let ticks = money_ticks(ax.labelled_ticks(false));
    x_axis_at(&mut out, &ax, y1 + 4.0, &ticks, &what);
    out.push_str("</svg>\n");
    out
}

/// Tick labels of an amount axis: thousands separators ("20,000") and a true minus sign
/// ("−1.5", never "-1.5").
fn money_ticks(ticks: Vec<(f64, String)>) -> Vec<(f64, String)> {
    ticks
        .into_iter()
        .map(|(v, l)| {
            let l = if v.abs() >= 1000.0 && (v - v.round()).abs() < 1e-9 {
                crate::econ::business::thousands(v)
            } else {
                l.replacen('-', "−", 1)
            };
            (v, l)
        })
        .collect()
}

/// A value in a short form for a tornado label.
fn short(x: f64) -> String {
    if x.abs() >= 1000.0 {
        crate::econ::business::thousands(x.abs()).to_string()
    } else {
        super::tick_label((x * 1000.0).round() / 1000.0)
    }
}

/// The acceptability curve: probability that the programme is cost-effective (a positive net
/// monetary benefit) against willingness to pay per QALY.
pub fn business_ceac(c: &BusinessCase, title: Option<&str>) -> String {
    let wtp: Vec<f64> = c.ceac.iter().map(|p| p.wtp).collect();
    let p: Vec<f64> = c.ceac.iter().map(|p| p.prob_cost_effective).collect();
    super::ceac::ceac_with_axis(
        &wtp,
        &[("programme vs no programme".to_string(), p)],
        None,
        title.unwrap_or("Cost-effectiveness acceptability"),
        "Willingness to pay per QALY (£)",
    )
}
