//! Where command output goes: standard output, or a file written atomically.

use std::io::Write;
use std::path::Path;

use peerstat::data::{self, ColumnMap};
use peerstat::error::Setting;
use peerstat::Error;

use super::Failure;

/// How plots are written: resolution of PNGs and colour theme.
#[derive(Debug, Clone, Copy)]
pub struct PlotOptions {
    /// Dots per inch for PNG output.
    pub dpi: f64,
    /// Colour theme.
    pub theme: peerstat::report::svg::Theme,
}

/// Writes a plot to `path` (atomically) in the format its extension names (.svg, .png, .pdf),
/// recoloured to the theme first.
pub fn write_plot(path: &Path, svg: &str, opts: &PlotOptions) -> Result<(), Failure> {
    use peerstat::report::render::{render, Format};
    let format = Format::from_path(path)?;
    let svg = peerstat::report::svg::recolour(svg, opts.theme);
    let bytes = render(&svg, format, opts.dpi)?;
    data::atomic_write(path, |w| {
        w.write_all(&bytes)
            .map_err(|e| Error::io(&path.display().to_string(), e))
    })?;
    Ok(())
}

/// Writes `text` to `path` through a temporary file renamed into place.
pub fn write_text(path: &Path, text: &str) -> Result<(), Failure> {
    data::atomic_write(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| Error::io(&path.display().to_string(), e))
    })?;
    Ok(())
}

/// Writes `text` to `output` (atomically) or, without one, to standard output.
pub fn emit(text: &str, output: Option<&Path>) -> Result<(), Failure> {
    match output {
        Some(p) => write_text(p, text),
        None => {
            let mut out = std::io::stdout().lock();
            let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            stdout_result(written)
        }
    }
}

/// The outcome of a write to standard output: a closed pipe (e.g. `| head`) ends the command
/// quietly, as Unix tools do; any other failure (a full disk, `> /dev/full`) is an output error
/// (exit 3).
pub fn stdout_result(written: std::io::Result<()>) -> Result<(), Failure> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Output(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Parses `--col canonical=actual` renames.
pub fn columns(specs: &[String]) -> Result<ColumnMap, Failure> {
    ColumnMap::parse(specs).map_err(|e| match e {
        Error::Setting {
            setting: Setting::ColumnMap,
            message,
        } => Failure::Usage(format!(
            "--col {}",
            message
                .trim_start_matches("a column rename ")
                .replace("example n_t", "example --col n_t")
        )),
        e => e.into(),
    })
}

/// What a command reads and writes, checked before any work is done so that no output replaces
/// an input (however the path is spelled: `x.csv`, `./x.csv`, an absolute path, a link) or
/// another output.
#[derive(Default)]
pub struct Paths<'a> {
    inputs: Vec<(&'a str, &'a Path)>,
    files: Vec<(&'a str, &'a Path)>,
    plots: Vec<(&'a str, &'a Path)>,
    folder: Option<(&'a str, &'a Path)>,
}

/// The identity of an existing file (links followed): device and inode on Unix, else the
/// canonical path.
#[derive(PartialEq)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(std::path::PathBuf),
}

fn identity(p: &Path) -> Option<Identity> {
    let m = std::fs::metadata(p).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(Identity::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        std::fs::canonicalize(p).ok().map(Identity::Path)
    }
}

/// Where an output will be: the canonical path of an existing file, else the canonical parent
/// folder joined with the file name.
fn location(p: &Path) -> Option<std::path::PathBuf> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Some(c);
    }
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(p.file_name()?))
}

/// `"the input"` or `"the input given to --costs"`.
fn input_name(what: &str) -> String {
    if what.is_empty() {
        "the input".into()
    } else {
        format!("the input given to {what}")
    }
}

impl<'a> Paths<'a> {
    /// An input file: `what` is the flag that names it, empty for the positional input.
    pub fn input(mut self, what: &'a str, p: Option<&'a Path>) -> Self {
        if let Some(p) = p {
            self.inputs.push((what, p));
        }
        self
    }

    /// An output file, named by `flag`.
    pub fn output(mut self, flag: &'a str, p: Option<&'a Path>) -> Self {
        if let Some(p) = p {
            self.files.push((flag, p));
        }
        self
    }

    /// A plot file, named by `flag`: an output whose extension must name a plot format.
    pub fn plot(mut self, flag: &'a str, p: Option<&'a Path>) -> Self {
        if let Some(p) = p {
            self.files.push((flag, p));
            self.plots.push((flag, p));
        }
        self
    }

    /// An output folder replaced as a whole (no input may lie in it), named by `flag`.
    pub fn folder(mut self, flag: &'a str, p: &'a Path) -> Self {
        self.folder = Some((flag, p));
        self
    }

    /// Refuses (exit 2) an output that is an input, a folder output holding an input, or two
    /// outputs naming one file, naming both paths; then removes the temporaries of every output
    /// left by runs that were killed (see [`data::remove_stale_temporaries`]).
    pub fn check(&self) -> Result<(), Failure> {
        self.check_paths()?;
        let folder = self.folder.map(|(_, p)| p);
        for p in self.files.iter().map(|&(_, p)| p).chain(folder) {
            data::remove_stale_temporaries(p);
        }
        Ok(())
    }

    /// The refusals of [`Paths::check`].
    fn check_paths(&self) -> Result<(), Failure> {
        for &(flag, out) in &self.files {
            let Some(id) = identity(out) else { continue };
            for &(what, input) in &self.inputs {
                if identity(input).as_ref() == Some(&id) {
                    return Err(Failure::Usage(format!(
                        "{flag} {} is {} {}: writing it would replace the data; choose another output path",
                        out.display(),
                        input_name(what),
                        input.display()
                    )));
                }
            }
        }
        for (i, &(f1, o1)) in self.files.iter().enumerate() {
            for &(f2, o2) in &self.files[i + 1..] {
                if location(o1).is_some_and(|l| Some(l) == location(o2)) {
                    return Err(Failure::Usage(format!(
                        "{f1} {} and {f2} {} name the same file: choose different paths",
                        o1.display(),
                        o2.display()
                    )));
                }
            }
        }
        if let Some((flag, dir)) = self.folder {
            if let Ok(d) = std::fs::canonicalize(dir) {
                for &(what, input) in &self.inputs {
                    if std::fs::canonicalize(input).is_ok_and(|c| c.starts_with(&d)) {
                        return Err(Failure::Usage(format!(
                            "{} is {} and lies in the folder {} ({flag}), which is replaced as a whole: choose another folder",
                            input.display(),
                            input_name(what),
                            dir.display()
                        )));
                    }
                }
            }
        }
        for &(flag, p) in &self.plots {
            if let Err(e) = peerstat::report::render::Format::from_path(p) {
                return Err(Failure::Usage(format!("{flag} {e}")));
            }
        }
        Ok(())
    }
}
