//! The certainty rules of issue #27 §1 at each threshold: just below, at and just above, on
//! constructed bodies of evidence whose other criteria do not trip. Studies of equal variance
//! carry equal weights, so the shares are multiples of 1/n; where the quantity is not a simple
//! fraction (robust df, I², prediction interval), the threshold is set in the options file just
//! below, at and just above the value the data give.

mod common;

use std::path::PathBuf;

use common::cli::write_csv;
use peerstat::data::{read_table, ColumnMap};
use peerstat::framework::certainty::{Certainty, Criterion, Finding, Judgement};
use peerstat::framework::evaluate::{evaluate, EvaluateOptions, Evaluation, OptionsFile};
use peerstat::framework::Codebook;
use tempfile::TempDir;

fn eval(text: &str, options: &str) -> Evaluation {
    let dir = TempDir::new().unwrap();
    let path = PathBuf::from(write_csv(&dir, "data.csv", text));
    let mut t = read_table(&path, &ColumnMap::new()).unwrap();
    let opts = EvaluateOptions {
        assume_higher_is_better: true,
        ..EvaluateOptions::default()
    }
    .with_file(
        OptionsFile::parse(options, "opts.toml").unwrap(),
        "opts.toml",
    );
    evaluate(&mut t, &Codebook::builtin(), &path, None, &opts).unwrap()
}

fn finding(ev: &Evaluation) -> &Finding {
    &ev.summary_of_findings[0]
}

fn judgement(f: &Finding, c: Criterion) -> &Judgement {
    f.certainty
        .as_ref()
        .unwrap()
        .judgements
        .iter()
        .find(|j| j.criterion == c)
        .unwrap()
}

fn down(f: &Finding, c: Criterion) -> u32 {
    judgement(f, c).levels
}

/// Ten consistent, precise studies of equal variance (equal weights), with extra columns
/// (`name`, one value per study).
fn ten(extra: &[(&str, Vec<&str>)]) -> String {
    let yi = [0.50, 0.45, 0.55, 0.52, 0.48, 0.50, 0.47, 0.53, 0.51, 0.49];
    let mut s = String::from("study,outcome_domain,yi,vi");
    for (name, _) in extra {
        s.push_str(&format!(",{name}"));
    }
    s.push('\n');
    for (i, y) in yi.iter().enumerate() {
        s.push_str(&format!("S{i},wellbeing,{y},0.01"));
        for (_, v) in extra {
            s.push_str(&format!(",{}", v[i]));
        }
        s.push('\n');
    }
    s
}

/// `a` studies with judgement `x`, `b` with `y`, the rest `rest` (ten in all).
fn judged(
    x: (&'static str, usize),
    y: (&'static str, usize),
    rest: &'static str,
) -> Vec<&'static str> {
    let mut v = vec![x.0; x.1];
    v.extend(vec![y.0; y.1]);
    v.resize(10, rest);
    v
}

#[test]
fn risk_of_bias_serious_from_half_the_weight_at_some_concerns_or_high() {
    // 4, 5, 6 of 10 equal weights at some concerns: 40 % below, 50 % at, 60 % above 0.5
    let mut got = Vec::new();
    for n in [4, 5, 6] {
        let ev = eval(
            &ten(&[(
                "risk_of_bias",
                judged(("some concerns", n), ("low", 0), "low"),
            )]),
            "",
        );
        let f = finding(&ev);
        got.push(down(f, Criterion::RiskOfBias));
        for c in [Criterion::Inconsistency, Criterion::Imprecision] {
            assert_eq!(down(f, c), 0, "{:?}", judgement(f, c));
        }
    }
    assert_eq!(got, [0, 1, 1]);
    // at 50 %: "at least 50%", never "not more than 50%: not serious"
    let ev = eval(
        &ten(&[(
            "risk_of_bias",
            judged(("some concerns", 5), ("low", 0), "low"),
        )]),
        "",
    );
    let r = &judgement(finding(&ev), Criterion::RiskOfBias).reason;
    assert!(
        r.contains("carry 50% (at least 50%") && r.ends_with("serious"),
        "{r}"
    );
    assert!(!r.contains("not serious"), "{r}");
    assert_eq!(
        finding(&ev).certainty.as_ref().unwrap().certainty,
        Certainty::Moderate
    );
    // "high" counts toward the concerns share: 3 some concerns + 2 high = 50 % → serious
    let ev = eval(
        &ten(&[(
            "risk_of_bias",
            judged(("some concerns", 3), ("high", 2), "low"),
        )]),
        "",
    );
    assert_eq!(down(finding(&ev), Criterion::RiskOfBias), 1);
    // the threshold is the options file's: 0.6 makes 5 of 10 not serious, 6 of 10 serious
    let o = "[thresholds]\nconcerns_share = 0.6\n";
    let a = eval(
        &ten(&[(
            "risk_of_bias",
            judged(("some concerns", 5), ("low", 0), "low"),
        )]),
        o,
    );
    let b = eval(
        &ten(&[(
            "risk_of_bias",
            judged(("some concerns", 6), ("low", 0), "low"),
        )]),
        o,
    );
    assert_eq!(
        [
            down(finding(&a), Criterion::RiskOfBias),
            down(finding(&b), Criterion::RiskOfBias)
        ],
        [0, 1]
    );
}

#[test]
fn risk_of_bias_very_serious_from_half_the_weight_at_high() {
    // 4, 5, 6 of 10 at high (the rest low): 40 % serious only (via the concerns share? no:
    // 40 % < 50 %, not serious), 50 % and 60 % very serious
    let got: Vec<u32> = [4, 5, 6]
        .into_iter()
        .map(|n| {
            let ev = eval(
                &ten(&[("risk_of_bias", judged(("high", n), ("low", 0), "low"))]),
                "",
            );
            down(finding(&ev), Criterion::RiskOfBias)
        })
        .collect();
    assert_eq!(got, [0, 2, 2]);
    // 4 high + 1 some concerns: concerns-or-high 50 % (serious), high 40 % (not very serious)
    let ev = eval(
        &ten(&[(
            "risk_of_bias",
            judged(("high", 4), ("some concerns", 1), "low"),
        )]),
        "",
    );
    assert_eq!(down(finding(&ev), Criterion::RiskOfBias), 1);
    let ev = eval(
        &ten(&[("risk_of_bias", judged(("high", 5), ("low", 0), "low"))]),
        "",
    );
    assert_eq!(
        finding(&ev).certainty.as_ref().unwrap().certainty,
        Certainty::Low
    );
    // high_risk_share from the options file: 0.7 leaves 6 of 10 high merely serious
    let ev = eval(
        &ten(&[("risk_of_bias", judged(("high", 6), ("low", 0), "low"))]),
        "[thresholds]\nhigh_risk_share = 0.7\n",
    );
    assert_eq!(down(finding(&ev), Criterion::RiskOfBias), 1);
}

#[test]
fn risk_of_bias_not_coded_is_not_assessed_and_said_beside_the_rating() {
    let ev = eval(&ten(&[]), "");
    let f = finding(&ev);
    let j = judgement(f, Criterion::RiskOfBias);
    assert!(!j.assessed && j.levels == 0);
    assert!(j.reason.starts_with("not assessed"), "{}", j.reason);
    let c = f.certainty.as_ref().unwrap();
    assert!(c
        .not_assessed()
        .iter()
        .any(|w| w.starts_with("risk of bias: ")));
    // the SoF table shows it outside the collapsed "why" panel
    let html = peerstat::report::html::report_html(&ev, &[]);
    let row = html.find("<tr data-domain=\"wellbeing\"").unwrap();
    let end = row + html[row..].find("</tr>").unwrap();
    assert!(
        html[row..end].contains("not assessed: risk of bias"),
        "{}",
        &html[row..end]
    );
    // a column with every cell empty is not assessed either
    let ev = eval(&ten(&[("risk_of_bias", vec![""; 10])]), "");
    assert!(!judgement(finding(&ev), Criterion::RiskOfBias).assessed);
    // some cells empty: no information counts as some concerns (4 empty + 1 some concerns = 50 %)
    let v = judged(("some concerns", 1), ("", 4), "low");
    let ev = eval(&ten(&[("risk_of_bias", v)]), "");
    let j = judgement(finding(&ev), Criterion::RiskOfBias);
    assert!(j.assessed && j.levels == 1, "{j:?}");
    assert!(j.reason.contains("no judgement for 40%"), "{}", j.reason);
}

#[test]
fn non_randomised_studies_take_robins_i_or_count_as_high_risk() {
    let design = judged(("non-randomised", 2), ("rct", 0), "rct");
    // two non-randomised studies without ROBINS-I (high) and three RCTs at some concerns: 50 %
    let rob = judged(("low", 2), ("some concerns", 3), "low");
    let ev = eval(
        &ten(&[("design", design.clone()), ("risk_of_bias", rob.clone())]),
        "",
    );
    let f = finding(&ev);
    let c = f.certainty.as_ref().unwrap();
    assert_eq!(c.start, Certainty::High);
    let j = judgement(f, Criterion::RiskOfBias);
    assert_eq!(j.levels, 1, "{}", j.reason);
    assert!(j.reason.contains("high risk 20%"), "{}", j.reason);
    // their RoB 2 "low" is flagged in words, not used
    assert!(
        j.reason
            .contains("2 non-randomised effects are coded with RoB 2"),
        "{}",
        j.reason
    );
    // the same studies judged low with ROBINS-I: 30 % concerns, not serious
    let robins = judged(("low", 2), ("", 0), "");
    let ev = eval(
        &ten(&[
            ("design", design.clone()),
            ("risk_of_bias", rob.clone()),
            ("robins_overall", robins),
        ]),
        "",
    );
    let j = judgement(finding(&ev), Criterion::RiskOfBias);
    assert_eq!(j.levels, 0, "{}", j.reason);
    assert!(!j.reason.contains("coded with RoB 2"), "{}", j.reason);
    // ROBINS-I "serious" reads as high, "moderate" as some concerns
    let robins = judged(("serious", 2), ("", 0), "");
    let ev = eval(
        &ten(&[
            ("design", design.clone()),
            ("risk_of_bias", rob.clone()),
            ("robins_overall", robins),
        ]),
        "",
    );
    assert!(judgement(finding(&ev), Criterion::RiskOfBias)
        .reason
        .contains("high risk 20%"));
    // the risk-of-bias section flags the RoB 2 rows of non-randomised studies
    let ev = eval(
        &ten(&[
            ("design", design),
            ("risk_of_bias", rob),
            ("rob_d1", vec!["low"; 10]),
        ]),
        "",
    );
    let a = &ev.risk_of_bias[0];
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("2 non-randomised studies coded with RoB 2")
                && n.contains("(S0, S1)")),
        "{:?}",
        a.notes
    );
}

#[test]
fn start_high_from_half_the_weight_randomised() {
    let start = |n: usize| {
        let ev = eval(
            &ten(&[("design", judged(("rct", n), ("", 0), "non-randomised"))]),
            "",
        );
        finding(&ev).certainty.as_ref().unwrap().start
    };
    assert_eq!(
        [start(4), start(5), start(6)],
        [Certainty::Low, Certainty::High, Certainty::High]
    );
}

/// Five studies, each of `n_t` + `n_c` participants.
fn five_sized(n_t: u32, n_c: u32) -> String {
    let yi = [0.50, 0.45, 0.55, 0.52, 0.48];
    let mut s = String::from("study,outcome_domain,yi,vi,n_t,n_c,risk_of_bias\n");
    for (i, y) in yi.iter().enumerate() {
        s.push_str(&format!("S{i},wellbeing,{y},0.01,{n_t},{n_c},low\n"));
    }
    s
}

#[test]
fn continuous_optimal_information_size_of_400_participants() {
    // 5 × 79 = 395 (below), 5 × 80 = 400 (at), 5 × 81 = 405 (above)
    let got: Vec<(f64, u32)> = [(40, 39), (40, 40), (41, 40)]
        .into_iter()
        .map(|(a, b)| {
            let ev = eval(&five_sized(a, b), "");
            let f = finding(&ev);
            (
                f.participant_size.as_ref().unwrap().participants,
                down(f, Criterion::Imprecision),
            )
        })
        .collect();
    assert_eq!(got, [(395.0, 1), (400.0, 0), (405.0, 0)]);
    let ev = eval(&five_sized(40, 39), "");
    let r = &judgement(finding(&ev), Criterion::Imprecision).reason;
    assert!(
        r.contains("395 participants fall short of the optimal information size of 400"),
        "{r}"
    );
    // a stated size for the domain replaces 400: 405 < 406
    let ev = eval(
        &five_sized(41, 40),
        "[domains.wellbeing]\nois_participants = 406\n",
    );
    assert_eq!(down(finding(&ev), Criterion::Imprecision), 1);
    let ev = eval(
        &five_sized(41, 40),
        "[domains.wellbeing]\nois_participants = 405\n",
    );
    assert_eq!(down(finding(&ev), Criterion::Imprecision), 0);
    // and the threshold: ois_participants = 396 puts 395 just below, 400 above
    let o = "[thresholds]\nois_participants = 396\n";
    assert_eq!(
        down(
            finding(&eval(&five_sized(40, 39), o)),
            Criterion::Imprecision
        ),
        1
    );
    assert_eq!(
        down(
            finding(&eval(&five_sized(40, 40), o)),
            Criterion::Imprecision
        ),
        0
    );
    // a study with several effects counts once (its largest n)
    let twice = five_sized(40, 40).replace("S4,", "S3,");
    let ev = eval(&twice, "");
    assert_eq!(
        finding(&ev).participant_size.as_ref().unwrap().participants,
        320.0
    );
}

#[test]
fn fewer_than_five_studies_is_at_least_serious_imprecision() {
    let four: String = five_sized(100, 100)
        .lines()
        .take(5)
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    assert_eq!(down(finding(&eval(&four, "")), Criterion::Imprecision), 1);
    let ev = eval(&four, "");
    let r = &judgement(finding(&ev), Criterion::Imprecision).reason;
    assert!(
        r.contains("only 4 studies (fewer than 5)") && r.ends_with(": serious"),
        "{r}"
    );
    assert_eq!(
        down(
            finding(&eval(&five_sized(100, 100), "")),
            Criterion::Imprecision
        ),
        0
    );
    let o = "[thresholds]\nmin_precise_studies = 6\n";
    assert_eq!(
        down(
            finding(&eval(&five_sized(100, 100), o)),
            Criterion::Imprecision
        ),
        1
    );
    let o = "[thresholds]\nmin_precise_studies = 4\n";
    assert_eq!(down(finding(&eval(&four, o)), Criterion::Imprecision), 0);
}

#[test]
fn cluster_robust_df_below_the_threshold_is_at_least_serious_imprecision() {
    // six studies of two effects each: a CHE model with CR2 df from the data
    let mut s = String::from("study,outcome_domain,yi,vi,risk_of_bias\n");
    let yi = [
        0.50, 0.45, 0.55, 0.52, 0.48, 0.50, 0.47, 0.53, 0.51, 0.49, 0.46, 0.54,
    ];
    for (i, y) in yi.iter().enumerate() {
        s.push_str(&format!(
            "S{},wellbeing,{y},{},low\n",
            i / 2,
            0.01 + 0.002 * (i % 5) as f64
        ));
    }
    let ev = eval(&s, "");
    let df = ev.domains[0].dependence.as_ref().unwrap().robust_df;
    assert!(df > 1.0 && df.is_finite(), "{df}");
    let at = |limit: f64| {
        let ev = eval(&s, &format!("[thresholds]\nmin_robust_df = {limit}\n"));
        down(finding(&ev), Criterion::Imprecision)
    };
    // the threshold just below the df, at it (not fewer), just above it
    assert_eq!([at(df - 1e-6), at(df), at(df + 1e-6)], [0, 0, 1]);
    let ev = eval(
        &s,
        &format!("[thresholds]\nmin_robust_df = {}\n", df + 1e-6),
    );
    let r = &judgement(finding(&ev), Criterion::Imprecision).reason;
    assert!(r.contains("df (fewer than"), "{r}");
}

/// Twenty studies of variance 0.04 around `centre` with spread `spread` (normal quantiles).
fn spread(centre: f64, spread: f64) -> String {
    let mut text = String::from("study,outcome_domain,yi,vi,risk_of_bias\n");
    for i in 0..20 {
        let z = peerstat::dist::norm_quantile((i as f64 + 0.5) / 20.0);
        text.push_str(&format!(
            "S{i},wellbeing,{},0.04,low\n",
            centre + spread * z
        ));
    }
    text
}

#[test]
fn inconsistency_from_a_prediction_interval_crossing_the_mid() {
    let text = spread(0.6, 0.27);
    let ev = eval(&text, "");
    let s = ev.domains[0].pooled.as_ref().unwrap().summary;
    assert!(s.i2 < 50.0 && s.pi_lower > 0.0 && s.ci_lower > 0.0, "{s:?}");
    assert_eq!(down(finding(&ev), Criterion::Inconsistency), 0);
    // a MID between the CI's and the PI's upper limits: only the PI crosses it → serious
    let mid = (s.ci_upper + s.pi_upper) / 2.0;
    let ev = eval(&text, &format!("[domains.wellbeing]\nmid = {mid}\n"));
    let j = judgement(finding(&ev), Criterion::Inconsistency);
    assert_eq!(j.levels, 1, "{}", j.reason);
    assert!(
        j.reason
            .contains("crosses the minimal important difference"),
        "{}",
        j.reason
    );
    // a MID above the PI: not crossed → not serious
    let ev = eval(
        &text,
        &format!("[domains.wellbeing]\nmid = {}\n", s.pi_upper + 0.01),
    );
    assert_eq!(down(finding(&ev), Criterion::Inconsistency), 0);
    // a MID inside the CI too: the CI crosses it as well → not inconsistency (imprecision)
    let ev = eval(
        &text,
        &format!("[domains.wellbeing]\nmid = {}\n", s.estimate),
    );
    assert_eq!(down(finding(&ev), Criterion::Inconsistency), 0);
}

#[test]
fn inconsistency_from_i2_at_the_threshold() {
    let text = spread(0.6, 0.27);
    let ev = eval(&text, "");
    let i2 = ev.domains[0].pooled.as_ref().unwrap().summary.i2;
    assert!(i2 > 5.0 && i2 < 50.0, "{i2}");
    let at = |limit: f64| {
        let ev = eval(
            &text,
            &format!("[thresholds]\ninconsistency_i2 = {limit}\n"),
        );
        down(finding(&ev), Criterion::Inconsistency)
    };
    assert_eq!([at(i2 + 1e-6), at(i2), at(i2 - 1e-6)], [0, 1, 1]);
}

#[test]
fn shares_never_print_a_negative_zero() {
    let ev = eval(&ten(&[("risk_of_bias", vec!["low"; 10])]), "");
    let f = finding(&ev);
    for j in &f.certainty.as_ref().unwrap().judgements {
        assert!(
            !j.reason.contains("-0%") && !j.reason.contains("−0%"),
            "{}",
            j.reason
        );
        assert!(!j.reason.contains("-0.00"), "{}", j.reason);
    }
    assert!(judgement(f, Criterion::RiskOfBias)
        .reason
        .contains("high risk 0%"));
}
