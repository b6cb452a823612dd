//! The evaluation report is easy to find one's way around (issue 27 §3): a contents list led by
//! the summary of findings, collapsible domain sections, summary tables that become cards on a
//! phone, plots that keep their text readable, a print style sheet; and `evaluate` replaces its
//! own earlier report. (The rendered sizes are measured in a browser by
//! tests/browser/layout_selftest.sh.)

mod common;

use common::cli::{path_str, run};

/// Runs `evaluate` on the demo data into `dir`; returns index.html.
fn demo_report(dir: &std::path::Path) -> String {
    let (code, _, err) = run(&["evaluate", "seeds/demo.parquet", "-o", &path_str(dir)]);
    assert_eq!(code, 0, "evaluate failed: {err}");
    std::fs::read_to_string(dir.join("index.html")).expect("no index.html")
}

#[test]
fn the_report_has_contents_cards_folds_and_a_print_style() {
    let tmp = tempfile::tempdir().unwrap();
    let html = demo_report(&tmp.path().join("report"));
    // The contents list comes before the summary of findings and starts with it.
    let nav = html.find("<nav class=\"toc\"").expect("no contents list");
    let sof = html
        .find("<section id=\"sof\">")
        .expect("no summary of findings");
    assert!(nav < sof);
    let toc = &html[nav..html[nav..].find("</nav>").unwrap() + nav];
    let links: Vec<&str> = toc
        .split("<a href=\"#")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(links[0], "sof");
    // every entry leads to a section; the demo's 8 domains are listed in page order
    for l in &links {
        assert!(
            html.contains(&format!("<section id=\"{l}\"")),
            "{l} leads nowhere"
        );
    }
    let domains: Vec<&&str> = links.iter().filter(|l| l.starts_with("d-")).collect();
    assert_eq!(domains.len(), 8, "{links:?}");
    let pos = |id: &str| html.find(&format!("<section id=\"{id}\"")).unwrap();
    assert!(
        links.windows(2).all(|w| pos(w[0]) < pos(w[1])),
        "contents not in page order: {links:?}"
    );
    assert!(links.contains(&"value-for-money") && links.contains(&"methods"));
    // each domain folds, open by default
    assert_eq!(
        html.matches("class=\"domain\"><details open><summary><h2>")
            .count(),
        8
    );
    // summary tables carry their column headings for the phone cards
    assert!(html.contains("<table class=\"sof cards\">"));
    // eight domains and the business case's own row (the demo scenario states its effect)
    assert_eq!(html.matches("data-label=\"What it means\"").count(), 9);
    assert_eq!(
        links.get(1),
        Some(&"business-case"),
        "business case second: {links:?}"
    );
    assert!(html.contains("<table class=\"summary cards\">"));
    // plots: a minimum width keeping 12-unit text at 10 px (1026-unit forest plots: 855 px)
    assert!(
        html.contains("<svg style=\"min-width:855px\""),
        "forest plots have no minimum width"
    );
    // print: no contents, tables and plots kept whole, folded sections opened
    let css = &html[html.find("@media print{").expect("no print style sheet")..];
    for rule in [
        "nav.toc{display:none}",
        "table,tr,.plot,svg,figure,.plot-link{break-inside:avoid",
        ".plot svg{min-width:0!important",
    ] {
        assert!(css.contains(rule), "print style lacks {rule}");
    }
    assert!(html.contains("addEventListener('beforeprint'"));
    assert!(html.trim_end().ends_with("</body></html>"));
}

#[test]
fn evaluate_replaces_its_own_report_but_not_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    demo_report(&out);
    // the demo's report holds risk-of-bias plots: a second run replaces the whole report
    assert!(out.join("rob_summary_1.svg").exists() && out.join("rob_traffic_1.svg").exists());
    std::fs::write(out.join("forest_99.svg"), "old").unwrap();
    demo_report(&out);
    assert!(
        !out.join("forest_99.svg").exists(),
        "a stale plot of the old report was kept"
    );
    // a file that is not part of a report still refuses the folder
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (code, _, err) = run(&["evaluate", "seeds/demo.parquet", "-o", &path_str(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}
