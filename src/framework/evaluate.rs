//! The standard analysis of the framework (`peerstat evaluate`): data only; the report module
//! renders it.
//!
//! Per outcome domain: each row's effect from what it carries (`yi` with `vi`/`sei`, else Hedges'
//! g from continuous arms, else the log odds ratio from a 2×2 table with metafor's zero-cell
//! rule; [`crate::effect::row_effects`]). Every analysed outcome needs a direction
//! (`higher_is_better`, per row or per outcome in the options, or the assumption asked for); a
//! domain whose outcomes share one direction is shown in its natural orientation (fewer
//! admissions: OR 0.59), a domain mixing directions has the lower-is-better rows reversed so that
//! positive means benefit, and says so. When a domain mixes binary and continuous data, log odds
//! ratios are converted to the SMD scale by `× √3/π` (variance × 3/π², Chinn 2000). A domain
//! with fewer studies than [`Thresholds::min_studies_to_pool`] is shown, not pooled. Then the
//! pooled effect (REML + Knapp–Hartung; ad hoc KH for very few studies) with prediction interval
//! and heterogeneity; subgroups by every
//! codebook category with at least two levels of ≥ 2 studies; meta-regression on
//! `duration_months`; RVE when a study contributes several effects; bias checks when k ≥ 10 (each
//! threshold from [`Thresholds`]);
//! sensitivity (low risk of bias only, leave-one-out range); pooled net benefit and its
//! acceptability curve when costs are given; and a plain-language summary with caveats. A section
//! that does not apply or cannot be fitted is listed in `skipped` with its reason.

use serde::Serialize;

use super::codebook::{Codebook, FieldKind, Validation};
use super::direction::{no_effect_reason, row_directions};
use super::domain::{analyse_domain, DomainInput};
use super::records::DomainData;
use super::scale::{map_effects_by_domain, DomainScale};
use crate::data::Table;
use crate::effect::{row_effects_with, ConvertOptions, EffectOptions, EffectSizes, RowEffect};
use crate::error::{check_level, Error, Result};
use crate::model::RandomEffects;

pub use super::bayes_domain::DomainBayes;
pub use super::bias_domain::AdjustedBias;
pub use super::certainty::{Certainty, CertaintyRating, Finding};
pub use super::direction::{DirectionSource, OutcomeDirection, UnusedRow};
pub use super::domain::DomainResult;
pub use super::form_heterogeneity::{FormHeterogeneity, FormTau2};
pub use super::options::{BinaryToSmd, DomainOptions, EvaluateOptions, OptionsFile, Thresholds};
pub use super::records::{Sensitivity, Skipped, StudyEffect};
pub use super::scale::{MapEffect, Orientation};

/// The acceptability curve of pooled net benefit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledCeac {
    /// What is compared.
    pub label: String,
    /// Willingness-to-pay grid (£ per QALY).
    pub wtp: Vec<f64>,
    /// Probability that the pooled incremental net benefit is positive at each value.
    pub probability: Vec<f64>,
}

/// The whole evaluation (`results.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// peerstat version.
    pub version: String,
    /// Whether the data are simulated.
    pub simulated: bool,
    /// Input file.
    pub input: String,
    /// SHA-256 of the input file.
    pub input_sha256: String,
    /// Codebook name and version.
    pub codebook: String,
    /// The summary of findings: one row per domain with its certainty (GRADE-style) and every
    /// judgment behind it.
    pub summary_of_findings: Vec<Finding>,
    /// What codebook validation did.
    pub validation: Validation,
    /// The direction used per outcome, and where it came from.
    pub directions: Vec<OutcomeDirection>,
    /// Every input row not analysed, with its reason.
    pub rows_not_used: Vec<UnusedRow>,
    /// Every analysed row whose effect was converted from reported statistics (a CI, p-value,
    /// t or F statistic, medians, standard errors) or adjusted for clustering.
    pub converted: Vec<ConvertedRow>,
    /// Results by outcome domain.
    pub domains: Vec<DomainResult>,
    /// Risk-of-bias assessments per outcome domain and tool (when the data carry RoB 2 or
    /// ROBINS-I domain columns).
    pub risk_of_bias: Vec<super::rob::RobAssessment>,
    /// Economic results (when costs were given).
    pub economics: Option<crate::econ::table::CeaResult>,
    /// Acceptability curve of the pooled net benefit (when costs from several trials were given).
    pub ceac: Option<PooledCeac>,
    /// Evaluation-wide sections not run, with the reason.
    pub skipped: Vec<Skipped>,
    /// Methods, in words.
    pub methods: String,
    /// The options that produced the evaluation.
    pub options: EvaluateOptions,
    /// The commissioner's business case (`evaluate --scenario`), when a scenario was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_case: Option<super::evaluation_case::EvaluationCase>,
}

/// An analysed row whose effect was converted or adjusted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvertedRow {
    /// 1-based data row.
    pub row: usize,
    /// Study label.
    pub study: String,
    /// Outcome domain.
    pub domain: String,
    /// Where `yi` and `vi` came from, the design effect, Shi's skewness flag.
    #[serde(flatten)]
    pub source: crate::effect::Provenance,
}

/// The effect options of an evaluation: metafor's defaults with its conversion options.
fn effect_options(opts: &EvaluateOptions) -> EffectOptions {
    EffectOptions {
        convert: ConvertOptions {
            ci_scale: crate::effect::CiScale::Log,
            ..opts.convert
        },
        ..EffectOptions::default()
    }
}

/// SHA-256 of a file, hex.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read.
pub fn sha256_file(path: &std::path::Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| Error::io(&path.display().to_string(), e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Each row's effect, outcome domain, direction and label, as the domains are analysed.
struct Rows<'a> {
    effects: &'a [Option<RowEffect>],
    domain: &'a [Option<String>],
    dirs: &'a [Option<bool>],
    labels: &'a [String],
    /// Whether the row is analysed (it has an outcome domain and an effect).
    used: &'a [bool],
}

/// The effect sizes of the rows `rows` of one domain on one scale ([`DomainScale`]), with a
/// note saying how, and the orientation.
fn domain_effects(
    table: &Table,
    r: &Rows<'_>,
    rows: &[usize],
    binary: BinaryToSmd,
) -> Result<(EffectSizes, String, Orientation)> {
    let (effects, dirs) = (r.effects, r.dirs);
    let scale = DomainScale::of(rows, effects, dirs, binary);
    let (yi, vi): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .map(|&i| {
            effects[i]
                .as_ref()
                .map_or((f64::NAN, f64::NAN), |e| scale.place(e, dirs[i]))
        })
        .unzip();
    let es = EffectSizes::new(
        scale.measure,
        rows.iter().map(|&i| r.labels[i].clone()).collect(),
        yi,
        vi,
        rows.to_vec(),
        table.nrows(),
    )?
    .with_sources(
        rows.iter()
            .filter_map(|&i| effects[i].map(|e| e.source))
            .collect(),
    )?;
    Ok((es, scale.note(), scale.orientation))
}

/// Domains present in the data, in codebook order.
fn domains_present(codebook: &Codebook, domain: &[Option<String>]) -> Vec<String> {
    let order: Vec<String> = match codebook.field("outcome_domain").map(|f| &f.kind) {
        Some(FieldKind::Category { levels }) => levels.clone(),
        _ => Vec::new(),
    };
    let mut present: Vec<String> = domain.iter().flatten().cloned().collect();
    present.sort_by_key(|d| order.iter().position(|o| o == d).unwrap_or(usize::MAX));
    present.dedup();
    present
}

/// The outcome domain of each row; an error when the column is empty.
fn outcome_domains(table: &Table) -> Result<Vec<Option<String>>> {
    let domain = table.texts("outcome_domain");
    if domain.iter().all(Option::is_none) {
        return Err(Error::Empty {
            file: table.source().to_string(),
            message: format!(
                "the {} column is empty: no row names its outcome domain, so there is nothing to analyse per domain",
                table.actual_name("outcome_domain")
            ),
        });
    }
    Ok(domain)
}

/// Each row's study identifier: `study_id`, else `study`, else "row N".
fn study_ids(table: &Table) -> Vec<String> {
    let ids = if table.has("study_id") {
        table.texts("study_id")
    } else {
        table.texts("study")
    };
    ids.into_iter()
        .enumerate()
        .map(|(i, s)| s.unwrap_or_else(|| format!("row {}", i + 1)))
        .collect()
}

/// Every row not analysed, with its reason (`unplaceable`: rows whose effect fits no scale of
/// their domain).
fn unused_rows(table: &Table, r: &Rows<'_>, unplaceable: &[(usize, String)]) -> Vec<UnusedRow> {
    (0..table.nrows())
        .filter(|&i| !r.used[i])
        .map(|i| UnusedRow {
            row: i + 1,
            study: r.labels[i].clone(),
            reason: if r.domain[i].is_none() {
                "no outcome domain".into()
            } else if let Some((_, why)) = unplaceable.iter().find(|u| u.0 == i) {
                why.clone()
            } else {
                no_effect_reason(table, i)
            },
        })
        .collect()
}

/// Every analysed row whose effect was converted or adjusted.
fn converted_rows(r: &Rows<'_>) -> Vec<ConvertedRow> {
    (0..r.used.len())
        .filter(|&i| r.used[i])
        .filter_map(|i| {
            let e = r.effects[i]?;
            e.source.converted().then(|| ConvertedRow {
                row: i + 1,
                study: r.labels[i].clone(),
                domain: r.domain[i].clone().unwrap_or_default(),
                source: e.source,
            })
        })
        .collect()
}

/// Analyses every domain present, in codebook order, with the Holm adjustment of the subgroup
/// tests; the domains holding only head-to-head comparisons are listed as skipped.
///
/// # Errors
/// No domain with a usable effect; errors of the effect sizes and the pooled fits.
fn analyse_domains(
    data: &DomainData<'_>,
    r: &Rows<'_>,
    binary: BinaryToSmd,
) -> Result<(Vec<DomainResult>, Vec<Skipped>)> {
    let table = data.table;
    let comparator = table.has("comparator").then(|| table.texts("comparator"));
    let mut domains = Vec::new();
    let mut skipped = Vec::new();
    for (di, dname) in domains_present(data.codebook, r.domain).iter().enumerate() {
        let all: Vec<usize> = (0..table.nrows())
            .filter(|&i| r.used[i] && r.domain[i].as_deref() == Some(dname.as_str()))
            .collect();
        // Head-to-head trials (a comparator other than usual care) inform the network of forms
        // only, never the pooled effect against usual care.
        let rows: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| !super::forms::head_to_head(&comparator, i))
            .collect();
        if rows.is_empty() {
            skipped.push(Skipped::new(
                format!("domain {dname}"),
                "only head-to-head comparisons of forms of peer support: no effect against usual care to pool",
            ));
            continue;
        }
        let (es, scale_note, orientation) = domain_effects(table, r, &rows, binary)?;
        let (es_all, _, orientation_all) = if all.len() == rows.len() {
            (es.clone(), String::new(), orientation)
        } else {
            domain_effects(table, r, &all, binary)?
        };
        domains.push(analyse_domain(
            data,
            &DomainInput {
                name: dname,
                number: di + 1,
                es: &es,
                scale_note,
                orientation,
                forms: (&es_all, orientation_all),
            },
        )?);
    }
    holm_subgroups(&mut domains);
    if domains.is_empty() {
        return Err(Error::Empty {
            file: table.source().to_string(),
            message: super::column_hints::no_effect_columns(data.table, data.codebook),
        });
    }
    Ok((domains, skipped))
}

/// The risk-of-bias assessments, or a skipped section when the data carry no domain columns.
fn risk_of_bias(
    table: &Table,
    sid: &[String],
    domains: &[DomainResult],
    skipped: &mut Vec<Skipped>,
) -> Vec<super::rob::RobAssessment> {
    super::rob::assess(table, sid, domains).unwrap_or_else(|| {
        skipped.push(Skipped::new(
            "risk-of-bias plots",
            "no risk-of-bias domain columns (RoB 2: rob_d1 to rob_d5; ROBINS-I: robins_d1 to robins_d7) in these data",
        ));
        Vec::new()
    })
}

/// Runs the standard analysis. `table` is validated (and canonicalised) against `codebook`.
///
/// # Errors
/// Codebook validation errors (every problem at once), bad values (naming row and column), a
/// missing or empty `outcome_domain` column, outcomes without a direction (one error listing
/// them all, [`crate::error::Setting::Direction`]), no usable effects, an invalid confidence level or
/// threshold; errors of the economic companion.
pub fn evaluate(
    table: &mut Table,
    codebook: &Codebook,
    input: &std::path::Path,
    costs: Option<&Table>,
    opts: &EvaluateOptions,
) -> Result<Evaluation> {
    let level = check_level(opts.level)?;
    opts.thresholds.check()?;
    let validation = codebook.validate(table)?;
    let table = &*table;
    if !table.has("outcome_domain") {
        return Err(table.missing_column("outcome_domain", "to analyse each outcome domain"));
    }
    let simulated = super::codebook::is_simulated(table);
    let mut effects = row_effects_with(table, &effect_options(opts))?;
    let domain = outcome_domains(table)?;
    let unplaceable = super::scale::drop_unplaceable(&mut effects, &domain);
    let sid = study_ids(table);
    let labels = table.labels("study");
    let used: Vec<bool> = (0..table.nrows())
        .map(|i| domain[i].is_some() && effects[i].is_some())
        .collect();
    let (dirs, directions) = row_directions(table, &domain, &used, opts)?;
    let rows = Rows {
        effects: &effects,
        domain: &domain,
        dirs: &dirs,
        labels: &labels,
        used: &used,
    };
    let data = DomainData {
        table,
        codebook,
        study_ids: &sid,
        risk_of_bias: table
            .has("risk_of_bias")
            .then(|| table.texts("risk_of_bias")),
        model: RandomEffects::new().knha(true).level(level)?,
        level,
        simulated,
        thresholds: opts.thresholds,
        rho: opts.rho,
        elements: &opts.elements,
        options: opts,
    };
    let (domains, early_skipped) = analyse_domains(&data, &rows, opts.binary_to_smd)?;
    let (summary_of_findings, mut skipped) = super::certainty::findings(table, &domains, opts)?;
    let mut domains = domains;
    super::certainty::tell_summaries(&mut domains, &summary_of_findings, level, &opts.thresholds);
    skipped.extend(early_skipped);
    let risk_of_bias = risk_of_bias(table, &sid, &domains, &mut skipped);
    let (economics, ceac) = match costs {
        Some(c) => economics(c, opts, level, &mut skipped)?,
        None => {
            skipped.push(Skipped::new(
                "economics",
                "no cost data given (a companion NAME_costs file or the costs option)",
            ));
            (None, None)
        }
    };
    let methods = super::methods::methods(
        codebook,
        opts,
        level,
        &domains,
        economics.as_ref(),
        ceac.is_some(),
        &skipped,
    );
    Ok(Evaluation {
        version: env!("CARGO_PKG_VERSION").into(),
        simulated,
        input: input.display().to_string(),
        input_sha256: sha256_file(input)?,
        codebook: format!("{} {}", codebook.name, codebook.version),
        summary_of_findings,
        validation,
        directions,
        rows_not_used: unused_rows(table, &rows, &unplaceable),
        converted: converted_rows(&rows),
        domains,
        risk_of_bias,
        economics,
        ceac,
        skipped,
        methods,
        options: opts.clone(),
        business_case: None,
    })
}

/// Holm-adjusted p-values of every test for subgroup differences in the report (one family).
fn holm_subgroups(domains: &mut [DomainResult]) {
    let p: Vec<(usize, usize, f64)> = domains
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            d.subgroups
                .iter()
                .enumerate()
                .map(move |(j, s)| (i, j, s.subgroup_test.p_value))
        })
        .collect();
    let adjusted = holm(&p.iter().map(|x| x.2).collect::<Vec<_>>());
    for d in domains.iter_mut() {
        d.subgroup_p_holm = vec![f64::NAN; d.subgroups.len()];
    }
    for (&(i, j, _), a) in p.iter().zip(adjusted) {
        domains[i].subgroup_p_holm[j] = a;
    }
}

/// Holm's step-down adjustment (as R's `p.adjust(p, "holm")`); NaN stays NaN.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = idx.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 0.0f64;
    for (rank, &i) in idx.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Pooled net benefit (arm summaries of several trials, "peer support" vs "usual care") and its
/// acceptability curve over £0–£50,000 per QALY.
fn economics(
    costs: &Table,
    opts: &EvaluateOptions,
    level: f64,
    skipped: &mut Vec<Skipped>,
) -> Result<(Option<crate::econ::table::CeaResult>, Option<PooledCeac>)> {
    let o = crate::econ::table::CeaOptions {
        wtp: opts.wtp.clone(),
        level,
        treatment: Some("peer support".into()),
        control: Some("usual care".into()),
        ..Default::default()
    };
    let rep = crate::econ::table::analyse_table(costs, &o)?;
    let ceac = match &rep.pooled {
        Some(p) => {
            let grid: Vec<f64> = (0..=50).map(|i| 1000.0 * i as f64).collect();
            match crate::econ::pooled_ceac(&p.increments, &grid, level) {
                Ok(probability) => Some(PooledCeac {
                    label: "peer support vs usual care (pooled)".into(),
                    wtp: grid,
                    probability,
                }),
                Err(e) => {
                    skipped.push(Skipped::new(
                        "economics: acceptability curve",
                        e.to_string(),
                    ));
                    None
                }
            }
        }
        None => {
            skipped.push(Skipped::new(
                "economics: pooled net benefit and acceptability curve",
                "the cost data hold a single trial (no study column with several studies)",
            ));
            None
        }
    };
    Ok((Some(rep), ceac))
}

/// Each row's direction for the evidence-and-gap map: the `higher_is_better` column, else the
/// direction per outcome in `opts`, else higher-is-better when `opts` assumes it; `None` when
/// unknown (the map then shows the study without an effect).
///
/// # Errors
/// An unreadable `higher_is_better` cell, naming row and column.
pub fn map_directions(table: &Table, opts: &EvaluateOptions) -> Result<Vec<Option<bool>>> {
    let domain = table.texts("outcome_domain");
    let names = super::direction::outcome_names(table, &domain);
    Ok(super::direction::column_directions(table)?
        .into_iter()
        .zip(names)
        .map(|(c, n)| {
            c.or_else(|| opts.higher_is_better.get(&n).copied())
                .or(opts.assume_higher_is_better.then_some(true))
        })
        .collect())
}

/// Each row's effect for the evidence-and-gap map on its outcome domain's scale, exactly as the
/// report analyses that domain ([`MapEffect`]: log odds ratios for a binary-only domain, else
/// SMDs; natural orientation unless the domain mixes directions); `dirs` from
/// [`map_directions`] (a row of unknown direction has no effect, nor has a head-to-head trial
/// comparing two forms of peer support).
///
/// # Errors
/// Bad values, naming row and column.
pub fn map_effects(table: &Table, dirs: &[Option<bool>]) -> Result<Vec<Option<MapEffect>>> {
    map_effects_with(table, dirs, &EvaluateOptions::default())
}

/// As [`map_effects`], with the conversion, cluster and mixing options of `opts`.
///
/// # Errors
/// Bad values, naming row and column.
pub fn map_effects_with(
    table: &Table,
    dirs: &[Option<bool>],
    opts: &EvaluateOptions,
) -> Result<Vec<Option<MapEffect>>> {
    let domain = if table.has("outcome_domain") {
        table.texts("outcome_domain")
    } else {
        vec![None; table.nrows()]
    };
    let effects = row_effects_with(table, &effect_options(opts))?;
    let mut out = map_effects_by_domain(&effects, dirs, &domain, opts.binary_to_smd);
    // A head-to-head trial's effect compares two forms, not peer support with usual care: the
    // map shows the study but pools no such effect.
    let comparator = table.has("comparator").then(|| table.texts("comparator"));
    for (i, e) in out.iter_mut().enumerate() {
        if super::forms::head_to_head(&comparator, i) {
            *e = None;
        }
    }
    Ok(out)
}
