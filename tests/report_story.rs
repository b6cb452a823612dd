//! Issue #27 §2: the demo report tells one story, the same way on the command line, in the
//! summary of findings and in the HTML, without the slips the issue lists. Each assertion
//! failed on the report before the fix (`peerstat evaluate seeds/demo.parquet -o DIR`).

mod common;

use std::path::Path;

use common::cli::run;
use tempfile::TempDir;

/// The demo report: (what the command printed, index.html, the forest plots, results.json).
fn demo() -> (String, String, Vec<String>, serde_json::Value) {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("r");
    let (code, stdout, stderr) = run(&[
        "evaluate",
        "seeds/demo.parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let json =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let forests = (1..=8)
        .map(|i| std::fs::read_to_string(out.join(format!("forest_{i}.svg"))).unwrap())
        .collect();
    (format!("{stdout}{stderr}"), html, forests, json)
}

/// Each "-0.00", "−0.00", "-0%" or "−0 %" (a negative zero: no further digit) in `text`, with
/// its context.
fn negative_zeros(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for bad in ["-0.00", "−0.00", "-0.0", "-0%", "−0%", "-0 %", "−0 %"] {
        for (i, _) in text.match_indices(bad) {
            let after = text[i + bad.len()..].chars().next();
            let before = text[..i].chars().next_back();
            if !after.is_some_and(|c| c.is_ascii_digit())
                && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '=' || c == '"')
            {
                let before: String = text[..i]
                    .chars()
                    .rev()
                    .take(60)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let after: String = text[i..].chars().take(20).collect();
                out.push(before + &after);
            }
        }
    }
    out
}

#[test]
fn negative_zeros_are_found() {
    assert_eq!(negative_zeros("CI [-0.00, 0.3]").len(), 1);
    assert_eq!(negative_zeros("carry −0% of").len(), 1);
    assert!(negative_zeros("slope -0.003 per").is_empty());
}

#[test]
fn the_demo_report_tells_one_story() {
    assert!(Path::new("seeds/demo.parquet").exists());
    let (stdout, html, forests, json) = demo();
    let sof = json["summary_of_findings"].as_array().unwrap();
    assert_eq!(sof.len(), 8);
    let mut told = 0;
    for f in sof {
        let statement = f["statement"].as_str().unwrap();
        // one wording: the SoF statement, as a clause, in the CLI summary and in the HTML
        let clause = {
            let s = statement.trim_end_matches('.');
            let mut c = s.chars();
            let first = c.next().unwrap().to_lowercase().to_string();
            first + c.as_str()
        };
        assert!(stdout.contains(&clause), "CLI lacks «{clause}»:\n{stdout}");
        assert!(
            html.contains(&clause.replace('\'', "&#39;")),
            "HTML lacks «{clause}»"
        );
        told += 1;
    }
    assert_eq!(told, 8);
    // the old, certainty-blind wording is gone
    assert!(!stdout.contains("peer support improved"), "{stdout}");
    // fewer admissions: "reduces", not "improves service use"
    let su = sof.iter().find(|f| f["domain"] == "service use").unwrap();
    assert!(su["statement"].as_str().unwrap().contains("reduce"), "{su}");
    assert!(!stdout.contains("improves service use") && !stdout.contains("improve service use"));
    // physical health: 38 % low risk of bias is no longer "high"
    let ph = sof
        .iter()
        .find(|f| f["domain"] == "physical health")
        .unwrap();
    assert_ne!(ph["certainty"]["certainty"], "high", "{}", ph["certainty"]);
    // self-management: 4 trials, 2.6 robust df: imprecision at least serious
    let sm = sof
        .iter()
        .find(|f| f["domain"] == "self-management")
        .unwrap();
    let imp = &sm["certainty"]["judgements"][2];
    assert_eq!(imp["criterion"], "imprecision");
    assert!(imp["levels"].as_u64().unwrap() >= 1, "{imp}");
    // not-assessed criteria are said on the command line, not only in a collapsed panel
    assert!(
        stdout.contains("    not assessed: indirectness"),
        "{stdout}"
    );

    // slips
    assert!(!stdout.contains("ranges from 0.16 to 0.16"), "{stdout}");
    assert!(stdout.contains("the estimate does not change"), "{stdout}");
    for text in [&html, &stdout] {
        assert_eq!(negative_zeros(text), Vec::<String>::new());
    }
    assert!(
        !html.contains("in the whole report), not adjusted for multiplicity;"),
        "the multiplicity caveat sits above a Holm-adjusted column"
    );
    assert!(html.contains("the last column adjusts them across the report (Holm)"));
    // no R² reported, then a caution about it: each "no R²" sentence is followed by its own
    // caveat, never the R² one
    let mut no_r2 = 0;
    for (i, _) in html.match_indices("no R² for dependent effects") {
        let rest = &html[i..];
        let end = rest.find("</p>").unwrap();
        assert!(
            !rest[..end].contains("R² is unreliable"),
            "{}",
            &rest[..end]
        );
        no_r2 += 1;
    }
    assert!(no_r2 >= 1);
    // the forest of a CHE domain names its model
    let che: Vec<&String> = forests
        .iter()
        .filter(|f| f.contains("CHE model (REML"))
        .collect();
    assert_eq!(che.len(), 7, "seven demo domains have dependent effects");
    // the element view: the reference combination labelled as such, the pooled effect first
    assert!(
        html.contains("reference combination: provider trained peer"),
        "element view"
    );
    let pooled_at = html.find("pooled effect of peer support").unwrap();
    let base_at = html.find("reference combination: provider").unwrap();
    assert!(pooled_at < base_at);
    // forms: the network and the subgroup table say why their intervals differ
    assert!(html.contains("Why these intervals differ from the subgroup table below"));
}
