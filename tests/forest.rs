//! The forest plot's structure: every study drawn, clipped intervals marked with arrows, tick
//! labels that never overlap, all text inside the canvas, readable headers, extra columns, sort
//! orders, "favours" labels, the prediction interval through the diamond, and the CLI options.

mod common;

use std::path::Path;

use common::cli::{assert_fails, fixture, run};
use common::svg::{attr_of, check_layout, has_header, nums, tags, texts, Text};
use peerstat::data::{read_table, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::subgroup::subgroups;
use peerstat::model::{Fit, RandomEffects};
use peerstat::report::svg::{self, Better, ForestColumn, ForestOptions, ForestSort, SortKey};

fn table(name: &str) -> Table {
    read_table(Path::new(&fixture(name)), &ColumnMap::new()).unwrap()
}

fn bcg() -> (Table, Fit) {
    let t = table("bcg.csv");
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    let fit = RandomEffects::new().fit(&es).unwrap();
    (t, fit)
}

/// Precomputed effects with one very imprecise study (the fourth).
fn imprecise() -> Fit {
    let yi = [-0.30, -0.10, -0.45, 0.8, 0.05, -0.25];
    let vi = [0.02, 0.03, 0.05, 2.5, 0.04, 0.015];
    let es = EffectSizes::from_slices(Measure::Gen, &yi, &vi).unwrap();
    RandomEffects::new().fit(&es).unwrap()
}

#[test]
fn every_study_is_drawn_and_the_layout_holds() {
    let (t, fit) = bcg();
    let opts = ForestOptions {
        columns: ForestColumn::arm_data(&t, Measure::Rr, ("Vaccine", "Control")),
        favours: Some(("vaccine".into(), "no vaccine".into())),
        title: Some("BCG vaccine and tuberculosis".into()),
        ..ForestOptions::default()
    };
    let s = svg::forest_plot(&fit, None, &opts).unwrap();
    let yi = nums(&s, "study", "data-yi");
    assert_eq!(yi.len(), 13);
    let want: Vec<f64> = fit.studies.iter().map(|s| s.yi).collect();
    assert_eq!(yi, want);
    for st in &fit.studies {
        assert!(s.contains(&format!(
            "data-study=\"{}\"",
            st.study.replace('&', "&amp;")
        )));
    }
    let n = check_layout(&s);
    assert!((4..=9).contains(&n), "{n} ticks");
    // readable header, not the measure code
    let heads: Vec<String> = texts(&s)
        .into_iter()
        .filter(|t| t.class.contains("col-head"))
        .map(|t| t.body)
        .collect();
    assert!(
        heads.iter().any(|h| h.starts_with("Risk ratio")),
        "{heads:?}"
    );
    assert!(!s.contains("RR [") && !s.contains("GEN ["));
    // arm data columns: events/N per arm, headed by the arm names
    assert_eq!(heads.iter().filter(|h| *h == "Events/N").count(), 2);
    assert!(heads.contains(&"Vaccine".to_string()));
    let ilab: Vec<String> = texts(&s)
        .into_iter()
        .filter(|t| t.class == "ilab")
        .map(|t| t.body)
        .collect();
    assert_eq!(ilab.len(), 26);
    assert_eq!(ilab[..2], ["4/123".to_string(), "11/139".to_string()]);
    // nothing clipped on the default axis of these data
    assert!(tags(&s, "study")
        .iter()
        .all(|t| attr_of(t, "data-clipped").as_deref() == Some("")));
    assert_eq!(s.matches("class=\"arrow\"").count(), 0);
}

#[test]
fn one_imprecise_study_is_clipped_with_arrows_not_squashing_the_rest() {
    let fit = imprecise();
    let s = svg::forest_plot(&fit, None, &ForestOptions::default()).unwrap();
    check_layout(&s);
    let studies = tags(&s, "study");
    assert_eq!(studies.len(), 6);
    let clipped: Vec<String> = studies
        .iter()
        .map(|t| attr_of(t, "data-clipped").unwrap())
        .collect();
    assert_eq!(clipped, ["", "", "", "both", "", ""]);
    // the imprecise study's group holds both arrowheads
    let g = s.split("data-study=\"4\"").nth(1).unwrap();
    let g = &g[..g.find("</g>").unwrap()];
    assert_eq!(g.matches("class=\"arrow\"").count(), 2);
    // the axis spans the other intervals, far less than the imprecise one (±3.1)
    let tag = &s[..s.find('>').unwrap()];
    let lo: f64 = attr_of(tag, "data-axis-lower").unwrap().parse().unwrap();
    let hi: f64 = attr_of(tag, "data-axis-upper").unwrap().parse().unwrap();
    assert!(
        lo <= -0.45 - 1.96 * 0.05f64.sqrt() && hi >= 0.8,
        "{lo}..{hi}"
    );
    assert!(hi - lo < 2.5, "{lo}..{hi}");
}

#[test]
fn xlim_clips_and_marks_every_interval_beyond_it() {
    let (_, fit) = bcg();
    let opts = ForestOptions {
        xlim: Some((0.2, 2.0)),
        at: vec![0.2, 0.5, 1.0, 2.0],
        ..ForestOptions::default()
    };
    let s = svg::forest_plot(&fit, None, &opts).unwrap();
    check_layout(&s);
    let mut checked = 0;
    for t in tags(&s, "study") {
        let lo: f64 = attr_of(t, "data-ci-lower").unwrap().parse().unwrap();
        let hi: f64 = attr_of(t, "data-ci-upper").unwrap().parse().unwrap();
        let want = match (lo < 0.2f64.ln(), hi > 2f64.ln()) {
            (true, true) => "both",
            (true, false) => "lower",
            (false, true) => "upper",
            _ => "",
        };
        assert_eq!(attr_of(t, "data-clipped").unwrap(), want);
        checked += 1;
    }
    assert_eq!(checked, 13);
    // an arrowhead per clipped lower end: the studies' and the prediction interval's
    let want = tags(&s, "study")
        .iter()
        .filter(|t| attr_of(t, "data-ci-lower").unwrap().parse::<f64>().unwrap() < 0.2f64.ln())
        .count()
        + usize::from(fit.summary.pi_lower < 0.2f64.ln());
    let n_lower = tags(&s, "arrow")
        .iter()
        .filter(|t| t.contains("data-side=\"lower\""))
        .count();
    assert_eq!(n_lower, 7);
    assert_eq!(n_lower, want);
    let ticks: Vec<String> = texts(&s)
        .into_iter()
        .filter(|t| t.class == "tick")
        .map(|t| t.body)
        .collect();
    assert_eq!(ticks, ["0.2", "0.5", "1", "2"]);
    // limits must increase; ratios must be positive
    for bad in [(2.0, 0.5), (0.0, 2.0)] {
        let o = ForestOptions {
            xlim: Some(bad),
            ..ForestOptions::default()
        };
        assert!(svg::forest_plot(&fit, None, &o).is_err(), "{bad:?}");
    }
}

#[test]
fn tick_labels_never_overlap_on_short_or_long_axes() {
    // narrow ratio axes (where 0.2 and 0.25 used to collide), wide ones, linear ones
    let cases: [(&[f64], &[f64], Measure, bool); 6] = [
        (
            &[-1.5, -1.4, -1.45],
            &[0.002, 0.003, 0.002],
            Measure::Gen,
            true,
        ),
        (&[-1.6, -1.2, -1.4], &[0.01, 0.02, 0.01], Measure::Gen, true),
        (&[-4.0, 3.0, 0.1], &[0.1, 0.2, 0.1], Measure::Gen, true),
        (
            &[0.01, 0.02, 0.015],
            &[0.00001, 0.00002, 0.00001],
            Measure::Gen,
            false,
        ),
        (
            &[-120.0, 340.0, 15.0],
            &[100.0, 400.0, 50.0],
            Measure::Gen,
            false,
        ),
        (
            &[0.2, 0.25, 0.22],
            &[0.0004, 0.0004, 0.0003],
            Measure::Gen,
            false,
        ),
    ];
    let mut checked = 0;
    for (yi, vi, m, exp) in cases {
        let es = EffectSizes::from_slices(m, yi, vi).unwrap();
        let fit = RandomEffects::new().fit(&es).unwrap();
        let s = svg::forest_plot(
            &fit,
            None,
            &ForestOptions {
                exp,
                ..ForestOptions::default()
            },
        )
        .unwrap();
        let n = check_layout(&s);
        assert!(n >= 3, "{yi:?}: {n} ticks");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn headers_name_the_measure_in_words() {
    let cases = [
        (Measure::Or, "Odds ratio [95% CI]"),
        (Measure::Rr, "Risk ratio [95% CI]"),
        (Measure::Rd, "Risk difference [95% CI]"),
    ];
    let t = table("bcg.csv");
    for (m, want) in cases {
        let es = EffectSizes::compute(&t, m, &EffectOptions::default()).unwrap();
        let fit = RandomEffects::new().fit(&es).unwrap();
        let s = svg::forest_plot(&fit, None, &ForestOptions::default()).unwrap();
        assert!(has_header(&s, want), "{m}: {want}");
    }
    let n = table("normand1999.csv");
    for (m, want) in [
        (Measure::Smd, "Standardised mean difference"),
        (Measure::Md, "Mean difference"),
    ] {
        let es = EffectSizes::compute(&n, m, &EffectOptions::default()).unwrap();
        let fit = RandomEffects::new().fit(&es).unwrap();
        let s = svg::forest_plot(&fit, None, &ForestOptions::default()).unwrap();
        let heads: Vec<String> = texts(&s)
            .into_iter()
            .filter(|t| t.class == "col-head")
            .map(|t| t.body)
            .collect();
        assert!(heads.iter().any(|h| h.starts_with(want)), "{m}: {heads:?}");
        // continuous arms: mean (SD) and N per arm by default
        let cols = ForestColumn::arm_data(&n, m, ("A", "B"));
        let names: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(names, ["Mean (SD)", "N", "Mean (SD)", "N"]);
        assert_eq!(cols[0].cells[0].as_deref(), Some("55 (47)"));
        check_layout(&s);
    }
    // GEN: "Estimate", or the axis label; exp shows ratios on a log axis
    let fit = imprecise();
    let s = svg::forest_plot(&fit, None, &ForestOptions::default()).unwrap();
    assert!(has_header(&s, "Estimate [95% CI]") && !s.contains("GEN"));
    let o = ForestOptions {
        exp: true,
        xlab: Some("Hazard ratio".into()),
        ..ForestOptions::default()
    };
    let s = svg::forest_plot(&fit, None, &o).unwrap();
    assert!(has_header(&s, "Hazard ratio [95% CI]"));
    assert!(s.contains("data-log=\"true\""));
    // the first study shown as exp: 0.74 [0.56, 0.98]
    assert!(s.contains(">0.74 [0.56, 0.98]<"), "exp display");
    let o = ForestOptions {
        digits: Some(3),
        ..ForestOptions::default()
    };
    let s = svg::forest_plot(&fit, None, &o).unwrap();
    assert!(s.contains(">-0.300 [-0.577, -0.023]<"), "3 digits");
}

#[test]
fn sort_orders_are_honoured() {
    let (t, fit) = bcg();
    let order = |sort: ForestSort| {
        let o = ForestOptions {
            sort,
            ..ForestOptions::default()
        };
        let s = svg::forest_plot(&fit, None, &o).unwrap();
        (
            nums(&s, "study", "data-yi"),
            nums(&s, "study", "data-weight"),
            nums(&s, "study", "data-row"),
        )
    };
    let (yi, _, _) = order(ForestSort::Estimate);
    assert_eq!(yi.len(), 13);
    assert!(yi.windows(2).all(|w| w[0] <= w[1]), "{yi:?}");
    let (_, w, _) = order(ForestSort::Weight);
    assert!(w.windows(2).all(|w| w[0] >= w[1]), "{w:?}");
    let (_, _, rows) = order(ForestSort::parse("year", &t).unwrap());
    let years = t.numeric("year", "test").unwrap();
    let ys: Vec<f64> = rows.iter().map(|&r| years[r as usize].unwrap()).collect();
    assert_eq!(ys.len(), 13);
    assert!(ys.windows(2).all(|w| w[0] <= w[1]), "{ys:?}");
    assert_ne!(rows, (0..13).map(|i| i as f64).collect::<Vec<_>>());
    // a text column sorts as text
    let k = SortKey::from_table(&t, "study").unwrap();
    let (_, _, rows) = order(ForestSort::Column(k));
    let names = t.labels("study");
    let got: Vec<&String> = rows.iter().map(|&r| &names[r as usize]).collect();
    let mut want = got.clone();
    want.sort();
    assert_eq!(got, want);
    assert!(ForestSort::parse("no_such_column", &t).is_err());
}

#[test]
fn favours_labels_sit_on_the_side_the_measure_favours() {
    let (_, fit) = bcg();
    let side = |better: Option<Better>| {
        let o = ForestOptions {
            favours: Some(("peer support".into(), "usual care".into())),
            better,
            ..ForestOptions::default()
        };
        let s = svg::forest_plot(&fit, None, &o).unwrap();
        check_layout(&s);
        let f: Vec<Text> = texts(&s)
            .into_iter()
            .filter(|t| t.class == "favours")
            .collect();
        assert_eq!(f.len(), 2);
        let null_x: f64 = attr_of(tags(&s, "null")[0], "x1").unwrap().parse().unwrap();
        let left = f.iter().find(|t| t.x < null_x).unwrap().body.clone();
        let right = f.iter().find(|t| t.x > null_x).unwrap().body.clone();
        (left, right)
    };
    // a risk ratio: lower favours the intervention by default
    let (l, r) = side(None);
    assert!(l.contains("Favours peer support") && r.contains("Favours usual care"));
    let (l, r) = side(Some(Better::Higher));
    // the null at the axis' left end: both labels move right, neither leaves the canvas
    let o = ForestOptions {
        favours: Some((
            "a rather long intervention name".into(),
            "usual care".into(),
        )),
        xlim: Some((1.0, 5.0)),
        ..ForestOptions::default()
    };
    check_layout(&svg::forest_plot(&fit, None, &o).unwrap());
    assert!(l.contains("Favours usual care") && r.contains("Favours peer support"));
    // an SMD: higher favours the intervention by default
    let n = table("normand1999.csv");
    let es = EffectSizes::compute(&n, Measure::Smd, &EffectOptions::default()).unwrap();
    let f2 = RandomEffects::new().fit(&es).unwrap();
    let o = ForestOptions {
        favours: Some(("peer support".into(), "usual care".into())),
        ..ForestOptions::default()
    };
    let s = svg::forest_plot(&f2, None, &o).unwrap();
    let f: Vec<Text> = texts(&s)
        .into_iter()
        .filter(|t| t.class == "favours")
        .collect();
    let right = f.iter().find(|t| t.anchor == "start").unwrap();
    assert!(right.body.contains("peer support"));
    assert!(ForestOptions::favours_labels("only one").is_err());
    assert_eq!(
        ForestOptions::favours_labels(" a , b ").unwrap(),
        ("a".to_string(), "b".to_string())
    );
}

#[test]
fn prediction_interval_runs_through_the_diamond_and_weights_say_what_they_are() {
    let (t, fit) = bcg();
    let s = svg::forest_plot(&fit, None, &ForestOptions::default()).unwrap();
    let pi = s.split("class=\"pi\"").nth(1).unwrap();
    let pi_y: f64 = attr_of(&pi[..pi.find("/>").unwrap()], "y1")
        .unwrap()
        .parse()
        .unwrap();
    let d = tags(&s, "pooled")[0];
    let pts = attr_of(d, "points").unwrap();
    let dy: f64 = pts
        .split(' ')
        .next()
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(pi_y, dy);
    assert!(pi.starts_with(&format!(" data-lower=\"{}\"", fit.summary.pi_lower)));
    let heads: Vec<String> = texts(&s)
        .into_iter()
        .filter(|t| t.class == "col-head")
        .map(|t| t.body)
        .collect();
    assert!(heads.contains(&"Weight".to_string()) && !heads.iter().any(|h| h.contains("overall")));

    let m = RandomEffects::new();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    let sg = subgroups(&t, &es, "alloc", &m, false).unwrap();
    for (within, label) in [(false, "(overall)"), (true, "(in subgroup)")] {
        let o = ForestOptions {
            subgroup_weights: within,
            ..ForestOptions::default()
        };
        let s = svg::forest_plot(&fit, Some(&sg), &o).unwrap();
        check_layout(&s);
        assert!(s.contains(&format!(">{label}<")));
        let w: f64 = nums(&s, "study", "data-weight").iter().sum();
        // overall weights sum to 100 over all studies; within-subgroup ones to 100 per level
        let want = if within {
            100.0 * sg.subgroups.len() as f64
        } else {
            100.0
        };
        assert!((w - want).abs() < 1e-6, "{label}: {w}");
        assert_eq!(nums(&s, "subgroup", "data-estimate").len(), 3);
    }
}

#[test]
fn extra_columns_come_from_the_data() {
    let (t, fit) = bcg();
    let o = ForestOptions {
        columns: vec![
            ForestColumn::from_table(&t, "year").unwrap(),
            ForestColumn::from_table(&t, "alloc").unwrap(),
        ],
        ..ForestOptions::default()
    };
    let s = svg::forest_plot(&fit, None, &o).unwrap();
    check_layout(&s);
    let all = texts(&s);
    let heads: Vec<&str> = all
        .iter()
        .filter(|t| t.class.contains("ilab") && t.class.contains("col-head"))
        .map(|t| t.body.as_str())
        .collect();
    assert_eq!(heads, ["year", "alloc"]);
    let cells: Vec<&str> = all
        .iter()
        .filter(|t| t.class == "ilab")
        .map(|t| t.body.as_str())
        .collect();
    assert_eq!(cells.len(), 26);
    assert_eq!(cells[..2], ["1948", "random"]);
    assert!(ForestColumn::from_table(&t, "nope").is_err());
}

#[test]
fn cli_draws_the_forest_with_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.svg");
    let outs = out.to_str().unwrap();
    let bcg = fixture("bcg.csv");
    let (code, _, err) = run(&[
        "meta",
        &bcg,
        "--measure",
        "RR",
        "--forest",
        outs,
        "--title",
        "BCG",
        "--favours",
        "vaccine,no vaccine",
        "--sort",
        "year",
        "--ilab",
        "alloc",
        "--xlim",
        "0.1,3",
        "--digits",
        "3",
        "-o",
        dir.path().join("r.txt").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let s = std::fs::read_to_string(&out).unwrap();
    check_layout(&s);
    assert!(s.contains(">BCG<") && s.contains("Favours vaccine") && s.contains(">alloc<"));
    assert!(s.contains(">4/123<"), "arm data shown by default");
    assert!(
        s.contains(">0.489 [0.344, 0.696]<"),
        "pooled RR with 3 digits"
    );
    let res = run(&[
        "meta",
        &bcg,
        "--measure",
        "RR",
        "--forest",
        outs,
        "--xlim",
        "3,0.1",
    ]);
    assert_fails(&res, &["--xlim"]);
    let res = run(&[
        "meta",
        &bcg,
        "--measure",
        "RR",
        "--forest",
        outs,
        "--sort",
        "nope",
    ]);
    assert_fails(&res, &["nope"]);
    let res = run(&[
        "meta",
        &fixture("normand1999.csv"),
        "--measure",
        "SMD",
        "--forest",
        outs,
        "--transf",
        "exp",
    ]);
    assert_fails(&res, &["--transf", "GEN"]);
    let (code, _, _) = run(&["meta", &bcg, "--measure", "RR", "--title", "x"]);
    assert_eq!(code, 2, "--title needs --forest");
}

#[test]
fn cli_adds_risk_of_bias_dots_when_the_data_carry_them() {
    let dir = tempfile::tempdir().unwrap();
    let csv = common::cli::write_csv(
        &dir,
        "rob.csv",
        "study,yi,vi,rob_d1,rob_d2,rob_d3,rob_d4,rob_d5,risk_of_bias\n\
         A very long study label that will not fit in the label column at all 2001,-0.3,0.02,low,low,some concerns,low,low,some concerns\n\
         B,-0.1,0.03,low,high,low,low,low,high\n\
         C,-0.45,0.05,low,low,low,low,low,low\n\
         D,0.8,2.5,high,high,some concerns,low,high,high\n",
    );
    let out = dir.path().join("f.svg");
    let (code, _, err) = run(&[
        "meta",
        &csv,
        "--forest",
        out.to_str().unwrap(),
        "-o",
        dir.path().join("r.txt").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let s = std::fs::read_to_string(&out).unwrap();
    check_layout(&s);
    // six columns (D1-D5, overall) per study
    assert_eq!(s.matches("class=\"rob-dot ").count(), 24);
    assert_eq!(s.matches("data-judgement=\"high\"").count(), 2 + 4);
    assert!(s.contains(">Risk of bias<"));
    // the long label is shortened with an ellipsis, its full text kept in data-study
    assert!(s.contains("data-study=\"A very long study label"));
    assert!(texts(&s)
        .iter()
        .any(|t| t.class == "label" && t.body.ends_with('…')));
}
