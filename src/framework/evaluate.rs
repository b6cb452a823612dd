//! The standard analysis of the framework (`peerstat evaluate`) and the evidence-and-gap map.
//!
//! Per outcome domain: each row's effect from what it carries (`yi` with `vi`/`sei`, else Hedges'
//! g from continuous arms, else the log odds ratio from a 2×2 table with metafor's zero-cell
//! rule), signs flipped where `higher_is_better` is false so that positive always means benefit;
//! when a domain mixes binary and continuous data, log odds ratios are converted to the SMD scale
//! by `× √3/π` (variance × 3/π², Chinn 2000). Then the pooled effect (REML + Knapp–Hartung) with
//! prediction interval and heterogeneity; subgroups by every codebook category with at least two
//! levels of ≥ 2 studies; meta-regression on `duration_months`; RVE when a study contributes
//! several effects; bias checks when k ≥ 10; sensitivity (low risk of bias only, leave-one-out
//! range); pooled net benefit when costs are given; and a plain-language summary with caveats.

use serde::Serialize;

use super::{Codebook, FieldKind, Validation};
use crate::data::{Column, Table};
use crate::diag::{self, TrimFillEstimator};
use crate::effect::{smd, two_by_two, EffectSizes, Measure, VarianceType};
use crate::error::{Error, Result};
use crate::model::regression::MetaRegression;
use crate::model::rve::Rve;
use crate::model::subgroup::{subgroups, SubgroupAnalysis};
use crate::model::{Fit, RandomEffects, Summary};
use crate::report::{BiasReport, RegressionKeys};

/// Options for [`evaluate`].
#[derive(Debug, Clone)]
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

/// Sensitivity analyses of one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Pooled fit of low risk-of-bias effects only (when ≥ 2).
    pub low_risk_only: Option<Summary>,
    /// Smallest and largest leave-one-out estimate.
    pub leave_one_out_range: Option<[f64; 2]>,
}

/// Results for one outcome domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainResult {
    /// Outcome domain.
    pub domain: String,
    /// Distinct studies.
    pub studies: usize,
    /// How effects were put on one scale.
    pub scale_note: String,
    /// Pooled fit (REML + Knapp–Hartung): the core keys.
    pub pooled: Fit,
    /// Subgroup analyses by codebook columns.
    pub subgroups: Vec<SubgroupAnalysis>,
    /// Meta-regression on `duration_months`.
    pub duration: Option<RegressionKeys>,
    /// Robust variance estimation when studies contribute several effects.
    pub rve: Option<crate::model::rve::RveFit>,
    /// Bias checks (k ≥ 10).
    pub bias: Option<BiasReport>,
    /// Sensitivity analyses.
    pub sensitivity: Sensitivity,
    /// Plain-language summary.
    pub summary: String,
    /// Caveats that apply.
    pub caveats: Vec<String>,
    /// Forest plot file name.
    pub forest: String,
    /// Funnel plot file name (k ≥ 10).
    pub funnel: Option<String>,
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
    /// Methods, in words.
    pub methods: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Continuous,
    Binary,
    Generic,
}

fn col_f(t: &Table, n: &str) -> Result<Vec<Option<f64>>> {
    if t.has(n) {
        t.numeric(n, "")
    } else {
        Ok(vec![None; t.nrows()])
    }
}

fn texts(t: &Table, n: &str) -> Vec<Option<String>> {
    match t.get(n) {
        Some(c) => (0..t.nrows()).map(|i| c.text(i)).collect(),
        None => vec![None; t.nrows()],
    }
}

/// Each row's effect (yi, vi, kind), positive = benefit.
fn row_effects(t: &Table) -> Result<Vec<Option<(f64, f64, Kind)>>> {
    let g = |n: &str| col_f(t, n);
    let (yi, vi, sei) = (g("yi")?, g("vi")?, g("sei")?);
    let (nt, mt, st, nc, mc, sc) = (
        g("n_t")?,
        g("mean_t")?,
        g("sd_t")?,
        g("n_c")?,
        g("mean_c")?,
        g("sd_c")?,
    );
    let (et, ec) = (g("events_t")?, g("events_c")?);
    let hib: Vec<Option<bool>> = match t.get("higher_is_better") {
        Some(Column::Bool(v)) => v.clone(),
        Some(c) => (0..t.nrows())
            .map(|i| {
                c.text(i)
                    .map(|s| !matches!(s.to_lowercase().as_str(), "false" | "0" | "no"))
            })
            .collect(),
        None => vec![None; t.nrows()],
    };
    let mut out = Vec::with_capacity(t.nrows());
    for i in 0..t.nrows() {
        let e = if let (Some(y), Some(v)) = (yi[i], vi[i].or(sei[i].map(|s| s * s))) {
            if v <= 0.0 {
                return Err(t.value_error(
                    i,
                    if vi[i].is_some() { "vi" } else { "sei" },
                    "sampling variance must be positive",
                ));
            }
            Some((y, v, Kind::Generic))
        } else if let (Some(a), Some(b), Some(c), Some(d), Some(e2), Some(f)) =
            (nt[i], mt[i], st[i], nc[i], mc[i], sc[i])
        {
            if a <= 1.0 || d <= 1.0 {
                return Err(t.value_error(
                    i,
                    if a <= 1.0 { "n_t" } else { "n_c" },
                    "group size must be at least 2",
                ));
            }
            if c < 0.0 || f < 0.0 {
                return Err(t.value_error(
                    i,
                    if c < 0.0 { "sd_t" } else { "sd_c" },
                    "standard deviation cannot be negative",
                ));
            }
            let (y, v) = smd(a, b, c, d, e2, f, VarianceType::Ls);
            (y.is_finite() && v > 0.0).then_some((y, v, Kind::Continuous))
        } else if let (Some(a), Some(n1), Some(c), Some(n2)) = (et[i], nt[i], ec[i], nc[i]) {
            for (ev, n, name) in [(a, n1, "events_t"), (c, n2, "events_c")] {
                if ev < 0.0 || ev > n {
                    return Err(t.value_error(
                        i,
                        name,
                        format!("events must lie between 0 and the group size ({n}), found {ev}"),
                    ));
                }
            }
            let zero = a == 0.0 || c == 0.0 || a == n1 || c == n2;
            let add = if zero { 0.5 } else { 0.0 };
            let (y, v) = two_by_two(
                Measure::Or,
                a + add,
                n1 + 2.0 * add,
                c + add,
                n2 + 2.0 * add,
            );
            (y.is_finite() && v > 0.0).then_some((y, v, Kind::Binary))
        } else {
            None
        };
        out.push(e.map(|(y, v, k)| {
            if hib[i] == Some(false) {
                (-y, v, k)
            } else {
                (y, v, k)
            }
        }));
    }
    Ok(out)
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &std::path::Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| Error::io(&path.display().to_string(), e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn plain(domain: &str, studies: usize, measure: Measure, s: &Summary, level: f64) -> String {
    let (name, show): (&str, Box<dyn Fn(f64) -> f64>) = if measure == Measure::Or {
        ("OR", Box::new(f64::exp))
    } else {
        ("g", Box::new(|x| x))
    };
    let null = if measure == Measure::Or { 1.0 } else { 0.0 };
    let (lo, hi, est) = (show(s.ci_lower), show(s.ci_upper), show(s.estimate));
    let verb = if lo > null {
        "improved"
    } else if hi < null {
        "worsened"
    } else if est > null {
        "may have improved (the confidence interval includes no effect)"
    } else {
        "did not clearly change"
    };
    let pi = if s.pi_lower.is_finite() {
        format!(
            "; in a new setting the effect could plausibly range from {:.2} to {:.2}",
            show(s.pi_lower),
            show(s.pi_upper)
        )
    } else {
        String::new()
    };
    format!(
        "Across {studies} trial{} ({} effect{}), peer support {verb} {domain}: {name} = {est:.2}, {level}% CI {lo:.2} to {hi:.2}{pi}.",
        if studies == 1 { "" } else { "s" },
        s.k,
        if s.k == 1 { "" } else { "s" }
    )
}

/// Runs the standard analysis. `table` is validated (and canonicalised) against `codebook`.
/// Returns the evaluation, and the SVG files to write (name, content).
///
/// # Errors
/// Codebook validation errors, bad values (naming row and column), a missing `outcome_domain`
/// column, no usable effects.
pub fn evaluate(
    table: &mut Table,
    codebook: &Codebook,
    input: &std::path::Path,
    costs: Option<&Table>,
    opts: &EvaluateOptions,
) -> Result<(Evaluation, Vec<(String, String)>)> {
    let validation = codebook.validate(table)?;
    if !table.has("outcome_domain") {
        return Err(table.missing_column("outcome_domain", "to analyse each outcome domain"));
    }
    let simulated = super::is_simulated(table);
    let effects = row_effects(table)?;
    let domain = texts(table, "outcome_domain");
    let sid: Vec<String> = {
        let ids = if table.has("study_id") {
            texts(table, "study_id")
        } else {
            texts(table, "study")
        };
        ids.into_iter()
            .enumerate()
            .map(|(i, s)| s.unwrap_or_else(|| format!("row {}", i + 1)))
            .collect()
    };
    let labels = table.labels("study");
    let rob = texts(table, "risk_of_bias");
    let model = RandomEffects::new().knha(true).level(opts.level)?;
    let mut svgs = Vec::new();
    let mut domains = Vec::new();
    let order: Vec<String> = match codebook.field("outcome_domain").map(|f| &f.kind) {
        Some(FieldKind::Category { levels }) => levels.clone(),
        _ => Vec::new(),
    };
    let mut present: Vec<String> = domain.iter().flatten().cloned().collect();
    present.sort_by_key(|d| order.iter().position(|o| o == d).unwrap_or(usize::MAX));
    present.dedup();
    for (di, dname) in present.iter().enumerate() {
        let rows: Vec<usize> = (0..table.nrows())
            .filter(|&i| domain[i].as_deref() == Some(dname.as_str()) && effects[i].is_some())
            .collect();
        if rows.is_empty() {
            continue;
        }
        let kinds: Vec<Kind> = rows
            .iter()
            .filter_map(|&i| effects[i].map(|e| e.2))
            .collect();
        let all_binary = kinds.iter().all(|k| *k == Kind::Binary);
        let mixed = !all_binary && kinds.contains(&Kind::Binary);
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
        let conv = std::f64::consts::PI / 3f64.sqrt();
        let (mut yi, mut vi) = (Vec::new(), Vec::new());
        for &i in &rows {
            let (y, v, k) = effects[i].unwrap_or((0.0, 1.0, Kind::Generic));
            if mixed && k == Kind::Binary {
                yi.push(y / conv);
                vi.push(v / (conv * conv));
            } else {
                yi.push(y);
                vi.push(v);
            }
        }
        let es = EffectSizes {
            measure,
            study: rows.iter().map(|&i| labels[i].clone()).collect(),
            yi,
            vi,
            rows: rows.clone(),
            omitted: Vec::new(),
            nrows: table.nrows(),
        };
        let mut distinct: Vec<&String> = rows.iter().map(|&i| &sid[i]).collect();
        distinct.sort();
        distinct.dedup();
        let n_studies = distinct.len();
        let pooled = model.fit(&es)?;
        // Subgroups by codebook categories with ≥ 2 levels of ≥ 2 studies.
        let mut sgs = Vec::new();
        for f in &codebook.fields {
            if !matches!(f.kind, FieldKind::Category { .. })
                || f.name == "outcome_domain"
                || !table.has(&f.name)
            {
                continue;
            }
            let vals = texts(table, &f.name);
            // distinct studies per level
            let mut counts: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
                Default::default();
            for &i in &rows {
                if let Some(v) = vals[i].as_deref() {
                    counts.entry(v).or_default().insert(sid[i].as_str());
                }
            }
            if counts.values().filter(|c| c.len() >= 2).count() >= 2 {
                if let Ok(sg) = subgroups(table, &es, &f.name, &model, false) {
                    sgs.push(sg);
                }
            }
        }
        let duration = if table.has("duration_months") && es.k() >= 4 {
            MetaRegression::new(model)
                .fit_table(table, &es, &["duration_months".to_string()], None)
                .ok()
                .map(|m| RegressionKeys::new(&m.regression, None))
        } else {
            None
        };
        let rve = if n_studies < es.k() && n_studies >= 3 {
            let col = if table.has("study_id") {
                "study_id"
            } else {
                "study"
            };
            Rve::new(0.8, opts.level)?
                .fit_table(table, &es, col, &[])
                .ok()
        } else {
            None
        };
        let bias = if es.k() >= 10 {
            (|| -> Result<BiasReport> {
                Ok(BiasReport {
                    measure,
                    method: model.get_method(),
                    k: es.k(),
                    egger: diag::egger(&es, &model, false)?,
                    begg: diag::begg(&es)?,
                    trimfill: diag::trimfill(&es, &model, TrimFillEstimator::L0, None)?,
                    fail_safe_n: diag::fail_safe(&es, None)?,
                })
            })()
            .ok()
        } else {
            None
        };
        let low: Vec<usize> = (0..es.k())
            .filter(|&j| rob[rows[j]].as_deref() == Some("low"))
            .collect();
        let low_risk_only = if low.len() >= 2 {
            let y: Vec<f64> = low.iter().map(|&j| es.yi[j]).collect();
            let v: Vec<f64> = low.iter().map(|&j| es.vi[j]).collect();
            model
                .fit_slices(&y, &v, &mut crate::model::Workspace::new())
                .ok()
        } else {
            None
        };
        let l1o = if es.k() >= 3 {
            diag::influence(&es, &model).ok().map(|v| {
                let e: Vec<f64> = v.iter().map(|x| x.leave1out_estimate).collect();
                [
                    e.iter().copied().fold(f64::INFINITY, f64::min),
                    e.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                ]
            })
        } else {
            None
        };
        let s = &pooled.summary;
        let mut caveats = Vec::new();
        if n_studies < 5 {
            caveats.push(format!("few studies ({n_studies}): estimates are imprecise and heterogeneity is poorly estimated"));
        }
        if s.i2 > 50.0 {
            caveats.push(format!(
                "high heterogeneity (I² = {:.0}%): effects vary between settings",
                s.i2
            ));
        }
        let high = rows
            .iter()
            .filter(|&&i| rob[i].as_deref() == Some("high"))
            .count();
        if high * 2 > rows.len() {
            caveats.push("mostly high risk of bias".into());
        }
        if let Some(b) = &bias {
            if b.egger.p_value < 0.1 {
                caveats.push(format!(
                    "possible small-study effects (Egger p = {:.3})",
                    b.egger.p_value
                ));
            }
        }
        if simulated {
            caveats.push("SIMULATED demonstration data".into());
        }
        let forest = format!("forest_{}.svg", di + 1);
        svgs.push((
            forest.clone(),
            crate::report::svg::forest(
                &pooled,
                None,
                &format!(
                    "{dname}{}",
                    if simulated { " (simulated data)" } else { "" }
                ),
            ),
        ));
        let funnel = bias.as_ref().map(|b| {
            let name = format!("funnel_{}.svg", di + 1);
            let filled: Vec<(f64, f64)> = b.trimfill.filled.iter().map(|f| (f.yi, f.vi)).collect();
            svgs.push((
                name.clone(),
                crate::report::svg::funnel(
                    &es.yi,
                    &es.vi,
                    s.estimate,
                    &filled,
                    measure,
                    &format!("{dname}: funnel plot"),
                ),
            ));
            name
        });
        domains.push(DomainResult {
            domain: dname.clone(),
            studies: n_studies,
            scale_note,
            summary: plain(dname, n_studies, measure, s, opts.level),
            pooled,
            subgroups: sgs,
            duration,
            rve,
            bias,
            sensitivity: Sensitivity {
                low_risk_only,
                leave_one_out_range: l1o,
            },
            caveats,
            forest,
            funnel,
        });
    }
    if domains.is_empty() {
        return Err(Error::Empty {
            file: table.source().to_string(),
            message:
                "no row has a usable effect (yi with vi or sei, continuous arms, or a 2x2 table)"
                    .into(),
        });
    }
    let economics = match costs {
        Some(c) => {
            let o = crate::econ::table::CeaOptions {
                wtp: opts.wtp.clone(),
                level: opts.level,
                treatment: Some("peer support".into()),
                control: Some("usual care".into()),
                ..Default::default()
            };
            let rep = crate::econ::table::analyse_table(c, &o)?;
            if let Some(p) = &rep.pooled {
                // CEAC of the pooled INMB: P(INMB > 0) over a WTP grid (t on k − 1 df).
                let grid: Vec<f64> = (0..=50).map(|i| 1000.0 * i as f64).collect();
                if let Ok((by, _, _)) =
                    crate::econ::pooled_net_benefit(&p.increments, &grid, opts.level)
                {
                    let prob: Vec<f64> = by
                        .iter()
                        .map(|w| {
                            let half = crate::dist::t_p2(w.fit.statistic, w.fit.df) / 2.0;
                            if w.fit.statistic >= 0.0 {
                                1.0 - half
                            } else {
                                half
                            }
                        })
                        .collect();
                    svgs.push((
                        "ceac.svg".into(),
                        crate::report::svg::ceac(
                            &grid,
                            &[("peer support vs usual care (pooled)".into(), prob)],
                            None,
                            "Probability peer support is cost-effective (pooled INMB)",
                        ),
                    ));
                }
            }
            Some(rep)
        }
        None => None,
    };
    let rows_without_effect = effects.iter().filter(|e| e.is_none()).count();
    let methods = format!(
        "peerstat {} standard analysis. Effects: yi with vi/sei as given; otherwise Hedges' g (exact J, LS variance) from arm means and SDs; otherwise the log odds ratio from 2x2 tables (0.5 added to tables with a zero cell); signs reversed where higher_is_better is false so that positive means benefit; in domains mixing binary and continuous data, log odds ratios converted to SMDs (x sqrt(3)/pi). Pooling: random effects, REML tau^2, Knapp-Hartung t-based {}% CIs, Q-profile CI for tau^2, prediction intervals (t, k-1 df). Subgroups by every codebook category with at least two levels of 2+ studies (separate tau^2; test for subgroup differences); meta-regression on duration_months; robust variance estimation (correlated effects, rho = 0.8, small-sample corrected) when studies contribute several effects; Egger, Begg, trim-and-fill and fail-safe N when k >= 10; sensitivity: low risk of bias only and leave-one-out range. Economics: incremental net monetary benefit per trial pooled by REML + Knapp-Hartung at WTP {}. Codebook: {} {}.",
        env!("CARGO_PKG_VERSION"),
        opts.level,
        opts.wtp.iter().map(|w| format!("£{w:.0}")).collect::<Vec<_>>().join(", "),
        codebook.name,
        codebook.version
    );
    Ok((
        Evaluation {
            version: env!("CARGO_PKG_VERSION").into(),
            simulated,
            input: input.display().to_string(),
            input_sha256: sha256_file(input)?,
            codebook: format!("{} {}", codebook.name, codebook.version),
            validation,
            rows_without_effect,
            domains,
            economics,
            methods,
        },
        svgs,
    ))
}

/// Each row's effect on the SMD scale (log odds ratios converted by × √3/π), positive = benefit,
/// for the evidence-and-gap map.
///
/// # Errors
/// Bad values, naming row and column.
pub fn map_effects(table: &Table) -> Result<Vec<Option<(f64, f64)>>> {
    let conv = std::f64::consts::PI / 3f64.sqrt();
    Ok(row_effects(table)?
        .into_iter()
        .map(|e| {
            e.map(|(y, v, k)| {
                if k == Kind::Binary {
                    (y / conv, v / (conv * conv))
                } else {
                    (y, v)
                }
            })
        })
        .collect())
}
