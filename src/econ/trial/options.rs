//! The options of a patient-level trial analysis.

/// Options for patient-level analysis. The default: WTP £20,000 and £30,000, a 95 % level, no
/// bootstrap, seed 1, no covariates.
#[derive(Debug, Clone)]
pub struct PatientOptions {
    /// Willingness-to-pay values.
    pub wtp: Vec<f64>,
    /// Confidence level (percent).
    pub level: f64,
    /// Bootstrap replicates (0 = none).
    pub boot: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Covariates (column values per patient) for the cost equation.
    pub cost_covariates: Vec<Vec<f64>>,
    /// Covariates for the effect equation.
    pub effect_covariates: Vec<Vec<f64>>,
}

impl Default for PatientOptions {
    fn default() -> Self {
        PatientOptions {
            wtp: vec![20_000.0, 30_000.0],
            level: 95.0,
            boot: 0,
            seed: 1,
            cost_covariates: Vec::new(),
            effect_covariates: Vec::new(),
        }
    }
}
