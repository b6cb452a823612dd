//! Every character the plots write has a glyph in the bundled font, so PNG and PDF plots drop
//! none (issue 27 §4: the network graph's "∝" vanished). Each non-ASCII character in the plot
//! code is drawn alone, regular and bold, and must differ from a character outside the font.
#![cfg(feature = "render")]

use std::collections::BTreeSet;
use std::path::Path;

use peerstat::report::render::{render, Format};
use resvg::tiny_skia::Pixmap;

/// The non-ASCII characters on the non-comment lines of the `.rs` files under `dir`.
fn characters(dir: &Path, out: &mut BTreeSet<char>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            characters(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                out.extend(line.chars().filter(|c| !c.is_ascii()));
            }
        }
    }
}

/// The pixels of `c` drawn at 40 px.
fn drawn(c: char, weight: &str) -> Vec<u8> {
    let s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60"><rect width="60" height="60" fill="white"/><text x="10" y="45" font-size="40" font-weight="{weight}">{c}</text></svg>"#
    );
    let p = Pixmap::decode_png(&render(&s, Format::Png, 96.0).unwrap()).unwrap();
    p.data().to_vec()
}

#[test]
fn every_character_of_the_plots_has_a_glyph() {
    let mut chars = BTreeSet::new();
    characters(Path::new("src/report/svg"), &mut chars);
    assert!(chars.contains(&'∝') && chars.contains(&'τ'), "{chars:?}");
    let mut checked = 0;
    for weight in ["normal", "bold"] {
        // a character outside the font is drawn as the font's .notdef glyph (or not at all)
        let missing = drawn('\u{2EE5}', weight);
        assert!(
            missing == drawn('\u{2EE6}', weight),
            "two missing characters differ"
        );
        for c in &chars {
            assert!(
                drawn(*c, weight) != missing,
                "'{c}' (U+{:04X}, {weight}) has no glyph: add it to assets/fonts (see SUBSET.md)",
                *c as u32
            );
            checked += 1;
        }
    }
    assert!(checked >= 28, "{checked} glyphs checked");
}
