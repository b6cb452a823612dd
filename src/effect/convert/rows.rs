//! The row pass behind every effect size with conversions: fills arm means and SDs from
//! medians or standard errors, runs the measure's kernel ([`compute_rows`]), converts the rows
//! the kernel lacks data for from a CI, p-value, t or F statistic, and applies the design effect.

use super::{
    fivenum, sd_from_se, smd_from_t, t_from_f, t_from_p, vi_from_ci, vi_from_p, CiScale, FiveNum,
    FiveNumError, Provenance, Source, WaldError, CONVERSION_COLUMNS,
};
use crate::data::fmt_f64;
use crate::effect::cluster::{design_effect, ClusterAdjust};
use crate::effect::{compute_rows, needed_columns, DataKind, EffectOptions, Measure, Skip};

/// One row's effect `(yi, vi, provenance)`, or why it has none.
pub(crate) type RowResult = std::result::Result<(f64, f64, Provenance), NoEffect>;

/// Why a row has no effect.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NoEffect {
    /// A value of the measure's own columns is missing (canonical name) and nothing could be
    /// converted; with what could have been.
    Missing(&'static str, Option<&'static str>),
    /// Undefined, dropped or omitted, with the reason.
    Reason(String),
}

impl NoEffect {
    /// The reason in words; `actual` gives a canonical column's name in the file.
    pub(crate) fn reason(&self, actual: impl Fn(&str) -> String) -> String {
        match self {
            NoEffect::Missing(c, None) => format!("missing value in column {}", actual(c)),
            NoEffect::Missing(c, Some(hint)) => format!(
                "missing value in column {}, and no reported statistic to convert from ({hint})",
                actual(c)
            ),
            NoEffect::Reason(r) => r.clone(),
        }
    }
}

/// A cell that cannot be used: 0-based row (of the columns passed), canonical column, problem.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadCell {
    /// 0-based row.
    pub row: usize,
    /// Canonical column name.
    pub column: &'static str,
    /// What is wrong.
    pub message: String,
}

type Cells<'a> = (&'a [&'a str], &'a [&'a [Option<f64>]]);

fn column<'a>((names, cols): Cells<'a>, name: &str) -> Option<&'a [Option<f64>]> {
    names.iter().position(|n| *n == name).map(|j| cols[j])
}

fn cell(c: Cells<'_>, name: &str, i: usize) -> Option<f64> {
    column(c, name).and_then(|v| v.get(i).copied().flatten())
}

fn bad(row: usize, column: &'static str, message: impl Into<String>) -> BadCell {
    BadCell {
        row,
        column,
        message: message.into(),
    }
}

/// The columns an effect of `measure` reads, of those `has` finds: the measure's own, then the
/// conversion columns present. `Err(column)`: a column of the measure is absent and no column
/// to convert from is present.
pub(crate) fn input_columns(
    measure: Measure,
    has: impl Fn(&str) -> bool,
) -> std::result::Result<Vec<&'static str>, &'static str> {
    let kernel = needed_columns(measure, &has);
    let own = |c: &str| kernel.contains(&c);
    let extra: Vec<&'static str> = CONVERSION_COLUMNS
        .iter()
        .copied()
        .filter(|c| !own(c) && has(c))
        .collect();
    let convertible = extra
        .iter()
        .any(|c| !matches!(*c, "cluster_size" | "icc" | "ci_level"));
    match kernel.iter().find(|c| !has(c)) {
        Some(missing) if !convertible => Err(missing),
        _ => Ok(kernel.into_iter().filter(|c| has(c)).chain(extra).collect()),
    }
}

/// Notes on one row's arms: where a filled mean or SD came from, Shi's flag, an omission.
#[derive(Debug, Clone, Default)]
struct ArmNote {
    yi: Option<Source>,
    vi: Option<Source>,
    skewed: bool,
    omitted: Option<String>,
}

/// Computes the effect of rows `range` of `cols` (named by `names`, any columns of
/// [`input_columns`]), pushing one [`RowResult`] per row onto `out`.
///
/// # Errors
/// The first cell that cannot be used (bad values are reported before any row is converted),
/// or with `opts.strict`, the first row without an effect.
pub(crate) fn effect_rows(
    measure: Measure,
    opts: &EffectOptions,
    names: &[&str],
    cols: &[&[Option<f64>]],
    range: std::ops::Range<usize>,
    out: &mut Vec<RowResult>,
) -> std::result::Result<(), BadCell> {
    let c: Cells<'_> = (names, cols);
    let kernel = needed_columns(measure, |n| names.contains(&n));
    let plain_input = kernel.iter().all(|k| names.contains(k))
        && !names
            .iter()
            .any(|n| CONVERSION_COLUMNS.contains(n) && !kernel.contains(n));
    if plain_input {
        return kernel_only(measure, opts, c, &kernel, range, out);
    }
    let (start, len) = (range.start, range.len());
    let conv = opts.convert;
    let de = design_effects(c, range.clone(), conv.icc)?;
    let mut kern: Vec<Vec<Option<f64>>> = kernel
        .iter()
        .map(|k| match column(c, k) {
            Some(v) => v[range.clone()].to_vec(),
            None => vec![None; len],
        })
        .collect();
    let mut notes = vec![ArmNote::default(); len];
    if measure.data_kind() == DataKind::Continuous {
        fill_arms(c, start, &mut kern, &mut notes, conv.omit_skewed)?;
    }
    let on_n = conv.cluster_adjust == ClusterAdjust::EffectiveN
        && measure.data_kind() != DataKind::Generic;
    if on_n {
        for (j, d) in de.iter().enumerate() {
            if let Some(d) = d {
                for (k, name) in kernel.iter().enumerate() {
                    if name.starts_with("n_") || name.starts_with("events_") {
                        kern[k][j] = kern[k][j].map(|x| x / d);
                    }
                }
            }
        }
    }
    let slices: Vec<&[Option<f64>]> = kern.iter().map(Vec::as_slice).collect();
    let mut tmp = Vec::with_capacity(len);
    let kopts = EffectOptions {
        strict: false,
        ..*opts
    };
    compute_rows(measure, &kopts, &kernel, &slices, 0..len, &mut tmp).map_err(|(j, b)| {
        let name = kernel[b.col];
        let blamed = if cell(c, name, start + j).is_some() {
            name
        } else {
            filled_from(name, &notes[j])
        };
        bad(start + j, blamed, b.message)
    })?;
    for (j, r) in tmp.into_iter().enumerate() {
        let i = start + j;
        let (res, from_arms) = match r {
            Ok((y, v)) => (
                Ok((y, v, kernel_provenance(measure, &kernel, &notes[j]))),
                true,
            ),
            Err(Skip::Undefined(reason)) => (Err(NoEffect::Reason(reason)), true),
            Err(Skip::Missing(k)) => match notes[j].omitted.take() {
                Some(reason) => (Err(NoEffect::Reason(reason)), true),
                None => (convert_row(measure, opts, c, i, kernel[k])?, false),
            },
        };
        let res = res.map(|(y, mut v, mut p)| {
            if let Some(d) = de[j] {
                if !(on_n && from_arms) {
                    v *= d;
                }
                p.design_effect = Some(d);
            }
            (y, v, p)
        });
        if opts.strict {
            if let Err(reason) = &res {
                return Err(bad(
                    i,
                    kernel.first().copied().unwrap_or("yi"),
                    format!(
                        "{} (in strict mode; otherwise the study would be omitted with a warning)",
                        reason.reason(str::to_string)
                    ),
                ));
            }
        }
        out.push(res);
    }
    Ok(())
}

/// The kernel alone, for inputs with no conversion columns (bit-identical to before).
fn kernel_only(
    measure: Measure,
    opts: &EffectOptions,
    c: Cells<'_>,
    kernel: &[&'static str],
    range: std::ops::Range<usize>,
    out: &mut Vec<RowResult>,
) -> std::result::Result<(), BadCell> {
    let slices: Vec<&[Option<f64>]> = kernel.iter().map(|k| column(c, k).unwrap_or(&[])).collect();
    let mut tmp = Vec::with_capacity(range.len());
    compute_rows(measure, opts, kernel, &slices, range, &mut tmp)
        .map_err(|(i, b)| bad(i, kernel[b.col], b.message))?;
    let note = ArmNote::default();
    let prov = kernel_provenance(measure, kernel, &note);
    out.extend(tmp.into_iter().map(|r| match r {
        Ok((y, v)) => Ok((y, v, prov)),
        Err(Skip::Missing(k)) => Err(NoEffect::Missing(kernel[k], None)),
        Err(Skip::Undefined(reason)) => Err(NoEffect::Reason(reason)),
    }));
    Ok(())
}

fn kernel_provenance(measure: Measure, kernel: &[&str], note: &ArmNote) -> Provenance {
    let mut p = match measure.data_kind() {
        DataKind::Continuous => Provenance::plain(
            note.yi.unwrap_or(Source::Arms),
            note.vi.unwrap_or(Source::Arms),
        ),
        DataKind::Binary => Provenance::plain(Source::TwoByTwo, Source::TwoByTwo),
        DataKind::Change => Provenance::plain(Source::Change, Source::Change),
        DataKind::Correlation => Provenance::plain(Source::Correlation, Source::Correlation),
        DataKind::Proportion => Provenance::plain(Source::Proportion, Source::Proportion),
        DataKind::Rate | DataKind::SingleRate => Provenance::plain(Source::Rates, Source::Rates),
        DataKind::Mean => Provenance::plain(Source::Arms, Source::Arms),
        DataKind::Generic => Provenance::plain(
            Source::Yi,
            if kernel.get(1) == Some(&"sei") {
                Source::Sei
            } else {
                Source::Vi
            },
        ),
    };
    p.skewed = note.skewed;
    p
}

/// The column a filled kernel value came from, to name in an error.
fn filled_from(name: &'static str, note: &ArmNote) -> &'static str {
    let arm_t = name.ends_with("_t");
    let pick = |t: &'static str, c: &'static str| if arm_t { t } else { c };
    match name {
        "mean_t" | "mean_c" => pick("median_t", "median_c"),
        "sd_t" | "sd_c" if note.vi == Some(Source::Se) => pick("se_t", "se_c"),
        "sd_t" | "sd_c" => pick("median_t", "median_c"),
        _ => "cluster_size",
    }
}

/// The design effect of each row of `range` with a cluster size (ICC from the row, else `icc`).
fn design_effects(
    c: Cells<'_>,
    range: std::ops::Range<usize>,
    icc: Option<f64>,
) -> std::result::Result<Vec<Option<f64>>, BadCell> {
    let mut out = Vec::with_capacity(range.len());
    for i in range {
        let r = cell(c, "icc", i);
        if let Some(r) = r {
            if !(0.0..1.0).contains(&r) {
                return Err(bad(
                    i,
                    "icc",
                    format!(
                        "an intracluster correlation must lie in [0, 1), found {}",
                        fmt_f64(r)
                    ),
                ));
            }
        }
        let Some(m) = cell(c, "cluster_size", i) else {
            out.push(None);
            continue;
        };
        let Some(r) = r.or(icc) else {
            return Err(bad(
                i,
                "icc",
                "a cluster-randomised trial (cluster_size given) needs an intracluster correlation: an icc value in the row or the ICC option",
            ));
        };
        out.push(Some(design_effect(m, r).map_err(|e| {
            bad(
                i,
                "cluster_size",
                format!("{}, found {}", e.message(), fmt_f64(m)),
            )
        })?));
    }
    Ok(out)
}

/// The columns of one arm's summaries, beyond its mean and SD.
struct ArmColumns {
    n: &'static str,
    se: &'static str,
    median: &'static str,
    q1: &'static str,
    q3: &'static str,
    min: &'static str,
    max: &'static str,
}

/// The two arms: the kernel index of each arm's `n` (then mean, SD) and its columns.
const ARMS: [(usize, ArmColumns); 2] = [
    (
        0,
        ArmColumns {
            n: "n_t",
            se: "se_t",
            median: "median_t",
            q1: "q1_t",
            q3: "q3_t",
            min: "min_t",
            max: "max_t",
        },
    ),
    (
        3,
        ArmColumns {
            n: "n_c",
            se: "se_c",
            median: "median_c",
            q1: "q1_c",
            q3: "q3_c",
            min: "min_c",
            max: "max_c",
        },
    ),
];

/// Fills missing arm means and SDs (kernel order `n, mean, sd` per arm) from standard errors and
/// medians.
fn fill_arms(
    c: Cells<'_>,
    start: usize,
    kern: &mut [Vec<Option<f64>>],
    notes: &mut [ArmNote],
    omit_skewed: bool,
) -> std::result::Result<(), BadCell> {
    for (j, note) in notes.iter_mut().enumerate() {
        let i = start + j;
        for (base, cols) in &ARMS {
            let arm = [kern[*base][j], kern[base + 1][j], kern[base + 2][j]];
            let (mean, sd) = fill_arm(c, i, cols, arm, note, omit_skewed)?;
            kern[base + 1][j] = mean;
            kern[base + 2][j] = sd;
        }
    }
    Ok(())
}

/// One arm of row `i` (`[n, mean, sd]` from the kernel): its mean and SD, filled from its
/// standard error or median summary where missing (the mean `None` when the arm is omitted).
fn fill_arm(
    c: Cells<'_>,
    i: usize,
    cols: &ArmColumns,
    [n, mean, given_sd]: [Option<f64>; 3],
    note: &mut ArmNote,
    omit_skewed: bool,
) -> std::result::Result<(Option<f64>, Option<f64>), BadCell> {
    let mut mean = mean;
    let mut sd = given_sd;
    if sd.is_none() {
        if let Some(s) = sd_from_se_cell(c, i, cols, n)? {
            sd = Some(s);
            note.vi = Some(Source::Se);
        }
    }
    if mean.is_some() && sd.is_some() {
        return Ok((mean, sd));
    }
    let Some(m) = cell(c, cols.median, i) else {
        return Ok((mean, sd));
    };
    let Some(f) = median_summary(c, i, cols, m, n, note)? else {
        return Ok((None, given_sd));
    };
    if f.skewed() {
        note.skewed = true;
        if omit_skewed {
            note.omitted = Some(format!(
                "Shi's test finds the median summary of {} skewed (statistic {} >= critical value {}): omitted, as asked",
                cols.median,
                fmt_f64(f.skew_stat),
                fmt_f64(f.skew_crit)
            ));
            return Ok((None, given_sd));
        }
    }
    let src = Source::of_case(f.case);
    if mean.is_none() {
        mean = Some(f.mean);
        note.yi = Some(src);
    }
    if sd.is_none() {
        sd = Some(f.sd);
        note.vi = Some(src);
    }
    Ok((mean, sd))
}

/// The SD of an arm from its standard error and size, when row `i` gives a standard error.
fn sd_from_se_cell(
    c: Cells<'_>,
    i: usize,
    cols: &ArmColumns,
    n: Option<f64>,
) -> std::result::Result<Option<f64>, BadCell> {
    let (se, n_col) = (cols.se, cols.n);
    let Some(s) = cell(c, se, i) else {
        return Ok(None);
    };
    if s < 0.0 {
        return Err(bad(
            i,
            se,
            format!("a standard error cannot be negative, found {}", fmt_f64(s)),
        ));
    }
    let Some(n) = n else {
        return Err(bad(
            i,
            n_col,
            format!("{se} needs the group size {n_col} to give an SD"),
        ));
    };
    Ok(Some(sd_from_se(s, n)))
}

/// The mean and SD estimated from an arm's median `m` with its IQR and/or range; `None` (with
/// the omission noted) when the arm is too small for the estimators.
fn median_summary(
    c: Cells<'_>,
    i: usize,
    cols: &ArmColumns,
    m: f64,
    n: Option<f64>,
    note: &mut ArmNote,
) -> std::result::Result<Option<FiveNum>, BadCell> {
    let ArmColumns {
        n: n_col,
        median: med,
        q1,
        q3,
        min: lo,
        max: hi,
        ..
    } = *cols;
    let pair = |a: &'static str, b: &'static str| match (cell(c, a, i), cell(c, b, i)) {
        (Some(x), Some(y)) => Ok(Some((x, y))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(bad(i, b, format!("{a} is given without {b}"))),
        (None, Some(_)) => Err(bad(i, a, format!("{b} is given without {a}"))),
    };
    let (iqr, range) = (pair(q1, q3)?, pair(lo, hi)?);
    if iqr.is_none() && range.is_none() {
        return Err(bad(i, q1, format!("a median ({med}) needs its interquartile range ({q1}, {q3}) and/or its range ({lo}, {hi}) to give a mean and SD")));
    }
    let Some(nn) = n else {
        return Err(bad(
            i,
            n_col,
            format!(
                "a median with its IQR or range needs the group size {n_col} to give a mean and SD"
            ),
        ));
    };
    match fivenum(m, iqr, range, nn) {
        Ok(f) => Ok(Some(f)),
        // not wrong, only too small for the estimators: the row is omitted, as metafor
        Err(FiveNumError::SmallN) => {
            note.omitted = Some(format!(
                "{} ({n_col} = {})",
                FiveNumError::SmallN.message(),
                fmt_f64(nn)
            ));
            Ok(None)
        }
        Err(e) => {
            let col = match e {
                FiveNumError::ZeroSpread if iqr.is_some() => q3,
                FiveNumError::ZeroSpread => hi,
                _ => med,
            };
            Err(bad(i, col, e.message()))
        }
    }
}

/// A row the kernel lacks data for (`missing` is the first missing column of the measure):
/// `yi` with `vi`/`sei`, a CI or a p-value; for SMD a t, F or p with the group sizes.
fn convert_row(
    measure: Measure,
    opts: &EffectOptions,
    c: Cells<'_>,
    i: usize,
    missing: &'static str,
) -> std::result::Result<RowResult, BadCell> {
    if let Some(yi) = cell(c, "yi", i) {
        let ratio = measure.is_log_scale() && opts.convert.ci_scale == CiScale::Ratio;
        if let Some(r) = from_estimate(c, i, yi, ratio)? {
            return Ok(r);
        }
    }
    if measure == Measure::Smd {
        if let Some(r) = smd_from_statistic(opts, c, i)? {
            return Ok(r);
        }
    }
    let hint = if measure == Measure::Smd {
        "yi with vi, sei, a CI or p-value; a t or F statistic or p-value with n_t and n_c; medians or standard errors per arm"
    } else if measure.data_kind() == DataKind::Continuous {
        "yi with vi, sei, a CI or p-value; medians or standard errors per arm"
    } else {
        "yi with vi, sei, a CI or p-value"
    };
    Ok(Err(NoEffect::Missing(missing, Some(hint))))
}

/// Row `i`'s effect from its estimate `yi` with `vi`/`sei`, a CI or a p-value (`None` when it
/// gives none of them); `ratio`: the estimate and CI are ratios, taken to the log scale.
fn from_estimate(
    c: Cells<'_>,
    i: usize,
    yi: f64,
    ratio: bool,
) -> std::result::Result<Option<RowResult>, BadCell> {
    let get = |n: &str| cell(c, n, i);
    let log_of = |name: &'static str, x: f64| {
        if !ratio {
            Ok(x)
        } else if x > 0.0 {
            Ok(x.ln())
        } else {
            Err(bad(i, name, format!("a ratio must be positive to be taken to the log scale, found {} (give log-scale values with the log scale of confidence bounds)", fmt_f64(x))))
        }
    };
    for (name, src) in [("vi", Source::Vi), ("sei", Source::Sei)] {
        if let Some(x) = get(name) {
            if x < 0.0 {
                return Err(bad(
                    i,
                    if name == "vi" { "vi" } else { "sei" },
                    format!("cannot be negative, found {}", fmt_f64(x)),
                ));
            }
            let v = if src == Source::Sei { x * x } else { x };
            if v == 0.0 {
                return Ok(Some(Err(NoEffect::Reason("sampling variance is 0".into()))));
            }
            return Ok(Some(Ok((yi, v, Provenance::plain(Source::Yi, src)))));
        }
    }
    let (lb, ub) = (get("ci_lower"), get("ci_upper"));
    if lb.is_some() || ub.is_some() {
        let (Some(lb), Some(ub)) = (lb, ub) else {
            let absent = if lb.is_none() { "ci_lower" } else { "ci_upper" };
            return Err(bad(
                i,
                absent,
                "a confidence interval needs both ci_lower and ci_upper",
            ));
        };
        let level = get("ci_level").unwrap_or(95.0);
        let (y, l, u) = (
            log_of("yi", yi)?,
            log_of("ci_lower", lb)?,
            log_of("ci_upper", ub)?,
        );
        return match vi_from_ci(y, l, u, level) {
            Ok(v) => Ok(Some(Ok((y, v, Provenance::plain(Source::Yi, Source::Ci))))),
            Err(e) => {
                let col = match e {
                    WaldError::Level => "ci_level",
                    WaldError::Outside if y < l => "ci_lower",
                    _ => "ci_upper",
                };
                Err(bad(
                    i,
                    col,
                    format!(
                        "{} (estimate {}, interval {} to {}, level {})",
                        e.message(),
                        fmt_f64(yi),
                        fmt_f64(lb),
                        fmt_f64(ub),
                        fmt_f64(level)
                    ),
                ))
            }
        };
    }
    let Some(p) = get("pval") else {
        return Ok(None);
    };
    let y = log_of("yi", yi)?;
    match vi_from_p(y, p.abs()) {
        Ok(v) => Ok(Some(Ok((y, v, Provenance::plain(Source::Yi, Source::P))))),
        Err(WaldError::ZeroEstimate) => Err(bad(i, "yi", WaldError::ZeroEstimate.message())),
        Err(e) => Err(bad(
            i,
            "pval",
            format!("{}, found {}", e.message(), fmt_f64(p)),
        )),
    }
}

/// Row `i`'s SMD from a t or F statistic or a p-value with the group sizes (`None` when it
/// gives no statistic).
fn smd_from_statistic(
    opts: &EffectOptions,
    c: Cells<'_>,
    i: usize,
) -> std::result::Result<Option<RowResult>, BadCell> {
    let get = |n: &str| cell(c, n, i);
    let stat = [
        ("tstat", Source::T),
        ("fstat", Source::F),
        ("pval", Source::P),
    ]
    .into_iter()
    .find_map(|(name, src)| get(name).map(|x| (name, src, x)));
    let Some((name, src, x)) = stat else {
        return Ok(None);
    };
    let mut n = [0.0; 2];
    for (k, col) in ["n_t", "n_c"].into_iter().enumerate() {
        match get(col) {
            Some(v) if v >= 2.0 => n[k] = v,
            Some(v) => {
                return Err(bad(
                    i,
                    col,
                    format!(
                        "group size must be at least 2 for a continuous outcome, found {}",
                        fmt_f64(v)
                    ),
                ))
            }
            None => {
                return Err(bad(
                    i,
                    col,
                    format!("a {name} needs the group sizes n_t and n_c to give an SMD"),
                ))
            }
        }
    }
    let t = match src {
        Source::T => x,
        Source::F => t_from_f(x),
        _ => t_from_p(x, n[0], n[1]),
    };
    if !t.is_finite() {
        let why = if src == Source::P {
            "a two-sided p-value must lie in (0, 1] (negative for an effect below 0)"
        } else {
            "must be a finite number"
        };
        return Err(bad(
            i,
            if src == Source::P {
                "pval"
            } else {
                name_static(name)
            },
            format!("{why}, found {}", fmt_f64(x)),
        ));
    }
    let (g, v) = smd_from_t(t, n[0], n[1], opts.vtype);
    Ok(Some(Ok((g, v, Provenance::plain(src, src)))))
}

fn name_static(name: &str) -> &'static str {
    match name {
        "tstat" => "tstat",
        "fstat" => "fstat",
        _ => "pval",
    }
}
