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

/// The summary of a pooled domain (values on the analysis scale in `s`).
pub(crate) fn plain(
    domain: &str,
    studies: usize,
    measure: Measure,
    o: Orientation,
    s: &Summary,
    level: f64,
    tau2_zero_below: usize,
) -> String {
    let f = |x: f64| show(measure, x);
    let name = symbol(measure);
    let v = verb(o, s.estimate, s.ci_lower, s.ci_upper);
    let pi = if s.pi_lower.is_finite() {
        let caveat = if s.tau2 <= 0.0 && studies < tau2_zero_below {
            format!(
                " (τ² = 0 from only {studies} studies: heterogeneity cannot be ruled out, so this range may be too narrow)"
            )
        } else {
            String::new()
        };
        format!(
            "; in a new setting the effect could plausibly range from {:.2} to {:.2}{caveat}",
            f(s.pi_lower),
            f(s.pi_upper)
        )
    } else {
        String::new()
    };
    format!(
        "Across {studies} trial{} ({} effect{}), peer support {v} {domain}: {name} = {:.2}, {level}% CI {:.2} to {:.2}{pi}.",
        if studies == 1 { "" } else { "s" },
        s.k,
        if s.k == 1 { "" } else { "s" },
        f(s.estimate),
        f(s.ci_lower),
        f(s.ci_upper)
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
    format!(
        " The {} studies contribute {} effects, so they were pooled as dependent effects (CHE model, sampling correlation {} assumed within a study; cluster-robust CI on {:.1} df{guard}); with the correlation from 0.2 to 0.8 the estimate ranges from {lo:.2} to {hi:.2}.",
        dep.studies, dep.effects, dep.rho, dep.robust_df
    )
}

/// The summary-of-findings statement of a domain: its strength follows the certainty ("improves"
/// high, "probably improves" moderate, "may improve" low, "very uncertain" very low), and it is
/// symmetric above and below the null ("worsens" ↔ "improves"); an estimate within `trivial` of
/// no effect (analysis scale) is "little or no difference". `None`: not rated.
pub(crate) fn sof_statement(
    domain: &str,
    certainty: Option<Certainty>,
    o: Orientation,
    est: f64,
    trivial: f64,
) -> String {
    let Some(c) = certainty else {
        return format!(
            "Too few studies to pool: the effect of peer support on {domain} is not summarised."
        );
    };
    if c == Certainty::VeryLow {
        return format!(
            "The evidence is very uncertain about the effect of peer support on {domain}."
        );
    }
    let hedge = match c {
        Certainty::High => "",
        Certainty::Moderate => "probably ",
        _ => "may ",
    };
    let good = est * o.benefit_sign();
    let plain = c == Certainty::High;
    let (verb, s) = if good.abs() < trivial {
        ("result", " in little or no difference in")
    } else if good > 0.0 {
        ("improve", "")
    } else {
        ("worsen", "")
    };
    let verb = if plain || c == Certainty::Moderate {
        format!("{verb}s")
    } else {
        verb.to_string()
    };
    format!("Peer support {hedge}{verb}{s} {domain}.")
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
