//! The forest plot's x axis: the default limits (the studies' confidence intervals with the
//! imprecise studies' whiskers left out, so that one wide interval does not squash the others;
//! they are clipped and marked with arrows), and tick values whose labels never overlap.

use crate::error::{Error, Result, Setting};

/// Estimated width of one character of text at `size` px (the estimate every check of the
/// layout uses: a generous average for Helvetica/Arial digits and letters).
pub(super) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.6
}

/// Minimum gap between two tick labels (px).
pub(super) const TICK_GAP: f64 = 6.0;

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

/// True when no two labels at these analysis-scale positions overlap (with [`TICK_GAP`]).
pub(super) fn labels_fit(scale: &Scale, ticks: &[(f64, String)], size: f64) -> bool {
    ticks.windows(2).all(|w| {
        let (a, b) = (&w[0], &w[1]);
        let right_a = scale.px(a.0) + text_width(&a.1, size) / 2.0;
        let left_b = scale.px(b.0) - text_width(&b.1, size) / 2.0;
        left_b - right_a >= TICK_GAP
    })
}

/// Linear ticks: the smallest nice step (1, 2, 2.5, 5 × 10ⁿ) with at most six intervals whose
/// labels fit; with `snap` the limits widen to multiples of the step (as R's `pretty`).
fn linear_ticks(s: &Scale, snap: bool, size: f64) -> (f64, f64, Vec<(f64, String)>) {
    let span = s.hi - s.lo;
    let mag = 10f64.powf((span / 6.0).log10().floor());
    let steps: Vec<f64> = (0..4)
        .flat_map(|k| {
            [1.0, 2.0, 2.5, 5.0]
                .into_iter()
                .map(move |m| m * mag * 10f64.powi(k))
        })
        .collect();
    let mut fallback = None;
    for step in steps {
        if span / step > 6.0 + 1e-9 {
            continue;
        }
        let (lo, hi) = if snap {
            (
                (s.lo / step - 1e-9).floor() * step,
                (s.hi / step + 1e-9).ceil() * step,
            )
        } else {
            (s.lo, s.hi)
        };
        let trial = Scale {
            lo,
            hi,
            ..s.clone()
        };
        let mut ticks = Vec::new();
        let mut i = (lo / step - 1e-9).ceil();
        while i * step <= hi + 1e-9 * step {
            let v = i * step;
            let v = if v.abs() < 1e-9 * step { 0.0 } else { v };
            ticks.push((v, tick_label(v)));
            i += 1.0;
        }
        if ticks.len() >= 2 && labels_fit(&trial, &ticks, size) {
            return (lo, hi, ticks);
        }
        if fallback.is_none() && ticks.len() >= 2 {
            fallback = Some((lo, hi));
        }
    }
    // nothing fits (a very narrow axis): the two limits only
    let (lo, hi) = fallback.unwrap_or((s.lo, s.hi));
    (lo, hi, vec![(lo, tick_label(lo)), (hi, tick_label(hi))])
}

/// Ratio ticks on a log axis: 1-2-5 per decade, thinned (1-3, 1, every other decade) until the
/// labels fit; a narrow axis (less than a factor 4) gets evenly spaced ratios (0.8, 0.9, 1, …).
/// With `snap` the limits widen to the outermost ticks of the set.
fn log_ticks(s: &Scale, snap: bool, size: f64) -> (f64, f64, Vec<(f64, String)>) {
    let (rlo, rhi) = (s.lo.exp(), s.hi.exp());
    if rhi / rlo < 4.0 {
        // evenly spaced ratios
        let lin = Scale {
            lo: rlo,
            hi: rhi,
            log: false,
            ..s.clone()
        };
        let (a, b, t) = linear_ticks(&lin, snap, size);
        let a = if a <= 0.0 {
            t.iter().map(|x| x.0).find(|x| *x > 0.0).unwrap_or(rlo)
        } else {
            a
        };
        let ticks: Vec<(f64, String)> = t
            .into_iter()
            .filter(|(v, _)| *v > 0.0)
            .map(|(v, l)| (v.ln(), l))
            .collect();
        let out = Scale {
            lo: a.ln(),
            hi: b.ln(),
            ..s.clone()
        };
        if ticks.len() >= 2 && labels_fit(&out, &ticks, size) {
            return (out.lo, out.hi, ticks);
        }
    }
    let sets: [&[f64]; 4] = [&[1.0, 2.0, 5.0], &[1.0, 3.0], &[1.0], &[1.0]];
    let d0 = rlo.log10().floor() as i32 - 1;
    let d1 = rhi.log10().ceil() as i32 + 1;
    let mut last = None;
    for (n, set) in sets.iter().enumerate() {
        let mut cands: Vec<f64> = Vec::new();
        for d in d0..=d1 {
            if n == 3 && d % 2 != 0 {
                continue;
            }
            for m in set.iter() {
                cands.push(m * 10f64.powi(d));
            }
        }
        let (lo, hi) = if snap {
            let lo = cands
                .iter()
                .copied()
                .filter(|c| *c <= rlo * (1.0 + 1e-9))
                .fold(rlo, |_, c| c);
            let hi = cands
                .iter()
                .copied()
                .find(|c| *c >= rhi * (1.0 - 1e-9))
                .unwrap_or(rhi);
            (lo.ln(), hi.ln())
        } else {
            (s.lo, s.hi)
        };
        let trial = Scale {
            lo,
            hi,
            ..s.clone()
        };
        let ticks: Vec<(f64, String)> = cands
            .iter()
            .map(|c| (c.ln(), tick_label(*c)))
            .filter(|(v, _)| !trial.below(*v) && !trial.above(*v))
            .collect();
        if ticks.len() > 8 {
            continue;
        }
        if ticks.len() >= 2 && labels_fit(&trial, &ticks, size) {
            return (lo, hi, ticks);
        }
        last = Some((lo, hi));
    }
    let (lo, hi) = last.unwrap_or((s.lo, s.hi));
    (
        lo,
        hi,
        vec![(lo, tick_label(lo.exp())), (hi, tick_label(hi.exp()))],
    )
}
