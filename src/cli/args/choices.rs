//! Enumerated flags: clap value enums mirroring the library's enums (their spellings from the
//! library's `NAMES` where it lists them), and the parser that explains a bad value in the
//! library's words.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::ValueEnum;

use peerstat::diag::{EggerModel, Side, TrimFillEstimator};
use peerstat::econ::table::Shape;
use peerstat::econ::voi::{EvppiMethod, EvsiMethod};
use peerstat::econ::Timing;
use peerstat::effect::{AddTo, Measure, VarianceType};
use peerstat::model::multilevel::MultilevelDfs;
use peerstat::model::multilevel::Structure;
use peerstat::model::network::RandomCi;
use peerstat::model::parse::primary_names;
use peerstat::model::robust::RobustType;
use peerstat::model::{I2Method, PiMethod, Tau2Method};

/// A value parser for an enumerated flag: accepts the [`ValueEnum`] names and aliases (any case),
/// lists them in `--help`, and on a bad value prints the library's explanation.
#[derive(Clone)]
pub struct Choice<E> {
    explain: fn(&str) -> String,
    _e: std::marker::PhantomData<E>,
}

/// The parser for `E`, explaining bad values with `explain`.
pub fn choice<E>(explain: fn(&str) -> String) -> Choice<E> {
    Choice {
        explain,
        _e: std::marker::PhantomData,
    }
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for Choice<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<E, clap::Error> {
        let s = value.to_string_lossy();
        E::from_str(s.trim(), true).map_err(|_| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("{}\n", (self.explain)(&s)),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// The library's message for a value its parser rejects.
pub fn lib_msg<T: std::str::FromStr<Err = peerstat::Error>>(s: &str) -> String {
    s.parse::<T>()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

pub fn measure_msg(s: &str) -> String {
    lib_msg::<Measure>(s)
}
pub fn method_msg(s: &str) -> String {
    lib_msg::<Tau2Method>(s).replace(" or PM", ", PM, MH or PETO")
}
pub fn vtype_msg(s: &str) -> String {
    lib_msg::<VarianceType>(s)
}
pub fn to_msg(s: &str) -> String {
    lib_msg::<AddTo>(s)
}
pub fn ci_scale_msg(s: &str) -> String {
    lib_msg::<peerstat::effect::CiScale>(s)
}
pub fn cluster_adjust_msg(s: &str) -> String {
    lib_msg::<peerstat::effect::ClusterAdjust>(s)
}
pub fn pi_msg(s: &str) -> String {
    lib_msg::<PiMethod>(s)
}
pub fn random_ci_msg(s: &str) -> String {
    lib_msg::<RandomCi>(s)
}
pub fn i2_msg(s: &str) -> String {
    lib_msg::<I2Method>(s)
}
pub fn shape_msg(s: &str) -> String {
    Shape::parse(s)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}
pub fn evppi_method_msg(s: &str) -> String {
    EvppiMethod::parse(s)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}
pub fn evsi_method_msg(s: &str) -> String {
    EvsiMethod::parse(s)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}
pub fn timing_msg(s: &str) -> String {
    format!(
        "--timing must be {}, got '{s}'",
        primary_names(Timing::NAMES)
    )
}
pub fn egger_msg(s: &str) -> String {
    format!(
        "--egger must be {}, got '{s}'",
        primary_names(EggerModel::NAMES)
    )
}
pub fn estimator_msg(s: &str) -> String {
    format!(
        "--estimator must be {}, got '{s}'",
        primary_names(TrimFillEstimator::NAMES)
    )
}
pub fn robust_type_msg(s: &str) -> String {
    format!("the cluster-robust estimator must be CR2 (clubSandwich) or CR1 (metafor's default) or CR0 (metafor's adjust = FALSE), got '{s}'")
}
pub fn struct_msg(s: &str) -> String {
    format!("--struct must be CS, HCS, UN, AR, HAR, DIAG or ID, got '{s}'")
}
pub fn dfs_msg(s: &str) -> String {
    format!("the degrees of freedom of t tests must be residual (k - p) or contain (metafor's containment method), got '{s}'")
}
pub fn side_msg(s: &str) -> String {
    format!("--side must be {}, got '{s}'", primary_names(Side::NAMES))
}

/// Defines a clap value enum mirroring a library enum, with `From` into it.
macro_rules! value_enum {
    ($(#[$m:meta])* $name:ident => $lib:ty { $($(#[$vm:meta])* $v:ident => $lv:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
        pub enum $name { $($(#[$vm])* $v),* }
        impl From<$name> for $lib {
            fn from(a: $name) -> $lib {
                match a { $($name::$v => $lv),* }
            }
        }
    };
}

/// Defines a clap value enum for a library enum that lists its own spellings (`NAMES`: the first
/// spelling of a value is its name, the others hidden aliases), with `From` into it: the names
/// come from the library, one list for the command line and Python.
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident => $lib:ty { $($v:ident => $lv:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($v),* }
        impl From<$name> for $lib {
            fn from(a: $name) -> $lib {
                match a { $($name::$v => $lv),* }
            }
        }
        impl ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($name::$v),*]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                let lib = <$lib>::from(*self);
                let mut names = <$lib>::NAMES.iter().filter(|(_, v)| *v == lib).map(|(n, _)| *n);
                Some(PossibleValue::new(names.next()?).aliases(names))
            }
        }
    };
}

value_enum!(
    /// `--measure`.
    MeasureArg => Measure {
        #[value(name = "SMD")] Smd => Measure::Smd,
        #[value(name = "MD")] Md => Measure::Md,
        #[value(name = "ROM")] Rom => Measure::Rom,
        #[value(name = "OR")] Or => Measure::Or,
        #[value(name = "RR")] Rr => Measure::Rr,
        #[value(name = "RD")] Rd => Measure::Rd,
        #[value(name = "SMDH")] Smdh => Measure::Smdh,
        #[value(name = "SMCC")] Smcc => Measure::Smcc,
        #[value(name = "SMCR")] Smcr => Measure::Smcr,
        #[value(name = "SMCRH")] Smcrh => Measure::Smcrh,
        #[value(name = "COR")] Cor => Measure::Cor,
        #[value(name = "ZCOR")] Zcor => Measure::Zcor,
        #[value(name = "PR")] Pr => Measure::Pr,
        #[value(name = "PLO")] Plo => Measure::Plo,
        #[value(name = "PFT")] Pft => Measure::Pft,
        #[value(name = "AS")] As => Measure::As,
        #[value(name = "IRR")] Irr => Measure::Irr,
        #[value(name = "IRD")] Ird => Measure::Ird,
        #[value(name = "IRSD")] Irsd => Measure::Irsd,
        #[value(name = "PETO")] Peto => Measure::Peto,
        #[value(name = "PHI")] Phi => Measure::Phi,
        #[value(name = "YUQ")] Yuq => Measure::Yuq,
        #[value(name = "YUY")] Yuy => Measure::Yuy,
        #[value(name = "PBIT")] Pbit => Measure::Pbit,
        #[value(name = "OR2DN")] Or2dn => Measure::Or2dn,
        #[value(name = "OR2DL")] Or2dl => Measure::Or2dl,
        #[value(name = "SMD1")] Smd1 => Measure::Smd1,
        #[value(name = "SMD1H")] Smd1h => Measure::Smd1h,
        #[value(name = "CVR")] Cvr => Measure::Cvr,
        #[value(name = "VR")] Vr => Measure::Vr,
        #[value(name = "RPB")] Rpb => Measure::Rpb,
        #[value(name = "RBIS")] Rbis => Measure::Rbis,
        #[value(name = "D2ORN")] D2orn => Measure::D2orn,
        #[value(name = "D2ORL")] D2orl => Measure::D2orl,
        #[value(name = "UCOR")] Ucor => Measure::Ucor,
        #[value(name = "PLN")] Pln => Measure::Pln,
        #[value(name = "PAS")] Pas => Measure::Pas,
        #[value(name = "IR")] Ir => Measure::Ir,
        #[value(name = "IRLN")] Irln => Measure::Irln,
        #[value(name = "IRS")] Irs => Measure::Irs,
        #[value(name = "IRFT")] Irft => Measure::Irft,
        #[value(name = "MN")] Mn => Measure::Mn,
        #[value(name = "MNLN")] Mnln => Measure::Mnln,
        #[value(name = "CVLN")] Cvln => Measure::Cvln,
        #[value(name = "SDLN")] Sdln => Measure::Sdln,
        #[value(name = "SMN")] Smn => Measure::Smn,
        #[value(name = "MC")] Mc => Measure::Mc,
        #[value(name = "ROMC")] Romc => Measure::Romc,
        #[value(name = "CVRC")] Cvrc => Measure::Cvrc,
        #[value(name = "VRC")] Vrc => Measure::Vrc,
        #[value(name = "GEN")] Gen => Measure::Gen,
    }
);

/// `--method`: a τ² estimator, or a common-effect method for 2×2 tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Common (equal) effect.
    #[value(name = "EE", alias = "FE", alias = "CE")]
    Ee,
    /// DerSimonian-Laird.
    #[value(name = "DL")]
    Dl,
    /// Hedges.
    #[value(name = "HE")]
    He,
    /// Hunter-Schmidt.
    #[value(name = "HS")]
    Hs,
    /// Sidik-Jonkman.
    #[value(name = "SJ")]
    Sj,
    /// Maximum likelihood.
    #[value(name = "ML")]
    Ml,
    /// Restricted maximum likelihood.
    #[value(name = "REML")]
    Reml,
    /// Empirical Bayes.
    #[value(name = "EB")]
    Eb,
    /// Paule-Mandel.
    #[value(name = "PM")]
    Pm,
    /// Mantel-Haenszel (2x2 tables; OR, RR, RD).
    #[value(name = "MH")]
    Mh,
    /// Peto's one-step odds ratio (2x2 tables; OR).
    #[value(name = "PETO")]
    Peto,
}

impl MethodArg {
    /// The τ² estimator, or `None` for MH / PETO.
    pub fn tau2(self) -> Option<Tau2Method> {
        Some(match self {
            MethodArg::Ee => Tau2Method::Ee,
            MethodArg::Dl => Tau2Method::Dl,
            MethodArg::He => Tau2Method::He,
            MethodArg::Hs => Tau2Method::Hs,
            MethodArg::Sj => Tau2Method::Sj,
            MethodArg::Ml => Tau2Method::Ml,
            MethodArg::Reml => Tau2Method::Reml,
            MethodArg::Eb => Tau2Method::Eb,
            MethodArg::Pm => Tau2Method::Pm,
            MethodArg::Mh | MethodArg::Peto => return None,
        })
    }
}

value_enum!(
    /// `--fsn-type`.
    FsnTypeArg => peerstat::diag::FsnType {
        Rosenthal => peerstat::diag::FsnType::Rosenthal,
        Fisher => peerstat::diag::FsnType::Fisher,
        Stouffer => peerstat::diag::FsnType::Stouffer,
        Orwin => peerstat::diag::FsnType::Orwin,
        OrwinWeighted => peerstat::diag::FsnType::OrwinWeighted,
        Rosenberg => peerstat::diag::FsnType::Rosenberg,
        General => peerstat::diag::FsnType::General,
    }
);

value_enum!(
    /// `--vtype`.
    VtypeArg => VarianceType {
        #[value(name = "LS")] Ls => VarianceType::Ls,
        #[value(name = "UB")] Ub => VarianceType::Ub,
    }
);

value_enum!(
    /// `--to`.
    ToArg => AddTo {
        Only0 => AddTo::Only0,
        All => AddTo::All,
        None => AddTo::None,
        If0all => AddTo::If0All,
    }
);

value_enum!(
    /// `--ci-scale`.
    CiScaleArg => peerstat::effect::CiScale {
        Ratio => peerstat::effect::CiScale::Ratio,
        Log => peerstat::effect::CiScale::Log,
    }
);

value_enum!(
    /// `--cluster-adjust`.
    ClusterAdjustArg => peerstat::effect::ClusterAdjust {
        Variance => peerstat::effect::ClusterAdjust::Variance,
        #[value(name = "n")] N => peerstat::effect::ClusterAdjust::EffectiveN,
    }
);

named_enum!(
    /// `--binary-to-smd`.
    BinaryToSmdArg => peerstat::framework::evaluate::BinaryToSmd {
        Logit => peerstat::framework::evaluate::BinaryToSmd::Logit,
        CoxSnell => peerstat::framework::evaluate::BinaryToSmd::CoxSnell,
    }
);

value_enum!(
    /// `--pi`.
    PiArg => PiMethod {
        #[value(alias = "z")] Metafor => PiMethod::Metafor,
        #[value(alias = "higgins", alias = "t")] Riley => PiMethod::Riley,
    }
);

value_enum!(
    /// `network --method-random-ci`.
    RandomCiArg => RandomCi {
        #[value(alias = "z")] Classic => RandomCi::Classic,
        #[value(name = "t-dist", alias = "t")] TDist => RandomCi::TDist,
        #[value(name = "HK", alias = "hakn", alias = "knha")] Hk => RandomCi::Hk,
        #[value(name = "HK-se")] HkSe => RandomCi::HkSe,
    }
);

value_enum!(
    /// `--i2`.
    I2Arg => I2Method {
        #[value(alias = "metafor")] Typical => I2Method::Typical,
        Q => I2Method::Q,
    }
);

named_enum!(
    /// `--egger`.
    EggerArg => EggerModel {
        Rma => EggerModel::Rma,
        Classic => EggerModel::Classic,
    }
);

named_enum!(
    /// `--estimator`.
    EstimatorArg => TrimFillEstimator {
        L0 => TrimFillEstimator::L0,
        R0 => TrimFillEstimator::R0,
    }
);

named_enum!(
    /// `--side`.
    SideArg => Side {
        Left => Side::Left,
        Right => Side::Right,
    }
);

value_enum!(
    /// `--shape`.
    ShapeArg => Shape {
        Strategies => Shape::Strategies,
        #[value(alias = "psa")] Draws => Shape::Draws,
        #[value(alias = "ipd")] Patients => Shape::Patients,
        Arms => Shape::Arms,
    }
);

named_enum!(
    /// `--timing`.
    TimingArg => Timing {
        Start => Timing::Start,
        End => Timing::End,
        Continuous => Timing::Continuous,
    }
);

named_enum!(
    /// `--robust-type`.
    RobustTypeArg => RobustType {
        Cr2 => RobustType::Cr2,
        Cr1 => RobustType::Cr1,
        Cr0 => RobustType::Cr0,
    }
);

value_enum!(
    /// `--struct`.
    StructArg => Structure {
        #[value(name = "CS")] Cs => Structure::Cs,
        #[value(name = "HCS")] Hcs => Structure::Hcs,
        #[value(name = "UN")] Un => Structure::Un,
        #[value(name = "AR")] Ar => Structure::Ar,
        #[value(name = "HAR")] Har => Structure::Har,
        #[value(name = "DIAG")] Diag => Structure::Diag,
        #[value(name = "ID")] Id => Structure::Id,
    }
);

named_enum!(
    /// `--dfs`.
    DfsArg => MultilevelDfs {
        Residual => MultilevelDfs::Residual,
        Contain => MultilevelDfs::Contain,
    }
);

value_enum!(
    /// `cea --evppi-method`.
    EvppiMethodArg => EvppiMethod {
        Gam => EvppiMethod::Gam,
        #[value(alias = "strong-oakley")] So => EvppiMethod::StrongOakley,
        #[value(alias = "sadatsafavi")] Sal => EvppiMethod::Sadatsafavi,
    }
);

value_enum!(
    /// `cea --evsi-method`.
    EvsiMethodArg => EvsiMethod {
        #[value(alias = "gam")] Regression => EvsiMethod::Regression,
        #[value(alias = "mm")] MomentMatching => EvsiMethod::MomentMatching,
    }
);
