//! Plot formats: the same SVG as PNG (resvg, bundled font) and PDF (svg2pdf), chosen by the
//! output file's extension for every plot flag; `--dpi` and `--theme`.
#![cfg(feature = "render")]

mod common;

use common::cli::run;
use peerstat::report::render::{render, Format};
use peerstat::report::svg::{self, recolour, Theme};
use resvg::tiny_skia::Pixmap;

fn funnel_svg() -> String {
    let yi = [
        -0.9, -1.6, -1.3, -1.4, -0.2, -0.8, -1.6, 0.0, -0.5, -1.4, -0.3, 0.4, -0.0,
    ];
    let vi = [
        0.33, 0.19, 0.42, 0.02, 0.05, 0.01, 0.22, 0.004, 0.06, 0.07, 0.01, 0.53, 0.07,
    ];
    svg::funnel(
        &yi,
        &vi,
        -0.71,
        &[(0.31, 0.22)],
        peerstat::effect::Measure::Rr,
        "funnel",
    )
}

fn size(svg: &str) -> (f64, f64) {
    let f = |k: &str| -> f64 {
        let key = format!(" {k}=\"");
        let s = svg.find(&key).unwrap() + key.len();
        svg[s..s + svg[s..].find('"').unwrap()].parse().unwrap()
    };
    (f("width"), f("height"))
}

/// Share of pixels that differ from the corner (background) pixel.
fn ink(p: &Pixmap) -> f64 {
    let bg = p.pixel(0, 0).unwrap();
    let n = p.pixels().iter().filter(|&&q| q != bg).count();
    n as f64 / p.pixels().len() as f64
}

#[test]
fn png_has_the_dpi_scaled_size_a_white_ground_and_ink() {
    let s = funnel_svg();
    let (w, h) = size(&s);
    let mut checked = 0;
    for dpi in [96.0, 192.0, 300.0] {
        let png = render(&s, Format::Png, dpi).unwrap();
        let p = Pixmap::decode_png(&png).unwrap();
        // the resolution is recorded: pHYs right after IHDR, pixels per metre
        assert_eq!(&png[37..41], b"pHYs");
        let ppm = u32::from_be_bytes([png[41], png[42], png[43], png[44]]);
        assert_eq!(ppm, (dpi / 0.0254_f64).round() as u32);
        let k = dpi / 96.0;
        assert_eq!(p.width(), (w * k).ceil() as u32);
        assert_eq!(p.height(), (h * k).ceil() as u32);
        let c = p.pixel(0, 0).unwrap();
        assert_eq!(
            (c.red(), c.green(), c.blue(), c.alpha()),
            (255, 255, 255, 255)
        );
        // the contours, points and text cover a good share of the picture
        let share = ink(&p);
        assert!(share > 0.3 && share < 0.95, "{share}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn text_is_drawn_with_the_bundled_font() {
    // a title alone: without a font nothing but the background would be drawn
    let s = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="Helvetica, Arial, sans-serif"><rect width="200" height="40" fill="white"/><text x="10" y="28" font-size="20">Forest 1.25</text></svg>"#;
    let p = Pixmap::decode_png(&render(s, Format::Png, 96.0).unwrap()).unwrap();
    let dark = p.pixels().iter().filter(|q| q.red() < 128).count();
    assert!(dark > 150, "{dark} dark pixels");
    // bold text is wider than regular text
    let bold = s.replace("font-size=\"20\"", "font-size=\"20\" font-weight=\"bold\"");
    let pb = Pixmap::decode_png(&render(&bold, Format::Png, 96.0).unwrap()).unwrap();
    let dark_b = pb.pixels().iter().filter(|q| q.red() < 128).count();
    assert!(dark_b > dark, "{dark_b} vs {dark}");
}

#[test]
fn themes_recolour_the_ground() {
    let s = funnel_svg();
    let dark = Pixmap::decode_png(&render(&recolour(&s, Theme::Dark), Format::Png, 48.0).unwrap())
        .unwrap();
    let c = dark.pixel(0, 0).unwrap();
    assert_eq!((c.red(), c.green(), c.blue()), (0x1a, 0x1a, 0x1a));
    // print: every pixel is grey (r = g = b)
    let print =
        Pixmap::decode_png(&render(&recolour(&s, Theme::Print), Format::Png, 48.0).unwrap())
            .unwrap();
    let coloured = print
        .pixels()
        .iter()
        .filter(|q| q.red().abs_diff(q.green()) > 2 || q.green().abs_diff(q.blue()) > 2)
        .count();
    assert_eq!(coloured, 0);
}

#[test]
fn pdf_is_written_and_renders() {
    let s = funnel_svg();
    let pdf = render(&s, Format::Pdf, 300.0).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() > 2000);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.pdf");
    std::fs::write(&f, &pdf).unwrap();
    // pdftoppm (poppler) renders it when installed
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "50", "-singlefile"])
        .arg(&f)
        .arg(dir.path().join("page"))
        .output();
    match out {
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let page = std::fs::read(dir.path().join("page.png")).unwrap();
            let p = Pixmap::decode_png(&page).unwrap();
            // 640 px at 96 dpi = 6.67 in; at 50 dpi about 333 px
            assert!((p.width() as i64 - 333).abs() <= 2, "{}", p.width());
            assert!(ink(&p) > 0.3);
        }
        Err(_) => eprintln!("pdftoppm not installed: PDF not rendered"),
    }
}

#[test]
fn every_plot_flag_writes_all_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let mut checked = 0;
    for ext in ["svg", "png", "pdf"] {
        let runs: Vec<Vec<String>> = vec![
            vec![
                "meta",
                "fixtures/bcg.csv",
                "--measure",
                "RR",
                "--mods",
                "ablat",
            ]
            .into_iter()
            .map(String::from)
            .chain(["--bubble".into(), p(&format!("bubble.{ext}"))])
            .collect(),
            vec!["meta", "fixtures/bcg.csv", "--measure", "RR"]
                .into_iter()
                .map(String::from)
                .chain(["--forest".into(), p(&format!("forest.{ext}"))])
                .collect(),
            vec!["bias", "fixtures/bcg.csv", "--measure", "RR", "--dpi", "60"]
                .into_iter()
                .map(String::from)
                .chain(["--funnel".into(), p(&format!("funnel.{ext}"))])
                .collect(),
            vec![
                "cea",
                "fixtures/econ/psa.csv",
                "--reference",
                "usual care",
                "--theme",
                "print",
            ]
            .into_iter()
            .map(String::from)
            .chain([
                "--plane".into(),
                p(&format!("plane.{ext}")),
                "--ceac".into(),
                p(&format!("ceac.{ext}")),
            ])
            .collect(),
            vec![
                "network",
                "fixtures/senn2013.csv",
                "--measure",
                "MD",
                "--reference",
                "placebo",
            ]
            .into_iter()
            .map(String::from)
            .chain([
                "--graph".into(),
                p(&format!("graph.{ext}")),
                "--league".into(),
                p(&format!("league.{ext}")),
            ])
            .collect(),
        ];
        for r in &runs {
            let a: Vec<&str> = r.iter().map(String::as_str).collect();
            let (code, _, err) = run(&a);
            assert_eq!(code, 0, "{a:?}: {err}");
        }
        for name in [
            "bubble", "forest", "funnel", "plane", "ceac", "graph", "league",
        ] {
            let bytes = std::fs::read(p(&format!("{name}.{ext}"))).unwrap();
            let magic: &[u8] = match ext {
                "svg" => b"<svg",
                "png" => b"\x89PNG",
                _ => b"%PDF",
            };
            assert!(bytes.starts_with(magic), "{name}.{ext}");
            checked += 1;
        }
    }
    assert_eq!(checked, 21);
    // --dpi 60: the funnel PNG is 640 × 60/96 = 400 px wide
    let f = Pixmap::decode_png(&std::fs::read(p("funnel.png")).unwrap()).unwrap();
    assert_eq!(f.width(), 400);
}

#[test]
fn an_unknown_extension_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("funnel.jpg");
    let (code, _, err) = run(&[
        "bias",
        "fixtures/bcg.csv",
        "--measure",
        "RR",
        "--funnel",
        f.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains(".jpg") && err.contains(".png"), "{err}");
    assert!(!f.exists());
}
