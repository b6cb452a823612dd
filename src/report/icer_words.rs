//! The pooled ICER and its Fieller interval in words ("−£108", the unbounded cases said).

use super::fmt::money;
use crate::econ::{FiellerKind, PooledIcer};

/// One sentence: the ICER (or dominance) and its Fieller interval at `level` percent.
///
/// ```
/// use peerstat::econ::{FiellerKind, PooledIcer};
/// use peerstat::report::icer_words::icer_sentence;
/// let r = PooledIcer { icer: -108.0, kind: FiellerKind::TwoRays, lower: -5000.0, upper: 20000.0, correlation: 0.1, df: 4.0 };
/// let s = icer_sentence(&r, 95.0);
/// assert!(s.contains("−£108"));
/// assert!(s.contains("not bounded"));
/// ```
pub fn icer_sentence(r: &PooledIcer, level: f64) -> String {
    let head = format!(
        "Pooled ICER (pooled incremental cost / pooled incremental QALYs): {} per QALY",
        money(r.icer)
    );
    let set = match r.kind {
        FiellerKind::Bounded => format!(
            "{level}% Fieller interval {} to {} per QALY",
            money(r.lower),
            money(r.upper)
        ),
        FiellerKind::TwoRays => format!(
            "the {level}% Fieller interval is not bounded: ICERs up to {} or from {} per QALY are compatible with the data (the QALY difference is not significantly different from zero)",
            money(r.lower),
            money(r.upper)
        ),
        FiellerKind::WholeLine => format!(
            "the {level}% Fieller interval is not bounded: every ICER is compatible with the data (neither the cost nor the QALY difference is estimated precisely enough)"
        ),
    };
    let sign = if r.icer < 0.0 {
        " A negative ICER is not ranked: read the incremental cost and QALYs (below zero cost with QALYs gained: dominant)."
    } else {
        ""
    };
    format!(
        "{head}; {set} (t on {:.0} df; correlation of pooled cost and QALYs {:.2}).{sign}",
        r.df, r.correlation
    )
}
