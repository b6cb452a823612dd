//! The publication-bias criterion with the bias-adjusted estimates (issue #26 §2).
//!
//! **Rule.** Serious (one level down) when the small-study test (Egger's regression test, or
//! the Egger sandwich test for dependent effects) gives p < `publication_bias_p` (0.10) **and**
//! the three-parameter selection model or the PET-PEESE estimate *moves* the pooled effect:
//! it lies across the null or a minimal important difference from it, or differs from it by
//! more than `small_k.publication_bias_shift` (half) of its size. Funnel asymmetry whose
//! adjustment leaves the conclusion standing is not serious. Without any adjusted estimate (the
//! selection model has no maximum and PET-PEESE cannot be fitted), or with
//! `publication_bias_shift = 0`, Egger's test alone decides, as before.
//!
//! Source: GRADE guidelines 5 (Guyatt et al. 2011, J Clin Epidemiol 64:1277) ask whether
//! publication bias would change the conclusion, not only whether the funnel is asymmetric;
//! the combination of a small-study test with selection-model and PET-PEESE sensitivity
//! analyses follows Carter et al. (2019, AMPPS 2:115) and the Cochrane Handbook (chapter 13,
//! v6.4), which advise reading several adjustments together because each is unreliable alone.

use super::super::domain::DomainResult;
use super::records::Judgement;

/// The publication-bias judgement of Egger's test `egger`, tempered by the adjusted estimates
/// of `d` by the rule above.
pub(super) fn with_adjusted(mut egger: Judgement, d: &DomainResult) -> Judgement {
    let Some(a) = &d.bias_adjusted else {
        return egger;
    };
    match (egger.levels, a.moves) {
        (0, _) => {
            egger.reason.push_str(&format!(
                "; the bias-adjusted estimates (which count only beside a small-study test below the threshold): {}",
                a.moves_reason
            ));
        }
        (_, None) => {
            egger.reason.push_str(&format!("; {}", a.moves_reason));
        }
        (_, Some(true)) => {
            egger.reason.push_str(&format!(
                "; and a bias-adjusted estimate changes the conclusion ({}): serious",
                a.moves_reason
            ));
        }
        (_, Some(false)) => {
            egger.levels = 0;
            egger.reason.push_str(&format!(
                "; but the bias-adjusted estimates leave the conclusion standing ({}): not serious",
                a.moves_reason
            ));
        }
    }
    egger
}
