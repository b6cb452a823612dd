//! Incidence rates in `evaluate` (issue #15: "hospital admissions as rates had no measure"): a
//! domain whose rows are all events and person-time is pooled as log rate ratios (shown as rate
//! ratios), equal to metafor's `rma(measure = "IRR", test = "knha")`
//! (`fixtures/metafor/evaluate_rates.R`); rate rows in a domain of other effects cannot share
//! its scale and are listed as not used with the reason.

mod common;

use std::path::Path;

use common::close;
use common::fixtures::reference;
use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::Measure;
use peerstat::framework::evaluate::{evaluate, EvaluateOptions};
use peerstat::framework::Codebook;

#[test]
fn a_domain_of_rates_is_pooled_as_rate_ratios() {
    let p = Path::new("fixtures/evaluate_rates.csv");
    let mut t = read_table(p, &ColumnMap::new()).unwrap();
    let ev = evaluate(
        &mut t,
        &Codebook::builtin(),
        p,
        None,
        &EvaluateOptions::default(),
    )
    .unwrap();
    let want = reference("evaluate_rates.json");
    let su = ev
        .domains
        .iter()
        .find(|d| d.domain == "service use")
        .unwrap();
    assert_eq!(su.measure, Measure::Irr);
    assert_eq!(su.effects.len(), 3);
    let mut n = 0;
    for (j, e) in su.effects.iter().enumerate() {
        close("yi", e.yi, &want["yi"][j], 1e-12, 0.0);
        n += 1;
    }
    let s = &su.pooled.as_ref().unwrap().summary;
    for (got, key) in [
        (s.estimate, "estimate"),
        (s.se, "se"),
        (s.ci_lower, "ci_lower"),
        (s.ci_upper, "ci_upper"),
    ] {
        close(key, got, &want[key], 1e-8, 1e-12);
        n += 1;
    }
    assert_eq!(n, 7);
    assert!(su.summary.contains("IRR = 0.61"), "{}", su.summary);
    assert!(su.scale_note.contains("rate ratios"), "{}", su.scale_note);
    // The wellbeing domain has SMDs: its row of emergency visits as rates is not used, with the
    // reason, and the domain pools the three SMDs.
    let wb = ev.domains.iter().find(|d| d.domain == "wellbeing").unwrap();
    assert_eq!((wb.measure, wb.effects.len()), (Measure::Smd, 3));
    let g = ev.rows_not_used.iter().find(|r| r.study == "G").unwrap();
    assert_eq!(g.row, 7);
    assert!(
        g.reason.contains("incidence rates") && g.reason.contains("'wellbeing'"),
        "{}",
        g.reason
    );
    // rate rows are the measure's own data, not conversions
    assert!(ev.converted.is_empty());
    let html = peerstat::report::html::report_html(&ev, &[]);
    assert!(html.contains("A rate ratio is the rate of events"));
}
