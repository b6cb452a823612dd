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
//! **Publication bias with bias-adjusted estimates** (issue #26): where the domain has the
//! three-parameter selection model or PET-PEESE (`DomainResult::bias_adjusted`), a small-study
//! test below `publication_bias_p` is serious only when an adjusted estimate moves the pooled
//! effect (across the null or a minimal important difference, or by more than
//! `small_k.publication_bias_shift`, a quarter, of its size); the rule, its sources and the
//! options are in `docs/src/few-studies.md`.
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

use super::domain::DomainResult;
use super::options::{DomainOptions, EvaluateOptions, Thresholds};
use super::records::Skipped;
use super::scale::Orientation;
use super::words;
use crate::data::Table;
use crate::error::{Error, Result};

mod publication;
mod records;
mod risk_of_bias;
mod rules;

pub use super::grade::Certainty;
pub use records::{
    Absolute, CertaintyRating, Criterion, Finding, InformationSize, Judgement, Override,
    ParticipantSize, Relative,
};
use rules::RowData;
pub use rules::{absolute_risk, optimal_information_size};

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
/// The domain's minimal important difference on the analysis scale (an odds ratio's log).
///
/// # Errors
/// [`Error::Input`] for an odds-ratio MID of 1 or below.
fn analysis_mid(d: &DomainResult, o: Option<&DomainOptions>) -> Result<Option<f64>> {
    let or = d.measure.is_log_scale();
    Ok(match o.and_then(|o| o.mid) {
        Some(m) if or && m <= 1.0 => {
            return Err(Error::Input {
                what: format!("options for domain '{}'", d.domain),
                message: format!("mid = {m}: for odds ratios the minimal important difference is an odds ratio above 1 (e.g. 1.25)"),
            })
        }
        Some(m) if or => Some(m.ln()),
        m => m,
    })
}

fn finding(
    rows: &RowData,
    d: &DomainResult,
    o: Option<&DomainOptions>,
    t: &Thresholds,
) -> Result<Finding> {
    let or = d.measure.is_log_scale();
    let mid = analysis_mid(d, o)?;
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
            participant_size: None,
            certainty: None,
            not_rated: Some(format!(
                "not pooled ({} stud{}): see the study's own effect; certainty is not rated",
                d.studies,
                if d.studies == 1 { "y" } else { "ies" }
            )),
            statement: words::statement(&words::StatementInput {
                domain: &d.domain,
                outcome: None,
                orientation: d.orientation,
                measure: d.measure,
                certainty: None,
                estimate: 0.0,
                trivial: 0.0,
            }),
        });
    };
    let s = &p.summary;
    let show = |x: f64| if or { x.exp() } else { x };
    let binary = rules::binary_rows(rows, d, o.and_then(|o| o.control_risk));
    let information_size = binary.as_ref().and_then(|b| rules::information_size(b, t));
    let participant_size = rules::participant_size(rows, d, o.and_then(|o| o.ois_participants), t);
    let mut rating = rules::rate(
        rows,
        d,
        p,
        mid,
        (information_size.as_ref(), participant_size.as_ref()),
        t,
    );
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
        participant_size,
        statement: words::statement(&words::StatementInput {
            domain: &d.domain,
            outcome: rows.single_outcome(d).as_deref(),
            orientation: d.orientation,
            measure: d.measure,
            certainty: Some(rating.certainty),
            estimate: s.estimate,
            trivial,
        }),
        certainty: Some(rating),
        not_rated: None,
    })
}

/// Rewrites the summary of each rated domain to say what it means in the words of its
/// summary-of-findings statement, so the command line, the domain sections and the summary of
/// findings tell one story.
pub(crate) fn tell_summaries(
    domains: &mut [DomainResult],
    findings: &[Finding],
    level: f64,
    t: &Thresholds,
) {
    for d in domains.iter_mut() {
        let (Some(p), Some(f)) = (
            &d.pooled,
            findings
                .iter()
                .find(|f| f.domain == d.domain && f.certainty.is_some()),
        ) else {
            continue;
        };
        d.summary = words::plain(
            d.studies,
            d.measure,
            &p.summary,
            level,
            t.tau2_zero_caveat_below,
            Some(&f.statement),
        ) + &d
            .dependence
            .as_ref()
            .map(|dep| words::dependence(dep, d.measure))
            .unwrap_or_default();
    }
}
