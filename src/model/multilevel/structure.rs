//! A structured random-effects term `~ inner | outer` (metafor `rma.mv(random = ~ inner |
//! outer, struct = …)`): within each level of `outer`, the effects of each level of `inner` share
//! a random effect, and the random effects of one outer level have the covariance matrix
//! `Σ(τ², ρ)` over the inner levels (`n × n`, levels in sorted order):
//!
//! | structure | `Σ_aa` | `Σ_ab` (a ≠ b) | τ² | ρ |
//! |-----------|--------|----------------|----|---|
//! | `ID`   | τ²   | 0                  | 1 | 0 |
//! | `DIAG` | τ²_a | 0                  | n | 0 |
//! | `CS`   | τ²   | ρτ²                | 1 | 1 |
//! | `HCS`  | τ²_a | ρ τ_a τ_b          | n | 1 |
//! | `UN`   | τ²_a | ρ_ab τ_a τ_b       | n | n(n−1)/2 |
//! | `AR`   | τ²   | τ² ρ^{\|a−b\|}     | 1 | 1 |
//! | `HAR`  | τ²_a | τ_a τ_b ρ^{\|a−b\|} | n | 1 |
//!
//! For `UN`, ρ is the lower triangle row by row: ρ₂₁, ρ₃₁, ρ₃₂, ρ₄₁, … (metafor lists it column
//! by column: ρ₂₁, ρ₃₁, ρ₄₁, ρ₃₂, …; the two orders agree up to three levels). For `AR`/`HAR`
//! the lag `|a − b|` counts positions among the sorted inner levels present in the data, as
//! metafor's `AR`.

use nalgebra::DMatrix;
use serde::Serialize;

use crate::error::{Error, Setting};

/// The variance-covariance structure of a `~ inner | outer` term (metafor `struct=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Structure {
    /// Compound symmetry: one variance, one correlation (metafor's default).
    #[default]
    #[serde(rename = "CS")]
    Cs,
    /// Heteroscedastic compound symmetry: a variance per inner level, one correlation.
    #[serde(rename = "HCS")]
    Hcs,
    /// Unstructured: a variance per inner level, a correlation per pair.
    #[serde(rename = "UN")]
    Un,
    /// First-order autoregressive: one variance, correlation ρ^lag.
    #[serde(rename = "AR")]
    Ar,
    /// Heteroscedastic AR(1): a variance per inner level, correlation ρ^lag.
    #[serde(rename = "HAR")]
    Har,
    /// Diagonal: a variance per inner level, no correlation.
    #[serde(rename = "DIAG")]
    Diag,
    /// Scaled identity: one variance, no correlation.
    #[serde(rename = "ID")]
    Id,
}

impl std::str::FromStr for Structure {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s.trim().to_ascii_uppercase().as_str() {
            "CS" => Structure::Cs,
            "HCS" => Structure::Hcs,
            "UN" => Structure::Un,
            "AR" => Structure::Ar,
            "HAR" => Structure::Har,
            "DIAG" => Structure::Diag,
            "ID" => Structure::Id,
            _ => {
                return Err(Error::setting(
                    Setting::Random,
                    format!("unknown structure '{s}': expected CS, HCS, UN, AR, HAR, DIAG or ID"),
                ))
            }
        })
    }
}

impl Structure {
    /// The name as metafor writes it (`CS`, `UN`, …).
    pub fn name(self) -> &'static str {
        match self {
            Structure::Cs => "CS",
            Structure::Hcs => "HCS",
            Structure::Un => "UN",
            Structure::Ar => "AR",
            Structure::Har => "HAR",
            Structure::Diag => "DIAG",
            Structure::Id => "ID",
        }
    }

    /// Whether the structure has one variance per inner level (else one in all).
    pub fn heteroscedastic(self) -> bool {
        matches!(
            self,
            Structure::Hcs | Structure::Un | Structure::Har | Structure::Diag
        )
    }

    /// The number of variances `τ²` for `n` inner levels.
    pub fn n_tau2(self, n: usize) -> usize {
        if self.heteroscedastic() {
            n
        } else {
            1
        }
    }

    /// The number of correlations `ρ` for `n` inner levels.
    pub fn n_rho(self, n: usize) -> usize {
        match self {
            Structure::Id | Structure::Diag => 0,
            Structure::Un => n * n.saturating_sub(1) / 2,
            _ => 1,
        }
    }

    /// Whether the correlation is a power of the lag (AR, HAR).
    fn autoregressive(self) -> bool {
        matches!(self, Structure::Ar | Structure::Har)
    }

    /// The search interval of a correlation's profile-likelihood CI (metafor's
    /// `confint.rma.mv`): `[−1, 1]`, for AR/HAR `[min(0, ρ̂), 1]`.
    pub(super) fn rho_search(self, est: f64) -> (f64, f64) {
        if self.autoregressive() {
            (est.min(0.0), 1.0)
        } else {
            (-1.0, 1.0)
        }
    }
}

/// Index of the pair `(a, b)`, `a > b`, in the row-by-row lower triangle.
fn pair(a: usize, b: usize) -> usize {
    let (a, b) = if a > b { (a, b) } else { (b, a) };
    a * (a - 1) / 2 + b
}

/// `Σ(τ², ρ)` of a structure over `n` inner levels, and its derivatives.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sigma {
    /// The structure.
    pub structure: Structure,
    /// Number of inner levels.
    pub n: usize,
}

impl Sigma {
    /// The number of parameters (τ² then ρ).
    pub fn n_par(&self) -> usize {
        self.structure.n_tau2(self.n) + self.structure.n_rho(self.n)
    }

    /// `τ_a` (the square root of the variance of level `a`) from the τ² values.
    fn sd(&self, tau2: &[f64], a: usize) -> f64 {
        let t = if self.structure.heteroscedastic() {
            tau2[a]
        } else {
            tau2[0]
        };
        t.max(0.0).sqrt()
    }

    /// The correlation factor of levels `a ≠ b`.
    fn cor(&self, rho: &[f64], a: usize, b: usize) -> f64 {
        match self.structure {
            Structure::Id | Structure::Diag => 0.0,
            Structure::Un => rho[pair(a, b)],
            Structure::Ar | Structure::Har => rho[0].powi(a.abs_diff(b) as i32),
            Structure::Cs | Structure::Hcs => rho[0],
        }
    }

    /// `Σ` at the parameters `par` (τ² then ρ).
    pub fn matrix(&self, par: &[f64]) -> DMatrix<f64> {
        let nt = self.structure.n_tau2(self.n);
        let (tau2, rho) = par.split_at(nt);
        DMatrix::from_fn(self.n, self.n, |a, b| {
            if a == b {
                self.sd(tau2, a).powi(2)
            } else {
                self.sd(tau2, a) * self.sd(tau2, b) * self.cor(rho, a, b)
            }
        })
    }

    /// `∂Σ/∂par_q` at `par`. The derivative of `τ_a τ_b` in `τ²_a` is `τ_b / (2τ_a)`, taken as 0
    /// at `τ_a = 0` (where the correlations of level `a` are not identified).
    pub fn derivative(&self, par: &[f64], q: usize) -> DMatrix<f64> {
        let s = self.structure;
        let nt = s.n_tau2(self.n);
        let (tau2, rho) = par.split_at(nt);
        let n = self.n;
        if q < nt {
            // A variance.
            DMatrix::from_fn(n, n, |a, b| {
                let hits = |l: usize| !s.heteroscedastic() || l == q;
                if a == b {
                    return if hits(a) { 1.0 } else { 0.0 };
                }
                let c = self.cor(rho, a, b);
                if c == 0.0 {
                    return 0.0;
                }
                if !s.heteroscedastic() {
                    return c;
                }
                let (sa, sb) = (self.sd(tau2, a), self.sd(tau2, b));
                let mut d = 0.0;
                if a == q && sa > 0.0 {
                    d += sb / (2.0 * sa);
                }
                if b == q && sb > 0.0 {
                    d += sa / (2.0 * sb);
                }
                d * c
            })
        } else {
            let r = q - nt;
            DMatrix::from_fn(n, n, |a, b| {
                if a == b {
                    return 0.0;
                }
                let ss = self.sd(tau2, a) * self.sd(tau2, b);
                match s {
                    Structure::Un if pair(a, b) == r => ss,
                    Structure::Un | Structure::Id | Structure::Diag => 0.0,
                    Structure::Cs | Structure::Hcs => ss,
                    Structure::Ar | Structure::Har => {
                        let lag = a.abs_diff(b) as i32;
                        ss * f64::from(lag) * rho[0].powi(lag - 1)
                    }
                }
            })
        }
    }
}

/// A structured term on data: per effect, its inner level (an index into the sorted inner
/// levels) and its outer group.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredTerm {
    /// The structure.
    pub structure: Structure,
    /// Per effect, the index of its inner level among `levels` (`0..levels.len()`).
    pub inner: Vec<usize>,
    /// Per effect, an id of its outer group (any numbering).
    pub outer: Vec<usize>,
    /// The inner levels in sorted order, as labels.
    pub levels: Vec<String>,
    /// The inner and outer factor names (for results and messages).
    pub names: [String; 2],
}

impl StructuredTerm {
    /// The term with inner levels given as labels per effect: the levels are sorted numerically
    /// when every label is a number, else as text (R sorts a factor's levels so).
    ///
    /// # Errors
    /// [`Error::Input`] for vectors of different lengths; [`Error::TooFew`] for fewer than two
    /// outer groups, or fewer than two inner levels with a structure that has a correlation.
    pub fn new(
        structure: Structure,
        inner: &[String],
        outer: &[usize],
        names: [String; 2],
    ) -> Result<Self, Error> {
        if inner.len() != outer.len() {
            return Err(Error::input(
                "structured random-effects term",
                "the inner and outer factors differ in length",
            ));
        }
        let mut levels: Vec<String> = inner.to_vec();
        levels.sort();
        levels.dedup();
        let numbers: Option<Vec<f64>> = levels.iter().map(|l| l.trim().parse().ok()).collect();
        if let Some(nums) = numbers {
            let mut idx: Vec<usize> = (0..levels.len()).collect();
            idx.sort_by(|&a, &b| nums[a].total_cmp(&nums[b]));
            levels = idx.into_iter().map(|i| levels[i].clone()).collect();
        }
        let pos: std::collections::HashMap<&str, usize> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let inner_idx: Vec<usize> = inner
            .iter()
            .map(|l| pos.get(l.as_str()).copied().unwrap_or(0))
            .collect();
        let n_outer = outer.iter().collect::<std::collections::HashSet<_>>().len();
        if n_outer < 2 {
            return Err(Error::TooFew {
                analysis: format!("the outer factor '{}' of the structured term", names[1]),
                needed: 2,
                found: n_outer,
                unit: "levels",
                note: String::new(),
            });
        }
        if structure.n_rho(levels.len()) > 0 && levels.len() < 2 {
            return Err(Error::TooFew {
                analysis: format!(
                    "the inner factor '{}' of a {} structure",
                    names[0],
                    structure.name()
                ),
                needed: 2,
                found: levels.len(),
                unit: "levels",
                note: "; a correlation needs two levels (use ID)".into(),
            });
        }
        Ok(StructuredTerm {
            structure,
            inner: inner_idx,
            outer: outer.to_vec(),
            levels,
            names,
        })
    }

    /// `Σ` of the term.
    pub(super) fn sigma(&self) -> Sigma {
        Sigma {
            structure: self.structure,
            n: self.levels.len(),
        }
    }

    /// The number of τ² values.
    pub fn n_tau2(&self) -> usize {
        self.structure.n_tau2(self.levels.len())
    }

    /// The number of ρ values.
    pub fn n_rho(&self) -> usize {
        self.structure.n_rho(self.levels.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each analytic derivative matches a central difference.
    #[test]
    fn derivatives_match_differences() {
        let mut checked = 0;
        for s in [
            Structure::Cs,
            Structure::Hcs,
            Structure::Un,
            Structure::Ar,
            Structure::Har,
            Structure::Diag,
            Structure::Id,
        ] {
            let sg = Sigma { structure: s, n: 3 };
            let nt = s.n_tau2(3);
            let mut par: Vec<f64> = (0..nt).map(|i| 0.1 + 0.05 * i as f64).collect();
            par.extend((0..s.n_rho(3)).map(|i| 0.3 - 0.2 * i as f64));
            for q in 0..sg.n_par() {
                let h = 1e-6;
                let (mut up, mut dn) = (par.clone(), par.clone());
                up[q] += h;
                dn[q] -= h;
                let num = (sg.matrix(&up) - sg.matrix(&dn)) / (2.0 * h);
                let ana = sg.derivative(&par, q);
                assert!((num - ana).abs().max() < 1e-7, "{s:?} q={q}");
                checked += 1;
            }
        }
        assert_eq!(checked, 2 + 4 + 6 + 2 + 4 + 3 + 1);
    }

    #[test]
    fn un_is_row_by_row() {
        let sg = Sigma {
            structure: Structure::Un,
            n: 4,
        };
        let par = [1.0, 1.0, 1.0, 1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        let m = sg.matrix(&par);
        assert_eq!(m[(1, 0)], 0.1);
        assert_eq!(m[(2, 0)], 0.2);
        assert_eq!(m[(2, 1)], 0.3);
        assert_eq!(m[(3, 0)], 0.4);
        assert_eq!(m[(3, 2)], 0.6);
    }
}
