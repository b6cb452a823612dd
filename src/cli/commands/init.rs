//! `peerstat init`: writes the framework's coding template (a CSV with two example rows of each
//! kind) and its data dictionary (Markdown) into a folder, each file atomically, refusing to
//! overwrite unless `--force`.

use std::path::PathBuf;

use peerstat::framework::template::template;
use peerstat::framework::Codebook;
use peerstat::report::template::{dictionary_md, template_csv};

use crate::cli::args::InitArgs;
use crate::cli::output::{write_text, Paths};
use crate::cli::{say, CmdResult, Failure};

/// The template's file name.
pub const TEMPLATE: &str = "studies.csv";
/// The data dictionary's file name.
pub const DICTIONARY: &str = "DATA_DICTIONARY.md";
/// The business case scenario's file name (`--scenario`).
pub const SCENARIO: &str = "scenario.toml";

/// `peerstat init`.
pub fn init(a: InitArgs) -> CmdResult {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let csv_path = dir.join(TEMPLATE);
    let md_path = dir.join(DICTIONARY);
    let scenario_path = a.scenario.then(|| dir.join(SCENARIO));
    Paths::default()
        .input("--codebook", a.codebook.as_deref())
        .output("the template", Some(&csv_path))
        .output("the data dictionary", Some(&md_path))
        .output("the scenario", scenario_path.as_deref())
        .check()?;
    let cb = match &a.codebook {
        Some(p) => Codebook::from_file(p)?,
        None => Codebook::builtin(),
    };
    if !a.force {
        // Any entry counts, a dangling link too (`exists()` follows links).
        let taken = |p: &&PathBuf| std::fs::symlink_metadata(p).is_ok();
        if let Some(p) = [Some(&csv_path), Some(&md_path), scenario_path.as_ref()]
            .into_iter()
            .flatten()
            .find(taken)
        {
            return Err(Failure::Usage(format!(
                "{} already exists: not overwritten (use --force to replace the template files)",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::from(peerstat::Error::io(&dir.display().to_string(), e)))?;
    let t = template(&cb);
    write_text(&csv_path, &template_csv(&t))?;
    write_text(&md_path, &dictionary_md(&t, TEMPLATE))?;
    say!(
        "wrote {} ({} columns, {} example rows) and {}",
        csv_path.display(),
        t.columns.len(),
        t.examples.len(),
        md_path.display()
    );
    if let Some(p) = &scenario_path {
        write_text(p, peerstat::econ::business::SCENARIO_TEMPLATE)?;
        say!(
            "wrote {} (a business case scenario: peerstat business-case {})",
            p.display(),
            p.display()
        );
    }
    Ok(())
}
