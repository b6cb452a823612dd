//! The names of the model's enumerated options (robust estimator, multilevel method, test and
//! df, network method), and their parsing. Each enum lists its spellings once (`NAMES`: the
//! first spelling of a value is its name, the others aliases), for its [`FromStr`], the command
//! line's choices and the Python layer.

use std::str::FromStr;

use super::multilevel::{MultilevelDfs, MultilevelMethod, MultilevelTest};
use super::network::NetworkMethod;
use super::robust::RobustType;
use crate::error::{Error, Result, Setting};

/// Looks `s` up in `names` (any case; surrounding spaces ignored): the value it names, or a
/// [`Error::Setting`] of `setting` saying "unknown `what` 's': choose ..." with the names.
pub fn parse_name<T: Copy + PartialEq>(
    s: &str,
    names: &[(&str, T)],
    setting: Setting,
    what: &str,
) -> Result<T> {
    let v = s.trim();
    names
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(v))
        .map(|&(_, t)| t)
        .ok_or_else(|| {
            Error::setting(
                setting,
                format!("unknown {what} '{s}': choose {}", primary_names(names)),
            )
        })
}

/// The first spelling of each value, in order, in words: "A, B or C".
pub fn primary_names<T: PartialEq>(names: &[(&str, T)]) -> String {
    let firsts: Vec<&str> = names
        .iter()
        .enumerate()
        .filter(|(i, (_, t))| !names[..*i].iter().any(|(_, u)| u == t))
        .map(|(_, (n, _))| *n)
        .collect();
    match firsts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => firsts.concat(),
    }
}

impl RobustType {
    /// The spellings: CR2 (clubSandwich), CR1 (metafor), CR0 (metafor `adjust = FALSE`).
    pub const NAMES: &'static [(&'static str, RobustType)] = &[
        ("CR2", RobustType::Cr2),
        ("CR1", RobustType::Cr1),
        ("CR0", RobustType::Cr0),
    ];
}

impl FromStr for RobustType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "cluster-robust estimator")
    }
}

impl MultilevelMethod {
    /// The spellings: REML, ML.
    pub const NAMES: &'static [(&'static str, MultilevelMethod)] = &[
        ("REML", MultilevelMethod::Reml),
        ("ML", MultilevelMethod::Ml),
    ];
}

impl FromStr for MultilevelMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(
            s,
            Self::NAMES,
            Setting::Method,
            "method for a multilevel model",
        )
    }
}

impl MultilevelTest {
    /// The spellings: z, t.
    pub const NAMES: &'static [(&'static str, MultilevelTest)] =
        &[("z", MultilevelTest::Z), ("t", MultilevelTest::T)];
}

impl FromStr for MultilevelTest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "test")
    }
}

impl MultilevelDfs {
    /// The spellings: residual, contain.
    pub const NAMES: &'static [(&'static str, MultilevelDfs)] = &[
        ("residual", MultilevelDfs::Residual),
        ("contain", MultilevelDfs::Contain),
    ];
}

impl FromStr for MultilevelDfs {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "degrees of freedom")
    }
}

impl NetworkMethod {
    /// The spellings: DL, REML.
    pub const NAMES: &'static [(&'static str, NetworkMethod)] =
        &[("DL", NetworkMethod::Dl), ("REML", NetworkMethod::Reml)];
}

impl FromStr for NetworkMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "network method")
    }
}
