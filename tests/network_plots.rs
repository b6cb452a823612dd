//! Network meta-analysis plots: the network graph, the forest plot against the reference and
//! the league-table heat map (structure, the numbers they carry, and the files the CLI writes).

mod common;

use std::path::Path;

use common::cli::{fixture, run};
use peerstat::data::{read_table, ColumnMap};
use peerstat::effect::{EffectOptions, Measure};
use peerstat::model::network::{
    table, CnmaFit, ComponentEstimate, ComponentSpec, Evidence, Network, NetworkFit,
};
use peerstat::report::svg;
use tempfile::TempDir;

/// Arm-level data of a fixture: its evidence (with participants) and its fit.
fn load(name: &str, measure: Measure, reference: &str, small: bool) -> (Evidence, NetworkFit) {
    let t = read_table(Path::new(&fixture(name)), &ColumnMap::new()).unwrap();
    let c =
        table::contrasts_from_arms(&t, "study", "treatment", measure, &EffectOptions::default())
            .unwrap();
    let sizes = table::arm_sizes(&t, "study", "treatment").unwrap();
    let ev = Evidence::from_contrasts(&c).with_participants(&sizes);
    let fit = Network::new()
        .reference(reference)
        .small_values_good(small)
        .fit(&c)
        .unwrap();
    (ev, fit)
}

fn senn() -> (Evidence, NetworkFit) {
    load("senn2013.csv", Measure::Md, "placebo", true)
}

fn hasselblad() -> (Evidence, NetworkFit) {
    load("hasselblad1998.csv", Measure::Or, "no_contact", false)
}

/// Every opening tag is closed in order (self-closing tags aside); panics otherwise.
fn assert_balanced(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    let mut tags = 0;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unclosed '<'") + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        tags += 1;
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or("");
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed tags: {stack:?}");
    assert!(tags > 20, "only {tags} tags");
    assert!(svg.starts_with("<svg") && svg.contains("viewBox=\"0 0 "));
}

/// Every font size given is at least 12 px; returns how many were checked.
fn assert_font_sizes(svg: &str) -> usize {
    let sizes: Vec<f64> = svg
        .split("font-size=\"")
        .skip(1)
        .map(|r| r[..r.find('"').unwrap()].parse().unwrap())
        .collect();
    for s in &sizes {
        assert!(*s >= 12.0, "font size {s}");
    }
    sizes.len()
}

fn count(svg: &str, class: &str) -> usize {
    svg.matches(&format!("class=\"{class}\"")).count()
}

/// The `data-NAME` values of elements with class `class` (its value starting with `class`).
fn attr(svg: &str, class: &str, name: &str) -> Vec<String> {
    svg.split(&format!("class=\"{class}"))
        .skip(1)
        .filter_map(|rest| {
            let key = format!("{name}=\"");
            let start = rest.find(&key)? + key.len();
            let end = rest[start..].find('"')? + start;
            Some(rest[start..end].to_string())
        })
        .collect()
}

#[test]
fn evidence_counts_studies_participants_and_pairs() {
    // counted from the CSV files by hand (python): studies and participants per treatment
    let (ev, _) = senn();
    assert_eq!(ev.treatments.len(), 10);
    assert_eq!(ev.edges.len(), 15);
    assert_eq!(ev.multi_arm.len(), 1);
    let placebo = ev.treatments.iter().position(|t| t == "placebo").unwrap();
    assert_eq!(ev.studies[placebo], 19);
    assert_eq!(ev.participants.as_ref().unwrap()[placebo], 2062.0);
    let (ev, _) = hasselblad();
    let ind = ev
        .treatments
        .iter()
        .position(|t| t == "ind_counseling")
        .unwrap();
    let none = ev
        .treatments
        .iter()
        .position(|t| t == "no_contact")
        .unwrap();
    let e = ev
        .edges
        .iter()
        .find(|e| (e.t1, e.t2) == (ind, none))
        .unwrap();
    assert_eq!(e.studies, 15);
    assert_eq!(ev.multi_arm.len(), 2);
    assert_eq!(ev.participants.as_ref().unwrap()[ind], 7383.0);
    assert_eq!(ev.studies.iter().sum::<usize>(), 50);
    // an arm without its size drops participants rather than undercounting
    let t = read_table(Path::new(&fixture("hasselblad1998.csv")), &ColumnMap::new()).unwrap();
    let mut sizes = table::arm_sizes(&t, "study", "treatment").unwrap();
    assert_eq!(sizes.len(), 50);
    sizes.pop();
    assert_eq!(ev.clone().with_participants(&sizes).participants, None);
    sizes.push(("x".into(), "self_help".into(), f64::NAN));
    assert_eq!(ev.with_participants(&sizes).participants, None);
}

#[test]
fn graph_has_a_node_per_treatment_and_an_edge_per_compared_pair() {
    let (ev, _) = senn();
    let s = svg::network_graph(&ev, "Senn 2013");
    assert_balanced(&s);
    assert!(assert_font_sizes(&s) >= 10);
    assert_eq!(count(&s, "node"), 10);
    assert_eq!(count(&s, "edge"), 15);
    assert_eq!(count(&s, "multiarm"), 1);
    assert_eq!(count(&s, "node-label"), 10);
    // edge widths follow the study counts: rosiglitazone–placebo (6) is the widest
    let ks: Vec<usize> = attr(&s, "edge\"", "data-studies")
        .iter()
        .map(|k| k.parse().unwrap())
        .collect();
    assert_eq!(ks.iter().sum::<usize>(), 28);
    assert!(s.contains("data-treatment=\"placebo\" data-studies=\"19\" data-participants=\"2062\""));
    assert!(s.contains("stroke-width=\"10.0\""), "widest edge");
    // without arm sizes, node area by studies, and the note says so
    let mut plain = ev.clone();
    plain.participants = None;
    assert!(svg::network_graph(&plain, "x").contains("Node area ∝ studies"));
    let (hv, _) = hasselblad();
    let h = svg::network_graph(&hv, "Hasselblad");
    assert_balanced(&h);
    assert_eq!(
        (count(&h, "node"), count(&h, "edge"), count(&h, "multiarm")),
        (4, 6, 2)
    );
}

#[test]
fn forest_sorts_by_p_score_and_states_the_favoured_side() {
    let (_, fit) = senn();
    let s = svg::network_forest(&fit, Measure::Md, true, "Senn 2013");
    assert_balanced(&s);
    assert!(assert_font_sizes(&s) >= 1);
    assert_eq!(count(&s, "row"), 9, "every treatment but the reference");
    let ps: Vec<f64> = attr(&s, "row\"", "data-p-score")
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(ps.len(), 9);
    assert!(
        ps.windows(2).all(|w| w[0] >= w[1]),
        "sorted by P-score: {ps:?}"
    );
    let first = attr(&s, "row\"", "data-treatment");
    assert_eq!(first[0], "rosiglitazone");
    let est: f64 = attr(&s, "row\"", "data-estimate")[0].parse().unwrap();
    let want = fit
        .random
        .estimates
        .iter()
        .find(|e| e.treatment == "rosiglitazone")
        .unwrap();
    assert_eq!(est, want.estimate);
    // small values good: the left side favours the treatment
    assert!(s.contains("← Favours treatment") && s.contains("Favours placebo →"));
    // the common-effect model gives other numbers
    let c = svg::network_forest(&fit, Measure::Md, false, "Senn 2013");
    assert!(c.contains("Common effect"));
    assert_ne!(
        attr(&c, "row\"", "data-estimate")[0],
        attr(&s, "row\"", "data-estimate")[0]
    );
    // ratio measure: back-transformed numbers, larger values better
    let (_, hf) = hasselblad();
    let h = svg::network_forest(&hf, Measure::Or, true, "Hasselblad");
    assert_balanced(&h);
    assert_eq!(count(&h, "row"), 3);
    assert!(h.contains("← Favours no_contact") && h.contains("Favours treatment →"));
    assert!(h.contains("odds ratio vs no_contact (log scale)"));
    let g = hf
        .random
        .estimates
        .iter()
        .find(|e| e.treatment == "grp_counseling")
        .unwrap();
    assert!(
        h.contains(&format!(">{:.2} [", g.estimate.exp())),
        "OR shown as a ratio"
    );
}

#[test]
fn league_has_every_off_diagonal_cell_random_below_common_above() {
    let (_, fit) = senn();
    let s = svg::network_league(&fit, Measure::Md, "Senn 2013");
    assert_balanced(&s);
    assert!(assert_font_sizes(&s) >= 1);
    assert_eq!(count(&s, "diagonal"), 10);
    assert_eq!(count(&s, "cell random"), 45);
    assert_eq!(count(&s, "cell common"), 45);
    // each cell shows row vs column from its model; significance marks the CI excluding 0
    let rows = attr(&s, "cell random", "data-row");
    let cols = attr(&s, "cell random", "data-column");
    let ests = attr(&s, "cell random", "data-estimate");
    let sig = attr(&s, "cell random", "data-significant");
    let mut checked = 0;
    for k in 0..rows.len() {
        let i = fit.treatments.iter().position(|t| *t == rows[k]).unwrap();
        let j = fit.treatments.iter().position(|t| *t == cols[k]).unwrap();
        let cell = fit.random.league[i][j];
        assert_eq!(ests[k].parse::<f64>().unwrap(), cell.estimate);
        assert_eq!(sig[k] == "true", cell.ci_lower > 0.0 || cell.ci_upper < 0.0);
        checked += 1;
    }
    assert_eq!(checked, 45);
    let bold = s.matches("font-weight=\"bold\">").count();
    assert!(bold > 10 + 2 * 10, "significant cells in bold ({bold})");
    let ce = attr(&s, "cell common", "data-estimate");
    let cr = attr(&s, "cell common", "data-row");
    let cc = attr(&s, "cell common", "data-column");
    let i = fit.treatments.iter().position(|t| *t == cr[0]).unwrap();
    let j = fit.treatments.iter().position(|t| *t == cc[0]).unwrap();
    assert_eq!(
        ce[0].parse::<f64>().unwrap(),
        fit.common.league[i][j].estimate
    );
    assert!(s.contains("Lower-left triangle: random effects"));
    let (_, hf) = hasselblad();
    let h = svg::network_league(&hf, Measure::Or, "Hasselblad");
    assert_balanced(&h);
    assert_eq!((count(&h, "cell random"), count(&h, "cell common")), (6, 6));
    assert!(h.contains("the CI excludes 1"));
}

#[test]
fn cli_writes_the_three_plots() {
    let dir = TempDir::new().unwrap();
    let p = |f: &str| dir.path().join(f).display().to_string();
    let (g, f, l) = (p("g.svg"), p("f.svg"), p("l.svg"));
    let senn = fixture("senn2013.csv");
    let res = run(&[
        "network",
        &senn,
        "--measure",
        "MD",
        "--reference",
        "placebo",
        "--small-values-good",
        "--graph",
        &g,
        "--forest",
        &f,
        "--league",
        &l,
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let read = |p: &str| std::fs::read_to_string(p).unwrap();
    assert_eq!(count(&read(&g), "node"), 10);
    assert!(
        read(&g).contains("data-participants=\"2062\""),
        "arm sizes used"
    );
    assert_eq!(count(&read(&f), "row"), 9);
    assert_eq!(count(&read(&l), "cell random"), 45);
    let res = run(&[
        "network",
        &senn,
        "--measure",
        "MD",
        "--forest",
        &f,
        "--forest-model",
        "common",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    assert!(read(&f).contains("Common effect"));
    // an output replacing the input is refused before anything is written
    let res = run(&["network", &senn, "--measure", "MD", "--league", &senn]);
    assert_eq!(res.0, 2);
    assert!(res.2.contains("--league"), "{}", res.2);
}

#[test]
fn values_rounding_to_zero_carry_no_sign() {
    // senn2013: metformin vs pioglitazone (random effects) is −0.0006, shown as 0.00
    let (_, fit) = senn();
    let s = svg::network_league(&fit, Measure::Md, "Senn 2013");
    let m = fit
        .treatments
        .iter()
        .position(|t| t == "metformin")
        .unwrap();
    let p = fit
        .treatments
        .iter()
        .position(|t| t == "pioglitazone")
        .unwrap();
    let e = fit.random.league[p][m].estimate;
    assert!(e < 0.0 && e > -0.005, "{e}");
    assert!(!s.contains(">-0.00<"));
    assert!(s.contains(">0.00<"));
}

/// The component model of fixtures/cnma_toy.csv: components A, B, C, D (C and D always
/// together), P inactive, the interaction A*B, the combinations C+D and A+C (not estimable).
fn toy_components(small: bool) -> CnmaFit {
    let t = read_table(Path::new(&fixture("cnma_toy.csv")), &ColumnMap::new()).unwrap();
    let c = table::contrasts_from_rows(&t, "study").unwrap();
    let spec = ComponentSpec::separator("+")
        .inactive("P")
        .interaction("A*B")
        .combination("C+D")
        .combination("A+C");
    Network::new()
        .small_values_good(small)
        .fit_components(&c, &spec)
        .unwrap()
}

/// The numbers of `rows` as the plot's `data-*` attributes carry them (exactly: `{}` prints
/// the shortest text that reads back as the same f64).
fn same_numbers(s: &str, class: &str, rows: &[ComponentEstimate]) -> usize {
    let names = attr(s, class, "data-component");
    assert_eq!(
        names,
        rows.iter().map(|e| e.component.clone()).collect::<Vec<_>>()
    );
    let mut n = 0;
    for (key, f) in [
        (
            "data-estimate",
            (|e: &ComponentEstimate| e.estimate) as fn(&ComponentEstimate) -> f64,
        ),
        ("data-se", |e| e.se),
        ("data-ci-lower", |e| e.ci_lower),
        ("data-ci-upper", |e| e.ci_upper),
    ] {
        let got: Vec<f64> = attr(s, class, key)
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(got, rows.iter().map(f).collect::<Vec<_>>(), "{class} {key}");
        n += got.len();
    }
    n
}

#[test]
fn component_forest_draws_every_component_with_the_fits_numbers() {
    let fit = toy_components(false);
    let mut checked = 0;
    for random in [true, false] {
        let s = svg::component_forest(&fit, Measure::Md, random, "toy");
        assert_balanced(&s);
        assert!(assert_font_sizes(&s) >= 1);
        let (comps, combos) = if random {
            (&fit.components, &fit.combinations)
        } else {
            (&fit.components_common, &fit.combinations_common)
        };
        assert_eq!(comps.len(), 3, "A, B and A*B");
        checked += same_numbers(&s, "component", &comps[..2]);
        checked += same_numbers(&s, "interaction", &comps[2..]);
        checked += same_numbers(&s, "combination", combos);
        // C and D cannot be estimated (always together), nor can A+C: listed with the reason
        assert_eq!(
            attr(&s, "not-estimable", "data-component"),
            ["C", "D", "A+C"]
        );
        let reasons: Vec<String> = fit
            .not_identifiable
            .iter()
            .map(|n| n.reason.clone())
            .collect();
        assert_eq!(attr(&s, "not-estimable", "data-reason"), reasons);
        assert_eq!(
            attr(&s, "not-estimable", "data-kind"),
            ["component", "component", "combination"]
        );
        assert_eq!(s.matches("not estimable: ").count(), 3);
        // blocks in order: components, interactions, combinations
        let at = |t: &str| s.find(t).unwrap();
        assert!(at(">Components<") < at(">Interactions<"));
        assert!(at(">Interactions<") < at(">Combinations<"));
        // the favoured side follows each interval (larger is better here)
        let fav = attr(&s, "combination", "data-favours");
        let c = &combos[0];
        let want = if c.ci_lower > 0.0 {
            "adding"
        } else if c.ci_upper < 0.0 {
            "absence"
        } else {
            "unclear"
        };
        assert_eq!(fav, [want]);
        assert!(s.contains(if random {
            "Random effects"
        } else {
            "Common effect"
        }));
    }
    // 2 models × (2 components + 1 interaction + 1 combination) × 4 numbers
    assert_eq!(checked, 2 * 4 * 4);
    // C+D in the common-effect model lies clearly above 0: it favours adding it
    assert!(fit.combinations_common[0].ci_lower > 0.0);
    let s = svg::component_forest(&fit, Measure::Md, false, "toy");
    assert_eq!(attr(&s, "combination", "data-favours"), ["adding"]);
    let left = |s: &str| {
        let i = s.find("← ").unwrap();
        s[i..i + 40].to_string()
    };
    assert!(left(&s).contains("Favours leaving it out"));
    // smaller is better: the sides swap, and C+D (above 0) favours leaving it out
    let small = toy_components(true);
    let s = svg::component_forest(&small, Measure::Md, false, "toy");
    assert!(left(&s).contains("Favours adding it"));
    assert_eq!(attr(&s, "combination", "data-favours"), ["absence"]);
}

#[test]
fn cli_writes_the_component_forest() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("c.svg").display().to_string();
    let linde = fixture("linde2016.csv");
    let res = run(&[
        "network",
        &linde,
        "--measure",
        "OR",
        "--components-sep",
        "+",
        "--inactive",
        "Placebo",
        "--combination",
        "Face-to-face PST + SSRI",
        "--components-forest",
        &out,
        "--format",
        "json",
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let s = std::fs::read_to_string(&out).unwrap();
    assert_balanced(&s);
    let json = common::cli::parse_json(&res.1);
    let comps = json["components"].as_array().unwrap();
    assert_eq!(comps.len(), 18);
    // every random-effects component of the JSON is drawn with its numbers
    let est = attr(&s, "component", "data-estimate");
    assert_eq!(est.len(), 18);
    for (c, e) in comps.iter().zip(&est) {
        assert_eq!(c["estimate"].as_f64().unwrap(), e.parse::<f64>().unwrap());
    }
    assert_eq!(count(&s, "combination"), 1);
    assert!(s.contains("(log scale)") && s.contains("odds ratio"));
    // without a component model the flag is a usage error
    let res = run(&["network", &linde, "--components-forest", &out]);
    assert_eq!(res.0, 2);
    assert!(res.2.contains("--components-forest"), "{}", res.2);
}

/// With a component model, `--graph`, `--forest` and `--league` draw the standard network (not
/// silently nothing); a disconnected network that only the components connect cannot be drawn.
#[test]
fn component_runs_draw_the_standard_networks_plots_too() {
    let dir = TempDir::new().unwrap();
    let g = dir.path().join("g.svg").display().to_string();
    let f = dir.path().join("f.svg").display().to_string();
    let l = dir.path().join("l.svg").display().to_string();
    let linde = fixture("linde2016.csv");
    let res = run(&[
        "network",
        &linde,
        "--measure",
        "OR",
        "--components-sep",
        "+",
        "--inactive",
        "Placebo",
        "--graph",
        &g,
        "--forest",
        &f,
        "--league",
        &l,
    ]);
    assert_eq!(res.0, 0, "{}", res.2);
    let graph = std::fs::read_to_string(&g).unwrap();
    // linde2016 has 22 treatments: one node each
    assert_eq!(count(&graph, "node"), 22);
    assert!(std::fs::read_to_string(&f).unwrap().contains("P-score"));
    assert!(std::fs::metadata(&l).unwrap().len() > 1000);
}
