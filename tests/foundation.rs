//! Regression tests for the defects fixed with the foundation work (issue #10): CSV output of
//! every command, the confidence level in every label, subgroup test labels, exact t quantiles,
//! plots matched by row, typed errors and the exit-code table, checked inputs.

mod common;

use common::cli::*;
use ndarray::Array2;
use peerstat::econ::{self, PatientOptions};
use peerstat::effect::{EffectSizes, Measure};
use peerstat::error::{Error, Setting};
use serde_json::Value;

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn col<'a>(h: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = h
        .iter()
        .position(|x| x == name)
        .unwrap_or_else(|| panic!("no column {name} in {h:?}"));
    &row[i]
}

#[test]
fn bias_csv_is_csv_with_the_json_values() {
    let bcg = fixture("bcg.csv");
    let (code, out, err) = run(&["bias", &bcg, "--measure", "RR", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("Publication bias checks"),
        "the table was printed: {out}"
    );
    let (h, rows) = csv_rows(&out);
    assert_eq!(rows.len(), 1);
    let j = json_of(&["bias", &bcg, "--measure", "RR", "--format", "json"]);
    for (key, path) in [
        ("egger.statistic", &j["egger"]["statistic"]),
        ("begg.p_value", &j["begg"]["p_value"]),
        ("trimfill.estimate", &j["trimfill"]["estimate"]),
        ("fail_safe_n.rosenthal", &j["fail_safe_n"]["rosenthal"]),
    ] {
        let v: f64 = col(&h, &rows[0], key).parse().unwrap();
        assert_eq!(v, path.as_f64().unwrap(), "{key}");
    }
    assert_eq!(col(&h, &rows[0], "trimfill.side"), "right");
    assert!(!h.iter().any(|c| c.starts_with("options")));
}

#[test]
fn influence_and_cumulative_csv_have_a_row_per_study() {
    let bcg = fixture("bcg.csv");
    let (code, out, err) = run(&["influence", &bcg, "--measure", "RR", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let (h, rows) = csv_rows(&out);
    assert_eq!(rows.len(), 13);
    assert_eq!(h[0], "study");
    let j = json_of(&["influence", &bcg, "--measure", "RR", "--format", "json"]);
    let first: f64 = col(&h, &rows[0], "rstudent").parse().unwrap();
    assert_eq!(first, j["studies"][0]["rstudent"].as_f64().unwrap());
    let (code, out, _) = run(&[
        "influence",
        &bcg,
        "--measure",
        "RR",
        "--cumulative",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let (h, rows) = csv_rows(&out);
    assert_eq!(rows.len(), 13);
    assert_eq!(col(&h, &rows[12], "k"), "13");
}

#[test]
fn cea_csv_for_each_shape() {
    let (code, out, err) = run(&[
        "cea",
        "fixtures/econ/strategies_herc.csv",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let (h, rows) = csv_rows(&out);
    assert!(
        h.contains(&"icer".to_string()) && h.contains(&"status".to_string()),
        "{h:?}"
    );
    assert!(rows.len() >= 3);
    let (code, out, _) = run(&[
        "cea",
        "fixtures/econ/psa.csv",
        "--wtp-grid",
        "0:50000:10000",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let (h, rows) = csv_rows(&out);
    assert_eq!(rows.len(), 6);
    assert!(h.iter().any(|c| c.starts_with("p_best.")), "{h:?}");
    let (code, out, _) = run(&[
        "cea",
        "fixtures/econ/patients.csv",
        "--treatment",
        "peer",
        "--control",
        "control",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let (h, rows) = csv_rows(&out);
    assert_eq!(rows.len(), 2, "one row per WTP (20000, 30000)");
    assert_eq!(col(&h, &rows[1], "wtp"), "30000");
    assert!(h.contains(&"inmb_estimate".to_string()));
}

#[test]
fn mh_csv_columns_follow_the_json_order() {
    let bcg = fixture("bcg.csv");
    let (_, out, _) = run(&[
        "meta",
        &bcg,
        "--measure",
        "OR",
        "--method",
        "MH",
        "--format",
        "csv",
    ]);
    let j = json_of(&[
        "meta",
        &bcg,
        "--measure",
        "OR",
        "--method",
        "MH",
        "--format",
        "json",
    ]);
    let (h, _) = csv_rows(&out);
    // nested objects (Tarone's test) become dotted columns, in order
    let keys: Vec<String> = j
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(k, v)| match v.as_object() {
            Some(o) => o.keys().map(|s| format!("{k}.{s}")).collect::<Vec<_>>(),
            None => vec![k.clone()],
        })
        .collect();
    assert_eq!(h, keys);
    assert!(h.contains(&"tarone.p".to_string()));
    assert_eq!(&h[..4], ["measure", "method", "k", "estimate"]);
}

#[test]
fn map_csv_quotes_every_special_character() {
    use peerstat::framework::map::{MapCell, MapData};
    let cell = |row: &str| MapCell {
        row: row.into(),
        col: "mental health".into(),
        k: 2,
        effects: 3,
        model: Some("REML + ad hoc KH".into()),
        estimate: Some(0.25),
        ci_lower: Some(0.1),
        ci_upper: None,
        measure: "SMD".into(),
        note: None,
    };
    let md = MapData {
        title: String::new(),
        simulated: false,
        note: String::new(),
        rows_label: "activity".into(),
        cols_label: "outcome domain".into(),
        segment_label: "risk".into(),
        rows: vec![],
        cols: vec![],
        segments: vec![],
        filters: Default::default(),
        studies: vec![],
        cells: vec![cell("a, b"), cell("say \"hi\""), cell("two\nlines")],
        elements: None,
    };
    let text = peerstat::report::csv::map(&md, "activity", "outcome_domain").unwrap();
    let (h, rows) = csv_rows(&text);
    assert_eq!(
        h[..4],
        ["activity", "outcome_domain", "measure", "studies_mapped"]
    );
    let back: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(back, ["a, b", "say \"hi\"", "two\nlines"]);
    assert_eq!(h[8], "ci_upper");
    assert_eq!(rows[0][8], "", "undefined values are empty cells");
}

#[test]
fn bias_table_and_report_headers_show_the_level_used() {
    let bcg = fixture("bcg.csv");
    let (code, out, _) = run(&["bias", &bcg, "--measure", "RR", "--level", "90"]);
    assert_eq!(code, 0);
    let limit = out.lines().find(|l| l.contains("limit estimate")).unwrap();
    assert!(limit.contains("(90% CI"), "{limit}");
    let dir = tempfile::tempdir().unwrap();
    let rep = dir.path().join("rep");
    let (code, _, err) = run(&[
        "evaluate",
        "seeds/demo.parquet",
        "--level",
        "90",
        "-o",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(rep.join("index.html")).unwrap();
    assert!(html.contains("Pooled effect [90% CI]"));
    assert!(html.contains("Pooled INMB [90% CI]"));
    assert!(!html.contains("95% CI"), "a 95 is left in the report");
}

#[test]
fn common_tau2_subgroup_tests_are_labelled_right() {
    let bcg = fixture("bcg.csv");
    let (code, out, _) = run(&[
        "meta",
        &bcg,
        "--measure",
        "RR",
        "--by",
        "alloc",
        "--common-tau2",
    ]);
    assert_eq!(code, 0);
    assert!(!out.contains("separate tau^2"), "{out}");
    assert!(out.contains("Test for subgroup differences (Wald, common tau^2): Q(df = 2)"));
    assert!(
        out.contains("Test for subgroup differences (common tau^2, moderator test):   QM(df = 2)")
    );
    let (_, out, _) = run(&["meta", &bcg, "--measure", "RR", "--by", "alloc"]);
    assert!(out.contains("Test for subgroup differences (separate tau^2): Q(df = 2)"));
}

#[test]
fn t_confidence_limits_and_p_values_agree_at_every_df() {
    use peerstat::dist::{t_p2, t_quantile};
    for df in [3.0, 50.0, 9_999.0, 10_001.0, 5e4, 3.9e5, 4.1e5, 1e8] {
        let t = t_quantile(0.975, df);
        assert!(((t_p2(t, df) - 0.05) / 0.05).abs() < 1e-9, "df {df}");
    }
}

#[test]
fn forest_weights_and_bubble_moderators_are_matched_by_row() {
    let dir = tempfile::tempdir().unwrap();
    // Study "A" contributes two effects with the same yi but different variances, in two
    // subgroups and at two moderator values.
    let f = write_csv(
        &dir,
        "dup.csv",
        "study,yi,vi,grp,x\nA,0.2,0.01,g1,1\nA,0.2,0.1,g2,5\nB,0.5,0.02,g1,2\nC,0.1,0.03,g2,3\nD,0.4,0.05,g1,4\n",
    );
    let forest = path_str(&dir.path().join("f.svg"));
    let (code, _, err) = run(&["meta", &f, "--by", "grp", "--forest", &forest]);
    assert_eq!(code, 0, "{err}");
    let j = meta_json(&[&f]);
    let want: Vec<f64> = j["studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["weight"].as_f64().unwrap())
        .collect();
    let svg = std::fs::read_to_string(&forest).unwrap();
    let weights: Vec<f64> = svg
        .split("data-weight=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    let a_weights: Vec<f64> = svg
        .split("data-study=\"A\"")
        .skip(1)
        .map(|s| {
            let w = &s[s.find("data-weight=\"").unwrap() + 13..];
            w[..w.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(weights.len(), 5);
    assert_eq!(a_weights.len(), 2);
    assert_eq!(a_weights[0], want[0], "row 1 keeps its own weight");
    assert_eq!(a_weights[1], want[1], "row 2 keeps its own weight");
    let bubble = path_str(&dir.path().join("b.svg"));
    let (code, _, err) = run(&["meta", &f, "--mods", "x", "--bubble", &bubble]);
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(&bubble).unwrap();
    let mut xs: Vec<f64> = svg
        .split("data-x=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    xs.sort_by(f64::total_cmp);
    assert_eq!(xs, [1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn exit_codes_follow_the_table() {
    // 3: a file that cannot be read
    let (code, _, err) = run(&["meta", "no/such/file.csv", "--measure", "RR"]);
    assert_eq!(code, 3, "{err}");
    // 2: bad options and data that cannot support the analysis
    assert_eq!(
        run(&[
            "meta",
            &fixture("bcg.csv"),
            "--measure",
            "RR",
            "--level",
            "120"
        ])
        .0,
        2
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write_csv(&dir, "two.csv", "study,yi,vi\nA,0.1,0.01\nB,0.3,0.02\n");
    assert_eq!(run(&["bias", &f]).0, 2);
    // 1: REML that does not converge in the iterations allowed
    let (code, _, err) = run(&[
        "meta",
        &fixture("bcg.csv"),
        "--measure",
        "RR",
        "--max-iter",
        "1",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("hint: damp the steps with --stepadj 0.5"),
        "{err}"
    );
}

#[test]
fn library_errors_are_typed_and_name_no_flag() {
    let errors: Vec<Error> = vec![
        peerstat::model::rve::Rve::new(2.0, 95.0).unwrap_err(),
        "XYZ".parse::<Measure>().unwrap_err(),
        "XYZ".parse::<peerstat::effect::VarianceType>().unwrap_err(),
        "XYZ".parse::<peerstat::effect::AddTo>().unwrap_err(),
        "XYZ".parse::<peerstat::model::Tau2Method>().unwrap_err(),
        peerstat::model::RandomEffects::new()
            .step_adjustment(2.0)
            .unwrap_err(),
        peerstat::data::ColumnMap::parse(&["n_t"]).unwrap_err(),
        econ::parse_wtp(Some("abc"), None).unwrap_err(),
        peerstat::econ::table::Shape::parse("x").unwrap_err(),
    ];
    assert_eq!(errors.len(), 9);
    for e in &errors {
        assert!(!e.to_string().contains("--"), "names a flag: {e}");
        assert!(matches!(e, Error::Setting { .. }), "{e:?}");
        assert_eq!(e.exit_code(), 2);
    }
    assert!(matches!(
        errors[0],
        Error::Setting {
            setting: Setting::Rho,
            ..
        }
    ));
    let es = EffectSizes::from_slices(Measure::Gen, &[0.1, 0.2], &[0.01, 0.02]).unwrap();
    let e = peerstat::diag::begg(&es).unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooFew {
                needed: 3,
                found: 2,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn inputs_of_different_lengths_are_errors_not_panics() {
    let e = econ::sur(&[1.0, 2.0, 3.0], &[1.0, 2.0], &[0.0, 1.0, 1.0], &[], &[]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Length {
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{e:?}"
    );
    let opts = PatientOptions::default();
    let e = econ::analyse_patients(
        "t",
        "c",
        &[1.0, 2.0, 3.0, 4.0],
        &[1.0, 2.0, 3.0],
        &[true, true, false, false],
        &opts,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Length { .. }), "{e:?}");
    let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let c = Array2::<f64>::zeros((4, 2));
    let e2 = Array2::<f64>::zeros((4, 2));
    let e = econ::analyse_draws(&names, &c, &e2, &[0.0], None).unwrap_err();
    assert!(matches!(e, Error::Length { .. }), "{e:?}");
    let e = econ::analyse_draws(&names[..2], &c, &Array2::zeros((3, 2)), &[0.0], None).unwrap_err();
    assert!(matches!(e, Error::Length { .. }), "{e:?}");
    let e = EffectSizes::new(
        Measure::Gen,
        vec!["a".into()],
        vec![0.1, 0.2],
        vec![0.01, 0.02],
        vec![0, 1],
        2,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Length { .. }), "{e:?}");
}

#[test]
fn option_defaults_are_usable_and_levels_are_checked() {
    assert_eq!(PatientOptions::default().level, 95.0);
    assert_eq!(peerstat::econ::table::CeaOptions::default().level, 95.0);
    let bad = PatientOptions {
        level: 0.0,
        ..PatientOptions::default()
    };
    let e = econ::analyse_patients(
        "t",
        "c",
        &[1.0, 2.0, 3.0, 4.0],
        &[1.0, 2.0, 3.0, 4.0],
        &[true, true, false, false],
        &bad,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Setting {
                setting: Setting::Level,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn evaluation_is_data_with_ceac_and_skipped_sections() {
    use peerstat::data::{read_table, ColumnMap};
    use peerstat::framework::evaluate::{evaluate, EvaluateOptions};
    use peerstat::framework::Codebook;
    let mut t = read_table(
        std::path::Path::new("seeds/demo.parquet"),
        &ColumnMap::new(),
    )
    .unwrap();
    let costs = read_table(
        std::path::Path::new("seeds/demo_costs.parquet"),
        &ColumnMap::new(),
    )
    .unwrap();
    let ev = evaluate(
        &mut t,
        &Codebook::builtin(),
        std::path::Path::new("seeds/demo.parquet"),
        Some(&costs),
        &EvaluateOptions::default(),
    )
    .unwrap();
    let c = ev.ceac.as_ref().expect("pooled CEAC");
    assert_eq!(c.wtp.len(), 51);
    assert!(c.probability.iter().all(|p| (0.0..=1.0).contains(p)));
    let json: Value = serde_json::to_value(&ev).unwrap();
    assert_eq!(json["ceac"]["probability"].as_array().unwrap().len(), 51);
    assert_eq!(json["options"]["level"], 95.0);
    // a domain with fewer than 10 effects records why bias checks did not run
    let small = ev
        .domains
        .iter()
        .find(|d| d.pooled.as_ref().is_some_and(|p| p.summary.k < 10))
        .expect("a small domain");
    assert!(small.bias.is_none());
    assert!(small
        .skipped
        .iter()
        .any(|s| s.section == "bias" && s.reason.contains("fewer than 10")));
    // the SVGs come from the report module, drawn from the data alone
    let svgs = peerstat::report::evaluation::svgs(&ev);
    assert!(svgs
        .iter()
        .any(|(n, s)| n == "ceac.svg" && s.contains("<polyline")));
}
