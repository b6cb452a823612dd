//! Network meta-analysis (netmeta's `netmeta()`): every treatment compared with every other
//! through all studies at once, by Rücker's graph-theoretical method (the `graph` module).
//!
//! Input is a set of pairwise contrasts per study ([`Contrast`]: `y = effect(treat1) −
//! effect(treat2)`); a multi-arm study must give every pair of its arms (as netmeta's
//! `pairwise()` does from arm-level data: [`table::contrasts_from_arms`]).
//!
//! Outputs ([`NetworkFit`]): common- and random-effects estimates of every treatment against the
//! reference (random: generalised DerSimonian–Laird τ², netmeta's default), the league table of
//! every pair, P-scores (Rücker & Schwarzer 2015), Q with its decomposition into within- and
//! between-design parts (Krahn et al. 2013) and node-splitting by back-calculation (netmeta's
//! `netsplit`).
//!
//! Component network meta-analysis (netmeta's `netcomb`, treatments made of components):
//! [`Network::fit_components`] with a [`ComponentSpec`], giving a [`CnmaFit`].
//!
//! # Examples
//!
//! ```
//! use peerstat::model::network::{Contrast, Network};
//! let c = |s: &str, a: &str, b: &str, y: f64, v: f64| Contrast {
//!     study: s.into(), treat1: a.into(), treat2: b.into(), yi: y, vi: v,
//! };
//! let data = vec![
//!     c("s1", "peer", "usual", 0.30, 0.04),
//!     c("s2", "peer", "usual", 0.20, 0.05),
//!     c("s3", "online", "usual", 0.10, 0.04),
//!     c("s4", "online", "peer", -0.15, 0.06),
//! ];
//! let fit = Network::new().reference("usual").fit(&data).unwrap();
//! assert_eq!(fit.treatments, ["online", "peer", "usual"]);
//! let peer = fit.common.estimates.iter().find(|e| e.treatment == "peer").unwrap();
//! assert!(peer.estimate > 0.0);
//! ```

mod ci;
mod cnma;
mod evidence;
mod graph;
mod multiarm;
mod reml;
mod split;
pub mod table;

use serde::Serialize;

use crate::dist;
use crate::error::{check_level, Error, Result, Setting};
use ci::CiRule;
use graph::Edge;

pub use ci::RandomCi;
pub use cnma::{CnmaFit, ComponentEstimate, ComponentSpec, NotIdentifiable, TreatmentComponents};
pub use evidence::{Evidence, EvidenceEdge, MultiArm};
pub use multiarm::TOL_MULTIARM;
pub use split::SplitRow;

/// One pairwise contrast of a study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// Study label.
    pub study: String,
    /// First treatment.
    pub treat1: String,
    /// Second treatment.
    pub treat2: String,
    /// Effect of `treat1` relative to `treat2` (analysis scale).
    pub yi: f64,
    /// Its sampling variance.
    pub vi: f64,
}

/// Options of a network meta-analysis (a builder). Defaults: the first treatment in sorted
/// order as reference, 95 %, larger effects better for P-scores.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Network {
    reference: Option<String>,
    level: Option<f64>,
    small_values_good: bool,
    method: NetworkMethod,
    random_ci: RandomCi,
    from_arms: bool,
}

/// The estimator of τ² in the random-effects network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum NetworkMethod {
    /// Generalised DerSimonian–Laird on the graph (netmeta's default).
    #[default]
    #[serde(rename = "DL")]
    Dl,
    /// REML of the contrast-based model (metafor `rma.mv(yi, V, mods = X, random = ~ comparison
    /// | study, rho = 1/2)`).
    #[serde(rename = "REML")]
    Reml,
}

/// One treatment against the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersusReference {
    /// Treatment.
    pub treatment: String,
    /// Effect against the reference (treatment − reference).
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Lower confidence bound.
    pub ci_lower: f64,
    /// Upper confidence bound.
    pub ci_upper: f64,
    /// Lower prediction bound (random effects; null for common effect).
    pub pi_lower: Option<f64>,
    /// Upper prediction bound.
    pub pi_upper: Option<f64>,
}

/// One cell of the league table: row treatment against column treatment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LeagueCell {
    /// Effect of the row treatment relative to the column treatment.
    pub estimate: f64,
    /// Lower confidence bound.
    pub ci_lower: f64,
    /// Upper confidence bound.
    pub ci_upper: f64,
}

/// The results of one model (common or random effects).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkModel {
    /// Every treatment against the reference (the reference itself included, at 0).
    pub estimates: Vec<VersusReference>,
    /// League table: `league[i][j]` is treatment `i` against treatment `j` (rows and columns in
    /// `treatments` order).
    pub league: Vec<Vec<LeagueCell>>,
    /// Treatment effects and their covariance (internal, for netsplit and P-scores).
    #[serde(skip)]
    d: Vec<f64>,
    #[serde(skip)]
    cov: nalgebra::DMatrix<f64>,
}

impl NetworkModel {
    /// The covariance matrix of the treatment effects, one row and column per treatment in
    /// `treatments` order (only contrasts between treatments are identified; the
    /// [`Fitted`](crate::model::Fitted) covariance of the effects against the reference is
    /// formed from it).
    pub fn covariance(&self) -> &nalgebra::DMatrix<f64> {
        &self.cov
    }
}

/// The P-score of a treatment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PScore {
    /// Treatment.
    pub treatment: String,
    /// From the common-effect model.
    pub common: f64,
    /// From the random-effects model.
    pub random: f64,
}

/// A fitted network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkFit {
    /// Treatments, sorted as text.
    pub treatments: Vec<String>,
    /// The reference treatment.
    pub reference: String,
    /// Studies.
    pub k_studies: usize,
    /// Pairwise contrasts (every pair of every multi-arm study).
    pub k_comparisons: usize,
    /// Designs (distinct sets of treatments compared in a study).
    pub designs: usize,
    /// Common-effect model.
    pub common: NetworkModel,
    /// Random-effects model (τ² by `method`).
    pub random: NetworkModel,
    /// P-scores (the probability-like certainty that a treatment is better than another,
    /// averaged over the others; larger effects better unless small values are good).
    pub p_scores: Vec<PScore>,
    /// Between-study variance (by `method`).
    pub tau2: f64,
    /// I² (percent): `max(0, (Q − df)/Q)`.
    pub i2: f64,
    /// Total heterogeneity/inconsistency Q (common effect).
    pub q_total: f64,
    /// Its df: `Σ_s (arms_s − 1) − (treatments − 1)`.
    pub q_total_df: usize,
    /// Its p-value.
    pub q_total_p: f64,
    /// Heterogeneity within designs.
    pub q_within: f64,
    /// Its df.
    pub q_within_df: usize,
    /// Inconsistency between designs (design-by-treatment interaction): `Q − Q_within`.
    pub q_between: f64,
    /// Its df.
    pub q_between_df: usize,
    /// Its p-value.
    pub q_between_p: f64,
    /// Node-splitting by back-calculation (common effect), one row per comparison with direct
    /// evidence.
    pub netsplit: Vec<SplitRow>,
    /// The same from the random-effects model.
    pub netsplit_random: Vec<SplitRow>,
    /// Confidence level (percent).
    pub level: f64,
    /// Whether small values are good (P-scores).
    pub small_values_good: bool,
    /// The estimator of τ² of the random-effects model.
    pub method: NetworkMethod,
    /// Restricted log-likelihood of the random-effects model (REML only).
    pub loglik: Option<f64>,
    /// How the random-effects confidence intervals are formed (netmeta's `method.random.ci`).
    pub method_random_ci: RandomCi,
    /// The df of their t quantile (null: normal quantile).
    pub random_ci_df: Option<usize>,
    /// The factor multiplying the random-effects variances in the confidence intervals (and the
    /// `se` reported): `Q_random / df` for `HK` (at least 1 for `HK-se`), else 1.
    pub random_ci_factor: f64,
    /// Q of the random-effects fit (weights with τ² added): the numerator of the
    /// Hartung–Knapp factor.
    pub q_random: f64,
}

impl Network {
    /// Default options.
    pub fn new() -> Self {
        Network::default()
    }

    /// The reference treatment (default: the first in sorted order).
    pub fn reference(mut self, name: &str) -> Self {
        self.reference = Some(name.to_string());
        self
    }

    /// Confidence level in percent.
    ///
    /// # Errors
    /// [`Error::Setting`] outside 50–100 %.
    pub fn level(mut self, level: f64) -> Result<Self> {
        self.level = Some(check_level(level)?);
        Ok(self)
    }

    /// The estimator of τ² (default generalised DerSimonian–Laird).
    pub fn method(mut self, m: NetworkMethod) -> Self {
        self.method = m;
        self
    }

    /// How the random-effects confidence intervals are formed (default: normal quantiles, as
    /// netmeta); see [`RandomCi`].
    pub fn random_ci(mut self, m: RandomCi) -> Self {
        self.random_ci = m;
        self
    }

    /// Whether the contrasts are every pair of arms of arm-level rows
    /// ([`table::contrasts_from_arms`]; default: no, contrasts as given). Each pair's effect is
    /// then computed on its own (a standardised mean difference with the pair's pooled SD, a
    /// zero-cell correction for the pairs with the zero), so a multi-arm study's contrasts need
    /// not add up, and the multi-arm checks of given contrasts (consistent effects within
    /// [`TOL_MULTIARM`], no negative arm variance) are not applied.
    pub fn from_arms(mut self, yes: bool) -> Self {
        self.from_arms = yes;
        self
    }

    /// Whether smaller effects are better (P-scores; default larger is better).
    pub fn small_values_good(mut self, yes: bool) -> Self {
        self.small_values_good = yes;
        self
    }

    /// Fits the network.
    ///
    /// # Errors
    /// [`Error::Input`] for a non-finite effect, a non-positive variance, a contrast of a
    /// treatment with itself, a study giving a pair twice or a multi-arm study lacking a pair,
    /// and (unless [`Network::from_arms`]) for a multi-arm study whose contrasts are not the
    /// differences of one set of arm effects (within [`TOL_MULTIARM`]) or whose variances
    /// imply a negative arm variance;
    /// [`Error::Setting`] for an unknown reference; [`Error::TooFew`] for fewer than two
    /// treatments; [`Error::Input`] naming the sub-networks of a disconnected network.
    pub fn fit(&self, data: &[Contrast]) -> Result<NetworkFit> {
        let level = self.level.unwrap_or(95.0);
        let Prepared {
            treatments,
            studies,
            by_study,
            edges,
            designs,
            arms_total,
        } = prepare(data, !self.from_arms)?;
        let n = treatments.len();
        let reference = self.reference_index(&treatments)?;
        check_connected(&edges, &treatments)?;
        let df = arms_total - (n - 1);
        let fixed = graph::fit(&edges, &by_study, n, 0.0)?;
        let tau2 = if df == 0 || fixed.dl_denominator <= 0.0 {
            0.0
        } else {
            ((fixed.q - df as f64) / fixed.dl_denominator).max(0.0)
        };
        let RandomFit {
            tau2,
            d: random_d,
            cov: random_cov,
            loglik,
            q: q_random,
        } = self.random_fit(&edges, &by_study, reference, &studies, &treatments, tau2)?;
        // The prediction interval needs at least 2 df of Q (netmeta gives none below).
        let pi_crit =
            (df >= 2).then(|| dist::t_quantile(1.0 - (1.0 - level / 100.0) / 2.0, df as f64));
        let rule = CiRule::random(self.random_ci, level, df, q_random);
        let common = model(
            &treatments,
            reference,
            &fixed.d,
            &fixed.lplus,
            CiRule::normal(level),
            None,
        );
        let random_m = model(
            &treatments,
            reference,
            &random_d,
            &random_cov,
            rule,
            Some((tau2, pi_crit)),
        );
        let p_scores = (0..n)
            .map(|i| PScore {
                treatment: treatments[i].clone(),
                common: p_score(&common, i, self.small_values_good),
                random: p_score(&random_m, i, self.small_values_good),
            })
            .collect();
        let (q_within, q_within_df) = split::within_designs(&edges, &by_study, &designs)?;
        let q_between = (fixed.q - q_within).max(0.0);
        let q_between_df = df.saturating_sub(q_within_df);
        let netsplit = split::netsplit(&edges, 0.0, &common, &treatments, level);
        let netsplit_random = split::netsplit(&edges, tau2, &random_m, &treatments, level);
        Ok(NetworkFit {
            reference: treatments[reference].clone(),
            k_studies: studies.len(),
            k_comparisons: edges.len(),
            designs: designs.len(),
            common,
            random: random_m,
            p_scores,
            tau2,
            i2: if fixed.q > 0.0 {
                (100.0 * ((fixed.q - df as f64) / fixed.q)).max(0.0)
            } else {
                0.0
            },
            q_total: fixed.q,
            q_total_df: df,
            q_total_p: dist::chi2_sf(fixed.q, df as f64),
            q_within,
            q_within_df,
            q_between,
            q_between_df,
            q_between_p: dist::chi2_sf(q_between, q_between_df as f64),
            netsplit,
            netsplit_random,
            level,
            small_values_good: self.small_values_good,
            method: self.method,
            loglik,
            method_random_ci: self.random_ci,
            random_ci_df: rule.df,
            random_ci_factor: rule.factor,
            q_random,
            treatments,
        })
    }
}

/// The random-effects fit of a network: τ², the treatment effects and their covariance, the
/// restricted log-likelihood (REML) and Q with τ² in the weights.
struct RandomFit {
    tau2: f64,
    d: nalgebra::DVector<f64>,
    cov: nalgebra::DMatrix<f64>,
    loglik: Option<f64>,
    q: f64,
}

impl Network {
    /// The index of the reference treatment in `treatments` (default the first).
    ///
    /// # Errors
    /// [`Error::Setting`] for a reference that is not a treatment.
    fn reference_index(&self, treatments: &[String]) -> Result<usize> {
        match &self.reference {
            Some(r) => treatments.iter().position(|t| t == r).ok_or_else(|| {
                Error::setting(
                    Setting::Reference,
                    format!(
                        "reference '{r}' is not a treatment of the network (treatments: {})",
                        treatments.join(", ")
                    ),
                )
            }),
            None => Ok(0),
        }
    }

    /// The random-effects model by the method: the graph model at the DerSimonian–Laird
    /// `dl_tau2`, or REML.
    fn random_fit(
        &self,
        edges: &[Edge],
        by_study: &[Vec<usize>],
        reference: usize,
        studies: &[String],
        treatments: &[String],
        dl_tau2: f64,
    ) -> Result<RandomFit> {
        let n = treatments.len();
        Ok(match self.method {
            NetworkMethod::Dl => {
                let r = graph::fit(edges, by_study, n, dl_tau2)?;
                RandomFit {
                    tau2: dl_tau2,
                    d: r.d,
                    cov: r.lplus,
                    loglik: None,
                    q: r.q,
                }
            }
            NetworkMethod::Reml => {
                let r = reml::fit(edges, by_study, n, reference, studies, treatments)?;
                // The contrast-based model with ρ = 1/2 is the graph model at the same τ².
                let q = graph::fit(edges, by_study, n, r.tau2)?.q;
                RandomFit {
                    tau2: r.tau2,
                    d: r.d,
                    cov: r.cov,
                    loglik: Some(r.loglik),
                    q,
                }
            }
        })
    }
}

/// Refuses a disconnected network, naming its sub-networks.
fn check_connected(edges: &[Edge], treatments: &[String]) -> Result<()> {
    let comps = graph::components(edges, treatments.len());
    if comps.len() > 1 {
        let names: Vec<String> = comps
            .iter()
            .map(|g| {
                format!(
                    "{{{}}}",
                    g.iter()
                        .map(|&t| treatments[t].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        return Err(Error::input(
            "network",
            format!(
                "the network is disconnected: {} sub-networks {} share no study, so they cannot be compared",
                comps.len(),
                names.join(" and ")
            ),
        ));
    }
    Ok(())
}

/// Validated contrasts as a graph.
struct Prepared {
    /// Treatments, sorted as text.
    pub treatments: Vec<String>,
    /// Study labels in order of appearance.
    pub studies: Vec<String>,
    /// The edges of each study.
    pub by_study: Vec<Vec<usize>>,
    /// Every contrast as an edge.
    pub edges: Vec<Edge>,
    /// Designs (sorted treatment sets).
    pub designs: Vec<Vec<usize>>,
    /// `Σ_s (arms_s − 1)`.
    pub arms_total: usize,
}

/// Checks the contrasts (with `multiarm`, the consistency of multi-arm studies) and builds the
/// graph (see [`Network::fit`] for the errors; a disconnected network is not an error here).
fn prepare(data: &[Contrast], multiarm: bool) -> Result<Prepared> {
    let mut treatments: Vec<String> = data
        .iter()
        .flat_map(|c| [c.treat1.clone(), c.treat2.clone()])
        .collect();
    treatments.sort();
    treatments.dedup();
    let n = treatments.len();
    if n < 2 {
        return Err(Error::TooFew {
            analysis: "a network meta-analysis".into(),
            needed: 2,
            found: n,
            unit: "treatments",
            note: String::new(),
        });
    }
    let StudyEdges {
        studies,
        by_study,
        edges,
    } = study_edges(data, &treatments)?;
    // Every multi-arm study gives all pairs of its arms.
    let mut designs: Vec<Vec<usize>> = Vec::new();
    let mut arms_total = 0;
    for (s, es) in by_study.iter().enumerate() {
        let mut arms: Vec<usize> = es
            .iter()
            .flat_map(|&e| [edges[e].t1, edges[e].t2])
            .collect();
        arms.sort_unstable();
        arms.dedup();
        let a = arms.len();
        if es.len() != a * (a - 1) / 2 {
            return Err(Error::input(
                format!("study '{}'", studies[s]),
                format!(
                    "{a} arms need all {} pairwise contrasts, {} given",
                    a * (a - 1) / 2,
                    es.len()
                ),
            ));
        }
        arms_total += a - 1;
        if !designs.contains(&arms) {
            designs.push(arms);
        }
    }
    if multiarm {
        multiarm::check(&edges, &by_study, &studies, &treatments)?;
    }
    Ok(Prepared {
        treatments,
        studies,
        by_study,
        edges,
        designs,
        arms_total,
    })
}

/// The contrasts as edges, grouped by study.
struct StudyEdges {
    /// Study labels in order of appearance.
    studies: Vec<String>,
    /// The edges of each study.
    by_study: Vec<Vec<usize>>,
    /// Every contrast as an edge.
    edges: Vec<Edge>,
}

/// The studies (in order of appearance), the edges of each and every contrast as an edge.
///
/// # Errors
/// [`Error::Input`] for a non-finite effect, a non-positive variance, a treatment compared with
/// itself or a pair given twice by one study.
fn study_edges(data: &[Contrast], treatments: &[String]) -> Result<StudyEdges> {
    let idx = |t: &str| treatments.iter().position(|x| x == t).unwrap_or(0);
    let mut studies: Vec<String> = Vec::new();
    let mut by_study: Vec<Vec<usize>> = Vec::new();
    let mut edges = Vec::with_capacity(data.len());
    for c in data {
        if !(c.yi.is_finite() && c.vi.is_finite() && c.vi > 0.0) {
            return Err(Error::input(
                format!("study '{}', {} vs {}", c.study, c.treat1, c.treat2),
                "the effect must be finite and its variance positive",
            ));
        }
        if c.treat1 == c.treat2 {
            return Err(Error::input(
                format!("study '{}'", c.study),
                format!("treatment '{}' is compared with itself", c.treat1),
            ));
        }
        let s = match studies.iter().position(|x| x == &c.study) {
            Some(s) => s,
            None => {
                studies.push(c.study.clone());
                by_study.push(Vec::new());
                studies.len() - 1
            }
        };
        let (t1, t2) = (idx(&c.treat1), idx(&c.treat2));
        if by_study[s].iter().any(|&e: &usize| {
            let x: &Edge = &edges[e];
            (x.t1 == t1 && x.t2 == t2) || (x.t1 == t2 && x.t2 == t1)
        }) {
            return Err(Error::input(
                format!("study '{}'", c.study),
                format!(
                    "the comparison {} vs {} appears twice (a treatment given twice in one study?)",
                    c.treat1, c.treat2
                ),
            ));
        }
        by_study[s].push(edges.len());
        edges.push(Edge {
            study: s,
            t1,
            t2,
            y: c.yi,
            v: c.vi,
        });
    }
    Ok(StudyEdges {
        studies,
        by_study,
        edges,
    })
}

/// The estimates against the reference and the league table from effects `d` with covariance
/// `cov`, intervals by `ci` (the `se` reported is `√factor` times the model's); with `(τ², t
/// crit)` the prediction intervals (from the model's unscaled `se`).
fn model(
    treatments: &[String],
    reference: usize,
    d: &nalgebra::DVector<f64>,
    cov: &nalgebra::DMatrix<f64>,
    ci: CiRule,
    pi: Option<(f64, Option<f64>)>,
) -> NetworkModel {
    let n = treatments.len();
    let se = |a: usize, b: usize| {
        (cov[(a, a)] + cov[(b, b)] - 2.0 * cov[(a, b)])
            .max(0.0)
            .sqrt()
    };
    let scale = ci.factor.max(0.0).sqrt();
    let estimates = (0..n)
        .map(|t| {
            let est = d[t] - d[reference];
            let s = se(t, reference);
            let (pl, pu) = match pi {
                Some((tau2, Some(c))) if t != reference => {
                    let h = c * (s * s + tau2).sqrt();
                    (Some(est - h), Some(est + h))
                }
                _ => (None, None),
            };
            let s_ci = scale * s;
            VersusReference {
                treatment: treatments[t].clone(),
                estimate: est,
                se: s_ci,
                ci_lower: est - ci.crit * s_ci,
                ci_upper: est + ci.crit * s_ci,
                pi_lower: pl,
                pi_upper: pu,
            }
        })
        .collect();
    let league = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let e = d[i] - d[j];
                    let h = ci.crit * scale * se(i, j);
                    LeagueCell {
                        estimate: e,
                        ci_lower: e - h,
                        ci_upper: e + h,
                    }
                })
                .collect()
        })
        .collect();
    NetworkModel {
        estimates,
        league,
        d: d.iter().copied().collect(),
        cov: cov.clone(),
    }
}

/// P-score of treatment `i`: the mean over the others `j` of `Φ((d_i − d_j)/se_ij)` (larger
/// better) or `Φ((d_j − d_i)/se_ij)` (smaller better).
fn p_score(m: &NetworkModel, i: usize, small_good: bool) -> f64 {
    let n = m.d.len();
    let sign = if small_good { -1.0 } else { 1.0 };
    let total: f64 = (0..n)
        .filter(|&j| j != i)
        .map(|j| {
            let se = (m.cov[(i, i)] + m.cov[(j, j)] - 2.0 * m.cov[(i, j)]).sqrt();
            1.0 - dist::norm_sf(sign * (m.d[i] - m.d[j]) / se)
        })
        .sum();
    total / (n - 1) as f64
}
