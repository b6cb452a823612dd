//! The risk-of-bias criterion as GRADE and CINeMA operationalise it: every effect's judgement
//! is weighed by its share of the pooled weight, and all three levels count.
//!
//! * A randomised effect (or any effect without a `design` column) takes its RoB 2 overall
//!   judgement (`risk_of_bias`, else the worst of `rob_d1` … `rob_d5`).
//! * A non-randomised effect takes its ROBINS-I overall judgement (`robins_overall`, else the
//!   worst of `robins_d1` … `robins_d7`): low → low, moderate → some concerns, serious or
//!   critical → high (Schünemann et al. 2019, GRADE guidance 18: ROBINS-I lets non-randomised
//!   studies start high and be rated down). Without one, in a body that starts high it counts as
//!   at high (serious) risk; RoB 2 judgements of a non-randomised study are not used (RoB 2 is
//!   for randomised trials) and the reason says so.
//! * An effect with no judgement counts as "some concerns": no information is not low risk.
//!
//! Serious (−1) when "some concerns" or "high" (or no judgement) carry at least `concerns_share`
//! of the weight; very serious (−2) when "high" alone carries at least `high_risk_share` (GRADE
//! handbook §5.2.1; CINeMA's "majority" rule). Not assessed (said so) when no effect has a
//! judgement and none counts by design.

use super::records::{Criterion, Judgement};
use super::rules::{judged, not_assessed, pct, randomised, share, RowData};
use crate::framework::options::Thresholds;
use crate::framework::rob::Judgement as RobLevel;
use crate::model::Fit;

/// An effect's risk of bias on GRADE's three levels (or none).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Low,
    Concerns,
    High,
    /// No judgement (counts as some concerns).
    Unknown,
}

fn level(j: Option<RobLevel>) -> Level {
    match j {
        Some(RobLevel::Low) => Level::Low,
        Some(RobLevel::SomeConcerns | RobLevel::Moderate) => Level::Concerns,
        Some(RobLevel::High | RobLevel::Serious | RobLevel::Critical) => Level::High,
        _ => Level::Unknown,
    }
}

/// The level of each of the `pooled` rows (0-based; other rows `Unknown`), how many of them
/// are non-randomised with only RoB 2 judgements, and whether any counts as high by design.
fn levels(rows: &RowData, pooled: &[usize], starts_high: bool) -> (Vec<Level>, usize, bool) {
    let mut misused = 0;
    let mut by_design = false;
    let n = pooled.iter().map(|i| i + 1).max().unwrap_or(0);
    let out = (0..n)
        .map(|i| {
            if !pooled.contains(&i) {
                return Level::Unknown;
            }
            let rob2 = rows.rob2.as_ref().and_then(|r| r[i]);
            let nrs = rows
                .design
                .as_ref()
                .is_some_and(|d| !d[i].as_deref().is_some_and(randomised));
            if !nrs {
                return level(rob2);
            }
            let robins = rows.robins.as_ref().and_then(|r| r[i]);
            if robins.is_none() && rob2.is_some() {
                misused += 1;
            }
            match robins {
                Some(j) => level(Some(j)),
                None if starts_high => {
                    by_design = true;
                    Level::High
                }
                None => Level::Unknown,
            }
        })
        .collect();
    (out, misused, by_design)
}

/// The risk-of-bias judgement of one pooled domain; `starts_high` when the rating started high
/// (then a non-randomised effect without ROBINS-I counts as at high risk).
pub(super) fn risk_of_bias(
    rows: &RowData,
    p: &Fit,
    starts_high: bool,
    t: &Thresholds,
) -> Judgement {
    let c = Criterion::RiskOfBias;
    let pooled: Vec<usize> = p.studies.iter().map(|s| s.row).collect();
    let (lv, misused, by_design) = levels(rows, &pooled, starts_high);
    let at = |l: Level| share(p, |i| lv.get(i) == Some(&l));
    let (low, concerns, high, unknown) = (
        at(Level::Low),
        at(Level::Concerns),
        at(Level::High),
        at(Level::Unknown),
    );
    if unknown >= 1.0 - 1e-12 {
        return not_assessed(
            c,
            "not assessed: no effect has a risk-of-bias judgement (no risk_of_bias, rob_d1 … rob_d5 or robins_overall column, or every cell empty), so the certainty may be overstated".into(),
        );
    }
    let mut notes = Vec::new();
    if unknown > 0.0 {
        notes.push(format!(
            "no judgement for {} of the weight (counted as some concerns: no information is not low risk)",
            pct(unknown)
        ));
    }
    if by_design {
        notes.push("non-randomised effects without a ROBINS-I judgement (robins_overall or robins_d1 … robins_d7) count as at high (serious) risk".into());
    }
    if misused > 0 {
        notes.push(format!(
            "{misused} non-randomised effect{} coded with RoB 2, a tool for randomised trials: those judgements are not used; assess non-randomised studies with ROBINS-I",
            if misused == 1 { " is" } else { "s are" }
        ));
    }
    let concerns_or_high = concerns + high + unknown;
    // "half or more": a share equal to the threshold trips it (rounding-safe).
    let reaches = |x: f64, limit: f64| x >= limit - 1e-9;
    let (levels, verdict) = if reaches(high, t.high_risk_share) {
        (
            2,
            format!(
                "high risk carries {} (at least {}): very serious",
                pct(high),
                pct(t.high_risk_share)
            ),
        )
    } else if reaches(concerns_or_high, t.concerns_share) {
        (
            1,
            format!(
                "some concerns or high risk carry {} (at least {}; high risk less than {}): serious",
                pct(concerns_or_high),
                pct(t.concerns_share),
                pct(t.high_risk_share)
            ),
        )
    } else {
        (
            0,
            format!(
                "some concerns or high risk carry {} (less than {}): not serious",
                pct(concerns_or_high),
                pct(t.concerns_share)
            ),
        )
    };
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("; {}", notes.join("; "))
    };
    judged(
        c,
        levels,
        format!(
            "of the weight, low risk {}, some concerns {}, high risk {}: {verdict}{notes}",
            pct(low),
            pct(concerns + unknown),
            pct(high)
        ),
    )
}
