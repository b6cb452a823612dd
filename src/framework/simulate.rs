//! A *simulated* peer-support evidence base for demonstration: trials coded with the framework,
//! some with continuous arm data, some binary, some precomputed `yi`/`sei`, and an economic
//! companion (arm summaries of costs and QALYs for a few trials). Deterministic for a seed
//! (ChaCha8). Every row carries `simulated = true`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::data::{Column, Table};
use crate::effect::{smd, VarianceType};

/// One arm of the economic companion: (study, arm, n, mean cost, sd cost, mean QALY, sd QALY, corr).
/// The forms of peer support (codebook field `support_type`).
const FORMS: [&str; 5] = [
    "mentoring",
    "befriending",
    "coaching",
    "support group",
    "navigation",
];

type EconRow = (String, String, f64, f64, f64, f64, f64, f64);

fn pick<'a, R: Rng>(r: &mut R, xs: &[&'a str]) -> &'a str {
    xs[r.random_range(0..xs.len())]
}

fn norm<R: Rng>(r: &mut R, m: f64, s: f64) -> f64 {
    Normal::new(m, s).map_or(m, |d| d.sample(r))
}

/// True SMD by outcome domain (positive = benefit).
fn domain_effect(d: &str) -> f64 {
    match d {
        "mental health" => 0.30,
        "wellbeing" => 0.25,
        "social connection" => 0.35,
        "self-management" => 0.30,
        "physical health" => 0.15,
        "service use" => 0.12,
        "knowledge and confidence" => 0.40,
        _ => 0.20,
    }
}

/// RoB 2 domain judgements (D1–D5) consistent with an overall judgement (overall = the worst
/// domain): all low for "low"; at least one "some concerns" and none high for "some concerns";
/// at least one high for "high".
fn rob_domains<R: Rng>(r: &mut R, overall: &str) -> [&'static str; 5] {
    let mut d = ["low"; 5];
    let worst = match overall {
        "high" => "high",
        "some concerns" => "some concerns",
        _ => return d,
    };
    for x in d.iter_mut() {
        let u: f64 = r.random();
        *x = if worst == "high" && u < 0.2 {
            "high"
        } else if u < 0.5 {
            "some concerns"
        } else {
            "low"
        };
    }
    d[r.random_range(0..5)] = worst;
    d
}

/// Simulates `trials` trials. Returns (effectiveness table, economic arm summaries). The RoB 2
/// domain columns (`rob_d1` … `rob_d5`) come from a second random stream, so the other columns
/// are those of earlier versions for the same seed.
pub fn simulate_framework(trials: usize, seed: u64) -> (Table, Table) {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut r_rob = ChaCha8Rng::seed_from_u64(seed ^ 0x0B2D_0B2D_0B2D_0B2D);
    let mut rob_cols: Vec<Vec<Option<String>>> = vec![Vec::new(); 5];
    // Head-to-head trials (one form of peer support against another) come from a third stream,
    // so the other trials are those of earlier versions for the same seed.
    let mut r_h2h = ChaCha8Rng::seed_from_u64(seed ^ 0x0411_2024_0411_2024);
    let mut comparator_col: Vec<Option<String>> = Vec::new();
    let domains = [
        "mental health",
        "wellbeing",
        "social connection",
        "self-management",
        "physical health",
        "service use",
        "knowledge and confidence",
        "quality of life",
    ];
    let activities = [
        "education",
        "emotional and psychological support",
        "self-care and self-management",
        "social support",
        "practical support",
        "case management and service liaison",
        "physical activity",
    ];
    let populations = [
        "adults with diabetes",
        "people with severe mental illness",
        "new parents",
        "older people living alone",
        "people living with cancer",
    ];
    let countries = ["UK", "USA", "Canada", "Australia", "Netherlands"];
    let mut cols: Vec<(String, Vec<Option<String>>)> = [
        "study",
        "study_id",
        "outcome_domain",
        "outcome",
        "activity",
        "provider",
        "training",
        "payment",
        "set_up_by",
        "support_type",
        "mode",
        "group_size",
        "location",
        "frequency",
        "design",
        "risk_of_bias",
        "country",
        "population",
        "target_group",
        "rationale",
    ]
    .iter()
    .map(|s| (s.to_string(), Vec::new()))
    .collect();
    let mut num: Vec<(String, Vec<Option<f64>>)> = [
        "duration_months",
        "year",
        "n_t",
        "mean_t",
        "sd_t",
        "n_c",
        "mean_c",
        "sd_c",
        "events_t",
        "events_c",
        "yi",
        "sei",
    ]
    .iter()
    .map(|s| (s.to_string(), Vec::new()))
    .collect();
    let mut hib: Vec<Option<bool>> = Vec::new();
    let mut econ_rows = Vec::new();
    for t in 0..trials {
        let id = format!("T{:02}", t + 1);
        let year = 2008 + r.random_range(0..16) as i64;
        let label = format!("Trial {:02} ({year})", t + 1);
        let activity = pick(&mut r, &activities);
        let mode = pick(
            &mut r,
            &[
                "face to face",
                "face to face",
                "telephone",
                "online",
                "mixed",
            ],
        );
        let rob = pick(
            &mut r,
            &["low", "low", "some concerns", "some concerns", "high"],
        );
        let rob_d = rob_domains(&mut r_rob, rob);
        let design = pick(
            &mut r,
            &["rct", "rct", "rct", "cluster rct", "non randomised"],
        );
        let duration = [2.0, 3.0, 4.0, 6.0, 9.0, 12.0][r.random_range(0..6)];
        let population = pick(&mut r, &populations);
        let country = pick(&mut r, &countries);
        let provider = pick(
            &mut r,
            &[
                "trained peer",
                "trained peer",
                "lay person",
                "peer with professional",
            ],
        );
        let meta = [
            label.clone(),
            id.clone(),
            String::new(),
            String::new(),
            activity.into(),
            provider.into(),
            pick(
                &mut r,
                &["brief", "structured course", "accredited", "none"],
            )
            .into(),
            pick(&mut r, &["unpaid", "expenses only", "paid"]).into(),
            pick(
                &mut r,
                &[
                    "health service",
                    "voluntary sector",
                    "community group",
                    "local authority",
                ],
            )
            .into(),
            pick(&mut r, &FORMS).into(),
            mode.into(),
            pick(
                &mut r,
                &["one to one", "small group", "large group over 10"],
            )
            .into(),
            pick(
                &mut r,
                &[
                    "home",
                    "community venue",
                    "hospital",
                    "primary care",
                    "online",
                ],
            )
            .into(),
            pick(&mut r, &["weekly", "fortnightly", "monthly", "as needed"]).into(),
            design.into(),
            rob.into(),
            country.into(),
            population.into(),
            population.into(),
            pick(
                &mut r,
                &[
                    "lived experience",
                    "social connectedness",
                    "role modelling",
                    "empowerment",
                ],
            )
            .into(),
        ];
        // About one trial in eight (never one with an economic companion, whose arms are peer
        // support and usual care) compares its form with another form of peer support. The
        // simulated forms do not differ: the effect is the bias of its risk of bias plus noise.
        let h2h_draw = r_h2h.random_range(0..8usize);
        let other_form = pick(&mut r_h2h, &FORMS);
        let comparator =
            (h2h_draw == 0 && t % 8 != 0 && other_form != meta[9]).then(|| other_form.to_string());
        // 1–3 outcomes; a few trials report two measures in the same domain (dependent effects).
        let n_out = 1 + r.random_range(0..3usize);
        let mut doms: Vec<&str> = (0..n_out).map(|_| pick(&mut r, &domains)).collect();
        if r.random_range(0..5) == 0 {
            doms.push(doms[0]);
        }
        let bias = match rob {
            "high" => 0.12,
            "some concerns" => 0.05,
            _ => 0.0,
        };
        let modifier = match mode {
            "face to face" => 0.05,
            "online" => -0.05,
            _ => 0.0,
        } + if duration > 6.0 { 0.05 } else { 0.0 };
        for (j, dom) in doms.iter().enumerate() {
            let mean = if comparator.is_some() {
                bias
            } else {
                domain_effect(dom) + bias + modifier
            };
            let theta = norm(&mut r, mean, 0.1);
            let nt = r.random_range(25..200i64);
            let nc = r.random_range(25..200i64);
            let kind = r.random_range(0..10);
            let mut vals: Vec<Option<f64>> = vec![
                Some(duration),
                Some(year as f64),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ];
            let mut better = true;
            let outcome;
            if *dom == "service use" || kind < 3 {
                // binary: events = good outcome, except admissions (service use)
                let (p_c, lor) = if *dom == "service use" {
                    (0.30, -theta * std::f64::consts::PI / 3f64.sqrt())
                } else {
                    (0.35, theta * std::f64::consts::PI / 3f64.sqrt())
                };
                better = *dom != "service use";
                let odds_t = p_c / (1.0 - p_c) * lor.exp();
                let p_t = odds_t / (1.0 + odds_t);
                let et = (0..nt).filter(|_| r.random::<f64>() < p_t).count();
                let ec = (0..nc).filter(|_| r.random::<f64>() < p_c).count();
                vals[2] = Some(nt as f64);
                vals[5] = Some(nc as f64);
                vals[8] = Some(et as f64);
                vals[9] = Some(ec as f64);
                outcome = if *dom == "service use" {
                    "hospital admission"
                } else {
                    "remission / goal attained"
                };
            } else if kind < 8 {
                let sd = 10.0;
                let (nf, cf) = (nt as f64, nc as f64);
                let mt = 50.0 + (theta + norm(&mut r, 0.0, (1.0 / nf + 1.0 / cf).sqrt())) * sd;
                vals[2] = Some(nf);
                vals[3] = Some(mt);
                vals[4] = Some(sd * r.random_range(0.85..1.15));
                vals[5] = Some(cf);
                vals[6] = Some(50.0);
                vals[7] = Some(sd * r.random_range(0.85..1.15));
                outcome = match *dom {
                    "mental health" => "PHQ-9 (reversed)",
                    "wellbeing" => "WEMWBS",
                    "social connection" => "UCLA loneliness (reversed)",
                    _ => "validated scale",
                };
            } else {
                let (nf, cf) = (nt as f64, nc as f64);
                let g = theta + norm(&mut r, 0.0, (1.0 / nf + 1.0 / cf).sqrt());
                let (_, v) = smd(nf, 50.0 + 10.0 * g, 10.0, cf, 50.0, 10.0, VarianceType::Ls);
                vals[10] = Some(g);
                vals[11] = Some(v.sqrt());
                outcome = "reported SMD";
            }
            for (k, (_, c)) in cols.iter_mut().enumerate() {
                c.push(Some(match k {
                    2 => dom.to_string(),
                    3 => {
                        if j > 0 && doms[..j].contains(dom) {
                            format!("{outcome} (second measure)")
                        } else {
                            outcome.to_string()
                        }
                    }
                    _ => meta[k].clone(),
                }));
            }
            for (k, (_, c)) in num.iter_mut().enumerate() {
                c.push(vals[k]);
            }
            hib.push(Some(better));
            comparator_col.push(comparator.clone());
            for (c, v) in rob_cols.iter_mut().zip(rob_d) {
                c.push(Some(v.to_string()));
            }
        }
        // Economic companion for every 8th trial: costs (£) and QALYs per arm.
        if t % 8 == 0 {
            let n = 60.0 + r.random_range(0..80) as f64;
            let d_cost = norm(&mut r, 350.0, 120.0);
            let d_qaly = norm(&mut r, 0.025, 0.01);
            econ_rows.push((
                label.clone(),
                "peer support".to_string(),
                n,
                1800.0 + d_cost,
                600.0,
                0.70 + d_qaly,
                0.08,
                0.2,
            ));
            econ_rows.push((
                label,
                "usual care".to_string(),
                n,
                1800.0,
                620.0,
                0.70,
                0.08,
                0.15,
            ));
        }
    }
    let nrows = hib.len();
    let mut named: Vec<(String, Column)> = Vec::new();
    for (n, c) in cols {
        named.push((n, Column::Str(c)));
    }
    named.push(("comparator".into(), Column::Str(comparator_col)));
    for (k, c) in rob_cols.into_iter().enumerate() {
        named.push((format!("rob_d{}", k + 1), Column::Str(c)));
    }
    for (n, c) in num {
        let col = if ["year", "n_t", "n_c", "events_t", "events_c"].contains(&n.as_str()) {
            Column::Int(c.into_iter().map(|x| x.map(|v| v as i64)).collect())
        } else {
            Column::Float(c)
        };
        named.push((n, col));
    }
    named.push(("higher_is_better".into(), Column::Bool(hib)));
    named.push(("simulated".into(), Column::Bool(vec![Some(true); nrows])));
    let effects = Table::from_columns("simulated demo", named).unwrap_or_else(|_| unreachable!());
    let e = |f: fn(&EconRow) -> f64| Column::Float(econ_rows.iter().map(|x| Some(f(x))).collect());
    let econ = Table::from_columns(
        "simulated demo costs",
        vec![
            (
                "study".into(),
                Column::Str(econ_rows.iter().map(|x| Some(x.0.clone())).collect()),
            ),
            (
                "arm".into(),
                Column::Str(econ_rows.iter().map(|x| Some(x.1.clone())).collect()),
            ),
            ("n".into(), e(|x| x.2)),
            ("mean_cost".into(), e(|x| x.3)),
            ("sd_cost".into(), e(|x| x.4)),
            ("mean_effect".into(), e(|x| x.5)),
            ("sd_effect".into(), e(|x| x.6)),
            ("corr".into(), e(|x| x.7)),
            (
                "simulated".into(),
                Column::Bool(vec![Some(true); econ_rows.len()]),
            ),
        ],
    )
    .unwrap_or_else(|_| unreachable!());
    (effects, econ)
}
