//! `peerstat network`: network meta-analysis.

use peerstat::model::network::{table, ComponentSpec, Network, NetworkMethod};
use peerstat::report::{self, svg};

use super::load;
use crate::cli::args::{Format, NetworkArgs};
use crate::cli::output::{emit, write_plot, Paths};
use crate::cli::{CmdResult, Failure};

/// Runs `network`.
pub fn network(a: NetworkArgs) -> CmdResult {
    Paths::default()
        .input("", Some(&a.data.input))
        .output("-o", a.output.as_deref())
        .plot("--graph", a.graph.as_deref())
        .plot("--forest", a.forest.as_deref())
        .plot("--league", a.league.as_deref())
        .plot("--components-forest", a.components_forest.as_deref())
        .check()?;
    // the arm columns of the network (arm) shape can be renamed too (the hint of a missing
    // one says --col mean=ACTUAL)
    let mut named = vec![
        a.study.as_str(),
        a.treatment.as_str(),
        "treat1",
        "treat2",
        "n",
        "mean",
        "sd",
        "events",
    ];
    named.extend(a.components_from.iter().flatten().map(String::as_str));
    let l = load(&a.data, &named)?;
    let contrasts = table::contrasts(&l.table, &a.study, &a.treatment, l.measure, &l.opts)?;
    let mut net = Network::new()
        .level(a.level)?
        .small_values_good(a.small_values_good)
        .random_ci(a.method_random_ci.into())
        .from_arms(!table::has_contrast_rows(&l.table))
        .method(if a.method.eq_ignore_ascii_case("REML") {
            NetworkMethod::Reml
        } else {
            NetworkMethod::Dl
        });
    if let Some(r) = &a.reference {
        net = net.reference(r);
    }
    let file = a.data.input.display().to_string();
    // the plots' titles: --title, else the file's name (not its whole path)
    let plot_title = a.title.clone().unwrap_or_else(|| {
        a.data
            .input
            .file_name()
            .map_or_else(|| file.clone(), |n| n.to_string_lossy().into_owned())
    });
    if let Some(spec) = component_spec(&a, &l.table)? {
        let fit = net.fit_components(&contrasts, &spec)?;
        if a.graph.is_some() || a.forest.is_some() || a.league.is_some() {
            // The graph, forest and league table are those of the standard network (it must be
            // connected: a disconnected one is an error naming its sub-networks).
            let std = net.fit(&contrasts)?;
            network_plots(&a, &l, &contrasts, &std, &plot_title)?;
        }
        if let Some(path) = &a.components_forest {
            let random = a.forest_model == "random";
            let title = format!(
                "{plot_title} — component effects, {}",
                l.measure.description()
            );
            write_plot(
                path,
                &svg::component_forest(&fit, l.measure, random, &title),
                &a.plot.options(),
            )?;
        }
        let text = match a.format {
            Format::Table => report::text::cnma_table(&fit, l.measure, &file),
            Format::Json => report::json(&fit)?,
            Format::Csv => report::csv::records(&fit.components)?,
        };
        return emit(&text, a.output.as_deref());
    }
    let fit = net.fit(&contrasts)?;
    network_plots(&a, &l, &contrasts, &fit, &plot_title)?;
    let text = match a.format {
        Format::Table => report::text::network_table(&fit, l.measure, &file),
        Format::Json => report::json(&fit)?,
        Format::Csv => report::csv::records(&fit.random.estimates)?,
    };
    emit(&text, a.output.as_deref())
}

/// The component model `--components-sep`/`--components-from` ask for, with its inactive
/// components, interactions and combinations; `None` for a standard network (where the
/// component-only flags are a usage error).
fn component_spec(
    a: &NetworkArgs,
    table: &peerstat::data::Table,
) -> Result<Option<ComponentSpec>, Failure> {
    let spec = match (&a.components_sep, &a.components_from) {
        (Some(sep), _) => Some(ComponentSpec::separator(sep)),
        (None, Some(cols)) => Some(ComponentSpec::given(table::components_from_columns(
            table,
            &a.treatment,
            cols,
        )?)),
        (None, None) => {
            if !(a.inactive.is_empty()
                && a.interaction.is_empty()
                && a.combination.is_empty()
                && a.components_forest.is_none())
            {
                return Err(Failure::Usage(
                    "--inactive, --interaction, --combination and --components-forest belong to a component network meta-analysis: give --components-sep or --components-from".into(),
                ));
            }
            None
        }
    };
    let Some(mut spec) = spec else {
        return Ok(None);
    };
    for i in &a.inactive {
        spec = spec.inactive(i);
    }
    for t in &a.interaction {
        spec = spec.interaction(t);
    }
    for c in &a.combination {
        spec = spec.combination(c);
    }
    Ok(Some(spec))
}

/// The standard network's plots: `--graph`, `--forest` and `--league`.
fn network_plots(
    a: &NetworkArgs,
    l: &super::Loaded,
    contrasts: &[peerstat::model::network::Contrast],
    fit: &peerstat::model::network::NetworkFit,
    file: &str,
) -> Result<(), Failure> {
    if let Some(path) = &a.graph {
        let ev = table::evidence(&l.table, &a.study, &a.treatment, contrasts);
        write_plot(
            path,
            &svg::network_graph(&ev, &format!("{file} — network")),
            &a.plot.options(),
        )?;
    }
    if let Some(path) = &a.forest {
        let random = a.forest_model == "random";
        let title = format!("{file} — {}", l.measure.description());
        write_plot(
            path,
            &svg::network_forest(fit, l.measure, random, &title),
            &a.plot.options(),
        )?;
    }
    if let Some(path) = &a.league {
        let title = format!("{file} — league table");
        write_plot(
            path,
            &svg::network_league(fit, l.measure, &title),
            &a.plot.options(),
        )?;
    }
    Ok(())
}
