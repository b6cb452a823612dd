//! The names of the diagnostics' enumerated options (Egger's model, the trim-and-fill
//! estimator and side), and their parsing (see [`crate::model::parse`]).

use std::str::FromStr;

use super::{EggerModel, Side, TrimFillEstimator};
use crate::error::{Error, Result, Setting};
use crate::model::parse::parse_name;

impl EggerModel {
    /// The spellings: rma, classic (alias lm).
    pub const NAMES: &'static [(&'static str, EggerModel)] = &[
        ("rma", EggerModel::Rma),
        ("classic", EggerModel::Classic),
        ("lm", EggerModel::Classic),
    ];
}

impl FromStr for EggerModel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "egger model")
    }
}

impl TrimFillEstimator {
    /// The spellings: L0, R0.
    pub const NAMES: &'static [(&'static str, TrimFillEstimator)] =
        &[("L0", TrimFillEstimator::L0), ("R0", TrimFillEstimator::R0)];
}

impl FromStr for TrimFillEstimator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "trim-and-fill estimator")
    }
}

impl Side {
    /// The spellings: left, right.
    pub const NAMES: &'static [(&'static str, Side)] =
        &[("left", Side::Left), ("right", Side::Right)];
}

impl FromStr for Side {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Side, "trim-and-fill side")
    }
}
