//! The standard analysis of the framework (`peerstat evaluate`): data only; the report module
//! renders it.
//!
//! Per outcome domain: each row's effect from what it carries (`yi` with `vi`/`sei`, else Hedges'
//! g from continuous arms, else the log odds ratio from a 2×2 table with metafor's zero-cell
//! rule; [`crate::effect::row_effects`]), signs flipped where `higher_is_better` is false so that
//! positive always means benefit; when a domain mixes binary and continuous data, log odds ratios
//! are converted to the SMD scale by `× √3/π` (variance × 3/π², Chinn 2000). Then the pooled
//! effect (REML + Knapp–Hartung) with prediction interval and heterogeneity; subgroups by every
//! codebook category with at least two levels of ≥ 2 studies; meta-regression on
//! `duration_months`; RVE when a study contributes several effects; bias checks when k ≥ 10;
//! sensitivity (low risk of bias only, leave-one-out range); pooled net benefit and its
//! acceptability curve when costs are given; and a plain-language summary with caveats. A section
//! that does not apply or cannot be fitted is listed in `skipped` with its reason.

use serde::Serialize;

use super::domain::{analyse_domain, DomainData};
use super::{Codebook, FieldKind, Validation};
use crate::data::{Column, Table};
use crate::effect::{row_effects, DataKind, EffectSizes, Measure};
use crate::error::{check_level, Error, Result};
use crate::model::RandomEffects;

pub use super::domain::{DomainResult, Sensitivity};

/// Options for [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluateOptions {
    /// Confidence level (percent).
    pub level: f64,
    /// Willingness-to-pay values for the economic part.
    pub wtp: Vec<f64>,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions {
            level: 95.0,
            wtp: vec![20_000.0, 30_000.0],
        }
    }
}

/// A section of the evaluation that was not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The section (for example "bias", "subgroups by mode", "economics: acceptability curve").
    pub section: String,
    /// Why: it does not apply to these data, or the error that stopped it.
    pub reason: String,
}

impl Skipped {
    pub(crate) fn new(section: impl Into<String>, reason: impl Into<String>) -> Self {
        Skipped {
            section: section.into(),
            reason: reason.into(),
        }
    }
}

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
    /// What codebook validation did.
    pub validation: Validation,
    /// Rows without a usable effect.
    pub rows_without_effect: usize,
    /// Results by outcome domain.
    pub domains: Vec<DomainResult>,
    /// Economic results (when costs were given).
    pub economics: Option<crate::econ::table::CeaReport>,
    /// Acceptability curve of the pooled net benefit (when costs from several trials were given).
    pub ceac: Option<PooledCeac>,
    /// Evaluation-wide sections not run, with the reason.
    pub skipped: Vec<Skipped>,
    /// Methods, in words.
    pub methods: String,
    /// The options that produced the evaluation.
    pub options: EvaluateOptions,
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

/// Each row's effect with the sign set so that positive means benefit (`higher_is_better`
/// false reverses it).
fn benefit_effects(table: &Table) -> Result<Vec<Option<(f64, f64, DataKind)>>> {
    let hib: Vec<Option<bool>> = match table.get("higher_is_better") {
        Some(Column::Bool(v)) => v.clone(),
        Some(c) => (0..table.nrows())
            .map(|i| {
                c.text(i)
                    .map(|s| !matches!(s.to_lowercase().as_str(), "false" | "0" | "no"))
            })
            .collect(),
        None => vec![None; table.nrows()],
    };
    Ok(row_effects(table)?
        .into_iter()
        .zip(hib)
        .map(|(e, h)| {
            e.map(|e| {
                let y = if h == Some(false) { -e.yi } else { e.yi };
                (y, e.vi, e.kind)
            })
        })
        .collect())
}

/// `√3/π`: log odds ratio → SMD (Chinn 2000).
fn logor_to_smd() -> f64 {
    std::f64::consts::PI / 3f64.sqrt()
}

/// The effect sizes of one domain's rows on one scale, with the measure and a note saying how.
fn domain_effects(
    table: &Table,
    rows: &[usize],
    effects: &[Option<(f64, f64, DataKind)>],
    labels: &[String],
) -> Result<(EffectSizes, String)> {
    let kinds: Vec<DataKind> = rows
        .iter()
        .filter_map(|&i| effects[i].map(|e| e.2))
        .collect();
    let all_binary = kinds.iter().all(|k| *k == DataKind::Binary);
    let mixed = !all_binary && kinds.contains(&DataKind::Binary);
    let (measure, scale_note) = if all_binary {
        (
            Measure::Or,
            "log odds ratios from 2x2 tables (reported as odds ratios)".to_string(),
        )
    } else if mixed {
        (Measure::Smd, "standardised mean differences; log odds ratios converted to the SMD scale (x sqrt(3)/pi, variance x 3/pi^2)".to_string())
    } else {
        (
            Measure::Smd,
            "standardised mean differences (Hedges' g)".to_string(),
        )
    };
    let conv = logor_to_smd();
    let (mut yi, mut vi) = (
        Vec::with_capacity(rows.len()),
        Vec::with_capacity(rows.len()),
    );
    for &i in rows {
        let (y, v, k) = effects[i].unwrap_or((f64::NAN, f64::NAN, DataKind::Generic));
        if mixed && k == DataKind::Binary {
            yi.push(y / conv);
            vi.push(v / (conv * conv));
        } else {
            yi.push(y);
            vi.push(v);
        }
    }
    let es = EffectSizes::new(
        measure,
        rows.iter().map(|&i| labels[i].clone()).collect(),
        yi,
        vi,
        rows.to_vec(),
        table.nrows(),
    )?;
    Ok((es, scale_note))
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

/// Runs the standard analysis. `table` is validated (and canonicalised) against `codebook`.
///
/// # Errors
/// Codebook validation errors, bad values (naming row and column), a missing or empty
/// `outcome_domain` column, no usable effects, an invalid confidence level; errors of the economic companion.
pub fn evaluate(
    table: &mut Table,
    codebook: &Codebook,
    input: &std::path::Path,
    costs: Option<&Table>,
    opts: &EvaluateOptions,
) -> Result<Evaluation> {
    let level = check_level(opts.level)?;
    let validation = codebook.validate(table)?;
    if !table.has("outcome_domain") {
        return Err(table.missing_column("outcome_domain", "to analyse each outcome domain"));
    }
    let simulated = super::is_simulated(table);
    let effects = benefit_effects(table)?;
    let domain = table.texts("outcome_domain");
    if domain.iter().all(Option::is_none) {
        return Err(Error::Empty {
            file: table.source().to_string(),
            message: format!(
                "the {} column is empty: no row names its outcome domain, so there is nothing \
                 to analyse per domain",
                table.actual_name("outcome_domain")
            ),
        });
    }
    let sid: Vec<String> = {
        let ids = if table.has("study_id") {
            table.texts("study_id")
        } else {
            table.texts("study")
        };
        ids.into_iter()
            .enumerate()
            .map(|(i, s)| s.unwrap_or_else(|| format!("row {}", i + 1)))
            .collect()
    };
    let labels = table.labels("study");
    let data = DomainData {
        table,
        codebook,
        study_ids: &sid,
        risk_of_bias: table.texts("risk_of_bias"),
        model: RandomEffects::new().knha(true).level(level)?,
        level,
        simulated,
    };
    let mut domains = Vec::new();
    for (di, dname) in domains_present(codebook, &domain).iter().enumerate() {
        let rows: Vec<usize> = (0..table.nrows())
            .filter(|&i| domain[i].as_deref() == Some(dname.as_str()) && effects[i].is_some())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let (es, scale_note) = domain_effects(table, &rows, &effects, &labels)?;
        domains.push(analyse_domain(&data, dname, di + 1, &es, scale_note)?);
    }
    if domains.is_empty() {
        return Err(Error::Empty {
            file: table.source().to_string(),
            message:
                "no row has a usable effect (yi with vi or sei, continuous arms, or a 2x2 table)"
                    .into(),
        });
    }
    let mut skipped = Vec::new();
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
    Ok(Evaluation {
        version: env!("CARGO_PKG_VERSION").into(),
        simulated,
        input: input.display().to_string(),
        input_sha256: sha256_file(input)?,
        codebook: format!("{} {}", codebook.name, codebook.version),
        validation,
        rows_without_effect: effects.iter().filter(|e| e.is_none()).count(),
        domains,
        economics,
        ceac,
        skipped,
        methods: methods(codebook, opts, level),
        options: opts.clone(),
    })
}

/// Pooled net benefit (arm summaries of several trials, "peer support" vs "usual care") and its
/// acceptability curve over £0–£50,000 per QALY.
fn economics(
    costs: &Table,
    opts: &EvaluateOptions,
    level: f64,
    skipped: &mut Vec<Skipped>,
) -> Result<(Option<crate::econ::table::CeaReport>, Option<PooledCeac>)> {
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

fn methods(codebook: &Codebook, opts: &EvaluateOptions, level: f64) -> String {
    format!(
        "peerstat {} standard analysis. Effects: yi with vi/sei as given; otherwise Hedges' g (exact J, LS variance) from arm means and SDs; otherwise the log odds ratio from 2x2 tables (0.5 added to tables with a zero cell); signs reversed where higher_is_better is false so that positive means benefit; in domains mixing binary and continuous data, log odds ratios converted to SMDs (x sqrt(3)/pi). Pooling: random effects, REML tau^2, Knapp-Hartung t-based {}% CIs, Q-profile CI for tau^2, prediction intervals (t, k-1 df). Subgroups by every codebook category with at least two levels of 2+ studies (separate tau^2; test for subgroup differences); meta-regression on duration_months; robust variance estimation (correlated effects, rho = 0.8, small-sample corrected) when studies contribute several effects; Egger, Begg, trim-and-fill and fail-safe N when k >= 10; sensitivity: low risk of bias only and leave-one-out range. Economics: incremental net monetary benefit per trial pooled by REML + Knapp-Hartung at WTP {}. Codebook: {} {}.",
        env!("CARGO_PKG_VERSION"),
        level,
        opts.wtp.iter().map(|w| format!("£{w:.0}")).collect::<Vec<_>>().join(", "),
        codebook.name,
        codebook.version
    )
}

/// Each row's effect on the SMD scale (log odds ratios converted by × √3/π), positive = benefit,
/// for the evidence-and-gap map.
///
/// # Errors
/// Bad values, naming row and column.
pub fn map_effects(table: &Table) -> Result<Vec<Option<(f64, f64)>>> {
    let conv = logor_to_smd();
    Ok(benefit_effects(table)?
        .into_iter()
        .map(|e| {
            e.map(|(y, v, k)| {
                if k == DataKind::Binary {
                    (y / conv, v / (conv * conv))
                } else {
                    (y, v)
                }
            })
        })
        .collect())
}
