//! Running an economic evaluation on a table: shape detection, column reading with clear errors,
//! discounting, and the combined report behind `peerstat cea`.

use serde::Serialize;

use super::draws::{analyse_draws, draw_matrices, DrawsAnalysis};
use super::frontier::{frontier, FrontierRow, Strategy};
use super::trial::{
    analyse_arms, analyse_patients, arm_increments, discount_factor, patient_increments,
    pooled_net_benefit, ArmSummary, Increments, PatientOptions, PooledWtp, Timing, TrialResult,
};
use crate::data::{excerpt, fmt_f64, Column, Table};
use crate::error::{Error, Result, Setting};
use crate::model::Summary;

/// The four economic data shapes (`docs/src/economics.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// `strategy, cost, effect`.
    Strategies,
    /// `draw, strategy, cost, effect`.
    Draws,
    /// `id, arm, cost, effect [, covariates]`.
    Patients,
    /// `arm, n, mean_cost, sd_cost, mean_effect, sd_effect, corr`.
    Arms,
}

impl Shape {
    /// Detects the shape from the columns present.
    ///
    /// # Errors
    /// [`Error::UnknownShape`] when no shape fits, listing what each needs.
    pub fn detect(t: &Table) -> Result<Shape> {
        if t.has("draw") && t.has("strategy") {
            Ok(Shape::Draws)
        } else if t.has("arm") && t.has("mean_cost") {
            Ok(Shape::Arms)
        } else if t.has("arm") && t.has("cost") && t.has("effect") {
            Ok(Shape::Patients)
        } else if t.has("strategy") && t.has("cost") && t.has("effect") {
            Ok(Shape::Strategies)
        } else {
            Err(Error::UnknownShape {
                file: t.source().to_string(),
                columns: t.names().iter().map(|s| s.to_string()).collect(),
            })
        }
    }

    /// Parses a shape name.
    ///
    /// # Errors
    /// [`Error::Setting`] for an unknown name.
    pub fn parse(s: &str) -> Result<Shape> {
        match s.trim().to_ascii_lowercase().as_str() {
            "strategies" => Ok(Shape::Strategies),
            "draws" | "psa" => Ok(Shape::Draws),
            "patients" | "ipd" => Ok(Shape::Patients),
            "arms" => Ok(Shape::Arms),
            _ => Err(Error::setting(
                Setting::Shape,
                format!("unknown data shape '{s}': choose strategies, draws, patients or arms"),
            )),
        }
    }
}

/// Options for [`analyse_table`]. The default: shape detected, WTP £20,000 and £30,000, no
/// bootstrap (seed 1), no covariates, no discounting (start-of-year timing), a 95 % level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CeaOptions {
    /// Shape (detected when `None`).
    pub shape: Option<Shape>,
    /// Willingness-to-pay values.
    pub wtp: Vec<f64>,
    /// Draws: reference strategy.
    pub reference: Option<String>,
    /// Patients/arms: intervention arm.
    pub treatment: Option<String>,
    /// Patients/arms: comparator arm.
    pub control: Option<String>,
    /// Bootstrap replicates.
    pub boot: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Cost covariates.
    pub cost_covariates: Vec<String>,
    /// Effect covariates.
    pub effect_covariates: Vec<String>,
    /// Discount rate for costs.
    pub discount_cost: f64,
    /// Discount rate for effects.
    pub discount_effect: f64,
    /// Discount timing.
    pub timing: Timing,
    /// Confidence level (percent).
    pub level: f64,
}

impl Default for CeaOptions {
    fn default() -> Self {
        CeaOptions {
            shape: None,
            wtp: vec![20_000.0, 30_000.0],
            reference: None,
            treatment: None,
            control: None,
            boot: 0,
            seed: 1,
            cost_covariates: Vec::new(),
            effect_covariates: Vec::new(),
            discount_cost: 0.0,
            discount_effect: 0.0,
            timing: Timing::Start,
            level: 95.0,
        }
    }
}

impl CeaOptions {
    /// Checks the options that do not depend on the data.
    ///
    /// # Errors
    /// [`Error::Setting`] for a confidence level outside (50, 100), discount rates outside
    /// [0, 1), or no or negative willingness-to-pay values.
    pub fn validate(&self) -> Result<()> {
        crate::error::check_level(self.level)?;
        for r in [self.discount_cost, self.discount_effect] {
            if !(0.0..1.0).contains(&r) {
                return Err(Error::setting(
                    Setting::DiscountRate,
                    format!("discount rates are annual proportions in [0, 1), e.g. 0.035; got {r}"),
                ));
            }
        }
        if self.wtp.is_empty() || self.wtp.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::setting(
                Setting::Wtp,
                "willingness-to-pay values must be given, as non-negative numbers",
            ));
        }
        Ok(())
    }
}

/// Pooled net benefit across trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    /// Study labels.
    pub studies: Vec<String>,
    /// Per-study increments.
    pub increments: Vec<Increments>,
    /// Pooled INMB by willingness to pay.
    pub by_wtp: Vec<PooledWtp>,
    /// Pooled incremental cost.
    pub inc_cost: Summary,
    /// Pooled incremental effect.
    pub inc_effect: Summary,
    /// The pooled ICER with Fieller's interval.
    pub icer: crate::econ::PooledIcer,
}

/// The result of `peerstat cea`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CeaResult {
    /// Shape analysed.
    pub shape: Shape,
    /// Frontier (strategies; for draws, of the means).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontier: Option<Vec<FrontierRow>>,
    /// PSA analysis (draws).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub draws: Option<DrawsAnalysis>,
    /// Trial-based result (patients or arms without a study column).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub trial: Option<TrialResult>,
    /// Pooled across trials (patients or arms with a study column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled: Option<Pooled>,
    /// The options that produced the result.
    pub options: CeaOptions,
}

fn texts(t: &Table, name: &str, purpose: &str) -> Result<Vec<String>> {
    let c = t.get(name).ok_or_else(|| t.missing_column(name, purpose))?;
    (0..t.nrows())
        .map(|i| {
            c.key(i)
                .ok_or_else(|| t.value_error(i, name, "missing value"))
        })
        .collect()
}

fn numbers(t: &Table, name: &str, purpose: &str) -> Result<Vec<f64>> {
    let v = t.numeric(name, purpose)?;
    v.into_iter()
        .enumerate()
        .map(|(i, x)| x.ok_or_else(|| t.value_error(i, name, "missing value")))
        .collect()
}

fn arms_of(labels: &[String], opts: &CeaOptions) -> Result<(String, String)> {
    let mut uniq: Vec<&String> = Vec::new();
    for l in labels {
        if !uniq.contains(&l) {
            uniq.push(l);
        }
    }
    let list = || {
        uniq.iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let other = |x: &str| uniq.iter().find(|u| u.as_str() != x).map(|s| s.to_string());
    let (t, c) = match (&opts.treatment, &opts.control) {
        (Some(t), Some(c)) => (t.clone(), c.clone()),
        (Some(t), None) if uniq.len() == 2 => (t.clone(), other(t).unwrap_or_default()),
        (None, Some(c)) if uniq.len() == 2 => (other(c).unwrap_or_default(), c.clone()),
        _ => {
            return Err(Error::setting(
                Setting::Arms,
                format!(
                    "name the arms to compare, the treatment and the control (arms: {})",
                    list()
                ),
            ))
        }
    };
    for a in [&t, &c] {
        if !uniq.contains(&a) {
            return Err(Error::NotFound {
                kind: "arm",
                kind_plural: "arms",
                name: a.to_string(),
                available: uniq.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    Ok((t, c))
}

/// Patient totals (discounted when a `year` column exists), with arm labels and covariates.
struct Patients {
    arm: Vec<String>,
    cost: Vec<f64>,
    effect: Vec<f64>,
    study: Vec<String>,
    cost_cov: Vec<Vec<f64>>,
    effect_cov: Vec<Vec<f64>>,
}

fn patients(t: &Table, o: &CeaOptions) -> Result<Patients> {
    let purpose = "for patient-level data";
    let arm = texts(t, "arm", purpose)?;
    let cost = numbers(t, "cost", purpose)?;
    let effect = numbers(t, "effect", purpose)?;
    let study = if t.has("study") {
        texts(t, "study", purpose)?
    } else {
        vec![String::new(); t.nrows()]
    };
    let covs = |names: &[String]| -> Result<Vec<Vec<f64>>> {
        names
            .iter()
            .map(|n| numbers(t, n, "as a covariate"))
            .collect()
    };
    let (cc, ec) = (covs(&o.cost_covariates)?, covs(&o.effect_covariates)?);
    if !t.has("year") {
        if o.discount_cost > 0.0 || o.discount_effect > 0.0 {
            return Err(Error::MissingColumn {
                file: t.source().to_string(),
                column: t.actual_name("year").to_string(),
                canonical: "year".into(),
                purpose: "for discounting: 0 = first year, one row per patient and year".into(),
                available: t.names().join(", "),
            });
        }
        return Ok(Patients {
            arm,
            cost,
            effect,
            study,
            cost_cov: cc,
            effect_cov: ec,
        });
    }
    // One row per patient and year: discount, then total per patient (first-appearance order).
    let id = texts(t, "id", "to total each patient's years")?;
    let year = numbers(t, "year", "for discounting")?;
    let mut order: Vec<String> = Vec::new();
    let mut pos = std::collections::HashMap::new();
    let mut out = Patients {
        arm: Vec::new(),
        cost: Vec::new(),
        effect: Vec::new(),
        study: Vec::new(),
        cost_cov: vec![Vec::new(); cc.len()],
        effect_cov: vec![Vec::new(); ec.len()],
    };
    for i in 0..t.nrows() {
        if year[i] < 0.0 {
            return Err(t.value_error(
                i,
                "year",
                format!("year must be 0 or more, found {}", fmt_f64(year[i])),
            ));
        }
        let p = *pos.entry(id[i].clone()).or_insert_with(|| {
            order.push(id[i].clone());
            out.arm.push(arm[i].clone());
            out.study.push(study[i].clone());
            out.cost.push(0.0);
            out.effect.push(0.0);
            for (j, c) in cc.iter().enumerate() {
                out.cost_cov[j].push(c[i]);
            }
            for (j, c) in ec.iter().enumerate() {
                out.effect_cov[j].push(c[i]);
            }
            order.len() - 1
        });
        if out.arm[p] != arm[i] {
            return Err(t.value_error(
                i,
                "arm",
                format!("patient '{}' appears in two arms", id[i]),
            ));
        }
        out.cost[p] += cost[i] * discount_factor(o.discount_cost, year[i], o.timing);
        out.effect[p] += effect[i] * discount_factor(o.discount_effect, year[i], o.timing);
    }
    Ok(out)
}

fn arm_summaries(t: &Table) -> Result<Vec<(String, ArmSummary)>> {
    let purpose = "for arm summaries";
    let arm = texts(t, "arm", purpose)?;
    let study = if t.has("study") {
        texts(t, "study", purpose)?
    } else {
        vec![String::new(); t.nrows()]
    };
    let cols: Vec<Vec<f64>> = [
        "n",
        "mean_cost",
        "sd_cost",
        "mean_effect",
        "sd_effect",
        "corr",
    ]
    .iter()
    .map(|c| numbers(t, c, purpose))
    .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for i in 0..t.nrows() {
        let a = ArmSummary {
            arm: arm[i].clone(),
            n: cols[0][i],
            mean_cost: cols[1][i],
            sd_cost: cols[2][i],
            mean_effect: cols[3][i],
            sd_effect: cols[4][i],
            corr: cols[5][i],
        };
        let check = |col: &str, ok: bool, msg: String| {
            if ok {
                Ok(())
            } else {
                Err(t.value_error(i, col, msg))
            }
        };
        check(
            "n",
            a.n > 1.0,
            format!("n must be at least 2, found {}", fmt_f64(a.n)),
        )?;
        check(
            "sd_cost",
            a.sd_cost >= 0.0,
            format!("SD cannot be negative, found {}", fmt_f64(a.sd_cost)),
        )?;
        check(
            "sd_effect",
            a.sd_effect >= 0.0,
            format!("SD cannot be negative, found {}", fmt_f64(a.sd_effect)),
        )?;
        check(
            "corr",
            a.corr.abs() <= 1.0,
            format!("correlation must lie in [-1, 1], found {}", fmt_f64(a.corr)),
        )?;
        out.push((study[i].clone(), a));
    }
    Ok(out)
}

/// Runs the economic evaluation that fits the table's shape.
///
/// # Errors
/// Missing or bad columns (naming row and column), a missing arm or strategy, n ≤ 1, negative
/// SD, |corr| > 1, non-numeric costs, and model failures.
pub fn analyse_table(t: &Table, o: &CeaOptions) -> Result<CeaResult> {
    o.validate()?;
    let shape = match o.shape {
        Some(s) => s,
        None => Shape::detect(t)?,
    };
    let mut rep = CeaResult {
        shape,
        frontier: None,
        draws: None,
        trial: None,
        pooled: None,
        options: o.clone(),
    };
    match shape {
        Shape::Strategies => rep.frontier = Some(strategies_frontier(t)?),
        Shape::Draws => {
            let (names, c, e) = draw_matrices(t)?;
            let d = analyse_draws(&names, &c, &e, &o.wtp, o.reference.as_deref())?;
            rep.frontier = Some(d.frontier.clone());
            rep.draws = Some(d);
        }
        Shape::Patients => (rep.trial, rep.pooled) = patients_trial(t, o)?,
        Shape::Arms => (rep.trial, rep.pooled) = arms_trial(t, o)?,
    }
    Ok(rep)
}

/// The frontier of a strategies table (each strategy named once).
fn strategies_frontier(t: &Table) -> Result<Vec<FrontierRow>> {
    let names = texts(t, "strategy", "for strategies")?;
    for (i, s) in names.iter().enumerate() {
        if let Some(first) = names[..i].iter().position(|o| o == s) {
            return Err(t.value_error(
                i,
                "strategy",
                format!(
                    "strategy '{}' appears twice (first in row {})",
                    excerpt(s),
                    first + 1
                ),
            ));
        }
    }
    let cost = numbers(t, "cost", "for strategies")?;
    let effect = numbers(t, "effect", "for strategies")?;
    let s: Vec<Strategy> = (0..t.nrows())
        .map(|i| Strategy::new(&names[i], cost[i], effect[i]))
        .collect();
    frontier(&s)
}

/// The distinct study labels in order of first appearance.
fn studies_in_order<'a>(labels: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut studies: Vec<String> = Vec::new();
    for s in labels {
        if !studies.contains(s) {
            studies.push(s.clone());
        }
    }
    studies
}

/// A trial analysis of patient-level data, or with several studies their pooled increments.
fn patients_trial(t: &Table, o: &CeaOptions) -> Result<(Option<TrialResult>, Option<Pooled>)> {
    let p = patients(t, o)?;
    let (tr, co) = arms_of(&p.arm, o)?;
    let studies = studies_in_order(p.study.iter());
    if studies.len() > 1 {
        let mut incs = Vec::new();
        for s in &studies {
            let idx: Vec<usize> = (0..p.arm.len())
                .filter(|&i| &p.study[i] == s && (p.arm[i] == tr || p.arm[i] == co))
                .collect();
            let c: Vec<f64> = idx.iter().map(|&i| p.cost[i]).collect();
            let e: Vec<f64> = idx.iter().map(|&i| p.effect[i]).collect();
            let tt: Vec<bool> = idx.iter().map(|&i| p.arm[i] == tr).collect();
            incs.push(
                patient_increments(&c, &e, &tt)
                    .map_err(|e| Error::input(format!("study '{s}'"), e.to_string()))?,
            );
        }
        return Ok((None, Some(pool(studies, incs, o)?)));
    }
    let idx: Vec<usize> = (0..p.arm.len())
        .filter(|&i| p.arm[i] == tr || p.arm[i] == co)
        .collect();
    let sel = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let treated: Vec<bool> = idx.iter().map(|&i| p.arm[i] == tr).collect();
    let opts = PatientOptions {
        wtp: o.wtp.clone(),
        level: o.level,
        boot: o.boot,
        seed: o.seed,
        cost_covariates: p.cost_cov.iter().map(|c| sel(c)).collect(),
        effect_covariates: p.effect_cov.iter().map(|c| sel(c)).collect(),
    };
    let trial = analyse_patients(&tr, &co, &sel(&p.cost), &sel(&p.effect), &treated, &opts)?;
    Ok((Some(trial), None))
}

/// A trial analysis of arm summaries, or with several studies their pooled increments.
fn arms_trial(t: &Table, o: &CeaOptions) -> Result<(Option<TrialResult>, Option<Pooled>)> {
    let rows = arm_summaries(t)?;
    let labels: Vec<String> = rows.iter().map(|r| r.1.arm.clone()).collect();
    let (tr, co) = arms_of(&labels, o)?;
    let studies = studies_in_order(rows.iter().map(|(s, _)| s));
    let find = |s: &str, a: &str| -> Result<&ArmSummary> {
        rows.iter()
            .find(|(st, r)| st == s && r.arm == a)
            .map(|(_, r)| r)
            .ok_or_else(|| {
                Error::input(
                    if s.is_empty() {
                        format!("arm '{a}'")
                    } else {
                        format!("study '{s}', arm '{a}'")
                    },
                    "is missing",
                )
            })
    };
    if studies.len() > 1 {
        let incs = studies
            .iter()
            .map(|s| arm_increments(find(s, &tr)?, find(s, &co)?))
            .collect::<Result<Vec<_>>>()?;
        return Ok((None, Some(pool(studies, incs, o)?)));
    }
    let trial = analyse_arms(
        find(&studies[0], &tr)?,
        find(&studies[0], &co)?,
        &o.wtp,
        o.level,
    )?;
    Ok((Some(trial), None))
}

fn pool(studies: Vec<String>, incs: Vec<Increments>, o: &CeaOptions) -> Result<Pooled> {
    let (by_wtp, inc_cost, inc_effect) = pooled_net_benefit(&incs, &o.wtp, o.level)?;
    let icer = crate::econ::pooled_icer(&incs, &inc_cost, &inc_effect, o.level);
    Ok(Pooled {
        icer,
        studies,
        increments: incs,
        by_wtp,
        inc_cost,
        inc_effect,
    })
}

/// Writes bootstrap replicates as a table (`replicate, inc_cost, inc_effect`).
pub fn draws_table(draws: &[(f64, f64)]) -> Result<Table> {
    Table::from_columns(
        "bootstrap",
        vec![
            (
                "replicate".into(),
                Column::Int((1..=draws.len() as i64).map(Some).collect()),
            ),
            (
                "inc_cost".into(),
                Column::Float(draws.iter().map(|d| Some(d.0)).collect()),
            ),
            (
                "inc_effect".into(),
                Column::Float(draws.iter().map(|d| Some(d.1)).collect()),
            ),
        ],
    )
}
