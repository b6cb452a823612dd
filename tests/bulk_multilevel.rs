//! Bulk multilevel reanalysis (`reanalyse --random … --vcalc … --robust …`): every group's row
//! is the single fit of `peerstat meta --random` (library and command) on that group alone; a
//! group that cannot be fitted gets an error row; CSV and Parquet outputs carry the columns.

use std::path::Path;
use std::process::Command;

use peerstat::bulk::{BulkMultilevel, MultilevelRow, Reanalysis};
use peerstat::data::{read_table, write_table, Column, ColumnMap, Table};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::multilevel::{CovSource, MultilevelMethod, MultilevelModel, MultilevelTest};
use peerstat::model::robust::{cluster_ids, Robust, RobustType};
use peerstat::model::vcalc::VcalcSpec;

/// Groups in the test data; the last one has a single study.
const GROUPS: usize = 25;

/// A deterministic uniform in [0, 1) (an LCG), so the data need no random-number crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// CHE-shaped data: `GROUPS` reviews (`review` r0, r1, …) of 8–12 studies with 1–4 effects each,
/// true effects varying by study and effect; the last review puts all its effects in study 1.
fn che_table() -> Table {
    let mut rng = Lcg(42);
    let (mut review, mut study, mut esid, mut yi, mut vi) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for g in 0..GROUPS {
        let studies = 8 + (rng.next() * 5.0) as i64;
        let mu = 0.1 + 0.4 * rng.next();
        for s in 0..studies {
            let u = 0.3 * (rng.next() - 0.5);
            let effects = 1 + (rng.next() * 4.0) as i64;
            for e in 0..effects {
                let v = 0.01 + 0.05 * rng.next();
                review.push(Some(format!("r{g}")));
                study.push(Some(if g == GROUPS - 1 { 1 } else { s + 1 }));
                esid.push(Some(if g == GROUPS - 1 { s * 10 + e } else { e + 1 }));
                yi.push(Some(
                    mu + u + 0.2 * (rng.next() - 0.5) + v.sqrt() * (rng.next() - 0.5),
                ));
                vi.push(Some(v));
            }
        }
    }
    Table::from_columns(
        "che",
        vec![
            ("review".into(), Column::Str(review)),
            ("study".into(), Column::Int(study)),
            ("esid".into(), Column::Int(esid)),
            ("yi".into(), Column::Float(yi)),
            ("vi".into(), Column::Float(vi)),
        ],
    )
    .unwrap()
}

fn spec() -> VcalcSpec {
    VcalcSpec {
        cluster: "study".into(),
        obs: Some("esid".into()),
        rho: 0.6,
        ..VcalcSpec::default()
    }
}

fn factors() -> Vec<String> {
    vec!["study".into(), "esid".into()]
}

/// The rows of review `g` as a table of their own.
fn group(t: &Table, g: usize) -> Table {
    let Some(Column::Str(r)) = t.get("review") else {
        panic!("review column")
    };
    let want = format!("r{g}");
    let rows: Vec<usize> = (0..t.nrows())
        .filter(|&i| r[i].as_deref() == Some(want.as_str()))
        .collect();
    t.take(&rows)
}

/// The single fit of `meta --random '~ 1 | study/esid' --vcalc … --robust study` on `g`,
/// through the library as the command runs it.
fn single(model: &MultilevelModel, robust: Option<Robust>, g: &Table) -> MultilevelRow {
    let es = EffectSizes::compute(g, Measure::Gen, &EffectOptions::default()).unwrap();
    let source = CovSource::Vcalc(spec());
    let t = model
        .fit_table_cov(g, &es, &factors(), &[], Some(&source))
        .unwrap();
    let rob = robust.map(|r| {
        let ids = cluster_ids(g, "study", t.rows.iter().copied()).unwrap();
        r.fit_multilevel(&t.fit, &ids).unwrap()
    });
    MultilevelRow::new(&t, rob.as_ref())
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
        "{what}: {a} vs {b}"
    );
}

fn assert_rows_equal(got: &MultilevelRow, want: &MultilevelRow, what: &str) {
    assert_eq!(got.k, want.k, "{what} k");
    close(got.first.estimate, want.first.estimate, what);
    close(got.first.se, want.first.se, what);
    close(got.first.ci_lower, want.first.ci_lower, what);
    close(got.first.p_value, want.first.p_value, what);
    close(got.loglik, want.loglik, what);
    close(got.q, want.q, what);
    assert_eq!(got.sigma2.len(), 2, "{what}");
    for (a, b) in got.sigma2.iter().zip(&want.sigma2) {
        close(*a, *b, what);
    }
    assert_eq!(got.df, want.df, "{what} df");
    match (&got.robust, &want.robust) {
        (Some(a), Some(b)) => {
            assert_eq!(a.clusters, b.clusters, "{what}");
            close(a.est.se, b.est.se, what);
            close(a.df, b.df, what);
            close(a.est.p_value, b.est.p_value, what);
            close(a.est.ci_upper, b.est.ci_upper, what);
        }
        (None, None) => {}
        _ => panic!("{what}: robust inference on one side only"),
    }
}

#[test]
fn every_group_equals_its_single_fit_and_a_one_cluster_group_fails_alone() {
    let t = che_table();
    for (model, robust) in [
        (
            MultilevelModel::new(),
            Some(Robust::new(RobustType::Cr2, 95.0).unwrap()),
        ),
        (
            MultilevelModel::new()
                .method(MultilevelMethod::Ml)
                .test(MultilevelTest::T)
                .fix_sigma2(vec![None, Some(0.0)]),
            Some(Robust::new(RobustType::Cr1, 90.0).unwrap()),
        ),
        (MultilevelModel::new(), None),
    ] {
        let mut ml = BulkMultilevel::new(model.clone(), &factors())
            .unwrap()
            .vcalc(spec())
            .unwrap();
        if let Some(r) = robust {
            ml = ml.robust(r, "study");
        }
        let results = Reanalysis::new(&["review"], Measure::Gen)
            .multilevel(ml)
            .run_table(&t)
            .unwrap();
        assert_eq!(results.len(), GROUPS);
        let mut checked = 0;
        for (g, res) in results.iter().enumerate().take(GROUPS - 1) {
            assert_eq!(res.error, None, "group {g}");
            let got = res.multilevel.as_ref().unwrap();
            assert_rows_equal(
                got,
                &single(&model, robust, &group(&t, g)),
                &format!("r{g}"),
            );
            checked += 1;
        }
        assert_eq!(checked, GROUPS - 1);
        let bad = &results[GROUPS - 1];
        assert!(bad.multilevel.is_none());
        let e = bad.error.as_deref().unwrap();
        assert!(e.contains("'study'") && e.contains("2 levels"), "{e}");
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_peerstat")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn col(t: &Table, name: &str) -> Vec<Option<f64>> {
    match t.get(name).unwrap_or_else(|| panic!("column {name}")) {
        Column::Float(v) => v.clone(),
        Column::Int(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
        c => panic!("{name}: {}", c.type_name()),
    }
}

const CHE_ARGS: [&str; 8] = [
    "--measure",
    "GEN",
    "--random",
    "~ 1 | study/esid",
    "--vcalc",
    "cluster=study,obs=esid,rho=0.6",
    "--robust",
    "study",
];

/// Checks an output file against `meta --format json` on each group (every third group).
fn check_output(out: &Table, dir: &Path, t: &Table) -> usize {
    let names = out.names();
    let at = |n: &str| names.iter().position(|c| c == n).unwrap_or(usize::MAX);
    let expected = [
        "review",
        "k",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "statistic",
        "p_value",
        "df",
        "sigma2_1",
        "sigma2_2",
        "i2_1",
        "i2_2",
        "q",
        "q_df",
        "q_p",
        "loglik",
        "deviance",
        "aic",
        "bic",
        "pi_lower",
        "pi_upper",
        "iterations",
        "robust_clusters",
        "robust_se",
        "robust_df",
        "robust_statistic",
        "robust_p",
        "robust_ci_lower",
        "robust_ci_upper",
        "error",
    ];
    assert_eq!(names, expected);
    assert!(at("sigma2_2") < at("robust_se"));
    assert_eq!(out.nrows(), GROUPS);
    let mut checked = 0;
    for g in (0..GROUPS - 1).step_by(3) {
        let path = dir.join(format!("g{g}.csv"));
        write_table(&group(t, g), &path).unwrap();
        let mut args = vec!["meta", path.to_str().unwrap()];
        args.extend(CHE_ARGS);
        args.extend(["--no-profile-ci", "--format", "json"]);
        let (code, json, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let j: serde_json::Value = serde_json::from_str(&json).unwrap();
        let num = |v: &serde_json::Value| v.as_f64().unwrap();
        let pairs = [
            ("estimate", num(&j["estimate"])),
            ("se", num(&j["se"])),
            ("p_value", num(&j["p_value"])),
            ("sigma2_1", num(&j["sigma2"][0])),
            ("sigma2_2", num(&j["sigma2"][1])),
            ("i2_2", num(&j["i2_levels"][1])),
            ("q", num(&j["qe"])),
            ("loglik", num(&j["loglik"])),
            ("bic", num(&j["bic"])),
            ("pi_upper", num(&j["pi_upper"])),
            ("robust_se", num(&j["robust"]["coefficients"][0]["se"])),
            ("robust_df", num(&j["robust"]["coefficients"][0]["df"])),
            ("robust_p", num(&j["robust"]["coefficients"][0]["p_value"])),
            (
                "robust_ci_lower",
                num(&j["robust"]["coefficients"][0]["ci_lower"]),
            ),
            ("robust_clusters", num(&j["robust"]["clusters"])),
        ];
        for (name, want) in pairs {
            let got = col(out, name)[g].unwrap_or_else(|| panic!("r{g} {name} missing"));
            close(got, want, &format!("r{g} {name}"));
        }
        checked += 1;
    }
    let err = out.get("error").unwrap();
    assert_eq!(err.text(0), None);
    assert!(err.text(GROUPS - 1).unwrap().contains("'study'"));
    assert_eq!(col(out, "estimate")[GROUPS - 1], None);
    checked
}

#[test]
fn csv_and_parquet_outputs_carry_the_multilevel_columns_and_equal_meta() {
    let dir = tempfile::tempdir().unwrap();
    let t = che_table();
    let input = dir.path().join("che.parquet");
    write_table(&t, &input).unwrap();
    // CSV output through the command.
    let csv = dir.path().join("out.csv");
    let mut args = vec!["reanalyse", input.to_str().unwrap(), "--group-by", "review"];
    args.extend(CHE_ARGS);
    args.extend(["--quiet", "-o", csv.to_str().unwrap()]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 failed"), "{err}");
    let out = read_table(&csv, &ColumnMap::new()).unwrap();
    assert_eq!(check_output(&out, dir.path(), &t), 8);
    // Parquet output through the library, streamed in small batches (groups span batches).
    let pq = dir.path().join("out.parquet");
    let ml = BulkMultilevel::new(MultilevelModel::new(), &factors())
        .unwrap()
        .vcalc(spec())
        .unwrap()
        .robust(Robust::new(RobustType::Cr2, 95.0).unwrap(), "study");
    let report = Reanalysis::new(&["review"], Measure::Gen)
        .multilevel(ml)
        .batch_rows(37)
        .run(&input, &pq, &|_, _, _| {})
        .unwrap();
    assert!(report.clustered);
    assert_eq!((report.groups, report.failed), (GROUPS, 1));
    let out = read_table(&pq, &ColumnMap::new()).unwrap();
    assert_eq!(check_output(&out, dir.path(), &t), 8);
}

#[test]
fn bad_multilevel_options_are_refused_before_any_group() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("che.csv");
    write_table(&che_table(), &input).unwrap();
    let out = dir.path().join("out.csv");
    let base = [
        "reanalyse",
        input.to_str().unwrap(),
        "--group-by",
        "review",
        "--measure",
        "GEN",
        "--random",
        "~ 1 | study/esid",
        "-o",
        out.to_str().unwrap(),
    ];
    for (extra, needle) in [
        (vec!["--sigma2", "NA"], "--sigma2"),
        (vec!["--vcalc", "cluster=study,obs=esid,rho=1.5"], "rho"),
        (vec!["--method", "DL"], "REML or ML"),
        (vec!["--robust", "nosuch"], "nosuch"),
    ] {
        let mut args = base.to_vec();
        args.extend(extra.iter());
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert!(!out.exists(), "{extra:?}: no output");
    }
}

#[test]
fn a_missing_level_fails_its_group_naming_the_file_row() {
    let t = che_table();
    let Some(Column::Str(r)) = t.get("review") else {
        panic!("review column")
    };
    // The third row of review r3.
    let row = (0..t.nrows())
        .filter(|&i| r[i].as_deref() == Some("r3"))
        .nth(2)
        .unwrap();
    let Some(Column::Int(esid)) = t.get("esid") else {
        panic!("esid column")
    };
    let mut esid = esid.clone();
    esid[row] = None;
    let mut t = t.clone();
    t.push_column("esid", Column::Int(esid)).unwrap();
    let ml = BulkMultilevel::new(MultilevelModel::new(), &factors()).unwrap();
    let results = Reanalysis::new(&["review"], Measure::Gen)
        .multilevel(ml)
        .run_table(&t)
        .unwrap();
    let failed: Vec<usize> = (0..results.len())
        .filter(|&g| results[g].error.is_some())
        .collect();
    assert_eq!(failed, vec![3, GROUPS - 1]);
    let e = results[3].error.as_deref().unwrap();
    assert!(
        e.starts_with(&format!("row {}, column esid:", row + 1)),
        "{e}"
    );
}

#[test]
fn renamed_factor_columns_are_read_through_col() {
    let dir = tempfile::tempdir().unwrap();
    let t = che_table();
    let plain = dir.path().join("plain.csv");
    write_table(&t, &plain).unwrap();
    let text = std::fs::read_to_string(&plain).unwrap();
    let renamed = dir.path().join("renamed.csv");
    std::fs::write(&renamed, text.replacen("esid", "effect_no", 1)).unwrap();
    let mut outs = Vec::new();
    for (input, extra) in [(&plain, None), (&renamed, Some("esid=effect_no"))] {
        let out = dir.path().join(format!("out{}.csv", outs.len()));
        let mut args = vec!["reanalyse", input.to_str().unwrap(), "--group-by", "review"];
        args.extend(CHE_ARGS);
        if let Some(c) = extra {
            args.extend(["--col", c]);
        }
        args.extend(["--quiet", "-o", out.to_str().unwrap()]);
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        outs.push(read_table(&out, &ColumnMap::new()).unwrap());
    }
    for name in ["estimate", "sigma2_1", "sigma2_2", "robust_se"] {
        let (a, b) = (col(&outs[0], name), col(&outs[1], name));
        assert_eq!(a.iter().flatten().count(), GROUPS - 1, "{name}");
        assert_eq!(a, b, "{name}");
    }
}
