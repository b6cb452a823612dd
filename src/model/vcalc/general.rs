//! metafor's `vcalc` with every per-effect variable: `subgroup`, `obs`, `type`, `time1`/`time2`,
//! `grp1`/`grp2` and `w1`/`w2` (metafor 3.8-1; `rvars` is [`SamplingCovariance::from_blocks`]).
//!
//! # Formulas
//! Clusters are the combinations of `cluster` and `subgroup` (effects of different subgroups are
//! independent). Within a cluster, for `i ≠ j`, `R_ij = c_ij · G_ij` where
//! `c_ij = 1` for the same type and obs, `ρ_obs` for the same type and different obs, and
//! `ρ_type` for different types (whatever their obs); and, with `g(a, b, s, t) = [a = b] · φ^|s−t|`
//! (1 at equal times) and `u = 1/w`,
//!
//! `G_ij = (g(1ᵢ,1ⱼ)√(u1ᵢu1ⱼ) − g(1ᵢ,2ⱼ)√(u1ᵢu2ⱼ) − g(2ᵢ,1ⱼ)√(u2ᵢu1ⱼ) + g(2ᵢ,2ⱼ)√(u2ᵢu2ⱼ)) / (dᵢ dⱼ)`
//!
//! with `g(1ᵢ,2ⱼ) = g(grp1ᵢ, grp2ⱼ, time1ᵢ, time2ⱼ)` and so on, and
//! `dᵢ = √(u1ᵢ + u2ᵢ − 2 g(1ᵢ,2ᵢ)√(u1ᵢu2ᵢ))`: the correlation of two contrasts that share a
//! group (0.5 for equal group sizes). Defaults as metafor: `grp1 = "1"`, `grp2 = "2"` (so
//! `grp1` alone means every effect against one common group "2"), `time2 = time1`,
//! `w1 = 1`, `w2 = w1`, `φ = 1`. `V_ij = √vᵢ R_ij √vⱼ`, `V_ii = vᵢ`.

use std::collections::HashMap;

use nalgebra::DMatrix;

use super::{assemble, check_corr, SamplingCovariance};
use crate::error::{Error, Setting};

/// The per-effect variables of [`vcalc_full`] beyond the variances and clusters (each `None`
/// when not given; every slice has one entry per effect).
#[derive(Debug, Clone, Copy, Default)]
pub struct VcalcColumns<'a> {
    /// Independent subgroups within clusters.
    pub subgroup: Option<&'a [String]>,
    /// Observations (scales) of the same construct.
    pub obs: Option<&'a [String]>,
    /// Types of construct.
    pub types: Option<&'a [String]>,
    /// Time of the effect (of its first group's measurement).
    pub time1: Option<&'a [f64]>,
    /// Time of its second group's measurement (needs `time1` and `grp2`).
    pub time2: Option<&'a [f64]>,
    /// The first group of a contrast.
    pub grp1: Option<&'a [String]>,
    /// The second group of a contrast (needs `grp1`).
    pub grp2: Option<&'a [String]>,
    /// Size (inverse-variance weight) of the first group; positive.
    pub w1: Option<&'a [f64]>,
    /// Size of the second group (needs `w1` and `grp2`); positive.
    pub w2: Option<&'a [f64]>,
    /// Names of the effects for messages (`None`: "effect 1", "effect 2", …).
    pub names: Option<&'a [String]>,
}

/// The correlations of [`vcalc_full`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VcalcCorrelations {
    /// Correlation of effects of the same type with different obs (metafor's `rho`, or its
    /// first value with `type` and `obs`).
    pub rho_obs: f64,
    /// Correlation of effects of different types (metafor's `rho` with `type` alone, its
    /// second value with `type` and `obs`).
    pub rho_type: f64,
    /// Autocorrelation per unit of time (1 without times).
    pub phi: f64,
}

/// Interns labels to ids (one table shared by `grp1` and `grp2`, which are compared across).
fn intern<'a>(ids: &mut HashMap<&'a str, u32>, labels: &'a [String]) -> Vec<u32> {
    labels
        .iter()
        .map(|s| {
            let next = ids.len() as u32;
            *ids.entry(s.as_str()).or_insert(next)
        })
        .collect()
}

/// metafor's `vcalc(vi, cluster, subgroup, obs, type, time1, time2, grp1, grp2, w1, w2, rho,
/// phi)` with scalar correlations (see the module formulas).
///
/// # Errors
/// [`Error::Setting`] ([`Setting::SamplingCovariance`]) for a correlation outside [−1, 1] and
/// for `grp2` without `grp1`, `time2` without `time1` or `grp2`, `w2` without `w1` or `grp2`
/// (metafor's rules); [`Error::Input`] for inputs of different lengths, a variance that is not
/// positive, a non-finite time, a group size that is not positive and finite, an effect whose
/// two groups are the same (its contrast has no variance), and a cluster whose correlation
/// matrix is not positive definite (naming the cluster).
pub fn vcalc_full(
    vi: &[f64],
    cluster: &[String],
    cols: &VcalcColumns<'_>,
    corr: VcalcCorrelations,
) -> Result<SamplingCovariance, Error> {
    check_inputs(vi, cluster, cols, corr)?;
    let k = vi.len();
    let eff = Effects::new(vi, cols, corr.phi)?;
    let mut blocks = Vec::new();
    for rows in cluster_members(cluster, cols.subgroup) {
        let first = rows[0];
        let label = match cols.subgroup {
            Some(s) => format!("{}.{}", cluster[first], s[first]),
            None => cluster[first].clone(),
        };
        let r = eff.correlation(&rows, corr);
        blocks.push(assemble(label, rows, vi, r)?);
    }
    SamplingCovariance::from_blocks(k, blocks)
}

/// Checks the correlations, metafor's rules on which variables need which, and that every
/// variable has one entry per effect.
fn check_inputs(
    vi: &[f64],
    cluster: &[String],
    cols: &VcalcColumns<'_>,
    corr: VcalcCorrelations,
) -> Result<(), Error> {
    check_corr("rho", corr.rho_obs)?;
    check_corr("rho (between types)", corr.rho_type)?;
    check_corr("phi", corr.phi)?;
    let rule = |msg: &str| Err(Error::setting(Setting::SamplingCovariance, msg.to_string()));
    if cols.grp2.is_some() && cols.grp1.is_none() {
        return rule("grp2 needs grp1 (give grp1 alone, both, or neither)");
    }
    if cols.time2.is_some() && (cols.time1.is_none() || cols.grp2.is_none()) {
        return rule("time2 needs time1 and grp2");
    }
    if cols.w2.is_some() && (cols.w1.is_none() || cols.grp2.is_none()) {
        return rule("w2 needs w1 and grp2");
    }
    let k = vi.len();
    let lens = [
        cols.subgroup.map(<[String]>::len),
        cols.obs.map(<[String]>::len),
        cols.types.map(<[String]>::len),
        cols.time1.map(<[f64]>::len),
        cols.time2.map(<[f64]>::len),
        cols.grp1.map(<[String]>::len),
        cols.grp2.map(<[String]>::len),
        cols.w1.map(<[f64]>::len),
        cols.w2.map(<[f64]>::len),
        cols.names.map(<[String]>::len),
    ];
    if cluster.len() != k || lens.iter().flatten().any(|&n| n != k) {
        return Err(Error::input(
            "sampling covariance",
            "variances, clusters and the other vcalc variables differ in number",
        ));
    }
    Ok(())
}

/// The effects' variables as [`vcalc_full`] uses them: interned labels, times, inverse group
/// sizes and the contrast standard deviations.
struct Effects {
    obs: Option<Vec<u32>>,
    types: Option<Vec<u32>>,
    g1: Vec<u32>,
    g2: Vec<u32>,
    t1: Vec<f64>,
    t2: Vec<f64>,
    u1: Vec<f64>,
    u2: Vec<f64>,
    /// The standard deviation of each effect's contrast (in units of its variance).
    d: Vec<f64>,
    /// Autocorrelation per unit of time.
    phi: f64,
}

impl Effects {
    /// Reads and checks the variables (defaults as metafor's).
    fn new(vi: &[f64], cols: &VcalcColumns<'_>, phi: f64) -> Result<Effects, Error> {
        let k = vi.len();
        let name = |i: usize| match cols.names {
            Some(n) => n[i].clone(),
            None => format!("effect {}", i + 1),
        };
        let mut ids = HashMap::new();
        let obs = cols.obs.map(|o| intern(&mut ids, o));
        let mut ids = HashMap::new();
        let types = cols.types.map(|t| intern(&mut ids, t));
        // Defaults as metafor's grp1 = 1, grp2 = 2 (compared as text).
        let (one, two) = (vec!["1".to_string(); k], vec!["2".to_string(); k]);
        let mut ids = HashMap::new();
        let g1 = intern(&mut ids, cols.grp1.unwrap_or(&one));
        let g2 = intern(&mut ids, cols.grp2.unwrap_or(&two));
        let t1: Vec<f64> = cols.time1.map_or_else(|| vec![1.0; k], <[f64]>::to_vec);
        let t2: Vec<f64> = cols.time2.map_or_else(|| t1.clone(), <[f64]>::to_vec);
        let w1: Vec<f64> = cols.w1.map_or_else(|| vec![1.0; k], <[f64]>::to_vec);
        let w2: Vec<f64> = cols.w2.map_or_else(|| w1.clone(), <[f64]>::to_vec);
        for i in 0..k {
            if !(vi[i].is_finite() && vi[i] > 0.0) {
                return Err(Error::input(
                    name(i),
                    "sampling variances must be positive and finite",
                ));
            }
            if !(t1[i].is_finite() && t2[i].is_finite()) {
                return Err(Error::input(name(i), "the time is not a finite number"));
            }
            if !(w1[i].is_finite() && w1[i] > 0.0 && w2[i].is_finite() && w2[i] > 0.0) {
                return Err(Error::input(
                    name(i),
                    "group sizes (w1, w2) must be positive and finite",
                ));
            }
        }
        let (u1, u2): (Vec<f64>, Vec<f64>) =
            w1.iter().zip(&w2).map(|(a, b)| (1.0 / a, 1.0 / b)).unzip();
        let mut eff = Effects {
            obs,
            types,
            g1,
            g2,
            t1,
            t2,
            u1,
            u2,
            d: Vec::with_capacity(k),
            phi,
        };
        for i in 0..k {
            let dd = eff.u1[i] + eff.u2[i]
                - 2.0
                    * eff.g(eff.g1[i], eff.g2[i], eff.t1[i], eff.t2[i])
                    * (eff.u1[i] * eff.u2[i]).sqrt();
            if dd.is_nan() || dd <= 0.0 {
                return Err(Error::input(
                    name(i),
                    "grp1 and grp2 name the same group (at the same time, with equal sizes): the contrast has no sampling variance",
                ));
            }
            eff.d.push(dd.sqrt());
        }
        Ok(eff)
    }

    /// The correlation of two group measurements: 0 for different groups, else `phi` to the
    /// power of their time difference.
    fn g(&self, a: u32, b: u32, s: f64, t: f64) -> f64 {
        if a != b {
            0.0
        } else if s == t {
            1.0
        } else {
            self.phi.powf((s - t).abs())
        }
    }

    /// The correlation matrix of the effects `rows` of one cluster.
    fn correlation(&self, rows: &[usize], corr: VcalcCorrelations) -> DMatrix<f64> {
        let Effects {
            obs,
            types,
            g1,
            g2,
            t1,
            t2,
            u1,
            u2,
            d,
            ..
        } = self;
        let g = |a: u32, b: u32, s: f64, t: f64| self.g(a, b, s, t);
        let n = rows.len();
        DMatrix::from_fn(n, n, |a, b| {
            if a == b {
                return 1.0;
            }
            let (i, j) = (rows[a.max(b)], rows[a.min(b)]);
            let same_type = types.as_ref().is_none_or(|t| t[i] == t[j]);
            let c = if !same_type {
                corr.rho_type
            } else if obs.as_ref().is_none_or(|o| o[i] == o[j]) {
                1.0
            } else {
                corr.rho_obs
            };
            let num = g(g1[i], g1[j], t1[i], t1[j]) * (u1[i] * u1[j]).sqrt()
                - g(g1[i], g2[j], t1[i], t2[j]) * (u1[i] * u2[j]).sqrt()
                - g(g2[i], g1[j], t2[i], t1[j]) * (u2[i] * u1[j]).sqrt()
                + g(g2[i], g2[j], t2[i], t2[j]) * (u2[i] * u2[j]).sqrt();
            c * (num / (d[i] * d[j]))
        })
    }
}

/// The effects of each cluster (cluster × subgroup), in the order of their first effects.
fn cluster_members(cluster: &[String], subgroup: Option<&[String]>) -> Vec<Vec<usize>> {
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for i in 0..cluster.len() {
        let sub = subgroup.map_or("", |s| s[i].as_str());
        let next = members.len();
        let b = *index.entry((cluster[i].as_str(), sub)).or_insert(next);
        if b == next {
            members.push(Vec::new());
        }
        members[b].push(i);
    }
    members
}
