//! The result columns of a bulk Bayesian reanalysis (`reanalyse --bayes`): one row per group
//! from its [`BayesRow`].

use super::result::GroupResult;
use crate::data::Column;
use crate::model::bayes::{BayesRow, BulkBayes};

type FloatOf = fn(&BayesRow) -> Option<f64>;

/// The columns every Bayesian run writes after `k`, by name.
const FLOATS: [(&str, FloatOf); 12] = [
    ("mu_mean", |r| r.mu_mean),
    ("mu_sd", |r| r.mu_sd),
    ("mu_median", |r| Some(r.mu_median)),
    ("mu_ci_lower", |r| Some(r.mu_ci_lower)),
    ("mu_ci_upper", |r| Some(r.mu_ci_upper)),
    ("tau_mean", |r| r.tau_mean),
    ("tau_median", |r| Some(r.tau_median)),
    ("tau_ci_lower", |r| Some(r.tau_ci_lower)),
    ("tau_ci_upper", |r| Some(r.tau_ci_upper)),
    ("pi_lower", |r| Some(r.pi_lower)),
    ("pi_upper", |r| Some(r.pi_upper)),
    ("prob_mu_gt_0", |r| Some(r.prob_mu_gt_0)),
];

/// The result column names (without `error`): `k`, [`FLOATS`], then `prob_mu_gt_X` per
/// threshold X.
pub(super) fn columns(b: &BulkBayes) -> Vec<String> {
    std::iter::once("k".to_string())
        .chain(FLOATS.iter().map(|(n, _)| n.to_string()))
        .chain(b.thresholds().iter().map(|x| format!("prob_mu_gt_{x}")))
        .collect()
}

/// The result columns of `results` (without `error`); a failed group's cells are missing, as
/// are infinite moments.
pub(super) fn output_columns(b: &BulkBayes, results: &[GroupResult]) -> Vec<(String, Column)> {
    let rows: Vec<Option<&BayesRow>> = results.iter().map(|r| r.bayes.as_ref()).collect();
    let float = |f: &dyn Fn(&BayesRow) -> Option<f64>| {
        Column::Float(
            rows.iter()
                .map(|r| r.and_then(f).filter(|x| x.is_finite()))
                .collect(),
        )
    };
    let mut out = vec![(
        "k".to_string(),
        Column::Int(rows.iter().map(|r| r.map(|r| r.k as i64)).collect()),
    )];
    for (name, f) in FLOATS {
        out.push((name.to_string(), float(&f)));
    }
    for (i, x) in b.thresholds().iter().enumerate() {
        out.push((
            format!("prob_mu_gt_{x}"),
            float(&|r: &BayesRow| r.prob_mu_above.get(i).copied()),
        ));
    }
    out
}
