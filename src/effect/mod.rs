//! Effect sizes (metafor `escalc` conventions, GUIDE §2).
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
//! | `GEN` | `yi` with `vi` (or `sei`) | as given | `vi`, or `sei²` |
//!
//! Zero cells (OR, RR, RD): by default ½ is added to every cell of a table that has a zero cell
//! (`add = 0.5, to = only0`, double-zero studies kept), as metafor.
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

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::data::{Column, Table};
use crate::error::{Error, Result, Setting};

mod mixed;
pub use mixed::{row_effects, RowEffect};

/// An effect-size measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub enum Measure {
    /// Standardised mean difference (Hedges' g).
    Smd,
    /// Raw mean difference.
    Md,
    /// Log ratio of means.
    Rom,
    /// Log odds ratio.
    Or,
    /// Log risk ratio.
    Rr,
    /// Risk difference.
    Rd,
    /// Generic: precomputed `yi` with `vi` or `sei`.
    Gen,
}

/// Which data an effect measure needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// Arm-level means, SDs and sizes.
    Continuous,
    /// Arm-level events and sizes (2×2 tables).
    Binary,
    /// Precomputed effects.
    Generic,
}

impl Measure {
    /// All measures, in the order shown in help text.
    pub const ALL: [Measure; 7] = [
        Measure::Smd,
        Measure::Md,
        Measure::Rom,
        Measure::Or,
        Measure::Rr,
        Measure::Rd,
        Measure::Gen,
    ];

    /// The measure's code, as metafor (`"SMD"`, `"RR"`, …).
    pub fn code(self) -> &'static str {
        match self {
            Measure::Smd => "SMD",
            Measure::Md => "MD",
            Measure::Rom => "ROM",
            Measure::Or => "OR",
            Measure::Rr => "RR",
            Measure::Rd => "RD",
            Measure::Gen => "GEN",
        }
    }

    /// Plain-language name of the measure on the scale results are reported (back-transformed
    /// for ratio measures).
    pub fn description(self) -> &'static str {
        match self {
            Measure::Smd => "standardised mean difference (Hedges' g)",
            Measure::Md => "mean difference",
            Measure::Rom => "ratio of means",
            Measure::Or => "odds ratio",
            Measure::Rr => "risk ratio",
            Measure::Rd => "risk difference",
            Measure::Gen => "effect size",
        }
    }

    /// True for measures analysed on the log scale (OR, RR, ROM), which are back-transformed
    /// with `exp` for display.
    pub fn is_log_scale(self) -> bool {
        matches!(self, Measure::Or | Measure::Rr | Measure::Rom)
    }

    /// Which data the measure needs.
    pub fn data_kind(self) -> DataKind {
        match self {
            Measure::Smd | Measure::Md | Measure::Rom => DataKind::Continuous,
            Measure::Or | Measure::Rr | Measure::Rd => DataKind::Binary,
            Measure::Gen => DataKind::Generic,
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<Measure> for String {
    fn from(m: Measure) -> String {
        m.code().to_string()
    }
}

impl FromStr for Measure {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Measure::ALL
            .into_iter()
            .find(|m| m.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::setting(Setting::Measure, format!(
                    "unknown measure '{s}': choose one of SMD, MD, ROM (continuous arms), OR, RR, RD (2x2 tables) or GEN (precomputed yi with vi or sei)"
                ))
            })
    }
}

/// Sampling-variance formula for the SMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VarianceType {
    /// Large-sample approximation (metafor's default `vtype = "LS"`).
    #[default]
    Ls,
    /// Unbiased estimator (R meta's default, metafor `vtype = "UB"`).
    Ub,
}

impl FromStr for VarianceType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "LS" => Ok(VarianceType::Ls),
            "UB" => Ok(VarianceType::Ub),
            _ => Err(Error::setting(
                Setting::VarianceType,
                format!("unknown variance type '{s}': choose LS (large-sample, metafor default) or UB (unbiased)"),
            )),
        }
    }
}

/// Which 2×2 tables get `add` added to their cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddTo {
    /// Only tables with at least one zero cell (metafor default).
    #[default]
    Only0,
    /// Every table.
    All,
    /// No table (log OR/RR of a table with a zero cell is then undefined and the study omitted).
    None,
    /// Every table, if any table has a zero cell.
    If0All,
}

impl FromStr for AddTo {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "only0" => Ok(AddTo::Only0),
            "all" => Ok(AddTo::All),
            "none" => Ok(AddTo::None),
            "if0all" => Ok(AddTo::If0All),
            _ => Err(Error::setting(
                Setting::AddTo,
                format!("unknown choice of tables to add to '{s}': choose only0 (default), all, none or if0all"),
            )),
        }
    }
}

/// Options for computing effect sizes. The defaults are metafor's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EffectOptions {
    /// SMD variance formula.
    pub vtype: VarianceType,
    /// Value added to 2×2 cells (default 0.5).
    pub add: f64,
    /// Which tables get `add`.
    pub to: AddTo,
    /// Omit studies with no events (or only events) in both arms.
    pub drop00: bool,
    /// Treat a missing value as an error instead of omitting the study.
    pub strict: bool,
}

impl Default for EffectOptions {
    fn default() -> Self {
        EffectOptions {
            vtype: VarianceType::Ls,
            add: 0.5,
            to: AddTo::Only0,
            drop00: false,
            strict: false,
        }
    }
}

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
}

impl EffectSizes {
    /// Measure used.
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Study labels of included studies.
    pub fn study(&self) -> &[String] {
        &self.study
    }

    /// Effect sizes (log scale for OR, RR, ROM).
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
        }
    }
}

/// Hedges' exact small-sample correction `J(m) = Γ(m/2) / (√(m/2)·Γ((m−1)/2))`, computed on the
/// log scale so that it cannot overflow.
///
/// For `m < 40` the log-gamma difference is used directly; above, where that difference of two
/// large numbers loses digits, the Stirling series of `ln Γ(x + ½) − ln Γ(x)` (x = (m−1)/2, terms
/// through B₈) keeps full double precision (error below 1e-14).
pub fn hedges_j(m: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    if m < 40.0 {
        return (ln_gamma(m / 2.0) - 0.5 * (m / 2.0).ln() - ln_gamma((m - 1.0) / 2.0)).exp();
    }
    let x = (m - 1.0) / 2.0;
    let l1 = (1.0 / (2.0 * x)).ln_1p();
    let mut s = x * l1 - 0.5 - 0.5 * l1;
    for (c, p) in [
        (1.0 / 12.0, 1),
        (-1.0 / 360.0, 3),
        (1.0 / 1260.0, 5),
        (-1.0 / 1680.0, 7),
    ] {
        s += c * ((x + 0.5).powi(-p) - x.powi(-p));
    }
    s.exp()
}

/// Hedges' g and its variance from arm summaries (`1` = intervention, `2` = control).
pub fn smd(
    n1: f64,
    m1: f64,
    sd1: f64,
    n2: f64,
    m2: f64,
    sd2: f64,
    vtype: VarianceType,
) -> (f64, f64) {
    let m = n1 + n2 - 2.0;
    let sp = (((n1 - 1.0) * sd1 * sd1 + (n2 - 1.0) * sd2 * sd2) / m).sqrt();
    let j = hedges_j(m);
    let g = j * (m1 - m2) / sp;
    let v = match vtype {
        VarianceType::Ls => 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)),
        VarianceType::Ub => 1.0 / n1 + 1.0 / n2 + (1.0 - (m - 2.0) / (m * j * j)) * g * g,
    };
    (g, v)
}

/// Raw mean difference and its (heteroscedastic) variance.
pub fn mean_difference(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> (f64, f64) {
    (m1 - m2, sd1 * sd1 / n1 + sd2 * sd2 / n2)
}

/// Log ratio of means and its variance (means must be positive).
pub fn ratio_of_means(n1: f64, m1: f64, sd1: f64, n2: f64, m2: f64, sd2: f64) -> (f64, f64) {
    (
        (m1 / m2).ln(),
        sd1 * sd1 / (n1 * m1 * m1) + sd2 * sd2 / (n2 * m2 * m2),
    )
}

/// OR, RR or RD with its variance from a 2×2 table after any continuity correction has been
/// applied: `a` events and `n1` size in the intervention arm, `c` and `n2` in the control arm.
/// Returns non-finite values when the effect is undefined (for example a zero cell with no
/// correction).
pub fn two_by_two(measure: Measure, a: f64, n1: f64, c: f64, n2: f64) -> (f64, f64) {
    let b = n1 - a;
    let d = n2 - c;
    let p1 = a / n1;
    let p2 = c / n2;
    match measure {
        Measure::Or => (
            (a * d / (b * c)).ln(),
            1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d,
        ),
        Measure::Rr => ((p1 / p2).ln(), 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2),
        Measure::Rd => (p1 - p2, p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2),
        _ => (f64::NAN, f64::NAN),
    }
}

const CONT: [&str; 6] = ["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"];
const BIN: [&str; 4] = ["events_t", "n_t", "events_c", "n_c"];

impl EffectSizes {
    /// Computes effect sizes for every row of `table`.
    ///
    /// Rows with a missing value in a needed column are omitted (listed in
    /// [`EffectSizes::omitted`]) unless `opts.strict`, as are rows whose effect is undefined
    /// (zero cells with `to = none`, zero variance) and double-zero studies under `drop00`.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when a needed column is absent; [`Error::Value`] naming the row
    /// and column for a non-numeric value, NaN/∞, negative SD or variance, n ≤ 1 (continuous) or
    /// n < 1 (binary), events outside `0..=n`, a non-positive mean for ROM, or (with `strict`) a
    /// missing value; [`Error::Empty`] when no study is left.
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
        };
        for (i, r) in per_row.into_iter().enumerate() {
            match r {
                Ok((y, v)) => {
                    out.study.push(std::mem::take(&mut labels[i]));
                    out.yi.push(y);
                    out.vi.push(v);
                    out.rows.push(i);
                }
                Err(reason) => out.omitted.push(Omission {
                    row: i + 1,
                    study: std::mem::take(&mut labels[i]),
                    reason,
                }),
            }
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
            yi,
            vi,
            rows,
            omitted: Vec::new(),
            nrows,
        })
    }

    /// Number of included studies.
    pub fn k(&self) -> usize {
        self.yi.len()
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

    /// Per-row result: `Ok((yi, vi))` or `Err(reason)` for an omitted row.
    #[allow(clippy::type_complexity)]
    fn per_row(
        table: &Table,
        measure: Measure,
        opts: &EffectOptions,
    ) -> Result<Vec<std::result::Result<(f64, f64), String>>> {
        let names = needed_columns(measure, |c| table.has(c));
        for &n in &names {
            if !table.has(n) {
                return Err(match measure.data_kind() {
                    DataKind::Generic if n != "yi" => table.missing_column(
                        "vi",
                        "for measure GEN: give the sampling variance as vi or the standard error as sei",
                    ),
                    _ => table.missing_column(n, &format!("for measure {}", measure.code())),
                });
            }
        }
        let purpose = format!("for measure {}", measure.code());
        let cols: Vec<Vec<Option<f64>>> = names
            .iter()
            .map(|n| table.numeric(n, &purpose))
            .collect::<Result<_>>()?;
        let slices: Vec<&[Option<f64>]> = cols.iter().map(|c| c.as_slice()).collect();
        let mut out = Vec::with_capacity(table.nrows());
        compute_rows(measure, opts, &names, &slices, 0..table.nrows(), &mut out)
            .map_err(|(row, bad)| table.value_error(row, names[bad.col], bad.message))?;
        Ok(out
            .into_iter()
            .map(|r| {
                r.map_err(|skip| match skip {
                    Skip::Missing(j) => {
                        format!("missing value in column {}", table.actual_name(names[j]))
                    }
                    Skip::Undefined(reason) => reason,
                })
            })
            .collect())
    }
}

/// The canonical columns a measure needs, in the order [`compute_rows`] expects. For `GEN` the
/// variance comes from `vi` when present (per `has`), else from `sei`.
pub(crate) fn needed_columns(measure: Measure, has: impl Fn(&str) -> bool) -> Vec<&'static str> {
    match measure.data_kind() {
        DataKind::Continuous => CONT.to_vec(),
        DataKind::Binary => BIN.to_vec(),
        DataKind::Generic => {
            if has("vi") || !has("sei") {
                vec!["yi", "vi"]
            } else {
                vec!["yi", "sei"]
            }
        }
    }
}

/// Why a row has no effect size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Skip {
    /// A needed value is missing (index into the needed columns).
    Missing(usize),
    /// The effect is undefined for these values (reason).
    Undefined(String),
}

/// A value that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bad {
    /// Index into the needed columns.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

/// Computes effect sizes for rows `range` of `cols` (the columns named by [`needed_columns`], in
/// that order), pushing one entry per row onto `out`: `Ok((yi, vi))`, or the reason the row is
/// omitted. This is the kernel behind [`EffectSizes::compute`] and bulk reanalysis, so both give
/// bit-identical effects.
///
/// # Errors
/// `(row, Bad)` for the first row holding an unusable value (non-finite, negative SD or variance,
/// n ≤ 1, events outside 0..=n, non-positive ROM mean), or with `opts.strict`, the first row that
/// would be omitted. Bad values are reported before omissions are considered.
#[allow(clippy::type_complexity)]
pub(crate) fn compute_rows(
    measure: Measure,
    opts: &EffectOptions,
    names: &[&str],
    cols: &[&[Option<f64>]],
    range: std::ops::Range<usize>,
    out: &mut Vec<std::result::Result<(f64, f64), Skip>>,
) -> std::result::Result<(), (usize, Bad)> {
    let mut vals = [0.0f64; 6];
    let nc = names.len();
    let missing_at = |i: usize| cols.iter().position(|c| c[i].is_none());
    // Validate every row first (errors win over omissions).
    for i in range.clone() {
        if let Some(j) = missing_at(i) {
            if opts.strict {
                return Err((
                    i,
                    Bad {
                        col: j,
                        message: "missing value (in strict mode; otherwise the study would be omitted with a warning)".into(),
                    },
                ));
            }
            continue;
        }
        for (j, c) in cols.iter().enumerate() {
            vals[j] = c[i].unwrap_or(f64::NAN);
            if !vals[j].is_finite() {
                return Err((
                    i,
                    Bad {
                        col: j,
                        message: format!("expected a finite number, found {}", vals[j]),
                    },
                ));
            }
        }
        validate_row(measure, names, &vals[..nc]).map_err(|b| (i, b))?;
    }
    let any_zero = measure.data_kind() == DataKind::Binary
        && range.clone().any(|i| {
            missing_at(i).is_none() && {
                let (a, n1, c, n2) = (
                    cols[0][i].unwrap_or(1.0),
                    cols[1][i].unwrap_or(2.0),
                    cols[2][i].unwrap_or(1.0),
                    cols[3][i].unwrap_or(2.0),
                );
                a == 0.0 || c == 0.0 || a == n1 || c == n2
            }
        });
    for i in range {
        if let Some(j) = missing_at(i) {
            out.push(Err(Skip::Missing(j)));
            continue;
        }
        for (j, c) in cols.iter().enumerate() {
            vals[j] = c[i].unwrap_or(f64::NAN);
        }
        let r = match measure.data_kind() {
            DataKind::Continuous => {
                let [n1, m1, s1, n2, m2, s2] = vals;
                let (y, v) = match measure {
                    Measure::Smd => smd(n1, m1, s1, n2, m2, s2, opts.vtype),
                    Measure::Md => mean_difference(n1, m1, s1, n2, m2, s2),
                    _ => ratio_of_means(n1, m1, s1, n2, m2, s2),
                };
                check_defined(y, v, "both SDs are 0")
            }
            DataKind::Binary => binary_row(measure, &vals[..4], opts, any_zero),
            DataKind::Generic => {
                let v = if names[1] == "sei" {
                    vals[1] * vals[1]
                } else {
                    vals[1]
                };
                check_defined(vals[0], v, "zero sampling variance")
            }
        };
        match r {
            Ok(yv) => out.push(Ok(yv)),
            Err(reason) if opts.strict => {
                return Err((
                    i,
                    Bad {
                        col: 0,
                        message: reason,
                    },
                ))
            }
            Err(reason) => out.push(Err(Skip::Undefined(reason))),
        }
    }
    Ok(())
}

fn check_defined(y: f64, v: f64, why_zero: &str) -> std::result::Result<(f64, f64), String> {
    if !y.is_finite() || !v.is_finite() {
        Err("effect size is undefined for these values".into())
    } else if v <= 0.0 {
        Err(format!("sampling variance is 0 ({why_zero})"))
    } else {
        Ok((y, v))
    }
}

fn binary_row(
    measure: Measure,
    vals: &[f64],
    opts: &EffectOptions,
    any_zero: bool,
) -> std::result::Result<(f64, f64), String> {
    let (mut a, n1, mut c, n2) = (vals[0], vals[1], vals[2], vals[3]);
    let (mut b, mut d) = (n1 - a, n2 - c);
    let zero = a == 0.0 || b == 0.0 || c == 0.0 || d == 0.0;
    if opts.drop00 && ((a == 0.0 && c == 0.0) || (b == 0.0 && d == 0.0)) {
        return Err(
            "no events (or only events) in both arms, dropped (double-zero studies are dropped)"
                .into(),
        );
    }
    let add = match opts.to {
        AddTo::All => true,
        AddTo::Only0 => zero,
        AddTo::If0All => any_zero,
        AddTo::None => false,
    };
    if add {
        a += opts.add;
        b += opts.add;
        c += opts.add;
        d += opts.add;
    }
    let (y, v) = two_by_two(measure, a, a + b, c, c + d);
    if !y.is_finite() || !v.is_finite() {
        return Err(format!(
            "{} is undefined for a table with a zero cell (no continuity correction is added)",
            measure.code()
        ));
    }
    if v <= 0.0 {
        return Err("sampling variance is 0 (no events or only events in both arms)".into());
    }
    Ok((y, v))
}

fn validate_row(measure: Measure, names: &[&str], v: &[f64]) -> std::result::Result<(), Bad> {
    let err = |col: usize, message: String| Err(Bad { col, message });
    match measure.data_kind() {
        DataKind::Continuous => {
            for &j in &[0usize, 3] {
                if v[j] <= 1.0 {
                    return err(
                        j,
                        format!(
                            "group size must be at least 2 for a continuous outcome, found {}",
                            v[j]
                        ),
                    );
                }
            }
            for &j in &[2usize, 5] {
                if v[j] < 0.0 {
                    return err(
                        j,
                        format!("standard deviation cannot be negative, found {}", v[j]),
                    );
                }
            }
            if measure == Measure::Rom {
                for &j in &[1usize, 4] {
                    if v[j] <= 0.0 {
                        return err(
                            j,
                            format!(
                                "ROM needs positive means (it is a log ratio), found {}",
                                v[j]
                            ),
                        );
                    }
                }
            }
        }
        DataKind::Binary => {
            for &(e, nn) in &[(0usize, 1usize), (2, 3)] {
                if v[nn] < 1.0 {
                    return err(
                        nn,
                        format!("group size must be at least 1, found {}", v[nn]),
                    );
                }
                if v[e] < 0.0 || v[e] > v[nn] {
                    return err(
                        e,
                        format!(
                            "events must lie between 0 and the group size ({}), found {}",
                            v[nn], v[e]
                        ),
                    );
                }
            }
        }
        DataKind::Generic => {
            if v[1] < 0.0 {
                let what = if names[1] == "sei" {
                    "standard error"
                } else {
                    "sampling variance"
                };
                return err(1, format!("{what} cannot be negative, found {}", v[1]));
            }
        }
    }
    Ok(())
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
