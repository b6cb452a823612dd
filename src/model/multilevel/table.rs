//! Multilevel models on table columns: the random-effects formula, level ids read from columns,
//! moderators through the meta-regression design.

use serde::Serialize;

use super::{MultilevelFit, MultilevelModel};
use crate::data::Table;
use crate::effect::EffectSizes;
use crate::error::{Error, Setting};
use crate::model::regression::Design;
use crate::model::vcalc::{CovBlock, SamplingCovariance, VcalcSpec};

/// The random-effects terms of a formula: nested random intercepts `~ 1 | a/b[/c]` and at most
/// one structured term `~ inner | outer` (metafor `random = list(~ 1 | a/b, ~ inner | outer)`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RandomTerms {
    /// The nested factors, outermost first (empty: none).
    pub nested: Vec<String>,
    /// The structured term's `(inner, outer)` factors.
    pub structured: Option<(String, String)>,
}

/// Parses a random-effects formula: terms separated by commas, each `~ 1 | outer/inner[/…]`
/// (nested random intercepts, at most one such term) or `~ inner | outer` (a structured term,
/// at most one), e.g. `~ 1 | study/esid` or `~ 1 | study, ~ outcome | study`.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Random`]) for anything else (an empty factor name, crossed
/// terms, two terms of one kind, an inner term with `/`).
pub fn parse_terms(formula: &str) -> Result<RandomTerms, Error> {
    let bad = |why: &str| {
        Error::setting(
            Setting::Random,
            format!("cannot read the random-effects formula '{formula}': {why}; expected '~ 1 | outer/inner' (nested random intercepts, e.g. '~ 1 | study/esid'), '~ inner | outer' (a structured term, e.g. '~ outcome | study') or both separated by a comma"),
        )
    };
    let name_ok = |n: &str| !n.is_empty() && !n.contains(|c: char| "|~+*:(), ".contains(c));
    let mut terms = RandomTerms::default();
    for part in formula.split(',') {
        let rest = part
            .trim()
            .strip_prefix('~')
            .ok_or_else(|| bad("each term must start with '~'"))?;
        let (lhs, rhs) = rest.split_once('|').ok_or_else(|| bad("'|' is missing"))?;
        let lhs = lhs.trim();
        if lhs == "1" {
            if !terms.nested.is_empty() {
                return Err(bad(
                    "only one '~ 1 | …' term is allowed (nest factors with '/')",
                ));
            }
            let names: Vec<String> = rhs.split('/').map(|s| s.trim().to_string()).collect();
            if let Some(n) = names.iter().find(|n| !name_ok(n)) {
                return Err(bad(&format!("'{n}' is not a column name")));
            }
            terms.nested = names;
        } else {
            if terms.structured.is_some() {
                return Err(bad("only one structured term '~ inner | outer' is allowed"));
            }
            let outer = rhs.trim();
            for n in [lhs, outer] {
                if !name_ok(n) {
                    return Err(bad(&format!("'{n}' is not a column name")));
                }
            }
            terms.structured = Some((lhs.to_string(), outer.to_string()));
        }
    }
    Ok(terms)
}

/// Parses a nested random-intercept formula `~ 1 | outer/inner[/…]` into its factor names,
/// outermost first.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Random`]) for anything else (another left-hand side than `1`,
/// an empty factor name, crossed or structured terms).
pub fn parse_random(formula: &str) -> Result<Vec<String>, Error> {
    let terms = parse_terms(formula)?;
    if terms.structured.is_some() || terms.nested.is_empty() {
        return Err(Error::setting(
            Setting::Random,
            format!("cannot read the random-effects formula '{formula}': only random intercepts ('1' before '|') are supported here; expected '~ 1 | outer/inner' (nested random intercepts, e.g. '~ 1 | study/esid')"),
        ));
    }
    Ok(terms.nested)
}

/// A multilevel model fitted to table columns: the JSON contract of `meta` with a random-effects
/// structure. The core keys of a univariate fit keep their meaning for the first coefficient
/// (`k`, `estimate`, `se`, `ci_lower`, `ci_upper`, `statistic`, `p_value`); `q`, `q_df`, `q_p`
/// are the test for residual heterogeneity; `tau2` and `i2` are null (see `sigma2`,
/// `i2_levels`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultilevelTable {
    /// Effect measure.
    pub measure: crate::effect::Measure,
    /// The fit (its `factors` named after the columns: `district`, `district/school`).
    #[serde(flatten)]
    pub fit: MultilevelFit,
    /// Always `None`: the model has one variance component per level (`sigma2`).
    pub tau2: Option<f64>,
    /// Always `None`: see `i2_levels`.
    pub i2: Option<f64>,
    /// The test for residual heterogeneity (`qe`), under the key of univariate fits.
    pub q: f64,
    /// Its degrees of freedom.
    pub q_df: usize,
    /// Its p-value.
    pub q_p: f64,
    /// The options that shape the model beyond the fit's own keys.
    pub options: TableOptions,
    /// A likelihood-ratio test against the model without one random factor, when asked for
    /// (set by the caller, see [`likelihood_ratio`](super::likelihood_ratio)).
    pub lrt: Option<super::Lrt>,
    /// Effects left out for a missing moderator value.
    #[serde(skip)]
    pub dropped: usize,
    /// The table row (0-based) of each effect the fit used, in the fit's order.
    #[serde(skip)]
    pub rows: Vec<usize>,
}

/// The options of a multilevel fit on table columns, as recorded in its JSON (`options`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableOptions {
    /// The random-effects factors, outermost first (canonical names).
    pub random: Vec<String>,
    /// The moderators (canonical names).
    pub mods: Vec<String>,
    /// The sampling covariance from `vcalc` (`None`: `V = diag(vi)` or from columns).
    pub vcalc: Option<VcalcSpec>,
    /// The columns carrying the sampling covariances (`None`: `V = diag(vi)` or `vcalc`).
    pub vcov_cols: Option<Vec<String>>,
    /// The variance components held at given values, one per factor (outermost first; `null`
    /// for one estimated), as metafor's `sigma2 = c(NA, 0)`; `None` when all are estimated.
    pub sigma2: Option<Vec<Option<f64>>>,
    /// The structured term `inner | outer`, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured: Option<String>,
    /// Its structure.
    #[serde(rename = "struct", skip_serializing_if = "Option::is_none")]
    pub structure: Option<super::Structure>,
    /// Its variances held at given values (metafor `tau2 = …`), when any are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau2_fixed: Option<Vec<Option<f64>>>,
    /// Its correlations held at given values (metafor `rho = …`), when any are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rho_fixed: Option<Vec<Option<f64>>>,
    /// The moderator values of `prediction` (after the intercept), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newmods: Option<Vec<f64>>,
    /// The cluster column of cluster-robust inference, when it was run on the fit (set by the
    /// caller that runs it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust: Option<String>,
    /// Its type (CR2 or CR1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_type: Option<crate::model::robust::RobustType>,
}

/// Where a non-diagonal sampling covariance `V` comes from.
#[derive(Debug, Clone, PartialEq)]
// Built once per fit: boxing the vcalc options would only complicate callers.
#[allow(clippy::large_enum_variant)]
pub enum CovSource {
    /// metafor's `vcalc` on table columns.
    Vcalc(VcalcSpec),
    /// Columns that carry `V` (metafor's `bldiag(lapply(split(dat[, cols], cluster),
    /// as.matrix))`): within each level of the outermost random factor, the `j`-th effect's
    /// row holds its covariances with the cluster's 1st, 2nd, … effect (table order) in the
    /// 1st, 2nd, … column. `V`'s diagonal replaces `vi`.
    Columns(Vec<String>),
}

impl MultilevelModel {
    /// Fits the effects `es` with random intercepts for the nested factors `random` (canonical
    /// column names, outermost first) and moderators `mods` (as [`Design::from_table`]; an empty
    /// list fits the intercept only). Any column type can name levels; values are compared as
    /// text.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] for an absent column; [`Error::Value`] for an effect with a
    /// missing level; [`Error::TooFew`] for a factor with a single level; as
    /// [`Design::from_table`] and [`MultilevelModel::fit`] otherwise.
    pub fn fit_table(
        &self,
        table: &Table,
        es: &EffectSizes,
        random: &[String],
        mods: &[String],
    ) -> Result<MultilevelTable, Error> {
        self.fit_table_vcalc(table, es, random, mods, None)
    }

    /// [`MultilevelModel::fit_table`] with the sampling covariance `V` of metafor's `vcalc`
    /// built from the columns `vcalc` names (values compared as text; times numeric), for the
    /// effects the model uses: the correlated-and-hierarchical-effects (CHE) model.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] for an absent column; [`Error::Value`] for an effect with a
    /// missing cluster, observation or time; as [`VcalcSpec::covariance`] and [`MultilevelModel::fit_cov`];
    /// as [`MultilevelModel::fit_table`] otherwise.
    pub fn fit_table_vcalc(
        &self,
        table: &Table,
        es: &EffectSizes,
        random: &[String],
        mods: &[String],
        spec: Option<&VcalcSpec>,
    ) -> Result<MultilevelTable, Error> {
        let source = spec.map(|s| CovSource::Vcalc(s.clone()));
        self.fit_table_cov(table, es, random, mods, source.as_ref())
    }

    /// [`MultilevelModel::fit_table`] with a block-diagonal sampling covariance `V` from
    /// `source` (`None`: `V = diag(vi)`).
    ///
    /// # Errors
    /// As [`MultilevelModel::fit_table_vcalc`]; for [`CovSource::Columns`] also
    /// [`Error::Input`] for a cluster with more effects than columns, or a block that is not
    /// symmetric or not positive definite (naming the cluster), and [`Error::Value`] for a
    /// missing covariance.
    pub fn fit_table_cov(
        &self,
        table: &Table,
        es: &EffectSizes,
        random: &[String],
        mods: &[String],
        source: Option<&CovSource>,
    ) -> Result<MultilevelTable, Error> {
        let terms = RandomTerms {
            nested: random.to_vec(),
            structured: None,
        };
        self.fit_table_terms(table, es, &terms, mods, source)
    }

    /// [`MultilevelModel::fit_table_cov`] with any random-effects terms: nested intercepts and
    /// a structured term `~ inner | outer` with the builder's [`Structure`](super::Structure)
    /// (inner levels compared as text, sorted numerically when all are numbers).
    ///
    /// # Errors
    /// As [`MultilevelModel::fit_table_cov`] and [`MultilevelModel::fit_structured`].
    pub fn fit_table_terms(
        &self,
        table: &Table,
        es: &EffectSizes,
        terms: &RandomTerms,
        mods: &[String],
        source: Option<&CovSource>,
    ) -> Result<MultilevelTable, Error> {
        let random = &terms.nested;
        let labels = |name: &str| factor_labels(table, es, name);
        let mut ids = Vec::with_capacity(random.len());
        for name in random {
            ids.push(as_ids(labels(name)?));
        }
        let st = match &terms.structured {
            Some((inner, outer)) => Some((labels(inner)?, as_ids(labels(outer)?))),
            None => None,
        };
        let design = moderator_design(table, es, mods)?;
        let keep = &design.keep;
        let y: Vec<f64> = keep.iter().map(|&i| es.yi()[i]).collect();
        let mut v: Vec<f64> = keep.iter().map(|&i| es.vi()[i]).collect();
        let levels: Vec<Vec<usize>> = ids
            .iter()
            .map(|c| keep.iter().map(|&i| c[i]).collect())
            .collect();
        let actual: Vec<String> = random
            .iter()
            .map(|n| table.actual_name(n).to_string())
            .collect();
        let rows: Vec<usize> = keep.iter().map(|&i| es.rows()[i]).collect();
        let cov = match source {
            Some(CovSource::Vcalc(s)) => Some(table_vcalc(table, &rows, &v, s)?),
            Some(CovSource::Columns(cols)) => {
                let outer = random
                    .first()
                    .or(terms.structured.as_ref().map(|s| &s.1))
                    .map_or("", String::as_str);
                let c = table_columns(table, &rows, outer, cols)?;
                v = c.variances();
                Some(c)
            }
            None => None,
        };
        let term = match (&st, &terms.structured) {
            (Some((inner, outer)), Some((ni, no))) => Some(super::StructuredTerm::new(
                self.structure,
                &keep.iter().map(|&i| inner[i].clone()).collect::<Vec<_>>(),
                &keep.iter().map(|&i| outer[i]).collect::<Vec<_>>(),
                [
                    table.actual_name(ni).to_string(),
                    table.actual_name(no).to_string(),
                ],
            )?),
            _ => None,
        };
        let data = super::MultilevelData {
            y: &y,
            v: &v,
            cov: cov.as_ref(),
            levels: &levels,
            x: &design.x,
            names: &design.names,
        };
        let fit = self.fit_full(data, term.as_ref(), &actual)?;
        Ok(MultilevelTable {
            measure: es.measure(),
            q: fit.qe,
            q_df: fit.qe_df,
            q_p: fit.qe_p,
            tau2: None,
            i2: None,
            fit,
            dropped: design.dropped,
            rows,
            lrt: None,
            options: self.table_options(terms, mods, source),
        })
    }

    /// The options of a table fit, as recorded with its results.
    fn table_options(
        &self,
        terms: &RandomTerms,
        mods: &[String],
        source: Option<&CovSource>,
    ) -> TableOptions {
        TableOptions {
            random: terms.nested.to_vec(),
            mods: mods.to_vec(),
            vcalc: match source {
                Some(CovSource::Vcalc(s)) => Some(s.clone()),
                _ => None,
            },
            vcov_cols: match source {
                Some(CovSource::Columns(c)) => Some(c.clone()),
                _ => None,
            },
            sigma2: if self.fixed.is_empty() {
                None
            } else {
                Some(self.fixed.clone())
            },
            newmods: self.newmods.clone(),
            robust: None,
            robust_type: None,
            structured: terms.structured.as_ref().map(|(i, o)| format!("{i} | {o}")),
            structure: terms.structured.as_ref().map(|_| self.structure),
            tau2_fixed: (terms.structured.is_some() && !self.fixed_tau2.is_empty())
                .then(|| self.fixed_tau2.clone()),
            rho_fixed: (terms.structured.is_some() && !self.fixed_rho.is_empty())
                .then(|| self.fixed_rho.clone()),
        }
    }
}

/// The level (as text) of each effect of `es` in the random-effects factor `name` of `table`.
///
/// # Errors
/// The column is missing, or a value in it.
fn factor_labels(table: &Table, es: &EffectSizes, name: &str) -> Result<Vec<String>, Error> {
    let col = table
        .get(name)
        .ok_or_else(|| table.missing_column(name, "as a random-effects factor"))?;
    es.rows()
        .iter()
        .map(|&r| {
            col.key(r).ok_or_else(|| {
                table.value_error(
                    r,
                    name,
                    "the random-effects factor is missing: every effect needs a level",
                )
            })
        })
        .collect()
}

/// Numbers the distinct labels in order of first appearance.
fn as_ids(texts: Vec<String>) -> Vec<usize> {
    let mut map = std::collections::HashMap::new();
    texts
        .into_iter()
        .map(|t| {
            let n = map.len();
            *map.entry(t).or_insert(n)
        })
        .collect()
}

/// The design of moderators `mods` (intercept only when empty).
fn moderator_design(table: &Table, es: &EffectSizes, mods: &[String]) -> Result<Design, Error> {
    if mods.is_empty() {
        Ok(Design {
            names: vec!["intrcpt".to_string()],
            x: nalgebra::DMatrix::from_element(es.k(), 1, 1.0),
            keep: (0..es.k()).collect(),
            dropped: 0,
        })
    } else {
        Design::from_table(table, es, mods)
    }
}

/// `vcalc` on the table rows `rows` (one per effect) with variances `v`.
fn table_vcalc(
    table: &Table,
    rows: &[usize],
    v: &[f64],
    s: &VcalcSpec,
) -> Result<SamplingCovariance, Error> {
    s.covariance(table, rows, v)
}

/// The covariance blocks that the columns `cols` carry for the effects at table rows `rows`,
/// clustered by `outer` (positions within a cluster count every table row of the cluster).
fn table_columns(
    table: &Table,
    rows: &[usize],
    outer: &str,
    cols: &[String],
) -> Result<SamplingCovariance, Error> {
    let labels = table.texts(outer);
    let values: Vec<Vec<Option<f64>>> = cols
        .iter()
        .map(|c| table.numeric(c, "as a sampling-covariance column"))
        .collect::<Result<_, _>>()?;
    // Position of every table row within its cluster.
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let pos: Vec<usize> = labels
        .iter()
        .map(|l| {
            let c = count.entry(l.as_deref().unwrap_or("")).or_insert(0);
            *c += 1;
            *c - 1
        })
        .collect();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (e, &r) in rows.iter().enumerate() {
        let label = labels[r]
            .as_deref()
            .ok_or_else(|| table.value_error(r, outer, "the random-effects factor is missing"))?;
        let next = members.len();
        let b = *index.entry(label).or_insert(next);
        if b == next {
            members.push(Vec::new());
        }
        members[b].push(e);
    }
    let mut blocks = Vec::with_capacity(members.len());
    for m in members {
        let label = labels[rows[m[0]]].clone().unwrap_or_default();
        let n = count.get(label.as_str()).copied().unwrap_or(0);
        if n > cols.len() {
            return Err(Error::input(
                format!("sampling covariance of cluster '{label}'"),
                format!(
                    "the cluster has {n} effects but {} covariance columns are given (one per effect of the largest cluster)",
                    cols.len()
                ),
            ));
        }
        let mut matrix = nalgebra::DMatrix::zeros(m.len(), m.len());
        for (a, &ea) in m.iter().enumerate() {
            for (b, &eb) in m.iter().enumerate() {
                let (r, c) = (rows[ea], pos[rows[eb]]);
                matrix[(a, b)] = values[c][r].ok_or_else(|| {
                    table.value_error(r, &cols[c], "the sampling covariance is missing")
                })?;
            }
        }
        blocks.push(CovBlock {
            label,
            rows: m,
            matrix,
        });
    }
    SamplingCovariance::from_blocks(rows.len(), blocks)
}
