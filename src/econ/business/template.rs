//! The scenario template `peerstat init --scenario` writes: every key, commented, with
//! placeholder values that run as they are.

/// The template's text (TOML).
///
/// ```
/// use std::path::Path;
/// use peerstat::econ::business::{business_case, Scenario, SCENARIO_TEMPLATE};
/// let s = Scenario::parse(SCENARIO_TEMPLATE, "scenario.toml", Path::new(".")).unwrap();
/// assert_eq!(s.population.uptake.len(), 3);
/// ```
pub const SCENARIO_TEMPLATE: &str = r#"# A business case scenario for `peerstat business-case scenario.toml`.
# PLACEHOLDER VALUES: replace each with your own setting's numbers. Every key is explained in
# docs/src/business-case.md. Amounts in £; an input may be given as { mean = …, sd = … } to make
# it uncertain (gamma for costs, rates and QALYs; beta for a risk).
title = "My service"

[population]
eligible = 1000                  # eligible people per year
uptake = [0.10, 0.20, 0.30]      # share taking part in each year; the list's length is the horizon
# or: uptake = 0.2 (constant), or { from = 0.1, to = 0.4, shape = "linear" | "logistic" },
#     with horizon_years = 5

[programme]
cost_per_participant = 300.0     # £ per participant
fixed_cost_per_year = 20000.0    # £ a year

[outcome]
name = "events"                  # what the programme avoids, in words ("admissions")
measure = "RR"                   # RR or IRR (applied to baseline_rate), OR (needs baseline_risk)
estimate = 0.80                  # the pooled effect on its natural scale, with its 95 % CI
ci_lower = 0.65
ci_upper = 0.98
# tau2 = 0.02                    # between-setting variance (log scale), or pi_lower/pi_upper
# effect_from = "meta.json"      # instead: a `peerstat meta --format json` output, or an
# domain = "admissions"          #   evaluate results.json and the domain's name
baseline_rate = 0.5              # events per person-year without the programme (or baseline_risk)
unit_cost = 2000.0               # £ per event
qaly_per_event = 0.01            # QALYs lost per event (optional)
# qaly_per_participant = 0.005   # QALYs gained per participant (optional)

[appraisal]
discount = 0.035                 # or "green-book"; discount_cost / discount_effect separately
# effect = "prediction"          # or "mean"; default: prediction when τ² is known
wtp = [20000.0, 30000.0]         # £ per QALY
draws = 10000
seed = 1
# sensitivity_range = 0.2        # tornado: fixed inputs ± 20 %

[research]                       # a further two-arm trial of the effect
trial_n = [100, 200, 500, 1000]  # participants per arm
trial_fixed_cost = 100000.0
trial_cost_per_participant = 500.0
# follow_up_years = 1.0
"#;
