//! `peerstat evaluate` and `peerstat map`.

use std::path::{Path, PathBuf};

use peerstat::data::{self, ColumnMap, Table};
use peerstat::framework::evaluate::{evaluate as run_evaluate, map_effects, EvaluateOptions};
use peerstat::framework::map::{map_data, MapData};
use peerstat::framework::Codebook;
use peerstat::report;

use crate::cli::args::{EvaluateArgs, MapArgs, MapFormat};
use crate::cli::output::{columns, emit, write_text};
use crate::cli::{say, CmdResult, Failure};

fn codebook(path: &Option<PathBuf>) -> Result<Codebook, Failure> {
    Ok(match path {
        Some(p) => Codebook::from_file(p)?,
        None => Codebook::builtin(),
    })
}

/// The economic companion: `--costs`, else `NAME_costs.EXT` beside the input when it exists
/// (as `simulate --framework` writes it).
fn costs(input: &Path, given: &Option<PathBuf>) -> Result<Option<Table>, Failure> {
    let companion = input.file_stem().map(|stem| {
        let ext = input
            .extension()
            .map(|e| e.to_string_lossy().to_string())
            .unwrap_or_default();
        input.with_file_name(format!("{}_costs.{ext}", stem.to_string_lossy()))
    });
    let path = given.clone().or_else(|| companion.filter(|p| p.exists()));
    if let (None, Some(p)) = (given, &path) {
        say!(
            "note: using the economic companion {} (give --costs to choose another)",
            p.display()
        );
    }
    Ok(match &path {
        Some(p) => Some(data::read_table(p, &ColumnMap::new())?),
        None => None,
    })
}

/// The map of the evidence base with the framework's default axes.
fn map_of(
    table: &Table,
    cb: &Codebook,
    rows: &str,
    cols: &str,
    segment: &str,
) -> Result<MapData, Failure> {
    let effects = map_effects(table)?;
    Ok(map_data(table, cb, rows, cols, segment, &effects, "SMD")?)
}

/// `peerstat evaluate`.
pub fn evaluate(a: EvaluateArgs) -> CmdResult {
    let cb = codebook(&a.codebook)?;
    let mut table = data::read_table(&a.input, &columns(&a.col)?)?;
    let costs = costs(&a.input, &a.costs)?;
    let opts = EvaluateOptions {
        level: a.level,
        ..EvaluateOptions::default()
    };
    let ev = run_evaluate(&mut table, &cb, &a.input, costs.as_ref(), &opts)?;
    let md = map_of(&table, &cb, "activity", "outcome_domain", "risk_of_bias")?;
    let mut files = report::evaluation::files(&ev)?;
    files.push(("egm.html".into(), report::html::egm_html(&md)));
    std::fs::create_dir_all(&a.output)
        .map_err(|e| peerstat::Error::io(&a.output.display().to_string(), e))?;
    for (name, text) in &files {
        write_text(&a.output.join(name), text)?;
    }
    for d in &ev.domains {
        say!("{}", d.summary);
    }
    say!(
        "wrote {} (index.html, results.json, egm.html, {} plots){}",
        a.output.display(),
        files.iter().filter(|f| f.0.ends_with(".svg")).count(),
        if ev.simulated {
            " -- SIMULATED data"
        } else {
            ""
        }
    );
    Ok(())
}

/// `peerstat map`.
pub fn map(a: MapArgs) -> CmdResult {
    let cb = codebook(&a.codebook)?;
    let mut table = data::read_table(&a.input, &columns(&a.col)?)?;
    cb.validate(&mut table)?;
    let md = map_of(&table, &cb, &a.rows, &a.cols, &a.segment)?;
    match a.format {
        MapFormat::Html => {
            let out = a
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from("egm.html"));
            write_text(&out, &report::html::egm_html(&md))?;
            say!(
                "wrote {} ({} studies x cells, {} non-empty cells)",
                out.display(),
                md.studies.len(),
                md.cells.len()
            );
            Ok(())
        }
        MapFormat::Json => emit(&report::json(&md)?, a.output.as_deref()),
        MapFormat::Csv => emit(
            &report::csv::map(&md, &a.rows, &a.cols)?,
            a.output.as_deref(),
        ),
    }
}
