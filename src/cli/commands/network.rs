//! `peerstat network`: network meta-analysis.

use peerstat::model::network::{table, Evidence, Network, NetworkMethod};
use peerstat::report::{self, svg};

use super::load;
use crate::cli::args::{Format, NetworkArgs};
use crate::cli::output::{emit, write_text, Paths};
use crate::cli::CmdResult;

/// Runs `network`.
pub fn network(a: NetworkArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
        .output("--graph", a.graph.as_deref())
        .output("--forest", a.forest.as_deref())
        .output("--league", a.league.as_deref())
        .check()?;
    let named = [a.study.as_str(), a.treatment.as_str(), "treat1", "treat2"];
    let l = load(&a.data, &named)?;
    let rows = l.table.has("treat1") && l.table.has("treat2");
    let contrasts = if rows {
        table::contrasts_from_rows(&l.table, &a.study)?
    } else {
        table::contrasts_from_arms(&l.table, &a.study, &a.treatment, l.measure, &l.opts)?
    };
    let mut net = Network::new()
        .level(a.level)?
        .small_values_good(a.small_values_good)
        .method(if a.method.eq_ignore_ascii_case("REML") {
            NetworkMethod::Reml
        } else {
            NetworkMethod::Dl
        });
    if let Some(r) = &a.reference {
        net = net.reference(r);
    }
    let fit = net.fit(&contrasts)?;
    let file = a.data.input.display().to_string();
    if let Some(path) = &a.graph {
        let mut ev = Evidence::from_contrasts(&contrasts);
        if !rows {
            if let Some(sizes) = table::arm_sizes(&l.table, &a.study, &a.treatment) {
                ev = ev.with_participants(&sizes);
            }
        }
        write_text(path, &svg::network_graph(&ev, &format!("{file} — network")))?;
    }
    if let Some(path) = &a.forest {
        let random = a.forest_model == "random";
        let title = format!("{file} — {}", l.measure.description());
        write_text(path, &svg::network_forest(&fit, l.measure, random, &title))?;
    }
    if let Some(path) = &a.league {
        let title = format!("{file} — league table");
        write_text(path, &svg::network_league(&fit, l.measure, &title))?;
    }
    let text = match a.format {
        Format::Table => report::text::network_table(&fit, l.measure, &file),
        Format::Json => report::json(&fit)?,
        Format::Csv => report::csv::records(&fit.random.estimates)?,
    };
    emit(&text, a.output.as_deref())
}
