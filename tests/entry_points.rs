//! The library entry points the CLI and the Python package share: Arrow record batches read
//! as a table (`data::read_arrow`), the fits of one `meta` request (`MetaOptions::fit`), the
//! bias and influence reports, a bulk reanalysis returned as a table (from a table, or streamed
//! from a Parquet file), and the fits of one multilevel request (`MultilevelOptions::fit`).

use std::sync::Arc;

use arrow_array::{
    types::Int32Type, ArrayRef, BooleanArray, DictionaryArray, DurationSecondArray, Float64Array,
    Int32Array, LargeStringArray, RecordBatch, StringViewArray, UInt64Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use peerstat::bulk::Reanalysis;
use peerstat::data::{read_arrow, read_table, Column, ColumnMap, Table};
use peerstat::diag::{BiasOptions, EggerModel, InfluenceOptions, TrimFillEstimator};
use peerstat::effect::{EffectOptions, EffectSizes, Measure};
use peerstat::model::{MetaOptions, RandomEffects};
use peerstat::Error;

fn batch(cols: Vec<(&str, ArrayRef)>) -> (Schema, RecordBatch) {
    let schema = Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    let b = RecordBatch::try_new(
        Arc::new(schema.clone()),
        cols.into_iter().map(|c| c.1).collect(),
    )
    .expect("a valid batch");
    (schema, b)
}

fn ok(b: RecordBatch) -> Vec<Result<RecordBatch, ArrowError>> {
    vec![Ok(b)]
}

#[test]
fn arrow_batches_become_typed_columns() {
    let dict: DictionaryArray<Int32Type> = vec!["x", "y", "x"].into_iter().collect();
    let (schema, b) = batch(vec![
        (
            "study",
            Arc::new(StringViewArray::from(vec!["A", "B", "C"])),
        ),
        (
            "arm",
            Arc::new(LargeStringArray::from(vec![Some("t"), None, Some("c")])),
        ),
        ("grp", Arc::new(dict)),
        ("n", Arc::new(Int32Array::from(vec![10, 20, 30]))),
        (
            "yi",
            Arc::new(Float64Array::from(vec![Some(0.5), None, Some(-0.25)])),
        ),
        ("ok", Arc::new(BooleanArray::from(vec![true, false, true]))),
    ]);
    let mut map = ColumnMap::new();
    map.insert("n_t", "n");
    let t = read_arrow(
        "frame",
        &schema,
        vec![Ok::<_, ArrowError>(b.clone()), Ok(b)],
        &map,
    )
    .expect("read");
    assert_eq!(t.nrows(), 6);
    assert_eq!(t.source(), "frame");
    assert_eq!(
        t.get("n_t"),
        Some(&Column::Int([Some(10), Some(20), Some(30)].repeat(2)))
    );
    assert_eq!(
        t.get("yi"),
        Some(&Column::Float([Some(0.5), None, Some(-0.25)].repeat(2)))
    );
    assert_eq!(
        t.texts("arm")[..3],
        [Some("t".to_string()), None, Some("c".to_string())]
    );
    assert_eq!(t.labels("grp")[..3], ["x", "y", "x"]);
    assert_eq!(t.labels("study")[2], "C");
    assert_eq!(
        t.get("ok").map(Column::type_name),
        Some(Column::Bool(vec![]).type_name())
    );
}

#[test]
fn arrow_refusals_name_the_table_and_column() {
    let (schema, b) = batch(vec![
        ("yi", Arc::new(Float64Array::from(vec![0.1]))),
        ("t", Arc::new(DurationSecondArray::from(vec![5]))),
    ]);
    let e = read_arrow("frame", &schema, ok(b), &ColumnMap::new()).expect_err("duration");
    assert!(
        matches!(&e, Error::Format { file, message } if file == "frame" && message.contains("'t'") && message.contains("duration")),
        "{e}"
    );

    let (schema, b) = batch(vec![("n", Arc::new(UInt64Array::from(vec![1, u64::MAX])))]);
    let e = read_arrow("frame", &schema, ok(b), &ColumnMap::new()).expect_err("too large");
    assert!(
        matches!(&e, Error::Value { row: 2, column, .. } if column == "n"),
        "{e}"
    );

    let schema = Schema::new(vec![Field::new("yi", DataType::Float64, true)]);
    let e = read_arrow(
        "frame",
        &schema,
        Vec::<Result<RecordBatch, ArrowError>>::new(),
        &ColumnMap::new(),
    )
    .expect_err("empty");
    assert!(
        matches!(&e, Error::Empty { file, .. } if file == "frame"),
        "{e}"
    );

    let failed: Vec<Result<RecordBatch, ArrowError>> =
        vec![Err(ArrowError::ComputeError("broken producer".into()))];
    let e = read_arrow("frame", &schema, failed, &ColumnMap::new()).expect_err("stream error");
    assert!(
        e.to_string().contains("broken producer") && e.to_string().contains("after row 0"),
        "{e}"
    );
}

fn bcg() -> Table {
    read_table("fixtures/bcg.csv".as_ref(), &ColumnMap::new()).expect("bcg")
}

fn options(model: RandomEffects) -> MetaOptions {
    MetaOptions::new(EffectOptions::default(), model)
}

#[test]
fn meta_options_fit_runs_what_is_asked_and_counts_what_is_left_out() {
    let mut t = bcg();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).expect("es");
    // metafor: rma(measure="RR", ...) on dat.bcg: estimate -0.7145, tau2 0.3132.
    let run = options(RandomEffects::new()).fit(&t, &es).expect("fit");
    assert!((run.report.fit.summary.estimate + 0.714532).abs() < 1e-6);
    assert!(run.report.subgroups.is_none() && run.report.regression.is_none());
    assert_eq!(
        (
            run.regression_dropped,
            run.subgroups_omitted,
            run.rve_dropped
        ),
        (0, 0, 0)
    );

    // A missing moderator and a missing subgroup value in row 2.
    let ablat = t.numeric("ablat", "test").expect("ablat");
    let mut with_gap: Vec<Option<f64>> = ablat.clone();
    with_gap[1] = None;
    t.push_column("ablat_gap", Column::Float(with_gap))
        .expect("push");
    let mut alloc = t.texts("alloc");
    alloc[1] = None;
    t.push_column("alloc_gap", Column::Str(alloc))
        .expect("push");
    let mut o = options(RandomEffects::new());
    o.mods = vec!["ablat_gap".into()];
    o.newmods = Some(vec![40.0]);
    let run = o.fit(&t, &es).expect("regression");
    assert_eq!(run.regression_dropped, 1);
    let keys = run.report.regression.as_ref().expect("regression keys");
    assert_eq!(keys.coefficients.len(), 2);
    assert!(keys.prediction.is_some());
    assert_eq!(run.report.options.newmods, Some(vec![40.0]));

    let mut o = options(RandomEffects::new());
    o.by = Some("alloc_gap".into());
    let run = o.fit(&t, &es).expect("subgroups");
    assert_eq!(run.subgroups_omitted, 1);
    assert_eq!(
        run.report.subgroups.as_ref().map(|s| s.subgroups.len()),
        Some(3)
    );

    let mut o = options(RandomEffects::new());
    o.robust = Some("alloc".into());
    o.robust_type = Some(Default::default());
    let run = o.fit(&t, &es).expect("robust");
    assert!(run.report.robust.is_some());
}

#[test]
fn bias_and_influence_reports() {
    let t = bcg();
    let es = EffectSizes::compute(&t, Measure::Rr, &EffectOptions::default()).expect("es");
    let model = RandomEffects::new();
    let rep = BiasOptions {
        effect: EffectOptions::default(),
        model,
        egger: EggerModel::Rma,
        estimator: TrimFillEstimator::L0,
        side: None,
        orwin_target: Some(f64::INFINITY),
    }
    .run(&es);
    // Orwin's target is checked before any test runs.
    assert!(matches!(rep, Err(Error::Setting { .. })), "{rep:?}");
    let rep = BiasOptions {
        effect: EffectOptions::default(),
        model,
        egger: EggerModel::Rma,
        estimator: TrimFillEstimator::L0,
        side: None,
        orwin_target: None,
    }
    .run(&es)
    .expect("bias");
    assert_eq!(rep.k, 13);
    assert!(rep.options.is_some());

    let mut t2 = t.clone();
    let mut year = t2.numeric("year", "test").expect("year");
    year[4] = None;
    t2.push_column("year_gap", Column::Float(year))
        .expect("push");
    let inf = InfluenceOptions {
        effect: EffectOptions::default(),
        model,
        cumulative: true,
        order: Some("year_gap".into()),
    };
    let e = inf.run(&t2, &es).expect_err("missing order value");
    assert!(
        matches!(&e, Error::Value { row: 5, column, .. } if column == "year_gap"),
        "{e}"
    );
    let loo = InfluenceOptions {
        cumulative: false,
        order: None,
        ..inf
    }
    .run(&t, &es)
    .expect("loo");
    assert_eq!(loo.studies.as_ref().map(Vec::len), Some(13));
    assert!(loo.cumulative.is_none());
}

#[test]
fn results_table_holds_the_rows_run_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.parquet");
    let job = Reanalysis::new(&["analysis_id"], Measure::Smd);
    let input = std::path::Path::new("fixtures/bulk_sample.csv");
    let report = job.run(input, &out, &|_, _, _| {}).expect("run");
    let written = read_table(&out, &ColumnMap::new()).expect("output");
    let (table, rep) = job
        .results_table(&read_table(input, &ColumnMap::new()).expect("input"))
        .expect("results table");
    assert_eq!(rep, report);
    assert!(rep.groups > 1);
    assert_eq!(table.names(), written.names());
    assert_eq!(table.nrows(), written.nrows());
    for (name, (a, b)) in table
        .names()
        .iter()
        .zip(table.columns().iter().zip(written.columns()))
    {
        assert_eq!(a, b, "column {name}");
    }
}

/// The rows of `t` as text, for comparing whole tables.
fn cells(t: &Table) -> Vec<Vec<Option<String>>> {
    (0..t.nrows())
        .map(|i| t.columns().iter().map(|c| c.text(i)).collect())
        .collect()
}

#[test]
fn results_file_streams_parquet_in_batches_as_run_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = read_table(
        std::path::Path::new("fixtures/bulk_sample.csv"),
        &ColumnMap::new(),
    )
    .expect("input");
    // Clustered by the key, then with the rows of each group apart (odd rows first).
    let order: Vec<usize> = (0..csv.nrows())
        .step_by(2)
        .chain((1..csv.nrows()).step_by(2))
        .collect();
    let mut checked = 0;
    for (name, table, clustered) in [
        ("sorted.parquet", csv.clone(), true),
        ("apart.parquet", csv.take(&order), false),
    ] {
        let path = dir.path().join(name);
        peerstat::data::write_table(&table, &path).expect("write");
        let job = Reanalysis::new(&["analysis_id"], Measure::Smd).batch_rows(100);
        let (streamed, rep) = job.results_file(&path).expect("results_file");
        assert_eq!(rep.clustered, clustered, "{name}");
        assert_eq!(rep.rows, csv.nrows());
        let (in_memory, mem_rep) = job.results_table(&table).expect("results_table");
        assert_eq!(rep.groups, mem_rep.groups);
        assert!(rep.groups > 100);
        assert_eq!(streamed.names(), in_memory.names());
        assert_eq!(cells(&streamed), cells(&in_memory), "{name}");
        let out = dir.path().join(format!("out_{name}"));
        job.run(&path, &out, &|_, _, _| {}).expect("run");
        let written = read_table(&out, &ColumnMap::new()).expect("output");
        assert_eq!(cells(&streamed), cells(&written), "{name}");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn multilevel_options_fit_adds_the_lrt_robust_inference_and_rho_grid() {
    use peerstat::model::multilevel::{parse_terms, CovSource, MultilevelModel};
    use peerstat::model::robust::{Robust, RobustType};
    use peerstat::model::vcalc::VcalcSpec;
    use peerstat::model::MultilevelOptions;
    let table = read_table(
        std::path::Path::new("fixtures/hierdat.csv"),
        &ColumnMap::new(),
    )
    .expect("hierdat");
    let es = EffectSizes::compute(&table, Measure::Gen, &EffectOptions::default()).expect("es");
    let terms = parse_terms("~ 1 | study/esid").expect("terms");
    let spec = VcalcSpec {
        cluster: "study".into(),
        obs: Some("esid".into()),
        rho: 0.6,
        ..VcalcSpec::default()
    };
    let mut o = MultilevelOptions::new(MultilevelModel::new(), terms.clone());
    o.cov = Some(CovSource::Vcalc(spec));
    o.lrt_drop = Some("ESID".into());
    o.robust = Some((
        Robust::new(RobustType::Cr2, 95.0).expect("robust"),
        "study".into(),
    ));
    o.rho_grid = vec![0.2, 0.6];
    assert_eq!(o.columns(), ["study", "esid", "study", "esid", "study"]);
    let run = o.fit(&table, &es).expect("fit");
    let rep = &run.report;
    let lrt = rep.table.lrt.as_ref().expect("lrt");
    assert_eq!((lrt.dropped.as_str(), lrt.df), ("esid", 1));
    assert!(lrt.lrt >= 0.0 && (0.0..=1.0).contains(&lrt.p_value));
    assert_eq!(rep.table.options.robust.as_deref(), Some("study"));
    assert!(rep.robust.is_some());
    let grid = rep.rho_grid.as_ref().expect("rho grid");
    assert_eq!(grid.len(), 2);
    // The grid's row at the fitted rho is the fit itself, with its robust SE.
    assert_eq!(grid[1].estimate, rep.table.fit.first.estimate);
    assert_eq!(
        grid[1].robust_se,
        rep.robust.as_ref().map(|r| r.coefficients[0].est.se)
    );
    assert_eq!(run.dropped, 0);

    let mut bad = MultilevelOptions::new(MultilevelModel::new(), terms);
    bad.lrt_drop = Some("school".into());
    let e = bad.fit(&table, &es).expect_err("not a factor");
    assert!(e.to_string().contains("school"), "{e}");
    bad.lrt_drop = None;
    bad.rho_grid = vec![0.5];
    let e = bad.check().expect_err("a grid without vcalc");
    assert!(e.to_string().contains("vcalc"), "{e}");
}

#[test]
fn dictionaries_of_numbers_read_as_their_values() {
    use arrow_array::types::Int16Type;
    // pandas `astype("category")` on integers: dictionary<values=int64, indices=int16>.
    let keys = arrow_array::Int16Array::from(vec![Some(1), None, Some(0), Some(1)]);
    let ints = DictionaryArray::<Int16Type>::try_new(
        keys.clone(),
        Arc::new(arrow_array::Int64Array::from(vec![7, 9])),
    )
    .expect("int dictionary");
    let floats =
        DictionaryArray::<Int16Type>::try_new(keys, Arc::new(Float64Array::from(vec![0.5, -1.25])))
            .expect("float dictionary");
    let views: DictionaryArray<Int32Type> = DictionaryArray::try_new(
        Int32Array::from(vec![0, 0, 1, 1]),
        Arc::new(StringViewArray::from(vec!["a", "b"])),
    )
    .expect("view dictionary");
    let (schema, b) = batch(vec![
        ("analysis_id", Arc::new(ints)),
        ("yi", Arc::new(floats)),
        ("study", Arc::new(views)),
    ]);
    let t = read_arrow("frame", &schema, ok(b), &ColumnMap::new()).expect("read");
    assert_eq!(
        t.get("analysis_id"),
        Some(&Column::Int(vec![Some(9), None, Some(7), Some(9)]))
    );
    assert_eq!(
        t.get("yi"),
        Some(&Column::Float(vec![
            Some(-1.25),
            None,
            Some(0.5),
            Some(-1.25)
        ]))
    );
    assert_eq!(t.labels("study"), ["a", "a", "b", "b"]);
}
