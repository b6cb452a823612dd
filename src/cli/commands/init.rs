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

/// `peerstat init`.
pub fn init(a: InitArgs) -> CmdResult {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let csv_path = dir.join(TEMPLATE);
    let md_path = dir.join(DICTIONARY);
    Paths::default()
        .input("--codebook", a.codebook.as_deref())
        .output("the template", Some(&csv_path))
        .output("the data dictionary", Some(&md_path))
        .check()?;
    let cb = match &a.codebook {
        Some(p) => Codebook::from_file(p)?,
        None => Codebook::builtin(),
    };
    if !a.force {
        // Any entry counts, a dangling link too (`exists()` follows links).
        let taken = |p: &&PathBuf| std::fs::symlink_metadata(p).is_ok();
        if let Some(p) = [&csv_path, &md_path].into_iter().find(taken) {
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
    Ok(())
}
