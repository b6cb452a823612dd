//! Effect measures and the options of their computation (metafor `escalc` conventions).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result, Setting};

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
    /// Standardised mean difference with heteroscedastic SDs (Bonett 2008; metafor `SMDH`).
    Smdh,
    /// Standardised mean change, change-score standardisation (metafor `SMCC`).
    Smcc,
    /// Standardised mean change, raw-score standardisation by the pre-test SD (metafor `SMCR`).
    Smcr,
    /// Standardised mean change, raw-score standardisation, heteroscedastic variance (metafor
    /// `SMCRH`).
    Smcrh,
    /// Raw correlation coefficient.
    Cor,
    /// Fisher's r-to-z transformed correlation.
    Zcor,
    /// Raw proportion of a single group.
    Pr,
    /// Logit-transformed proportion of a single group.
    Plo,
    /// Freeman–Tukey double arcsine transformed proportion of a single group.
    Pft,
    /// Arcsine square-root transformed risk difference (2×2 tables).
    As,
    /// Log incidence rate ratio (events and person-time per arm).
    Irr,
    /// Incidence rate difference.
    Ird,
    /// Square root transformed incidence rate difference.
    Irsd,
    /// Peto's log odds ratio (2×2 tables).
    Peto,
    /// Phi coefficient of a 2×2 table.
    Phi,
    /// Yule's Q of a 2×2 table.
    Yuq,
    /// Yule's Y of a 2×2 table.
    Yuy,
    /// Probit transformed risk difference (2×2 tables, an SMD estimate).
    Pbit,
    /// Log odds ratio converted to an SMD (normal distribution, ÷1.65).
    Or2dn,
    /// Log odds ratio converted to an SMD (logistic distribution, ×√3/π).
    Or2dl,
    /// Mean difference standardised by the control group's SD.
    Smd1,
    /// As `SMD1`, variance allowing the two SDs to differ.
    Smd1h,
    /// Log coefficient of variation ratio of two groups.
    Cvr,
    /// Log variability ratio (ratio of SDs) of two groups.
    Vr,
    /// Point-biserial correlation from two groups' means.
    Rpb,
    /// Biserial correlation from two groups' means.
    Rbis,
    /// SMD converted to a log odds ratio (normal distribution, ×1.65).
    D2orn,
    /// SMD converted to a log odds ratio (logistic distribution, ×π/√3).
    D2orl,
    /// Bias-corrected correlation coefficient.
    Ucor,
    /// Log-transformed proportion of a single group.
    Pln,
    /// Arcsine square-root transformed proportion of a single group.
    Pas,
    /// Incidence rate of a single group (events and person-time).
    Ir,
    /// Log incidence rate of a single group.
    Irln,
    /// Square-root transformed incidence rate of a single group.
    Irs,
    /// Freeman–Tukey transformed incidence rate of a single group.
    Irft,
    /// Raw mean of a single group.
    Mn,
    /// Log-transformed mean of a single group.
    Mnln,
    /// Log coefficient of variation of a single group.
    Cvln,
    /// Log standard deviation of a single group.
    Sdln,
    /// Standardised mean of a single group (mean over SD, Hedges-corrected).
    Smn,
    /// Raw mean change of one group measured twice.
    Mc,
    /// Log ratio of means of one group measured twice.
    Romc,
    /// Log coefficient of variation ratio of one group measured twice.
    Cvrc,
    /// Log variability ratio of one group measured twice.
    Vrc,
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
    /// One group measured twice: pre- and post-test means and SDs, size and their correlation.
    Change,
    /// A correlation coefficient and the sample size.
    Correlation,
    /// Events in a single group and its size.
    Proportion,
    /// Events and person-time per arm.
    Rate,
    /// Events and person-time of a single group.
    SingleRate,
    /// The mean, SD and size of a single group.
    Mean,
}

impl Measure {
    /// All measures, in the order shown in help text.
    pub const ALL: [Measure; 51] = [
        Measure::Smd,
        Measure::Md,
        Measure::Rom,
        Measure::Or,
        Measure::Rr,
        Measure::Rd,
        Measure::Smdh,
        Measure::Smcc,
        Measure::Smcr,
        Measure::Smcrh,
        Measure::Cor,
        Measure::Zcor,
        Measure::Pr,
        Measure::Plo,
        Measure::Pft,
        Measure::As,
        Measure::Irr,
        Measure::Ird,
        Measure::Irsd,
        Measure::Peto,
        Measure::Phi,
        Measure::Yuq,
        Measure::Yuy,
        Measure::Pbit,
        Measure::Or2dn,
        Measure::Or2dl,
        Measure::Smd1,
        Measure::Smd1h,
        Measure::Cvr,
        Measure::Vr,
        Measure::Rpb,
        Measure::Rbis,
        Measure::D2orn,
        Measure::D2orl,
        Measure::Ucor,
        Measure::Pln,
        Measure::Pas,
        Measure::Ir,
        Measure::Irln,
        Measure::Irs,
        Measure::Irft,
        Measure::Mn,
        Measure::Mnln,
        Measure::Cvln,
        Measure::Sdln,
        Measure::Smn,
        Measure::Mc,
        Measure::Romc,
        Measure::Cvrc,
        Measure::Vrc,
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
            Measure::Smdh => "SMDH",
            Measure::Smcc => "SMCC",
            Measure::Smcr => "SMCR",
            Measure::Smcrh => "SMCRH",
            Measure::Cor => "COR",
            Measure::Zcor => "ZCOR",
            Measure::Pr => "PR",
            Measure::Plo => "PLO",
            Measure::Pft => "PFT",
            Measure::As => "AS",
            Measure::Irr => "IRR",
            Measure::Ird => "IRD",
            Measure::Irsd => "IRSD",
            Measure::Peto => "PETO",
            Measure::Phi => "PHI",
            Measure::Yuq => "YUQ",
            Measure::Yuy => "YUY",
            Measure::Pbit => "PBIT",
            Measure::Or2dn => "OR2DN",
            Measure::Or2dl => "OR2DL",
            Measure::Smd1 => "SMD1",
            Measure::Smd1h => "SMD1H",
            Measure::Cvr => "CVR",
            Measure::Vr => "VR",
            Measure::Rpb => "RPB",
            Measure::Rbis => "RBIS",
            Measure::D2orn => "D2ORN",
            Measure::D2orl => "D2ORL",
            Measure::Ucor => "UCOR",
            Measure::Pln => "PLN",
            Measure::Pas => "PAS",
            Measure::Ir => "IR",
            Measure::Irln => "IRLN",
            Measure::Irs => "IRS",
            Measure::Irft => "IRFT",
            Measure::Mn => "MN",
            Measure::Mnln => "MNLN",
            Measure::Cvln => "CVLN",
            Measure::Sdln => "SDLN",
            Measure::Smn => "SMN",
            Measure::Mc => "MC",
            Measure::Romc => "ROMC",
            Measure::Cvrc => "CVRC",
            Measure::Vrc => "VRC",
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
            Measure::Smdh => "standardised mean difference (heteroscedastic SDs)",
            Measure::Smcc => "standardised mean change (change-score standardisation)",
            Measure::Smcr => "standardised mean change (raw-score standardisation)",
            Measure::Smcrh => {
                "standardised mean change (raw-score standardisation, heteroscedastic)"
            }
            Measure::Cor => "correlation",
            Measure::Zcor => "Fisher's z-transformed correlation",
            Measure::Pr => "proportion",
            Measure::Plo => "logit-transformed proportion",
            Measure::Pft => "Freeman-Tukey double arcsine transformed proportion",
            Measure::As => "arcsine square-root transformed risk difference",
            Measure::Irr => "incidence rate ratio",
            Measure::Ird => "incidence rate difference",
            Measure::Irsd => "square root transformed incidence rate difference",
            Measure::Peto => "odds ratio (Peto)",
            Measure::Phi => "phi coefficient",
            Measure::Yuq => "Yule's Q",
            Measure::Yuy => "Yule's Y",
            Measure::Pbit => "probit transformed risk difference",
            Measure::Or2dn => "standardised mean difference (from the odds ratio, normal)",
            Measure::Or2dl => "standardised mean difference (from the odds ratio, logistic)",
            Measure::Smd1 => "standardised mean difference (control-group SD)",
            Measure::Smd1h => "standardised mean difference (control-group SD, heteroscedastic)",
            Measure::Cvr => "coefficient of variation ratio",
            Measure::Vr => "variability ratio",
            Measure::Rpb => "point-biserial correlation",
            Measure::Rbis => "biserial correlation",
            Measure::D2orn => "odds ratio (from the SMD, normal)",
            Measure::D2orl => "odds ratio (from the SMD, logistic)",
            Measure::Ucor => "correlation (bias-corrected)",
            Measure::Pln => "proportion",
            Measure::Pas => "arcsine square-root transformed proportion",
            Measure::Ir => "incidence rate",
            Measure::Irln => "incidence rate",
            Measure::Irs => "square root transformed incidence rate",
            Measure::Irft => "Freeman-Tukey transformed incidence rate",
            Measure::Mn => "mean",
            Measure::Mnln => "mean",
            Measure::Cvln => "coefficient of variation",
            Measure::Sdln => "standard deviation",
            Measure::Smn => "standardised mean",
            Measure::Mc => "mean change",
            Measure::Romc => "ratio of means (matched)",
            Measure::Cvrc => "coefficient of variation ratio (matched)",
            Measure::Vrc => "variability ratio (matched)",
            Measure::Gen => "effect size",
        }
    }

    /// True for measures analysed on the log scale (OR, RR, ROM, IRR), which are
    /// back-transformed with `exp` for display.
    pub fn is_log_scale(self) -> bool {
        matches!(
            self,
            Measure::Or | Measure::Rr | Measure::Rom | Measure::Irr
        ) || self.is_log_scale_more()
    }

    /// Which data the measure needs.
    pub fn data_kind(self) -> DataKind {
        match self {
            Measure::Smd | Measure::Md | Measure::Rom | Measure::Smdh => DataKind::Continuous,
            Measure::Or | Measure::Rr | Measure::Rd | Measure::As => DataKind::Binary,
            Measure::Smcc | Measure::Smcr | Measure::Smcrh => DataKind::Change,
            Measure::Cor | Measure::Zcor => DataKind::Correlation,
            Measure::Pr | Measure::Plo | Measure::Pft => DataKind::Proportion,
            Measure::Irr | Measure::Ird | Measure::Irsd => DataKind::Rate,
            Measure::Gen => DataKind::Generic,
            Measure::Peto
            | Measure::Phi
            | Measure::Yuq
            | Measure::Yuy
            | Measure::Pbit
            | Measure::Or2dn
            | Measure::Or2dl => DataKind::Binary,
            Measure::Smd1
            | Measure::Smd1h
            | Measure::Cvr
            | Measure::Vr
            | Measure::Rpb
            | Measure::Rbis
            | Measure::D2orn
            | Measure::D2orl => DataKind::Continuous,
            Measure::Ucor => DataKind::Correlation,
            Measure::Pln | Measure::Pas => DataKind::Proportion,
            Measure::Ir | Measure::Irln | Measure::Irs | Measure::Irft => DataKind::SingleRate,
            Measure::Mn | Measure::Mnln | Measure::Cvln | Measure::Sdln | Measure::Smn => {
                DataKind::Mean
            }
            Measure::Mc | Measure::Romc | Measure::Cvrc | Measure::Vrc => DataKind::Change,
        }
    }
}

impl Measure {
    /// The log-scale measures added with issue 28 (shown with `exp`).
    fn is_log_scale_more(self) -> bool {
        matches!(
            self,
            Measure::Peto
                | Measure::Cvr
                | Measure::Vr
                | Measure::D2orn
                | Measure::D2orl
                | Measure::Pln
                | Measure::Irln
                | Measure::Mnln
                | Measure::Cvln
                | Measure::Sdln
                | Measure::Romc
                | Measure::Cvrc
                | Measure::Vrc
        )
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
                    "unknown measure '{s}': choose one of SMD, MD, ROM, SMDH (continuous arms), OR, RR, RD, AS (2x2 tables), IRR, IRD, IRSD (events and person-time per arm), SMCC, SMCR, SMCRH (pre/post change in one group), COR, ZCOR (correlations), PR, PLO, PFT (proportions of one group), PETO, PHI, YUQ, YUY, PBIT, OR2DN, OR2DL (2x2 tables), SMD1, SMD1H, CVR, VR, RPB, RBIS, D2ORN, D2ORL (continuous arms), UCOR (correlations), PLN, PAS (proportions), IR, IRLN, IRS, IRFT (events and person-time of one group), MN, MNLN, CVLN, SDLN, SMN (mean, SD and size of one group), MC, ROMC, CVRC, VRC (pre/post in one group) or GEN (precomputed yi with vi or sei)"
                ))
            })
    }
}

/// The single-group and pre/post columns the measures read beyond the arm columns of
/// `data::CANONICAL_COLUMNS` (renamable with `--col`).
pub const MEASURE_COLUMNS: [&str; 11] = [
    "events",
    "person_time",
    "mean",
    "sd",
    "ri",
    "mean_post",
    "sd_post",
    "mean_pre",
    "sd_pre",
    "person_time_t",
    "person_time_c",
];

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
    /// Conversions from reported statistics and the cluster adjustment.
    pub convert: super::ConvertOptions,
}

impl Default for EffectOptions {
    fn default() -> Self {
        EffectOptions {
            vtype: VarianceType::Ls,
            add: 0.5,
            to: AddTo::Only0,
            drop00: false,
            strict: false,
            convert: super::ConvertOptions::default(),
        }
    }
}
