//! Why a row of effect-size input yields no effect: a value that cannot be used ([`Bad`], an
//! error) or a row that is omitted ([`Skip`]). The records the row kernel and the per-measure
//! formulas share.

/// Why a row has no effect size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Skip {
    /// A needed value is missing (index into the needed columns).
    Missing(usize),
    /// The effect is undefined for these values (reason).
    Undefined(String),
}

/// A value that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bad {
    /// Index into the needed columns.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}
