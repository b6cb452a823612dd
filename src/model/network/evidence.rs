//! The evidence behind a network, for its graph: studies and participants per treatment,
//! studies per compared pair and the multi-arm studies (netmeta's `netgraph` inputs).

use serde::Serialize;

use super::Contrast;

/// One compared pair of treatments (indices into [`Evidence::treatments`], `t1 < t2`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceEdge {
    /// First treatment (index).
    pub t1: usize,
    /// Second treatment (index).
    pub t2: usize,
    /// Studies comparing the pair directly.
    pub studies: usize,
}

/// A study with three or more arms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MultiArm {
    /// Study label.
    pub study: String,
    /// Its arms (treatment indices, sorted).
    pub arms: Vec<usize>,
}

/// Studies, participants and direct comparisons of a network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Treatments, sorted as text (as [`super::NetworkFit::treatments`]).
    pub treatments: Vec<String>,
    /// Studies with an arm of each treatment.
    pub studies: Vec<usize>,
    /// Participants randomised to each treatment (when arm-level data give every arm's size).
    pub participants: Option<Vec<f64>>,
    /// Every directly compared pair.
    pub edges: Vec<EvidenceEdge>,
    /// Studies with three or more arms.
    pub multi_arm: Vec<MultiArm>,
}

impl Evidence {
    /// The evidence of a set of contrasts (participants unknown).
    pub fn from_contrasts(data: &[Contrast]) -> Evidence {
        let mut treatments: Vec<String> = data
            .iter()
            .flat_map(|c| [c.treat1.clone(), c.treat2.clone()])
            .collect();
        treatments.sort();
        treatments.dedup();
        let n = treatments.len();
        let idx = |t: &str| {
            treatments
                .binary_search_by(|x| x.as_str().cmp(t))
                .unwrap_or(0)
        };
        // arms of each study, in order of appearance
        let mut studies: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for c in data {
            let (a, b) = (idx(&c.treat1), idx(&c.treat2));
            let s = match studies.iter().position(|s| s.0 == c.study) {
                Some(s) => s,
                None => {
                    studies.push((&c.study, Vec::new()));
                    studies.len() - 1
                }
            };
            for t in [a, b] {
                if !studies[s].1.contains(&t) {
                    studies[s].1.push(t);
                }
            }
            if a != b {
                pairs.push((a.min(b), a.max(b)));
            }
        }
        let mut per_treatment = vec![0; n];
        for (_, arms) in &studies {
            for &t in arms {
                per_treatment[t] += 1;
            }
        }
        pairs.sort_unstable();
        let mut edges: Vec<EvidenceEdge> = Vec::new();
        for (t1, t2) in pairs {
            match edges.last_mut() {
                Some(e) if e.t1 == t1 && e.t2 == t2 => e.studies += 1,
                _ => edges.push(EvidenceEdge { t1, t2, studies: 1 }),
            }
        }
        let multi_arm = studies
            .iter()
            .filter(|s| s.1.len() > 2)
            .map(|(s, arms)| {
                let mut arms = arms.clone();
                arms.sort_unstable();
                MultiArm {
                    study: s.to_string(),
                    arms,
                }
            })
            .collect();
        Evidence {
            treatments,
            studies: per_treatment,
            participants: None,
            edges,
            multi_arm,
        }
    }

    /// With the participants of each arm (`(study, treatment, n)`): the totals per treatment,
    /// kept only when every arm of every study has a finite, non-negative size.
    pub fn with_participants(mut self, arms: &[(String, String, f64)]) -> Evidence {
        let mut total = vec![0.0; self.treatments.len()];
        let mut seen = 0;
        for (_, t, n) in arms {
            if !(n.is_finite() && *n >= 0.0) {
                self.participants = None;
                return self;
            }
            if let Ok(i) = self.treatments.binary_search(t) {
                total[i] += n;
                seen += 1;
            }
        }
        let arms_in_network: usize = self.studies.iter().sum();
        self.participants = (seen == arms_in_network && seen > 0).then_some(total);
        self
    }
}
