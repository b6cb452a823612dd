//! The rating rules (documented in the parent module) and the absolute-effect arithmetic.

use super::records::{
    Absolute, CertaintyRating, Criterion, InformationSize, Judgement, ParticipantSize,
};
use crate::data::Table;
use crate::error::Result;
use crate::framework::domain::DomainResult;
use crate::framework::grade::Certainty;
use crate::framework::options::Thresholds;
use crate::framework::rob::{Judgement as RobLevel, Tool};
use crate::framework::words;
use crate::model::Fit;

/// The per-row columns the rules read (absent columns `None`).
pub(crate) struct RowData {
    pub(super) design: Option<Vec<Option<String>>>,
    /// The RoB 2 overall judgement per row (`risk_of_bias`, else the worst of `rob_d1` …
    /// `rob_d5`); `None` without any RoB 2 column, an inner `None` for no judgement.
    pub(super) rob2: Option<Vec<Option<RobLevel>>>,
    /// The ROBINS-I overall judgement per row (`robins_overall`, else the worst of `robins_d1`
    /// … `robins_d7`).
    pub(super) robins: Option<Vec<Option<RobLevel>>>,
    indirect: Option<Vec<Option<bool>>>,
    /// The `outcome` column (the outcome's name).
    outcome: Option<Vec<Option<String>>>,
    /// events_t, n_t, events_c, n_c.
    arms: Option<[Vec<Option<f64>>; 4]>,
    /// n_t, n_c (participants per arm).
    sizes: Option<[Vec<Option<f64>>; 2]>,
}

/// The overall judgement of one tool per row: the overall column, else the worst of the domain
/// columns present; `None` when the data carry none of the tool's columns.
fn overall_judgements(table: &Table, tool: Tool) -> Option<Vec<Option<RobLevel>>> {
    let read = |c: &str| -> Vec<Option<RobLevel>> {
        table
            .texts(c)
            .into_iter()
            .map(|v| {
                v.as_deref()
                    .and_then(RobLevel::from_level)
                    .filter(|j| *j != RobLevel::NoInformation)
            })
            .collect()
    };
    if table.has(tool.overall_column()) {
        return Some(read(tool.overall_column()));
    }
    let cols: Vec<Vec<Option<RobLevel>>> = tool
        .domains()
        .iter()
        .filter(|d| table.has(d.0))
        .map(|d| read(d.0))
        .collect();
    if cols.is_empty() {
        return None;
    }
    Some(
        (0..table.nrows())
            .map(|i| cols.iter().filter_map(|c| c[i]).reduce(|a, b| a.worst(b)))
            .collect(),
    )
}

impl RowData {
    /// Reads the columns from `table`.
    ///
    /// # Errors
    /// An unreadable `indirect` cell or arm count, naming row and column.
    pub(crate) fn new(table: &Table) -> Result<RowData> {
        let text = |c: &str| table.has(c).then(|| table.texts(c));
        let indirect = if table.has("indirect") {
            Some(crate::framework::direction::bool_column(
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
        let sizes = if table.has("n_t") && table.has("n_c") {
            let get = |c: &str| table.numeric(c, "for the optimal information size");
            Some([get("n_t")?, get("n_c")?])
        } else {
            None
        };
        Ok(RowData {
            design: text("design"),
            rob2: overall_judgements(table, Tool::Rob2),
            robins: overall_judgements(table, Tool::RobinsI),
            indirect,
            outcome: text("outcome"),
            arms,
            sizes,
        })
    }
}

impl RowData {
    /// The one outcome a domain's effects measure (its `outcome` name), or `None` when they
    /// measure several or the column is absent.
    pub(super) fn single_outcome(&self, d: &DomainResult) -> Option<String> {
        let col = self.outcome.as_ref()?;
        let mut names = d
            .effects
            .iter()
            .map(|e| col.get(e.row - 1).cloned().flatten());
        let first = names.next()??;
        names
            .all(|n| n.as_deref() == Some(first.as_str()))
            .then_some(first)
    }
}

/// The risk with peer support given an odds ratio and the control risk:
/// `OR·cr / (1 − cr + OR·cr)`.
///
/// # Examples
///
/// ```
/// use peerstat::framework::certainty::absolute_risk;
/// // OR 0.5 at a control risk of 20 %: 0.1 / 0.9 = 0.111
/// assert!((absolute_risk(0.5, 0.2) - 0.1 / 0.9).abs() < 1e-12);
/// ```
pub fn absolute_risk(odds_ratio: f64, control_risk: f64) -> f64 {
    odds_ratio * control_risk / (1.0 - control_risk + odds_ratio * control_risk)
}

/// The optimal information size for a binary outcome: (participants per arm, events) of one
/// trial powered to detect a relative risk reduction `rrr` from control risk `cr` with two-sided
/// `alpha` and `power`; `None` when `cr` or `rrr` leave no difference to detect.
///
/// # Formula
///
/// `p_t = cr (1 − rrr)`, `n = ⌈(z_{1−α/2} + z_{power})² (cr(1 − cr) + p_t(1 − p_t)) / (cr − p_t)²⌉`,
/// events `= n (cr + p_t)`.
///
/// # Examples
///
/// ```
/// use peerstat::framework::certainty::optimal_information_size;
/// // control risk 20 %, RRR 25 %: ⌈2.80158² · 0.2875 / 0.05²⌉ = 903 per arm, 316.05 events
/// let (n, events) = optimal_information_size(0.2, 0.25, 0.05, 0.8).unwrap();
/// assert_eq!(n, 903.0);
/// assert!((events - 903.0 * 0.35).abs() < 1e-9);
/// ```
pub fn optimal_information_size(cr: f64, rrr: f64, alpha: f64, power: f64) -> Option<(f64, f64)> {
    let pt = cr * (1.0 - rrr);
    if !(cr > 0.0 && cr < 1.0 && pt > 0.0 && pt < cr) {
        return None;
    }
    let z = crate::dist::norm_quantile(1.0 - alpha / 2.0) + crate::dist::norm_quantile(power);
    let n = (z * z * (cr * (1.0 - cr) + pt * (1.0 - pt)) / ((cr - pt) * (cr - pt))).ceil();
    Some((n, n * (cr + pt)))
}

/// A binary domain's control risk and events.
pub(super) struct Binary {
    pub control_risk: f64,
    pub source: String,
    pub events: f64,
}

/// The control risk (given, else the median `events_c / n_c` of the domain's effects) and the
/// total events of an odds-ratio domain; `None` for other domains or without arm counts.
pub(super) fn binary_rows(rows: &RowData, d: &DomainResult, given: Option<f64>) -> Option<Binary> {
    if d.measure != crate::effect::Measure::Or {
        return None;
    }
    let [et, _nt, ec, nc] = rows.arms.as_ref()?;
    let mut risks = Vec::new();
    let mut events = 0.0;
    for e in &d.effects {
        let i = e.row - 1;
        if let (Some(a), Some(c)) = (et[i], ec[i]) {
            events += a + c;
        }
        if let (Some(c), Some(n)) = (ec[i], nc[i]) {
            if n > 0.0 {
                risks.push(c / n);
            }
        }
    }
    let (control_risk, source) = match given {
        Some(c) => (c, "given in the options".to_string()),
        None => {
            if risks.is_empty() {
                return None;
            }
            risks.sort_by(f64::total_cmp);
            let m = risks.len();
            let med = if m % 2 == 1 {
                risks[m / 2]
            } else {
                (risks[m / 2 - 1] + risks[m / 2]) / 2.0
            };
            (
                med,
                format!("median control-group risk (events_c / n_c) of the {m} effects"),
            )
        }
    };
    Some(Binary {
        control_risk,
        source,
        events,
    })
}

/// The optimal information size of a binary domain.
pub(super) fn information_size(b: &Binary, t: &Thresholds) -> Option<InformationSize> {
    let (n, needed) =
        optimal_information_size(b.control_risk, t.ois_rrr, t.ois_alpha, t.ois_power)?;
    Some(InformationSize {
        control_risk: b.control_risk,
        participants_per_arm: n,
        events_needed: needed,
        events: b.events,
    })
}

/// The participants of a continuous domain (each study counted once, at the largest `n_t + n_c`
/// of its effects) against the optimal information size: the domain's stated
/// `ois_participants`, else the threshold (400). `None` for odds-ratio domains and without
/// `n_t` and `n_c` columns.
pub(super) fn participant_size(
    rows: &RowData,
    d: &DomainResult,
    stated: Option<f64>,
    t: &Thresholds,
) -> Option<ParticipantSize> {
    if d.measure.is_log_scale() {
        return None;
    }
    let [nt, nc] = rows.sizes.as_ref()?;
    let mut per_study: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    let mut without = 0;
    for e in &d.effects {
        let i = e.row - 1;
        match (nt.get(i).copied().flatten(), nc.get(i).copied().flatten()) {
            (Some(a), Some(b)) => {
                let n = per_study.entry(e.study.as_str()).or_insert(0.0);
                *n = n.max(a + b);
            }
            _ => without += 1,
        }
    }
    let (needed, source) = match stated {
        Some(n) => (n, "stated for this domain in the options file".to_string()),
        None => (
            t.ois_participants,
            "GRADE's rule of thumb for continuous outcomes, threshold ois_participants".to_string(),
        ),
    };
    Some(ParticipantSize {
        participants: per_study.values().sum(),
        effects_without_n: without,
        needed,
        source,
    })
}

/// Absolute effects per 1,000 from a pooled log odds ratio and its CI.
pub(super) fn absolute(est: f64, lo: f64, hi: f64, b: &Binary) -> Absolute {
    let cr = b.control_risk;
    let diff = |x: f64| 1000.0 * (absolute_risk(x.exp(), cr) - cr);
    let (a, z) = (diff(lo), diff(hi));
    Absolute {
        control_risk: cr,
        control_risk_source: b.source.clone(),
        control_per_1000: 1000.0 * cr,
        treatment_per_1000: 1000.0 * absolute_risk(est.exp(), cr),
        difference_per_1000: diff(est),
        difference_lower: a.min(z),
        difference_upper: a.max(z),
    }
}

/// Share of the pooled weight carried by the effects whose 0-based row satisfies `pick`.
pub(super) fn share(p: &Fit, pick: impl Fn(usize) -> bool) -> f64 {
    let total: f64 = p.studies.iter().map(|s| s.weight).sum();
    let part: f64 = p
        .studies
        .iter()
        .filter(|s| pick(s.row))
        .map(|s| s.weight)
        .sum();
    if total > 0.0 {
        part / total
    } else {
        0.0
    }
}

/// A share as a whole percentage, never "−0%".
pub(super) fn pct(x: f64) -> String {
    format!("{}%", crate::framework::words::fixed(100.0 * x, 0))
}

pub(super) fn judged(criterion: Criterion, levels: u32, reason: String) -> Judgement {
    Judgement {
        criterion,
        levels,
        assessed: true,
        reason,
    }
}

pub(super) fn not_assessed(criterion: Criterion, reason: String) -> Judgement {
    Judgement {
        criterion,
        levels: 0,
        assessed: false,
        reason,
    }
}

pub(super) fn randomised(design: &str) -> bool {
    matches!(design, "rct" | "cluster rct")
}

/// Rates one pooled domain by the rules.
pub(super) fn rate(
    rows: &RowData,
    d: &DomainResult,
    p: &Fit,
    mid: Option<f64>,
    sizes: (Option<&InformationSize>, Option<&ParticipantSize>),
    t: &Thresholds,
) -> CertaintyRating {
    let (start, start_reason) = start(rows, p, t);
    let judgements = vec![
        super::risk_of_bias::risk_of_bias(rows, p, start == Certainty::High, t),
        inconsistency(d, p, mid, t),
        imprecision(d, p, mid, sizes, t),
        publication_bias(d, t),
        indirectness(rows, p, t),
    ];
    let rated = start.down(judgements.iter().map(|j| j.levels).sum());
    CertaintyRating {
        start,
        start_reason,
        judgements,
        rated,
        user_override: None,
        certainty: rated,
    }
}

/// The starting level and its reason.
fn start(rows: &RowData, p: &Fit, t: &Thresholds) -> (Certainty, String) {
    let Some(design) = &rows.design else {
        return (
            Certainty::High,
            "study design not coded (no design column): the studies are assumed randomised, so the rating starts high".into(),
        );
    };
    let nrs: Vec<bool> = design
        .iter()
        .map(|x| !x.as_deref().is_some_and(randomised))
        .collect();
    let r = share(p, |i| !nrs[i]);
    let min = t.min_randomised_share;
    if r >= min {
        let extra = if r < 1.0 {
            format!(
                "; the non-randomised effects ({} of the weight) are judged with ROBINS-I where coded, else counted as at high risk of bias",
                pct(1.0 - r)
            )
        } else {
            String::new()
        };
        (
            Certainty::High,
            format!(
                "randomised studies carry {} of the weight (at least {}): start high{extra}",
                pct(r),
                pct(min)
            ),
        )
    } else {
        (
            Certainty::Low,
            format!("randomised studies carry only {} of the weight (less than {}): start low, as for observational evidence", pct(r), pct(min)),
        )
    }
}

fn inconsistency(d: &DomainResult, p: &Fit, mid: Option<f64>, t: &Thresholds) -> Judgement {
    let s = &p.summary;
    let f = |x: f64| fmt_effect(d, x);
    let crosses = |lo: f64, hi: f64, x: f64| lo < x && hi > x;
    // the decision thresholds: no effect, and the minimal important differences when stated
    let mut points = vec![(0.0, "no effect".to_string())];
    if let Some(m) = mid {
        points.push((m, format!("the minimal important difference {}", f(m))));
        points.push((-m, format!("the minimal important difference {}", f(-m))));
    }
    let pi_only: Vec<&str> = if s.pi_lower.is_finite() && s.pi_upper.is_finite() {
        points
            .iter()
            .filter(|(x, _)| {
                crosses(s.pi_lower, s.pi_upper, *x) && !crosses(s.ci_lower, s.ci_upper, *x)
            })
            .map(|(_, w)| w.as_str())
            .collect()
    } else {
        Vec::new()
    };
    let i2 = format!("I² = {}%", words::fixed(s.i2, 0));
    let caveat = if s.tau2 <= 0.0 && d.studies < t.tau2_zero_caveat_below {
        format!(
            " (τ² = 0 from only {} studies: heterogeneity cannot be ruled out)",
            d.studies
        )
    } else {
        String::new()
    };
    let high_i2 = s.i2 >= t.inconsistency_i2;
    let i2_part = format!(
        "{i2} ({} {}%)",
        if high_i2 { "at least" } else { "below" },
        words::fixed(t.inconsistency_i2, 0)
    );
    let pi = format!(
        "the prediction interval ({} to {})",
        f(s.pi_lower),
        f(s.pi_upper)
    );
    let (levels, reason) = if !pi_only.is_empty() {
        (
            1,
            format!(
                "{i2_part}; {pi} crosses {}, which the confidence interval does not: serious{caveat}",
                pi_only.join(" and ")
            ),
        )
    } else if high_i2 {
        (1, format!("{i2_part}: serious; {pi} crosses no decision threshold the confidence interval does not{caveat}"))
    } else if s.pi_lower.is_finite() {
        (
            0,
            format!("{i2_part} and {pi} crosses no decision threshold (no effect{}) that the confidence interval does not: not serious{caveat}",
                if mid.is_some() { ", the minimal important differences" } else { "" }),
        )
    } else {
        (
            0,
            format!("{i2_part}; no prediction interval: not serious{caveat}"),
        )
    };
    judged(Criterion::Inconsistency, levels, reason)
}

/// A value on the display scale (odds ratios exponentiated).
fn fmt_effect(d: &DomainResult, x: f64) -> String {
    if d.measure.is_log_scale() {
        format!("{:.2}", x.exp())
    } else {
        format!("{x:.2}")
    }
}

/// The imprecision of the confidence interval alone: its levels (0–2) and why, against the
/// minimal important difference `mid` or, without one, GRADE's default thresholds of
/// appreciable benefit and harm.
fn ci_imprecision(d: &DomainResult, p: &Fit, mid: Option<f64>, t: &Thresholds) -> (u32, String) {
    let s = &p.summary;
    // Without a minimal important difference, GRADE's default thresholds of appreciable
    // benefit and harm (analysis scale).
    let appreciable = if d.measure.is_log_scale() {
        t.appreciable_or.ln()
    } else {
        t.appreciable_smd
    };
    let (lo, hi) = (s.ci_lower, s.ci_upper);
    let f = |x: f64| fmt_effect(d, x);
    let inside = |x: f64| lo < x && hi > x;
    let ci = format!("the confidence interval ({} to {})", f(lo), f(hi));
    match mid {
        Some(m) if inside(m) && inside(-m) => (
            2,
            format!(
                "{ci} includes both minimal important differences ({} and {}), appreciable benefit and harm",
                f(-m),
                f(m)
            ),
        ),
        Some(m) if inside(0.0) => (1, format!("{ci} includes no effect (minimal important difference {} / {})", f(-m), f(m))),
        Some(m) if inside(m) || inside(-m) => (
            1,
            format!(
                "{ci} includes a minimal important difference ({})",
                f(if inside(m) { m } else { -m })
            ),
        ),
        Some(m) => (0, format!("{ci} excludes no effect and the minimal important differences ({} / {})", f(-m), f(m))),
        None if inside(appreciable) && inside(-appreciable) => (
            2,
            format!(
                "{ci} includes both {} and {}, appreciable benefit and harm (no minimal important difference given; the default thresholds appreciable_smd / appreciable_or)",
                f(-appreciable),
                f(appreciable)
            ),
        ),
        None if inside(0.0) => (1, format!("{ci} includes no effect")),
        None => (0, format!("{ci} excludes no effect (no minimal important difference given)")),
    }
}

fn imprecision(
    d: &DomainResult,
    p: &Fit,
    mid: Option<f64>,
    sizes: (Option<&InformationSize>, Option<&ParticipantSize>),
    t: &Thresholds,
) -> Judgement {
    let (ois, people) = sizes;
    let (mut levels, mut reason) = ci_imprecision(d, p, mid, t);
    // each further check can make it at least serious; the verdict comes last
    let mut at_least_serious = |why: String, short: bool| {
        reason.push_str("; ");
        reason.push_str(&why);
        if short {
            levels = levels.max(1);
        }
    };
    if let Some(o) = ois {
        let short = o.events < o.events_needed;
        at_least_serious(
            format!(
                "{:.0} events {} the optimal information size of {:.0} events (control risk {:.3}, {:.0} per arm)",
                o.events,
                if short { "fall short of" } else { "reach" },
                o.events_needed,
                o.control_risk,
                o.participants_per_arm
            ),
            short,
        );
    }
    if !d.measure.is_log_scale() {
        match people {
            Some(n) => {
                let short = n.participants < n.needed;
                let missing = if n.effects_without_n > 0 {
                    format!(
                        " (n_t and n_c missing for {} effect{})",
                        n.effects_without_n,
                        if n.effects_without_n == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                };
                at_least_serious(
                    format!(
                        "{:.0} participants{missing} {} the optimal information size of {:.0} ({})",
                        n.participants,
                        if short { "fall short of" } else { "reach" },
                        n.needed,
                        n.source
                    ),
                    short,
                );
            }
            None => at_least_serious(
                "participants not coded (no n_t and n_c columns), so the optimal information size was not checked".into(),
                false,
            ),
        }
    }
    if let Some(dep) = &d.dependence {
        let short = dep.robust_df < t.min_robust_df;
        at_least_serious(
            format!(
                "the cluster-robust CI rests on {} df ({} {})",
                words::fixed(dep.robust_df, 1),
                if short { "fewer than" } else { "at least" },
                t.min_robust_df
            ),
            short,
        );
    }
    if d.studies < t.min_precise_studies {
        at_least_serious(
            format!(
                "only {} studies (fewer than {})",
                d.studies, t.min_precise_studies
            ),
            true,
        );
    }
    reason.push_str(match levels {
        0 => ": not serious",
        1 => ": serious",
        _ => ": very serious",
    });
    judged(Criterion::Imprecision, levels, reason)
}

fn publication_bias(d: &DomainResult, t: &Thresholds) -> Judgement {
    super::publication::with_adjusted(publication_bias_egger(d, t), d)
}

fn publication_bias_egger(d: &DomainResult, t: &Thresholds) -> Judgement {
    let c = Criterion::PublicationBias;
    let Some(b) = &d.bias else {
        let why = d.skipped.iter().find(|s| s.section == "bias").map_or_else(
            || format!("fewer than {} effects", t.min_bias_effects),
            |s| s.reason.clone(),
        );
        return not_assessed(
            c,
            format!(
                "not assessed: {why}; small-study tests have too little power with fewer than {} effects",
                t.min_bias_effects
            ),
        );
    };
    // Dependent effects: the Egger sandwich test (CHE + CR2), not Egger's test of
    // independent effects.
    if let Some(slope) = d
        .small_study_dependent
        .as_ref()
        .and_then(|r| r.coefficients.get(1))
    {
        let pv = slope.est.p_value;
        let serious = pv < t.publication_bias_p;
        return judged(
            c,
            u32::from(serious),
            format!(
                "Egger sandwich test for dependent effects (CHE model with the standard error as moderator, CR2 on {:.1} df) p = {pv:.3} ({} {:.2}; {} effects): {}",
                slope.df.unwrap_or(f64::NAN),
                if serious { "below" } else { "not below" },
                t.publication_bias_p,
                b.k,
                if serious {
                    "serious (small-study effects)"
                } else {
                    "not serious"
                }
            ),
        );
    }
    let pv = b.egger.p_value;
    let serious = pv < t.publication_bias_p;
    judged(
        c,
        u32::from(serious),
        format!(
            "Egger's regression test p = {pv:.3} ({} {:.2}; {} effects): {}",
            if serious { "below" } else { "not below" },
            t.publication_bias_p,
            b.k,
            if serious {
                "serious (small-study effects)"
            } else {
                "not detected"
            }
        ),
    )
}

fn indirectness(rows: &RowData, p: &Fit, t: &Thresholds) -> Judgement {
    let c = Criterion::Indirectness;
    let Some(ind) = &rows.indirect else {
        return not_assessed(
            c,
            "not assessed: no indirect column (population, intervention or outcome not flagged as indirect)".into(),
        );
    };
    let h = share(p, |i| ind[i] == Some(true));
    let serious = h > t.indirect_share;
    judged(
        c,
        u32::from(serious),
        format!(
            "effects flagged indirect carry {} of the weight ({} {}): {}",
            pct(h),
            if serious {
                "more than"
            } else {
                "not more than"
            },
            pct(t.indirect_share),
            if serious { "serious" } else { "not serious" }
        ),
    )
}
