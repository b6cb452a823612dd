//! The arguments of `init` (the coding template and its data dictionary).

use std::path::PathBuf;

use clap::Args;

#[derive(Args)]
pub struct InitArgs {
    /// Folder to write into (created if needed; default the current folder).
    pub dir: Option<PathBuf>,
    /// Codebook TOML (default: the built-in framework).
    #[arg(long, value_name = "FILE")]
    pub codebook: Option<PathBuf>,
    /// Replace existing template files.
    #[arg(long)]
    pub force: bool,
    /// Also write DIR/scenario.toml, a business case scenario template (`peerstat
    /// business-case`).
    #[arg(long)]
    pub scenario: bool,
}
