//! The command-line hint for a library error: which flag to change. Library errors speak the
//! library's language (a [`Setting`], a column, a procedure); the hint names the flag.

use peerstat::error::Setting;
use peerstat::Error;

/// The flag that sets each library setting; a setting not listed is set by "the command's
/// options (see --help)".
const FLAGS: &[(Setting, &str)] = &[
    (Setting::Measure, "--measure"),
    (Setting::Method, "--method"),
    (Setting::Level, "--level"),
    (Setting::Prediction, "--pi"),
    (Setting::I2, "--i2"),
    (Setting::StepAdjustment, "--stepadj"),
    (Setting::VarianceType, "--vtype"),
    (Setting::Add, "--add"),
    (Setting::AddTo, "--to"),
    (Setting::ColumnMap, "--col"),
    (Setting::Rho, "--rho"),
    (Setting::Side, "--side"),
    (Setting::OrwinTarget, "--orwin-target"),
    (Setting::Shape, "--shape"),
    (Setting::Wtp, "--wtp or --wtp-grid"),
    (Setting::Reference, "--reference"),
    (Setting::Arms, "--treatment and --control"),
    (
        Setting::DiscountRate,
        "--discount-cost and --discount-effect",
    ),
    (Setting::Timing, "--timing"),
    (Setting::Bootstrap, "--boot"),
    (Setting::Order, "--order"),
    (Setting::Permutations, "--permutations"),
    (Setting::Random, "--random"),
    (Setting::SamplingCovariance, "--vcalc"),
    (Setting::FixedSigma2, "--sigma2"),
    (Setting::FixedTau2, "--tau2"),
    (Setting::FixedRho, "--struct-rho"),
    (Setting::NewMods, "--newmods"),
    (Setting::Contrast, "--contrast"),
    (
        Setting::Direction,
        "--options FILE ([higher_is_better] per outcome) or --assume-higher-is-better",
    ),
    (Setting::RandomCi, "--method-random-ci"),
    (Setting::ClusterAdjust, "--cluster-adjust variance|n"),
    (Setting::Icc, "--icc (a value in [0, 1)) or the icc column"),
    (Setting::CiScale, "--ci-scale ratio|log"),
    (
        Setting::PlotFormat,
        "the plot file's extension (.svg, .png or .pdf)",
    ),
    (Setting::Dpi, "--dpi"),
    (
        Setting::Components,
        "--components-sep, --components-from, --inactive, --interaction or --combination",
    ),
    (Setting::Forest, "--xlim, --at, --sort, --ilab or --transf"),
    (Setting::MaxBlock, "--max-block"),
    (Setting::NewScale, "--newscale"),
    (Setting::PetPeeseAlpha, "--pet-peese-alpha"),
    (
        Setting::Selection,
        "--selmodel, --steps, --delta or --alternative",
    ),
    (
        Setting::Voi,
        "--params, --evppi, --evppi-method, --blocks, --evsi, --evsi-n, --population or --study-cost",
    ),
    (
        Setting::Prior,
        "--tau-prior, --mu-prior, --interval or --prob-above (see peerstat meta --help)",
    ),
    (Setting::Glmm, "--glmm or --nagq (with --model glmm)"),
];

/// The flag that sets a library setting.
fn flag(s: Setting) -> &'static str {
    FLAGS
        .iter()
        .find(|(setting, _)| *setting == s)
        .map_or("the command's options (see --help)", |(_, f)| f)
}

/// The command-line hint for a library error: which flag to change.
pub fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::MissingColumn { canonical, .. } => {
            format!("rename a column with --col {canonical}=ACTUAL")
        }
        Error::Setting { setting, .. } => format!("set it with {}", flag(*setting)),
        Error::UnknownShape { .. } => {
            "rename columns with --col, or name the shape with --shape".into()
        }
        Error::NotFound {
            kind: "strategy", ..
        } => "choose the strategy with --reference".into(),
        Error::NotFound { kind: "arm", .. } => {
            "name the arms with --treatment and --control".into()
        }
        Error::Tau2NotConverged { .. } => {
            "damp the steps with --stepadj 0.5, or choose another --method (PM, DL)".into()
        }
        Error::NotConverged { procedure, .. } if procedure.starts_with("Fisher scoring") => {
            "hold a component with --sigma2 (nested factors) or --tau2/--struct-rho (structured term), drop a --random factor, or try --method ML".into()
        }
        Error::NotConverged { .. } => "try another --method".into(),
        Error::Input { what, .. } if what.starts_with("sampling covariance") => {
            "with --vcalc: give every effect of a cluster its own obs (a row id if need be), check rho and phi, cluster by a column nested in the outermost --random factor; with --vcov-cols: one column per effect of the largest cluster".into()
        }
        Error::Input { what, .. } if what.starts_with("CR2 cluster-robust") => {
            "give --robust a column whose clusters hold whole levels of the outermost --random factor (usually that factor itself), or use --robust-type CR1".into()
        }
        Error::TooFew {
            unit: "clusters", ..
        } => "cluster by a column with more distinct labels (--robust, --cluster), or use fewer --mods"
            .into(),
        _ => return None,
    })
}
