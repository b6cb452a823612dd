//! The scalar results of one fit ([`Summary`]) and the one definition of their output columns
//! ([`Summary::COLUMNS`]): the JSON keys, the CSV columns of `meta --format csv` and the result
//! columns of bulk reanalysis all come from it.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// Scalar results of one fit. Undefined values are NaN (JSON `null`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Number of studies.
    pub k: usize,
    /// Pooled estimate (analysis scale).
    pub estimate: f64,
    /// Its standard error (Knapp–Hartung adjusted under `knha`).
    pub se: f64,
    /// Lower confidence limit.
    pub ci_lower: f64,
    /// Upper confidence limit.
    pub ci_upper: f64,
    /// z statistic, or t under Knapp–Hartung.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// τ² estimate.
    pub tau2: f64,
    /// Q-profile lower limit for τ².
    pub tau2_ci_lower: f64,
    /// Q-profile upper limit for τ².
    pub tau2_ci_upper: f64,
    /// τ = √τ².
    pub tau: f64,
    /// I² (percent).
    pub i2: f64,
    /// Lower limit for I² (percent).
    pub i2_ci_lower: f64,
    /// Upper limit for I² (percent).
    pub i2_ci_upper: f64,
    /// H².
    pub h2: f64,
    /// Cochran's Q.
    pub q: f64,
    /// Degrees of freedom of Q (k − 1).
    pub q_df: usize,
    /// p-value of Q.
    pub q_p: f64,
    /// Lower prediction limit.
    pub pi_lower: f64,
    /// Upper prediction limit.
    pub pi_upper: f64,
    /// Iterations used by an iterative τ² estimator (0 for closed forms).
    pub iterations: usize,
    /// How τ² was obtained.
    pub converged_by: Convergence,
    /// Degrees of freedom of the t reference distribution (NaN for z).
    pub df: f64,
    /// Lower limit for H².
    pub h2_ci_lower: f64,
    /// Upper limit for H².
    pub h2_ci_upper: f64,
    /// Sum of the model weights `Σ 1/(v_i + τ²)` (per-study weight % = 100·w_i/Σw).
    pub sum_w: f64,
}

/// How the τ² estimate was obtained (JSON `converged_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Convergence {
    /// A closed-form estimator (EE, DL, HE, HS, SJ), or k = 1.
    #[default]
    ClosedForm,
    /// τ² was fixed by the caller.
    Fixed,
    /// The likelihood iteration converged on its own: Newton steps where the (restricted)
    /// log-likelihood is concave, Fisher scoring steps elsewhere (metafor uses Fisher scoring
    /// throughout; both reach the same maximum).
    Scoring,
    /// Fisher scoring needed bisection steps inside the bracket around the maximum (where
    /// plain Fisher scoring oscillates and metafor needs `stepadj`).
    Bracketed,
    /// A root of the generalised Q equation (PM, and EB's equivalent), safeguarded Newton.
    RootFinding,
    /// The maximum is at the boundary, τ² = 0.
    Boundary,
    /// The (restricted) likelihood has more than one local maximum on `[0, ∞)`: the estimate is
    /// the highest of them, found by a scan of the whole profile (scoring alone can stop at a
    /// lower one; metafor's default can too).
    Multimodal,
}

impl Convergence {
    /// The JSON / CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Convergence::ClosedForm => "closed_form",
            Convergence::Fixed => "fixed",
            Convergence::Scoring => "scoring",
            Convergence::Bracketed => "bracketed",
            Convergence::RootFinding => "root_finding",
            Convergence::Boundary => "boundary",
            Convergence::Multimodal => "multimodal",
        }
    }
}

/// A value of a [`SummaryColumn`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SummaryValue {
    /// A count.
    Int(usize),
    /// A real number (NaN = undefined, JSON `null`).
    Float(f64),
    /// A fixed label.
    Text(&'static str),
}

/// One output column of a [`Summary`].
#[derive(Debug, Clone, Copy)]
pub struct SummaryColumn {
    /// Column (and JSON key) name.
    pub name: &'static str,
    /// Its value in a summary.
    pub get: fn(&Summary) -> SummaryValue,
    /// Whether bulk reanalysis writes it.
    pub bulk: bool,
}

macro_rules! columns {
    ($($name:ident : $kind:ident, $bulk:expr;)*) => {
        [$(SummaryColumn {
            name: stringify!($name),
            get: |s: &Summary| SummaryValue::$kind(s.$name.into()),
            bulk: $bulk,
        }),*]
    };
}

impl Summary {
    /// The output columns, in order: the scalar keys of the JSON contract.
    pub const COLUMNS: [SummaryColumn; 22] = columns! {
        k: Int, true;
        estimate: Float, true;
        se: Float, true;
        ci_lower: Float, true;
        ci_upper: Float, true;
        statistic: Float, true;
        p_value: Float, true;
        tau2: Float, true;
        tau2_ci_lower: Float, true;
        tau2_ci_upper: Float, true;
        tau: Float, false;
        i2: Float, true;
        i2_ci_lower: Float, false;
        i2_ci_upper: Float, false;
        h2: Float, true;
        q: Float, true;
        q_df: Int, false;
        q_p: Float, true;
        pi_lower: Float, true;
        pi_upper: Float, true;
        iterations: Int, true;
        converged_by: Text, true;
    };
}

impl From<Convergence> for &'static str {
    fn from(c: Convergence) -> &'static str {
        c.as_str()
    }
}

impl Summary {
    /// The estimate block of the fit (estimate, SE, CI, statistic, p-value).
    pub fn estimate_block(&self) -> super::Estimate {
        super::Estimate {
            estimate: self.estimate,
            se: self.se,
            ci_lower: self.ci_lower,
            ci_upper: self.ci_upper,
            statistic: self.statistic,
            p_value: self.p_value,
        }
    }
}

impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("Summary", Summary::COLUMNS.len())?;
        for c in &Summary::COLUMNS {
            match (c.get)(self) {
                SummaryValue::Int(n) => st.serialize_field(c.name, &n)?,
                SummaryValue::Float(x) => st.serialize_field(c.name, &x)?,
                SummaryValue::Text(t) => st.serialize_field(c.name, t)?,
            }
        }
        st.end()
    }
}
