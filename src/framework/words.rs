//! The plain-language sentences of `evaluate`: what the numbers mean, the summary of each
//! domain and its caveats. The wording is symmetric above and below the null: "improved" ↔
//! "worsened", "may have improved" ↔ "may have worsened", and "did not clearly change" only at
//! the null itself.

use super::grade::Certainty;
use super::records::StudyEffect;
use super::scale::Orientation;
use crate::diag::BiasResult;
use crate::effect::Measure;
use crate::model::Summary;

/// `x` with `decimals` decimals, never a negative zero ("−0.00" reads "0.00", "−0" reads "0").
///
/// # Examples
///
/// ```
/// use peerstat::framework::words::fixed;
/// assert_eq!(fixed(-0.004, 2), "0.00");
/// assert_eq!(fixed(-0.4, 0), "0");
/// assert_eq!(fixed(-0.006, 2), "-0.01");
/// ```
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// The displayed value: odds ratios and rate ratios exponentiated.
fn show(measure: Measure, x: f64) -> f64 {
    if measure.is_log_scale() {
        x.exp()
    } else {
        x
    }
}

fn symbol(measure: Measure) -> &'static str {
    match measure {
        Measure::Or => "OR",
        Measure::Irr => "IRR",
        _ => "g",
    }
}

/// What the numbers of a domain mean: the scale and which side favours peer support.
pub(crate) fn meaning(measure: Measure, o: Orientation) -> String {
    let or = measure.is_log_scale();
    let (above, below) = if or {
        ("values above 1", "values below 1")
    } else {
        ("positive values", "negative values")
    };
    let scale = if measure == Measure::Irr {
        "A rate ratio is the rate of events (per person-time) with peer support divided by the rate without it (1 = no difference)"
    } else if or {
        "An odds ratio is the odds of the outcome with peer support divided by the odds without it (1 = no difference)"
    } else {
        "g is the difference between groups in standard deviations (0 = no difference; positive = higher with peer support)"
    };
    match o {
        Orientation::HigherIsBetter => {
            format!("{scale}. Higher is better for these outcomes, so {above} favour peer support.")
        }
        Orientation::LowerIsBetter => format!(
            "{scale}. Lower is better for these outcomes (for example fewer admissions or lower symptom scores), so {below} favour peer support."
        ),
        Orientation::PositiveIsBenefit { reversed } => format!(
            "{scale}. These outcomes mix directions: {reversed} effect{} where lower is better {} reversed so that {above} favour peer support throughout.",
            if reversed == 1 { "" } else { "s" },
            if reversed == 1 { "was" } else { "were" }
        ),
    }
}

/// Which way an estimate and interval point: improved / worsened / may have … / no change.
/// Values on the analysis scale (log odds ratios), where no effect is 0.
fn verb(o: Orientation, est: f64, lo: f64, hi: f64) -> &'static str {
    let good = |x: f64| x * o.benefit_sign();
    let (glo, ghi) = (good(lo).min(good(hi)), good(lo).max(good(hi)));
    if glo > 0.0 {
        "improved"
    } else if ghi < 0.0 {
        "worsened"
    } else if good(est) > 0.0 {
        "may have improved (the confidence interval includes no effect and worsening)"
    } else if good(est) < 0.0 {
        "may have worsened (the confidence interval includes no effect and improvement)"
    } else {
        "did not clearly change"
    }
}

/// The summary of a pooled domain (values on the analysis scale in `s`), saying what it means
/// with the domain's GRADE `statement` ([`statement`]) once the certainty is rated.
pub(crate) fn plain(
    studies: usize,
    measure: Measure,
    s: &Summary,
    level: f64,
    tau2_zero_below: usize,
    statement: Option<&str>,
) -> String {
    let f = |x: f64| show(measure, x);
    let name = symbol(measure);
    let said = statement.map_or_else(String::new, |st| format!(", {}", clause(st)));
    let pi = if s.pi_lower.is_finite() {
        let caveat = if s.tau2 <= 0.0 && studies < tau2_zero_below {
            format!(
                " (τ² = 0 from only {studies} studies: heterogeneity cannot be ruled out, so this range may be too narrow)"
            )
        } else {
            String::new()
        };
        format!(
            "; in a new setting the effect could plausibly range from {} to {}{caveat}",
            fixed(f(s.pi_lower), 2),
            fixed(f(s.pi_upper), 2)
        )
    } else {
        String::new()
    };
    format!(
        "Across {studies} trial{} ({} effect{}){said}: {name} = {}, {level}% CI {} to {}{pi}.",
        if studies == 1 { "" } else { "s" },
        s.k,
        if s.k == 1 { "" } else { "s" },
        fixed(f(s.estimate), 2),
        fixed(f(s.ci_lower), 2),
        fixed(f(s.ci_upper), 2)
    )
}

/// The summary of a domain with too few studies to pool: the study's effects, as they are.
pub(crate) fn unpooled(
    domain: &str,
    measure: Measure,
    o: Orientation,
    effects: &[StudyEffect],
    level: f64,
) -> String {
    let f = |x: f64| show(measure, x);
    let name = symbol(measure);
    let mut studies: Vec<&str> = effects.iter().map(|e| e.study.as_str()).collect();
    studies.dedup();
    let each: Vec<String> = effects
        .iter()
        .map(|e| {
            format!(
                "{name} = {:.2}, {level}% CI {:.2} to {:.2} ({})",
                f(e.yi),
                f(e.ci_lower),
                f(e.ci_upper),
                verb(o, e.yi, e.ci_lower, e.ci_upper)
            )
        })
        .collect();
    format!(
        "Only {} trial{} measured {domain} ({}), so nothing is pooled: {}.",
        studies.len(),
        if studies.len() == 1 { "" } else { "s" },
        studies.join(", "),
        each.join("; ")
    )
}

/// What the caveats of a pooled domain depend on.
pub(crate) struct CaveatInput<'a> {
    pub k: usize,
    pub studies: usize,
    pub summary: &'a Summary,
    pub bias: Option<&'a BiasResult>,
    /// Effects at high risk of bias (`None`: not coded).
    pub high_risk: Option<usize>,
    pub simulated: bool,
    pub small_k: Option<&'a str>,
    pub tau2_zero_below: usize,
}

/// The caveats of a pooled domain.
pub(crate) fn caveats(c: &CaveatInput<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(w) = c.small_k {
        out.push(w.to_string());
    } else if c.studies < 5 {
        out.push(format!(
            "few studies ({}): estimates are imprecise and heterogeneity is poorly estimated",
            c.studies
        ));
    }
    let s = c.summary;
    if s.tau2 <= 0.0 && c.studies < c.tau2_zero_below {
        out.push(format!(
            "τ² estimated as 0 from {} studies (fewer than {}): heterogeneity cannot be ruled out; the prediction interval equals the confidence interval only because of that",
            c.studies, c.tau2_zero_below
        ));
    }
    if s.i2 > 50.0 {
        out.push(format!(
            "high heterogeneity (I² = {:.0}%): effects vary between settings",
            s.i2
        ));
    }
    match c.high_risk {
        Some(h) if h * 2 > c.k => out.push("mostly high risk of bias".into()),
        None => out.push("risk of bias not coded".into()),
        _ => {}
    }
    if let Some(b) = c.bias {
        if b.egger.p_value < 0.1 {
            out.push(format!(
                "possible small-study effects (Egger p = {:.3})",
                b.egger.p_value
            ));
        }
    }
    if c.simulated {
        out.push("SIMULATED demonstration data".into());
    }
    out
}

/// The sentence on dependent effects: how they were pooled and how much the assumed
/// correlation matters.
pub(crate) fn dependence(dep: &super::dependence::Dependence, measure: Measure) -> String {
    let f = |x: f64| show(measure, x);
    let (lo, hi) = dep
        .rho_sweep
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(f(p.estimate)), hi.max(f(p.estimate)))
        });
    let guard = if dep.few_df_guard {
        " — fewer than 4 df, so cluster-robust inference is unreliable and the larger of the robust and model-based standard errors was used"
    } else {
        ""
    };
    let (lo, hi) = (fixed(lo, 2), fixed(hi, 2));
    let sweep = if lo == hi {
        format!("with the correlation from 0.2 to 0.8 the estimate does not change ({lo} to two decimals)")
    } else {
        format!("with the correlation from 0.2 to 0.8 the estimate ranges from {lo} to {hi}")
    };
    format!(
        " The {} studies contribute {} effects, so they were pooled as dependent effects (CHE model, sampling correlation {} assumed within a study; cluster-robust CI on {:.1} df{guard}); {sweep}.",
        dep.studies, dep.effects, dep.rho, dep.robust_df
    )
}

/// What a GRADE informative statement depends on.
pub(crate) struct StatementInput<'a> {
    /// The outcome domain.
    pub domain: &'a str,
    /// The outcome's name when the domain measures one outcome (the `outcome` column).
    pub outcome: Option<&'a str>,
    pub orientation: Orientation,
    pub measure: Measure,
    /// `None`: not rated (not pooled).
    pub certainty: Option<Certainty>,
    /// The pooled estimate (analysis scale).
    pub estimate: f64,
    /// Below this distance from no effect (analysis scale) the effect is trivial: the minimal
    /// important difference, else an SMD of 0.2 (0 for ratios, which have no convention).
    pub trivial: f64,
}

/// The verbs of a statement: (base, third person, noun of a large effect).
type Verb = (&'static str, &'static str, &'static str);

const INCREASE: Verb = ("increase", "increases", "increase");
const REDUCE: Verb = ("reduce", "reduces", "reduction");
const IMPROVE: Verb = ("improve", "improves", "improvement");
const WORSEN: Verb = ("worsen", "worsens", "worsening");

/// The GRADE informative statement of a domain (Santesso et al. 2020, GRADE guidelines 26), the
/// one wording of the summary of findings, the domain summaries (HTML) and the command line.
/// Its hedge follows the certainty (high: "reduces", moderate: "probably reduces", low: "may
/// reduce", very low: "the evidence is very uncertain about the effect of peer support on …");
/// an estimate within `trivial` of no effect "results in little to no difference in"; for SMDs,
/// below 0.5 "… slightly" and from 0.8 "results in a large reduction in" (Cohen's sizes).
/// The verb follows the outcome's direction: a single named outcome "increases" or "reduces"
/// (fewer admissions: "reduces admissions"); a domain of several outcomes where higher is
/// better "improves" or "worsens", where lower is better "reduces" or "increases"; a domain
/// mixing directions (effects reversed) "improves" or "worsens".
pub(crate) fn statement(i: &StatementInput<'_>) -> String {
    let Some(c) = i.certainty else {
        return format!(
            "Too few studies to pool: the effect of peer support on {} is not summarised.",
            i.domain
        );
    };
    let name = i.outcome.unwrap_or(i.domain);
    if c == Certainty::VeryLow {
        return format!(
            "The evidence is very uncertain about the effect of peer support on {name}."
        );
    }
    let up = i.estimate > 0.0;
    let verb = match (i.orientation, i.outcome) {
        (Orientation::PositiveIsBenefit { .. }, _) => {
            if up {
                IMPROVE
            } else {
                WORSEN
            }
        }
        (_, Some(_)) | (Orientation::LowerIsBetter, None) => {
            if up {
                INCREASE
            } else {
                REDUCE
            }
        }
        (Orientation::HigherIsBetter, None) => {
            if up {
                IMPROVE
            } else {
                WORSEN
            }
        }
    };
    let (hedge, third) = match c {
        Certainty::High => ("", true),
        Certainty::Moderate => ("probably ", true),
        _ => ("may ", false),
    };
    let form = |v: Verb| if third { v.1 } else { v.0 };
    let result = if third { "results" } else { "result" };
    let a = i.estimate.abs();
    let smd = !i.measure.is_log_scale();
    let rest = if a < i.trivial {
        format!("{result} in little to no difference in {name}")
    } else if smd && a >= 0.8 {
        format!("{result} in a large {} in {name}", verb.2)
    } else if smd && a < 0.5 {
        format!("{} {name} slightly", form(verb))
    } else {
        format!("{} {name}", form(verb))
    };
    format!("Peer support {hedge}{rest}.")
}

/// A statement as a clause inside a sentence: first letter lower case, no full stop.
pub(crate) fn clause(statement: &str) -> String {
    let s = statement.trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An SMD in words by Cohen's convention (0.2 small, 0.5 moderate, 0.8 large; below 0.2
/// trivial), with the side it favours.
pub(crate) fn smd_in_words(g: f64, o: Orientation) -> String {
    let a = g.abs();
    let size = if a < 0.2 {
        "a trivial"
    } else if a < 0.5 {
        "a small"
    } else if a < 0.8 {
        "a moderate"
    } else {
        "a large"
    };
    let side = if g * o.benefit_sign() > 0.0 {
        "favouring peer support"
    } else if g == 0.0 {
        "favouring neither side"
    } else {
        "favouring the comparison"
    };
    format!("{size} difference ({g:.2} SD) {side}, by Cohen's convention (a rule of thumb)")
}
