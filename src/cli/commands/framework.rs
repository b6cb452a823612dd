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

use super::check_renames;

/// The segment column of the evidence-and-gap map when none is named.
const DEFAULT_SEGMENT: &str = "risk_of_bias";

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

/// Reads the framework input, checking the `--col` renames against the codebook's fields and
/// the columns named in the options (`named`).
fn read_framework(
    input: &Path,
    col: &[String],
    cb: &Codebook,
    named: &[&str],
) -> Result<Table, Failure> {
    let map = columns(col)?;
    let mut known: Vec<&str> = cb.fields.iter().map(|f| f.name.as_str()).collect();
    known.extend(named);
    check_renames(&map, &known)?;
    Ok(data::read_table(input, &map)?)
}

/// The map of the evidence base. `segment`: the column named, else [`DEFAULT_SEGMENT`] when
/// the data have it (none otherwise).
fn map_of(
    table: &Table,
    cb: &Codebook,
    rows: &str,
    cols: &str,
    segment: Option<&str>,
) -> Result<MapData, Failure> {
    let segment = segment.or(Some(DEFAULT_SEGMENT).filter(|s| table.has(s)));
    let effects = map_effects(table)?;
    Ok(map_data(table, cb, rows, cols, segment, &effects, "SMD")?)
}

/// `peerstat evaluate`.
pub fn evaluate(a: EvaluateArgs) -> CmdResult {
    let cb = codebook(&a.codebook)?;
    let mut table = read_framework(&a.input, &a.col, &cb, &[])?;
    let costs = costs(&a.input, &a.costs)?;
    let opts = EvaluateOptions {
        level: a.level,
        ..EvaluateOptions::default()
    };
    let ev = run_evaluate(&mut table, &cb, &a.input, costs.as_ref(), &opts)?;
    let md = map_of(&table, &cb, "activity", "outcome_domain", None)?;
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
    let named: Vec<&str> = [&a.rows, &a.cols]
        .into_iter()
        .chain(&a.segment)
        .map(String::as_str)
        .collect();
    let mut table = read_framework(&a.input, &a.col, &cb, &named)?;
    cb.validate(&mut table)?;
    let md = map_of(&table, &cb, &a.rows, &a.cols, a.segment.as_deref())?;
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
