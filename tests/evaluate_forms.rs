//! "Which forms of peer support work best?" in `evaluate` (issue #14 item 6): a network
//! meta-analysis of the coded forms (`support_type`) against their comparators (`comparator`,
//! usual care unless coded), equal to `peerstat network` on the same contrasts.

mod common;

use std::path::PathBuf;

use common::cli::write_csv;
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation};
use peerstat::framework::Codebook;
use peerstat::model::network::{Contrast, Network};
use tempfile::TempDir;

/// Six trials: befriending, coaching, mentoring against usual care, and one head-to-head
/// befriending vs coaching trial; trial C reports two outcomes.
const DATA: &str = "study,outcome_domain,outcome,support_type,comparator,yi,vi,higher_is_better
A,wellbeing,WEMWBS,befriending,,0.40,0.02,true
B,wellbeing,WEMWBS,befriending,usual care,0.30,0.03,true
C,wellbeing,WEMWBS,coaching,,0.10,0.02,true
C,wellbeing,SWLS,coaching,,0.20,0.04,true
D,wellbeing,WEMWBS,mentoring,,0.25,0.03,true
E,wellbeing,WEMWBS,mentoring,,0.15,0.025,true
F,wellbeing,WEMWBS,befriending,coaching,0.12,0.05,true
";

fn eval(text: &str) -> Evaluation {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "d.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    evaluate(
        &mut t,
        &Codebook::builtin(),
        &path,
        None,
        &EvaluateOptions::default(),
    )
    .unwrap()
}

fn c(s: &str, a: &str, b: &str, y: f64, v: f64) -> Contrast {
    Contrast {
        study: s.into(),
        treat1: a.into(),
        treat2: b.into(),
        yi: y,
        vi: v,
    }
}

#[test]
fn forms_are_compared_through_a_network() {
    let ev = eval(DATA);
    let f = ev.domains[0].forms.as_ref().expect("a network of forms");
    assert_eq!(f.by, "support_type");
    assert_eq!(f.head_to_head, 1);
    assert_eq!(
        f.fit.treatments,
        ["befriending", "coaching", "mentoring", "usual care"]
    );
    assert_eq!(f.fit.reference, "usual care");
    // By hand: trial C's two effects combined with correlation 0.6.
    let (w1, w2) = (1.0 / 0.02, 1.0 / 0.04);
    let yc = (w1 * 0.10 + w2 * 0.20) / (w1 + w2);
    let vc = (w1 * w1 * 0.02 + w2 * w2 * 0.04 + 2.0 * w1 * w2 * 0.6 * (0.02f64 * 0.04).sqrt())
        / (w1 + w2).powi(2);
    let data = vec![
        c("A", "befriending", "usual care", 0.40, 0.02),
        c("B", "befriending", "usual care", 0.30, 0.03),
        c("C", "coaching", "usual care", yc, vc),
        c("D", "mentoring", "usual care", 0.25, 0.03),
        c("E", "mentoring", "usual care", 0.15, 0.025),
        c("F", "befriending", "coaching", 0.12, 0.05),
    ];
    let want = Network::new().reference("usual care").fit(&data).unwrap();
    let mut checked = 0;
    for (a, b) in f.fit.random.estimates.iter().zip(&want.random.estimates) {
        assert_eq!(a.treatment, b.treatment);
        assert!((a.estimate - b.estimate).abs() < 1e-12, "{}", a.treatment);
        assert!((a.se - b.se).abs() < 1e-12, "{}", a.treatment);
        checked += 1;
    }
    assert_eq!(checked, 4);
    assert!((f.fit.tau2 - want.tau2).abs() < 1e-12);
    assert!(f.note.contains("1 combine several effects"), "{}", f.note);
    // The head-to-head trial F is not an effect of peer support against usual care: the
    // pooled effect leaves it out and says so.
    let d = &ev.domains[0];
    assert_eq!(d.effects.len(), 6);
    assert!(d.effects.iter().all(|e| e.study != "F"));
    assert!(d
        .skipped
        .iter()
        .any(|s| s.section.starts_with("head-to-head") && s.reason.starts_with("1 effect")));
}

#[test]
fn fewer_than_three_forms_is_skipped_with_its_reason() {
    let text = "study,outcome_domain,support_type,yi,vi,higher_is_better
A,wellbeing,befriending,0.40,0.02,true
B,wellbeing,befriending,0.30,0.03,true
";
    let ev = eval(text);
    let d = &ev.domains[0];
    assert!(d.forms.is_none());
    let s = d
        .skipped
        .iter()
        .find(|s| s.section.starts_with("which forms work best"))
        .expect("skipped");
    assert!(s.reason.contains("at least 3"), "{}", s.reason);
}
