//! The data of a GLMM (counts per study) and the rows each model fits to them
//! (metafor `rma.glmm`'s data layouts).

use serde::Serialize;

use super::cluster::Cluster;
use super::family::{Family, Row};
use crate::error::{Error, Result, Setting};

/// The outcome measure of a GLMM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GlmmMeasure {
    /// Log odds ratio from 2×2 tables (binomial-normal models).
    #[serde(rename = "OR")]
    Or,
    /// Log incidence rate ratio from events and person-time per arm (Poisson-normal models).
    #[serde(rename = "IRR")]
    Irr,
    /// Logit of a single-group proportion.
    #[serde(rename = "PLO")]
    Plo,
    /// Log of a single-group incidence rate.
    #[serde(rename = "IRLN")]
    Irln,
}

/// The GLMM for two-group data (metafor `model`); single-group measures have one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GlmmModel {
    /// Unconditional model with fixed study effects.
    #[serde(rename = "UM.FS")]
    UmFs,
    /// Conditional model with approximate likelihood (OR: binomial of a out of a + c with offset
    /// ln(n1/n2)).
    #[serde(rename = "CM.AL")]
    CmAl,
    /// Conditional model with exact likelihood (IRR: the conditional binomial of x1 out of
    /// x1 + x2 with offset ln(t1/t2), exact for rates).
    #[serde(rename = "CM.EL")]
    CmEl,
}

impl GlmmModel {
    /// metafor's names, for messages and parsing.
    pub const NAMES: [&'static str; 3] = ["UM.FS", "CM.AL", "CM.EL"];

    /// The model's metafor name.
    pub fn code(self) -> &'static str {
        match self {
            GlmmModel::UmFs => "UM.FS",
            GlmmModel::CmAl => "CM.AL",
            GlmmModel::CmEl => "CM.EL",
        }
    }
}

impl std::str::FromStr for GlmmModel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "UM.FS" => Ok(GlmmModel::UmFs),
            "CM.AL" => Ok(GlmmModel::CmAl),
            "CM.EL" => Ok(GlmmModel::CmEl),
            "UM.RS" => Err(Error::setting(
                Setting::Glmm,
                "GLMM model UM.RS (random study effects) is not implemented: use UM.FS, CM.AL or CM.EL",
            )),
            _ => Err(Error::setting(
                Setting::Glmm,
                format!("unknown GLMM model '{s}': use one of {}", GlmmModel::NAMES.join(", ")),
            )),
        }
    }
}

/// The counts of one study: `(events, trials or person-time)` for one or two groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    /// Events in group 1 (the only group of single-group measures).
    pub x1: f64,
    /// Its size (OR, PLO) or person-time (IRR, IRLN).
    pub n1: f64,
    /// Events in group 2 (0 for single-group measures).
    pub x2: f64,
    /// Its size or person-time (0 for single-group measures).
    pub n2: f64,
}

/// The per-study data of a GLMM, validated, with double-zero tables dropped (metafor
/// `drop00 = TRUE`).
#[derive(Debug, Clone, PartialEq)]
pub struct GlmmData {
    /// The measure.
    pub measure: GlmmMeasure,
    /// The studies kept.
    pub counts: Vec<Counts>,
    /// Their positions in the input.
    pub kept: Vec<usize>,
}

impl GlmmData {
    /// Checks the counts of `measure` (`x2`, `n2` ignored for single-group measures) and drops
    /// studies with a missing value and, for two-group measures, tables with no events (or, for
    /// OR, no non-events) in both groups.
    ///
    /// # Errors
    /// [`Error::Input`] for a negative count, events above the group size, or a non-positive
    /// size or person-time.
    pub fn new(measure: GlmmMeasure, rows: &[Option<Counts>]) -> Result<Self> {
        let two = matches!(measure, GlmmMeasure::Or | GlmmMeasure::Irr);
        let binary = matches!(measure, GlmmMeasure::Or | GlmmMeasure::Plo);
        let mut counts = Vec::new();
        let mut kept = Vec::new();
        for (i, c) in rows.iter().enumerate() {
            let Some(c) = *c else { continue };
            let groups: &[(f64, f64)] = if two {
                &[(c.x1, c.n1), (c.x2, c.n2)]
            } else {
                &[(c.x1, c.n1)]
            };
            for &(x, n) in groups {
                let bad = if !(x >= 0.0 && x.is_finite()) {
                    Some(format!("events must be a count >= 0, found {x}"))
                } else if !(n > 0.0 && n.is_finite()) {
                    Some(format!("group size or person-time must be > 0, found {n}"))
                } else if binary && x > n {
                    Some(format!("events ({x}) exceed the group size ({n})"))
                } else {
                    None
                };
                if let Some(m) = bad {
                    return Err(Error::input(format!("study {}", i + 1), m));
                }
            }
            if two && c.x1 == 0.0 && c.x2 == 0.0 {
                continue;
            }
            if measure == GlmmMeasure::Or && c.x1 == c.n1 && c.x2 == c.n2 {
                continue;
            }
            counts.push(c);
            kept.push(i);
        }
        Ok(GlmmData {
            measure,
            counts,
            kept,
        })
    }

    /// The number of studies.
    pub fn k(&self) -> usize {
        self.counts.len()
    }

    /// The clusters (one per study) of `model`, with parameter 0 the effect and, for UM.FS,
    /// parameters 1 … k the study intercepts.
    pub fn clusters(&self, model: GlmmModel) -> Vec<Cluster> {
        self.counts
            .iter()
            .enumerate()
            .map(|(j, c)| Cluster::new(self.rows(model, j, c)))
            .collect()
    }

    fn rows(&self, model: GlmmModel, j: usize, c: &Counts) -> Vec<Row> {
        let b = Family::Binomial;
        let p = Family::Poisson;
        match (self.measure, model) {
            (GlmmMeasure::Plo, _) => vec![Row::new(b, c.x1, c.n1, 0.0, vec![(0, 1.0)], 1.0)],
            (GlmmMeasure::Irln, _) => vec![Row::new(p, c.x1, 0.0, c.n1.ln(), vec![(0, 1.0)], 1.0)],
            (GlmmMeasure::Or, GlmmModel::UmFs) => vec![
                Row::new(b, c.x1, c.n1, 0.0, vec![(0, 1.0), (1 + j, 1.0)], 0.5),
                Row::new(b, c.x2, c.n2, 0.0, vec![(1 + j, 1.0)], -0.5),
            ],
            (GlmmMeasure::Irr, GlmmModel::UmFs) => vec![
                Row::new(p, c.x1, 0.0, c.n1.ln(), vec![(0, 1.0), (1 + j, 1.0)], 0.5),
                Row::new(p, c.x2, 0.0, c.n2.ln(), vec![(1 + j, 1.0)], -0.5),
            ],
            (GlmmMeasure::Or, _) => {
                vec![Row::new(
                    b,
                    c.x1,
                    c.x1 + c.x2,
                    (c.n1 / c.n2).ln(),
                    vec![(0, 1.0)],
                    1.0,
                )]
            }
            (GlmmMeasure::Irr, _) => {
                vec![Row::new(
                    b,
                    c.x1,
                    c.x1 + c.x2,
                    (c.n1 / c.n2).ln(),
                    vec![(0, 1.0)],
                    1.0,
                )]
            }
        }
    }

    /// Each study's estimate and variance without correction (the saturated model's, for the
    /// Wald test; infinite when a count is zero) for `model`.
    pub fn raw_effects(&self, model: GlmmModel) -> Vec<(f64, f64)> {
        self.counts
            .iter()
            .map(|c| match (self.measure, model) {
                (GlmmMeasure::Plo, _) => (
                    (c.x1 / (c.n1 - c.x1)).ln(),
                    1.0 / c.x1 + 1.0 / (c.n1 - c.x1),
                ),
                (GlmmMeasure::Irln, _) => ((c.x1 / c.n1).ln(), 1.0 / c.x1),
                (GlmmMeasure::Or, GlmmModel::UmFs) => {
                    let (b, d) = (c.n1 - c.x1, c.n2 - c.x2);
                    (
                        (c.x1 * d / (b * c.x2)).ln(),
                        1.0 / c.x1 + 1.0 / b + 1.0 / c.x2 + 1.0 / d,
                    )
                }
                (GlmmMeasure::Or | GlmmMeasure::Irr, _) => (
                    (c.x1 / c.x2).ln() - (c.n1 / c.n2).ln(),
                    1.0 / c.x1 + 1.0 / c.x2,
                ),
            })
            .collect()
    }

    /// Each study's sampling variance as metafor's `escalc` gives it (½ added to the counts of
    /// a study with a zero count), for I² and H².
    pub fn escalc_vi(&self) -> Vec<f64> {
        self.counts
            .iter()
            .map(|c| match self.measure {
                GlmmMeasure::Plo => {
                    let add = if c.x1 == 0.0 || c.x1 == c.n1 {
                        0.5
                    } else {
                        0.0
                    };
                    1.0 / (c.x1 + add) + 1.0 / (c.n1 - c.x1 + add)
                }
                GlmmMeasure::Irln => 1.0 / if c.x1 == 0.0 { 0.5 } else { c.x1 },
                GlmmMeasure::Or => {
                    let cells = [c.x1, c.n1 - c.x1, c.x2, c.n2 - c.x2];
                    let add = if cells.contains(&0.0) { 0.5 } else { 0.0 };
                    cells.iter().map(|v| 1.0 / (v + add)).sum()
                }
                GlmmMeasure::Irr => {
                    let add = if c.x1 == 0.0 || c.x2 == 0.0 { 0.5 } else { 0.0 };
                    1.0 / (c.x1 + add) + 1.0 / (c.x2 + add)
                }
            })
            .collect()
    }

    /// The number of fixed-effect parameters of `model` (the effect, plus the k study
    /// intercepts of UM.FS) and the number of rows it fits.
    pub fn sizes(&self, model: GlmmModel) -> (usize, usize) {
        let k = self.k();
        match (self.measure, model) {
            (GlmmMeasure::Or | GlmmMeasure::Irr, GlmmModel::UmFs) => (1 + k, 2 * k),
            _ => (1, k),
        }
    }
}
