//! Risk-of-bias judgements (RoB 2, ROBINS-I) per outcome domain, for the traffic-light plot, the
//! weighted summary plot and the risk-of-bias columns of the forest plot (robvis's look).
//!
//! The optional codebook columns `rob_d1` … `rob_d5` hold the RoB 2 domain judgements and
//! `risk_of_bias` the overall one (low / some concerns / high; codebook validation has already
//! canonicalised them, so `some` and `unclear` read as "some concerns"); `robins_d1` …
//! `robins_d7` and `robins_overall` hold ROBINS-I judgements (low / moderate / serious /
//! critical). An empty cell is "no information". When the data carry both tools, a study belongs
//! to the tool it has judgements for (a study with none in either appears in both as "no
//! information"). A study with several effects in one outcome domain takes, per RoB domain, the
//! most severe judgement of its rows. Without a `risk_of_bias` column the overall judgement is
//! derived as the worst domain judgement, and the assessment says so.
//!
//! The summary shares are weighted by each study's share of the pooled model's weight (the sum
//! over its effects) when the domain was pooled; otherwise each study counts once and the
//! assessment says the shares are unweighted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::domain::DomainResult;
use crate::data::Table;

/// The ROBINS-I domains: (codebook column, short label, name).
pub const ROBINS_I_DOMAINS: [(&str, &str, &str); 7] = [
    ("robins_d1", "D1", "Bias due to confounding"),
    (
        "robins_d2",
        "D2",
        "Bias in selection of participants into the study",
    ),
    ("robins_d3", "D3", "Bias in classification of interventions"),
    (
        "robins_d4",
        "D4",
        "Bias due to deviations from intended interventions",
    ),
    ("robins_d5", "D5", "Bias due to missing data"),
    ("robins_d6", "D6", "Bias in measurement of outcomes"),
    (
        "robins_d7",
        "D7",
        "Bias in selection of the reported result",
    ),
];

/// A risk-of-bias tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tool {
    /// RoB 2 (randomised trials): `rob_d1` … `rob_d5`, overall `risk_of_bias`.
    #[serde(rename = "RoB 2")]
    Rob2,
    /// ROBINS-I (non-randomised studies): `robins_d1` … `robins_d7`, overall `robins_overall`.
    #[serde(rename = "ROBINS-I")]
    RobinsI,
}

impl Tool {
    /// The tool's name ("RoB 2", "ROBINS-I").
    pub fn name(self) -> &'static str {
        match self {
            Tool::Rob2 => "RoB 2",
            Tool::RobinsI => "ROBINS-I",
        }
    }

    /// Its domains: (codebook column, short label, name).
    pub fn domains(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            Tool::Rob2 => &ROB2_DOMAINS,
            Tool::RobinsI => &ROBINS_I_DOMAINS,
        }
    }

    /// The column of the overall judgement.
    pub fn overall_column(self) -> &'static str {
        match self {
            Tool::Rob2 => "risk_of_bias",
            Tool::RobinsI => "robins_overall",
        }
    }

    /// Its judgements in display order (no information last).
    pub fn judgements(self) -> &'static [Judgement] {
        use Judgement::*;
        match self {
            Tool::Rob2 => &[Low, SomeConcerns, High, NoInformation],
            Tool::RobinsI => &[Low, Moderate, Serious, Critical, NoInformation],
        }
    }

    /// The prefix of its plot files (`rob`, `robins`).
    pub fn file_prefix(self) -> &'static str {
        match self {
            Tool::Rob2 => "rob",
            Tool::RobinsI => "robins",
        }
    }
}

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

/// One risk-of-bias judgement (RoB 2 or ROBINS-I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Low risk of bias.
    Low,
    /// Some concerns.
    SomeConcerns,
    /// High risk of bias.
    High,
    /// ROBINS-I: moderate risk of bias.
    Moderate,
    /// ROBINS-I: serious risk of bias.
    Serious,
    /// ROBINS-I: critical risk of bias.
    Critical,
    /// No judgement recorded (an empty cell).
    NoInformation,
}

impl Judgement {
    /// The judgement of a codebook level (`low`, `some concerns` (or `some`, `unclear`), `high`,
    /// `moderate`, `serious`, `critical`, `no information`; any case); `None` for anything else.
    pub fn from_level(level: &str) -> Option<Judgement> {
        match super::codebook::normalize(level).as_str() {
            "low" => Some(Judgement::Low),
            // The built-in codebook canonicalises these; a custom codebook may not.
            "some concerns" | "some concern" | "some" | "unclear" => Some(Judgement::SomeConcerns),
            "high" => Some(Judgement::High),
            "moderate" => Some(Judgement::Moderate),
            "serious" => Some(Judgement::Serious),
            "critical" => Some(Judgement::Critical),
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
            Judgement::Moderate => "Moderate",
            Judgement::Serious => "Serious",
            Judgement::Critical => "Critical",
            Judgement::NoInformation => "No information",
        }
    }

    /// How severe, for "the worst judgement": no information ranks below low, so it never
    /// hides a recorded judgement.
    fn severity(self) -> u8 {
        match self {
            Judgement::NoInformation => 0,
            Judgement::Low => 1,
            Judgement::SomeConcerns | Judgement::Moderate => 2,
            Judgement::High | Judgement::Serious => 3,
            Judgement::Critical => 4,
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

/// The shares of the judgements in one column (proportions summing to 1; a judgement that does
/// not occur is absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct RobShares(pub BTreeMap<Judgement, f64>);

impl RobShares {
    /// The share of one judgement (0 when it does not occur).
    pub fn get(&self, j: Judgement) -> f64 {
        self.0.get(&j).copied().unwrap_or(0.0)
    }
}

/// The risk-of-bias assessment of one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobAssessment {
    /// Outcome domain.
    pub domain: String,
    /// The tool.
    pub tool: Tool,
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

/// The indices of `tool`'s domain columns present in `table`.
pub fn domain_columns(table: &Table, tool: Tool) -> Vec<usize> {
    let d = tool.domains();
    (0..d.len()).filter(|&i| table.has(d[i].0)).collect()
}

/// The shares of each judgement per column: weighted by each study's `weight` when `weighted`
/// (a study without one counts 0), else each study once. A zero total gives NaN shares.
pub fn shares(studies: &[RobStudy], columns: usize, weighted: bool) -> Vec<RobShares> {
    (0..columns)
        .map(|c| {
            let mut sum: BTreeMap<Judgement, f64> = BTreeMap::new();
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
                *sum.entry(j).or_insert(0.0) += w;
            }
            let total: f64 = sum.values().sum();
            RobShares(sum.into_iter().map(|(j, w)| (j, w / total)).collect())
        })
        .collect()
}

/// The assessments of every analysed outcome domain for each tool whose domain columns the data
/// carry (RoB 2 first); `None` when they carry none. `study_ids` group rows into studies
/// (0-based rows).
pub(crate) fn assess(
    table: &Table,
    study_ids: &[String],
    domains: &[DomainResult],
) -> Option<Vec<RobAssessment>> {
    let tools: Vec<(Tool, Cells)> = [Tool::Rob2, Tool::RobinsI]
        .into_iter()
        .filter_map(|t| Cells::read(table, t).map(|c| (t, c)))
        .collect();
    if tools.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (ti, (tool, cells)) in tools.iter().enumerate() {
        // A study with judgements only for another tool belongs to that tool.
        let keep = |i: usize| {
            cells.recorded[i]
                || !tools
                    .iter()
                    .enumerate()
                    .any(|(k, (_, c))| k != ti && c.recorded[i])
        };
        for (n, d) in domains.iter().enumerate() {
            if let Some(a) = assess_domain(*tool, cells, d, n + 1, study_ids, &keep) {
                out.push(a);
            }
        }
    }
    Some(out)
}

/// Whether each row is non-randomised by its `design` (neither "rct" nor "cluster rct"); all
/// false without a `design` column.
fn non_randomised(table: &Table) -> Vec<bool> {
    if !table.has("design") {
        return vec![false; table.nrows()];
    }
    table
        .texts("design")
        .into_iter()
        .map(|d| !matches!(d.as_deref(), Some("rct" | "cluster rct")))
        .collect()
}

/// One tool's judgements per data row.
struct Cells {
    columns: Vec<RobColumn>,
    /// Per row, one judgement per column (the overall judgement last).
    rows: Vec<Vec<Judgement>>,
    /// Whether a row has any recorded judgement of this tool.
    recorded: Vec<bool>,
    overall_derived: bool,
    /// Whether a row is non-randomised (`design` neither "rct" nor "cluster rct"; all false
    /// without a `design` column).
    non_randomised: Vec<bool>,
}

impl Cells {
    fn read(table: &Table, tool: Tool) -> Option<Cells> {
        let present = domain_columns(table, tool);
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
        let doms = tool.domains();
        let cells: Vec<Vec<Judgement>> = present.iter().map(|&i| read(doms[i].0)).collect();
        let overall_col = tool.overall_column();
        let overall = table.has(overall_col).then(|| read(overall_col));
        let mut columns: Vec<RobColumn> = present
            .iter()
            .map(|&i| RobColumn {
                column: Some(doms[i].0.to_string()),
                short: doms[i].1.to_string(),
                name: doms[i].2.to_string(),
            })
            .collect();
        columns.push(RobColumn {
            column: overall.is_some().then(|| overall_col.to_string()),
            short: "Overall".into(),
            name: "Overall risk of bias".into(),
        });
        let rows: Vec<Vec<Judgement>> = (0..table.nrows())
            .map(|i| {
                let mut v: Vec<Judgement> = cells.iter().map(|c| c[i]).collect();
                let o = match &overall {
                    Some(o) => o[i],
                    None => v.iter().fold(Judgement::NoInformation, |a, &b| a.worst(b)),
                };
                v.push(o);
                v
            })
            .collect();
        let recorded = rows
            .iter()
            .map(|r| r.iter().any(|j| *j != Judgement::NoInformation))
            .collect();
        Some(Cells {
            columns,
            rows,
            recorded,
            overall_derived: overall.is_none(),
            non_randomised: non_randomised(table),
        })
    }
}

/// One tool's assessment of one outcome domain (`number` names the plot files); `None` when no
/// study of the domain belongs to the tool.
fn assess_domain(
    tool: Tool,
    cells: &Cells,
    d: &DomainResult,
    number: usize,
    study_ids: &[String],
    keep: &dyn Fn(usize) -> bool,
) -> Option<RobAssessment> {
    let mut studies: Vec<(String, RobStudy)> = Vec::new();
    for e in &d.effects {
        let i = e.row - 1;
        if !keep(i) {
            continue;
        }
        let j = cells.rows[i].clone();
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
    if studies.is_empty() {
        return None;
    }
    let studies: Vec<RobStudy> = studies.into_iter().map(|s| s.1).collect();
    let weighted = d.pooled.is_some() && studies.iter().all(|s| s.weight.is_some());
    let mut notes = Vec::new();
    if cells.overall_derived {
        notes.push(format!(
            "no {} column: the overall judgement is the worst domain judgement",
            tool.overall_column()
        ));
    }
    if !weighted {
        notes.push("not pooled: the summary shares count each study once (unweighted)".into());
    }
    if studies.len() < d.studies {
        notes.push(format!(
            "{} of the {} studies were assessed with {}; the shares are among them",
            studies.len(),
            d.studies,
            tool.name()
        ));
    }
    if studies.iter().any(|s| s.rows.len() > 1) {
        notes.push(
            "a study with several effects takes the most severe judgement of its rows".into(),
        );
    }
    if tool == Tool::Rob2 {
        let nrs: Vec<&str> = studies
            .iter()
            .filter(|s| {
                s.rows
                    .iter()
                    .any(|r| cells.non_randomised.get(r - 1) == Some(&true))
            })
            .map(|s| s.study.as_str())
            .collect();
        if !nrs.is_empty() {
            notes.push(format!(
                "{} non-randomised stud{} coded with RoB 2, a tool for randomised trials ({}): the judgements are shown as coded, but the certainty rating does not use them (assess non-randomised studies with ROBINS-I: robins_d1 … robins_d7, robins_overall)",
                nrs.len(),
                if nrs.len() == 1 { "y" } else { "ies" },
                nrs.join(", ")
            ));
        }
    }
    let prefix = tool.file_prefix();
    Some(RobAssessment {
        domain: d.domain.clone(),
        tool,
        shares: shares(&studies, cells.columns.len(), weighted),
        columns: cells.columns.clone(),
        studies,
        weighted,
        notes,
        traffic_light: format!("{prefix}_traffic_{number}.svg"),
        summary_plot: format!("{prefix}_summary_{number}.svg"),
    })
}

/// The risk-of-bias judgements of the studies of one analysis (one entry per analysed data
/// row, labelled by its study, weighted by its weight), for the forest plot of a single fit:
/// the first tool whose domain columns `table` carries (RoB 2 before ROBINS-I); `None` when it
/// carries none. Cells read as in [`Judgement::from_level`]; an unreadable or empty cell is "no
/// information".
pub fn assess_rows(
    table: &Table,
    studies: &[crate::model::StudyResult],
    domain: &str,
) -> Option<RobAssessment> {
    let (tool, cells) = [Tool::Rob2, Tool::RobinsI]
        .into_iter()
        .find_map(|t| Cells::read(table, t).map(|c| (t, c)))?;
    let rows: Vec<RobStudy> = studies
        .iter()
        .filter_map(|s| {
            Some(RobStudy {
                study: s.study.clone(),
                rows: vec![s.row + 1],
                judgements: cells.rows.get(s.row)?.clone(),
                weight: Some(s.weight),
            })
        })
        .collect();
    let mut notes = Vec::new();
    if cells.overall_derived {
        notes.push(format!(
            "no {} column: the overall judgement is the worst domain judgement",
            tool.overall_column()
        ));
    }
    let prefix = tool.file_prefix();
    Some(RobAssessment {
        domain: domain.to_string(),
        tool,
        shares: shares(&rows, cells.columns.len(), true),
        columns: cells.columns.clone(),
        studies: rows,
        weighted: true,
        notes,
        traffic_light: format!("{prefix}_traffic.svg"),
        summary_plot: format!("{prefix}_summary.svg"),
    })
}
