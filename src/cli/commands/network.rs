//! `peerstat network`: network meta-analysis.

use peerstat::model::network::{table, Network, NetworkMethod};
use peerstat::report;

use super::load;
use crate::cli::args::{Format, NetworkArgs};
use crate::cli::output::{emit, Paths};
use crate::cli::CmdResult;

/// Runs `network`.
pub fn network(a: NetworkArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
        .check()?;
    let named = [a.study.as_str(), a.treatment.as_str(), "treat1", "treat2"];
    let l = load(&a.data, &named)?;
    let contrasts = if l.table.has("treat1") && l.table.has("treat2") {
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
    let text = match a.format {
        Format::Table => report::text::network_table(&fit, l.measure, &file),
        Format::Json => report::json(&fit)?,
        Format::Csv => report::csv::records(&fit.random.estimates)?,
    };
    emit(&text, a.output.as_deref())
}
