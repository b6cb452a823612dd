//! The names of the framework's enumerated options (how log odds ratios go on the SMD scale),
//! and their parsing (see [`crate::model::parse`]).

use std::str::FromStr;

use super::options::BinaryToSmd;
use crate::error::{Error, Result, Setting};
use crate::model::parse::parse_name;

impl BinaryToSmd {
    /// The spellings: logit, cox-snell (alias cox_snell, as in the options file).
    pub const NAMES: &'static [(&'static str, BinaryToSmd)] = &[
        ("logit", BinaryToSmd::Logit),
        ("cox-snell", BinaryToSmd::CoxSnell),
        ("cox_snell", BinaryToSmd::CoxSnell),
    ];
}

impl FromStr for BinaryToSmd {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_name(s, Self::NAMES, Setting::Method, "binary_to_smd")
    }
}
