//! Text printout of the value of information of `peerstat cea` (EVPPI, EVSI, population values
//! and ENBS), below the PSA summary.

use std::fmt::Write as _;

use crate::econ::DrawsAnalysis;

/// The EVPPI and EVSI per willingness to pay, with population values when a population is set.
pub(super) fn voi_text(out: &mut String, d: &DrawsAnalysis) {
    if let Some(p) = &d.population {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Population: {} people a year for {} year(s), discounted at {} (year 1 undiscounted): multiplier {:.1}",
            p.per_year, p.horizon, p.discount, p.multiplier
        );
        for w in &d.by_wtp {
            if let Some(v) = w.population_evpi {
                let _ = writeln!(out, "  WTP {:>10}: population EVPI {v:.0}", w.wtp);
            }
        }
    }
    if d.by_wtp.iter().any(|w| !w.evppi.is_empty()) {
        let _ = writeln!(out);
        let _ = writeln!(out, "EVPPI (per person{}):", pop_note(d));
        let _ = writeln!(
            out,
            "{:>10}  {:<6} {:>12} {:>16}  parameters",
            "WTP", "method", "EVPPI", "population"
        );
        for w in &d.by_wtp {
            for e in &w.evppi {
                let method = serde_json::to_value(e.method)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{:>10}  {:<6} {:>12.2} {:>16}  {}",
                    w.wtp,
                    method,
                    e.evppi,
                    e.population_evppi.map_or("-".into(), |v| format!("{v:.0}")),
                    e.parameters.join(", ")
                );
            }
        }
    }
    if d.by_wtp.iter().any(|w| !w.evsi.is_empty()) {
        let _ = writeln!(out);
        let _ = writeln!(out, "EVSI (per person{}):", pop_note(d));
        let _ = writeln!(
            out,
            "{:>10}  {:<13} {:>7} {:>10} {:>14} {:>14}  parameters",
            "WTP", "design", "n", "EVSI", "population", "ENBS"
        );
        for w in &d.by_wtp {
            for e in &w.evsi {
                let _ = writeln!(
                    out,
                    "{:>10}  {:<13} {:>7} {:>10.2} {:>14} {:>14}  {}{}",
                    w.wtp,
                    e.design,
                    e.n,
                    e.evsi,
                    e.population_evsi.map_or("-".into(), |v| format!("{v:.0}")),
                    e.enbs.map_or("-".into(), |v| format!("{v:.0}")),
                    e.parameters.join(", "),
                    if e.optimal == Some(true) {
                        "  (optimal n)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

fn pop_note(d: &DrawsAnalysis) -> &'static str {
    if d.population.is_some() {
        "; population values use the multiplier above"
    } else {
        ""
    }
}
