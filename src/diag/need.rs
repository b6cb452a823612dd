//! The smallest number of studies a diagnostic needs.

use crate::effect::EffectSizes;
use crate::error::{Error, Result};

/// Fails with [`Error::TooFew`] when `es` holds fewer than `k` studies for the analysis `what`.
pub(crate) fn need(es: &EffectSizes, k: usize, what: &str) -> Result<()> {
    if es.k() < k {
        Err(Error::TooFew {
            analysis: what.to_string(),
            needed: k,
            found: es.k(),
            unit: "studies",
            note: "; with so few studies the test says nothing".into(),
        })
    } else {
        Ok(())
    }
}
