//! `rma_mh` against [`mantel_haenszel`] on each group's rows in canonical order, bit for bit,
//! for OR, RR and RD, at 1, 2 and 8 partitions and in two row orders; bad groups give `error`.

use datafusion::arrow::array::StructArray;
use peerstat::data::{Column, Table};
use peerstat::diag::{mantel_haenszel, MhFit};
use peerstat::effect::Measure;

use super::support::{cmp, float, int, keyed, query_wide, shuffled, text, Lcg, Wide};

const NAMES: [&str; 4] = ["ai", "n1", "ci", "n2"];

/// Simulated 2×2 tables: `groups` groups of 1–7 tables (some without events), then bad groups:
/// events above n (1000), a negative size (1001), no events at all (1002), a missing cell
/// (1003, its row omitted).
fn tables(groups: i64, seed: u64) -> Wide {
    let mut r = Lcg(seed);
    let mut rows = Wide::new();
    for g in 0..groups {
        let rare = r.below(10) == 0;
        for _ in 0..=r.below(7) {
            let (n1, n2) = (10 + r.below(90), 10 + r.below(90));
            let (a, c) = if rare {
                (r.below(2), r.below(2))
            } else {
                (r.below(n1 / 3 + 1), r.below(n2 / 3 + 1))
            };
            let v = [a, n1, c, n2].map(|x| Some(x as f64)).to_vec();
            rows.push((g, v));
        }
    }
    let f = |x: [f64; 4]| x.map(Some).to_vec();
    rows.extend([
        (1000, f([12.0, 10.0, 3.0, 20.0])),
        (1000, f([2.0, 10.0, 3.0, 20.0])),
        (1001, f([2.0, -10.0, 3.0, 20.0])),
        (1002, f([0.0, 10.0, 0.0, 20.0])),
        (1002, f([0.0, 15.0, 0.0, 25.0])),
        (1003, vec![Some(4.0), None, Some(3.0), Some(20.0)]),
        (1003, f([4.0, 30.0, 3.0, 20.0])),
        (1003, f([6.0, 30.0, 2.0, 25.0])),
    ]);
    rows
}

/// The library's fit of each group, its rows sorted as `rma_mh` sorts them, by key.
fn reference(rows: &Wide, measure: Measure, level: f64) -> Vec<(i64, Result<MhFit, String>)> {
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            (0..4)
                .map(|j| cmp(&a.1[j], &b.1[j]))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    let mut out = Vec::new();
    for g in sorted.chunk_by(|a, b| a.0 == b.0) {
        let cols = ["events_t", "n_t", "events_c", "n_c"]
            .iter()
            .enumerate()
            .map(|(j, n)| {
                (
                    n.to_string(),
                    Column::Float(g.iter().map(|r| r.1[j]).collect()),
                )
            })
            .collect();
        let t = Table::from_columns("group", cols).unwrap();
        out.push((
            g[0].0,
            mantel_haenszel(&t, measure, level).map_err(|e| e.to_string()),
        ));
    }
    out
}

fn bits(x: f64) -> Option<u64> {
    x.is_finite().then(|| x.to_bits())
}

/// Asserts the struct rows equal the library's fits; returns the values compared.
fn assert_same(got: &[(i64, StructArray)], want: &[(i64, Result<MhFit, String>)]) -> usize {
    assert_eq!(got.len(), want.len());
    let mut n = 0;
    for ((key, s), (wkey, fit)) in got.iter().zip(want) {
        assert_eq!(key, wkey);
        match fit {
            Err(e) => {
                assert_eq!(text(s, "error").as_ref(), Some(e), "group {key}");
                assert_eq!(float(s, "estimate"), None);
                n += 1;
            }
            Ok(f) => {
                assert_eq!(text(s, "error"), None, "group {key}");
                assert_eq!(int(s, "k"), Some(f.k as i64));
                assert_eq!(int(s, "q_df"), Some(f.q_df as i64));
                let e = &f.est;
                for (name, x) in [
                    ("estimate", e.estimate),
                    ("se", e.se),
                    ("ci_lower", e.ci_lower),
                    ("ci_upper", e.ci_upper),
                    ("statistic", e.statistic),
                    ("p_value", e.p_value),
                    ("tau2", f.tau2),
                    ("i2", f.i2),
                    ("h2", f.h2),
                    ("q", f.q),
                    ("q_p", f.q_p),
                    ("cmh", f.cmh),
                    ("cmh_p", f.cmh_p),
                ] {
                    assert_eq!(
                        float(s, name).map(f64::to_bits),
                        bits(x),
                        "group {key} {name}"
                    );
                    n += 1;
                }
            }
        }
    }
    n
}

#[test]
fn rma_mh_equals_the_library_for_any_partitioning_and_order() {
    let rows = tables(120, 9);
    let mixed = shuffled(&rows);
    let mut checked = 0;
    for (code, measure) in [
        ("OR", Measure::Or),
        ("RR", Measure::Rr),
        ("RD", Measure::Rd),
    ] {
        let want = reference(&rows, measure, 95.0);
        assert_eq!(want.len(), 124);
        let failed = want.iter().filter(|w| w.1.is_err()).count();
        assert!((3..40).contains(&failed), "{code}: {failed} groups fail");
        for data in [&rows, &mixed] {
            for p in [1, 2, 8] {
                let sql = format!(
                    "SELECT analysis_id, rma_mh(ai, n1, ci, n2, '{code}') AS fit FROM bulk \
                     GROUP BY analysis_id ORDER BY analysis_id"
                );
                let got = keyed(&query_wide(&NAMES, data, p, &sql));
                checked += assert_same(&got, &want);
            }
        }
        for bad in [1000, 1001] {
            assert!(
                want.iter().any(|w| w.0 == bad && w.1.is_err()),
                "{code} {bad}"
            );
        }
        assert!(want
            .iter()
            .any(|w| w.0 == 1003 && w.1.as_ref().is_ok_and(|f| f.k == 2)));
    }
    assert!(checked > 3 * 6 * 100 * 13, "values compared: {checked}");
}

#[test]
fn rma_mh_options_and_a_single_group() {
    let rows = tables(20, 3);
    let want = reference(&rows, Measure::Or, 90.0);
    let sql = "SELECT analysis_id, rma_mh(ai, n1, ci, n2, 'OR', 90) AS fit FROM bulk \
               GROUP BY analysis_id ORDER BY analysis_id";
    let got = keyed(&query_wide(&NAMES, &rows, 2, sql));
    assert!(assert_same(&got, &want) > 15 * 13);
    // Without GROUP BY: the whole table as one group (the one-group accumulator).
    let one: Wide = rows
        .iter()
        .filter(|r| r.0 < 20)
        .map(|r| (0, r.1.clone()))
        .collect();
    let want = reference(&one, Measure::Rr, 95.0);
    let sql = "SELECT 0 AS analysis_id, rma_mh(ai, n1, ci, n2, 'RR') AS fit FROM bulk";
    let got = keyed(&query_wide(&NAMES, &one, 2, sql));
    assert_eq!(assert_same(&got, &want), 13);
}

#[test]
fn rma_mh_refuses_other_measures_when_planning() {
    let ctx = peerstat::sql::context(Some(1));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt
        .block_on(async {
            ctx.sql("SELECT rma_mh(1, 10, 2, 10, 'SMD')")
                .await?
                .collect()
                .await
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("'OR', 'RR' or 'RD'"), "{err}");
}
