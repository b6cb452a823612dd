//! Certainty of evidence per outcome domain, GRADE-style, with every judgment explained, and the
//! summary-of-findings rows of `evaluate`.
//!
//! The certainty is read from each domain's result as it stands (the pooled estimate, CI,
//! prediction interval, I² and model weights of [`DomainResult::pooled`], the bias checks of
//! [`DomainResult::bias`]), so it follows whichever model pooled the domain. The thresholds are
//! [`Thresholds`] fields, which the options file can override; the minimal important difference,
//! the assumed control risk and a certainty override are set per domain
//! ([`DomainOptions`]). Weights are the pooled model's weights of the effects.
//!
//! # The rules
//!
//! **Start.** High when effects from randomised studies (`design` "rct" or "cluster rct")
//! carry at least `min_randomised_share` (0.5) of the weight, else low. Without a `design`
//! column the studies are assumed randomised, and the reason says so. In a body that starts high,
//! non-randomised effects count as high risk of bias.
//!
//! Then one level down for each serious concern (two for a very serious one), never below very
//! low; nothing is rated up (large effects and dose–response are not assessed):
//!
//! | criterion | serious (−1) | very serious (−2) | not assessed when |
//! |---|---|---|---|
//! | risk of bias | effects at high risk (`risk_of_bias` "high", or non-randomised in a body that starts high) carry more than `high_risk_share` (0.5) of the weight | — | neither `risk_of_bias` nor a non-randomised effect |
//! | inconsistency | I² ≥ `inconsistency_i2` (50 %), or the prediction interval includes no effect while the CI does not | — | — |
//! | imprecision | the CI includes no effect, or one minimal important difference (options `mid`), or (binary outcomes) total events below the optimal information size | the CI includes both minimal important differences (appreciable benefit and harm) | — |
//! | publication bias | Egger's regression test p < `publication_bias_p` (0.10) | — | fewer than `min_bias_effects` (10) effects |
//! | indirectness | effects flagged `indirect` carry more than `indirect_share` (0.5) of the weight | — | no `indirect` column |
//!
//! **Optimal information size** (binary outcomes): with control risk `p_c` (the assumed control
//! risk, below) and `p_t = p_c (1 − RRR)`, RRR = `ois_rrr` (0.25), the participants per arm of one
//! adequately powered trial are
//! `n = ⌈(z_{1−α/2} + z_{1−β})² (p_c(1 − p_c) + p_t(1 − p_t)) / (p_c − p_t)²⌉`
//! (α = `ois_alpha` 0.05, 1 − β = `ois_power` 0.80), and the events that trial would see are
//! `n (p_c + p_t)`; the domain's total events (`events_t + events_c`) are compared with it.
//!
//! **Override.** Per domain in the options file, `certainty` with a `reason`: the reported
//! certainty is the override, the rated certainty and every judgment stay in the results.
//!
//! # Summary of findings
//!
//! Relative effect (odds ratio or SMD with its CI); for binary domains in their natural
//! orientation, the absolute effect per 1,000 given the assumed control risk `cr` (options
//! `control_risk`, else the median `events_c / n_c` of the domain's studies):
//! `risk_t = OR·cr / (1 − cr + OR·cr)`, the difference `1000 (risk_t − cr)` with its CI from the
//! OR's CI; an SMD in words by Cohen's convention; the certainty with ⊕ symbols; and a
//! plain-language statement whose strength follows the certainty: "improves" (high), "probably
//! improves" (moderate), "may improve" (low), "the evidence is very uncertain" (very low), the
//! same with "worsens" below the null, and "little or no difference" when the estimate is
//! within the minimal important difference of no effect (without one: an SMD below 0.2; for
//! odds ratios only with a stated one).

use serde::{Deserialize, Serialize};

use super::domain::{DomainResult, Orientation};
use super::evaluate::{EvaluateOptions, Skipped};
use super::options::{DomainOptions, Thresholds};
use super::words;
use crate::data::Table;
use crate::error::{Error, Result};

mod rules;

pub use rules::{absolute_risk, optimal_information_size};

/// A GRADE certainty level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Very low: the true effect is probably markedly different from the estimate.
    #[serde(alias = "very low", alias = "very-low")]
    VeryLow,
    /// Low: the true effect might be markedly different.
    Low,
    /// Moderate: the true effect is probably close to the estimate.
    Moderate,
    /// High: the true effect is similar to the estimate.
    High,
}

impl Certainty {
    /// 1 (very low) to 4 (high).
    fn points(self) -> i32 {
        self as i32 + 1
    }

    /// The level after `down` levels down from `self`, never below very low.
    pub fn down(self, down: u32) -> Certainty {
        match (self.points() - down as i32).max(1) {
            1 => Certainty::VeryLow,
            2 => Certainty::Low,
            3 => Certainty::Moderate,
            _ => Certainty::High,
        }
    }

    /// "high", "moderate", "low", "very low".
    pub fn label(self) -> &'static str {
        match self {
            Certainty::High => "high",
            Certainty::Moderate => "moderate",
            Certainty::Low => "low",
            Certainty::VeryLow => "very low",
        }
    }

    /// ⊕⊕⊕⊕ (high) to ⊕◯◯◯ (very low).
    pub fn symbols(self) -> &'static str {
        match self {
            Certainty::High => "⊕⊕⊕⊕",
            Certainty::Moderate => "⊕⊕⊕◯",
            Certainty::Low => "⊕⊕◯◯",
            Certainty::VeryLow => "⊕◯◯◯",
        }
    }
}

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
    /// The certainty (`None` when the domain was not pooled).
    pub certainty: Option<CertaintyRating>,
    /// Why the certainty was not rated.
    pub not_rated: Option<String>,
    /// Plain-language statement, its strength following the certainty.
    pub statement: String,
}

/// The per-row columns the rules read (absent columns `None`).
pub(crate) struct RowData {
    design: Option<Vec<Option<String>>>,
    risk_of_bias: Option<Vec<Option<String>>>,
    indirect: Option<Vec<Option<bool>>>,
    /// events_t, n_t, events_c, n_c.
    arms: Option<[Vec<Option<f64>>; 4]>,
}

impl RowData {
    /// Reads the columns from `table`.
    ///
    /// # Errors
    /// An unreadable `indirect` cell or arm count, naming row and column.
    pub(crate) fn new(table: &Table) -> Result<RowData> {
        let text = |c: &str| table.has(c).then(|| table.texts(c));
        let indirect = if table.has("indirect") {
            Some(super::direction::bool_column(
                table,
                "indirect",
                "is not a yes/no value: use true when the evidence is indirect, else false",
            )?)
        } else {
            None
        };
        let names = ["events_t", "n_t", "events_c", "n_c"];
        let arms = if names.iter().all(|c| table.has(c)) {
            let get = |c: &str| table.numeric(c, "for absolute effects");
            Some([
                get(names[0])?,
                get(names[1])?,
                get(names[2])?,
                get(names[3])?,
            ])
        } else {
            None
        };
        Ok(RowData {
            design: text("design"),
            risk_of_bias: text("risk_of_bias"),
            indirect,
            arms,
        })
    }
}

/// The summary-of-findings rows of every domain, and the overrides naming no domain (as
/// skipped sections).
///
/// # Errors
/// A minimal important difference for an odds-ratio domain that is not above 1; unreadable
/// `indirect` or arm cells.
pub(crate) fn findings(
    table: &Table,
    domains: &[DomainResult],
    opts: &EvaluateOptions,
) -> Result<(Vec<Finding>, Vec<Skipped>)> {
    let rows = RowData::new(table)?;
    let mut out = Vec::with_capacity(domains.len());
    for d in domains {
        out.push(finding(
            &rows,
            d,
            opts.domains.get(&d.domain),
            &opts.thresholds,
        )?);
    }
    let skipped = opts
        .domains
        .keys()
        .filter(|k| !domains.iter().any(|d| &d.domain == *k))
        .map(|k| {
            Skipped::new(
                format!("options for domain '{k}'"),
                "no such outcome domain was analysed in these data",
            )
        })
        .collect();
    Ok((out, skipped))
}

/// The summary-of-findings row of one domain.
fn finding(
    rows: &RowData,
    d: &DomainResult,
    o: Option<&DomainOptions>,
    t: &Thresholds,
) -> Result<Finding> {
    let or = d.measure.is_log_scale();
    let mid = match o.and_then(|o| o.mid) {
        Some(m) if or && m <= 1.0 => {
            return Err(Error::Input {
                what: format!("options for domain '{}'", d.domain),
                message: format!("mid = {m}: for odds ratios the minimal important difference is an odds ratio above 1 (e.g. 1.25)"),
            })
        }
        Some(m) if or => Some(m.ln()),
        m => m,
    };
    let k = d.effects.len();
    let Some(p) = &d.pooled else {
        return Ok(Finding {
            domain: d.domain.clone(),
            studies: d.studies,
            effects: k,
            relative: None,
            absolute: None,
            absolute_note: None,
            smd_in_words: None,
            information_size: None,
            certainty: None,
            not_rated: Some(format!(
                "not pooled ({} stud{}): see the study's own effect; certainty is not rated",
                d.studies,
                if d.studies == 1 { "y" } else { "ies" }
            )),
            statement: words::sof_statement(&d.domain, None, d.orientation, 0.0, 1.0),
        });
    };
    let s = &p.summary;
    let show = |x: f64| if or { x.exp() } else { x };
    let binary = rules::binary_rows(rows, d, o.and_then(|o| o.control_risk));
    let information_size = binary.as_ref().and_then(|b| rules::information_size(b, t));
    let mut rating = rules::rate(rows, d, p, mid, information_size.as_ref(), t);
    if let Some((c, r)) = o.and_then(|o| o.certainty.zip(o.reason.clone())) {
        rating.certainty = c;
        rating.user_override = Some(Override {
            certainty: c,
            reason: r,
        });
    }
    let (absolute, absolute_note) = match (&binary, d.orientation) {
        (Some(_), Orientation::PositiveIsBenefit { .. }) => (None, Some("the domain mixes outcome directions (some effects reversed), so no single control risk applies".to_string())),
        (Some(b), _) if b.control_risk > 0.0 && b.control_risk < 1.0 => (
            Some(rules::absolute(s.estimate, s.ci_lower, s.ci_upper, b)),
            None,
        ),
        (Some(b), _) => (None, Some(format!("the assumed control risk is {:.3}, so absolute effects are not defined", b.control_risk))),
        (None, _) if or => (None, Some("no events_t, n_t, events_c and n_c columns to take a control risk from".to_string())),
        (None, _) => (None, None),
    };
    // "little or no difference" below the minimal important difference; without one, below
    // Cohen's 0.2 for SMDs, and never for odds ratios (no convention says which is trivial)
    let trivial = mid.unwrap_or(if or { 0.0 } else { 0.2 });
    Ok(Finding {
        domain: d.domain.clone(),
        studies: d.studies,
        effects: s.k,
        relative: Some(Relative {
            measure: if or { "OR" } else { "SMD" }.into(),
            estimate: show(s.estimate),
            ci_lower: show(s.ci_lower),
            ci_upper: show(s.ci_upper),
        }),
        absolute,
        absolute_note,
        smd_in_words: (!or).then(|| words::smd_in_words(s.estimate, d.orientation)),
        information_size,
        statement: words::sof_statement(
            &d.domain,
            Some(rating.certainty),
            d.orientation,
            s.estimate,
            trivial,
        ),
        certainty: Some(rating),
        not_rated: None,
    })
}
