//! Effect sizes (metafor `escalc` conventions; `docs/src/effects.md`).
//!
//! [`EffectSizes::compute`] turns a [`Table`] in the framework schema into per-study effect sizes
//! `yi` with sampling variances `vi`. Row kernels ([`smd`], [`mean_difference`], [`ratio_of_means`],
//! [`two_by_two`]) are public so bulk analyses can use them without a table.
//!
//! | measure | input columns | `yi` | `vi` |
//! |---|---|---|---|
//! | `SMD` | `n_t, mean_t, sd_t, n_c, mean_c, sd_c` | Hedges' g, exact J | LS: `1/n_t + 1/n_c + g²/(2(n_t+n_c))`; UB: `1/n_t + 1/n_c + (1 − (m−2)/(m·J²))·g²` |
//! | `MD` | same | `mean_t − mean_c` | `sd_t²/n_t + sd_c²/n_c` |
//! | `ROM` | same | `ln(mean_t/mean_c)` | `sd_t²/(n_t·mean_t²) + sd_c²/(n_c·mean_c²)` |
//! | `OR` | `events_t, n_t, events_c, n_c` | log odds ratio | `1/a + 1/b + 1/c + 1/d` |
//! | `RR` | same | log risk ratio | `1/a − 1/n_t + 1/c − 1/n_c` |
//! | `RD` | same | `p_t − p_c` | `p_t(1−p_t)/n_t + p_c(1−p_c)/n_c` |
//! | `SMDH` | as `SMD` | `J·(mean_t − mean_c)/√((sd_t² + sd_c²)/2)` | Bonett's, see [`smd_heteroscedastic`] |
//! | `AS` | as `OR` | `asin √p_t − asin √p_c` | `1/(4n_t) + 1/(4n_c)` |
//! | `IRR` | `events_t, person_time_t, events_c, person_time_c` | log incidence rate ratio | `1/x_t + 1/x_c` |
//! | `IRD` | same | `x_t/t_t − x_c/t_c` | `x_t/t_t² + x_c/t_c²` |
//! | `IRSD` | same | `√(x_t/t_t) − √(x_c/t_c)` | `1/(4t_t) + 1/(4t_c)` |
//! | `SMCC` | `mean_post, sd_post, mean_pre, sd_pre, n, ri` | `J(n−1)·(mean_post − mean_pre)/sd_d` | `1/n + yi²/(2n)` |
//! | `SMCR` | `mean_post, mean_pre, sd_pre, n, ri` | `J(n−1)·(mean_post − mean_pre)/sd_pre` | `2(1 − r)/n + yi²/(2n)` |
//! | `SMCRH` | as `SMCC` | as `SMCR` | Bonett's, see [`smcrh`] |
//! | `COR` | `ri, n` | `r` | `(1 − r²)²/(n − 1)` |
//! | `ZCOR` | same | `atanh r` | `1/(n − 3)` |
//! | `PR` | `events, n` | `x/n` | `p(1 − p)/n` |
//! | `PLO` | same | `ln(x/(n − x))` | `1/x + 1/(n − x)` |
//! | `PFT` | same | Freeman–Tukey double arcsine | `1/(4n + 2)` |
//! | `GEN` | `yi` with `vi` (or `sei`) | as given | `vi`, or `sei²` |
//!
//! `sd_d² = sd_post² + sd_pre² − 2·r·sd_post·sd_pre`; `t_t`, `t_c` person-time.
//! A row without the measure's own columns may still have an effect from what reports give
//! instead — `yi` with `vi`/`sei`, a CI or a p-value; a t or F statistic; medians or standard
//! errors per arm — and cluster-randomised trials get their design effect: see [`convert`] and
//! [`cluster`]. [`EffectSizes::sources`] says where each value came from.
//!
//! Zero cells (OR, RR, RD): by default ½ is added to every cell of a table that has a zero cell
//! (`add = 0.5, to = only0`, double-zero studies kept), as metafor; likewise to both event
//! counts of a study with no events in an arm (IRR, IRD) and to the events and non-events of a
//! group with none of either (PR, PLO). As escalc's default `add = 0` for them, AS, IRSD and PFT
//! get no correction. Estimates are shown on their natural scale through [`BackTransform`].
//!
//! # Examples
//!
//! ```
//! use peerstat::data::{Column, Table};
//! use peerstat::effect::{EffectOptions, EffectSizes, Measure};
//! let t = Table::from_columns("demo", vec![
//!     ("events_t".into(), Column::Int(vec![Some(4), Some(6)])),
//!     ("n_t".into(), Column::Int(vec![Some(123), Some(306)])),
//!     ("events_c".into(), Column::Int(vec![Some(11), Some(29)])),
//!     ("n_c".into(), Column::Int(vec![Some(139), Some(303)])),
//! ]).unwrap();
//! let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
//! // dat.bcg, Aronson 1948: log RR -0.8893113, variance 0.3255847 (metafor escalc)
//! assert!((es.yi()[0] + 0.889311334).abs() < 1e-8);
//! assert!((es.vi()[0] - 0.325584765).abs() < 1e-8);
//! ```

use serde::Serialize;

use crate::data::{Column, Table};
use crate::error::{Error, Result};

mod association;
mod change;
pub mod cluster;
pub mod convert;
mod correlation;
mod fault;
mod formulas;
mod hyperg;
mod kernel;
mod matched;
mod measure;
mod mixed;
mod proportion;
mod rates;
mod single_mean;
mod single_rate;
mod transform;
mod two_group;

pub use association::table_measure;
pub use change::{smcc, smcr, smcrh};
pub use cluster::{design_effect, ClusterAdjust, ClusterError};
pub use convert::{CiScale, ConvertOptions, Provenance, Source};
pub use correlation::{correlation, fisher_z, unbiased_correlation};
pub(crate) use fault::Skip;
pub use formulas::{
    hedges_j, mean_difference, ratio_of_means, smd, smd_heteroscedastic, two_by_two,
};
pub use hyperg::hyperg_2f1;
pub(crate) use kernel::{compute_rows, needed_columns};
pub use matched::matched;
pub use measure::{AddTo, DataKind, EffectOptions, Measure, VarianceType, MEASURE_COLUMNS};
pub use mixed::{row_effects, row_effects_with, RowEffect};
pub use proportion::{
    arcsine_proportion, freeman_tukey, log_proportion, logit_proportion, proportion,
};
pub use rates::incidence_rates;
pub use single_mean::single_mean;
pub use single_rate::single_rate;
pub use transform::{BackTransform, BackTransformed};
pub use two_group::two_group;

/// A row left out of the analysis and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Omission {
    /// 1-based data row.
    pub row: usize,
    /// Study label.
    pub study: String,
    /// Reason, e.g. "missing value in column sd_t".
    pub reason: String,
}

/// Effect sizes for the studies included in an analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectSizes {
    measure: Measure,
    study: Vec<String>,
    yi: Vec<f64>,
    vi: Vec<f64>,
    rows: Vec<usize>,
    omitted: Vec<Omission>,
    nrows: usize,
    #[serde(skip)]
    back: BackTransform,
    sources: Vec<Provenance>,
}

impl EffectSizes {
    /// How estimates of these effects are shown on their natural scale: `exp` for the log-scale
    /// measures, `tanh` for ZCOR, the logistic function for PLO, and for PFT computed from a
    /// table the inverse Freeman–Tukey transformation with the harmonic mean of the included
    /// rows' group sizes (metafor `transf.ipft.hm`).
    pub fn back_transform(&self) -> BackTransform {
        self.back
    }

    /// Where each included study's `yi` and `vi` came from (arms, a 2×2 table, a CI, …) and any
    /// design effect applied ([`convert`]).
    pub fn sources(&self) -> &[Provenance] {
        &self.sources
    }

    /// Measure used.
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Study labels of included studies.
    pub fn study(&self) -> &[String] {
        &self.study
    }

    /// Effect sizes (log scale for OR, RR, ROM, IRR).
    pub fn yi(&self) -> &[f64] {
        &self.yi
    }

    /// Sampling variances.
    pub fn vi(&self) -> &[f64] {
        &self.vi
    }

    /// 0-based source row of each included study.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Rows left out (missing values, undefined effects, dropped double-zero tables).
    pub fn omitted(&self) -> &[Omission] {
        &self.omitted
    }

    /// Number of rows in the source table.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// The studies at positions `idx` (0-based, into the included studies), in that order;
    /// positions out of range are skipped. Omissions are not carried over.
    pub fn subset(&self, idx: &[usize]) -> EffectSizes {
        let idx: Vec<usize> = idx.iter().copied().filter(|&i| i < self.k()).collect();
        EffectSizes {
            measure: self.measure,
            study: idx.iter().map(|&i| self.study[i].clone()).collect(),
            yi: idx.iter().map(|&i| self.yi[i]).collect(),
            vi: idx.iter().map(|&i| self.vi[i]).collect(),
            rows: idx.iter().map(|&i| self.rows[i]).collect(),
            omitted: Vec::new(),
            nrows: self.nrows,
            back: self.back,
            sources: idx.iter().map(|&i| self.sources[i]).collect(),
        }
    }
}

impl EffectSizes {
    /// Computes effect sizes for every row of `table`.
    ///
    /// Rows with a missing value in a needed column are omitted (listed in
    /// [`EffectSizes::omitted`]) unless `opts.strict`, as are rows whose effect is undefined
    /// (zero cells with `to = none`, zero variance) and double-zero studies under `drop00`.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when a needed column is absent; [`Error::Value`] naming the row
    /// and column for a non-numeric value, NaN/∞, negative SD or variance, n ≤ 1 (continuous),
    /// n < 1 (binary), n ≤ 0 (proportions, correlations) or n < 3 (mean changes), events outside
    /// `0..=n` or negative, person-time ≤ 0, a correlation outside [−1, 1], a non-positive mean
    /// for ROM, or (with `strict`) a missing value; [`Error::Empty`] when no study is left.
    pub fn compute(table: &Table, measure: Measure, opts: &EffectOptions) -> Result<Self> {
        let per_row = Self::per_row(table, measure, opts)?;
        let mut labels = table.labels("study");
        let mut out = EffectSizes {
            measure,
            study: Vec::new(),
            yi: Vec::new(),
            vi: Vec::new(),
            rows: Vec::new(),
            omitted: Vec::new(),
            nrows: table.nrows(),
            back: BackTransform::of(measure),
            sources: Vec::new(),
        };
        for (i, r) in per_row.into_iter().enumerate() {
            match r {
                Ok((y, v, p)) => {
                    out.study.push(std::mem::take(&mut labels[i]));
                    out.yi.push(y);
                    out.vi.push(v);
                    out.rows.push(i);
                    out.sources.push(p);
                }
                Err(reason) => out.omitted.push(Omission {
                    row: i + 1,
                    study: std::mem::take(&mut labels[i]),
                    reason,
                }),
            }
        }
        if measure == Measure::Pft {
            let n = table.numeric("n", "for measure PFT")?;
            let n: Vec<f64> = out.rows.iter().filter_map(|&r| n[r]).collect();
            out.back = BackTransform::freeman_tukey(&n);
        }
        if out.yi.is_empty() {
            return Err(Error::Empty {
                file: table.source().to_string(),
                message: format!(
                    "no studies left to analyse: all {} rows were omitted (first: row {}, {})",
                    table.nrows(),
                    out.omitted.first().map_or(0, |o| o.row),
                    out.omitted.first().map_or("", |o| o.reason.as_str())
                ),
            });
        }
        Ok(out)
    }

    /// Builds effect sizes directly from `yi` and `vi` (labels `1, 2, …`).
    ///
    /// # Errors
    /// [`Error::Length`] when lengths differ, [`Error::Empty`] for no effects, [`Error::Input`]
    /// when a value is non-finite or a variance is not positive.
    pub fn from_slices(measure: Measure, yi: &[f64], vi: &[f64]) -> Result<Self> {
        Self::new(
            measure,
            (1..=yi.len()).map(|i| i.to_string()).collect(),
            yi.to_vec(),
            vi.to_vec(),
            (0..yi.len()).collect(),
            yi.len(),
        )
    }

    /// Builds effect sizes from labelled studies taken from rows `rows` (0-based) of a source of
    /// `nrows` rows.
    ///
    /// # Errors
    /// [`Error::Length`] when the vectors differ in length, [`Error::Empty`] for no effects,
    /// [`Error::Input`] when a value is non-finite, a variance is not positive or a row is out of
    /// range.
    pub fn new(
        measure: Measure,
        study: Vec<String>,
        yi: Vec<f64>,
        vi: Vec<f64>,
        rows: Vec<usize>,
        nrows: usize,
    ) -> Result<Self> {
        let k = yi.len();
        Error::check_len("sampling variances", k, vi.len())?;
        Error::check_len("study labels", k, study.len())?;
        Error::check_len("source rows", k, rows.len())?;
        if k == 0 {
            return Err(Error::Empty {
                file: "effect sizes".into(),
                message: "no effect sizes given".into(),
            });
        }
        for (i, (&y, &v)) in yi.iter().zip(&vi).enumerate() {
            if !y.is_finite() || !v.is_finite() || v <= 0.0 {
                return Err(Error::input(
                    format!("study {}", i + 1),
                    format!("yi = {y}, vi = {v}: effects must be finite and variances positive"),
                ));
            }
        }
        if let Some(&r) = rows.iter().find(|&&r| r >= nrows) {
            return Err(Error::input(
                format!("source row {}", r + 1),
                format!("beyond the {nrows} rows of the source"),
            ));
        }
        Ok(EffectSizes {
            measure,
            study,
            sources: vec![Provenance::plain(Source::Yi, Source::Vi); k],
            yi,
            vi,
            rows,
            omitted: Vec::new(),
            nrows,
            back: BackTransform::of(measure),
        })
    }

    /// Replaces the provenance of the included studies (one per study).
    ///
    /// # Errors
    /// [`Error::Length`] when the count differs from the number of studies.
    pub fn with_sources(mut self, sources: Vec<Provenance>) -> Result<Self> {
        Error::check_len("effect sources", self.k(), sources.len())?;
        self.sources = sources;
        Ok(self)
    }

    /// Number of included studies.
    pub fn k(&self) -> usize {
        self.yi.len()
    }

    /// `table` (the input these effects were computed from) with `yi`, `vi`, `yi_source`,
    /// `vi_source` and, when any row has one, `design_effect` added: what `peerstat effects`
    /// writes.
    ///
    /// # Errors
    /// [`Error::Input`] when `table` already has one of these columns.
    pub fn with_columns(&self, table: &Table) -> Result<Table> {
        let (y, v) = self.by_row();
        let mut out = table.clone();
        out.push_column("yi", y)?;
        out.push_column("vi", v)?;
        let n = out.nrows();
        let (mut ys, mut vs, mut de) = (vec![None; n], vec![None; n], vec![None; n]);
        for (&r, p) in self.rows.iter().zip(&self.sources) {
            if r < n {
                ys[r] = Some(p.yi_source.code().to_string());
                vs[r] = Some(p.vi_source.code().to_string());
                de[r] = p.design_effect;
            }
        }
        out.push_column("yi_source", Column::Str(ys))?;
        out.push_column("vi_source", Column::Str(vs))?;
        if de.iter().any(Option::is_some) {
            out.push_column("design_effect", Column::Float(de))?;
        }
        Ok(out)
    }

    /// `yi` and `vi` aligned with the source rows (`None` for omitted rows), for writing back
    /// beside the input columns.
    pub fn by_row(&self) -> (Column, Column) {
        let mut y = vec![None; self.nrows];
        let mut v = vec![None; self.nrows];
        for (j, &r) in self.rows.iter().enumerate() {
            y[r] = Some(self.yi[j]);
            v[r] = Some(self.vi[j]);
        }
        (Column::Float(y), Column::Float(v))
    }

    /// Per-row result: `Ok((yi, vi, provenance))` or `Err(reason)` for an omitted row.
    #[allow(clippy::type_complexity)]
    fn per_row(
        table: &Table,
        measure: Measure,
        opts: &EffectOptions,
    ) -> Result<Vec<std::result::Result<(f64, f64, Provenance), String>>> {
        opts.convert.check()?;
        let names = convert::input_columns(measure, |c| table.has(c)).map_err(|n| match measure
            .data_kind()
        {
            DataKind::Generic if n != "yi" => table.missing_column(
                "vi",
                "for measure GEN: give the sampling variance as vi or the standard error as sei",
            ),
            _ => table.missing_column(n, &format!("for measure {}", measure.code())),
        })?;
        let purpose = format!("for measure {}", measure.code());
        let cols: Vec<Vec<Option<f64>>> = names
            .iter()
            .map(|n| table.numeric(n, &purpose))
            .collect::<Result<_>>()?;
        let slices: Vec<&[Option<f64>]> = cols.iter().map(|c| c.as_slice()).collect();
        let mut out = Vec::with_capacity(table.nrows());
        convert::effect_rows(measure, opts, &names, &slices, 0..table.nrows(), &mut out)
            .map_err(|b| table.value_error(b.row, b.column, b.message))?;
        Ok(out
            .into_iter()
            .map(|r| r.map_err(|why| why.reason(|c| table.actual_name(c).to_string())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hedges_j_matches_gamma_ratio() {
        // R: gamma(5)/(sqrt(5)*gamma(4.5)) = 0.92274560805308692
        assert!((hedges_j(10.0) - 0.922_745_608_053_086_9).abs() < 1e-13);
        // R: exp(lgamma(100) - 0.5*log(100) - lgamma(99.5)) = 0.99624452247917794, itself only good
        // to ~1e-13 (lgamma(100) = 359); this is the series branch
        assert!((hedges_j(200.0) - 0.996_244_522_479_177_9).abs() < 1e-12);
        // both branches agree where they meet
        assert!((hedges_j(39.999_999) - hedges_j(40.0)).abs() < 1e-9);
        // approaches 1 − 3/(4m − 1) for large m, without overflow
        let m = 1e6;
        assert!((hedges_j(m) - (1.0 - 3.0 / (4.0 * m - 1.0))).abs() < 1e-12);
        assert!(hedges_j(1e12).is_finite());
    }

    #[test]
    fn two_by_two_values() {
        // OR for a=4,b=119,c=11,d=128: log(4*128/(119*11))
        let (y, v) = two_by_two(Measure::Or, 4.0, 123.0, 11.0, 139.0);
        assert!((y - (4.0_f64 * 128.0 / (119.0 * 11.0)).ln()).abs() < 1e-14);
        assert!((v - (1.0 / 4.0 + 1.0 / 119.0 + 1.0 / 11.0 + 1.0 / 128.0)).abs() < 1e-14);
        let (y, _) = two_by_two(Measure::Rd, 4.0, 123.0, 11.0, 139.0);
        assert!((y - (4.0 / 123.0 - 11.0 / 139.0)).abs() < 1e-15);
    }

    #[test]
    fn measure_parse() {
        assert_eq!("rr".parse::<Measure>().unwrap(), Measure::Rr);
        assert!("XYZ".parse::<Measure>().is_err());
    }
}
