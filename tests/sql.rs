//! The DataFusion functions (feature `sql`): `rma` and `egger` equal the library's bulk kernel
//! bit for bit, whatever the partitioning and row order; bad groups give `error`. `rma_mh` in
//! `sql/mh.rs`, `escalc` in `sql/escalc.rs`, helpers in `sql/support.rs`.
#![cfg(feature = "sql")]

#[path = "sql/escalc.rs"]
mod escalc;
#[path = "sql/mh.rs"]
mod mh;
#[path = "sql/support.rs"]
mod support;

use peerstat::bulk::result_columns;
use peerstat::diag::{egger, EggerModel};
use peerstat::effect::{EffectSizes, Measure};
use peerstat::model::{RandomEffects, Tau2Method};
use support::{
    assert_same, canonical, float, int, keyed, query, query_plan, reference, shuffled, simulated,
    text,
};

const RMA_KNHA: &str =
    "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id ORDER BY analysis_id";

#[test]
fn rma_struct_has_the_bulk_result_columns() {
    let names: Vec<String> = peerstat::sql::rma_fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, result_columns());
    assert_eq!(names.first().map(String::as_str), Some("k"));
    assert_eq!(names.last().map(String::as_str), Some("error"));
}

#[test]
fn rma_equals_reanalyse_bit_for_bit_for_any_partitioning_and_order() {
    let rows = simulated(300, 7);
    let want = reference(&rows, RandomEffects::new().knha(true));
    assert_eq!(want.len(), 300);
    assert!(want.iter().all(|w| w.2.is_none()));
    let shuffled = shuffled(&rows);
    let mut checked = 0;
    for data in [&rows, &shuffled] {
        for p in [1, 2, 8] {
            // peerstat's one-phase plan, and DataFusion's partial states merged.
            for two_phase in [false, true] {
                let got = keyed(&query_plan(data, p, RMA_KNHA, two_phase));
                checked += assert_same(&got, &want);
            }
        }
    }
    assert_eq!(checked, 12 * 300 * result_columns().len().saturating_sub(1));
}

/// The physical plan of `sql` over 4 partitions, as EXPLAIN prints it.
fn physical_plan(sql: &str) -> String {
    let batches = query(&simulated(4, 1), 4, &format!("EXPLAIN {sql}"));
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap();
    let text = text.to_string();
    text.split_once("physical_plan").unwrap().1.to_string()
}

#[test]
fn row_collecting_aggregates_run_in_one_phase_others_in_two() {
    for f in [
        "rma(yi, vi)",
        "egger(yi, vi)",
        "rma(yi, vi) FILTER (WHERE vi > 0), count(*)",
    ] {
        let plan = physical_plan(&format!(
            "SELECT analysis_id, {f} FROM bulk GROUP BY analysis_id"
        ));
        assert!(plan.contains("mode=SinglePartitioned"), "{f}: {plan}");
        assert!(!plan.contains("mode=Partial"), "{f}: {plan}");
        assert!(
            plan.contains("RepartitionExec: partitioning=Hash"),
            "{f}: {plan}"
        );
    }
    for other in [
        "count(*), avg(yi)",
        // Order-sensitive: the shuffle would lose the order the partial phase needs.
        "rma(yi, vi), array_agg(yi ORDER BY vi)",
    ] {
        let plan = physical_plan(&format!(
            "SELECT analysis_id, {other} FROM bulk GROUP BY analysis_id"
        ));
        assert!(plan.contains("mode=Partial"), "{other}: {plan}");
        assert!(plan.contains("mode=FinalPartitioned"), "{other}: {plan}");
    }
}

#[test]
fn one_phase_keeps_filters_and_other_aggregates() {
    let rows = simulated(60, 11);
    let sql = "SELECT analysis_id, rma(yi, vi) FILTER (WHERE yi > 0) AS fit, count(*) AS n, \
               sum(yi) AS s FROM bulk GROUP BY analysis_id ORDER BY analysis_id";
    let one = query_plan(&rows, 4, sql, false);
    let two = query_plan(&rows, 4, sql, true);
    let (one, two) = (keyed(&one), keyed(&two));
    assert_eq!(one.len(), 60);
    assert_eq!(one, two);
    let counts = |b: &[datafusion::arrow::record_batch::RecordBatch]| -> Vec<i64> {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int64Type;
        b.iter()
            .flat_map(|b| b.column(2).as_primitive::<Int64Type>().values().to_vec())
            .collect()
    };
    let n = counts(&query_plan(&rows, 4, sql, false));
    assert_eq!(n, counts(&query_plan(&rows, 1, sql, true)));
    assert_eq!(n.iter().sum::<i64>() as usize, rows.len());
    // The filter reached the fit: k counts the positive effects only.
    let positive = rows.iter().filter(|r| r.1.is_some_and(|y| y > 0.0)).count();
    let k: i64 = one.iter().map(|(_, s)| int(s, "k").unwrap_or(0)).sum();
    assert_eq!(k as usize, positive);
}

#[test]
fn rma_options_are_the_models() {
    let rows = simulated(40, 3);
    let model = RandomEffects::new()
        .method(Tau2Method::Dl)
        .level(90.0)
        .unwrap();
    let want = reference(&rows, model);
    let sql = "SELECT analysis_id, rma(yi, vi, 'DL', false, 90) AS fit FROM bulk \
               GROUP BY analysis_id ORDER BY analysis_id";
    let got = keyed(&query(&rows, 2, sql));
    assert_eq!(assert_same(&got, &want), 40 * (result_columns().len() - 1));
    // Different from the REML default, so the options did reach the fit.
    let reml = keyed(&query(&rows, 2, RMA_KNHA));
    assert_ne!(float(&got[0].1, "ci_lower"), float(&reml[0].1, "ci_lower"));
}

#[test]
fn bad_groups_give_error_and_nulls_without_failing_the_query() {
    let mut rows = simulated(5, 11);
    rows.push((100, Some(0.2), Some(0.04))); // k = 1
    rows.extend([(101, Some(0.1), Some(-0.02)), (101, Some(0.3), Some(0.05))]); // vi < 0
    rows.extend([
        (102, Some(f64::NAN), Some(0.02)),
        (102, Some(0.3), Some(0.05)),
    ]); // NaN
    rows.extend([(103, None, Some(0.02)), (103, None, None)]); // nothing to analyse
    let want = reference(&rows, RandomEffects::new().knha(true));
    let got = keyed(&query(&rows, 2, RMA_KNHA));
    assert_eq!(got.len(), 9);
    assert_eq!(assert_same(&got, &want), 9 * (result_columns().len() - 1));
    for bad in [101, 102, 103] {
        let (_, s) = got.iter().find(|g| g.0 == bad).unwrap();
        assert!(text(s, "error").is_some(), "group {bad} has an error");
        assert_eq!(float(s, "estimate"), None);
        assert_eq!(int(s, "k"), None);
    }
    let (_, one) = got.iter().find(|g| g.0 == 100).unwrap();
    let single = &want.iter().find(|w| w.0 == 100).unwrap();
    assert_eq!(text(one, "error"), single.2);
    let good = got.iter().filter(|g| text(&g.1, "error").is_none()).count();
    assert!(good >= 5, "the simulated groups are fitted ({good})");
}

#[test]
fn egger_equals_the_library_test() {
    let rows = simulated(30, 5);
    let sql = "SELECT analysis_id, egger(yi, vi) AS e FROM bulk GROUP BY analysis_id ORDER BY analysis_id";
    let sorted = canonical(&rows);
    let mixed = shuffled(&rows);
    let (mut checked, mut failed) = (0, 0);
    for data in [&rows, &mixed] {
        for p in [1, 2, 8] {
            let got = keyed(&query(data, p, sql));
            assert_eq!(got.len(), 30);
            for (key, s) in &got {
                let g: Vec<_> = sorted.iter().filter(|r| r.0 == *key).collect();
                let y: Vec<f64> = g.iter().map(|r| r.1.unwrap()).collect();
                let v: Vec<f64> = g.iter().map(|r| r.2.unwrap()).collect();
                let es = EffectSizes::from_slices(Measure::Gen, &y, &v).unwrap();
                match egger(&es, &RandomEffects::new(), EggerModel::default()) {
                    Ok(t) => {
                        assert_eq!(text(s, "error"), None);
                        assert_eq!(int(s, "k"), Some(y.len() as i64));
                        for (name, x) in [
                            ("statistic", t.statistic),
                            ("df", t.df),
                            ("p_value", t.p_value),
                            ("slope", t.slope),
                            ("limit_estimate", t.limit_estimate),
                            ("limit_ci_lower", t.limit_ci_lower),
                            ("limit_ci_upper", t.limit_ci_upper),
                        ] {
                            assert_eq!(
                                float(s, name).map(f64::to_bits),
                                x.is_finite().then(|| x.to_bits()),
                                "group {key} {name}"
                            );
                        }
                        checked += 1;
                    }
                    Err(e) => {
                        assert_eq!(text(s, "error"), Some(e.to_string()));
                        failed += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked + failed, 6 * 30);
    assert!(
        checked >= 6 * 20,
        "most simulated groups have k >= 3 ({checked})"
    );
}

fn peerstat(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peerstat"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peerstat {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// CSV text to rows of cells (no quoting in these files).
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let head = lines.next().unwrap().split(',').map(String::from).collect();
    (
        head,
        lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect(),
    )
}

#[test]
fn cli_sql_matches_reanalyse_and_writes_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).display().to_string();
    peerstat(&[
        "simulate",
        "--analyses",
        "60",
        "--seed",
        "4",
        "-o",
        &path("bulk.parquet"),
    ]);
    peerstat(&[
        "reanalyse",
        &path("bulk.parquet"),
        "--group-by",
        "analysis_id",
        "--measure",
        "GEN",
        "--knha",
        "-o",
        &path("re.csv"),
    ]);
    let table = format!("bulk={}", path("bulk.parquet"));
    peerstat(&[
        "sql", "--table", &table, "--threads", "2", "-o", &path("sql.csv"),
        "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id ORDER BY analysis_id",
    ]);
    let (rh, re) = csv_rows(&std::fs::read_to_string(path("re.csv")).unwrap());
    let (sh, sq) = csv_rows(&std::fs::read_to_string(path("sql.csv")).unwrap());
    // The struct is spread into reanalyse's columns, in its order.
    assert_eq!(sh, rh);
    assert_eq!(sq.len(), 60);
    let col = |h: &[String], n: &str| h.iter().position(|c| c == n).unwrap();
    let (k, est) = (col(&rh, "k"), col(&rh, "estimate"));
    let mut re_sorted = re.clone();
    re_sorted.sort_by_key(|r| r[0].parse::<i64>().unwrap());
    for (a, b) in sq.iter().zip(&re_sorted) {
        assert_eq!(a[0], b[0]);
        assert_eq!(a[k], b[k]);
        // reanalyse fits rows in file order, sql sorted by (yi, vi): equal to rounding.
        let (x, y): (f64, f64) = (a[est].parse().unwrap(), b[est].parse().unwrap());
        assert!((x - y).abs() <= 1e-9 * y.abs().max(1e-3), "{x} vs {y}");
    }
    // A quoted path in FROM, JSON and Parquet output, and the Parquet read back.
    let from = format!(
        "SELECT count(*) AS n FROM '{}' WHERE analysis_id < 10",
        path("bulk.parquet")
    );
    let json = peerstat(&["sql", "--format", "json", &from]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let n = v[0]["n"].as_i64().unwrap();
    let rows_lt10 = re_sorted[..10]
        .iter()
        .map(|r| r[k].parse::<i64>().unwrap())
        .sum::<i64>();
    assert_eq!(n, rows_lt10, "rows of the first 10 analyses (all used)");
    peerstat(&[
        "sql",
        "--table",
        &table,
        "-o",
        &path("fits.parquet"),
        "SELECT analysis_id, rma(yi, vi) AS fit FROM bulk GROUP BY analysis_id",
    ]);
    let back = peerstat(&[
        "sql",
        "--table",
        &format!("f={}", path("fits.parquet")),
        "--format",
        "csv",
        "SELECT count(*) AS groups, sum(fit['k']) AS k FROM f WHERE fit['error'] IS NULL",
    ]);
    let total: i64 = re.iter().map(|r| r[k].parse::<i64>().unwrap()).sum();
    assert_eq!(back.trim(), format!("groups,k\n60,{total}"));
}

#[test]
fn pet_peese_equals_the_library_estimates() {
    let rows = simulated(30, 7);
    let sql = "SELECT analysis_id, pet_peese(yi, vi) AS e FROM bulk GROUP BY analysis_id \
               ORDER BY analysis_id";
    let sorted = canonical(&rows);
    let (mut checked, mut failed) = (0, 0);
    for p in [1, 4] {
        let got = keyed(&query(&rows, p, sql));
        assert_eq!(got.len(), 30);
        for (key, s) in &got {
            let g: Vec<_> = sorted.iter().filter(|r| r.0 == *key).collect();
            let y: Vec<f64> = g.iter().map(|r| r.1.unwrap()).collect();
            let v: Vec<f64> = g.iter().map(|r| r.2.unwrap()).collect();
            let es = EffectSizes::from_slices(Measure::Gen, &y, &v).unwrap();
            match peerstat::diag::pet_peese(&es, 95.0, 0.10) {
                Ok(t) => {
                    assert_eq!(text(s, "error"), None);
                    assert_eq!(int(s, "k"), Some(y.len() as i64));
                    for (name, x) in [
                        ("pet_estimate", t.pet.estimate),
                        ("pet_se", t.pet.se),
                        ("pet_intercept_p", t.pet.intercept_p),
                        ("peese_estimate", t.peese.estimate),
                        ("peese_ci_upper", t.peese.ci_upper),
                        ("estimate", t.pet_peese.estimate),
                        ("ci_lower", t.pet_peese.ci_lower),
                    ] {
                        assert_eq!(
                            float(s, name).map(f64::to_bits),
                            x.is_finite().then(|| x.to_bits()),
                            "group {key} {name}"
                        );
                    }
                    let chosen = text(s, "chosen").unwrap();
                    assert_eq!(chosen == "peese", t.pet.intercept_p < 0.10);
                    checked += 1;
                }
                Err(e) => {
                    assert_eq!(text(s, "error"), Some(e.to_string()));
                    failed += 1;
                }
            }
        }
    }
    assert_eq!(checked + failed, 2 * 30);
    assert!(checked >= 2 * 20, "most groups have k >= 3 ({checked})");
}
