//! Mantel–Haenszel (OR, RR, RD) and Peto (OR) common-effect methods for 2×2 tables
//! (metafor `rma.mh`, `rma.peto`).
//!
//! The pooled estimate uses the raw tables (no continuity correction; double-zero tables kept,
//! where they contribute nothing to the OR/RR sums). Heterogeneity (Q, I², H²) uses per-study
//! estimates from the metafor escalc defaults: ½ added to the cells of tables with a zero cell,
//! double-zero tables left out (so the Q df can be smaller than k − 1).
//!
//! # Formulas (N = n_t + n_c, b = n_t − a, d = n_c − c)
//! * MH OR = Σ(ad/N)/Σ(bc/N) with the Robins–Breslow–Greenland variance of its log.
//! * MH RR = Σ(a n_c/N)/Σ(c n_t/N); `Var(log RR) = Σ(n_t n_c (a + c)/N² − ac/N)/(R·S)`.
//! * MH RD = Σ(a n_c − c n_t)/N / Σ(n_t n_c/N) with the Greenland–Robins (Sato) variance.
//! * Cochran–Mantel–Haenszel test (OR): `(|Σ(a − n_t(a+c)/N)| − ½)² / Σ n_t n_c (a+c)(b+d)/(N²(N−1))`.
//! * Peto: `ln OR = Σ(O − E)/ΣV`, `E = n_t(a+c)/N`, `V = n_t n_c (a+c)(b+d)/(N²(N−1))`,
//!   `SE = 1/√ΣV`; `Q = Σ(O−E)²/V − (Σ(O−E))²/ΣV` over tables with V > 0.

use serde::Serialize;

use crate::data::Table;
use crate::dist;
use crate::effect::{EffectOptions, EffectSizes, Measure};
use crate::error::{Error, Result, Setting};

/// The common-effect method for 2×2 tables (JSON `"MH"` or `"PETO"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MhMethod {
    /// Mantel–Haenszel.
    #[serde(rename = "MH")]
    Mh,
    /// Peto's one-step odds ratio.
    #[serde(rename = "PETO")]
    Peto,
}

impl MhMethod {
    /// The method's name in words.
    pub fn name(self) -> &'static str {
        match self {
            MhMethod::Mh => "Mantel-Haenszel",
            MhMethod::Peto => "Peto",
        }
    }
}

/// A Mantel–Haenszel or Peto fit: the core keys of the JSON contract that apply to a
/// common-effect model, plus the CMH test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MhFit {
    /// Measure (`OR`, `RR`, `RD`).
    pub measure: Measure,
    /// The method.
    pub method: MhMethod,
    /// Tables used for the estimate.
    pub k: usize,
    /// Pooled estimate (log scale for OR/RR), SE, CI and z test.
    #[serde(flatten)]
    pub est: crate::model::Estimate,
    /// τ² (0: a common-effect model).
    pub tau2: f64,
    /// I² (percent, from Q).
    pub i2: f64,
    /// H² (Q/df).
    pub h2: f64,
    /// Cochran's Q.
    pub q: f64,
    /// Its degrees of freedom (studies with a defined effect − 1).
    pub q_df: usize,
    /// Its p-value.
    pub q_p: f64,
    /// Cochran–Mantel–Haenszel statistic (OR only; null otherwise).
    pub cmh: f64,
    /// Its p-value (χ², 1 df).
    pub cmh_p: f64,
    /// `false` when the CMH test was computed without its continuity correction (the key is
    /// left out when the correction was applied).
    #[serde(skip_serializing_if = "Clone::clone")]
    pub cmh_correction: bool,
    /// Tarone's test of homogeneity of the odds ratios (MH OR only; key absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tarone: Option<crate::model::glmm::ChiTest>,
    /// Confidence level (percent) of the interval.
    pub level: f64,
}

struct Tables {
    a: Vec<f64>,
    n1: Vec<f64>,
    c: Vec<f64>,
    n2: Vec<f64>,
    es: EffectSizes,
}

fn tables(table: &Table, measure: Measure) -> Result<Tables> {
    // Validate and collect through the effect-size path (errors name row and column).
    let es = EffectSizes::compute(
        table,
        measure,
        &EffectOptions {
            drop00: true,
            ..EffectOptions::default()
        },
    )?;
    // Mantel–Haenszel and Peto pool the 2×2 tables themselves: no converted or cluster-adjusted
    // effect can enter.
    if let Some((j, p)) =
        es.sources().iter().enumerate().find(|(_, p)| {
            p.yi_source != crate::effect::Source::TwoByTwo || p.design_effect.is_some()
        })
    {
        return Err(Error::input(
            format!("row {}", es.rows()[j] + 1),
            format!(
                "Mantel-Haenszel and Peto pool 2x2 tables only; this row's effect comes from {} (or is adjusted for clustering): analyse it with a random-effects or inverse-variance method",
                p.vi_source
            ),
        ));
    }
    let cols: Vec<Vec<Option<f64>>> = ["events_t", "n_t", "events_c", "n_c"]
        .iter()
        .map(|c| table.numeric(c, "for Mantel-Haenszel/Peto"))
        .collect::<Result<_>>()?;
    let rows: Vec<usize> = (0..table.nrows())
        .filter(|&i| cols.iter().all(|c| c[i].is_some()))
        .collect();
    let get = |j: usize| {
        rows.iter()
            .map(|&i| cols[j][i].unwrap_or(f64::NAN))
            .collect()
    };
    Ok(Tables {
        a: get(0),
        n1: get(1),
        c: get(2),
        n2: get(3),
        es,
    })
}

impl Tables {
    /// Table `i`'s cells `(a, n_t, c, n_c)`.
    fn cells(&self, i: usize) -> (f64, f64, f64, f64) {
        (self.a[i], self.n1[i], self.c[i], self.n2[i])
    }

    /// The number of complete tables.
    fn len(&self) -> usize {
        self.a.len()
    }
}

/// A pooled estimate with its heterogeneity, before the interval and tests are added.
struct Pooled {
    measure: Measure,
    method: MhMethod,
    k: usize,
    est: f64,
    se: f64,
    level: f64,
    q: f64,
    q_df: usize,
    cmh: (f64, f64),
}

/// The fit of a pooled estimate: its z test and interval, and I², H² and the p-value of Q.
fn finish(p: Pooled) -> MhFit {
    let Pooled {
        measure,
        method,
        k,
        est,
        se,
        level,
        q,
        q_df,
        cmh,
    } = p;
    let crit = dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0);
    let z = est / se;
    let (i2, h2, q_p) = if q_df >= 1 {
        (
            if q > 0.0 {
                (100.0 * ((q - q_df as f64) / q)).max(0.0)
            } else {
                0.0
            },
            q / q_df as f64,
            dist::chi2_sf(q, q_df as f64),
        )
    } else {
        (0.0, 1.0, 1.0)
    };
    MhFit {
        measure,
        method,
        k,
        est: crate::model::Estimate::new(est, se, crit, dist::norm_p2(z)),
        tau2: 0.0,
        i2,
        h2,
        q,
        q_df,
        q_p,
        cmh: cmh.0,
        cmh_p: cmh.1,
        cmh_correction: true,
        tarone: None,
        level,
    }
}

/// Mantel–Haenszel pooled OR, RR or RD from the 2×2 columns of `table`.
///
/// # Errors
/// Missing columns and bad counts (as effect sizes), an unsupported measure, or sums that leave
/// the estimate undefined (e.g. no events at all).
pub fn mantel_haenszel(table: &Table, measure: Measure, level: f64) -> Result<MhFit> {
    mantel_haenszel_with(table, measure, level, true)
}

/// As [`mantel_haenszel`], with the CMH test's continuity correction on or off (metafor
/// `rma.mh(correct = )`), and Tarone's test for OR.
///
/// # Errors
/// As [`mantel_haenszel`].
pub fn mantel_haenszel_with(
    table: &Table,
    measure: Measure,
    level: f64,
    cmh_correction: bool,
) -> Result<MhFit> {
    let level = crate::error::check_level(level)?;
    if !matches!(measure, Measure::Or | Measure::Rr | Measure::Rd) {
        return Err(Error::setting(
            Setting::Measure,
            format!("the Mantel-Haenszel method needs the measure OR, RR or RD (2x2 tables), not {measure}"),
        ));
    }
    let t = tables(table, measure)?;
    let (est, var) = match measure {
        Measure::Or => mh_log_or(&t)?,
        Measure::Rr => mh_log_rr(&t)?,
        _ => mh_rd(&t),
    };
    if !(var > 0.0 && est.is_finite()) {
        return Err(mh_undefined());
    }
    let cmh = if measure == Measure::Or {
        cmh_test(&t, cmh_correction)
    } else {
        (f64::NAN, f64::NAN)
    };
    let cells: Vec<_> = (0..t.len()).map(|i| t.cells(i)).collect();
    let tarone = (measure == Measure::Or)
        .then(|| super::tarone::tarone(&cells, est.exp()))
        .flatten();
    let mut fit = finish(Pooled {
        measure,
        method: MhMethod::Mh,
        k: t.len(),
        est,
        se: var.sqrt(),
        level,
        q: cochran_q(&t.es, est),
        q_df: t.es.k().saturating_sub(1),
        cmh,
    });
    fit.cmh_correction = cmh_correction;
    fit.tarone = tarone;
    Ok(fit)
}

/// The error of sums that leave the Mantel–Haenszel estimate undefined.
fn mh_undefined() -> Error {
    Error::Undefined {
        what: "the Mantel-Haenszel estimate".into(),
        reason: "no events, or events in every participant".into(),
    }
}

/// The MH log odds ratio and the Robins–Breslow–Greenland variance of its log.
fn mh_log_or(t: &Tables) -> Result<(f64, f64)> {
    let (mut r, mut s) = (0.0, 0.0);
    let (mut pr, mut psqr, mut qs) = (0.0, 0.0, 0.0);
    for i in 0..t.len() {
        let (a, n1, c, n2) = t.cells(i);
        let (b, d) = (n1 - a, n2 - c);
        let n = n1 + n2;
        let (ri, si) = (a * d / n, b * c / n);
        let (p, q) = ((a + d) / n, (b + c) / n);
        r += ri;
        s += si;
        pr += p * ri;
        psqr += p * si + q * ri;
        qs += q * si;
    }
    if r <= 0.0 || s <= 0.0 {
        return Err(mh_undefined());
    }
    Ok((
        (r / s).ln(),
        0.5 * (pr / (r * r) + psqr / (r * s) + qs / (s * s)),
    ))
}

/// The MH log risk ratio and the variance of its log.
fn mh_log_rr(t: &Tables) -> Result<(f64, f64)> {
    let (mut r, mut s) = (0.0, 0.0);
    let mut gr = 0.0;
    for i in 0..t.len() {
        let (a, n1, c, n2) = t.cells(i);
        let n = n1 + n2;
        r += a * n2 / n;
        s += c * n1 / n;
        gr += n1 * n2 * (a + c) / (n * n) - a * c / n;
    }
    if r <= 0.0 || s <= 0.0 {
        return Err(mh_undefined());
    }
    Ok(((r / s).ln(), gr / (r * s)))
}

/// The MH risk difference and its Greenland–Robins (Sato) variance.
fn mh_rd(t: &Tables) -> (f64, f64) {
    let (mut rd_num, mut rd_den) = (0.0, 0.0);
    for i in 0..t.len() {
        let (a, n1, c, n2) = t.cells(i);
        let n = n1 + n2;
        rd_num += (a * n2 - c * n1) / n;
        rd_den += n1 * n2 / n;
    }
    let rd = rd_num / rd_den;
    let (mut s1, mut s2) = (0.0, 0.0);
    for i in 0..t.len() {
        let (a, n1, c, n2) = t.cells(i);
        let n = n1 + n2;
        s1 += c * (n1 / n).powi(2) - a * (n2 / n).powi(2) + (n1 / n) * (n2 / n) * (n2 - n1) / 2.0;
        s2 += a * (n2 - c) / n + c * (n1 - a) / n;
    }
    (rd, (rd * s1 + s2 / 2.0) / (rd_den * rd_den))
}

/// Cochran's Q of the per-study estimates around the pooled `est`.
fn cochran_q(es: &EffectSizes, est: f64) -> f64 {
    es.yi()
        .iter()
        .zip(es.vi())
        .map(|(y, v)| (y - est) * (y - est) / v)
        .sum::<f64>()
        .max(0.0)
}

/// The Cochran–Mantel–Haenszel test (with or without continuity correction) and its χ²(1)
/// p-value.
fn cmh_test(t: &Tables, correct: bool) -> (f64, f64) {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..t.len() {
        let (a, n1, c, n2) = t.cells(i);
        let n = n1 + n2;
        let (xt, yt) = (a + c, n - a - c);
        num += a - n1 * xt / n;
        den += n1 * n2 * xt * yt / (n * n * (n - 1.0));
    }
    let stat = (num.abs() - if correct { 0.5 } else { 0.0 }).powi(2) / den;
    (stat, dist::chi2_sf(stat, 1.0))
}

/// Peto's one-step odds ratio from the 2×2 columns of `table`.
///
/// # Errors
/// As [`mantel_haenszel`]; also when every table has zero variance.
pub fn peto(table: &Table, level: f64) -> Result<MhFit> {
    let level = crate::error::check_level(level)?;
    let t = tables(table, Measure::Or)?;
    let k = t.len();
    let (mut so, mut sv) = (0.0, 0.0);
    let mut terms = Vec::with_capacity(k);
    for i in 0..k {
        let (a, n1, c, n2) = t.cells(i);
        let n = n1 + n2;
        let (xt, yt) = (a + c, n - a - c);
        let e = n1 * xt / n;
        let v = xt * yt * n1 * n2 / (n * n * (n - 1.0));
        so += a - e;
        sv += v;
        terms.push((a - e, v));
    }
    if sv <= 0.0 {
        return Err(Error::Undefined {
            what: "Peto's estimate".into(),
            reason: "no table has events in one arm and non-events in the other".into(),
        });
    }
    let est = so / sv;
    let q = (terms
        .iter()
        .filter(|(_, v)| *v > 0.0)
        .map(|(oe, v)| oe * oe / v)
        .sum::<f64>()
        - so * so / sv)
        .max(0.0);
    let k_pos = terms.iter().filter(|(_, v)| *v > 0.0).count();
    let q_df = t.es.k().saturating_sub(1);
    let mut f = finish(Pooled {
        measure: Measure::Or,
        method: MhMethod::Peto,
        k,
        est,
        se: (1.0 / sv).sqrt(),
        level,
        q,
        q_df,
        cmh: (f64::NAN, f64::NAN),
    });
    if k_pos <= 1 {
        (f.q_p, f.i2, f.h2) = (1.0, 0.0, 1.0);
    }
    Ok(f)
}
