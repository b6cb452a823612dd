//! "Which elements of peer support matter?": a component network meta-analysis (the additive
//! model of Rücker et al. 2020, netmeta's `netcomb`) over the coded elements of each trial's
//! peer support arm against usual care.
//!
//! Each peer support arm is the combination of its levels of the element fields (by default
//! `provider`, `mode` and `group_size`). Within a field the levels of an arm always sum to one,
//! so a level's own effect cannot be told apart from peer support's: each field gets a
//! reference level (its most frequent level in the domain) and the components are
//! * `peer support`: the effect of peer support with every field at its reference level;
//! * `field: level`: what that level adds compared with the field's reference level.
//!
//! The additive model is checked against the network of the combinations themselves (`Q_diff`).
//! One contrast per study and combination: several effects of one study are combined first, as
//! in [`super::forms`]. Head-to-head trials are not used (the comparator arm's elements are not
//! coded).

use serde::Serialize;

use super::forms::{combine, USUAL_CARE};
use super::records::Skipped;
use crate::data::Table;
use crate::model::network::{CnmaFit, ComponentSpec, Contrast, Network};

pub use super::options::DEFAULT_ELEMENTS;

/// The component that stands for peer support with every field at its reference level.
pub const BASE: &str = "peer support";

/// The reference level of one element field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceLevel {
    /// Codebook field.
    pub field: String,
    /// Its reference level (the most frequent in the domain).
    pub level: String,
}

/// What one level of an element field adds compared with the field's reference level (or, for
/// [`BASE`], the effect of peer support with every field at its reference level).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementEffect {
    /// Codebook field (empty for [`BASE`]).
    pub field: String,
    /// Level of the field ([`BASE`] for peer support itself).
    pub level: String,
    /// The level it is compared with (the field's reference level; usual care for [`BASE`]).
    pub compared_with: String,
    /// Studies with this level (for [`BASE`], every study in the analysis).
    pub studies: usize,
    /// Random-effects estimate (`None` when it cannot be estimated).
    pub estimate: Option<f64>,
    /// Its standard error.
    pub se: Option<f64>,
    /// Lower confidence limit.
    pub ci_lower: Option<f64>,
    /// Upper confidence limit.
    pub ci_upper: Option<f64>,
    /// Why it cannot be estimated.
    pub not_estimable: Option<String>,
}

/// The component network meta-analysis of the elements of one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementsAnalysis {
    /// Element fields that vary in the domain (each gives components).
    pub fields: Vec<String>,
    /// Element fields with a single level in the domain (their effect is part of peer support's).
    pub constant_fields: Vec<ReferenceLevel>,
    /// Reference level of each varying field.
    pub reference: Vec<ReferenceLevel>,
    /// The additive component model, as `peerstat network --components-from`.
    pub fit: CnmaFit,
    /// Every element level with its effect (random effects), [`BASE`] first.
    pub effects: Vec<ElementEffect>,
    /// Element levels whose CI excludes no difference (not counting [`BASE`]).
    pub clear: Vec<String>,
    /// Whether the additive model is contradicted by the network of combinations
    /// (`q_diff_p` < 0.05); `None` when it cannot be checked.
    pub additive_doubtful: Option<bool>,
    /// How the contrasts were formed.
    pub note: String,
}

/// The data of one domain for [`analyse`].
pub(crate) struct ElementInput<'a> {
    pub table: &'a Table,
    /// Study of every table row.
    pub study_ids: &'a [String],
    /// Table row of each effect.
    pub rows: &'a [usize],
    pub yi: &'a [f64],
    pub vi: &'a [f64],
    pub rho: f64,
    pub level: f64,
    pub small_values_good: bool,
    pub fields: &'a [String],
}

/// A study and its levels of the element fields.
type Key = (String, Vec<String>);

const SECTION: &str = "which elements matter (component network meta-analysis)";

/// The effects grouped by study and combination of element levels (effect indices of each
/// group), and the number of effects without every element coded.
fn group_effects(inp: &ElementInput<'_>) -> (Vec<(Key, Vec<usize>)>, usize) {
    let values: Vec<Vec<Option<String>>> = inp.fields.iter().map(|f| inp.table.texts(f)).collect();
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    let mut uncoded = 0;
    for (j, &r) in inp.rows.iter().enumerate() {
        let levels: Option<Vec<String>> = values.iter().map(|v| v[r].clone()).collect();
        let Some(levels) = levels else {
            uncoded += 1;
            continue;
        };
        let key = (inp.study_ids[r].clone(), levels);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(j),
            None => groups.push((key, vec![j])),
        }
    }
    (groups, uncoded)
}

/// Distinct studies of the groups whose key passes `keep`.
fn studies_where(groups: &[(Key, Vec<usize>)], keep: impl Fn(&Key) -> bool) -> usize {
    groups
        .iter()
        .filter(|g| keep(&g.0))
        .map(|g| &g.0 .0)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// The element fields split into those that vary in the domain (with their reference levels)
/// and those with a single level.
struct FieldLevels {
    /// Indices (into the fields) of the varying fields.
    varying: Vec<usize>,
    /// The reference level of each varying field: its most frequent level (ties:
    /// alphabetical).
    reference: Vec<ReferenceLevel>,
    /// The fields with a single level.
    constant: Vec<ReferenceLevel>,
}

/// The reference level of each field, and which fields vary.
fn field_levels(fields: &[String], groups: &[(Key, Vec<usize>)]) -> FieldLevels {
    let mut out = FieldLevels {
        varying: Vec::new(),
        reference: Vec::new(),
        constant: Vec::new(),
    };
    for (f, field) in fields.iter().enumerate() {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for g in groups {
            let l = &g.0 .1[f];
            match counts.iter_mut().find(|c| &c.0 == l) {
                Some(c) => c.1 += 1,
                None => counts.push((l.clone(), 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let rl = ReferenceLevel {
            field: field.clone(),
            level: counts[0].0.clone(),
        };
        if counts.len() == 1 {
            out.constant.push(rl);
        } else {
            out.varying.push(f);
            out.reference.push(rl);
        }
    }
    out
}

/// One contrast against usual care per group (its effects combined), and the components of
/// each combination of levels (peer support, plus every varying field off its reference
/// level).
fn contrasts(
    inp: &ElementInput<'_>,
    groups: &[(Key, Vec<usize>)],
    fl: &FieldLevels,
) -> (Vec<Contrast>, Vec<(String, Vec<String>)>) {
    let comps = |levels: &[String]| {
        let mut c = vec![BASE.to_string()];
        for (&f, r) in fl.varying.iter().zip(&fl.reference) {
            if levels[f] != r.level {
                c.push(format!("{}: {}", inp.fields[f], levels[f]));
            }
        }
        c
    };
    let mut data = Vec::with_capacity(groups.len());
    let mut given: Vec<(String, Vec<String>)> = Vec::new();
    for ((study, levels), idx) in groups {
        let (y, v) = combine(idx, inp.yi, inp.vi, inp.rho);
        let name = levels.join(" / ");
        if !given.iter().any(|g| g.0 == name) {
            given.push((name.clone(), comps(levels)));
        }
        data.push(Contrast {
            study: format!("{study} ({name})"),
            treat1: name,
            treat2: USUAL_CARE.to_string(),
            yi: y,
            vi: v,
        });
    }
    (data, given)
}

/// The effect of peer support itself ([`BASE`], over `studies` studies), then of every
/// non-reference level of each varying field, from the component model `fit`.
fn element_effects(
    fit: &CnmaFit,
    groups: &[(Key, Vec<usize>)],
    fl: &FieldLevels,
    studies: usize,
) -> Vec<ElementEffect> {
    let mut effects = Vec::new();
    let why = |name: &str| {
        fit.not_identifiable
            .iter()
            .find(|c| c.component == name)
            .map_or_else(|| "not estimable".to_string(), |c| c.reason.clone())
    };
    let mut push = |field: &str, level: &str, compared: &str, name: &str, studies: usize| {
        let c = fit.components.iter().find(|c| c.component == name);
        effects.push(ElementEffect {
            studies,
            field: field.to_string(),
            level: level.to_string(),
            compared_with: compared.to_string(),
            estimate: c.map(|c| c.estimate),
            se: c.map(|c| c.se),
            ci_lower: c.map(|c| c.ci_lower),
            ci_upper: c.map(|c| c.ci_upper),
            not_estimable: c.is_none().then(|| why(name)),
        });
    };
    push("", BASE, USUAL_CARE, BASE, studies);
    for (&f, r) in fl.varying.iter().zip(&fl.reference) {
        let mut levels: Vec<&String> = groups.iter().map(|g| &g.0 .1[f]).collect();
        levels.sort();
        levels.dedup();
        for l in levels.into_iter().filter(|l| **l != r.level) {
            push(
                &r.field,
                l,
                &r.level,
                &format!("{}: {l}", r.field),
                studies_where(groups, |k| k.1[f] == *l),
            );
        }
    }
    effects
}

/// The component model of the contrasts `data` with the components `given`.
///
/// # Errors
/// An invalid level, or a network that cannot be fitted.
fn fit_components(
    inp: &ElementInput<'_>,
    data: &[Contrast],
    given: Vec<(String, Vec<String>)>,
) -> crate::error::Result<CnmaFit> {
    let spec = ComponentSpec::given(given).inactive(USUAL_CARE);
    let net = Network::new().level(inp.level).map(|n| {
        n.reference(USUAL_CARE)
            .small_values_good(inp.small_values_good)
    });
    net.and_then(|n| n.fit_components(data, &spec))
}

/// The elements analysis of one domain's effects of peer support against usual care, or `None`
/// with the reason in `skipped`.
pub(crate) fn analyse(
    inp: &ElementInput<'_>,
    skipped: &mut Vec<Skipped>,
) -> Option<ElementsAnalysis> {
    let missing: Vec<&str> = inp
        .fields
        .iter()
        .filter(|f| !inp.table.has(f))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        skipped.push(Skipped::new(
            SECTION,
            format!("no {} column", missing.join(", no ")),
        ));
        return None;
    }
    let (groups, uncoded) = group_effects(inp);
    let studies = studies_where(&groups, |_| true);
    if studies < 3 {
        skipped.push(Skipped::new(
            SECTION,
            format!(
                "{studies} stud{} with every element coded; at least 3 are needed",
                if studies == 1 { "y" } else { "ies" }
            ),
        ));
        return None;
    }
    let fl = field_levels(inp.fields, &groups);
    let (data, given) = contrasts(inp, &groups, &fl);
    if given.len() < 2 {
        skipped.push(Skipped::new(
            SECTION,
            "every trial has the same combination of elements: nothing to separate",
        ));
        return None;
    }
    let fit = match fit_components(inp, &data, given) {
        Ok(f) => f,
        Err(e) => {
            skipped.push(Skipped::new(SECTION, e.to_string()));
            return None;
        }
    };
    let effects = element_effects(&fit, &groups, &fl, studies);
    let clear = effects
        .iter()
        .skip(1)
        .filter(|e| match (e.ci_lower, e.ci_upper) {
            (Some(lo), Some(hi)) => lo > 0.0 || hi < 0.0,
            _ => false,
        })
        .map(|e| format!("{}: {}", e.field.replace('_', " "), e.level))
        .collect();
    let additive_doubtful = fit.q_diff_p.map(|p| p < 0.05);
    let multi = groups.iter().filter(|g| g.1.len() > 1).count();
    let note = format!(
        "{} contrasts of {studies} studies against usual care, one per study and combination of elements; {multi} combine several effects of one study (inverse-variance mean, sampling errors correlated {}){}",
        data.len(),
        inp.rho,
        if uncoded > 0 {
            format!("; {uncoded} effect(s) without every element coded left out")
        } else {
            String::new()
        }
    );
    Some(ElementsAnalysis {
        fields: fl.varying.iter().map(|&f| inp.fields[f].clone()).collect(),
        constant_fields: fl.constant,
        reference: fl.reference,
        fit,
        effects,
        clear,
        additive_doubtful,
        note,
    })
}
