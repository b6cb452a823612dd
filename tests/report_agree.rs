//! The report and the evidence-and-gap map agree, and both read on any screen (issue #13, items
//! 8 and 9): one scale per domain in both (a binary-only domain is OR), map counts equal what was
//! pooled, cost data fill the cost column, the methods paragraph lists only what ran, and the
//! pages carry the layout that the browser test (tests/browser/layout_selftest.sh) checks.

mod common;

use std::path::Path;

use common::cli::{run, write_csv};
use serde_json::Value;
use tempfile::TempDir;

/// One activity, so each map cell is one outcome domain. Service use: four trials with 2x2
/// tables, fewer admissions is better (binary only: OR); trial E's service-use row has no event
/// counts (mapped, not pooled). Wellbeing: three trials with arm means, trial A with two
/// measures (4 effects from 3 studies).
const DATA: &str = "study,outcome_domain,outcome,activity,n_t,events_t,n_c,events_c,mean_t,sd_t,mean_c,sd_c,higher_is_better\n\
A,service use,admission,social support,100,20,100,30,,,,,false\n\
B,service use,admission,social support,80,15,80,22,,,,,false\n\
C,service use,admission,social support,120,30,120,33,,,,,false\n\
D,service use,admission,social support,60,10,60,18,,,,,false\n\
E,service use,admission,social support,50,,50,,,,,,false\n\
A,wellbeing,WEMWBS,social support,100,,100,,52,8,49,8,true\n\
A,wellbeing,ONS life satisfaction,social support,100,,100,,7.4,1.5,7.0,1.6,true\n\
B,wellbeing,WEMWBS,social support,80,,80,,50,9,48,9,true\n\
C,wellbeing,WEMWBS,social support,120,,120,,51,7,50.5,7,true\n";

/// Arm summaries of costs and QALYs for trials A and C (the demo companion's shape).
const COSTS: &str = "study,arm,n,mean_cost,sd_cost,mean_effect,sd_effect,corr\n\
A,peer support,100,2200,600,0.72,0.08,0.2\n\
A,usual care,100,1800,620,0.70,0.08,0.15\n\
C,peer support,120,2100,600,0.73,0.08,0.2\n\
C,usual care,120,1800,620,0.70,0.08,0.15\n";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The map data embedded in an egm.html page.
fn embedded_map(html: &str) -> Value {
    let open = "<script id=\"egm-data\" type=\"application/json\">";
    let start = html.find(open).expect("map data script") + open.len();
    let end = start + html[start..].find("</script>").expect("end of map data");
    serde_json::from_str(&html[start..end]).expect("map data is JSON")
}

/// Runs `evaluate` on DATA (with the COSTS companion when `costs`); returns (report folder,
/// results.json).
fn evaluated(dir: &TempDir, costs: bool) -> (std::path::PathBuf, Value) {
    let input = write_csv(dir, "t.csv", DATA);
    if costs {
        write_csv(dir, "t_costs.csv", COSTS);
    }
    let out = dir.path().join("report");
    let (code, _, err) = run(&["evaluate", &input, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    (out, json)
}

fn domain<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == name)
        .unwrap_or_else(|| panic!("no domain {name}"))
}

#[test]
fn each_domain_has_one_scale_and_the_same_counts_in_report_and_map() {
    let dir = TempDir::new().unwrap();
    let (out, results) = evaluated(&dir, false);
    let map = embedded_map(&read(&out.join("egm.html")));
    let input = dir.path().join("t.csv");
    let (code, csv, err) = run(&["map", input.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut checked = 0;
    for (name, measure, studies, effects) in
        [("service use", "OR", 4, 4), ("wellbeing", "SMD", 3, 4)]
    {
        let d = domain(&results, name);
        // the report: its own numbers for this dataset
        assert_eq!(d["measure"], measure, "{name}: report measure");
        assert_eq!(d["studies"], studies, "{name}: report studies");
        assert_eq!(d["effects"].as_array().unwrap().len(), effects, "{name}");
        let est = d["pooled"]["estimate"].as_f64().unwrap();
        // the page's map: same measure, same counts, same estimate on the same scale
        let cell = map["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["col"] == name)
            .unwrap();
        assert_eq!(cell["measure"], measure, "{name}: map measure");
        assert_eq!(cell["k"], studies, "{name}: map studies pooled");
        assert_eq!(cell["effects"], effects, "{name}: map effects pooled");
        let got = cell["estimate"].as_f64().unwrap();
        assert!((got - est).abs() < 1e-9, "{name}: map {got}, report {est}");
        // the CSV export: measure column, counts and the estimate as the report prints it
        let row = rows
            .iter()
            .find(|r| r[col("outcome_domain")] == name)
            .unwrap();
        assert_eq!(row[col("measure")], measure, "{name}: CSV measure");
        assert_eq!(
            row[col("studies")],
            studies.to_string(),
            "{name}: CSV studies"
        );
        assert_eq!(
            row[col("effects")],
            effects.to_string(),
            "{name}: CSV effects"
        );
        let shown = if measure == "OR" { est.exp() } else { est };
        let csv_est: f64 = row[col("estimate")].parse().unwrap();
        assert!(
            (csv_est - shown).abs() < 1e-9,
            "{name}: CSV {csv_est}, report {shown}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
    // fewer admissions with peer support: the odds ratio is below 1 in both, not re-oriented
    assert!(
        domain(&results, "service use")["pooled"]["estimate"]
            .as_f64()
            .unwrap()
            < 0.0
    );
    // trial E's service-use row is mapped (a bubble) but has no effect, so it is not counted
    let su = rows
        .iter()
        .find(|r| r[col("outcome_domain")] == "service use")
        .unwrap();
    assert_eq!(su[col("studies_mapped")], "5");
    // a mapped OR study shows its odds ratio's measure
    let a = map["studies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "A" && s["col"] == "service use")
        .unwrap();
    assert_eq!(a["measure"], "OR");
    // log OR of trial A: log((20/80)/(30/70))
    let want = ((20.0f64 / 80.0) / (30.0 / 70.0)).ln();
    assert!((a["yi"].as_f64().unwrap() - want).abs() < 1e-12);
}

#[test]
fn a_cell_mixing_scales_is_not_pooled() {
    let dir = TempDir::new().unwrap();
    let input = write_csv(&dir, "t.csv", DATA);
    // activity by activity: every row falls in one cell, holding service use (OR) and
    // wellbeing (SMD) effects
    let (code, json, err) = run(&[
        "map", &input, "--format", "json", "--rows", "activity", "--cols", "activity",
    ]);
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&json).unwrap();
    let cells = j["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0]["measure"], "mixed");
    assert!(cells[0]["estimate"].is_null());
    assert!(cells[0]["note"]
        .as_str()
        .unwrap()
        .contains("different scales (OR and SMD)"));
}

#[test]
fn an_outcome_column_with_cost_data_is_not_a_gap() {
    let dir = TempDir::new().unwrap();
    let (out, results) = evaluated(&dir, true);
    assert_eq!(
        results["economics"]["pooled"]["studies"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "the report pools net benefit over trials A and C"
    );
    let input = dir.path().join("t.csv");
    let (code, json, err) = run(&["map", input.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("t_costs.csv"), "the companion is named: {err}");
    for (what, map) in [
        ("map", serde_json::from_str::<Value>(&json).unwrap()),
        ("report's map", embedded_map(&read(&out.join("egm.html")))),
    ] {
        let cell = map["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["col"] == "costs")
            .unwrap_or_else(|| panic!("{what}: the costs column is a gap"));
        assert_eq!(cell["row"], "social support");
        assert_eq!(cell["measure"], "costs");
        assert_eq!(cell["k"], 2, "{what}: trials with cost data");
        let mut ids: Vec<&str> = map["studies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["col"] == "costs")
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, ["A", "C"], "{what}");
    }
}

#[test]
fn methods_list_only_the_analyses_that_ran() {
    let dir = TempDir::new().unwrap();
    let (out, results) = evaluated(&dir, false);
    let full = results["methods"].as_str().unwrap();
    let split = full.find(" Not run").expect("a not-run list");
    let (methods, not_run) = full.split_at(split);
    // k < 10 everywhere: no bias checks; no duration_months: no meta-regression; no risk of
    // bias column; no costs; wellbeing has a study with two effects, so RVE may run there only
    for absent in [
        "Egger",
        "trim-and-fill",
        "meta-regression",
        "low risk of bias only (",
        "Economics:",
        "subgroups (exploratory",
    ] {
        assert!(
            !methods.contains(absent),
            "methods mention {absent:?}: {methods}"
        );
    }
    assert!(methods.contains("Pooling (2 domains of 2)"), "{methods}");
    assert!(
        methods.contains("leave-one-out range (2 domains)"),
        "{methods}"
    );
    for skipped in [
        "bias (2 domains)",
        "meta-regression on duration_months (2 domains)",
        "sensitivity: low risk of bias only (2 domains)",
        "economics",
    ] {
        assert!(not_run.contains(skipped), "{skipped}: {not_run}");
    }
    // the report's methods section shows the same paragraph
    let html = read(&out.join("index.html"));
    assert!(html.contains("Pooling (2 domains of 2)"));
    assert!(!html.contains("Egger, Begg, trim-and-fill"));
}

#[test]
fn report_and_map_are_laid_out_for_small_screens() {
    let dir = TempDir::new().unwrap();
    let (out, _) = evaluated(&dir, false);
    let html = read(&out.join("index.html"));
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    let tables = html.matches("<table").count();
    assert!(tables >= 3, "{tables} tables");
    assert_eq!(
        html.matches("<div class=\"table-wrap\"><table").count(),
        tables,
        "every table scrolls in its own box"
    );
    assert!(html.contains(".plot svg{display:block;max-width:100%;height:auto}"));
    let svgs = html.matches("<svg ").count();
    assert!(svgs >= 2, "{svgs} plots");
    assert_eq!(
        html.matches("viewBox=\"0 0 ").count(),
        svgs,
        "every plot scales"
    );
    let egm = read(&out.join("egm.html"));
    assert!(egm.contains("<meta name=\"viewport\""));
    assert!(
        egm.contains("position: sticky; left: 0;"),
        "sticky row labels"
    );
    for small in [
        "font-size: 10px",
        "font-size: 10.5px",
        "font-size: 11px",
        "font-size: 11.5px",
    ] {
        assert!(!egm.contains(small), "map text below 12 px: {small}");
    }
}
