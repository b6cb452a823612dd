//! Structure of the SVG plots: one marker per study, diamonds at the estimates, and files
//! written by the CLI.

use std::path::Path;
use std::process::Command;

use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::subgroup::subgroups;
use peerstat::model::RandomEffects;
use peerstat::report::svg;

fn attr(svg: &str, class: &str, name: &str) -> Vec<f64> {
    svg.split(&format!("class=\"{class}\""))
        .skip(1)
        .filter_map(|rest| {
            let key = format!("{name}=\"");
            let start = rest.find(&key)? + key.len();
            let end = rest[start..].find('"')? + start;
            rest[start..end].parse().ok()
        })
        .collect()
}

fn bcg() -> (peerstat::data::Table, EffectSizes) {
    let t = read_table(Path::new("fixtures/bcg.csv"), &ColumnMap::new()).unwrap();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).unwrap();
    (t, es)
}

#[test]
fn forest_has_one_marker_per_study_and_the_pooled_diamond() {
    let (_, es) = bcg();
    let fit = RandomEffects::new().fit(&es).unwrap();
    let s = svg::forest(&fit, None, "BCG");
    assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    let yi = attr(&s, "study", "data-yi");
    assert_eq!(yi.len(), 13);
    assert_eq!(yi, es.yi());
    let est = attr(&s, "pooled", "data-estimate");
    assert_eq!(est, vec![fit.summary.estimate]);
    assert_eq!(attr(&s, "pi", "data-lower"), vec![fit.summary.pi_lower]);
    // ratio measure: log axis labelled with ratios, the null line at RR = 1
    assert!(s.contains(">Risk ratio (log scale)<"));
    assert!(
        s.contains(">0.49 [0.34, 0.70]<"),
        "pooled RR shown back-transformed"
    );
}

#[test]
fn forest_with_subgroups_has_a_diamond_per_level() {
    let (t, es) = bcg();
    let m = RandomEffects::new();
    let fit = m.fit(&es).unwrap();
    let sg = subgroups(&t, &es, "alloc", &m, false).unwrap();
    let s = svg::forest(&fit, Some(&sg), "BCG by allocation");
    assert_eq!(attr(&s, "study", "data-yi").len(), 13);
    let sub = attr(&s, "subgroup", "data-estimate");
    let want: Vec<f64> = sg
        .subgroups
        .iter()
        .map(|g| g.fit.summary.estimate)
        .collect();
    assert_eq!(sub, want);
    assert_eq!(
        attr(&s, "pooled", "data-estimate"),
        vec![fit.summary.estimate]
    );
    assert!(s.contains("alloc = random"));
    assert!(s.contains("Test for subgroup differences"));
}

#[test]
fn funnel_marks_filled_studies_hollow() {
    let (_, es) = bcg();
    let s = svg::funnel(
        es.yi(),
        es.vi(),
        -0.7,
        &[(0.1, 0.05)],
        Measure::Rr,
        "funnel",
    );
    assert_eq!(attr(&s, "study", "data-yi").len(), 13);
    assert_eq!(attr(&s, "filled", "data-yi"), vec![0.1]);
    assert!(s.contains("class=\"filled\"") && s.contains("fill=\"white\""));
    // the p < .01 background and the three bands inside it
    assert_eq!(s.matches("class=\"contour").count(), 4);
    assert_eq!(attr(&s, "pooled", "data-estimate"), vec![-0.7]);
}

#[test]
fn cli_writes_forest_and_bubble() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("forest.svg");
    let b = dir.path().join("bubble.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args([
            "meta",
            "fixtures/bcg.csv",
            "--measure",
            "RR",
            "--mods",
            "ablat",
        ])
        .arg("--forest")
        .arg(&f)
        .arg("--bubble")
        .arg(&b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bubble = std::fs::read_to_string(&b).unwrap();
    assert_eq!(attr(&bubble, "study", "data-x").len(), 13);
    let slope = attr(&bubble, "fit", "data-slope")[0];
    assert!((slope + 0.0291).abs() < 1e-3);
    let forest = std::fs::read_to_string(&f).unwrap();
    assert_eq!(attr(&forest, "study", "data-yi").len(), 13);
}

#[path = "common/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

#[test]
fn bubble_sizes_and_bands_follow_metafor_regplot() {
    // fixtures/metafor/regplot.R: dat.bcg, RR, REML, mods = ~ ablat
    let r = fixtures::reference("regplot.json");
    let weights: Vec<f64> = r["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let radii = svg::point_radii(&weights);
    let mut checked = 0;
    for (got, want) in radii.iter().zip(r["psize"].as_array().unwrap()) {
        // a psize (cex) of 1 is drawn with a 4 px radius
        let want = 4.0 * want.as_f64().unwrap();
        assert!((got - want).abs() <= 1e-6 * want, "{got} vs {want}");
        checked += 1;
    }
    assert_eq!(checked, 13);
    // the CLI's bands: the shaded CI polygon and dashed PI lines, with the caption's slope
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bubble.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args([
            "meta",
            "fixtures/bcg.csv",
            "--measure",
            "RR",
            "--mods",
            "ablat",
        ])
        .arg("--bubble")
        .arg(&b)
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = std::fs::read_to_string(&b).unwrap();
    assert_eq!(s.matches("class=\"ci-band\"").count(), 1);
    assert_eq!(s.matches("class=\"pi-band\"").count(), 2);
    assert!(s.contains("slope -0.0291 per unit of ablat"), "caption");
    // each study's radius in the SVG is 4 × metafor's psize for that study
    let drawn = attr(&s, "study", "r");
    let xs = attr(&s, "study", "data-x");
    let ablat: Vec<f64> = r["ablat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mut matched = 0;
    for (x, rad) in xs.iter().zip(&drawn) {
        let ok = ablat
            .iter()
            .zip(&radii)
            .any(|(a, want)| a == x && (rad - want).abs() < 0.01);
        assert!(ok, "study at ablat {x} drawn with r = {rad}");
        matched += 1;
    }
    assert_eq!(matched, 13);
}

#[test]
fn funnel_draws_the_adjusted_estimate_and_the_chosen_axis() {
    let (_, es) = bcg();
    let plot = |y: svg::FunnelY| {
        svg::funnel_plot(
            &svg::FunnelPlot {
                yi: es.yi(),
                vi: es.vi(),
                n: None,
                estimate: -0.71,
                filled: &[(0.31, 0.22)],
                adjusted: Some(-0.657),
                measure: Measure::Rr,
                y,
                pseudo_ci: true,
            },
            "f",
        )
    };
    let s = plot(svg::FunnelY::Se);
    assert_eq!(attr(&s, "adjusted", "data-estimate"), vec![-0.657]);
    assert!(s.contains("trim-and-fill adjusted (-0.66)"));
    assert_eq!(s.matches("class=\"pseudo-ci\"").count(), 2);
    // four distinct shades, each in the legend
    let shades = svg::FUNNEL_SHADES;
    assert_eq!(s.matches("class=\"swatch\"").count(), 4);
    for (i, a) in shades.iter().enumerate() {
        assert!(s.contains(&format!("fill=\"{a}\"")));
        for b in &shades[..i] {
            let g = |h: &str| u8::from_str_radix(&h[1..3], 16).unwrap();
            assert!(g(a).abs_diff(g(b)) >= 30, "{a} vs {b}");
        }
    }
    assert!(s.contains(">Standard error<"));
    // 1/SE: the most precise study at the top
    let p = plot(svg::FunnelY::InvSe);
    assert!(p.contains(">Precision (1/SE)<"));
    let cy = attr(&p, "study", "cy");
    let se = attr(&p, "study", "data-se");
    let top = cy
        .iter()
        .zip(&se)
        .min_by(|a, b| a.0.total_cmp(b.0))
        .unwrap();
    let min_se = se.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(*top.1, min_se);
}

#[test]
fn plane_has_the_mean_and_an_ellipse_that_holds_most_draws() {
    // draws on a tilted cloud: Δc = 10000·Δe + noise
    let draws: Vec<(f64, f64)> = (0..400)
        .map(|i| {
            let u = (i as f64 * 0.618_034).fract() - 0.5;
            let v = (i as f64 * 0.754_877).fract() - 0.5;
            (10_000.0 * (0.02 + 0.04 * u) + 300.0 * v, 0.02 + 0.04 * u)
        })
        .collect();
    let s = svg::PlaneSeries::from_draws("a vs b", draws.clone());
    let (mc, me) = s.mean;
    assert!((me - 0.02).abs() < 1e-3 && (mc - 200.0).abs() < 20.0);
    // the ellipse is the 95% region of a bivariate normal with the draws' covariance
    let c = s.cov.unwrap();
    let det = c[0][0] * c[1][1] - c[0][1] * c[0][1];
    let inside = draws
        .iter()
        .filter(|&&(dc, de)| {
            let (x, y) = (de - me, dc - mc);
            (c[1][1] * x * x - 2.0 * c[0][1] * x * y + c[0][0] * y * y) / det <= 5.991_464_547
        })
        .count();
    assert!(inside >= 360, "{inside} of 400 inside");
    let plot = svg::ce_plane(&[s], &[20_000.0, 30_000.0], "Cost-effectiveness plane");
    assert_eq!(plot.matches("class=\"ellipse\"").count(), 1);
    assert_eq!(attr(&plot, "mean", "data-effect").len(), 1);
    assert_eq!(attr(&plot, "wtp", "data-wtp"), vec![20_000.0, 30_000.0]);
    assert!(plot.contains("<title>Cost-effectiveness plane</title>"));
    // quadrant labels sit on a backing drawn after the points
    let last_draw = plot.rfind("r=\"1.8\"/>").unwrap();
    assert!(plot.find("class=\"quadrant-bg\"").unwrap() > last_draw);
}

#[test]
fn ceac_without_wtp_runs_to_three_times_the_icer() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("ceac.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args([
            "cea",
            "fixtures/econ/arms.csv",
            "--treatment",
            "peer",
            "--control",
            "control",
            "--format",
            "json",
        ])
        .arg("--ceac")
        .arg(&c)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let icer = j["icer"].as_f64().unwrap();
    let grid = peerstat::econ::default_wtp_grid(&[icer]);
    assert!(*grid.last().unwrap() >= 3.0 * icer);
    assert!(*grid.last().unwrap() < 3.0 * icer + grid[1]);
    let s = std::fs::read_to_string(&c).unwrap();
    let line = s.split("class=\"ceac\"").nth(1).unwrap();
    let pts = line.split("points=\"").nth(1).unwrap();
    let n = pts[..pts.find('"').unwrap()].split(' ').count();
    assert_eq!(n, grid.len());
    // the normal approximation: P(INMB > 0) rises from near 0 to near 1
    assert!(s.contains("Cost-effectiveness acceptability"));
}
