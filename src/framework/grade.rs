//! The GRADE certainty level, from very low to high: what the certainty rating
//! ([`super::certainty`]) gives, and what an options file may set as an override.

use serde::{Deserialize, Serialize};

/// A GRADE certainty level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Very low: the true effect is probably markedly different from the estimate.
    #[serde(alias = "very low", alias = "very-low")]
    VeryLow,
    /// Low: the true effect might be markedly different.
    Low,
    /// Moderate: the true effect is probably close to the estimate.
    Moderate,
    /// High: the true effect is similar to the estimate.
    High,
}

impl Certainty {
    /// 1 (very low) to 4 (high).
    fn points(self) -> i32 {
        self as i32 + 1
    }

    /// The level after `down` levels down from `self`, never below very low.
    pub fn down(self, down: u32) -> Certainty {
        match (self.points() - down as i32).max(1) {
            1 => Certainty::VeryLow,
            2 => Certainty::Low,
            3 => Certainty::Moderate,
            _ => Certainty::High,
        }
    }

    /// "high", "moderate", "low", "very low".
    pub fn label(self) -> &'static str {
        match self {
            Certainty::High => "high",
            Certainty::Moderate => "moderate",
            Certainty::Low => "low",
            Certainty::VeryLow => "very low",
        }
    }

    /// ⊕⊕⊕⊕ (high) to ⊕◯◯◯ (very low).
    pub fn symbols(self) -> &'static str {
        match self {
            Certainty::High => "⊕⊕⊕⊕",
            Certainty::Moderate => "⊕⊕⊕◯",
            Certainty::Low => "⊕⊕◯◯",
            Certainty::VeryLow => "⊕◯◯◯",
        }
    }
}
