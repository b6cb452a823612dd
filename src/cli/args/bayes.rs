//! The arguments of `meta --bayes` (Bayesian random-effects meta-analysis).

use clap::Args;

/// `--bayes` and its priors, interval type and thresholds.
#[derive(Args)]
pub struct BayesArgs {
    /// Also fit the Bayesian random-effects model (the normal-normal hierarchical model as R's
    /// bayesmeta, computed exactly by adaptive quadrature): posterior summaries of tau, mu and
    /// a new study's effect, P(mu > 0), the marginal likelihood and Bayes factors, and each
    /// study's shrinkage estimate (JSON key `bayes`).
    #[arg(long, conflicts_with_all = ["random", "mods"])]
    pub bayes: bool,
    /// With --bayes: the prior for the heterogeneity tau. uniform (improper; default);
    /// half-normal:S; half-cauchy:S; half-t:DF,S; exponential:RATE; log-normal-tau2:M,S (log
    /// tau^2 ~ N(M, S^2)); log-t-tau2:DF,M,S (log tau^2 ~ M + S t_DF); jeffreys (improper);
    /// i2 (uniform on I^2); shrinkage (uniform shrinkage); dumouchel;
    /// turner:OUTCOME,COMPARISON or turner:any (Turner et al. 2015, log-normal on tau^2 for
    /// log odds ratios) with OUTCOME one of all-cause-mortality, obstetric,
    /// cause-specific-mortality, resource-use, surgical, withdrawals, internal-structure,
    /// general-physical-health, adverse-events, infection, signs-symptoms, pain,
    /// quality-of-life, mental-health, biological-markers, subjective and COMPARISON one of
    /// pharma-placebo, pharma-pharma, nonpharma-placebo, nonpharma-pharma,
    /// nonpharma-nonpharma; rhodes:OUTCOME,COMPARISON[,AREA] or rhodes:any (Rhodes et al.
    /// 2015, log-t5 on tau^2 for SMDs) with OUTCOME one of obstetric, resource-use,
    /// internal-structure, general-physical-health, signs-symptoms, mental-health,
    /// biological-marker, subjective, COMPARISON one of pharma-placebo, pharma-pharma,
    /// nonpharma, and AREA one of other (default), respiratory, cancer.
    #[arg(
        long,
        value_name = "PRIOR",
        default_value = "uniform",
        requires = "bayes"
    )]
    pub tau_prior: String,
    /// With --bayes: the prior for the overall effect mu: flat (improper; default) or
    /// normal:MEAN,SD.
    #[arg(
        long,
        value_name = "PRIOR",
        default_value = "flat",
        requires = "bayes",
        allow_hyphen_values = true
    )]
    pub mu_prior: String,
    /// With --bayes: central (equal tails; default) or shortest credible intervals (at
    /// --level).
    #[arg(long, value_name = "TYPE", default_value = "central", requires = "bayes",
          value_parser = ["central", "shortest"])]
    pub interval: String,
    /// With --bayes: report P(mu > X) for each X (e.g. a minimally important difference).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X[,X...]",
        requires = "bayes",
        allow_hyphen_values = true
    )]
    pub prob_above: Vec<f64>,
}

/// `reanalyse --bayes`: the Bayesian fit per group on a fixed quadrature rule (central
/// intervals at --level).
#[derive(Args)]
pub struct BulkBayesArgs {
    /// Fit the Bayesian random-effects model (as meta --bayes, on a fixed quadrature rule that
    /// agrees with it to 1e-6) to each group instead of rma.uni. The columns become k,
    /// mu_mean, mu_sd, mu_median, mu_ci_lower, mu_ci_upper, tau_mean, tau_median,
    /// tau_ci_lower, tau_ci_upper, pi_lower, pi_upper (a new study's effect), prob_mu_gt_0 and
    /// prob_mu_gt_X per --prob-above X; central intervals at --level.
    #[arg(long = "bayes", conflicts_with = "random")]
    pub bayes: bool,
    /// With --bayes: the prior for tau, as meta --tau-prior (uniform, half-normal:S,
    /// half-cauchy:S, half-t:DF,S, exponential:RATE, log-normal-tau2:M,S, log-t-tau2:DF,M,S,
    /// jeffreys, i2, shrinkage, dumouchel, turner:..., rhodes:...).
    #[arg(
        long,
        value_name = "PRIOR",
        default_value = "uniform",
        requires = "bayes"
    )]
    pub tau_prior: String,
    /// With --bayes: the prior for mu: flat (default) or normal:MEAN,SD.
    #[arg(
        long,
        value_name = "PRIOR",
        default_value = "flat",
        requires = "bayes",
        allow_hyphen_values = true
    )]
    pub mu_prior: String,
    /// With --bayes: also give P(mu > X) for each X (columns prob_mu_gt_X).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X[,X...]",
        requires = "bayes",
        allow_hyphen_values = true
    )]
    pub prob_above: Vec<f64>,
}
