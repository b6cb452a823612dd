//! `peerstat network`: network meta-analysis.

use peerstat::model::network::{table, ComponentSpec, Network, NetworkMethod};
use peerstat::report;

use super::load;
use crate::cli::args::{Format, NetworkArgs};
use crate::cli::output::{emit, Paths};
use crate::cli::{CmdResult, Failure};

/// Runs `network`.
pub fn network(a: NetworkArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
        .check()?;
    let mut named = vec![a.study.as_str(), a.treatment.as_str(), "treat1", "treat2"];
    named.extend(a.components_from.iter().flatten().map(String::as_str));
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
    let file = a.data.input.display().to_string();
    let spec = match (&a.components_sep, &a.components_from) {
        (Some(sep), _) => Some(ComponentSpec::separator(sep)),
        (None, Some(cols)) => Some(ComponentSpec::given(table::components_from_columns(
            &l.table,
            &a.treatment,
            cols,
        )?)),
        (None, None) => {
            if !(a.inactive.is_empty() && a.interaction.is_empty() && a.combination.is_empty()) {
                return Err(Failure::Usage(
                    "--inactive, --interaction and --combination belong to a component network meta-analysis: give --components-sep or --components-from".into(),
                ));
            }
            None
        }
    };
    if let Some(mut spec) = spec {
        for i in &a.inactive {
            spec = spec.inactive(i);
        }
        for t in &a.interaction {
            spec = spec.interaction(t);
        }
        for c in &a.combination {
            spec = spec.combination(c);
        }
        let fit = net.fit_components(&contrasts, &spec)?;
        let text = match a.format {
            Format::Table => report::text::cnma_table(&fit, l.measure, &file),
            Format::Json => report::json(&fit)?,
            Format::Csv => report::csv::records(&fit.components)?,
        };
        return emit(&text, a.output.as_deref());
    }
    let fit = net.fit(&contrasts)?;
    let text = match a.format {
        Format::Table => report::text::network_table(&fit, l.measure, &file),
        Format::Json => report::json(&fit)?,
        Format::Csv => report::csv::records(&fit.random.estimates)?,
    };
    emit(&text, a.output.as_deref())
}
