//! A *simulated* peer-support evidence base for demonstration: trials coded with the framework,
//! some with continuous arm data, some binary, some precomputed `yi`/`sei`, and an economic
//! companion (arm summaries of costs and QALYs for a few trials). Deterministic for a seed
//! (ChaCha8). Every row carries `simulated = true`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::data::{Column, Table};
use crate::effect::{smd, VarianceType};

/// The forms of peer support (codebook field `support_type`).
const FORMS: [&str; 5] = [
    "mentoring",
    "befriending",
    "coaching",
    "support group",
    "navigation",
];

/// One arm of the economic companion: (study, arm, n, mean cost, sd cost, mean QALY, sd QALY, corr).
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

/// The outcome domains a trial may report.
const DOMAINS: [&str; 8] = [
    "mental health",
    "wellbeing",
    "social connection",
    "self-management",
    "physical health",
    "service use",
    "knowledge and confidence",
    "quality of life",
];

/// The activities of peer support (codebook field `activity`).
const ACTIVITIES: [&str; 7] = [
    "education",
    "emotional and psychological support",
    "self-care and self-management",
    "social support",
    "practical support",
    "case management and service liaison",
    "physical activity",
];

/// The populations studied.
const POPULATIONS: [&str; 5] = [
    "adults with diabetes",
    "people with severe mental illness",
    "new parents",
    "older people living alone",
    "people living with cancer",
];

/// The countries of the trials.
const COUNTRIES: [&str; 5] = ["UK", "USA", "Canada", "Australia", "Netherlands"];

/// The text columns of the effectiveness table, in order (`Trial::text` follows it).
const TEXT_COLUMNS: [&str; 20] = [
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
];

/// The numeric columns of the effectiveness table, in order (an outcome's values follow it).
const NUM_COLUMNS: [&str; 12] = [
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
];

/// The numeric columns stored as integers.
const INT_COLUMNS: [&str; 5] = ["year", "n_t", "n_c", "events_t", "events_c"];

/// The index of `support_type` in [`TEXT_COLUMNS`].
const SUPPORT_TYPE: usize = 9;

/// The three random streams: the main one, the RoB 2 domains' and the head-to-head trials'
/// (each added stream leaves the columns of earlier versions unchanged for the same seed).
struct Streams {
    main: ChaCha8Rng,
    rob: ChaCha8Rng,
    h2h: ChaCha8Rng,
}

impl Streams {
    fn new(seed: u64) -> Streams {
        Streams {
            main: ChaCha8Rng::seed_from_u64(seed),
            rob: ChaCha8Rng::seed_from_u64(seed ^ 0x0B2D_0B2D_0B2D_0B2D),
            h2h: ChaCha8Rng::seed_from_u64(seed ^ 0x0411_2024_0411_2024),
        }
    }
}

/// One simulated trial, before its outcomes.
struct Trial {
    label: String,
    year: i64,
    mode: &'static str,
    rob: &'static str,
    rob_domains: [&'static str; 5],
    duration: f64,
    /// The values of [`TEXT_COLUMNS`] (outcome domain and outcome left empty).
    text: [String; 20],
}

/// Draws trial `t`'s coding (main stream) and its RoB 2 domains (RoB stream).
fn draw_trial(s: &mut Streams, t: usize) -> Trial {
    let r = &mut s.main;
    let id = format!("T{:02}", t + 1);
    let year = 2008 + r.random_range(0..16) as i64;
    let label = format!("Trial {:02} ({year})", t + 1);
    let activity = pick(r, &ACTIVITIES);
    let mode = pick(
        r,
        &[
            "face to face",
            "face to face",
            "telephone",
            "online",
            "mixed",
        ],
    );
    let rob = pick(r, &["low", "low", "some concerns", "some concerns", "high"]);
    let rob_d = rob_domains(&mut s.rob, rob);
    let design = pick(r, &["rct", "rct", "rct", "cluster rct", "non randomised"]);
    let duration = [2.0, 3.0, 4.0, 6.0, 9.0, 12.0][r.random_range(0..6)];
    let population = pick(r, &POPULATIONS);
    let country = pick(r, &COUNTRIES);
    let provider = pick(
        r,
        &[
            "trained peer",
            "trained peer",
            "lay person",
            "peer with professional",
        ],
    );
    let [training, payment, set_up_by, support_type, group_size, location, frequency] =
        draw_delivery(r);
    let rationale = pick(
        r,
        &[
            "lived experience",
            "social connectedness",
            "role modelling",
            "empowerment",
        ],
    );
    let text = [
        label.as_str(),
        &id,
        "",
        "",
        activity,
        provider,
        training,
        payment,
        set_up_by,
        support_type,
        mode,
        group_size,
        location,
        frequency,
        design,
        rob,
        country,
        population,
        population,
        rationale,
    ]
    .map(String::from);
    Trial {
        label,
        year,
        mode,
        rob,
        rob_domains: rob_d,
        duration,
        text,
    }
}

/// Draws how a trial's support is delivered: training, payment, set up by, form, group size,
/// location, frequency (in that order).
fn draw_delivery(r: &mut ChaCha8Rng) -> [&'static str; 7] {
    let training = pick(r, &["brief", "structured course", "accredited", "none"]);
    let payment = pick(r, &["unpaid", "expenses only", "paid"]);
    let set_up_by = pick(
        r,
        &[
            "health service",
            "voluntary sector",
            "community group",
            "local authority",
        ],
    );
    let form = pick(r, &FORMS);
    let group_size = pick(r, &["one to one", "small group", "large group over 10"]);
    let location = pick(
        r,
        &[
            "home",
            "community venue",
            "hospital",
            "primary care",
            "online",
        ],
    );
    let frequency = pick(r, &["weekly", "fortnightly", "monthly", "as needed"]);
    [
        training, payment, set_up_by, form, group_size, location, frequency,
    ]
}

/// About one trial in eight (never one with an economic companion, whose arms are peer support
/// and usual care) compares its form with another form of peer support (head-to-head stream).
fn draw_comparator(r: &mut ChaCha8Rng, t: usize, form: &str) -> Option<String> {
    let h2h_draw = r.random_range(0..8usize);
    let other_form = pick(r, &FORMS);
    (h2h_draw == 0 && t % 8 != 0 && other_form != form).then(|| other_form.to_string())
}

/// 1–3 outcome domains; a few trials report two measures in the same domain (dependent
/// effects).
fn draw_domains(r: &mut ChaCha8Rng) -> Vec<&'static str> {
    let n_out = 1 + r.random_range(0..3usize);
    let mut doms: Vec<&str> = (0..n_out).map(|_| pick(r, &DOMAINS)).collect();
    if r.random_range(0..5) == 0 {
        doms.push(doms[0]);
    }
    doms
}

/// The true mean effect of a trial's outcome: the bias of its risk of bias, plus (against usual
/// care) the domain's effect and the modifiers of mode and duration. The simulated forms do not
/// differ, so a head-to-head trial's effect is its bias alone.
fn true_mean(trial: &Trial, dom: &str, head_to_head: bool) -> f64 {
    let bias = match trial.rob {
        "high" => 0.12,
        "some concerns" => 0.05,
        _ => 0.0,
    };
    let modifier = match trial.mode {
        "face to face" => 0.05,
        "online" => -0.05,
        _ => 0.0,
    } + if trial.duration > 6.0 { 0.05 } else { 0.0 };
    if head_to_head {
        bias
    } else {
        domain_effect(dom) + bias + modifier
    }
}

/// One simulated outcome: the values of [`NUM_COLUMNS`], whether higher is better, its name.
struct Outcome {
    values: [Option<f64>; 12],
    higher_is_better: bool,
    name: &'static str,
}

/// Draws one outcome of `trial` in domain `dom` around the true mean `mean`: a 2×2 table
/// (service use, or 3 in 10 others), continuous arms (5 in 10), or a reported SMD.
fn draw_outcome(r: &mut ChaCha8Rng, trial: &Trial, dom: &str, mean: f64) -> Outcome {
    let theta = norm(r, mean, 0.1);
    let nt = r.random_range(25..200i64);
    let nc = r.random_range(25..200i64);
    let kind = r.random_range(0..10);
    let mut values = [None; 12];
    values[0] = Some(trial.duration);
    values[1] = Some(trial.year as f64);
    let (higher_is_better, name) = if dom == "service use" || kind < 3 {
        binary_outcome(r, dom, theta, (nt, nc), &mut values)
    } else if kind < 8 {
        (
            true,
            continuous_outcome(r, dom, theta, (nt, nc), &mut values),
        )
    } else {
        (true, reported_smd(r, theta, (nt, nc), &mut values))
    };
    Outcome {
        values,
        higher_is_better,
        name,
    }
}

/// A 2×2 table: events are a good outcome, except admissions (service use). Returns the
/// direction and the outcome's name.
fn binary_outcome(
    r: &mut ChaCha8Rng,
    dom: &str,
    theta: f64,
    (nt, nc): (i64, i64),
    vals: &mut [Option<f64>; 12],
) -> (bool, &'static str) {
    let (p_c, lor) = if dom == "service use" {
        (0.30, -theta * std::f64::consts::PI / 3f64.sqrt())
    } else {
        (0.35, theta * std::f64::consts::PI / 3f64.sqrt())
    };
    let odds_t = p_c / (1.0 - p_c) * lor.exp();
    let p_t = odds_t / (1.0 + odds_t);
    let et = (0..nt).filter(|_| r.random::<f64>() < p_t).count();
    let ec = (0..nc).filter(|_| r.random::<f64>() < p_c).count();
    vals[2] = Some(nt as f64);
    vals[5] = Some(nc as f64);
    vals[8] = Some(et as f64);
    vals[9] = Some(ec as f64);
    if dom == "service use" {
        (false, "hospital admission")
    } else {
        (true, "remission / goal attained")
    }
}

/// Continuous arms on a scale with SD 10 around 50. Returns the outcome's name.
fn continuous_outcome(
    r: &mut ChaCha8Rng,
    dom: &str,
    theta: f64,
    (nt, nc): (i64, i64),
    vals: &mut [Option<f64>; 12],
) -> &'static str {
    let sd = 10.0;
    let (nf, cf) = (nt as f64, nc as f64);
    let mt = 50.0 + (theta + norm(r, 0.0, (1.0 / nf + 1.0 / cf).sqrt())) * sd;
    vals[2] = Some(nf);
    vals[3] = Some(mt);
    vals[4] = Some(sd * r.random_range(0.85..1.15));
    vals[5] = Some(cf);
    vals[6] = Some(50.0);
    vals[7] = Some(sd * r.random_range(0.85..1.15));
    match dom {
        "mental health" => "PHQ-9 (reversed)",
        "wellbeing" => "WEMWBS",
        "social connection" => "UCLA loneliness (reversed)",
        _ => "validated scale",
    }
}

/// A reported SMD (`yi`, `sei`). Returns the outcome's name.
fn reported_smd(
    r: &mut ChaCha8Rng,
    theta: f64,
    (nt, nc): (i64, i64),
    vals: &mut [Option<f64>; 12],
) -> &'static str {
    let (nf, cf) = (nt as f64, nc as f64);
    let g = theta + norm(r, 0.0, (1.0 / nf + 1.0 / cf).sqrt());
    let (_, v) = smd(nf, 50.0 + 10.0 * g, 10.0, cf, 50.0, 10.0, VarianceType::Ls);
    vals[10] = Some(g);
    vals[11] = Some(v.sqrt());
    "reported SMD"
}

/// The columns of the effectiveness table as they fill, one row per outcome.
struct EffectColumns {
    text: Vec<Vec<Option<String>>>,
    num: Vec<Vec<Option<f64>>>,
    higher_is_better: Vec<Option<bool>>,
    comparator: Vec<Option<String>>,
    rob: Vec<Vec<Option<String>>>,
}

impl EffectColumns {
    fn new() -> EffectColumns {
        EffectColumns {
            text: vec![Vec::new(); TEXT_COLUMNS.len()],
            num: vec![Vec::new(); NUM_COLUMNS.len()],
            higher_is_better: Vec::new(),
            comparator: Vec::new(),
            rob: vec![Vec::new(); 5],
        }
    }

    /// Adds the row of one outcome (`outcome`: its name as shown).
    fn push(
        &mut self,
        trial: &Trial,
        (dom, outcome): (&str, String),
        o: &Outcome,
        comparator: &Option<String>,
    ) {
        for (k, c) in self.text.iter_mut().enumerate() {
            c.push(Some(match k {
                2 => dom.to_string(),
                3 => outcome.clone(),
                _ => trial.text[k].clone(),
            }));
        }
        for (k, c) in self.num.iter_mut().enumerate() {
            c.push(o.values[k]);
        }
        self.higher_is_better.push(Some(o.higher_is_better));
        self.comparator.push(comparator.clone());
        for (c, v) in self.rob.iter_mut().zip(trial.rob_domains) {
            c.push(Some(v.to_string()));
        }
    }

    /// The effectiveness table: text columns, comparator, RoB 2 domains, numbers, direction,
    /// and `simulated`.
    fn into_table(self) -> Table {
        let nrows = self.higher_is_better.len();
        let mut named: Vec<(String, Column)> = Vec::new();
        for (n, c) in TEXT_COLUMNS.iter().zip(self.text) {
            named.push((n.to_string(), Column::Str(c)));
        }
        named.push(("comparator".into(), Column::Str(self.comparator)));
        for (k, c) in self.rob.into_iter().enumerate() {
            named.push((format!("rob_d{}", k + 1), Column::Str(c)));
        }
        for (n, c) in NUM_COLUMNS.iter().zip(self.num) {
            let col = if INT_COLUMNS.contains(n) {
                Column::Int(c.into_iter().map(|x| x.map(|v| v as i64)).collect())
            } else {
                Column::Float(c)
            };
            named.push((n.to_string(), col));
        }
        named.push((
            "higher_is_better".into(),
            Column::Bool(self.higher_is_better),
        ));
        named.push(("simulated".into(), Column::Bool(vec![Some(true); nrows])));
        Table::from_columns("simulated demo", named).unwrap_or_else(|_| unreachable!())
    }
}

/// The economic companion's two arms of a trial: costs (£) and QALYs of peer support and usual
/// care.
fn draw_costs(r: &mut ChaCha8Rng, label: &str) -> [EconRow; 2] {
    let n = 60.0 + r.random_range(0..80) as f64;
    let d_cost = norm(r, 350.0, 120.0);
    let d_qaly = norm(r, 0.025, 0.01);
    [
        (
            label.to_string(),
            "peer support".to_string(),
            n,
            1800.0 + d_cost,
            600.0,
            0.70 + d_qaly,
            0.08,
            0.2,
        ),
        (
            label.to_string(),
            "usual care".to_string(),
            n,
            1800.0,
            620.0,
            0.70,
            0.08,
            0.15,
        ),
    ]
}

/// The table of the economic companion's arm summaries.
fn econ_table(econ_rows: &[EconRow]) -> Table {
    let e = |f: fn(&EconRow) -> f64| Column::Float(econ_rows.iter().map(|x| Some(f(x))).collect());
    Table::from_columns(
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
    .unwrap_or_else(|_| unreachable!())
}

/// Simulates `trials` trials. Returns (effectiveness table, economic arm summaries). The RoB 2
/// domain columns (`rob_d1` … `rob_d5`) come from a second random stream, and the head-to-head
/// trials (one form of peer support against another) from a third, so the other columns are
/// those of earlier versions for the same seed.
pub fn simulate_framework(trials: usize, seed: u64) -> (Table, Table) {
    let mut streams = Streams::new(seed);
    let mut columns = EffectColumns::new();
    let mut econ_rows = Vec::new();
    for t in 0..trials {
        let trial = draw_trial(&mut streams, t);
        let comparator = draw_comparator(&mut streams.h2h, t, &trial.text[SUPPORT_TYPE]);
        let r = &mut streams.main;
        let doms = draw_domains(r);
        for (j, dom) in doms.iter().enumerate() {
            let mean = true_mean(&trial, dom, comparator.is_some());
            let o = draw_outcome(r, &trial, dom, mean);
            let name = if j > 0 && doms[..j].contains(dom) {
                format!("{} (second measure)", o.name)
            } else {
                o.name.to_string()
            };
            columns.push(&trial, (dom, name), &o, &comparator);
        }
        // Economic companion for every 8th trial.
        if t % 8 == 0 {
            econ_rows.extend(draw_costs(r, &trial.label));
        }
    }
    (columns.into_table(), econ_table(&econ_rows))
}
