//! The names of the economic evaluation's enumerated options (discounting timing), and their
//! parsing (see [`crate::model::parse`]).

use std::str::FromStr;

use super::trial::Timing;
use crate::error::{Error, Result, Setting};
use crate::model::parse::parse_name;

impl Timing {
    /// The spellings: start, end, continuous (alias mid).
    pub const NAMES: &'static [(&'static str, Timing)] = &[
        ("start", Timing::Start),
        ("end", Timing::End),
        ("continuous", Timing::Continuous),
        ("mid", Timing::Continuous),
    ];
}

impl FromStr for Timing {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Timing, "discounting timing")
    }
}
