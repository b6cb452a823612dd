//! The analysis of one outcome domain in `evaluate`: pooled fit, subgroups, duration
//! meta-regression, robust variance estimation, bias checks, sensitivity, plain-language summary
//! and caveats. Every section that does not run is recorded with its reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::codebook::FieldKind;
use super::records::{DomainData, Sensitivity, Skipped, StudyEffect};
use super::scale::Orientation;
use super::words;
use crate::diag::BiasResult;
use crate::effect::EffectSizes;
use crate::error::Result;
use crate::model::regression::MetaRegression;
use crate::model::rve::RveFit;
use crate::model::subgroup::{subgroups, SubgroupAnalysis};
use crate::model::{Fit, RegressionKeys};

/// Results for one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainResult {
    /// Outcome domain.
    pub domain: String,
    /// Distinct studies.
    pub studies: usize,
    /// The effect measure (SMD, or OR shown as odds ratios).
    pub measure: crate::effect::Measure,
    /// How effects were put on one scale.
    pub scale_note: String,
    /// The orientation of the effects (natural, or reversed to positive-is-benefit).
    #[serde(flatten)]
    pub orientation: Orientation,
    /// What the numbers mean, in words (direction and scale).
    pub meaning: String,
    /// The effects analysed.
    pub effects: Vec<StudyEffect>,
    /// Pooled fit: REML + Knapp–Hartung with one effect per study; the CHE model with CR2
    /// inference when a study contributes several effects (see `dependence`); `None` when too
    /// few studies to pool (the effects are shown instead).
    pub pooled: Option<Fit>,
    /// How dependent effects were pooled (CHE + CR2, with the ρ sweep), when a study
    /// contributes several effects.
    pub dependence: Option<super::dependence::Dependence>,
    /// True when the pooled fit used the ad hoc Knapp–Hartung correction (very few studies).
    pub adhoc_knha: bool,
    /// A warning about the number of studies, when it is small.
    pub small_k_warning: Option<String>,
    /// Subgroup analyses by codebook columns.
    pub subgroups: Vec<SubgroupAnalysis>,
    /// Holm-adjusted p-value of each subgroup test, the family being every test for subgroup
    /// differences in the evaluation (exploratory analyses; one per entry of `subgroups`).
    pub subgroup_p_holm: Vec<f64>,
    /// Meta-regression on `duration_months`.
    pub duration: Option<RegressionKeys>,
    /// Robust variance estimation when studies contribute several effects.
    pub rve: Option<RveFit>,
    /// Bias checks (k ≥ 10).
    pub bias: Option<BiasResult>,
    /// With dependent effects (and bias checks run): the Egger sandwich test — the CHE model
    /// with the standard error as moderator and CR2 inference (Rodgers & Pustejovsky 2021);
    /// its slope is the small-study effect.
    pub small_study_dependent: Option<crate::model::RegressionKeys>,
    /// Which forms of peer support work best: a network meta-analysis over the coded forms
    /// (`support_type`) against their comparators, when at least three are connected.
    pub forms: Option<super::forms::FormsAnalysis>,
    /// Which elements of peer support matter: a component network meta-analysis over the coded
    /// elements against usual care (exploratory).
    pub elements: Option<super::elements::ElementsAnalysis>,
    /// Sensitivity analyses.
    pub sensitivity: Sensitivity,
    /// Plain-language summary.
    pub summary: String,
    /// Caveats that apply.
    pub caveats: Vec<String>,
    /// Forest plot file name (the report draws it from `pooled`; none when not pooled).
    pub forest: Option<String>,
    /// Funnel plot file name (k ≥ 10; drawn from `pooled` and `bias`).
    pub funnel: Option<String>,
    /// Sections not run for this domain, with the reason.
    pub skipped: Vec<Skipped>,
    /// The Bayesian result with an evidence-based prior for τ, for a pooled domain with few
    /// studies or few robust df (issue #26 §4).
    pub bayes: Option<super::bayes_domain::DomainBayes>,
    /// The selection model and PET-PEESE beside the bias checks (issue #26 §2).
    pub bias_adjusted: Option<super::bias_domain::AdjustedBias>,
    /// Does heterogeneity differ by form of support? (exploratory location-scale model).
    pub heterogeneity_by_form: Option<super::form_heterogeneity::FormHeterogeneity>,
}

/// One domain to analyse.
pub(crate) struct DomainInput<'a> {
    /// The outcome domain.
    pub name: &'a str,
    /// 1-based; names the domain's plot files.
    pub number: usize,
    /// The effects against usual care (rows of the table).
    pub es: &'a EffectSizes,
    /// How the effects were put on one scale.
    pub scale_note: String,
    /// The orientation of `es`.
    pub orientation: Orientation,
    /// Every effect, head-to-head trials included, with its orientation: the network of forms
    /// reads these.
    pub forms: (&'a EffectSizes, Orientation),
}

/// What a domain shows whether or not it is pooled.
struct Shown {
    /// Distinct studies.
    studies: usize,
    /// The effects, with normal confidence limits.
    effects: Vec<StudyEffect>,
    /// What the numbers mean, in words.
    meaning: String,
}

/// The pooled fit of a domain.
struct Pooled {
    fit: Fit,
    /// How dependent effects were pooled, when a study contributes several.
    dependence: Option<super::dependence::Dependence>,
    /// Whether the ad hoc Knapp–Hartung correction was used.
    adhoc: bool,
    small_k_warning: Option<String>,
}

/// The analyses built on a domain's pooled effect.
struct Checks {
    subgroups: Vec<SubgroupAnalysis>,
    duration: Option<RegressionKeys>,
    rve: Option<RveFit>,
    bias: Option<BiasResult>,
    small_study_dependent: Option<RegressionKeys>,
    sensitivity: Sensitivity,
    forms: Option<super::forms::FormsAnalysis>,
    elements: Option<super::elements::ElementsAnalysis>,
}

/// Analyses one domain: pooled when it has enough studies and its model can be fitted, else
/// its effects are shown as they are.
///
/// # Errors
/// Errors of the pooled fit of independent effects.
pub(crate) fn analyse_domain(d: &DomainData<'_>, inp: &DomainInput<'_>) -> Result<DomainResult> {
    let shown = shown(d, inp.es, inp.orientation);
    let (n_studies, es) = (shown.studies, inp.es);
    if n_studies < d.thresholds.min_studies_to_pool {
        let reason = format!(
            "{n_studies} stud{} ({} effect{}): at least {} studies are needed to pool; the effects are shown as they are",
            if n_studies == 1 { "y" } else { "ies" },
            es.k(),
            if es.k() == 1 { "" } else { "s" },
            d.thresholds.min_studies_to_pool
        );
        let short = format!(
            "only {n_studies} stud{}: not pooled",
            if n_studies == 1 { "y" } else { "ies" }
        );
        return Ok(unpooled(d, inp, shown, (reason, short)));
    }
    let pooled = match pool(d, es, n_studies)? {
        Ok(p) => p,
        Err(reason) => {
            let short = "not pooled: the model for dependent effects could not be fitted";
            return Ok(unpooled(d, inp, shown, (reason, short.into())));
        }
    };
    let mut skipped = Vec::new();
    let checks = checks(d, inp, n_studies, &mut skipped);
    let caveats = caveats(d, es, n_studies, &pooled, &checks);
    let mut r = pooled_result(d, inp, shown, pooled, checks, caveats, skipped);
    let few = super::smallk::analyse(
        d,
        &super::smallk::SmallKInput {
            domain: (inp.name, inp.orientation),
            es: inp.es,
            studies: r.studies,
            estimate: r.pooled.as_ref().map_or(f64::NAN, |p| p.summary.estimate),
            robust_df: r.dependence.as_ref().map(|dep| dep.robust_df),
            bias_ran: r.bias.is_some(),
        },
    );
    r.bayes = few.bayes;
    r.bias_adjusted = few.bias_adjusted;
    r.heterogeneity_by_form = few.heterogeneity_by_form;
    r.caveats.extend(few.caveat);
    r.skipped.extend(few.skipped);
    Ok(r)
}

/// The distinct studies, the effects with their confidence limits, and their meaning.
fn shown(d: &DomainData<'_>, es: &EffectSizes, orientation: Orientation) -> Shown {
    let rows = es.rows();
    let mut distinct: Vec<&String> = rows.iter().map(|&i| &d.study_ids[i]).collect();
    distinct.sort();
    distinct.dedup();
    let z = crate::dist::norm_quantile(1.0 - (1.0 - d.level / 100.0) / 2.0);
    let effects: Vec<StudyEffect> = (0..es.k())
        .map(|j| {
            let (y, se) = (es.yi()[j], es.vi()[j].sqrt());
            StudyEffect {
                row: rows[j] + 1,
                study: es.study()[j].clone(),
                yi: y,
                ci_lower: y - z * se,
                ci_upper: y + z * se,
            }
        })
        .collect();
    Shown {
        studies: distinct.len(),
        effects,
        meaning: words::meaning(es.measure(), orientation),
    }
}

/// The result of a domain that is not pooled: its effects, why (`reason`), and the short
/// warning.
fn unpooled(
    d: &DomainData<'_>,
    inp: &DomainInput<'_>,
    shown: Shown,
    (reason, short): (String, String),
) -> DomainResult {
    let skipped = vec![Skipped::new(
        "pooled effect and every analysis built on it",
        reason,
    )];
    let mut caveats = vec![short.clone()];
    if d.simulated {
        caveats.push("SIMULATED demonstration data".into());
    }
    let measure = inp.es.measure();
    DomainResult {
        domain: inp.name.to_string(),
        studies: shown.studies,
        measure,
        scale_note: inp.scale_note.clone(),
        orientation: inp.orientation,
        summary: words::unpooled(inp.name, measure, inp.orientation, &shown.effects, d.level),
        meaning: shown.meaning,
        effects: shown.effects,
        pooled: None,
        dependence: None,
        adhoc_knha: false,
        small_k_warning: Some(short),
        subgroups: Vec::new(),
        subgroup_p_holm: Vec::new(),
        duration: None,
        rve: None,
        bias: None,
        small_study_dependent: None,
        forms: None,
        elements: None,
        sensitivity: Sensitivity {
            low_risk_only: None,
            leave_one_out_range: None,
        },
        caveats,
        forest: None,
        funnel: None,
        skipped,
        bayes: None,
        bias_adjusted: None,
        heterogeneity_by_form: None,
    }
}

/// Pools a domain of `n_studies` studies: several effects from one study, the CHE model with
/// CR2 inference (never pooled as if independent); else REML + Knapp–Hartung, ad hoc for very
/// few studies. `Ok(Err(reason))` when the CHE model could not be fitted.
///
/// # Errors
/// Errors of the fit of independent effects.
fn pool(
    d: &DomainData<'_>,
    es: &EffectSizes,
    n_studies: usize,
) -> Result<std::result::Result<Pooled, String>> {
    let dependent = es.k() > n_studies;
    let mut dependence = None;
    let mut che_fit = None;
    if dependent {
        let study: Vec<String> = es.rows().iter().map(|&i| d.study_ids[i].clone()).collect();
        let data = super::dependence::DependentData {
            yi: es.yi(),
            vi: es.vi(),
            study: &study,
            rows: es.rows(),
            measure: es.measure(),
        };
        match super::dependence::pool_dependent(&data, d.model, d.rho, d.level) {
            Ok((f, dep)) => {
                che_fit = Some(f);
                dependence = Some(dep);
            }
            Err(e) => {
                return Ok(Err(format!(
                    "{n_studies} studies contribute {} effects, so they must be pooled as dependent (CHE model with cluster-robust inference), and that model could not be fitted: {e}",
                    es.k()
                )));
            }
        }
    }
    let adhoc = !dependent && n_studies <= d.thresholds.adhoc_max_studies;
    let fit = match che_fit {
        Some(f) => f,
        None => d.model.knha_adhoc(adhoc).fit(es)?,
    };
    let small_k_warning = adhoc.then(|| {
        format!(
            "only {n_studies} studies: the pooled estimate is fragile and heterogeneity cannot be estimated reliably; Knapp–Hartung with the ad hoc correction (standard error never below the Wald standard error) was used"
        )
    });
    Ok(Ok(Pooled {
        fit,
        dependence,
        adhoc,
        small_k_warning,
    }))
}

/// The analyses built on the pooled effect, in report order, each recording in `skipped` why
/// it did not run.
fn checks(
    d: &DomainData<'_>,
    inp: &DomainInput<'_>,
    n_studies: usize,
    skipped: &mut Vec<Skipped>,
) -> Checks {
    let es = inp.es;
    let dependent = es.k() > n_studies;
    let subgroups = domain_subgroups(d, es, dependent, skipped);
    let duration = duration(d, es, dependent, skipped);
    let rve = super::domain_checks::rve(d, es, n_studies, skipped);
    let bias = super::domain_checks::bias(d, es, skipped);
    let small_study_dependent = (dependent && bias.is_some())
        .then(|| egger_sandwich(d, es, skipped))
        .flatten();
    let sensitivity = super::domain_checks::sensitivity(d, es, dependent, skipped);
    // The network of forms reads every effect, head-to-head trials included.
    let (forms_es, forms_orientation) = inp.forms;
    let forms = super::forms::analyse(
        d,
        forms_es,
        forms_orientation == Orientation::LowerIsBetter,
        skipped,
    );
    let elements = super::elements::analyse(
        &super::elements::ElementInput {
            table: d.table,
            study_ids: d.study_ids,
            rows: es.rows(),
            yi: es.yi(),
            vi: es.vi(),
            rho: d.rho,
            level: d.level,
            small_values_good: inp.orientation == Orientation::LowerIsBetter,
            fields: d.elements,
        },
        skipped,
    );
    let head_to_head = forms_es.k() - es.k();
    if head_to_head > 0 {
        skipped.push(Skipped::new(
            "head-to-head effects in the pooled effect",
            format!(
                "{head_to_head} effect(s) compare two forms of peer support (a comparator other than usual care): they are used in the network of forms only, not in the pooled effect of peer support against usual care"
            ),
        ));
    }
    Checks {
        subgroups,
        duration,
        rve,
        bias,
        small_study_dependent,
        sensitivity,
        forms,
        elements,
    }
}

/// The Egger sandwich test of dependent effects: the CHE model with the standard error as
/// moderator and CR2 inference.
fn egger_sandwich(
    d: &DomainData<'_>,
    es: &EffectSizes,
    skipped: &mut Vec<Skipped>,
) -> Option<RegressionKeys> {
    let study: Vec<String> = es.rows().iter().map(|&i| d.study_ids[i].clone()).collect();
    let sei: Vec<f64> = es.vi().iter().map(|v| v.sqrt()).collect();
    super::dependent_subgroups::dependent_regression(es, "sei", &sei, &study, d.rho, d.level)
        .map_err(|e| {
            skipped.push(Skipped::new(
                "Egger sandwich test (dependent effects)",
                e.to_string(),
            ))
        })
        .ok()
}

/// The caveats of a pooled domain.
fn caveats(
    d: &DomainData<'_>,
    es: &EffectSizes,
    n_studies: usize,
    pooled: &Pooled,
    checks: &Checks,
) -> Vec<String> {
    let high_risk = d.risk_of_bias.as_ref().map(|r| {
        es.rows()
            .iter()
            .filter(|&&i| r[i].as_deref() == Some("high"))
            .count()
    });
    let mut caveats = words::caveats(&words::CaveatInput {
        k: es.k(),
        studies: n_studies,
        summary: &pooled.fit.summary,
        bias: checks.bias.as_ref(),
        high_risk,
        simulated: d.simulated,
        small_k: pooled.small_k_warning.as_deref(),
        tau2_zero_below: d.thresholds.tau2_zero_caveat_below,
    });
    if es.k() > n_studies && checks.bias.is_some() {
        caveats.push(format!(
            "Egger's and Begg's tests and trim-and-fill treat the {} effects of {n_studies} studies as independent{}",
            es.k(),
            checks
                .small_study_dependent
                .as_ref()
                .and_then(|r| r.coefficients.get(1))
                .map(|c| format!(
                    "; the dependence-aware Egger sandwich test (CHE + CR2) gives p = {:.3}",
                    c.est.p_value
                ))
                .unwrap_or_default()
        ));
    }
    caveats
}

/// The result of a pooled domain.
fn pooled_result(
    d: &DomainData<'_>,
    inp: &DomainInput<'_>,
    shown: Shown,
    pooled: Pooled,
    checks: Checks,
    caveats: Vec<String>,
    skipped: Vec<Skipped>,
) -> DomainResult {
    let (name, measure, orientation) = (inp.name, inp.es.measure(), inp.orientation);
    let summary = words::plain(
        shown.studies,
        measure,
        &pooled.fit.summary,
        d.level,
        d.thresholds.tau2_zero_caveat_below,
        None,
    ) + &pooled
        .dependence
        .as_ref()
        .map(|dep| words::dependence(dep, measure))
        .unwrap_or_default();
    let number = inp.number;
    DomainResult {
        domain: name.to_string(),
        studies: shown.studies,
        measure,
        scale_note: inp.scale_note.clone(),
        orientation,
        meaning: shown.meaning,
        effects: shown.effects,
        summary,
        pooled: Some(pooled.fit),
        dependence: pooled.dependence,
        adhoc_knha: pooled.adhoc,
        small_k_warning: pooled.small_k_warning,
        subgroup_p_holm: Vec::new(),
        subgroups: checks.subgroups,
        duration: checks.duration,
        rve: checks.rve,
        funnel: checks.bias.as_ref().map(|_| format!("funnel_{number}.svg")),
        bias: checks.bias,
        small_study_dependent: checks.small_study_dependent,
        forms: checks.forms,
        elements: checks.elements,
        sensitivity: checks.sensitivity,
        caveats,
        forest: Some(format!("forest_{number}.svg")),
        skipped,
        bayes: None,
        bias_adjusted: None,
        heterogeneity_by_form: None,
    }
}

/// Subgroups by codebook categories with ≥ 2 levels of ≥ 2 distinct studies; with several
/// effects per study, the CHE model and the CR2 HTZ test
/// ([`dependent_subgroups`](super::dependent_subgroups::dependent_subgroups)).
fn domain_subgroups(
    d: &DomainData<'_>,
    es: &EffectSizes,
    dependent: bool,
    skipped: &mut Vec<Skipped>,
) -> Vec<SubgroupAnalysis> {
    let mut out = Vec::new();
    let mut absent = Vec::new();
    let min = d.thresholds.min_level_studies;
    for f in &d.codebook.fields {
        if !matches!(f.kind, FieldKind::Category { .. })
            || f.name == "outcome_domain"
            || !f.moderator
        {
            continue;
        }
        if !d.table.has(&f.name) {
            absent.push(f.name.as_str());
            continue;
        }
        let vals = d.table.texts(&f.name);
        let mut counts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for &i in es.rows() {
            if let Some(v) = vals[i].as_deref() {
                counts.entry(v).or_default().insert(d.study_ids[i].as_str());
            }
        }
        let section = format!("subgroups by {}", f.name);
        let eligible = counts.values().filter(|c| c.len() >= min).count();
        if eligible < 2 {
            skipped.push(Skipped::new(
                section,
                format!(
                    "{eligible} level(s) with at least {min} studies; 2 such levels are needed"
                ),
            ));
            continue;
        }
        let small: Vec<String> = counts
            .iter()
            .filter(|(_, c)| c.len() < min)
            .map(|(l, c)| format!("{l} ({})", c.len()))
            .collect();
        let keep: Vec<usize> = (0..es.k())
            .filter(|&j| {
                vals[es.rows()[j]]
                    .as_deref()
                    .is_some_and(|v| counts.get(v).is_some_and(|c| c.len() >= min))
            })
            .collect();
        if !small.is_empty() {
            skipped.push(Skipped::new(
                format!("{section}: levels with fewer than {min} studies"),
                format!("not tested: {}", small.join(", ")),
            ));
        }
        let sub = es.subset(&keep);
        let fitted = if dependent {
            let labels: Vec<Option<String>> = sub.rows().iter().map(|&r| vals[r].clone()).collect();
            let study: Vec<String> = sub.rows().iter().map(|&r| d.study_ids[r].clone()).collect();
            super::dependent_subgroups::dependent_subgroups(
                &super::dependent_subgroups::SubgroupInput {
                    es: &sub,
                    by: &f.name,
                    labels: &labels,
                    study: &study,
                    base: d.model,
                    rho: d.rho,
                    level: d.level,
                },
            )
        } else {
            subgroups(d.table, &sub, &f.name, &d.model, false)
        };
        match fitted {
            Ok(sg) => out.push(sg),
            Err(e) => skipped.push(Skipped::new(section, e.to_string())),
        }
    }
    if !absent.is_empty() {
        skipped.push(Skipped::new(
            format!("subgroups by {}", absent.join(", ")),
            "not coded in these data (no such column)",
        ));
    }
    out
}

fn duration(
    d: &DomainData<'_>,
    es: &EffectSizes,
    dependent: bool,
    skipped: &mut Vec<Skipped>,
) -> Option<RegressionKeys> {
    let section = "meta-regression on duration_months";
    if !d.table.has("duration_months") {
        skipped.push(Skipped::new(section, "no duration_months column"));
        return None;
    }
    let min = d.thresholds.min_regression_effects;
    if es.k() < min {
        skipped.push(Skipped::new(
            section,
            format!("fewer than {min} effects (k = {})", es.k()),
        ));
        return None;
    }
    if dependent {
        return super::dependent_subgroups::dependent_duration(d, es, section, skipped);
    }
    match MetaRegression::new(d.model).fit_table(
        d.table,
        es,
        &["duration_months".to_string()],
        None,
    ) {
        Ok(m) => Some(RegressionKeys::new(&m.regression, None)),
        Err(e) => {
            skipped.push(Skipped::new(section, e.to_string()));
            None
        }
    }
}
