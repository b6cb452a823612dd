//! `peerstat evaluate` and `peerstat map`.

use std::path::{Path, PathBuf};

use peerstat::data::{self, ColumnMap, Table, TempFolder};
use peerstat::econ::business::Scenario;
use peerstat::framework::business_case;
use peerstat::framework::evaluate::{
    evaluate as run_evaluate, EvaluateOptions, Evaluation, OptionsFile,
};
use peerstat::framework::evidence_map::{evidence_map, report_rows};
use peerstat::framework::Codebook;
use peerstat::report;

use crate::cli::args::{EvaluateArgs, MapArgs, MapFormat};
use crate::cli::output::{columns, emit, write_text, Paths};
use crate::cli::{say, CmdResult, Failure};

use super::check_renames;

fn codebook(path: &Option<PathBuf>) -> Result<Codebook, Failure> {
    Ok(match path {
        Some(p) => Codebook::from_file(p)?,
        None => Codebook::builtin(),
    })
}

/// The economic companion: `--costs`, else `NAME_costs.EXT` beside the input when it exists
/// (as `simulate --framework` writes it).
fn costs_path(input: &Path, given: &Option<PathBuf>) -> Option<PathBuf> {
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
    path
}

/// The scenario of the business case: `--scenario`, else the options file's `[business_case]
/// scenario (relative to the options file), else `NAME_scenario.toml` beside the input when it
/// exists (as the demo ships it).
fn scenario_path(a: &EvaluateArgs) -> Result<Option<PathBuf>, Failure> {
    if a.scenario.is_some() {
        return Ok(a.scenario.clone());
    }
    if let Some(p) = &a.options {
        if let Some(b) = OptionsFile::from_file(p)?.business_case {
            let dir = p.parent().unwrap_or_else(|| Path::new("."));
            return Ok(Some(dir.join(b.scenario)));
        }
    }
    let companion = a.input.file_stem().map(|stem| {
        a.input
            .with_file_name(format!("{}_scenario.toml", stem.to_string_lossy()))
    });
    let found = companion.filter(|p| p.exists());
    if let Some(p) = &found {
        say!(
            "note: adding the business case of {} (give --scenario to choose another)",
            p.display()
        );
    }
    Ok(found)
}

/// Refuses a report folder holding files `evaluate` did not write: the folder is replaced as a
/// whole, and they would be lost.
fn check_report_folder(dir: &Path) -> CmdResult {
    let mut other = report::evaluation::foreign_files(dir);
    if other.is_empty() {
        return Ok(());
    }
    let more = other.len().saturating_sub(5);
    other.truncate(5);
    Err(Failure::Usage(format!(
        "{} holds files that are not part of a peerstat report ({}{}): the report folder is replaced as a whole, so choose a new or empty folder with -o",
        dir.display(),
        other.join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    )))
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

/// `peerstat evaluate`: the report is written into a temporary folder swapped in at the end, so
/// the output folder is either the old report or the new one, never a mix.
pub fn evaluate(a: EvaluateArgs) -> CmdResult {
    let costs_path = costs_path(&a.input, &a.costs);
    Paths::default()
        .input("", Some(&a.input))
        .input("--costs", costs_path.as_deref())
        .input("--scenario", a.scenario.as_deref())
        .input("--codebook", a.codebook.as_deref())
        .input("--options", a.options.as_deref())
        .folder("-o", &a.output)
        .check()?;
    check_report_folder(&a.output)?;
    let folder = TempFolder::create(&a.output)?;
    let cb = codebook(&a.codebook)?;
    let mut table = read_framework(&a.input, &a.col, &cb, &[])?;
    super::decimal_comma_note(&table);
    // before any error about the data: a misspelt column is the likely cause
    for m in peerstat::framework::column_hints::misspelt(&table, &cb) {
        say!("warning: {m}");
    }
    let costs = match &costs_path {
        Some(p) => Some(data::read_table(p, &ColumnMap::new())?),
        None => None,
    };
    let opts = evaluate_options(&a)?;
    let scenario = scenario_path(&a)?;
    let mut ev = run_evaluate(&mut table, &cb, &a.input, costs.as_ref(), &opts)?;
    if let Some(p) = &scenario {
        let s = Scenario::from_file(p)?;
        business_case::attach(&mut ev, &s, &p.display().to_string())?;
    }
    let md = evidence_map(
        &table,
        &cb,
        (report_rows(&table, &cb), "outcome_domain"),
        None,
        &opts,
        costs.as_ref(),
    )?;
    let mut files = report::evaluation::files(&ev)?;
    files.push((
        report::evaluation::EGM_FILE.into(),
        report::html::egm_html(&md),
    ));
    for (name, text) in &files {
        write_text(&folder.path().join(name), text)?;
    }
    folder.commit()?;
    print_findings(&ev);
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

/// The evaluation options: the flags over the options file over the defaults.
fn evaluate_options(a: &EvaluateArgs) -> Result<EvaluateOptions, Failure> {
    let mut opts = EvaluateOptions {
        level: a.level,
        assume_higher_is_better: a.assume_higher_is_better,
        rho: a.rho,
        ..EvaluateOptions::default()
    };
    if let Some(p) = &a.options {
        opts = opts.with_file(OptionsFile::from_file(p)?, &p.display().to_string());
    }
    if a.icc.is_some() {
        opts.convert.icc = a.icc;
    }
    if let Some(c) = a.cluster_adjust {
        opts.convert.cluster_adjust = c.into();
    }
    if let Some(b) = a.binary_to_smd {
        opts.binary_to_smd = b.into();
    }
    opts.convert.check()?;
    Ok(opts)
}

/// Prints, per outcome domain, the summary, the certainty and any small-k warning, then the rows
/// not used and those converted (standard error).
fn print_findings(ev: &Evaluation) {
    if ev.options.assume_higher_is_better {
        say!("note: outcomes without a stated direction were assumed higher-is-better");
    }
    for d in &ev.domains {
        say!("{}", d.summary);
        if let Some(c) = ev
            .summary_of_findings
            .iter()
            .find(|f| f.domain == d.domain)
            .and_then(|f| f.certainty.as_ref())
        {
            say!(
                "  certainty ({}): {} {}{}",
                d.domain,
                c.certainty.symbols(),
                c.certainty.label(),
                if c.user_override.is_some() {
                    " (set in the options file)"
                } else {
                    ""
                }
            );
            for w in c.not_assessed() {
                say!("    not assessed: {w}");
            }
        }
        if let Some(w) = &d.small_k_warning {
            say!("  warning ({}): {w}", d.domain);
        }
    }
    if !ev.rows_not_used.is_empty() {
        say!(
            "{} row(s) not used (listed with reasons in index.html and results.json): {}",
            ev.rows_not_used.len(),
            ev.rows_not_used
                .iter()
                .take(10)
                .map(|r| format!("row {} ({}): {}", r.row, r.study, r.reason))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    if let Some(b) = &ev.business_case {
        say!("Business case ({}): {}", b.scenario, b.case.summary);
    }
    if !ev.converted.is_empty() {
        say!(
            "{} row(s) converted from reported statistics or adjusted for clustering (listed in index.html and results.json)",
            ev.converted.len()
        );
    }
}

/// `peerstat map`.
pub fn map(a: MapArgs) -> CmdResult {
    let out = match a.format {
        MapFormat::Html => Some(
            a.output
                .clone()
                .unwrap_or_else(|| PathBuf::from("egm.html")),
        ),
        _ => a.output.clone(),
    };
    let costs_path = costs_path(&a.input, &a.costs);
    Paths::default()
        .input("", Some(&a.input))
        .input("--costs", costs_path.as_deref())
        .input("--codebook", a.codebook.as_deref())
        .output("-o", out.as_deref())
        .check()?;
    let cb = codebook(&a.codebook)?;
    let named: Vec<&str> = [&a.rows, &a.cols]
        .into_iter()
        .chain(&a.segment)
        .map(String::as_str)
        .collect();
    let mut table = read_framework(&a.input, &a.col, &cb, &named)?;
    cb.validate(&mut table)?;
    let costs = match &costs_path {
        Some(p) => Some(data::read_table(p, &ColumnMap::new())?),
        None => None,
    };
    let md = evidence_map(
        &table,
        &cb,
        (&a.rows, &a.cols),
        a.segment.as_deref(),
        &EvaluateOptions {
            rho: a.rho,
            ..EvaluateOptions::default()
        },
        costs.as_ref(),
    )?;
    match a.format {
        MapFormat::Html => {
            let out = out.unwrap_or_else(|| PathBuf::from("egm.html"));
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
