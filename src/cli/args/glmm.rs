//! The arguments of `meta --model glmm` (generalised linear mixed models for counts).

use clap::Args;

/// `--model glmm`, the GLMM and its quadrature.
#[derive(Args)]
pub struct GlmmArgs {
    /// glmm: fit a generalised linear mixed model to the counts instead of pooling effect sizes
    /// (metafor rma.glmm): binomial-normal for --measure OR and PLO, Poisson-normal for IRR.
    /// --method EE for equal effects, ML for random effects (the default REML is read as ML:
    /// rma.glmm has no REML). JSON adds model, glmm, loglik, marginal_loglik, deviance, aic,
    /// bic, aicc, wald_het and lrt_het.
    #[arg(long = "model", value_name = "MODEL", value_parser = ["glmm"],
          conflicts_with_all = ["random", "mods", "by", "bayes"])]
    pub glmm_model: Option<String>,
    /// With --model glmm and two-group data: UM.FS (fixed study effects; default), CM.AL
    /// (conditional, approximate likelihood; OR) or CM.EL (conditional, exact likelihood; IRR).
    #[arg(
        long,
        value_name = "MODEL",
        default_value = "UM.FS",
        requires = "glmm_model"
    )]
    pub glmm: String,
    /// With --model glmm: Gauss-Hermite quadrature points per study (metafor nAGQ; 1 is the
    /// Laplace approximation).
    #[arg(long, value_name = "N", default_value_t = 7, requires = "glmm_model")]
    pub nagq: usize,
}
