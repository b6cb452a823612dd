//! The forest plot's x axis: the default limits (the studies' confidence intervals with the
//! imprecise studies' whiskers left out, so that one wide interval does not squash the others;
//! they are clipped and marked with arrows), and tick values whose labels never overlap.

use crate::error::{Error, Result, Setting};
use crate::report::svg::Axis;

/// The plots' one text-width estimate (DejaVu Sans metrics).
pub(super) use crate::report::svg::text_width;

/// The axis: analysis-scale limits `lo..hi` drawn over pixels `px0..px1`; `log` when values are
/// shown back-transformed with `exp` (ratio measures, or a log-scale estimate shown as exp).
#[derive(Debug, Clone)]
pub(super) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub px0: f64,
    pub px1: f64,
    pub log: bool,
    /// Ticks: (analysis-scale position, label).
    pub ticks: Vec<(f64, String)>,
}

impl Scale {
    /// Pixel position of an analysis-scale value, clamped to the axis.
    pub fn px(&self, v: f64) -> f64 {
        let t = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        self.px0 + t * (self.px1 - self.px0)
    }

    /// True when the analysis-scale value lies outside the axis.
    pub fn below(&self, v: f64) -> bool {
        v < self.lo - 1e-12 * (self.hi - self.lo)
    }

    /// See [`Scale::below`].
    pub fn above(&self, v: f64) -> bool {
        v > self.hi + 1e-12 * (self.hi - self.lo)
    }

    /// A value on the display scale (exp on a log axis).
    pub fn show(&self, v: f64) -> f64 {
        if self.log {
            v.exp()
        } else {
            v
        }
    }
}

/// What the axis is built from.
pub(super) struct AxisSpec<'a> {
    /// Study intervals on the analysis scale: (estimate, lower, upper).
    pub studies: &'a [(f64, f64, f64)],
    /// Intervals that are always inside the default limits (pooled CIs) and values (the null).
    pub always: &'a [f64],
    /// Display-scale limits asked for.
    pub xlim: Option<(f64, f64)>,
    /// Display-scale ticks asked for.
    pub at: &'a [f64],
    /// exp display.
    pub log: bool,
    /// Pixels.
    pub px0: f64,
    /// Pixels.
    pub px1: f64,
    /// Tick label font size.
    pub size: f64,
}

/// Builds the axis.
///
/// # Errors
/// [`Error::Setting`] for limits that are not increasing, or limits and ticks that are not
/// positive on a log axis.
pub(super) fn build(spec: &AxisSpec) -> Result<Scale> {
    let to_analysis = |x: f64| if spec.log { x.ln() } else { x };
    if let Some((a, b)) = spec.xlim {
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Err(Error::setting(
                Setting::Forest,
                format!("the axis limits must be two increasing numbers (got {a}, {b})"),
            ));
        }
        if spec.log && a <= 0.0 {
            return Err(Error::setting(
                Setting::Forest,
                format!(
                    "the axis shows ratios (log scale): its limits must be positive (got {a}, {b})"
                ),
            ));
        }
    }
    if spec
        .at
        .iter()
        .any(|x| !x.is_finite() || (spec.log && *x <= 0.0))
    {
        return Err(Error::setting(
            Setting::Forest,
            if spec.log {
                "the axis shows ratios (log scale): its ticks must be positive numbers"
            } else {
                "the axis ticks must be numbers"
            },
        ));
    }
    let (lo, hi, snap) = match (spec.xlim, spec.at.is_empty()) {
        (Some((a, b)), _) => (to_analysis(a), to_analysis(b), false),
        (None, false) => {
            let (a, b) = spec
                .at
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                    (l.min(to_analysis(x)), h.max(to_analysis(x)))
                });
            if a < b {
                (a, b, false)
            } else {
                (a - 1.0, a + 1.0, false)
            }
        }
        (None, true) => {
            let (a, b) = default_range(spec.studies, spec.always);
            (a, b, true)
        }
    };
    let mut scale = Scale {
        lo,
        hi,
        px0: spec.px0,
        px1: spec.px1,
        log: spec.log,
        ticks: Vec::new(),
    };
    if !spec.at.is_empty() {
        let mut at: Vec<f64> = spec.at.to_vec();
        at.sort_by(f64::total_cmp);
        scale.ticks = at
            .into_iter()
            .map(|x| (to_analysis(x), tick_label(x)))
            .filter(|(v, _)| !scale.below(*v) && !scale.above(*v))
            .collect();
        return Ok(scale);
    }
    let (lo, hi, ticks) = if spec.log {
        log_ticks(&scale, snap, spec.size)
    } else {
        linear_ticks(&scale, snap, spec.size)
    };
    scale.lo = lo;
    scale.hi = hi;
    scale.ticks = ticks;
    Ok(scale)
}

/// The default analysis-scale range: every study's interval except those more than four times
/// as wide as the median interval (their point estimates stay inside), with the `always` values.
pub(super) fn default_range(studies: &[(f64, f64, f64)], always: &[f64]) -> (f64, f64) {
    let mut widths: Vec<f64> = studies
        .iter()
        .map(|s| s.2 - s.1)
        .filter(|w| w.is_finite())
        .collect();
    widths.sort_by(f64::total_cmp);
    let median = if widths.is_empty() {
        f64::INFINITY
    } else {
        let n = widths.len();
        if n % 2 == 1 {
            widths[n / 2]
        } else {
            (widths[n / 2 - 1] + widths[n / 2]) / 2.0
        }
    };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(y, a, b) in studies {
        for v in [y, a, b] {
            if !v.is_finite() {
                continue;
            }
            // a wide interval's bounds stay out; its estimate is always in
            if v != y && b - a > 4.0 * median {
                continue;
            }
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    for &v in always.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (-1.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

/// Label of a tick value: up to four significant decimals, no trailing zeros.
pub(super) fn tick_label(x: f64) -> String {
    let mag = x.abs();
    let decimals = if mag == 0.0 || mag >= 100.0 {
        0
    } else {
        (3 - mag.log10().floor() as i32).clamp(0, 6) as usize
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Linear ticks from the plots' one tick algorithm ([`crate::report::svg::Axis`]: nice 1-2-5
/// steps thinned until the labels fit); with `snap` the limits widen to multiples of the step
/// (as R's `pretty`) and the ticks are chosen again on the widened axis.
fn linear_ticks(s: &Scale, snap: bool, _size: f64) -> (f64, f64, Vec<(f64, String)>) {
    let first = Axis::new(s.lo, s.hi, s.px0, s.px1).labelled_ticks(false);
    if !snap || first.len() < 2 {
        return (s.lo, s.hi, ends_if_few(s.lo, s.hi, first, |x| x));
    }
    let step = first[1].0 - first[0].0;
    let (lo, hi) = (
        (s.lo / step - 1e-9).floor() * step,
        (s.hi / step + 1e-9).ceil() * step,
    );
    let t = Axis::new(lo, hi, s.px0, s.px1).labelled_ticks(false);
    (lo, hi, ends_if_few(lo, hi, t, |x| x))
}

/// At least two ticks: the limits themselves when the algorithm leaves fewer (a very narrow
/// axis); `shown` maps a position to the labelled value.
fn ends_if_few(
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
    shown: impl Fn(f64) -> f64,
) -> Vec<(f64, String)> {
    if ticks.len() >= 2 {
        ticks
    } else {
        vec![(lo, tick_label(shown(lo))), (hi, tick_label(shown(hi)))]
    }
}

/// Ratio ticks on a log axis from the plots' one tick algorithm ([`Axis::ratio_ticks`]: 1-2-5
/// per decade thinned until the labels fit; evenly spaced ratios on a narrow axis). With `snap`
/// the limits widen to the neighbouring 1-2-5 ratios (or, on a narrow axis, to multiples of the
/// ratio step) and the ticks are chosen again.
fn log_ticks(s: &Scale, snap: bool, _size: f64) -> (f64, f64, Vec<(f64, String)>) {
    let first = Axis::new(s.lo, s.hi, s.px0, s.px1).ratio_ticks();
    if !snap || first.len() < 2 {
        return (s.lo, s.hi, ends_if_few(s.lo, s.hi, first, f64::exp));
    }
    let (rlo, rhi) = (s.lo.exp(), s.hi.exp());
    let (lo, hi) = if rhi / rlo < 4.0 {
        let step = first[1].0.exp() - first[0].0.exp();
        let lo = (rlo / step - 1e-9).floor() * step;
        let lo = if lo > 0.0 { lo } else { rlo };
        ((lo).ln(), ((rhi / step + 1e-9).ceil() * step).ln())
    } else {
        let grid = |d: i32| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(d));
        let (d0, d1) = (rlo.log10().floor() as i32, rhi.log10().ceil() as i32);
        let below = (d0 - 1..=d0)
            .flat_map(grid)
            .filter(|c| *c <= rlo * (1.0 + 1e-9))
            .fold(rlo, |_, c| c);
        let above = (d1 - 1..=d1 + 1)
            .flat_map(grid)
            .find(|c| *c >= rhi * (1.0 - 1e-9))
            .unwrap_or(rhi);
        (below.ln(), above.ln())
    };
    let t = Axis::new(lo, hi, s.px0, s.px1).ratio_ticks();
    (lo, hi, ends_if_few(lo, hi, t, f64::exp))
}
