//! Plots are bounded and reproducible (issue 30, items 1 and 11): a raster past its size limit is
//! refused before anything is allocated, long labels are cut (full text in a `<title>`), a huge
//! forest plot is refused naming `--max-rows`, and PNG/PDF bytes do not change between runs or
//! thread counts.

mod common;

use std::process::Command;

use common::cli::{fixture, run, write_csv, BIN};
use peerstat::report::render::{render, Format, MAX_ELEMENTS};
use peerstat::report::svg::{label, MAX_LABEL};
use tempfile::TempDir;

/// A three-treatment network (arm data) with one treatment called `name`.
fn network_csv(dir: &TempDir, name: &str) -> String {
    let mut s = String::from("study,treatment,n,mean,sd\n");
    for (study, a, b, d) in [
        ("s1", "placebo", "drug", 1.0),
        ("s2", "drug", name, 0.5),
        ("s3", "placebo", name, 1.4),
        ("s4", "placebo", "drug", 0.8),
    ] {
        s.push_str(&format!("{study},{a},100,0,1\n{study},{b},100,{d},1.1\n"));
    }
    write_csv(dir, "net.csv", &s)
}

/// Runs the binary under a 4 GB address-space limit; returns (exit code, stderr).
fn run_limited(args: &[&str]) -> (i32, String) {
    let out = Command::new("prlimit")
        .arg("--as=4000000000")
        .arg(BIN)
        .args(args)
        .output()
        .expect("cannot run prlimit");
    let code = out
        .status
        .code()
        .expect("peerstat was killed by a signal (out of memory?)");
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_20000_character_treatment_name_gives_a_bounded_league_png() {
    let dir = TempDir::new().unwrap();
    let long = "T".repeat(20_000);
    let csv = network_csv(&dir, &long);
    let png = dir.path().join("l.png");
    let graph = dir.path().join("g.png");
    let (code, err) = run_limited(&[
        "network",
        &csv,
        "--measure",
        "MD",
        "--reference",
        "placebo",
        "--league",
        png.to_str().unwrap(),
        "--graph",
        graph.to_str().unwrap(),
    ]);
    assert!(code == 0 || code == 2, "exit {code}: {err}");
    if code == 0 {
        assert!(std::fs::metadata(&png).unwrap().len() < 50_000_000);
    }
}

#[test]
fn a_long_treatment_name_is_cut_with_its_full_text_in_a_title() {
    let dir = TempDir::new().unwrap();
    let long = format!("{}Z", "Long treatment ".repeat(20));
    let csv = network_csv(&dir, &long);
    let league = dir.path().join("l.svg");
    let graph = dir.path().join("g.svg");
    let (code, _, err) = run(&[
        "network",
        &csv,
        "--measure",
        "MD",
        "--reference",
        "placebo",
        "--league",
        league.to_str().unwrap(),
        "--graph",
        graph.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for path in [&league, &graph] {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.contains(&format!("<title>{long}</title>")), "{svg}");
        let cut: String = long.chars().take(MAX_LABEL - 1).collect();
        assert!(svg.contains(&format!("{cut}…<title>")));
        // the plot's width comes from the cut label, not the full one
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width < 4000.0, "{width}");
    }
}

#[test]
fn labels_up_to_the_limit_are_drawn_as_they_are() {
    let ok = "a".repeat(MAX_LABEL);
    assert_eq!(label(&ok), ok);
    let long = "a".repeat(MAX_LABEL + 1);
    assert!(label(&long).ends_with(&format!("…<title>{long}</title>")));
    assert_eq!(label("<b> & c"), "&lt;b&gt; &amp; c");
}

#[test]
fn a_png_past_the_pixel_limit_is_refused_naming_it() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="20000"><rect width="10" height="10"/></svg>"#;
    let Err(e) = render(svg, Format::Png, 300.0) else {
        panic!("a 62,500-pixel-wide PNG was drawn");
    };
    assert_eq!(e.exit_code(), 2);
    let m = e.to_string();
    assert!(m.contains("32767") && m.contains("--dpi"), "{m}");
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10001" height="10000"><rect width="10" height="10"/></svg>"#;
    let Err(e) = render(svg, Format::Png, 96.0) else {
        panic!("a 100.01-megapixel PNG was drawn");
    };
    let m = e.to_string();
    assert!(m.contains("100 megapixels") && m.contains(".svg"), "{m}");
    // at the resolution the message suggests, it fits
    let dpi: f64 = m
        .split("--dpi ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let small = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><rect width="10" height="10"/></svg>"#;
    assert!(render(small, Format::Png, 96.0).is_ok());
    assert!(dpi < 96.0 && dpi > 90.0, "{dpi}");
}

#[test]
fn the_cli_refuses_a_png_too_large_for_its_dpi() {
    let dir = TempDir::new().unwrap();
    let png = dir.path().join("f.png");
    let (code, _, err) = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--forest",
        png.to_str().unwrap(),
        "--dpi",
        "2400",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("megapixels") || err.contains("32767"), "{err}");
    assert!(err.contains("--dpi"), "{err}");
    assert!(!png.exists());
}

#[test]
fn a_pdf_page_past_200_inches_is_refused() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="100"><rect width="10" height="10"/></svg>"#;
    let e = render(svg, Format::Pdf, 300.0).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("200 inches"), "{e}");
}

#[test]
fn a_plot_of_too_many_elements_is_refused_clearly() {
    let mut svg =
        String::from(r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">"#);
    for _ in 0..=MAX_ELEMENTS {
        svg.push_str("<rect/>");
    }
    svg.push_str("</svg>");
    for f in [Format::Png, Format::Pdf] {
        let m = render(&svg, f, 96.0).unwrap_err().to_string();
        assert!(
            m.contains(&MAX_ELEMENTS.to_string()) && m.contains(".svg"),
            "{m}"
        );
    }
    assert!(render(&svg, Format::Svg, 96.0).is_ok());
}

#[test]
fn a_forest_past_max_rows_is_refused_naming_the_option() {
    let dir = TempDir::new().unwrap();
    let svg = dir.path().join("f.svg");
    let args = |max: &'static str| {
        run(&[
            "meta",
            &fixture("bcg.csv"),
            "--measure",
            "RR",
            "--forest",
            svg.to_str().unwrap(),
            "--max-rows",
            max,
        ])
    };
    let (code, _, err) = args("5");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--max-rows") && err.contains("limit of 5"),
        "{err}"
    );
    assert!(!svg.exists());
    let (code, _, err) = args("100");
    assert_eq!(code, 0, "{err}");
    assert!(svg.exists());
}

/// The bytes of `--league`, `--forest` and `--graph` in `ext`, written with `threads` threads.
fn network_plots(dir: &TempDir, ext: &str, threads: &str) -> Vec<Vec<u8>> {
    let names = ["league", "forest", "graph"].map(|n| dir.path().join(format!("{n}.{ext}")));
    let out = Command::new(BIN)
        .env("RAYON_NUM_THREADS", threads)
        .args([
            "network",
            &fixture("senn2013.csv"),
            "--measure",
            "MD",
            "--reference",
            "placebo",
            "--small-values-good",
        ])
        .args(["--league", names[0].to_str().unwrap()])
        .args(["--forest", names[1].to_str().unwrap()])
        .args(["--graph", names[2].to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn pdf_and_png_are_the_same_bytes_on_every_run_and_thread_count() {
    let dir = TempDir::new().unwrap();
    for ext in ["pdf", "png"] {
        let first = network_plots(&dir, ext, "1");
        for threads in ["2", "1", "2", "1"] {
            assert!(network_plots(&dir, ext, threads) == first, "{ext} differs");
        }
    }
}
