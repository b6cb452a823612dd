//! One scale per outcome domain, shared by the report and the evidence-and-gap map: a domain
//! whose effects all come from 2×2 tables is analysed as log odds ratios (shown as odds ratios);
//! any other domain as standardised mean differences, with log odds ratios converted by × √3/π
//! (the logistic distribution's SD, Chinn 2000; the default) or ÷ 1.65 (Cox & Snell 1989, an
//! option: [`BinaryToSmd`]) where binary and continuous data are mixed. A domain whose outcomes share one
//! direction keeps its natural orientation; a domain mixing directions has its lower-is-better
//! effects reversed so that positive means benefit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::effect::{DataKind, Measure, RowEffect};

/// How a log odds ratio is put on the SMD scale in a domain mixing binary and continuous
/// outcomes: `SMD = log OR / c`, variance `/ c²`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryToSmd {
    /// `c = π/√3 ≈ 1.814` (the logistic distribution's SD; Hasselblad & Hedges 1995, Chinn 2000).
    #[default]
    Logit,
    /// `c = 1.65` (Cox & Snell 1989).
    CoxSnell,
}

impl BinaryToSmd {
    /// The divisor `c`.
    pub fn divisor(self) -> f64 {
        match self {
            BinaryToSmd::Logit => std::f64::consts::PI / 3f64.sqrt(),
            BinaryToSmd::CoxSnell => 1.65,
        }
    }

    /// The conversion in words.
    pub fn describe(self) -> &'static str {
        match self {
            BinaryToSmd::Logit => "x sqrt(3)/pi, variance x 3/pi^2 (Chinn 2000)",
            BinaryToSmd::CoxSnell => "/ 1.65, variance / 1.65^2 (Cox and Snell)",
        }
    }
}

/// How a domain's effects are oriented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "orientation")]
pub enum Orientation {
    /// Every outcome is higher-is-better; effects as computed (natural orientation).
    HigherIsBetter,
    /// Every outcome is lower-is-better; effects as computed (natural orientation: fewer
    /// admissions is an odds ratio below 1).
    LowerIsBetter,
    /// The outcomes mix directions: the lower-is-better effects were reversed so that positive
    /// (an odds ratio above 1) means benefit.
    PositiveIsBenefit {
        /// How many effects were reversed.
        reversed: usize,
    },
}

impl Orientation {
    /// +1 when a larger value favours peer support, −1 when a smaller one does.
    pub fn benefit_sign(self) -> f64 {
        match self {
            Orientation::LowerIsBetter => -1.0,
            _ => 1.0,
        }
    }
}

/// The scale and orientation of one domain's effects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DomainScale {
    /// OR when every effect is binary, else SMD.
    pub measure: Measure,
    /// Binary and continuous effects mixed: log odds ratios converted to SMDs.
    pub mixed: bool,
    /// How log odds ratios are converted when mixed.
    pub binary: BinaryToSmd,
    /// How many log odds ratios were converted.
    pub converted: usize,
    /// Natural orientation, or reversed lower-is-better rows.
    pub orientation: Orientation,
}

impl DomainScale {
    /// The scale of the domain made of `rows` (each with its effect and direction).
    pub fn of(
        rows: &[usize],
        effects: &[Option<RowEffect>],
        dirs: &[Option<bool>],
        binary: BinaryToSmd,
    ) -> Self {
        let kinds: Vec<DataKind> = rows
            .iter()
            .filter_map(|&i| effects[i].map(|e| e.kind))
            .collect();
        let higher = rows.iter().filter(|&&i| dirs[i] == Some(true)).count();
        let orientation = if higher == rows.len() {
            Orientation::HigherIsBetter
        } else if higher == 0 {
            Orientation::LowerIsBetter
        } else {
            Orientation::PositiveIsBenefit {
                reversed: rows.len() - higher,
            }
        };
        let all_binary = kinds.iter().all(|k| *k == DataKind::Binary);
        let all_rates = !kinds.is_empty() && kinds.iter().all(|k| *k == DataKind::Rate);
        let mixed = !all_binary && kinds.contains(&DataKind::Binary);
        DomainScale {
            measure: if all_rates {
                Measure::Irr
            } else if all_binary {
                Measure::Or
            } else {
                Measure::Smd
            },
            mixed,
            binary,
            converted: if mixed {
                kinds.iter().filter(|k| **k == DataKind::Binary).count()
            } else {
                0
            },
            orientation,
        }
    }

    /// How the effects were put on this scale, in words.
    pub fn note(&self) -> String {
        if self.measure == Measure::Irr {
            "log incidence rate ratios from events and person-time (reported as rate ratios)".into()
        } else if self.measure == Measure::Or {
            "log odds ratios from 2x2 tables (reported as odds ratios)".into()
        } else if self.mixed {
            format!(
                "standardised mean differences; {} log odds ratio{} converted to the SMD scale ({})",
                self.converted,
                if self.converted == 1 { "" } else { "s" },
                self.binary.describe()
            )
        } else {
            "standardised mean differences (Hedges' g)".into()
        }
    }

    /// A row's (yi, vi) on this scale, given its direction.
    pub fn place(&self, e: &RowEffect, higher_is_better: Option<bool>) -> (f64, f64) {
        let flip = matches!(self.orientation, Orientation::PositiveIsBenefit { .. })
            && higher_is_better == Some(false);
        let y = if flip { -e.yi } else { e.yi };
        if self.mixed && e.kind == DataKind::Binary {
            let c = self.binary.divisor();
            (y / c, e.vi / (c * c))
        } else {
            (y, e.vi)
        }
    }
}

/// Rows of incidence rates (events and person-time) in a domain that also has other kinds of
/// effect cannot be put on one scale with them: their effects are removed, and each such row is
/// returned with the reason. A domain of rates only is analysed as rate ratios.
pub(crate) fn drop_unplaceable(
    effects: &mut [Option<RowEffect>],
    domain: &[Option<String>],
) -> Vec<(usize, String)> {
    let mut kinds: BTreeMap<Option<&str>, (usize, usize)> = BTreeMap::new();
    for (i, e) in effects.iter().enumerate() {
        if let Some(e) = e {
            let k = kinds
                .entry(domain.get(i).and_then(|d| d.as_deref()))
                .or_default();
            if e.kind == DataKind::Rate {
                k.0 += 1;
            } else {
                k.1 += 1;
            }
        }
    }
    let mut out = Vec::new();
    for (i, e) in effects.iter_mut().enumerate() {
        let d = domain.get(i).and_then(|d| d.as_deref());
        if e.is_some_and(|e| e.kind == DataKind::Rate) && kinds.get(&d).is_some_and(|k| k.1 > 0) {
            *e = None;
            out.push((
                i,
                format!(
                    "incidence rates (events and person-time) cannot be pooled with the other effects of{} (SMDs or odds ratios): pool the rates alone as rate ratios (measure IRR), or code them under an outcome domain of their own",
                    d.map_or(" rows without a domain".to_string(), |d| format!(" the domain '{d}'"))
                ),
            ));
        }
    }
    out
}

/// A row's effect for the evidence-and-gap map, on its outcome domain's scale as in the report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapEffect {
    /// Effect (log odds ratio for OR).
    pub yi: f64,
    /// Sampling variance.
    pub vi: f64,
    /// The domain's measure (OR or SMD).
    pub measure: Measure,
    /// Every outcome of the domain is lower-is-better and the effects keep their natural
    /// orientation (a negative SMD or an odds ratio below 1 favours peer support).
    pub lower_is_better: bool,
}

/// Each row's effect on its domain's scale: rows are grouped by `domain` (rows without a domain
/// form one group), and only rows with an effect and a known direction count, as in the report.
pub(crate) fn map_effects_by_domain(
    effects: &[Option<RowEffect>],
    dirs: &[Option<bool>],
    domain: &[Option<String>],
    binary: BinaryToSmd,
) -> Vec<Option<MapEffect>> {
    let mut effects = effects.to_vec();
    drop_unplaceable(&mut effects, domain);
    let effects = effects.as_slice();
    let mut groups: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, e) in effects.iter().enumerate() {
        if e.is_some() && dirs.get(i).copied().flatten().is_some() {
            groups
                .entry(domain.get(i).and_then(|d| d.as_deref()))
                .or_default()
                .push(i);
        }
    }
    let mut out = vec![None; effects.len()];
    for rows in groups.values() {
        let scale = DomainScale::of(rows, effects, dirs, binary);
        for &i in rows {
            if let Some(e) = &effects[i] {
                let (yi, vi) = scale.place(e, dirs[i]);
                out[i] = Some(MapEffect {
                    yi,
                    vi,
                    measure: scale.measure,
                    lower_is_better: scale.orientation == Orientation::LowerIsBetter,
                });
            }
        }
    }
    out
}
