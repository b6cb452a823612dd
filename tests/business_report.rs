//! The business case in the evaluation report (`evaluate --scenario`, `[business_case]` in the
//! options file, the demo's `NAME_scenario.toml` companion), the summary-of-findings columns,
//! the pooled ICER with Fieller's interval against R (fixtures/econ/fieller_pooled.R), and money
//! as "−£108".

mod common;

use common::cli::{path_str, run};
use peerstat::econ::{pooled_icer, pooled_net_benefit, FiellerKind, Increments};
use peerstat::report::svg::esc;
use serde_json::Value;
use tempfile::TempDir;

fn root(p: &str) -> String {
    [env!("CARGO_MANIFEST_DIR"), p].join("/")
}

#[track_caller]
fn near(what: &str, got: f64, want: f64, tol: f64) {
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol * scale,
        "{what}: got {got}, want {want} (tolerance {tol} relative)"
    );
}

fn read_json(p: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn money_has_a_true_minus_sign() {
    use peerstat::report::fmt::{money, thousands};
    assert_eq!(money(-108.0), "−£108");
    assert_eq!(money(-108.4), "−£108");
    assert_eq!(money(20000.0), "£20,000");
    assert_eq!(money(-1_234_567.0), "−£1,234,567");
    assert_eq!(money(-0.4), "£0");
    assert_eq!(thousands(-20000.0), "−20,000");
}

#[test]
fn pooled_fieller_interval_matches_r() {
    let refs = read_json(std::path::Path::new(&root(
        "fixtures/econ/fieller_pooled.json",
    )));
    let vals = |c: &Value, k: &str| -> Vec<f64> {
        c[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let mut checked = 0;
    for (name, c) in refs.as_object().unwrap() {
        let (dc, de, vc, ve, cv) = (
            vals(c, "dc"),
            vals(c, "de"),
            vals(c, "vc"),
            vals(c, "ve"),
            vals(c, "cv"),
        );
        let incs: Vec<Increments> = (0..dc.len())
            .map(|i| Increments {
                inc_cost: dc[i],
                inc_effect: de[i],
                var_cost: vc[i],
                var_effect: ve[i],
                cov: cv[i],
            })
            .collect();
        let (_, fc, fe) = pooled_net_benefit(&incs, &[20000.0], 95.0).unwrap();
        let r = pooled_icer(&incs, &fc, &fe, 95.0);
        near(
            &format!("{name} icer"),
            r.icer,
            c["icer"].as_f64().unwrap(),
            1e-6,
        );
        near(
            &format!("{name} rho"),
            r.correlation,
            c["rho"].as_f64().unwrap(),
            1e-6,
        );
        let kind = match r.kind {
            FiellerKind::Bounded => "bounded",
            FiellerKind::TwoRays => "two_rays",
            FiellerKind::WholeLine => "whole_line",
        };
        assert_eq!(kind, c["kind"].as_str().unwrap(), "{name}");
        near(
            &format!("{name} lower"),
            r.lower,
            c["lower"].as_f64().unwrap(),
            1e-6,
        );
        near(
            &format!("{name} upper"),
            r.upper,
            c["upper"].as_f64().unwrap(),
            1e-6,
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
}

/// Runs the README's main command into a fresh folder: the demo's scenario companion
/// (seeds/demo_scenario.toml) is picked up without a flag.
#[test]
fn demo_report_shows_the_business_case() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("report");
    let (code, stdout, e) = run(&[
        "evaluate",
        &root("seeds/demo.parquet"),
        "-o",
        &path_str(&out),
    ]);
    assert_eq!(code, 0, "{e}");
    let j = read_json(&out.join("results.json"));
    let b = &j["business_case"];
    let summary = b["summary"]
        .as_str()
        .expect("results.json has business_case.summary");
    assert!(
        summary.starts_with("For 12,000 eligible people a year"),
        "{summary}"
    );
    assert!(b["scenario"]
        .as_str()
        .unwrap()
        .ends_with("demo_scenario.toml"));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    // the section comes right after the summary of findings, says it is simulated, and its
    // paragraph is the JSON's, number for number
    let sof = html.find("id=\"sof\"").unwrap();
    let section = html
        .find("id=\"business-case\"")
        .expect("a Business case section");
    assert!(sof < section);
    assert!(section < html.find("<h2>Summary</h2>").unwrap_or(usize::MAX));
    assert!(html.contains(&esc(summary)), "the paragraph in the HTML");
    assert!(html[section..].contains("SIMULATED scenario"));
    let years = b["years"].as_array().unwrap();
    assert_eq!(html.matches("<tr data-year=").count(), years.len());
    // the summary of findings: the scenario's own row with the cost per QALY and P(CE)
    let p = b["by_wtp"][0]["prob_cost_effective"].as_f64().unwrap();
    let want = format!("class=\"prob-ce\" data-value=\"{p}\"");
    assert!(html.contains(&want), "SoF cell {want}");
    assert!(html.contains("<th>Probability cost-effective at £20,000 per QALY</th>"));
    // the value-for-money section: the pooled ICER with its Fieller interval, no "£-"
    assert!(html.contains("class=\"icer\""), "pooled ICER sentence");
    assert!(html.contains("Fieller interval"));
    assert!(!html.contains("£-"));
    let icer = &j["economics"]["pooled"]["icer"];
    assert!(
        icer["icer"].as_f64().is_some(),
        "results.json economics.pooled.icer"
    );
    // the plots are written, named in the HTML, and carry the unit on the CEAC axis
    for f in [
        "business_cashflow.svg",
        "business_tornado.svg",
        "business_ceac.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
        assert!(html.contains(&format!("href=\"{f}\"")), "{f} inline");
    }
    let ceac = std::fs::read_to_string(out.join("business_ceac.svg")).unwrap();
    assert!(ceac.contains("Willingness to pay per QALY (£)"));
    let tornado = std::fs::read_to_string(out.join("business_tornado.svg")).unwrap();
    assert!(
        tornado.contains("at £20,000 per QALY"),
        "thousands in the axis name"
    );
    assert!(!tornado.contains(">-"), "a true minus on the ticks");
    // the text output carries the paragraph
    assert!(stdout.contains(summary) || e.contains(summary));
    // a second evaluate into the same folder recognises the business plots as its own
    let (code, _, e) = run(&[
        "evaluate",
        &root("seeds/demo.parquet"),
        "-o",
        &path_str(&out),
    ]);
    assert_eq!(code, 0, "{e}");
}

const SCENARIO: &str = r#"
title = "Service use from this evaluation"
[population]
eligible = 5000
uptake = [0.2, 0.2]
[programme]
cost_per_participant = 300.0
[outcome]
name = "admissions"
domain = "service use"
baseline_risk = 0.3
unit_cost = 2000.0
qaly_per_event = 0.05
[appraisal]
effect = "mean"
draws = 500
"#;

/// A scenario naming a domain without effect_from takes the evaluation's own pooled effect (in
/// memory); `[business_case]` in the options file finds it relative to the options file.
#[test]
fn scenario_reads_the_evaluations_own_domain() {
    let dir = TempDir::new().unwrap();
    let sub = dir.path().join("opts");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("case.toml"), SCENARIO).unwrap();
    let data = dir.path().join("studies.parquet");
    std::fs::copy(root("seeds/demo.parquet"), &data).unwrap();
    let opts = sub.join("options.toml");
    std::fs::write(&opts, "[business_case]\nscenario = \"case.toml\"\n").unwrap();
    let out = dir.path().join("report");
    let (code, _, e) = run(&[
        "evaluate",
        &path_str(&data),
        "--options",
        &path_str(&opts),
        "-o",
        &path_str(&out),
    ]);
    assert_eq!(code, 0, "{e}");
    let j = read_json(&out.join("results.json"));
    let d = j["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == "service use")
        .expect("a service use domain");
    let b = &j["business_case"];
    assert_eq!(b["domain"], "service use");
    assert_eq!(b["effect_measure"], d["measure"]);
    near(
        "effect",
        b["effect"]["estimate"].as_f64().unwrap(),
        d["pooled"]["estimate"].as_f64().unwrap().exp(),
        1e-12,
    );
    near(
        "log se",
        b["log_se"].as_f64().unwrap(),
        d["pooled"]["se"].as_f64().unwrap(),
        1e-12,
    );
    assert!(b["effect_source"]
        .as_str()
        .unwrap()
        .contains("this evaluation"));
    // the summary of findings fills the two cells on the service use row only
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let row = html
        .split("<tr data-domain=\"service use\">")
        .nth(1)
        .unwrap();
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("class=\"prob-ce\""), "{row}");
    assert!(!html.contains("class=\"business-row\""));
    // --scenario names a missing domain: the error names outcome.domain
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, SCENARIO.replace("service use", "no such domain")).unwrap();
    let (code, _, e) = run(&[
        "evaluate",
        &path_str(&data),
        "--scenario",
        &path_str(&bad),
        "-o",
        &path_str(&dir.path().join("r2")),
    ]);
    assert_ne!(code, 0);
    assert!(
        e.contains("outcome.domain") && e.contains("no such domain"),
        "{e}"
    );
    // alone, business-case says where such a domain comes from
    let (code, _, e) = run(&["business-case", &path_str(&sub.join("case.toml"))]);
    assert_ne!(code, 0);
    assert!(
        e.contains("outcome.domain") && e.contains("--scenario"),
        "{e}"
    );
}

const SMD: &str = r#"
[population]
eligible = 10000
uptake = [0.1, 0.2]
[programme]
cost_per_participant = 200.0
fixed_cost_per_year = 10000.0
[outcome]
measure = "SMD"
estimate = 0.30
ci_lower = 0.10
ci_upper = 0.50
qaly_per_sd = 0.05
[appraisal]
discount = 0.035
effect = "mean"
wtp = [20000.0]
draws = 1000
"#;

fn smd_case(toml: &str) -> Result<peerstat::econ::business::BusinessCase, String> {
    peerstat::econ::business::Scenario::parse(toml, "smd.toml", std::path::Path::new("."))
        .and_then(|s| peerstat::econ::business::business_case(&s))
        .map_err(|e| e.to_string())
}

/// An SMD drives QALYs only through `qaly_per_sd` (said in the note); without it the error names
/// the key. Deterministic figures and the EVPPI of the effect against hand computation.
#[test]
fn smd_needs_an_explicit_qaly_mapping() {
    let e = smd_case(&SMD.replace("qaly_per_sd = 0.05\n", "")).unwrap_err();
    assert!(e.contains("outcome.qaly_per_sd"), "{e}");
    let e = smd_case(&SMD.replace(
        "qaly_per_sd = 0.05\n",
        "baseline_rate = 1.0\nunit_cost = 10.0\n",
    ))
    .unwrap_err();
    assert!(e.contains("outcome.qaly_per_sd"), "{e}");
    let c = smd_case(SMD).unwrap();
    assert!(
        c.effect.note.contains("qaly_per_sd = 0.05"),
        "{}",
        c.effect.note
    );
    near("smd estimate", c.effect.estimate, 0.30, 1e-12);
    // by hand: participants 1,000 and 2,000; QALYs = p × 0.05 × 0.3; cost = p × 200 + 10,000
    let df = 1.0 / 1.035;
    let q = [1000.0 * 0.015, 2000.0 * 0.015];
    let cost = [210_000.0, 410_000.0];
    near("qalys year 1", c.years[0].qalys, q[0], 1e-12);
    near("qalys year 2", c.years[1].qalys, q[1], 1e-12);
    assert_eq!(c.years[0].events_avoided, 0.0);
    let pv_q = q[0] + q[1] * df;
    let pv_c = cost[0] + cost[1] * df;
    near("pv_qalys", c.pv_qalys, pv_q, 1e-12);
    near(
        "cost per QALY",
        c.cost_per_qaly.unwrap(),
        pv_c / pv_q,
        1e-12,
    );
    // EVPPI of the effect: NMB(θ) = A + Lθ, θ ~ N(0.3, s²), s from the CI
    let s = (0.5 - 0.1) / (2.0 * 1.959_963_984_540_054);
    let l = 20000.0 * 0.05 * (1000.0 + 2000.0 * df);
    let a = -pv_c;
    let m = a + l * 0.3;
    let sd = l * s;
    let d = m / sd;
    let n = statrs::distribution::Normal::new(0.0, 1.0).unwrap();
    use statrs::distribution::{Continuous, ContinuousCDF};
    let want = m * n.cdf(d) + sd * n.pdf(d) - m.max(0.0);
    near("evppi effect", c.value_of_research.evppi_effect, want, 1e-6);
    assert!(c.summary.contains("QALYs"), "{}", c.summary);
}
