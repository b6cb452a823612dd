//! Plots as PNG or PDF: the SVG that [`super::svg`] writes, rendered by `resvg` (PNG, through
//! `tiny-skia`) or converted by `svg2pdf` (PDF, text kept as text with the font embedded).
//!
//! Text is set in a bundled subset of DejaVu Sans (regular and bold; Latin-1, Greek and common
//! symbols), loaded into the renderer's own font database, so the output is the same on every
//! machine whatever fonts it has. The plots' `Helvetica, Arial, sans-serif` stack falls through
//! to it.
//!
//! Rendering needs the `render` cargo feature (on by default); without it [`render`] accepts
//! only [`Format::Svg`].
//!
//! # Examples
//!
//! ```
//! use peerstat::report::render::{render, Format};
//! let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" height="50" fill="white"/><text x="10" y="30">1.5</text></svg>"#;
//! assert_eq!(render(svg, Format::Svg, 300.0).unwrap(), svg.as_bytes());
//! # #[cfg(feature = "render")]
//! # {
//! let png = render(svg, Format::Png, 192.0).unwrap();
//! assert_eq!(&png[1..4], b"PNG");
//! let pdf = render(svg, Format::Pdf, 300.0).unwrap();
//! assert!(pdf.starts_with(b"%PDF"));
//! # }
//! ```

use std::path::Path;

use crate::error::{Error, Result, Setting};

/// An image format for a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Scalable vector graphics: the plot as drawn.
    Svg,
    /// A raster image at a given resolution.
    Png,
    /// A one-page PDF (vector, fonts embedded).
    Pdf,
}

impl Format {
    /// The format a file name asks for by its extension (`.svg`, `.png`, `.pdf`, any case); a
    /// name without an extension is SVG.
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::PlotFormat`]) for any other extension.
    pub fn from_path(path: &Path) -> Result<Format> {
        let Some(ext) = path.extension() else {
            return Ok(Format::Svg);
        };
        match ext.to_string_lossy().to_ascii_lowercase().as_str() {
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            "pdf" => Ok(Format::Pdf),
            other => Err(Error::setting(
                Setting::PlotFormat,
                format!(
                    "{}: plots are written as .svg, .png or .pdf, not .{other}",
                    path.display()
                ),
            )),
        }
    }
}

/// The smallest and largest resolutions accepted (dots per inch).
pub const DPI_RANGE: (f64, f64) = (10.0, 2400.0);

/// The most pixels a PNG plot may have (100 megapixels: 400 MB while it is drawn). A larger
/// image is refused before anything is allocated; a lower `--dpi` or SVG output makes it.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The longest side of a PNG plot, in pixels (32,767, what common image tools read).
pub const MAX_SIDE: u64 = 32_767;

/// The largest PDF page side, in inches (200 in = 14,400 pt, the PDF format's own limit).
pub const MAX_PAGE_INCHES: f64 = 200.0;

/// The most SVG elements a plot may have to be rendered as PNG or PDF (the renderer's parser
/// gives up a little past this); SVG output has no such limit.
pub const MAX_ELEMENTS: usize = 250_000;

/// Renders an SVG document in `format`: SVG is returned as it is; PNG is rasterised at `dpi`
/// (the SVG's pixel size is taken as 96 dpi, so 300 dpi gives 3.125 × as many pixels each way;
/// the resolution is recorded in the PNG's `pHYs` chunk);
/// PDF keeps vectors and text, its page the SVG's size at 96 px per inch (`dpi` is not used).
///
/// Every size is checked before anything is drawn or allocated: a PNG of more than
/// [`MAX_PIXELS`] pixels or with a side longer than [`MAX_SIDE`], a PDF page with a side longer
/// than [`MAX_PAGE_INCHES`], or a plot of more than [`MAX_ELEMENTS`] elements is refused. The
/// output is the same bytes on every run.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Dpi`]) for a resolution outside [`DPI_RANGE`] or a PNG past
/// the size limits; [`Error::Input`] for a PDF page or an element count past its limit, if the
/// SVG cannot be parsed or converted, or (built without the `render` feature) for PNG and PDF.
pub fn render(svg: &str, format: Format, dpi: f64) -> Result<Vec<u8>> {
    match format {
        Format::Svg => Ok(svg.as_bytes().to_vec()),
        Format::Png => {
            if !(dpi >= DPI_RANGE.0 && dpi <= DPI_RANGE.1) {
                return Err(Error::setting(
                    Setting::Dpi,
                    format!(
                        "resolution {dpi} dpi is outside {}–{} dpi",
                        DPI_RANGE.0, DPI_RANGE.1
                    ),
                ));
            }
            check_elements(svg, "PNG")?;
            backend::png(svg, dpi)
        }
        Format::Pdf => {
            check_elements(svg, "PDF")?;
            backend::pdf(svg)
        }
    }
}

/// Refuses a plot with more than [`MAX_ELEMENTS`] elements (counted as start tags, before the
/// SVG is parsed).
fn check_elements(svg: &str, what: &str) -> Result<()> {
    let n = svg
        .as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
        .count();
    if n > MAX_ELEMENTS {
        return Err(failed(
            &format!("{what} plot"),
            format!(
                "the plot has {n} SVG elements, more than the {MAX_ELEMENTS} a {what} can be \
                 made from; write it as .svg, or plot fewer rows"
            ),
        ));
    }
    Ok(())
}

/// The pixel size of a `width` × `height` (CSS px) plot at `dpi`, or an error naming the limit
/// it passes ([`MAX_SIDE`], [`MAX_PIXELS`]) and what to change.
#[cfg_attr(not(feature = "render"), allow(dead_code))]
fn raster_size(width: f64, height: f64, dpi: f64) -> Result<(u32, u32)> {
    let scale = dpi / 96.0;
    let (w, h) = ((width * scale).ceil(), (height * scale).ceil());
    let (w, h) = (w.max(1.0), h.max(1.0));
    let side = w.max(h);
    let pixels = w * h;
    let why = if side.is_nan() || side > MAX_SIDE as f64 {
        format!("its longer side passes the limit of {MAX_SIDE} pixels")
    } else if pixels > MAX_PIXELS as f64 {
        format!(
            "it passes the limit of {} megapixels",
            MAX_PIXELS / 1_000_000
        )
    } else {
        return Ok((w as u32, h as u32));
    };
    // the largest resolution at which the plot fits both limits
    let fits = (MAX_SIDE as f64 / (width.max(height) / 96.0))
        .min((MAX_PIXELS as f64 / (width * height)).sqrt() * 96.0)
        .floor();
    Err(Error::setting(
        Setting::Dpi,
        format!(
            "a {w:.0} × {h:.0} pixel PNG ({width:.0} × {height:.0} px at {dpi} dpi) is too large: \
             {why}; use --dpi {fits} or lower, or write the plot as .svg or .pdf"
        ),
    ))
}

/// Refuses a PDF page of `width` × `height` CSS px (96 per inch) with a side longer than
/// [`MAX_PAGE_INCHES`].
#[cfg_attr(not(feature = "render"), allow(dead_code))]
fn check_page(width: f64, height: f64) -> Result<()> {
    let side = width.max(height) / 96.0;
    if side <= MAX_PAGE_INCHES {
        return Ok(());
    }
    Err(failed(
        "PDF plot",
        format!(
            "a {:.1} × {:.1} inch page is too large: a PDF page side is at most \
             {MAX_PAGE_INCHES} inches; write the plot as .svg",
            width / 96.0,
            height / 96.0
        ),
    ))
}

/// Adds a `pHYs` chunk (pixels per metre) after a PNG's header chunk, so that journals' checks
/// and layout programs read the resolution the plot was rendered at.
#[cfg_attr(not(feature = "render"), allow(dead_code))]
fn with_dpi(png: Vec<u8>, dpi: f64) -> Vec<u8> {
    // signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC)
    const AFTER_IHDR: usize = 33;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return png;
    }
    let ppm = (dpi / 0.0254).round() as u32;
    let mut body = Vec::with_capacity(13);
    body.extend_from_slice(b"pHYs");
    body.extend_from_slice(&ppm.to_be_bytes());
    body.extend_from_slice(&ppm.to_be_bytes());
    body.push(1); // unit: metre
    let mut out = Vec::with_capacity(png.len() + 21);
    out.extend_from_slice(&png[..AFTER_IHDR]);
    out.extend_from_slice(&9u32.to_be_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out.extend_from_slice(&png[AFTER_IHDR..]);
    out
}

/// CRC-32 (ISO 3309, as PNG chunks use).
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn failed(what: &str, message: impl std::fmt::Display) -> Error {
    Error::Input {
        what: what.into(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc_is_png_s() {
        // the CRC of an IEND chunk's type, as every PNG ends with
        assert_eq!(super::crc32(b"IEND"), 0xae42_6082);
    }
}

#[cfg(feature = "render")]
mod backend {
    use std::sync::{Arc, OnceLock};

    use resvg::{tiny_skia, usvg};

    use super::failed;
    use crate::error::Result;

    /// DejaVu Sans, subset (see `assets/fonts/`).
    const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
    /// DejaVu Sans Bold, subset.
    const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold-subset.ttf");

    fn fonts() -> Arc<usvg::fontdb::Database> {
        static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
        DB.get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(REGULAR.to_vec());
            db.load_font_data(BOLD.to_vec());
            let f = "DejaVu Sans";
            db.set_sans_serif_family(f);
            db.set_serif_family(f);
            db.set_monospace_family(f);
            db.set_cursive_family(f);
            db.set_fantasy_family(f);
            Arc::new(db)
        })
        .clone()
    }

    fn tree(svg: &str) -> Result<usvg::Tree> {
        let opt = usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: fonts(),
            ..usvg::Options::default()
        };
        usvg::Tree::from_str(svg, &opt).map_err(|e| failed("SVG plot", e))
    }

    pub(super) fn png(svg: &str, dpi: f64) -> Result<Vec<u8>> {
        let tree = tree(svg)?;
        let scale = (dpi / 96.0) as f32;
        let size = tree.size();
        let (w, h) = super::raster_size(f64::from(size.width()), f64::from(size.height()), dpi)?;
        let mut pixmap = tiny_skia::Pixmap::new(w, h)
            .ok_or_else(|| failed("PNG plot", format!("cannot allocate {w} × {h} pixels")))?;
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        let png = pixmap.encode_png().map_err(|e| failed("PNG plot", e))?;
        Ok(super::with_dpi(png, dpi))
    }

    pub(super) fn pdf(svg: &str) -> Result<Vec<u8>> {
        let tree = tree(svg)?;
        let size = tree.size();
        super::check_page(f64::from(size.width()), f64::from(size.height()))?;
        // SVG pixels are 1/96 inch (CSS), so a 640 px wide plot is a 6.67 in page
        svg2pdf::to_pdf(
            &tree,
            svg2pdf::ConversionOptions::default(),
            svg2pdf::PageOptions { dpi: 96.0 },
        )
        .map_err(|e| failed("PDF plot", e))
    }
}

#[cfg(not(feature = "render"))]
mod backend {
    use super::failed;
    use crate::error::Result;

    const WHY: &str = "this build has no PNG or PDF output (the `render` feature is off)";

    pub(super) fn png(_svg: &str, _dpi: f64) -> Result<Vec<u8>> {
        Err(failed("PNG plot", WHY))
    }

    pub(super) fn pdf(_svg: &str) -> Result<Vec<u8>> {
        Err(failed("PDF plot", WHY))
    }
}
