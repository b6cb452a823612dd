//! Where and how a plot is written: the path (SVG, PNG or PDF by its extension), the theme and
//! the resolution, as the CLI's `--dpi` and `--theme`. Shared by the plot functions and `cea`.

use std::io::Write;
use std::path::{Path, PathBuf};

use peerstat::data;
use peerstat::report::render::{render, Format};
use peerstat::report::svg::{self, Theme};
use pyo3::prelude::*;

use crate::errors::to_py;
use crate::options::choice;

/// Where and how a plot is written.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct Output {
    path: Option<PathBuf>,
    theme: String,
    dpi: f64,
}

impl Output {
    pub(crate) fn theme(&self) -> PyResult<Theme> {
        choice(
            "theme",
            &self.theme,
            &[
                ("light", Theme::Light),
                ("dark", Theme::Dark),
                ("print", Theme::Print),
            ],
            "light (the default), dark or print (greyscale-safe)",
        )
    }

    /// Checks the path's format and the theme before any work is done.
    pub(crate) fn check(&self) -> PyResult<()> {
        self.theme()?;
        if let Some(p) = &self.path {
            Format::from_path(p).map_err(to_py)?;
        }
        Ok(())
    }

    /// Recolours `svg` to the theme, writes it to the path (atomically) if there is one, and
    /// returns the recoloured SVG text.
    pub(crate) fn write(&self, svg: &str) -> PyResult<String> {
        let svg = svg::recolour(svg, self.theme()?);
        if let Some(path) = &self.path {
            write_file(path, &svg, self.dpi).map_err(to_py)?;
        }
        Ok(svg)
    }
}

fn write_file(path: &Path, svg: &str, dpi: f64) -> peerstat::Result<()> {
    let bytes = render(svg, Format::from_path(path)?, dpi)?;
    data::atomic_write(path, |w| {
        w.write_all(&bytes)
            .map_err(|e| peerstat::Error::io(&path.display().to_string(), e))
    })
}
