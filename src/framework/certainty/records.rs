//! The records of the certainty rating: the GRADE level, the criteria and their judgments, the
//! rating of a domain, and the rows of the summary of findings.

use serde::Serialize;

use crate::framework::grade::Certainty;

/// A GRADE criterion for rating down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Risk of bias.
    RiskOfBias,
    /// Inconsistency.
    Inconsistency,
    /// Imprecision.
    Imprecision,
    /// Publication bias.
    PublicationBias,
    /// Indirectness.
    Indirectness,
}

impl Criterion {
    /// The criterion in words.
    pub fn label(self) -> &'static str {
        match self {
            Criterion::RiskOfBias => "risk of bias",
            Criterion::Inconsistency => "inconsistency",
            Criterion::Imprecision => "imprecision",
            Criterion::PublicationBias => "publication bias",
            Criterion::Indirectness => "indirectness",
        }
    }
}

/// One judgment: how many levels down, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// The criterion.
    pub criterion: Criterion,
    /// Levels down: 0 (not serious), 1 (serious) or 2 (very serious).
    pub levels: u32,
    /// False when the criterion could not be assessed (then `levels` is 0 and `reason` says why).
    pub assessed: bool,
    /// The reason, with the numbers and the threshold it was judged against.
    pub reason: String,
}

/// A certainty set by the user in the options file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Override {
    /// The certainty reported.
    pub certainty: Certainty,
    /// The user's reason.
    pub reason: String,
}

/// The certainty of one domain's evidence, with every judgment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertaintyRating {
    /// Where the rating started (high for randomised evidence, low otherwise).
    pub start: Certainty,
    /// Why it started there.
    pub start_reason: String,
    /// Each criterion's judgment.
    pub judgements: Vec<Judgement>,
    /// The certainty by the rules.
    pub rated: Certainty,
    /// The user's override, if any.
    #[serde(rename = "override")]
    pub user_override: Option<Override>,
    /// The certainty reported: the override, else the rated certainty.
    pub certainty: Certainty,
}

impl CertaintyRating {
    /// The criteria that could not be assessed, as "criterion (why)", for showing beside the
    /// rating (a rating with an unassessed criterion may be overstated).
    pub fn not_assessed(&self) -> Vec<String> {
        self.judgements
            .iter()
            .filter(|j| !j.assessed)
            .map(|j| {
                let why = j.reason.strip_prefix("not assessed: ").unwrap_or(&j.reason);
                format!("{}: {why}", j.criterion.label())
            })
            .collect()
    }
}

/// A relative effect on its display scale (odds ratios exponentiated).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relative {
    /// "OR" or "SMD".
    pub measure: String,
    /// Estimate.
    pub estimate: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
}

/// Absolute effects per 1,000 people (binary outcomes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Absolute {
    /// Assumed control-group risk.
    pub control_risk: f64,
    /// Where it came from.
    pub control_risk_source: String,
    /// Events per 1,000 without peer support (`1000 cr`).
    pub control_per_1000: f64,
    /// Events per 1,000 with peer support.
    pub treatment_per_1000: f64,
    /// Difference per 1,000 (with minus without).
    pub difference_per_1000: f64,
    /// Lower confidence limit of the difference.
    pub difference_lower: f64,
    /// Upper confidence limit of the difference.
    pub difference_upper: f64,
}

/// The optimal information size of a binary domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InformationSize {
    /// Control risk used.
    pub control_risk: f64,
    /// Participants per arm of one adequately powered trial.
    pub participants_per_arm: f64,
    /// Events that trial would see (the optimal information size in events).
    pub events_needed: f64,
    /// Total events in the domain.
    pub events: f64,
}

/// The optimal information size of a continuous domain, in participants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParticipantSize {
    /// Participants in the domain (each study once, at its largest `n_t + n_c`).
    pub participants: f64,
    /// Effects without `n_t` and `n_c` (not counted).
    pub effects_without_n: usize,
    /// The optimal information size in participants.
    pub needed: f64,
    /// Where it came from (stated for the domain, or the default threshold).
    pub source: String,
}

/// One row of the summary-of-findings table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Outcome domain.
    pub domain: String,
    /// Distinct studies.
    pub studies: usize,
    /// Effects.
    pub effects: usize,
    /// Relative effect (`None` when not pooled).
    pub relative: Option<Relative>,
    /// Absolute effects per 1,000 (binary domains in their natural orientation).
    pub absolute: Option<Absolute>,
    /// Why there are no absolute effects, for a binary domain without them.
    pub absolute_note: Option<String>,
    /// The SMD in words (SMD domains).
    pub smd_in_words: Option<String>,
    /// The optimal information size (binary domains).
    pub information_size: Option<InformationSize>,
    /// The optimal information size in participants (continuous domains with `n_t`, `n_c`).
    pub participant_size: Option<ParticipantSize>,
    /// The certainty (`None` when the domain was not pooled).
    pub certainty: Option<CertaintyRating>,
    /// Why the certainty was not rated.
    pub not_rated: Option<String>,
    /// Plain-language statement, its strength following the certainty.
    pub statement: String,
}
