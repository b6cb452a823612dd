//! Risk-of-bias judgements (RoB 2) per outcome domain, for the traffic-light plot, the weighted
//! summary plot and the risk-of-bias columns of the forest plot (robvis's look).
//!
//! The optional codebook columns `rob_d1` … `rob_d5` hold the RoB 2 domain judgements and
//! `risk_of_bias` the overall one (low / some concerns / high; codebook validation has already
//! canonicalised them, so `some` and `unclear` read as "some concerns"). An empty cell is "no
//! information". A study with several effects in one outcome domain takes, per RoB domain, the
//! most severe judgement of its rows. Without a `risk_of_bias` column the overall judgement is
//! derived as the worst domain judgement, and the assessment says so.
//!
//! The summary shares are weighted by each study's share of the pooled model's weight (the sum
//! over its effects) when the domain was pooled; otherwise each study counts once and the
//! assessment says the shares are unweighted.

use serde::Serialize;

use super::domain::DomainResult;
use crate::data::Table;

/// The RoB 2 domains: (codebook column, short label, name).
pub const ROB2_DOMAINS: [(&str, &str, &str); 5] = [
    (
        "rob_d1",
        "D1",
        "Bias arising from the randomisation process",
    ),
    (
        "rob_d2",
        "D2",
        "Bias due to deviations from intended interventions",
    ),
    ("rob_d3", "D3", "Bias due to missing outcome data"),
    ("rob_d4", "D4", "Bias in measurement of the outcome"),
    ("rob_d5", "D5", "Bias in selection of the reported result"),
];

/// One risk-of-bias judgement (RoB 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Low risk of bias.
    Low,
    /// Some concerns.
    SomeConcerns,
    /// High risk of bias.
    High,
    /// No judgement recorded (an empty cell).
    NoInformation,
}

impl Judgement {
    /// Every judgement, in display order (left to right in the summary bars).
    pub const ALL: [Judgement; 4] = [
        Judgement::Low,
        Judgement::SomeConcerns,
        Judgement::High,
        Judgement::NoInformation,
    ];

    /// The judgement of a canonical codebook level (`low`, `some concerns`, `high`); `None`
    /// for an empty cell or anything else.
    pub fn from_level(level: &str) -> Option<Judgement> {
        match super::normalize(level).as_str() {
            "low" => Some(Judgement::Low),
            "some concerns" => Some(Judgement::SomeConcerns),
            "high" => Some(Judgement::High),
            "no information" => Some(Judgement::NoInformation),
            _ => None,
        }
    }

    /// The label in words ("Some concerns").
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Low => "Low",
            Judgement::SomeConcerns => "Some concerns",
            Judgement::High => "High",
            Judgement::NoInformation => "No information",
        }
    }

    /// How severe, for "the worst judgement": no information ranks below low, so it never
    /// hides a recorded judgement.
    fn severity(self) -> u8 {
        match self {
            Judgement::NoInformation => 0,
            Judgement::Low => 1,
            Judgement::SomeConcerns => 2,
            Judgement::High => 3,
        }
    }

    /// The more severe of two judgements.
    pub fn worst(self, other: Judgement) -> Judgement {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

/// One column of an assessment (a RoB 2 domain, or the overall judgement).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobColumn {
    /// The data column (`rob_d1` …, `risk_of_bias`), or `None` for a derived overall judgement.
    pub column: Option<String>,
    /// Short label ("D1" … "D5", "Overall").
    pub short: String,
    /// The domain in words.
    pub name: String,
}

/// One study's judgements in one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobStudy {
    /// Study label.
    pub study: String,
    /// 1-based data rows of the study's effects in this outcome domain.
    pub rows: Vec<usize>,
    /// One judgement per column of the assessment.
    pub judgements: Vec<Judgement>,
    /// The study's share of the pooled model's weight (percent; `None` when not pooled).
    pub weight: Option<f64>,
}

/// The shares of the judgements in one column (proportions summing to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RobShares {
    /// Share judged low.
    pub low: f64,
    /// Share with some concerns.
    pub some_concerns: f64,
    /// Share judged high.
    pub high: f64,
    /// Share without information.
    pub no_information: f64,
}

impl RobShares {
    /// The share of one judgement.
    pub fn get(&self, j: Judgement) -> f64 {
        match j {
            Judgement::Low => self.low,
            Judgement::SomeConcerns => self.some_concerns,
            Judgement::High => self.high,
            Judgement::NoInformation => self.no_information,
        }
    }
}

/// The risk-of-bias assessment of one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobAssessment {
    /// Outcome domain.
    pub domain: String,
    /// The tool ("RoB 2").
    pub tool: String,
    /// The columns shown: the RoB 2 domains present in the data, then the overall judgement.
    pub columns: Vec<RobColumn>,
    /// One entry per study, in the order of the domain's effects.
    pub studies: Vec<RobStudy>,
    /// True when the shares are weighted by the pooled model's weights.
    pub weighted: bool,
    /// The shares of each judgement per column (one per entry of `columns`).
    pub shares: Vec<RobShares>,
    /// Notes on how the assessment was formed (derived overall judgement, unweighted shares).
    pub notes: Vec<String>,
    /// Traffic-light plot file name.
    pub traffic_light: String,
    /// Summary (bar) plot file name.
    pub summary_plot: String,
}

impl RobAssessment {
    /// The judgements of the study owning 0-based data row `row`, if any.
    pub fn judgements_of_row(&self, row: usize) -> Option<&[Judgement]> {
        self.studies
            .iter()
            .find(|s| s.rows.contains(&(row + 1)))
            .map(|s| s.judgements.as_slice())
    }
}

/// The RoB 2 domain columns present in `table`.
pub fn rob2_columns(table: &Table) -> Vec<usize> {
    (0..ROB2_DOMAINS.len())
        .filter(|&i| table.has(ROB2_DOMAINS[i].0))
        .collect()
}

/// The shares of each judgement per column: weighted by each study's `weight` when `weighted`
/// (a study without one counts 0), else each study once. A zero total gives NaN shares.
pub fn shares(studies: &[RobStudy], columns: usize, weighted: bool) -> Vec<RobShares> {
    (0..columns)
        .map(|c| {
            let mut sum = [0.0f64; 4];
            for s in studies {
                let w = if weighted {
                    s.weight.unwrap_or(0.0)
                } else {
                    1.0
                };
                let j = s
                    .judgements
                    .get(c)
                    .copied()
                    .unwrap_or(Judgement::NoInformation);
                if let Some(k) = Judgement::ALL.iter().position(|x| *x == j) {
                    sum[k] += w;
                }
            }
            let total: f64 = sum.iter().sum();
            let p = |k: usize| sum[k] / total;
            RobShares {
                low: p(0),
                some_concerns: p(1),
                high: p(2),
                no_information: p(3),
            }
        })
        .collect()
}

/// The assessments of every analysed outcome domain, when the data carry at least one RoB 2
/// domain column (`None` otherwise). `study_ids` group rows into studies (0-based rows).
pub(crate) fn assess(
    table: &Table,
    study_ids: &[String],
    domains: &[DomainResult],
) -> Option<Vec<RobAssessment>> {
    let present = rob2_columns(table);
    if present.is_empty() {
        return None;
    }
    let read = |col: &str| -> Vec<Judgement> {
        table
            .texts(col)
            .into_iter()
            .map(|v| {
                v.as_deref()
                    .and_then(Judgement::from_level)
                    .unwrap_or(Judgement::NoInformation)
            })
            .collect()
    };
    let cells: Vec<Vec<Judgement>> = present.iter().map(|&i| read(ROB2_DOMAINS[i].0)).collect();
    let overall = table.has("risk_of_bias").then(|| read("risk_of_bias"));
    let mut columns: Vec<RobColumn> = present
        .iter()
        .map(|&i| RobColumn {
            column: Some(ROB2_DOMAINS[i].0.to_string()),
            short: ROB2_DOMAINS[i].1.to_string(),
            name: ROB2_DOMAINS[i].2.to_string(),
        })
        .collect();
    columns.push(RobColumn {
        column: overall.is_some().then(|| "risk_of_bias".to_string()),
        short: "Overall".into(),
        name: "Overall risk of bias".into(),
    });
    let row_judgements = |i: usize| -> Vec<Judgement> {
        let mut v: Vec<Judgement> = cells.iter().map(|c| c[i]).collect();
        let o = match &overall {
            Some(o) => o[i],
            None => v.iter().fold(Judgement::NoInformation, |a, &b| a.worst(b)),
        };
        v.push(o);
        v
    };
    let out = domains
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let mut studies: Vec<(String, RobStudy)> = Vec::new();
            for e in &d.effects {
                let i = e.row - 1;
                let j = row_judgements(i);
                let w = d
                    .pooled
                    .as_ref()
                    .and_then(|p| p.studies.iter().find(|s| s.row == i).map(|s| s.weight));
                match studies.iter_mut().find(|(id, _)| *id == study_ids[i]) {
                    Some((_, s)) => {
                        s.rows.push(e.row);
                        for (a, b) in s.judgements.iter_mut().zip(j) {
                            *a = a.worst(b);
                        }
                        s.weight = match (s.weight, w) {
                            (Some(a), Some(b)) => Some(a + b),
                            (a, b) => a.or(b),
                        };
                    }
                    None => studies.push((
                        study_ids[i].clone(),
                        RobStudy {
                            study: e.study.clone(),
                            rows: vec![e.row],
                            judgements: j,
                            weight: w,
                        },
                    )),
                }
            }
            let studies: Vec<RobStudy> = studies.into_iter().map(|s| s.1).collect();
            let weighted = d.pooled.is_some() && studies.iter().all(|s| s.weight.is_some());
            let mut notes = Vec::new();
            if overall.is_none() {
                notes.push(
                    "no risk_of_bias column: the overall judgement is the worst domain judgement"
                        .to_string(),
                );
            }
            if !weighted {
                notes.push(
                    "not pooled: the summary shares count each study once (unweighted)".into(),
                );
            }
            if studies.iter().any(|s| s.rows.len() > 1) {
                notes.push(
                    "a study with several effects takes the most severe judgement of its rows"
                        .into(),
                );
            }
            RobAssessment {
                domain: d.domain.clone(),
                tool: "RoB 2".into(),
                shares: shares(&studies, columns.len(), weighted),
                columns: columns.clone(),
                studies,
                weighted,
                notes,
                traffic_light: format!("rob_traffic_{}.svg", n + 1),
                summary_plot: format!("rob_summary_{}.svg", n + 1),
            }
        })
        .collect();
    Some(out)
}
