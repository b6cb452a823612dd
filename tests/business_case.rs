//! `peerstat business-case` (`econ::business`): every deterministic figure against a hand
//! computation (effect fixed: zero-width CI), probabilities against the analytic normal result
//! within Monte Carlo error, EVSI/EVPPI against their closed forms, scenario errors naming the
//! key, and the plots.

mod common;

use std::path::Path;

use common::cli::{parse_json, path_str, run};
use peerstat::econ::business::{business_case, BusinessCase, EffectUse, Scenario};
use statrs::distribution::{ContinuousCDF, Normal};
use tempfile::TempDir;

fn scenario(toml: &str) -> Scenario {
    Scenario::parse(toml, "test.toml", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

fn case(toml: &str) -> BusinessCase {
    business_case(&scenario(toml)).unwrap_or_else(|e| panic!("{e}"))
}

fn err(toml: &str) -> String {
    match Scenario::parse(toml, "test.toml", Path::new(".")).and_then(|s| business_case(&s)) {
        Ok(_) => panic!("accepted:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn near(what: &str, got: f64, want: f64, tol: f64) {
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol * scale,
        "{what}: got {got}, want {want} (tolerance {tol} relative)"
    );
}

fn pnorm(z: f64) -> f64 {
    Normal::new(0.0, 1.0).unwrap().cdf(z)
}

/// The issue's example, with the effect fixed (zero-width CI) and draws few.
const FIXED: &str = r#"
[population]
eligible = 12000
uptake = [0.10, 0.20, 0.30]
[programme]
cost_per_participant = 350.0
fixed_cost_per_year = 50000.0
[outcome]
measure = "RR"
estimate = 0.80
ci_lower = 0.80
ci_upper = 0.80
baseline_rate = 0.9
unit_cost = 2500.0
qaly_per_event = 0.02
[appraisal]
discount = 0.035
effect = "mean"
wtp = [20000.0, 30000.0]
draws = 200
seed = 1
"#;

#[test]
fn fixed_effect_equals_hand_computation() {
    let c = case(FIXED);
    // by hand: participants 12000 × uptake; cost = p × 350 + 50,000; events avoided =
    // p × 0.9 × (1 − 0.8); savings = events × 2,500; QALYs = events × 0.02; df = 1.035^−t
    let p = [1200.0, 2400.0, 3600.0];
    let cost = [470_000.0, 890_000.0, 1_310_000.0];
    let events = [216.0, 432.0, 648.0];
    let savings = [540_000.0, 1_080_000.0, 1_620_000.0];
    let qalys = [4.32, 8.64, 12.96];
    let df = [1.0, 1.0 / 1.035, 1.0 / (1.035 * 1.035)];
    assert_eq!(c.years.len(), 3);
    let mut checked = 0;
    for (i, r) in c.years.iter().enumerate() {
        assert_eq!(r.year, i + 1);
        near("participants", r.participants, p[i], 1e-12);
        near("programme_cost", r.programme_cost, cost[i], 1e-12);
        near("events_avoided", r.events_avoided, events[i], 1e-12);
        near("savings", r.savings, savings[i], 1e-12);
        near("net_cost", r.net_cost, cost[i] - savings[i], 1e-12);
        near("qalys", r.qalys, qalys[i], 1e-12);
        near("discount_factor", r.discount_factor, df[i], 1e-15);
        checked += 1;
    }
    assert_eq!(checked, 3);
    let pv_cost = 470_000.0 + 890_000.0 / 1.035 + 1_310_000.0 / 1.035f64.powi(2);
    let pv_sav = 540_000.0 + 1_080_000.0 / 1.035 + 1_620_000.0 / 1.035f64.powi(2);
    let pv_q = 4.32 + 8.64 / 1.035 + 12.96 / 1.035f64.powi(2);
    let npv = pv_sav - pv_cost;
    near("pv_cost", c.pv_cost, pv_cost, 1e-9);
    near("pv_savings", c.pv_savings, pv_sav, 1e-9);
    near("npv", c.npv, npv, 1e-9);
    near("roi", c.roi.unwrap(), npv / pv_cost, 1e-9);
    near("pv_qalys", c.pv_qalys, pv_q, 1e-9);
    near(
        "cost_per_qaly",
        c.cost_per_qaly.unwrap(),
        (pv_cost - pv_sav) / pv_q,
        1e-9,
    );
    assert!(c.cost_per_qaly.unwrap() < 0.0);
    assert!(c.cost_per_qaly_words.starts_with("dominant"));
    // year 1 savings 540,000 ≥ cost 470,000
    assert_eq!(c.payback_year, Some(1));
    for (w, want) in c.by_wtp.iter().zip([20000.0, 30000.0]) {
        near("nmb", w.nmb, want * pv_q + npv, 1e-9);
        assert_eq!(w.prob_cost_effective, 1.0);
        near("expected_nmb", w.expected_nmb, want * pv_q + npv, 1e-9);
        assert_eq!(w.population_evpi, 0.0);
    }
    // zero-width uncertainty: every draw is the point estimate
    assert_eq!(c.prob_net_saving, 1.0);
    near("npv_ci_lower", c.npv_ci_lower, npv, 1e-9);
    near("npv_ci_upper", c.npv_ci_upper, npv, 1e-9);
    near("log_se", c.log_se, 0.0, 1e-15);
    assert_eq!(c.effect.used, EffectUse::Mean);
    assert_eq!(c.value_of_research.population_evpi, 0.0);
    assert!(c.value_of_research.trial.iter().all(|t| t.evsi == 0.0));
    assert!(!c.budget_impact_flag);
    assert!(!c.budget_impact.substantial_resource_impact);
    // the cash flow's cumulative line at the point estimate
    near("cumulative npv", c.cashflow[2].cumulative_npv, npv, 1e-9);
    near("band", c.cashflow[2].lower, npv, 1e-9);
}

#[test]
fn payback_later_or_never_and_budget_flags() {
    // fixed cost 200,000: year 1 620,000 vs 540,000; year 2 1,040,000 vs 1,080,000; year 3
    // 1,460,000 vs 1,620,000 → cumulative −80,000, −80,000 + 40,000/1.035, + 160,000/1.035²
    let c = case(&FIXED.replace(
        "fixed_cost_per_year = 50000.0",
        "fixed_cost_per_year = 200000.0",
    ));
    let cum2 = -80_000.0 + 40_000.0 / 1.035;
    let cum3 = cum2 + 160_000.0 / 1.035f64.powi(2);
    near("cum2", c.years[1].cumulative_npv, cum2, 1e-9);
    near("cum3", c.years[2].cumulative_npv, cum3, 1e-9);
    assert!(cum2 < 0.0 && cum3 > 0.0);
    assert_eq!(c.payback_year, Some(3));
    // cost 1,000 per participant: never pays back; net cost year 3 = 3,600,000 + 50,000 −
    // 1,620,000 > £1 m (substantial), < £20 m (no budget impact flag)
    let c = case(&FIXED.replace(
        "cost_per_participant = 350.0",
        "cost_per_participant = 1000.0",
    ));
    assert_eq!(c.payback_year, None);
    near(
        "net cost 3",
        c.years[2].net_cost,
        3_650_000.0 - 1_620_000.0,
        1e-12,
    );
    assert!(c.budget_impact.substantial_resource_impact);
    assert!(!c.budget_impact_flag);
    assert!(c.budget_impact.note.contains("substantial resource impact"));
    // 120,000 eligible at cost 1,200: year 3 net cost 43.2 m + 50,000 − 16.2 m > £20 m (at
    // 1,000 it would be 19.85 m: under)
    let c = case(
        &FIXED
            .replace(
                "cost_per_participant = 350.0",
                "cost_per_participant = 1200.0",
            )
            .replace("eligible = 12000", "eligible = 120000"),
    );
    near(
        "net cost 3",
        c.years[2].net_cost,
        43_250_000.0 - 16_200_000.0,
        1e-12,
    );
    assert!(c.budget_impact_flag);
    assert!(c.budget_impact.note.contains("budget impact test is met"));
    let text = peerstat::report::business::business_case_text(&c);
    assert!(text.contains("not within the 3-year horizon"));
    assert!(text.contains("−£"), "negative amounts as −£: {text}");
    assert!(!text.contains("£-"), "no £-: {text}");
}

#[test]
fn odds_ratio_converts_at_baseline_risk_and_green_book_discounts() {
    let toml = FIXED
        .replace("measure = \"RR\"", "measure = \"OR\"")
        .replace(
            "estimate = 0.80\nci_lower = 0.80\nci_upper = 0.80",
            "estimate = 0.5\nci_lower = 0.5\nci_upper = 0.5",
        )
        .replace("baseline_rate = 0.9", "baseline_risk = 0.3")
        .replace(
            "uptake = [0.10, 0.20, 0.30]",
            "uptake = 0.1\nhorizon_years = 35",
        )
        .replace("discount = 0.035", "discount = \"green-book\"");
    let c = case(&toml);
    // Zhang & Yu: RR = OR / (1 − p0 + p0 × OR) = 0.5 / (0.7 + 0.15)
    let rr = 0.5 / 0.85;
    near("risk_ratio", c.effect.risk_ratio, rr, 1e-15);
    near(
        "events",
        c.years[0].events_avoided,
        1200.0 * 0.3 * (1.0 - rr),
        1e-12,
    );
    assert_eq!(c.years.len(), 35);
    // Green Book: 3.5 % to year 30, then 3.0 %: t = 31 (year 32) is 1.035^−30 × 1.03^−1;
    // t = 30 (year 31) is 1.035^−30
    near(
        "df t=30",
        c.years[30].discount_factor,
        1.035f64.powi(-30),
        1e-12,
    );
    near(
        "df t=31",
        c.years[31].discount_factor,
        1.035f64.powi(-30) / 1.03,
        1e-12,
    );
    near(
        "df t=34",
        c.years[34].discount_factor,
        1.035f64.powi(-30) / 1.03f64.powi(4),
        1e-12,
    );
    // an odds ratio with a baseline rate is refused, naming the key
    let e = err(&FIXED.replace("measure = \"RR\"", "measure = \"OR\""));
    assert!(e.contains("outcome.baseline_risk"), "{e}");
}

/// Only the effect is uncertain (CI 0.65–0.98, the mean), no QALYs: NPV = A − B × RR with
/// RR lognormal, so P(NPV > 0) = Φ((ln(A/B) − μ)/σ).
#[test]
fn probabilities_agree_with_the_normal_result() {
    let toml = FIXED
        .replace(
            "ci_lower = 0.80\nci_upper = 0.80",
            "ci_lower = 0.65\nci_upper = 0.98",
        )
        .replace("draws = 200", "draws = 20000");
    let c = case(&toml);
    let mu = 0.8f64.ln();
    let se = (0.98f64.ln() - 0.65f64.ln()) / (2.0 * 1.959_963_984_540_054);
    near("log_se", c.log_se, se, 1e-12);
    let df = [1.0, 1.0 / 1.035, 1.0 / 1.035f64.powi(2)];
    let p = [1200.0, 2400.0, 3600.0];
    let pv_cost: f64 = (0..3).map(|t| (p[t] * 350.0 + 50_000.0) * df[t]).sum();
    let b: f64 = (0..3).map(|t| p[t] * 0.9 * 2500.0 * df[t]).sum();
    let a = b - pv_cost;
    let q: f64 = (0..3).map(|t| p[t] * 0.9 * 0.02 * df[t]).sum();
    let n = 20000.0;
    let mut checked = 0;
    let want = pnorm(((a / b).ln() - mu) / se);
    let mc = (want * (1.0 - want) / n).sqrt();
    assert!(
        (c.prob_net_saving - want).abs() < 4.0 * mc,
        "P(saving) {} vs {want}",
        c.prob_net_saving
    );
    checked += 1;
    for w in &c.by_wtp {
        // NMB = λ·q·(1 − RR) + A − B·RR... = (A + λq) − (B + λq)·RR
        let (aa, bb) = (a + w.wtp * q, b + w.wtp * q);
        let want = pnorm(((aa / bb).ln() - mu) / se);
        let mc = (want * (1.0 - want) / n).sqrt();
        assert!(
            (w.prob_cost_effective - want).abs() < 4.0 * mc,
            "P(CE) at {}: {} vs {want}",
            w.wtp,
            w.prob_cost_effective
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
    // NPV's 95 % interval: A − B × exp(μ ± 1.96σ), within Monte Carlo error of a quantile
    near(
        "npv lower",
        c.npv_ci_lower,
        a - b * (mu + 1.959_963_984_540_054 * se).exp(),
        0.03,
    );
    near(
        "npv upper",
        c.npv_ci_upper,
        a - b * (mu - 1.959_963_984_540_054 * se).exp(),
        0.03,
    );
}

/// EVPPI of the effect and EVSI of a trial against their closed forms: with
/// NMB = C − K·exp(θ), E[max(C − K e^X, 0)] for X ~ N(m, w) is C Φ(d) − K e^{m + w/2} Φ(d − √w),
/// d = (ln(C/K) − m)/√w.
#[test]
fn value_of_research_matches_closed_forms() {
    let toml = FIXED
        .replace("ci_lower = 0.80\nci_upper = 0.80", "ci_lower = 0.65\nci_upper = 0.98")
        .replace("draws = 200", "draws = 20000")
        .replace("cost_per_participant = 350.0", "cost_per_participant = 420.0")
        + "[research]\ntrial_n = [100, 400]\ntrial_fixed_cost = 100000.0\ntrial_cost_per_participant = 500.0\n";
    let c = case(&toml);
    let lambda = 20000.0;
    let mu = 0.8f64.ln();
    let s = (0.98f64.ln() - 0.65f64.ln()) / (2.0 * 1.959_963_984_540_054);
    let df = [1.0, 1.0 / 1.035, 1.0 / 1.035f64.powi(2)];
    let p = [1200.0, 2400.0, 3600.0];
    let pv_cost: f64 = (0..3).map(|t| (p[t] * 420.0 + 50_000.0) * df[t]).sum();
    let k: f64 = (0..3)
        .map(|t| p[t] * 0.9 * (2500.0 + lambda * 0.02) * df[t])
        .sum();
    let cc = k - pv_cost;
    let emax = |m: f64, w: f64| {
        let d = ((cc / k).ln() - m) / w.sqrt();
        cc * pnorm(d) - k * (m + w / 2.0).exp() * pnorm(d - w.sqrt())
    };
    let prior = (cc - k * (mu + s * s / 2.0).exp()).max(0.0);
    let evppi = emax(mu, s * s) - prior;
    let v = &c.value_of_research;
    near("evppi", v.evppi_effect, evppi, 1e-6);
    assert!(evppi > 1000.0, "a case with decision uncertainty: {evppi}");
    let mut checked = 0;
    for t in &v.trial {
        let n = t.n as f64;
        // two arms of n, rates over one year: var(log IRR) = 1/(n r0) + 1/(n r0 RR)
        let var = 1.0 / (n * 0.9) + 1.0 / (n * 0.9 * 0.8);
        let w = s.powi(4) / (s * s + var);
        let post = s * s * var / (s * s + var);
        let evsi = emax(mu + post / 2.0, w) - prior;
        near("evsi", t.evsi, evsi, 1e-6);
        near("enbs", t.enbs, evsi - 100_000.0 - 2.0 * n * 500.0, 1e-6);
        assert!(t.evsi < evppi);
        checked += 1;
    }
    assert_eq!(checked, 2);
    // only the effect is uncertain: the population EVPI (Monte Carlo) is the EVPPI of the effect
    near("evpi", v.population_evpi, evppi, 0.05);
}

#[test]
fn scenario_errors_name_the_key() {
    let cases: Vec<(String, &str)> = vec![
        (
            FIXED.replace("baseline_rate = 0.9\n", ""),
            "outcome.baseline_rate",
        ),
        (
            FIXED.replace("unit_cost = 2500.0", "unit_cost = -1.0"),
            "outcome.unit_cost",
        ),
        (
            FIXED.replace("effect = \"mean\"", "effect = \"median\""),
            "appraisal.effect",
        ),
        (
            FIXED.replace("effect = \"mean\"", "effect = \"prediction\""),
            "appraisal.effect",
        ),
        (
            FIXED.replace("[0.10, 0.20, 0.30]", "[0.10, 1.20]"),
            "population.uptake",
        ),
        (
            FIXED.replace("eligible = 12000\n", ""),
            "population.eligible",
        ),
        (
            FIXED.replace("measure = \"RR\"", "measure = \"SMD\""),
            "outcome.measure",
        ),
        (
            FIXED.replace("ci_upper = 0.80", "ci_upper = 0.70"),
            "outcome.ci_lower",
        ),
        (
            FIXED.replace("discount = 0.035", "discount = \"treasury\""),
            "appraisal.discount",
        ),
        (FIXED.replace("draws = 200", "draws = 5"), "appraisal.draws"),
        (FIXED.replace("seed = 1", "seed = 1\nsead = 2"), "sead"),
        (
            FIXED.replace(
                "unit_cost = 2500.0",
                "unit_cost = { mean = 2500.0, sd = -3.0 }",
            ),
            "outcome.unit_cost",
        ),
        (
            FIXED.replace("[0.10, 0.20, 0.30]", "0.2"),
            "population.horizon_years",
        ),
    ];
    let mut checked = 0;
    for (toml, key) in &cases {
        let e = err(toml);
        assert!(e.contains(key), "error should name {key}: {e}");
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[test]
fn uptake_curves_and_prediction_from_tau2() {
    let c = case(&FIXED.replace(
        "uptake = [0.10, 0.20, 0.30]",
        "uptake = { from = 0.1, to = 0.5 }\nhorizon_years = 5",
    ));
    let u: Vec<f64> = c.years.iter().map(|r| r.participants / 12000.0).collect();
    for (g, w) in u.iter().zip([0.1, 0.2, 0.3, 0.4, 0.5]) {
        near("linear uptake", *g, w, 1e-12);
    }
    let c = case(&FIXED.replace(
        "uptake = [0.10, 0.20, 0.30]",
        "uptake = { from = 0.1, to = 0.5, shape = \"logistic\" }\nhorizon_years = 5",
    ));
    // logistic through both ends, symmetric about the middle year
    near("first", c.years[0].participants, 1200.0, 1e-12);
    near("last", c.years[4].participants, 6000.0, 1e-12);
    near("middle", c.years[2].participants, 3600.0, 1e-12);
    // a prediction from τ²: log SD √(se² + τ²)
    let toml = FIXED
        .replace(
            "ci_lower = 0.80\nci_upper = 0.80",
            "ci_lower = 0.65\nci_upper = 0.98\ntau2 = 0.02",
        )
        .replace("effect = \"mean\"\n", "");
    let c = case(&toml);
    let se = (0.98f64.ln() - 0.65f64.ln()) / (2.0 * 1.959_963_984_540_054);
    assert_eq!(c.effect.used, EffectUse::Prediction);
    near("log_sd", c.effect.log_sd, (se * se + 0.02).sqrt(), 1e-12);
    assert!(c.effect.note.contains("prediction for a new setting"));
}

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    path_str(&p)
}

/// The effect read from a real `meta --format json` output and from an evaluate-style
/// results.json domain.
#[test]
fn effect_from_meta_json_and_results_json() {
    let dir = TempDir::new().unwrap();
    let meta = path_str(&dir.path().join("meta.json"));
    let (code, _, e) = run(&[
        "meta",
        &common::cli::fixture("bcg.csv"),
        "--measure",
        "RR",
        "--format",
        "json",
        "-o",
        &meta,
    ]);
    assert_eq!(code, 0, "{e}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta).unwrap()).unwrap();
    let body = FIXED
        .replace(
            "measure = \"RR\"\nestimate = 0.80\nci_lower = 0.80\nci_upper = 0.80\n",
            "effect_from = \"meta.json\"\n",
        )
        .replace("effect = \"mean\"\n", "");
    let sc = write(&dir, "s.toml", &body);
    let (code, out, e) = run(&["business-case", &sc, "--format", "json"]);
    assert_eq!(code, 0, "{e}");
    let j = parse_json(&out);
    let se = m["se"].as_f64().unwrap();
    let tau2 = m["tau2"].as_f64().unwrap();
    near("log_se", j["log_se"].as_f64().unwrap(), se, 1e-12);
    assert_eq!(j["effect"]["used"], "prediction");
    near(
        "log_sd",
        j["effect"]["log_sd"].as_f64().unwrap(),
        (se * se + tau2).sqrt(),
        1e-12,
    );
    near(
        "rr",
        j["effect"]["risk_ratio"].as_f64().unwrap(),
        m["estimate"].as_f64().unwrap().exp(),
        1e-12,
    );
    assert!(j["effect_source"].as_str().unwrap().contains("meta.json"));
    // a results.json domain
    let results = r#"{"domains": [{"domain": "wellbeing", "measure": "SMD", "pooled": {"estimate": 0.2, "se": 0.1}},
        {"domain": "admissions", "measure": "RR", "pooled": {"estimate": -0.2, "se": 0.05, "tau2": 0.01}}]}"#;
    write(&dir, "results.json", results);
    let body2 = body.replace(
        "effect_from = \"meta.json\"\n",
        "effect_from = \"results.json\"\ndomain = \"admissions\"\n",
    );
    let c = business_case(&Scenario::parse(&body2, "s.toml", dir.path()).unwrap()).unwrap();
    near("log_sd", c.effect.log_sd, (0.0025f64 + 0.01).sqrt(), 1e-12);
    near("rr", c.effect.risk_ratio, (-0.2f64).exp(), 1e-12);
    let e = business_case(
        &Scenario::parse(
            &body2.replace("\"admissions\"", "\"falls\""),
            "s.toml",
            dir.path(),
        )
        .unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("outcome.domain") && e.contains("admissions"),
        "{e}"
    );
}

fn attrs(svg: &str, class: &str, attr: &str) -> Vec<f64> {
    svg.lines()
        .filter(|l| l.contains(&format!("class=\"{class}\"")))
        .filter_map(|l| {
            let key = format!("{attr}=\"");
            let i = l.find(&key)? + key.len();
            l[i..].split('"').next()?.parse().ok()
        })
        .collect()
}

#[test]
fn plots_show_the_case() {
    let toml = FIXED.replace(
        "ci_lower = 0.80\nci_upper = 0.80",
        "ci_lower = 0.65\nci_upper = 0.98",
    );
    let c = case(&toml);
    let s = peerstat::report::svg::business_cashflow(&c, None);
    let v = attrs(&s, "cashflow", "data-value");
    assert_eq!(v.len(), 3);
    for (g, r) in v.iter().zip(&c.years) {
        near("cashflow", *g, r.cumulative_npv, 1e-12);
    }
    assert_eq!(attrs(&s, "cashflow", "data-lower").len(), 3);
    assert!(s.contains("class=\"band\""));
    let t = peerstat::report::svg::business_tornado(&c, None);
    let lows = attrs(&t, "tornado", "data-low");
    assert_eq!(lows.len(), c.tornado.len());
    assert!(t.contains("data-input=\"outcome.effect\""));
    near("tornado low", lows[0], c.tornado[0].nmb_low, 1e-12);
    let a = peerstat::report::svg::business_ceac(&c, None);
    assert!(a.contains("class=\"ceac\""));
    assert!(a.contains("per QALY"));
}

#[test]
fn cli_writes_text_json_csv_and_plots() {
    let dir = TempDir::new().unwrap();
    let demo = [env!("CARGO_MANIFEST_DIR"), "seeds", "demo_scenario.toml"].join("/");
    let png = path_str(&dir.path().join("t.png"));
    let svg = path_str(&dir.path().join("c.svg"));
    let (code, out, e) = run(&[
        "business-case",
        &demo,
        "--plot",
        "tornado",
        &png,
        "--plot",
        "cashflow",
        &svg,
    ]);
    assert_eq!(code, 0, "{e}");
    assert!(out.contains("Net present value"), "{out}");
    assert!(!out.contains("£-"), "{out}");
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .contains("class=\"cashflow\""));
    let (code, out, _) = run(&["business-case", &demo, "--format", "csv"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("year,participants,programme_cost,events_avoided,savings,net_cost,qalys,discount_factor"), "{out}");
    assert_eq!(out.lines().count(), 4);
    let (code, out, _) = run(&["business-case", &demo, "--format", "json"]);
    assert_eq!(code, 0);
    let j = parse_json(&out);
    for k in [
        "years",
        "pv_cost",
        "pv_savings",
        "npv",
        "roi",
        "payback_year",
        "cost_per_qaly",
        "prob_net_saving",
        "npv_ci_lower",
        "npv_ci_upper",
        "by_wtp",
        "budget_impact_flag",
        "value_of_research",
        "effect_source",
        "effect_measure",
        "log_se",
    ] {
        assert!(j.get(k).is_some(), "JSON lacks {k}");
    }
    for k in [
        "year",
        "participants",
        "programme_cost",
        "events_avoided",
        "savings",
        "net_cost",
        "qalys",
        "discount_factor",
    ] {
        assert!(j["years"][0].get(k).is_some(), "years[] lacks {k}");
    }
    for k in ["wtp", "nmb", "prob_cost_effective"] {
        assert!(j["by_wtp"][0].get(k).is_some(), "by_wtp[] lacks {k}");
    }
    assert!(j["value_of_research"]["population_evpi"].is_number());
    for k in ["n", "evsi", "enbs"] {
        assert!(j["value_of_research"]["trial"][0].get(k).is_some());
    }
    let (code, _, e) = run(&["business-case", &demo, "--plot", "pie", &svg]);
    assert_eq!(code, 2);
    assert!(e.contains("cashflow, tornado or ceac"), "{e}");
}

#[test]
fn init_writes_a_scenario_template_that_runs() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("proj");
    let o = path_str(&out);
    let (code, _, e) = run(&["init", &o, "--scenario"]);
    assert_eq!(code, 0, "{e}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
    let sc = path_str(&out.join("scenario.toml"));
    let (code, out_text, e) = run(&["business-case", &sc]);
    assert_eq!(code, 0, "{e}");
    assert!(out_text.contains("Net present value"));
    // refuses to overwrite without --force
    let (code, _, e) = run(&["init", &o, "--scenario"]);
    assert_eq!(code, 2);
    assert!(e.contains("already exists"), "{e}");
}
