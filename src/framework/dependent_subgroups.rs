//! Subgroups, meta-regression and sensitivity analyses of a domain whose studies contribute
//! several effects. Subgroups: each level pooled as
//! the headline is (the CHE model with CR2 inference where a study has several effects in the
//! level, else REML + Knapp–Hartung), and the test for subgroup differences from the CHE
//! meta-regression on the factor with clubSandwich's HTZ Wald test (CR2, approximate Hotelling
//! T²), never from effects treated as independent.
//!
//! metafor/clubSandwich equivalent: `V <- vcalc(vi, study, obs = esid, rho = ρ)`;
//! `res <- rma.mv(yi, V, mods = ~ factor(level), random = ~ 1 | study/esid)`;
//! `Wald_test(res, constraints = constrain_zero(2:p), vcov = "CR2", cluster = study)`.

use nalgebra::DMatrix;

use super::dependence::{pool_dependent, DependentData};
use super::records::{DomainData, Sensitivity, Skipped};
use crate::effect::EffectSizes;
use crate::error::{Error, Result};
use crate::model::multilevel::MultilevelModel;
use crate::model::robust::{Robust, RobustType};
use crate::model::subgroup::{SubgroupAnalysis, SubgroupFit, Test};
use crate::model::vcalc::vcalc;
use crate::model::{RandomEffects, Summary};

/// Sorts levels numerically when every one is a number, else as text (as R's `factor`).
fn sort_levels(levels: &mut [String]) {
    let nums: Option<Vec<f64>> = levels.iter().map(|l| l.trim().parse().ok()).collect();
    match nums {
        Some(_) => levels.sort_by(|a, b| {
            let (x, y): (f64, f64) = (
                a.trim().parse().unwrap_or(f64::NAN),
                b.trim().parse().unwrap_or(f64::NAN),
            );
            x.total_cmp(&y)
        }),
        None => levels.sort(),
    }
}

/// A subgroup analysis of dependent effects.
pub(crate) struct SubgroupInput<'a> {
    /// The effects of one domain.
    pub es: &'a EffectSizes,
    /// The subgroup variable.
    pub by: &'a str,
    /// Its value per effect (`None`: missing, left out).
    pub labels: &'a [Option<String>],
    /// The study of each effect.
    pub study: &'a [String],
    /// The model of a level with one effect per study.
    pub base: RandomEffects,
    /// The assumed sampling correlation of the CHE model.
    pub rho: f64,
    /// Confidence level (percent).
    pub level: f64,
}

/// The subgroup analysis of `inp.es` by `inp.by`: each level pooled as the headline is, and
/// the CR2 HTZ test of the CHE meta-regression on the factor.
///
/// # Errors
/// [`Error::TooFew`] for fewer than two levels; model errors of a level's fit or of the
/// meta-regression.
pub(crate) fn dependent_subgroups(inp: &SubgroupInput<'_>) -> Result<SubgroupAnalysis> {
    let (es, labels) = (inp.es, inp.labels);
    let keep: Vec<usize> = (0..es.k()).filter(|&j| labels[j].is_some()).collect();
    let mut levels: Vec<String> = keep.iter().filter_map(|&j| labels[j].clone()).collect();
    sort_levels(&mut levels);
    levels.dedup();
    if levels.len() < 2 {
        return Err(Error::TooFew {
            analysis: format!("subgroups by {}", inp.by),
            needed: 2,
            found: levels.len(),
            unit: "levels with studies",
            note: String::new(),
        });
    }
    let mut fits = Vec::with_capacity(levels.len());
    for l in &levels {
        let idx: Vec<usize> = keep
            .iter()
            .copied()
            .filter(|&j| labels[j].as_deref() == Some(l.as_str()))
            .collect();
        fits.push(level_fit(inp, l, &idx)?);
    }
    let (test, common_tau2) = factor_test(inp, &keep, &levels)?;
    Ok(SubgroupAnalysis {
        by: inp.by.to_string(),
        subgroups: fits,
        subgroup_test: test,
        subgroup_test_common_tau2: test,
        common_tau2,
        uses_common_tau2: false,
        omitted: es.k() - keep.len(),
    })
}

/// The fit of level `l` (effects `idx`): the CHE model when a study contributes several
/// effects among at least two studies, else REML + Knapp–Hartung (ad hoc up to two studies).
///
/// # Errors
/// Model errors of the fit.
fn level_fit(inp: &SubgroupInput<'_>, l: &str, idx: &[usize]) -> Result<SubgroupFit> {
    let sub = inp.es.subset(idx);
    let st: Vec<String> = idx.iter().map(|&j| inp.study[j].clone()).collect();
    let mut distinct = st.clone();
    distinct.sort();
    distinct.dedup();
    let fit = if idx.len() > distinct.len() && distinct.len() >= 2 {
        let data = DependentData {
            yi: sub.yi(),
            vi: sub.vi(),
            study: &st,
            rows: sub.rows(),
            measure: inp.es.measure(),
        };
        pool_dependent(&data, inp.base, inp.rho, inp.level)?.0
    } else {
        inp.base.knha_adhoc(distinct.len() <= 2).fit(&sub)?
    };
    Ok(SubgroupFit {
        level: l.to_string(),
        single_study: distinct.len() == 1,
        fit,
    })
}

/// The CR2 HTZ test of the CHE meta-regression on the factor (treatment coding, first level
/// the reference) over the effects `keep`, and the total variance of that model.
///
/// # Errors
/// Model errors of the fit or of the robust inference.
fn factor_test(inp: &SubgroupInput<'_>, keep: &[usize], levels: &[String]) -> Result<(Test, f64)> {
    let (es, rho, level) = (inp.es, inp.rho, inp.level);
    let y: Vec<f64> = keep.iter().map(|&j| es.yi()[j]).collect();
    let v: Vec<f64> = keep.iter().map(|&j| es.vi()[j]).collect();
    let st: Vec<String> = keep.iter().map(|&j| inp.study[j].clone()).collect();
    let k = keep.len();
    let ids: Vec<usize> = (0..k).collect();
    let cov = vcalc(&v, &st, Some(&ids), None, rho)?;
    let x = DMatrix::from_fn(k, levels.len(), |i, c| {
        if c == 0 {
            1.0
        } else {
            f64::from(u8::from(
                inp.labels[keep[i]].as_deref() == Some(levels[c].as_str()),
            ))
        }
    });
    let mut names = vec!["intrcpt".to_string()];
    names.extend(levels.iter().skip(1).map(|l| format!("{}{l}", inp.by)));
    let sc = super::dependence::codes(&st);
    let fit =
        MultilevelModel::new()
            .level(level)?
            .fit_cov(&y, &cov, &[sc.clone(), ids], &x, &names)?;
    let rob = Robust::new(RobustType::Cr2, level)?.fit_multilevel(&fit, &sc)?;
    let test = match rob.htz {
        Some(w) => Test {
            q: w.f,
            df: w.df1 as usize,
            df2: w.df2,
            p_value: w.p_value,
        },
        None => Test {
            q: f64::NAN,
            df: levels.len() - 1,
            df2: f64::NAN,
            p_value: f64::NAN,
        },
    };
    Ok((test, fit.sigma2.iter().sum()))
}

/// The meta-regression of dependent effects on a numeric moderator `x` (one value per effect):
/// the CHE model with the moderator, its coefficients with CR2 standard errors and Satterthwaite
/// df (clubSandwich `coef_test`), `qm` the robust test of the slope (F on 1 and its df: the
/// squared robust t), `qe` the test for residual heterogeneity; no R² (metafor gives none for
/// `rma.mv`).
///
/// # Errors
/// Model errors of the fit or of the robust inference.
pub(crate) fn dependent_regression(
    es: &EffectSizes,
    name: &str,
    x: &[f64],
    study: &[String],
    rho: f64,
    level: f64,
) -> Result<crate::model::RegressionKeys> {
    let k = es.k();
    Error::check_len("moderator values", k, x.len())?;
    let ids: Vec<usize> = (0..k).collect();
    let cov = vcalc(es.vi(), study, Some(&ids), None, rho)?;
    let design = DMatrix::from_fn(k, 2, |i, c| if c == 0 { 1.0 } else { x[i] });
    let sc = super::dependence::codes(study);
    let names = ["intrcpt".to_string(), name.to_string()];
    let fit = MultilevelModel::new().level(level)?.fit_cov(
        es.yi(),
        &cov,
        &[sc.clone(), ids],
        &design,
        &names,
    )?;
    let rob = Robust::new(RobustType::Cr2, level)?.fit_multilevel(&fit, &sc)?;
    let coefficients: Vec<crate::model::regression::Coefficient> = rob
        .coefficients
        .iter()
        .map(|c| crate::model::regression::Coefficient {
            name: c.name.clone(),
            est: c.est,
            df: Some(c.df),
        })
        .collect();
    let slope = coefficients
        .get(1)
        .ok_or_else(|| Error::input("CHE meta-regression", "no slope"))?;
    let f = slope.est.statistic.powi(2);
    Ok(crate::model::RegressionKeys {
        qm: f,
        qm_df: 1,
        qm_p: slope.est.p_value,
        qe: fit.qe,
        qe_df: fit.qe_df,
        qe_p: fit.qe_p,
        r2: f64::NAN,
        permutation: None,
        prediction: None,
        prediction_covariance: None,
        coefficients,
        vcov: None,
        contrasts: None,
    })
}

/// The pooled summary of the effects `idx` (`study`: the study of each effect of `es`), as the
/// headline would pool them; `None` below two studies.
///
/// # Errors
/// Model errors of the fit.
fn pool_subset(
    d: &DomainData<'_>,
    es: &EffectSizes,
    study: &[String],
    idx: &[usize],
) -> Result<Option<Summary>> {
    let st: Vec<String> = idx.iter().map(|&j| study[j].clone()).collect();
    let mut distinct = st.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < 2 {
        return Ok(None);
    }
    let sub = es.subset(idx);
    if idx.len() > distinct.len() {
        let data = DependentData {
            yi: sub.yi(),
            vi: sub.vi(),
            study: &st,
            rows: sub.rows(),
            measure: es.measure(),
        };
        let (f, _) = pool_dependent(&data, d.model, d.rho, d.level)?;
        Ok(Some(f.summary))
    } else {
        Ok(Some(d.model.fit(&sub)?.summary))
    }
}

/// The pooled effect of the studies at low risk of bias alone.
fn low_risk_only(
    d: &DomainData<'_>,
    es: &EffectSizes,
    study: &[String],
    skipped: &mut Vec<Skipped>,
) -> Option<Summary> {
    const SECTION: &str = "sensitivity: low risk of bias only";
    let Some(r) = &d.risk_of_bias else {
        skipped.push(Skipped::new(
            SECTION,
            "risk of bias not coded in these data (no risk_of_bias column)",
        ));
        return None;
    };
    let low: Vec<usize> = (0..es.k())
        .filter(|&j| r[es.rows()[j]].as_deref() == Some("low"))
        .collect();
    match pool_subset(d, es, study, &low) {
        Ok(Some(s)) => Some(s),
        Ok(None) => {
            skipped.push(Skipped::new(
                SECTION,
                "fewer than 2 studies at low risk of bias",
            ));
            None
        }
        Err(e) => {
            skipped.push(Skipped::new(SECTION, e.to_string()));
            None
        }
    }
}

/// The range of the estimate leaving out one whole study at a time (from three studies).
fn leave_one_study_out(
    d: &DomainData<'_>,
    es: &EffectSizes,
    study: &[String],
    skipped: &mut Vec<Skipped>,
) -> Option<[f64; 2]> {
    const SECTION: &str = "sensitivity: leave one study out";
    let mut distinct = study.to_vec();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < 3 {
        skipped.push(Skipped::new(
            SECTION,
            format!("fewer than 3 studies ({})", distinct.len()),
        ));
        return None;
    }
    let mut range = [f64::INFINITY, f64::NEG_INFINITY];
    let mut failed = None;
    for s in &distinct {
        let idx: Vec<usize> = (0..es.k()).filter(|&j| &study[j] != s).collect();
        let y: Vec<f64> = idx.iter().map(|&j| es.yi()[j]).collect();
        let v: Vec<f64> = idx.iter().map(|&j| es.vi()[j]).collect();
        let st: Vec<String> = idx.iter().map(|&j| study[j].clone()).collect();
        let mut left = st.clone();
        left.sort();
        left.dedup();
        // One effect per remaining study: the univariate model, as the headline would be.
        let fitted = if left.len() == st.len() {
            d.model
                .fit_slices(&y, &v, &mut crate::model::Workspace::new())
                .map(|s| s.estimate)
        } else {
            super::dependence::che_estimate(&y, &v, &st, d.rho)
        };
        match fitted {
            Ok(e) => {
                range[0] = range[0].min(e);
                range[1] = range[1].max(e);
            }
            Err(e) => failed = Some(e.to_string()),
        }
    }
    match failed {
        Some(e) => {
            skipped.push(Skipped::new(SECTION, e));
            None
        }
        None => Some(range),
    }
}

/// Sensitivity analyses of dependent effects, each pooled as the headline is: the low-risk
/// studies alone (CHE + CR2 when they still have several effects per study, else REML + KH),
/// and the range of the estimate leaving out one whole study at a time.
pub(super) fn dependent_sensitivity(
    d: &DomainData<'_>,
    es: &EffectSizes,
    skipped: &mut Vec<Skipped>,
) -> Sensitivity {
    let study: Vec<String> = es.rows().iter().map(|&r| d.study_ids[r].clone()).collect();
    Sensitivity {
        low_risk_only: low_risk_only(d, es, &study, skipped),
        leave_one_out_range: leave_one_study_out(d, es, &study, skipped),
    }
}

/// The duration meta-regression of dependent effects (CHE + CR2), effects without a duration
/// left out; a failure is recorded under `section`.
pub(super) fn dependent_duration(
    d: &DomainData<'_>,
    es: &EffectSizes,
    section: &str,
    skipped: &mut Vec<Skipped>,
) -> Option<crate::model::RegressionKeys> {
    // Several effects per study: the CHE model with CR2 inference.
    let fitted = d
        .table
        .numeric("duration_months", "as the meta-regression moderator")
        .and_then(|col| {
            let keep: Vec<usize> = (0..es.k())
                .filter(|&j| col.get(es.rows()[j]).copied().flatten().is_some())
                .collect();
            let sub = es.subset(&keep);
            let x: Vec<f64> = sub
                .rows()
                .iter()
                .map(|&r| col.get(r).copied().flatten().unwrap_or(f64::NAN))
                .collect();
            let study: Vec<String> = sub.rows().iter().map(|&r| d.study_ids[r].clone()).collect();
            dependent_regression(&sub, "duration_months", &x, &study, d.rho, d.level)
        });
    match fitted {
        Ok(r) => Some(r),
        Err(e) => {
            skipped.push(Skipped::new(section, e.to_string()));
            None
        }
    }
}
