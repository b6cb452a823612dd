//! Axes of every plot: nice 1-2-5 ticks, thinned until no two tick labels overlap, and text
//! that stays inside the canvas (boxes computed with the plots' own width estimate).

mod common;

use common::cli::run;
use common::svg::{assert_readable, boxes};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::report::svg::{self, text_width, Axis};

/// The mantissa of a nice step: 1, 2 or 5.
fn mantissa(step: f64) -> f64 {
    let m = step / 10f64.powf(step.log10().floor());
    (m * 1000.0).round() / 1000.0
}

#[test]
fn linear_ticks_are_nice_and_never_collide() {
    let mut checked = 0;
    for &(lo, hi) in &[
        (0.0, 1.0),
        (-2.3, 1.7),
        (0.0, 0.3),
        (-0.05, 0.31),
        (1940.0, 1985.0),
        (0.0, 93_000.0),
        (-12_345.0, 67_890.0),
        (0.0001, 0.0009),
        (-150.0, 1350.0),
        (5.0, 5.0001),
    ] {
        for &len in &[60.0, 120.0, 250.0, 520.0] {
            let ax = Axis::new(lo, hi, 0.0, len);
            let t = ax.labelled_ticks(false);
            // 60 px may hold a single long label ("0.0005"); wider axes hold two or more
            let least = if len < 100.0 { 1 } else { 2 };
            assert!(t.len() >= least, "{lo}..{hi} over {len}px: {t:?}");
            for w in t.windows(2) {
                let step = w[1].0 - w[0].0;
                // steps are 1-2-5 × 10^k (a last resort on a very short axis keeps two ticks
                // of the thinned set: 1940, 1980)
                assert!(
                    t.len() == 2 || [1.0, 2.0, 5.0].contains(&mantissa(step)),
                    "step {step}"
                );
                let gap = (ax.px(w[1].0) - ax.px(w[0].0)).abs();
                let need = (text_width(&w[0].1, 12.0) + text_width(&w[1].1, 12.0)) / 2.0;
                assert!(
                    gap >= need,
                    "{lo}..{hi} over {len}px: {:?} and {:?}",
                    w[0],
                    w[1]
                );
                assert_ne!(w[0].1, w[1].1, "two ticks with one label");
            }
            assert!(t.iter().all(|(v, _)| *v >= lo - 1e-9 && *v <= hi + 1e-9));
            checked += 1;
        }
    }
    assert_eq!(checked, 40);
}

#[test]
fn ratio_ticks_are_one_two_five_and_distinct() {
    let mut checked = 0;
    for &(lo, hi) in &[
        (0.2, 0.25),
        (0.18, 1.4),
        (0.05, 3.0),
        (0.01, 100.0),
        (0.001, 1000.0),
        (0.9, 1.1),
        (0.5, 8.0),
    ] {
        for &len in &[100.0, 300.0, 600.0] {
            let ax = Axis::new(f64::ln(lo), f64::ln(hi), 0.0, len);
            let t = ax.ratio_ticks();
            let labels: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
            // "0.2" and "0.25" never together: 2.5 is not a 1-2-5 mantissa (on a span this
            // short, linear steps of the ratio all carry the same decimals: "0.20" … "0.25")
            if labels.contains(&"0.25") {
                assert!(labels.iter().all(|l| l.len() == 4), "{labels:?}");
            }
            for w in t.windows(2) {
                assert_ne!(w[0].1, w[1].1);
                let gap = (ax.px(w[1].0) - ax.px(w[0].0)).abs();
                let need = (text_width(&w[0].1, 12.0) + text_width(&w[1].1, 12.0)) / 2.0;
                assert!(gap >= need, "{lo}..{hi} over {len}px: {labels:?}");
            }
            // each label is the ratio at its position
            for (pos, l) in &t {
                let v: f64 = l.parse().unwrap();
                assert!((pos.exp() - v).abs() <= 1e-9 * v.max(1.0), "{l} at {pos}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 21);
    // a wide span at 1-2-5 per decade
    let ax = Axis::new(0.1f64.ln(), 10f64.ln(), 0.0, 520.0);
    let labels: Vec<String> = ax.ratio_ticks().into_iter().map(|t| t.1).collect();
    assert_eq!(labels, ["0.1", "0.2", "0.5", "1", "2", "5", "10"]);
}

fn bcg() -> (peerstat::data::Table, EffectSizes) {
    let t = peerstat::data::read_table(
        std::path::Path::new("fixtures/bcg.csv"),
        &peerstat::data::ColumnMap::new(),
    )
    .unwrap();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    (t, es)
}

#[test]
fn library_plots_are_readable() {
    let (t, es) = bcg();
    let fit = peerstat::model::RandomEffects::new().fit(&es).unwrap();
    let nt = t.numeric("n_t", "test").unwrap();
    let nc = t.numeric("n_c", "test").unwrap();
    let n: Vec<f64> = es
        .rows()
        .iter()
        .map(|&r| nt[r].unwrap() + nc[r].unwrap())
        .collect();
    let mut plots = vec![("forest", svg::forest(&fit, None, "BCG vaccine"))];
    for y in [
        svg::FunnelY::Se,
        svg::FunnelY::Vi,
        svg::FunnelY::InvSe,
        svg::FunnelY::N,
    ] {
        plots.push((
            "funnel",
            svg::funnel_plot(
                &svg::FunnelPlot {
                    yi: es.yi(),
                    vi: es.vi(),
                    n: Some(&n),
                    estimate: fit.summary.estimate,
                    filled: &[(0.31, 0.22)],
                    adjusted: Some(-0.66),
                    measure: Measure::Rr,
                    y,
                    pseudo_ci: true,
                },
                "Funnel plot of a study with a long, long title that would run off the canvas if set at full size",
            ),
        ));
    }
    let draws: Vec<(f64, f64)> = (0..200)
        .map(|i| {
            let u = (i as f64 * 0.618).fract() - 0.5;
            let v = (i as f64 * 0.377).fract() - 0.5;
            (20_000.0 * u + 400.0, 0.05 * v + 0.02)
        })
        .collect();
    plots.push((
        "plane",
        svg::plane(
            &[("a strategy with a long name vs usual care".into(), draws)],
            20_000.0,
            "CE plane",
        ),
    ));
    let wtp: Vec<f64> = (0..=60).map(|i| i as f64 * 1000.0).collect();
    let p: Vec<f64> = wtp.iter().map(|w| w / 60_000.0).collect();
    let names = [
        "usual care",
        "peer support delivered by trained volunteers (pooled)",
        "app",
    ];
    let series: Vec<(String, Vec<f64>)> =
        names.iter().map(|n| (n.to_string(), p.clone())).collect();
    plots.push((
        "ceac",
        svg::ceac(&wtp, &series, Some(&vec![1; wtp.len()]), "CEAC"),
    ));
    let mut checked = 0;
    for (name, s) in &plots {
        assert_readable(name, s, 5);
        checked += 1;
    }
    assert_eq!(checked, 7);
    // the CEAC legend holds every name in full (it was cut off at the right edge)
    let ceac = &plots[6].1;
    let legend: Vec<String> = boxes(ceac)
        .into_iter()
        .filter(|t| t.class == "legend-label")
        .map(|t| t.text)
        .collect();
    assert!(legend.contains(&names[1].to_string()), "{legend:?}");
    // the long title was shrunk or cut to fit, and the full title kept in <title>
    assert!(plots[1]
        .1
        .contains("<title>Funnel plot of a study with a long, long title"));
}

#[test]
fn cli_plots_are_readable() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            vec![
                "meta",
                "fixtures/bcg.csv",
                "--measure",
                "RR",
                "--mods",
                "ablat",
                "--bubble",
            ]
            .into_iter()
            .map(String::from)
            .chain([p("bubble.svg")])
            .collect(),
            vec![p("bubble.svg")],
        ),
        (
            vec![
                "meta",
                "fixtures/bcg.csv",
                "--measure",
                "RR",
                "--mods",
                "alloc",
                "--bubble",
            ]
            .into_iter()
            .map(String::from)
            .chain([p("levels.svg")])
            .collect(),
            vec![p("levels.svg")],
        ),
        (
            vec![
                "cea",
                "fixtures/econ/psa.csv",
                "--reference",
                "usual care",
                "--plane",
            ]
            .into_iter()
            .map(String::from)
            .chain([p("plane.svg"), "--ceac".into(), p("ceac.svg")])
            .collect(),
            vec![p("plane.svg"), p("ceac.svg")],
        ),
        (
            vec![
                "cea",
                "fixtures/econ/arms_multi.csv",
                "--treatment",
                "peer",
                "--control",
                "control",
                "--plane",
            ]
            .into_iter()
            .map(String::from)
            .chain([p("plane_pooled.svg"), "--ceac".into(), p("ceac_pooled.svg")])
            .collect(),
            vec![p("plane_pooled.svg"), p("ceac_pooled.svg")],
        ),
        (
            vec![
                "network",
                "fixtures/senn2013.csv",
                "--measure",
                "MD",
                "--reference",
                "placebo",
                "--forest",
            ]
            .into_iter()
            .map(String::from)
            .chain([
                p("nforest.svg"),
                "--league".into(),
                p("league.svg"),
                "--graph".into(),
                p("graph.svg"),
            ])
            .collect(),
            vec![p("nforest.svg"), p("league.svg"), p("graph.svg")],
        ),
        (
            vec![
                "network",
                "fixtures/linde2016.csv",
                "--measure",
                "OR",
                "--components-sep",
                "+",
                "--inactive",
                "Placebo",
                "--combination",
                "Face-to-face PST + SSRI",
                "--components-forest",
            ]
            .into_iter()
            .map(String::from)
            .chain([p("components.svg")])
            .collect(),
            vec![p("components.svg")],
        ),
    ];
    let mut checked = 0;
    for (args, files) in &cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = run(&a);
        assert_eq!(code, 0, "{a:?}: {err}");
        for f in files {
            let s = std::fs::read_to_string(f).unwrap();
            // the league table and the network graph have no axes
            let ticks = if f.contains("league") || f.contains("graph") {
                0
            } else {
                4
            };
            assert_readable(f, &s, ticks);
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}
