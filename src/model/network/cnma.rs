//! Component network meta-analysis (netmeta's `netcomb`; Rücker et al. 2020): each treatment is
//! a set of components, and the additive model gives every treatment the sum of its components'
//! effects.
//!
//! # Formula
//! * `C` (treatments × components, [`ComponentSpec`]): `C_tc = 1` when treatment `t` contains
//!   component `c`; an inactive treatment (usual care, placebo) is the empty set; an interaction
//!   `A*B` is an extra column, 1 for treatments containing both (netmeta's `createC`).
//! * With `B` the edge–vertex incidence and `W` the reduced weights of the standard network
//!   (`graph`), `X = BC`: `β̂ = (XᵀWX)⁻¹XᵀWy`, `Var(β̂) = (XᵀWX)⁻¹`,
//!   `Q_additive = (y − Xβ̂)ᵀW(y − Xβ̂)` on `Σ_s (a_s − 1) − rank(X)` df.
//! * τ² by the generalised DerSimonian–Laird formula of the graph method with
//!   `H = X(XᵀWX)⁻¹XᵀW`; the random-effects fit repeats the above with every pairwise variance
//!   increased by τ² before the multi-arm reduction.
//! * `Q_diff = Q_additive − Q_standard` on `rank(B) − rank(X)` df tests the additive model
//!   against the standard network (`Q_standard` from the same fit with `C = I`).
//! * netmeta reference for the formulas: `netcomb` / `nma.additive` (netmeta 3.6-2; checked
//!   against them and metafor in `tests/network_cnma_metafor.rs`; df of `Q_additive`:
//!   `df_Q + n − 1 − rank(X)`); where netmeta gives τ² = NA (0 df) this gives 0.
//! * Identifiability: the null space of `XᵀX` (its eigenvectors with eigenvalue ≈ 0); a
//!   component (or combination) is identifiable when it is orthogonal to that null space.
//!   Non-identifiable components are reported, not estimated ((XᵀWX)⁺ is used for the rest).
//! * A disconnected network is fitted when the components connect it (netmeta's `discomb`);
//!   its sub-networks are reported.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::graph::{self, Edge};
use super::{prepare, Contrast, Network, NetworkMethod};
use crate::dist;
use crate::error::{Error, Result, Setting};

/// Relative tolerance of the rank and null-space decisions.
const TOL: f64 = 1e-9;

/// Where the components of the treatments come from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// Treatment names split by a separator ("A + B").
    Separator(String),
    /// Given per treatment.
    Given(Vec<(String, Vec<String>)>),
}

/// How treatments are made of components (a builder).
///
/// # Examples
///
/// ```
/// use peerstat::model::network::{ComponentSpec, Contrast, Network};
/// let c = |s: &str, a: &str, b: &str, y: f64, v: f64| Contrast {
///     study: s.into(), treat1: a.into(), treat2: b.into(), yi: y, vi: v,
/// };
/// let data = vec![
///     c("s1", "peer", "usual", 0.30, 0.04),
///     c("s2", "online", "usual", 0.10, 0.04),
///     c("s3", "peer + online", "usual", 0.45, 0.05),
///     c("s4", "peer + online", "peer", 0.12, 0.06),
/// ];
/// let spec = ComponentSpec::separator("+").inactive("usual").combination("peer + online");
/// let fit = Network::new().fit_components(&data, &spec).unwrap();
/// assert_eq!(fit.component_names, ["online", "peer"]);
/// let both = &fit.combinations_common[0];
/// let sum: f64 = fit.components_common.iter().map(|e| e.estimate).sum();
/// assert!((both.estimate - sum).abs() < 1e-12);
/// assert_eq!((fit.q_additive_df, fit.q_diff_df), (2, 1));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSpec {
    source: Source,
    inactive: Vec<String>,
    interactions: Vec<String>,
    combinations: Vec<String>,
}

impl ComponentSpec {
    /// Components from the treatment names split by `sep` ("A + B" with `+`: "A" and "B",
    /// whitespace trimmed).
    pub fn separator(sep: &str) -> Self {
        ComponentSpec {
            source: Source::Separator(sep.to_string()),
            inactive: Vec::new(),
            interactions: Vec::new(),
            combinations: Vec::new(),
        }
    }

    /// Components given per treatment (every treatment of the network must be listed, an
    /// inactive one with no components).
    pub fn given(map: Vec<(String, Vec<String>)>) -> Self {
        ComponentSpec {
            source: Source::Given(map),
            ..ComponentSpec::separator("+")
        }
    }

    /// A treatment with no components (netmeta's `inactive`: placebo, usual care).
    pub fn inactive(mut self, treatment: &str) -> Self {
        self.inactive.push(treatment.to_string());
        self
    }

    /// An interaction of components, written `A*B` (an extra column of `C`).
    pub fn interaction(mut self, term: &str) -> Self {
        self.interactions.push(term.to_string());
        self
    }

    /// A combination of components to estimate, written with the separator (`A+C`; `+` when
    /// the components are given).
    pub fn combination(mut self, combo: &str) -> Self {
        self.combinations.push(combo.to_string());
        self
    }

    fn sep(&self) -> &str {
        match &self.source {
            Source::Separator(s) => s,
            Source::Given(_) => "+",
        }
    }

    /// The components of `name` (a treatment or a combination: `what`) split by the separator.
    ///
    /// # Errors
    /// [`Error::Setting`] for an empty separator or an empty component (`name` is the separator
    /// alone, or begins, ends or doubles it), naming `name`.
    fn split(&self, name: &str, what: &str) -> Result<Vec<String>> {
        let sep = self.sep();
        if sep.is_empty() {
            return Err(Error::setting(
                Setting::Components,
                "the component separator is empty",
            ));
        }
        let mut v: Vec<String> = name.split(sep).map(|p| p.trim().to_string()).collect();
        if v.iter().any(String::is_empty) {
            let advice = if what == "treatment" {
                "; rename it, or declare it inactive if it has no components"
            } else {
                ""
            };
            return Err(Error::setting(
                Setting::Components,
                format!("the {what} '{name}' split by '{sep}' has an empty component name{advice}"),
            ));
        }
        v.sort();
        v.dedup();
        Ok(v)
    }

    /// The components of each treatment (in `treatments` order).
    fn of_treatments(&self, treatments: &[String]) -> Result<Vec<Vec<String>>> {
        for i in &self.inactive {
            if !treatments.contains(i) {
                return Err(Error::setting(
                    Setting::Components,
                    format!("the inactive treatment '{i}' is not a treatment of the network"),
                ));
            }
        }
        treatments
            .iter()
            .map(|t| {
                if self.inactive.contains(t) {
                    return Ok(Vec::new());
                }
                match &self.source {
                    Source::Separator(_) => self.split(t, "treatment"),
                    Source::Given(map) => map
                        .iter()
                        .find(|(name, _)| name == t)
                        .ok_or_else(|| {
                            Error::setting(
                                Setting::Components,
                                format!("the components of treatment '{t}' are not given"),
                            )
                        })
                        .and_then(|(_, c)| {
                            if c.iter().any(|x| x.trim().is_empty()) {
                                return Err(Error::setting(
                                    Setting::Components,
                                    format!("treatment '{t}' is given an empty component name"),
                                ));
                            }
                            let mut c = c.clone();
                            c.sort();
                            c.dedup();
                            Ok(c)
                        }),
                }
            })
            .collect()
    }
}

/// The columns of `C`: components then interactions (each a list of components).
struct Columns {
    names: Vec<String>,
    parts: Vec<Vec<String>>,
}

impl Columns {
    fn build(per_treatment: &[Vec<String>], spec: &ComponentSpec) -> Result<Columns> {
        let mut names: Vec<String> = per_treatment.iter().flatten().cloned().collect();
        names.sort();
        names.dedup();
        let mut parts: Vec<Vec<String>> = names.iter().map(|c| vec![c.clone()]).collect();
        for term in &spec.interactions {
            let mut p: Vec<String> = term
                .split('*')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect();
            p.sort();
            p.dedup();
            if p.len() < 2 {
                return Err(Error::setting(
                    Setting::Components,
                    format!("the interaction '{term}' needs two or more components, as 'A*B'"),
                ));
            }
            if let Some(bad) = p.iter().find(|x| !names.contains(x)) {
                return Err(Error::setting(
                    Setting::Components,
                    format!(
                        "'{bad}' of the interaction '{term}' is not a component (components: {})",
                        names.join(", ")
                    ),
                ));
            }
            if parts.contains(&p) {
                continue;
            }
            names.push(p.join("*"));
            parts.push(p);
        }
        if names.is_empty() {
            return Err(Error::setting(
                Setting::Components,
                "no treatment has a component",
            ));
        }
        Ok(Columns { names, parts })
    }

    /// The row of `C` of a set of components.
    fn row(&self, comps: &[String]) -> DVector<f64> {
        DVector::from_iterator(
            self.parts.len(),
            self.parts
                .iter()
                .map(|p| f64::from(u8::from(p.iter().all(|c| comps.contains(c))))),
        )
    }
}

/// The components of one treatment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreatmentComponents {
    /// Treatment.
    pub treatment: String,
    /// Its components (empty for an inactive treatment).
    pub components: Vec<String>,
}

/// The estimate of one component or combination of components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentEstimate {
    /// Component (an interaction as `A*B`) or combination (`A+C`).
    pub component: String,
    /// Effect (relative to its absence; analysis scale).
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Lower confidence bound.
    pub ci_lower: f64,
    /// Upper confidence bound.
    pub ci_upper: f64,
}

/// A component or combination that the data cannot estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotIdentifiable {
    /// Component or combination.
    pub component: String,
    /// Why.
    pub reason: String,
}

/// A fitted additive component network meta-analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CnmaFit {
    /// Treatments, sorted as text.
    pub treatments: Vec<String>,
    /// The components of each treatment.
    pub treatment_components: Vec<TreatmentComponents>,
    /// The columns of `C`: components, then interactions.
    pub component_names: Vec<String>,
    /// Studies.
    pub k_studies: usize,
    /// Pairwise contrasts.
    pub k_comparisons: usize,
    /// Identifiable components, random-effects model.
    pub components: Vec<ComponentEstimate>,
    /// The same, common-effect model.
    pub components_common: Vec<ComponentEstimate>,
    /// Requested combinations, random-effects model.
    pub combinations: Vec<ComponentEstimate>,
    /// The same, common-effect model.
    pub combinations_common: Vec<ComponentEstimate>,
    /// Every treatment against no components (an inactive treatment) under the additive model
    /// (`C β̂`; netmeta's `TE.random` against the inactive treatment), random effects; treatments
    /// whose sum of components is not identifiable are left out.
    pub treatment_effects: Vec<ComponentEstimate>,
    /// The same, common-effect model.
    pub treatment_effects_common: Vec<ComponentEstimate>,
    /// Components and combinations that cannot be estimated, and why.
    pub not_identifiable: Vec<NotIdentifiable>,
    /// Q of the additive model (common effect).
    pub q_additive: f64,
    /// Its df: `Σ_s (arms_s − 1) − rank(X)`.
    pub q_additive_df: usize,
    /// Its p-value (null with 0 df).
    pub q_additive_p: Option<f64>,
    /// Q of the standard network (per sub-network when disconnected).
    pub q_standard: f64,
    /// Its df.
    pub q_standard_df: usize,
    /// `Q_additive − Q_standard`: the test of the additive model against the standard network.
    pub q_diff: f64,
    /// Its df: `rank(B) − rank(X)`.
    pub q_diff_df: usize,
    /// Its p-value (null with 0 df).
    pub q_diff_p: Option<f64>,
    /// τ² of the additive model (generalised DerSimonian–Laird).
    pub tau2_additive: f64,
    /// The sub-networks of a disconnected network (treatments; empty when connected).
    pub subnetworks: Vec<Vec<String>>,
    /// Confidence level (percent).
    pub level: f64,
    /// Whether smaller effects are better (the network's setting; the side a component favours).
    pub small_values_good: bool,
}

/// A weighted least-squares fit of the contrasts on `X`.
struct Wls {
    beta: DVector<f64>,
    cov: DMatrix<f64>,
    q: f64,
    dl_denominator: f64,
}

/// The pseudoinverse of a symmetric positive semi-definite matrix (eigenvalues below
/// `TOL × max` dropped).
fn sym_pinv(a: &DMatrix<f64>) -> DMatrix<f64> {
    let e = a.clone().symmetric_eigen();
    let max = e.eigenvalues.iter().fold(0.0_f64, |m, &x| m.max(x.abs()));
    let mut out = DMatrix::zeros(a.nrows(), a.ncols());
    for (k, &l) in e.eigenvalues.iter().enumerate() {
        if l > TOL * max {
            let v = e.eigenvectors.column(k);
            out += (v * v.transpose()) / l;
        }
    }
    out
}

/// The orthonormal null space of `XᵀX` (columns) and the rank of `X`.
fn null_space(x: &DMatrix<f64>) -> (DMatrix<f64>, usize) {
    let e = (x.transpose() * x).symmetric_eigen();
    let max = e.eigenvalues.iter().fold(0.0_f64, |m, &l| m.max(l.abs()));
    let null: Vec<usize> = (0..e.eigenvalues.len())
        .filter(|&k| e.eigenvalues[k] <= TOL * max.max(f64::MIN_POSITIVE))
        .collect();
    let n = DMatrix::from_fn(x.ncols(), null.len(), |i, j| e.eigenvectors[(i, null[j])]);
    (n, x.ncols() - null.len())
}

/// Fits `y = Xβ` with weights `w`; the generalised DL denominator uses the treatment incidence
/// of `edges`.
fn wls(edges: &[Edge], by_study: &[Vec<usize>], x: &DMatrix<f64>, w: &[f64]) -> Wls {
    let p = x.ncols();
    let mut xtwx = DMatrix::zeros(p, p);
    let mut xtwy = DVector::zeros(p);
    for (k, (e, &we)) in edges.iter().zip(w).enumerate() {
        let r = x.row(k);
        xtwx += r.transpose() * r * we;
        xtwy += r.transpose() * (we * e.y);
    }
    let cov = sym_pinv(&xtwx);
    let beta = &cov * xtwy;
    let fitted = x * &beta;
    let q = edges
        .iter()
        .zip(w)
        .enumerate()
        .map(|(k, (e, we))| we * (e.y - fitted[k]).powi(2))
        .sum();
    // tr((I − H)(BBᵀ ∘ E / 2)W), H = X(XᵀWX)⁺XᵀW, as in graph::fit.
    let xpx = x * &cov * x.transpose();
    let denom = super::graph::dl_denominator(edges, by_study, w, |e, f| xpx[(e, f)]);
    Wls {
        beta,
        cov,
        q,
        dl_denominator: denom,
    }
}

/// `X = BC`: row `k` is `C[t1] − C[t2]` of contrast `k`.
fn design(edges: &[Edge], c: &DMatrix<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(edges.len(), c.ncols(), |k, j| {
        c[(edges[k].t1, j)] - c[(edges[k].t2, j)]
    })
}

/// Whether `v` is orthogonal to the null space `n` (an estimable function).
fn estimable(n: &DMatrix<f64>, v: &DVector<f64>) -> bool {
    let proj = n.transpose() * v;
    proj.norm() <= 1e-7 * v.norm().max(1.0)
}

/// Why the component `j` is not identifiable.
fn reason(x: &DMatrix<f64>, n: &DMatrix<f64>, j: usize, names: &[String]) -> String {
    if x.column(j).iter().all(|&v| v == 0.0) {
        return concat!(
            "it never differs between the arms of a study ",
            "(every study has it in all of its arms or in none)"
        )
        .into();
    }
    let nnt = n * n.transpose();
    let partners: Vec<&str> = (0..names.len())
        .filter(|&k| k != j && nnt[(j, k)].abs() > 1e-7)
        .map(|k| names[k].as_str())
        .collect();
    format!(
        "it is linearly dependent on {} in every study contrast (e.g. they always occur together)",
        if partners.is_empty() {
            "other components".to_string()
        } else {
            partners.join(", ")
        }
    )
}

/// The common- and random-effects fits of the additive model, with the null space of `X` (what
/// is not estimable) and the normal quantile of the intervals.
struct Models<'a> {
    common: &'a Wls,
    random: &'a Wls,
    null: &'a DMatrix<f64>,
    z: f64,
}

impl Models<'_> {
    /// The estimate `vᵀβ̂` of one fit, named `name`.
    fn estimate(&self, fit: &Wls, name: &str, v: &DVector<f64>) -> ComponentEstimate {
        let e = v.dot(&fit.beta);
        let se = (v.transpose() * &fit.cov * v)[(0, 0)].max(0.0).sqrt();
        ComponentEstimate {
            component: name.to_string(),
            estimate: e,
            se,
            ci_lower: e - self.z * se,
            ci_upper: e + self.z * se,
        }
    }

    /// The random- and common-effects estimates of `vᵀβ`, or `None` when it is not estimable.
    fn both(&self, name: &str, v: &DVector<f64>) -> Option<(ComponentEstimate, ComponentEstimate)> {
        estimable(self.null, v).then(|| {
            (
                self.estimate(self.random, name, v),
                self.estimate(self.common, name, v),
            )
        })
    }

    /// Every column of `C` (`names`): random and common estimates of the identifiable ones, and
    /// why each other one is not identifiable.
    fn components(
        &self,
        x: &DMatrix<f64>,
        names: &[String],
    ) -> (
        Vec<ComponentEstimate>,
        Vec<ComponentEstimate>,
        Vec<NotIdentifiable>,
    ) {
        let p = names.len();
        let (mut comp_r, mut comp_c, mut not_id) = (Vec::new(), Vec::new(), Vec::new());
        for j in 0..p {
            let mut v = DVector::zeros(p);
            v[j] = 1.0;
            match self.both(&names[j], &v) {
                Some((r, c)) => {
                    comp_r.push(r);
                    comp_c.push(c);
                }
                None => not_id.push(NotIdentifiable {
                    component: names[j].clone(),
                    reason: reason(x, self.null, j, names),
                }),
            }
        }
        (comp_r, comp_c, not_id)
    }

    /// The requested combinations of `spec` (random, common); those not identifiable are added
    /// to `not_id`.
    ///
    /// # Errors
    /// [`Error::Setting`] for a combination with an empty or unknown component.
    fn combinations(
        &self,
        spec: &ComponentSpec,
        cols: &Columns,
        not_id: &mut Vec<NotIdentifiable>,
    ) -> Result<(Vec<ComponentEstimate>, Vec<ComponentEstimate>)> {
        let (mut comb_r, mut comb_c) = (Vec::new(), Vec::new());
        for combo in &spec.combinations {
            let parts = spec.split(combo, "combination")?;
            if let Some(bad) = parts.iter().find(|q| !cols.names.contains(q)) {
                return Err(Error::setting(
                    Setting::Components,
                    format!(
                        "'{bad}' of the combination '{combo}' is not a component (components: {})",
                        cols.names.join(", ")
                    ),
                ));
            }
            match self.both(combo, &cols.row(&parts)) {
                Some((r, c)) => {
                    comb_r.push(r);
                    comb_c.push(c);
                }
                None => not_id.push(NotIdentifiable {
                    component: combo.clone(),
                    reason: "the combination involves components that are not identifiable".into(),
                }),
            }
        }
        Ok((comb_r, comb_c))
    }
}

impl Network {
    /// Fits the additive component network meta-analysis (netmeta's `netcomb`) of `data`
    /// with the treatments made of components as `spec` says; the level is this network's.
    ///
    /// # Errors
    /// As [`Network::fit`] for bad contrasts (a disconnected network is not an error);
    /// [`Error::Setting`] for the REML method (the additive model uses the generalised
    /// DerSimonian–Laird τ²), an unknown inactive treatment, a treatment whose components are
    /// not given, a bad interaction or combination, or no components at all.
    pub fn fit_components(&self, data: &[Contrast], spec: &ComponentSpec) -> Result<CnmaFit> {
        if self.method == NetworkMethod::Reml {
            return Err(Error::setting(
                Setting::Method,
                "the component network meta-analysis uses the generalised DerSimonian-Laird tau^2 only",
            ));
        }
        let level = self.level.unwrap_or(95.0);
        let prep = prepare(data, !self.from_arms)?;
        let n = prep.treatments.len();
        let per_t = spec.of_treatments(&prep.treatments)?;
        let cols = Columns::build(&per_t, spec)?;
        let c = DMatrix::from_fn(n, cols.names.len(), |t, j| cols.row(&per_t[t])[j]);
        let x = design(&prep.edges, &c);
        let (null, rank_x) = null_space(&x);
        let b = design(&prep.edges, &DMatrix::identity(n, n));
        let subnets = graph::components(&prep.edges, n);
        let rank_b = n - subnets.len();
        let w0 = graph::weights(&prep.edges, &prep.by_study, 0.0)?;
        let common = wls(&prep.edges, &prep.by_study, &x, &w0);
        let standard = wls(&prep.edges, &prep.by_study, &b, &w0);
        let df_add = prep.arms_total.saturating_sub(rank_x);
        let df_std = prep.arms_total.saturating_sub(rank_b);
        let tau2 = if df_add == 0 || common.dl_denominator <= 0.0 {
            0.0
        } else {
            ((common.q - df_add as f64) / common.dl_denominator).max(0.0)
        };
        let wr = graph::weights(&prep.edges, &prep.by_study, tau2)?;
        let random = wls(&prep.edges, &prep.by_study, &x, &wr);
        let models = Models {
            common: &common,
            random: &random,
            null: &null,
            z: dist::norm_quantile(1.0 - (1.0 - level / 100.0) / 2.0),
        };
        let (comp_r, comp_c, mut not_id) = models.components(&x, &cols.names);
        let (mut trt_r, mut trt_c) = (Vec::new(), Vec::new());
        for (t, comps) in prep.treatments.iter().zip(&per_t) {
            if let Some((r, c)) = models.both(t, &cols.row(comps)) {
                trt_r.push(r);
                trt_c.push(c);
            }
        }
        let (comb_r, comb_c) = models.combinations(spec, &cols, &mut not_id)?;
        // netmeta sets |Q_diff| below ε^0.75 to 0 (rounding when the models coincide).
        let q_diff = match common.q - standard.q {
            d if d.abs() < f64::EPSILON.powf(0.75) => 0.0,
            d => d,
        };
        let q_diff_df = df_add.saturating_sub(df_std);
        let chi = |q: f64, df: usize| (df > 0).then(|| dist::chi2_sf(q.max(0.0), df as f64));
        let names = |g: &Vec<usize>| g.iter().map(|&t| prep.treatments[t].clone()).collect();
        Ok(CnmaFit {
            treatment_components: prep
                .treatments
                .iter()
                .zip(&per_t)
                .map(|(t, c)| TreatmentComponents {
                    treatment: t.clone(),
                    components: c.clone(),
                })
                .collect(),
            component_names: cols.names.clone(),
            k_studies: prep.studies.len(),
            k_comparisons: prep.edges.len(),
            components: comp_r,
            components_common: comp_c,
            combinations: comb_r,
            combinations_common: comb_c,
            treatment_effects: trt_r,
            treatment_effects_common: trt_c,
            not_identifiable: not_id,
            q_additive: common.q,
            q_additive_df: df_add,
            q_additive_p: chi(common.q, df_add),
            q_standard: standard.q,
            q_standard_df: df_std,
            q_diff,
            q_diff_df,
            q_diff_p: chi(q_diff, q_diff_df),
            tau2_additive: tau2,
            subnetworks: if subnets.len() > 1 {
                subnets.iter().map(names).collect()
            } else {
                Vec::new()
            },
            level,
            small_values_good: self.small_values_good,
            treatments: prep.treatments,
        })
    }
}
