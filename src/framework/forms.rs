//! "Which forms of peer support work best?": a network meta-analysis of one outcome domain over
//! the coded forms of peer support (the codebook field `support_type`), each trial's form
//! against its comparator (`comparator`: usual care unless coded, or another form for
//! head-to-head trials), so that forms never compared directly are compared through usual care.
//!
//! One contrast per study, form and comparator: several effects of one study in the domain are
//! combined first, as the inverse-variance mean with their sampling errors correlated ρ (the
//! domain's CHE assumption): `Var = ΣΣ w_i w_j ρ_ij √(v_i v_j) / (Σw)²`. A study coding two forms
//! against one comparator is split into one pseudo-study per form (its shared control arm is then
//! counted twice, which narrows the CIs slightly; the note says how many).

use serde::Serialize;

use super::records::{DomainData, Skipped};
use crate::effect::EffectSizes;
use crate::model::network::{Contrast, Network, NetworkFit};

/// The comparator of a row without a `comparator` value.
pub const USUAL_CARE: &str = "usual care";

/// The network of forms of peer support in one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormsAnalysis {
    /// The codebook field that names the form.
    pub by: String,
    /// The network meta-analysis (reference: usual care when present).
    pub fit: NetworkFit,
    /// Pairs of forms whose random-effects CI excludes no difference.
    pub clear_differences: Vec<String>,
    /// Head-to-head contrasts (two forms compared in one trial); 0 means every comparison
    /// between forms is indirect, through the comparator.
    pub head_to_head: usize,
    /// How the contrasts were formed.
    pub note: String,
}

/// Effect indices grouped by (study, form, comparator).
type FormGroups = Vec<((String, String, String), Vec<usize>)>;

/// The network of forms of the domain's effects `es`, or `None` (with the reason in `skipped`)
/// when the data do not code forms or give fewer than three connected forms.
pub(crate) fn analyse(
    d: &DomainData<'_>,
    es: &EffectSizes,
    small_values_good: bool,
    skipped: &mut Vec<Skipped>,
) -> Option<FormsAnalysis> {
    let section = "which forms work best (network meta-analysis)";
    let by = "support_type";
    if !d.table.has(by) {
        skipped.push(Skipped::new(section, format!("no {by} column")));
        return None;
    }
    let (groups, uncoded) = group_by_form(d, es, by);
    let (data, split_studies) = pseudo_studies(d, es, &groups);
    let fit = match fit_forms(d, &data, small_values_good) {
        Ok(fit) => fit,
        Err(why) => {
            skipped.push(Skipped::new(section, why));
            return None;
        }
    };
    let note = forms_note(d, &groups, data.len(), split_studies.len(), uncoded);
    let head_to_head = data
        .iter()
        .filter(|c| c.treat1 != USUAL_CARE && c.treat2 != USUAL_CARE)
        .count();
    Some(FormsAnalysis {
        by: by.to_string(),
        clear_differences: clear_differences(&fit),
        fit,
        head_to_head,
        note,
    })
}

/// The effects grouped by (study, form, comparator), and how many effects have no coded form
/// (or a form equal to their comparator).
fn group_by_form(d: &DomainData<'_>, es: &EffectSizes, by: &str) -> (FormGroups, usize) {
    let form = d.table.texts(by);
    let comparator = d
        .table
        .has("comparator")
        .then(|| d.table.texts("comparator"));
    let mut groups: FormGroups = Vec::new();
    let mut uncoded = 0;
    for (j, &r) in es.rows().iter().enumerate() {
        let Some(f) = form[r].clone() else {
            uncoded += 1;
            continue;
        };
        let c = comparator
            .as_ref()
            .and_then(|c| c[r].clone())
            .unwrap_or_else(|| USUAL_CARE.to_string());
        if c == f {
            uncoded += 1;
            continue;
        }
        let key = (d.study_ids[r].clone(), f, c);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(j),
            None => groups.push((key, vec![j])),
        }
    }
    (groups, uncoded)
}

/// One pseudo-study per (study, form, comparator), and the studies split into several.
fn pseudo_studies(
    d: &DomainData<'_>,
    es: &EffectSizes,
    groups: &FormGroups,
) -> (Vec<Contrast>, std::collections::BTreeSet<String>) {
    let mut split_studies = std::collections::BTreeSet::new();
    let mut data = Vec::with_capacity(groups.len());
    for ((study, f, c), idx) in groups {
        if groups.iter().filter(|g| &g.0 .0 == study).count() > 1 {
            split_studies.insert(study.clone());
        }
        let (y, var) = combine(idx, es.yi(), es.vi(), d.rho);
        data.push(Contrast {
            study: format!("{study} ({f} vs {c})"),
            treat1: f.clone(),
            treat2: c.clone(),
            yi: y,
            vi: var,
        });
    }
    (data, split_studies)
}

/// The network fit of the forms (usual care the reference where coded), or why it cannot run.
fn fit_forms(
    d: &DomainData<'_>,
    data: &[Contrast],
    small_values_good: bool,
) -> Result<NetworkFit, String> {
    let mut forms: Vec<&str> = data
        .iter()
        .flat_map(|c| [c.treat1.as_str(), c.treat2.as_str()])
        .collect();
    forms.sort_unstable();
    forms.dedup();
    if forms.len() < 3 {
        return Err(format!(
            "{} treatment(s) coded ({}); a network needs at least 3 (two forms and a comparator)",
            forms.len(),
            forms.join(", ")
        ));
    }
    let reference = if forms.contains(&USUAL_CARE) {
        USUAL_CARE.to_string()
    } else {
        forms[0].to_string()
    };
    let net = Network::new()
        .level(d.level)
        .map_err(|e| e.to_string())?
        .reference(&reference)
        .small_values_good(small_values_good);
    net.fit(data).map_err(|e| e.to_string())
}

/// The pairs of treatments whose random-effects CI excludes no difference.
fn clear_differences(fit: &NetworkFit) -> Vec<String> {
    let n = fit.treatments.len();
    let mut clear = Vec::new();
    for i in 0..n {
        for j in (i + 1)..n {
            let cell = fit.random.league[i][j];
            if cell.ci_lower > 0.0 || cell.ci_upper < 0.0 {
                clear.push(format!("{} vs {}", fit.treatments[i], fit.treatments[j]));
            }
        }
    }
    clear
}

/// What the network was built from, in words.
fn forms_note(
    d: &DomainData<'_>,
    groups: &FormGroups,
    contrasts: usize,
    split: usize,
    uncoded: usize,
) -> String {
    let multi = groups.iter().filter(|g| g.1.len() > 1).count();
    format!(
        "{} contrasts of {} studies; {multi} combine several effects of one study (inverse-variance mean, sampling errors correlated {}); {} stud{} coding more than one form split into one contrast per form (a shared control arm counted more than once){}",
        contrasts,
        groups
            .iter()
            .map(|g| &g.0 .0)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        d.rho,
        split,
        if split == 1 { "y" } else { "ies" },
        if uncoded > 0 {
            format!("; {uncoded} effect(s) without a coded form left out")
        } else {
            String::new()
        }
    )
}

/// The inverse-variance mean of the effects `idx` of one study and its variance, their sampling
/// errors correlated `rho`: `Var = ΣΣ w_i w_j ρ_ij √(v_i v_j) / (Σw)²`.
pub(crate) fn combine(idx: &[usize], yi: &[f64], vi: &[f64], rho: f64) -> (f64, f64) {
    let sw: f64 = idx.iter().map(|&j| 1.0 / vi[j]).sum();
    let y = idx.iter().map(|&j| yi[j] / vi[j]).sum::<f64>() / sw;
    let mut var = 0.0;
    for (a, &ja) in idx.iter().enumerate() {
        for (b, &jb) in idx.iter().enumerate() {
            let r = if a == b { 1.0 } else { rho };
            var += r * (vi[ja] * vi[jb]).sqrt() / (vi[ja] * vi[jb]);
        }
    }
    (y, var / (sw * sw))
}

/// Whether row `i` compares two forms of peer support: its comparator is coded and is not usual
/// care.
pub(crate) fn head_to_head(comparator: &Option<Vec<Option<String>>>, i: usize) -> bool {
    comparator
        .as_ref()
        .and_then(|c| c[i].as_deref())
        .is_some_and(|c| !c.trim().is_empty() && !c.trim().eq_ignore_ascii_case(USUAL_CARE))
}
