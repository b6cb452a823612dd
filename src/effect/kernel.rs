//! The row kernel behind every effect size: validation, omission and computation of the rows
//! of column slices, shared by [`EffectSizes::compute`](super::EffectSizes::compute), bulk
//! reanalysis and [`row_effects`](super::row_effects).

use super::fault::{Bad, Skip};
use super::formulas::{mean_difference, ratio_of_means, smd, smd_heteroscedastic, two_by_two};
use super::two_group;
use super::{association, change, correlation, proportion, rates, single_mean, single_rate};
use super::{AddTo, DataKind, EffectOptions, Measure};
use crate::data::cell::not_finite;
use crate::data::fmt_f64;

const CONT: [&str; 6] = ["n_t", "mean_t", "sd_t", "n_c", "mean_c", "sd_c"];
const BIN: [&str; 4] = ["events_t", "n_t", "events_c", "n_c"];

/// The canonical columns a measure needs, in the order [`compute_rows`] expects. For `GEN` the
/// variance comes from `vi` when present (per `has`), else from `sei`.
pub(crate) fn needed_columns(measure: Measure, has: impl Fn(&str) -> bool) -> Vec<&'static str> {
    match measure.data_kind() {
        DataKind::Continuous => CONT.to_vec(),
        DataKind::Binary => BIN.to_vec(),
        DataKind::Change if measure == Measure::Smcr => change::CHANGE_RAW.to_vec(),
        DataKind::Change => change::CHANGE.to_vec(),
        DataKind::Correlation => correlation::CORRELATION.to_vec(),
        DataKind::Proportion => proportion::PROPORTION.to_vec(),
        DataKind::Rate => rates::RATE.to_vec(),
        DataKind::SingleRate => single_rate::SINGLE_RATE.to_vec(),
        DataKind::Mean => single_mean::MEAN.to_vec(),
        DataKind::Generic => {
            if has("vi") || !has("sei") {
                vec!["yi", "vi"]
            } else {
                vec!["yi", "sei"]
            }
        }
    }
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
                        message: not_finite(vals[j]),
                    },
                ));
            }
        }
        validate_row(measure, names, &vals[..nc]).map_err(|b| (i, b))?;
    }
    let any_zero = range.clone().any(|i| {
        missing_at(i).is_none() && {
            for (j, c) in cols.iter().enumerate() {
                vals[j] = c[i].unwrap_or(f64::NAN);
            }
            has_zero(measure, &vals[..nc])
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
                    Measure::Smdh => smd_heteroscedastic(n1, m1, s1, n2, m2, s2),
                    m if two_group::handles(m) => two_group::two_group(m, n1, m1, s1, n2, m2, s2),
                    _ => ratio_of_means(n1, m1, s1, n2, m2, s2),
                };
                check_defined(y, v, "both SDs are 0")
            }
            DataKind::Binary => binary_row(measure, &vals[..4], opts, any_zero),
            DataKind::Change => change::row(measure, &vals[..nc]),
            DataKind::Correlation => correlation::row(measure, &vals[..nc]),
            DataKind::Proportion => proportion::row(measure, &vals[..nc], opts, any_zero),
            DataKind::Rate => rates::row(measure, &vals[..nc], opts, any_zero),
            DataKind::SingleRate => single_rate::row(measure, &vals[..nc], opts, any_zero),
            DataKind::Mean => single_mean::row(measure, &vals[..nc]),
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

/// True when a row has a zero cell (2×2 tables), no events or only events (proportions) or no
/// events in an arm (rates): the rows `to = only0` corrects. Always false for the measures
/// escalc corrects by default with `add = 0` (AS, PFT, IRSD).
fn has_zero(measure: Measure, v: &[f64]) -> bool {
    match measure {
        Measure::As | Measure::Pft | Measure::Irsd | Measure::Phi | Measure::Pas => false,
        _ => match measure.data_kind() {
            DataKind::Binary => v[0] == 0.0 || v[2] == 0.0 || v[0] == v[1] || v[2] == v[3],
            DataKind::Proportion => proportion::has_zero(v),
            DataKind::Rate => rates::has_zero(v),
            DataKind::SingleRate => single_rate::has_zero(measure, v),
            _ => false,
        },
    }
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
    // AS, PHI: no correction (escalc's default `add = 0` for them)
    let add = !matches!(measure, Measure::As | Measure::Phi)
        && match opts.to {
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
    let (y, v) = if association::handles(measure) {
        association::table_measure(measure, a, b, c, d)
    } else {
        two_by_two(measure, a, a + b, c, c + d)
    };
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
                            fmt_f64(v[j])
                        ),
                    );
                }
            }
            for &j in &[2usize, 5] {
                if v[j] < 0.0 {
                    return err(
                        j,
                        format!(
                            "standard deviation cannot be negative, found {}",
                            fmt_f64(v[j])
                        ),
                    );
                }
            }
            if matches!(measure, Measure::Rom | Measure::Cvr) {
                for &j in &[1usize, 4] {
                    if v[j] <= 0.0 {
                        return err(
                            j,
                            format!(
                                "{} needs positive means (it is a log ratio), found {}",
                                measure.code(),
                                fmt_f64(v[j])
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
                        format!("group size must be at least 1, found {}", fmt_f64(v[nn])),
                    );
                }
                if v[e] < 0.0 || v[e] > v[nn] {
                    return err(
                        e,
                        format!(
                            "events must lie between 0 and the group size ({}), found {}",
                            fmt_f64(v[nn]),
                            fmt_f64(v[e])
                        ),
                    );
                }
            }
        }
        DataKind::Change => change::validate(measure, v)?,
        DataKind::Correlation => correlation::validate(v)?,
        DataKind::Proportion => proportion::validate(v)?,
        DataKind::Rate => rates::validate(v)?,
        DataKind::SingleRate => single_rate::validate(v)?,
        DataKind::Mean => single_mean::validate(measure, v)?,
        DataKind::Generic => {
            if v[1] < 0.0 {
                let what = if names[1] == "sei" {
                    "standard error"
                } else {
                    "sampling variance"
                };
                return err(
                    1,
                    format!("{what} cannot be negative, found {}", fmt_f64(v[1])),
                );
            }
        }
    }
    Ok(())
}
