//! The option parsing every function shares: the column renames, the measure, the effect-size
//! and model options as the Python layer passes them, and the named choices (CR2/CR1, REML/ML,
//! z/t …): their spellings are the library's (`NAMES`, shared with the command line), the
//! messages name the Python argument. One definition each, so that every function gives the
//! same message for the same bad value.

use std::collections::HashMap;

use peerstat::data::{self, ColumnMap, Table};
use peerstat::effect::{AddTo, ClusterAdjust, ConvertOptions, EffectOptions, Measure};
use peerstat::effect::{CiScale, VarianceType};
use peerstat::framework::evaluate::BinaryToSmd;
use peerstat::model::multilevel::{MultilevelDfs, MultilevelMethod, MultilevelTest};
use peerstat::model::robust::RobustType;
use peerstat::model::{I2Method, PiMethod, RandomEffects, Tau2Method};
use pyo3::prelude::*;

use crate::errors::{setting, to_py};

/// Parses an option with the library's `FromStr` (its message on failure).
pub(crate) fn parse<T: std::str::FromStr<Err = peerstat::Error>>(s: &str) -> PyResult<T> {
    s.parse().map_err(to_py)
}

/// One of a few named values: `choices` (a library enum's `NAMES`) pairs each accepted spelling (compared without case and
/// surrounding spaces) with its value; anything else is a [`setting`] error naming `what` and
/// ending with `hint` (the choices in words).
pub(crate) fn choice<T: Copy>(
    what: &str,
    value: &str,
    choices: &[(&str, T)],
    hint: &str,
) -> PyResult<T> {
    let v = value.trim();
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(v))
        .map(|&(_, t)| t)
        .ok_or_else(|| setting(format!("unknown {what} '{value}': choose {hint}")))
}

/// `robust_type`: CR2 (clubSandwich) or CR1 (metafor).
pub(crate) fn robust_type(s: &str) -> PyResult<RobustType> {
    choice(
        "robust_type",
        s,
        RobustType::NAMES,
        "CR2 (clubSandwich, the default) or CR1 (metafor)",
    )
}

/// The method of a multilevel model (`random=`): REML or ML.
pub(crate) fn multilevel_method(s: &str) -> PyResult<MultilevelMethod> {
    choice(
        "method for a multilevel model (random=)",
        s,
        MultilevelMethod::NAMES,
        "REML (the default) or ML: a multilevel model fits its variance components by \
         likelihood",
    )
}

/// The test of a multilevel model from `test` and `knha` (knha means t).
pub(crate) fn multilevel_test(test: Option<&str>, knha: bool) -> PyResult<MultilevelTest> {
    let t = test
        .map(|t| choice("test", t, MultilevelTest::NAMES, "z or t"))
        .transpose()?;
    match (t, knha) {
        (Some(MultilevelTest::Z), true) => Err(setting(
            "test='z' and knha=True contradict each other: with random=, knha means test='t'",
        )),
        (Some(t), _) => Ok(t),
        (None, true) => Ok(MultilevelTest::T),
        (None, false) => Ok(MultilevelTest::Z),
    }
}

/// How `evaluate` puts log odds ratios on the SMD scale: logit (× √3/π) or cox-snell (÷ 1.65).
pub(crate) fn binary_to_smd(s: &str) -> PyResult<BinaryToSmd> {
    choice(
        "binary_to_smd",
        s,
        BinaryToSmd::NAMES,
        "logit (x sqrt(3)/pi, the default) or cox-snell (/ 1.65)",
    )
}

/// `dfs` of a multilevel model: residual or contain.
pub(crate) fn dfs(s: &str) -> PyResult<MultilevelDfs> {
    choice("dfs", s, MultilevelDfs::NAMES, "residual or contain")
}

/// Values held fixed (`sigma2`, `tau2`, `struct_rho`): each finite, or `None` for estimated.
pub(crate) fn held(what: &str, values: &[Option<f64>]) -> PyResult<Vec<Option<f64>>> {
    if let Some(x) = values.iter().flatten().find(|x| !x.is_finite()) {
        return Err(setting(format!(
            "{what}: {x} is not a number; give one entry per parameter, None for one to estimate"
        )));
    }
    Ok(values.to_vec())
}

/// The column renames `{canonical: actual}`, checked against the columns read (the canonical
/// ones, those of the conversions, and `named`: the columns the options name).
pub(crate) fn column_map(
    columns: Option<HashMap<String, String>>,
    named: &[&str],
) -> PyResult<ColumnMap> {
    let mut map = ColumnMap::new();
    let mut pairs: Vec<_> = columns.unwrap_or_default().into_iter().collect();
    pairs.sort();
    for (c, a) in &pairs {
        map.insert(c, a);
    }
    let mut known: Vec<&str> = data::CANONICAL_COLUMNS.to_vec();
    known.extend(peerstat::effect::convert::CONVERSION_COLUMNS);
    known.extend(
        named
            .iter()
            .filter(|n| !known.contains(n))
            .collect::<Vec<_>>(),
    );
    map.check_known(&known).map_err(to_py)?;
    Ok(map)
}

/// The measure asked for, or GEN when there is a `yi` column and none is given.
pub(crate) fn measure_of(measure: Option<&str>, table: &Table) -> PyResult<Measure> {
    match measure {
        Some(m) => parse(m),
        None if table.has("yi") => Ok(Measure::Gen),
        None => Err(setting(format!(
            "{}: choose an effect measure with measure= (SMD, MD, ROM, OR, RR, RD, ... or GEN \
             for precomputed yi with vi or sei)",
            table.source()
        ))),
    }
}

/// The model options shared by `meta`, `reanalyse`, `bias`, `influence`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct ModelOpts {
    pub(crate) method: String,
    pub(crate) knha: bool,
    pub(crate) level: f64,
    pub(crate) pi: String,
    pub(crate) i2: String,
    pub(crate) max_iter: usize,
    pub(crate) stepadj: f64,
}

impl ModelOpts {
    /// The random-effects model.
    pub(crate) fn model(&self) -> PyResult<RandomEffects> {
        let method: Tau2Method = parse(&self.method)?;
        let pi: PiMethod = parse(&self.pi)?;
        let i2: I2Method = parse(&self.i2)?;
        RandomEffects::new()
            .method(method)
            .knha(self.knha)
            .level(self.level)
            .and_then(|m| {
                m.prediction(pi)
                    .i2_method(i2)
                    .max_iter(self.max_iter)
                    .step_adjustment(self.stepadj)
            })
            .map_err(to_py)
    }
}

/// The effect-size options as the Python layer passes them; the conversion options
/// (`ci_scale`, `omit_skewed`, `cluster_adjust`, `icc`) default to the CLI's defaults when the
/// dictionary leaves them out.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct EffectOpts {
    vtype: String,
    add: f64,
    to: String,
    drop00: bool,
    strict: bool,
    #[pyo3(default)]
    ci_scale: Option<String>,
    #[pyo3(default)]
    omit_skewed: bool,
    #[pyo3(default)]
    cluster_adjust: Option<String>,
    #[pyo3(default)]
    icc: Option<f64>,
}

impl EffectOpts {
    /// The library's effect-size options, checked.
    pub(crate) fn options(&self) -> PyResult<EffectOptions> {
        if !(self.add.is_finite() && self.add >= 0.0) {
            return Err(setting(format!(
                "add must be a non-negative number, got {}",
                self.add
            )));
        }
        let o = EffectOptions {
            vtype: parse::<VarianceType>(&self.vtype)?,
            add: self.add,
            to: parse::<AddTo>(&self.to)?,
            drop00: self.drop00,
            strict: self.strict,
            convert: conversion(
                self.ci_scale.as_deref(),
                self.omit_skewed,
                self.cluster_adjust.as_deref(),
                self.icc,
            )?,
        };
        Ok(o)
    }
}

/// The conversion and cluster options, checked (`None`: the default).
pub(crate) fn conversion(
    ci_scale: Option<&str>,
    omit_skewed: bool,
    cluster_adjust: Option<&str>,
    icc: Option<f64>,
) -> PyResult<ConvertOptions> {
    let c = ConvertOptions {
        ci_scale: ci_scale
            .map(parse::<CiScale>)
            .transpose()?
            .unwrap_or_default(),
        omit_skewed,
        cluster_adjust: cluster_adjust
            .map(parse::<ClusterAdjust>)
            .transpose()?
            .unwrap_or_default(),
        icc,
    };
    c.check().map_err(to_py)?;
    Ok(c)
}
