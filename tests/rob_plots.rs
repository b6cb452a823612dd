//! Risk-of-bias display (issue #13, item 6): RoB 2 domain columns validated in the one pass of
//! codebook validation, the traffic-light plot, the weighted summary plot and the risk-of-bias
//! columns of the forest plot. Each test builds a small dataset for its point.

mod common;

use std::path::PathBuf;

use common::cli::write_csv;
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation};
use peerstat::framework::rob::{Judgement, RobAssessment, Tool};
use peerstat::framework::Codebook;
use peerstat::report::evaluation::svgs;
use peerstat::report::svg;
use peerstat::Error;
use tempfile::TempDir;

fn eval_csv(text: &str) -> Result<Evaluation, Error> {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "data.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    evaluate(
        &mut t,
        &Codebook::builtin(),
        &path,
        None,
        &EvaluateOptions::default(),
    )
}

/// Wellbeing: four studies, one effect each, nearly equal effects (τ̂² = 0, so the weights are
/// 1/vi); spellings `Some`, `unclear`, `SOME CONCERNS`, `Low` exercise the aliases. Mental
/// health: study E with two effects whose judgements differ, and G. Social connection: one
/// study (not pooled).
const DATA: &str = "\
study,outcome_domain,yi,vi,higher_is_better,risk_of_bias,rob_d1,rob_d2,rob_d3,rob_d4,rob_d5
A,wellbeing,0.30,0.04,true,low,low,low,Low,low,low
B,wellbeing,0.32,0.02,true,some concerns,Some,low,low,low,low
C,wellbeing,0.28,0.05,true,high,high,unclear,low,low,
D,wellbeing,0.31,0.025,true,some concerns,low,low,low,low,SOME CONCERNS
E,mental health,0.2,0.03,true,low,low,low,low,low,low
E,mental health,0.4,0.03,true,high,low,high,some,low,low
G,mental health,0.1,0.04,true,low,low,low,low,low,low
H,social connection,0.5,0.05,true,high,high,low,low,low,low
";

fn assessment<'a>(ev: &'a Evaluation, domain: &str) -> &'a RobAssessment {
    ev.risk_of_bias
        .iter()
        .find(|r| r.domain == domain && r.tool == Tool::Rob2)
        .unwrap_or_else(|| panic!("no assessment for {domain}"))
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no file {name}"))
        .1
}

/// Every `rob-dot` mark of an SVG as (study, domain, class).
fn dots(svg: &str) -> Vec<(String, String, String)> {
    let attr = |tag: &str, name: &str| -> String {
        let key = format!("{name}=\"");
        let start = tag.find(&key).unwrap() + key.len();
        tag[start..start + tag[start..].find('"').unwrap()].to_string()
    };
    svg.split("<g class=\"rob-dot ")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            let class = tag[..tag.find('"').unwrap()].to_string();
            (attr(tag, "data-study"), attr(tag, "data-domain"), class)
        })
        .collect()
}

#[test]
fn bad_judgements_are_reported_together_with_row_and_column() {
    let bad = DATA
        .replace(
            "B,wellbeing,0.32,0.02,true,some concerns,Some,low,",
            "B,wellbeing,0.32,0.02,true,some concerns,Some,medium,",
        )
        .replace(
            "G,mental health,0.1,0.04,true,low,low,low,low,low,low",
            "G,mental health,0.1,0.04,true,low,low,low,low,low,probably fine",
        )
        .replace(
            "H,social connection,0.5,0.05,true,high,",
            "H,social connection,0.5,0.05,true,terrible,",
        );
    let e = eval_csv(&bad).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("3 values do not fit the codebook"), "{msg}");
    for (row, col, value) in [
        ("row 2", "rob_d2", "'medium'"),
        ("row 7", "rob_d5", "'probably fine'"),
        ("row 8", "risk_of_bias", "'terrible'"),
    ] {
        let line = msg
            .lines()
            .find(|l| l.contains(value))
            .unwrap_or_else(|| panic!("{value} not reported: {msg}"));
        assert!(line.contains(row), "{line}");
        assert!(line.contains(&format!("column '{col}'")), "{line}");
        assert!(line.contains("allowed: low, some concerns, high"), "{line}");
        assert!(line.contains("unclear"), "aliases listed: {line}");
    }
}

#[test]
fn aliases_read_as_some_concerns_and_studies_take_their_worst_judgement() {
    let ev = eval_csv(DATA).unwrap();
    let w = assessment(&ev, "wellbeing");
    let shorts: Vec<&str> = w.columns.iter().map(|c| c.short.as_str()).collect();
    assert_eq!(shorts, ["D1", "D2", "D3", "D4", "D5", "Overall"]);
    use Judgement::*;
    let by_study: Vec<(&str, &[Judgement])> = w
        .studies
        .iter()
        .map(|s| (s.study.as_str(), s.judgements.as_slice()))
        .collect();
    assert_eq!(
        by_study,
        [
            ("A", &[Low, Low, Low, Low, Low, Low][..]),
            ("B", &[SomeConcerns, Low, Low, Low, Low, SomeConcerns][..]),
            (
                "C",
                &[High, SomeConcerns, Low, Low, NoInformation, High][..]
            ),
            ("D", &[Low, Low, Low, Low, SomeConcerns, SomeConcerns][..]),
        ]
    );
    // E's two effects: per domain the more severe judgement
    let m = assessment(&ev, "mental health");
    assert_eq!(m.studies.len(), 2);
    assert_eq!(m.studies[0].rows, [5, 6]);
    assert_eq!(
        m.studies[0].judgements,
        [Low, High, SomeConcerns, Low, Low, High]
    );
    assert!(m.notes.iter().any(|n| n.contains("most severe")));
}

#[test]
fn traffic_light_has_one_circle_per_study_and_domain_in_its_colour() {
    let ev = eval_csv(DATA).unwrap();
    let files = svgs(&ev);
    let w = assessment(&ev, "wellbeing");
    let s = file(&files, &w.traffic_light);
    let got = dots(s);
    assert_eq!(got.len(), 4 * 6, "4 studies x (5 domains + overall)");
    let expected = [
        ("A", ["low", "low", "low", "low", "low", "low"]),
        (
            "B",
            ["some-concerns", "low", "low", "low", "low", "some-concerns"],
        ),
        (
            "C",
            [
                "high",
                "some-concerns",
                "low",
                "low",
                "no-information",
                "high",
            ],
        ),
        (
            "D",
            ["low", "low", "low", "low", "some-concerns", "some-concerns"],
        ),
    ];
    let mut checked = 0;
    for (study, classes) in expected {
        for (c, short) in ["D1", "D2", "D3", "D4", "D5", "Overall"].iter().enumerate() {
            let d = got
                .iter()
                .find(|(st, dm, _)| st == study && dm == short)
                .unwrap_or_else(|| panic!("no circle for {study} {short}"));
            assert_eq!(d.2, classes[c], "{study} {short}");
            checked += 1;
        }
    }
    assert_eq!(checked, 24);
    // robvis's colours, one per judgement, and a symbol inside each circle
    assert_eq!(
        s.matches("fill=\"#02C100\"").count(),
        16 + 1,
        "low + legend"
    );
    assert_eq!(s.matches("fill=\"#BF0000\"").count(), 2 + 1);
    assert_eq!(s.matches("fill=\"#E2DF07\"").count(), 5 + 1);
    assert_eq!(s.matches("fill=\"#4EA1F7\"").count(), 1 + 1);
    assert!(s.contains(">×</text>") && s.contains(">?</text>") && s.contains(">−</text>"));
    assert!(s.contains("D1: Bias arising from the randomisation process."));
}

#[test]
fn summary_shares_are_the_pooled_weights_by_hand() {
    let ev = eval_csv(DATA).unwrap();
    let d = ev.domains.iter().find(|d| d.domain == "wellbeing").unwrap();
    let fit = d.pooled.as_ref().unwrap();
    assert_eq!(fit.summary.tau2, 0.0, "the weights are 1/vi when tau2 = 0");
    // weights 1/vi: A 25, B 50, C 20, D 40 (total 135)
    let share = |x: f64| x / 135.0;
    let w = assessment(&ev, "wellbeing");
    assert!(w.weighted);
    let expected: [(&str, [f64; 4]); 6] = [
        ("D1", [share(65.0), share(50.0), share(20.0), 0.0]),
        ("D2", [share(115.0), share(20.0), 0.0, 0.0]),
        ("D3", [1.0, 0.0, 0.0, 0.0]),
        ("D4", [1.0, 0.0, 0.0, 0.0]),
        ("D5", [share(75.0), share(40.0), 0.0, share(20.0)]),
        ("Overall", [share(25.0), share(90.0), share(20.0), 0.0]),
    ];
    let files = svgs(&ev);
    let s = file(&files, &w.summary_plot);
    let mut checked = 0;
    for (c, (short, p)) in expected.iter().enumerate() {
        for (k, j) in Tool::Rob2.judgements().iter().enumerate() {
            let got = w.shares[c].get(*j);
            assert!(
                (got - p[k]).abs() < 1e-12,
                "{short} {j:?}: {got} vs {}",
                p[k]
            );
            // the bar segment shows the same share (absent when zero)
            let key = format!(
                "class=\"rob-bar {}\" data-domain=\"{short}\" data-judgement=\"{}\" data-share=\"",
                svg::rob_class(*j),
                svg::rob_class(*j)
            );
            match s.find(&key) {
                Some(i) => {
                    let rest = &s[i + key.len()..];
                    let v: f64 = rest[..rest.find('"').unwrap()].parse().unwrap();
                    assert!((v - p[k]).abs() < 1e-12, "{short} {j:?} bar");
                }
                None => assert_eq!(p[k], 0.0, "{short} {j:?}: no bar"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 24);
    assert!(s.contains("weighted by the pooled model"));
    // a domain with one study is not pooled: unweighted, and said so
    let one = assessment(&ev, "social connection");
    assert!(!one.weighted);
    assert_eq!(one.shares[0].get(Judgement::High), 1.0);
    assert!(one.notes.iter().any(|n| n.contains("unweighted")));
    assert!(file(&files, &one.summary_plot).contains("unweighted"));
}

#[test]
fn forest_gains_risk_of_bias_columns_only_when_present() {
    let ev = eval_csv(DATA).unwrap();
    let files = svgs(&ev);
    let d = ev.domains.iter().find(|d| d.domain == "wellbeing").unwrap();
    let forest = file(&files, d.forest.as_ref().unwrap());
    let got = dots(forest);
    assert_eq!(got.len(), 4 * 6);
    assert!(got.contains(&("C".into(), "D5".into(), "no-information".into())));
    assert!(got.contains(&("B".into(), "Overall".into(), "some-concerns".into())));
    assert!(forest.contains(">Risk of bias</text>"));
    // the same data without the domain columns: the plain forest plot, and the reason
    let plain: String = DATA
        .lines()
        .map(|l| l.split(',').take(6).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join("\n");
    let ev2 = eval_csv(&plain).unwrap();
    assert!(ev2.risk_of_bias.is_empty());
    assert!(ev2
        .skipped
        .iter()
        .any(|s| s.section == "risk-of-bias plots" && s.reason.contains("rob_d1")));
    let files2 = svgs(&ev2);
    assert!(!files2.iter().any(|(n, _)| n.starts_with("rob_")));
    let d2 = ev2
        .domains
        .iter()
        .find(|d| d.domain == "wellbeing")
        .unwrap();
    let f2 = file(&files2, d2.forest.as_ref().unwrap());
    assert!(dots(f2).is_empty() && !f2.contains("Risk of bias"));
    let title = "wellbeing";
    // the plain plot, with the "favours" labels of a higher-is-better domain
    let plain = svg::ForestOptions {
        title: Some(title.into()),
        favours: Some(("peer support".into(), "comparator".into())),
        better: Some(svg::Better::Higher),
        ..svg::ForestOptions::default()
    };
    assert_eq!(
        f2,
        svg::forest_plot(d2.pooled.as_ref().unwrap(), None, &plain).unwrap(),
        "without the columns the forest plot is the plain one"
    );
    assert!(f2.contains(">Favours peer support →<"));
}

#[test]
fn demo_domains_agree_with_the_overall_judgement() {
    let (t, _) = peerstat::framework::simulate::simulate_framework(50, 1);
    let overall = t.texts("risk_of_bias");
    let doms: Vec<Vec<Option<String>>> = (1..=5).map(|k| t.texts(&format!("rob_d{k}"))).collect();
    let rank = |s: &str| {
        ["low", "some concerns", "high"]
            .iter()
            .position(|x| *x == s)
    };
    let mut checked = 0;
    for (i, o) in overall.iter().enumerate() {
        let worst = doms
            .iter()
            .map(|d| rank(d[i].as_deref().unwrap()).unwrap())
            .max()
            .unwrap();
        assert_eq!(Some(worst), rank(o.as_deref().unwrap()), "row {}", i + 1);
        checked += 1;
    }
    assert_eq!(checked, t.nrows());
    assert!(checked > 100);
}

/// Two randomised trials judged with RoB 2 and three non-randomised studies with ROBINS-I in one
/// outcome domain (no `robins_overall`: derived as the worst domain).
const MIXED: &str = "\
study,outcome_domain,yi,vi,higher_is_better,risk_of_bias,rob_d1,rob_d2,rob_d3,rob_d4,rob_d5,robins_d1,robins_d2,robins_d3,robins_d4,robins_d5,robins_d6,robins_d7
R1,wellbeing,0.30,0.04,true,low,low,low,low,low,low,,,,,,,
R2,wellbeing,0.31,0.02,true,high,high,low,low,low,low,,,,,,,
N1,wellbeing,0.29,0.05,true,,,,,,,moderate,low,low,low,low,low,Low
N2,wellbeing,0.32,0.025,true,,,,,,,serious,low,critical,low,moderate,low,low
N3,wellbeing,0.30,0.04,true,,,,,,,low,low,low,low,low,low,
";

#[test]
fn robins_i_studies_get_their_own_plots_and_symbols() {
    let ev = eval_csv(MIXED).unwrap();
    let tools: Vec<(Tool, Vec<&str>)> = ev
        .risk_of_bias
        .iter()
        .map(|r| (r.tool, r.studies.iter().map(|s| s.study.as_str()).collect()))
        .collect();
    assert_eq!(
        tools,
        [
            (Tool::Rob2, vec!["R1", "R2"]),
            (Tool::RobinsI, vec!["N1", "N2", "N3"])
        ]
    );
    let r = &ev.risk_of_bias[1];
    assert_eq!(r.columns.len(), 8, "7 domains + overall");
    use Judgement::*;
    assert_eq!(
        r.studies[1].judgements,
        [Serious, Low, Critical, Low, Moderate, Low, Low, Critical],
        "overall derived as the worst"
    );
    assert_eq!(r.studies[2].judgements[6], NoInformation);
    assert!(r.notes.iter().any(|n| n.contains("robins_overall")));
    assert!(r.notes.iter().any(|n| n.contains("3 of the 5 studies")));
    // shares among the ROBINS-I studies, weighted 1/vi (tau2 = 0): N1 20, N2 40, N3 25
    let fit = ev.domains[0].pooled.as_ref().unwrap();
    assert_eq!(fit.summary.tau2, 0.0);
    let d1 = &r.shares[0];
    assert!((d1.get(Moderate) - 20.0 / 85.0).abs() < 1e-12);
    assert!((d1.get(Serious) - 40.0 / 85.0).abs() < 1e-12);
    assert!((d1.get(Low) - 25.0 / 85.0).abs() < 1e-12);
    let files = svgs(&ev);
    let tl = file(&files, &r.traffic_light);
    assert_eq!(r.traffic_light, "robins_traffic_1.svg");
    let got = dots(tl);
    assert_eq!(got.len(), 3 * 8);
    assert!(got.contains(&("N2".into(), "D3".into(), "critical".into())));
    assert!(tl.contains(">!</text>") && tl.contains("fill=\"#820000\""));
    assert!(tl.contains("D1: Bias due to confounding."));
    // the forest plot carries the RoB 2 columns (the first tool) for the trials only
    let forest = file(&files, ev.domains[0].forest.as_ref().unwrap());
    let fd = dots(forest);
    assert_eq!(fd.len(), 2 * 6);
    assert!(fd.iter().all(|d| d.0 == "R1" || d.0 == "R2"));
    // a RoB 2 word in a ROBINS-I column is a validation error naming row and column
    let bad = MIXED.replace("serious,low,critical", "serious,low,some concerns");
    let msg = eval_csv(&bad).unwrap_err().to_string();
    assert!(msg.contains("row 4"), "{msg}");
    assert!(msg.contains("robins_d3"), "{msg}");
    assert!(msg.contains("low, moderate, serious, critical"), "{msg}");
}
