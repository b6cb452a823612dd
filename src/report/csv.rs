//! CSV output derived from each result's serde definition, so that the JSON keys and the CSV
//! columns have one definition (the result type) and cannot drift apart.
//!
//! A record becomes one CSV row: its scalar fields in declaration order; nested objects
//! flattened as `parent.child`; lists of numbers spread over `name.1`, `name.2`, …; lists of
//! objects and the `options` record left out. Numbers are written in shortest round-trip form,
//! undefined values as empty cells. Quoting is [`csv::Writer`]'s.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::data::fmt_f64;
use crate::diag::InfluenceResult;
use crate::econ::table::CeaResult;
use crate::model::Fit;

fn other(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k != "options" {
                    flatten(&key(k), x, out);
                }
            }
        }
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&key(&(i + 1).to_string()), x, out);
            }
        }
        Value::Array(_) => {}
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Number(n) => {
            let s = match (n.is_f64(), n.as_f64()) {
                (true, Some(x)) => fmt_f64(x),
                _ => n.to_string(),
            };
            out.push((prefix.to_string(), s));
        }
    }
}

fn write(rows: &[Vec<(String, String)>]) -> std::io::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // The header is the union of the rows' columns, in first-seen order.
    let mut header: Vec<&str> = Vec::new();
    for r in rows {
        for (k, _) in r {
            if !header.contains(&k.as_str()) {
                header.push(k);
            }
        }
    }
    w.write_record(&header).map_err(other)?;
    for r in rows {
        let rec = header.iter().map(|h| {
            r.iter()
                .find(|(k, _)| k == h)
                .map_or("", |(_, v)| v.as_str())
        });
        w.write_record(rec).map_err(other)?;
    }
    String::from_utf8(w.into_inner().map_err(other)?).map_err(other)
}

fn values<T: Serialize>(rows: &[T]) -> std::io::Result<Vec<Value>> {
    rows.iter()
        .map(|r| serde_json::to_value(r).map_err(other))
        .collect()
}

fn from_values(rows: &[Value]) -> std::io::Result<String> {
    let flat: Vec<Vec<(String, String)>> = rows
        .iter()
        .map(|v| {
            let mut out = Vec::new();
            flatten("", v, &mut out);
            out
        })
        .collect();
    write(&flat)
}

/// One CSV row per record (see the module documentation for the columns).
///
/// # Errors
/// Only if a record cannot be serialised (peerstat's results always can).
pub fn records<T: Serialize>(rows: &[T]) -> std::io::Result<String> {
    from_values(&values(rows)?)
}

/// A header and one row for a single record.
///
/// # Errors
/// As [`records`].
pub fn record<T: Serialize>(row: &T) -> std::io::Result<String> {
    records(std::slice::from_ref(row))
}

/// The one-row summary of a fit (`meta --format csv`): `measure`, `method`, then the columns of
/// [`crate::model::Summary::COLUMNS`]; per-study values are left out.
///
/// # Errors
/// As [`records`].
pub fn summary(fit: &Fit) -> std::io::Result<String> {
    record(fit)
}

/// `influence --format csv`: one row per study (leave-one-out and influence measures) or per
/// cumulative step.
///
/// # Errors
/// As [`records`].
pub fn influence(r: &InfluenceResult) -> std::io::Result<String> {
    match (&r.studies, &r.cumulative) {
        (Some(s), _) => records(s),
        (None, Some(c)) => records(c),
        (None, None) => write(&[]),
    }
}

/// `cea --format csv`: the main table of the analysis run: the frontier (strategies), one row
/// per willingness to pay with P(best) per strategy as `p_best.NAME` (draws), one row per
/// willingness to pay with the increments and the net benefit (trial data), or the pooled net
/// benefit per willingness to pay (several trials).
///
/// # Errors
/// As [`records`].
pub fn cea(r: &CeaResult) -> std::io::Result<String> {
    if let Some(p) = &r.pooled {
        let rows: Vec<Value> = values(&p.by_wtp)?
            .into_iter()
            .map(|mut v| {
                if let Value::Object(m) = &mut v {
                    m.remove("study_inmb");
                    m.remove("study_var");
                }
                v
            })
            .collect();
        return from_values(&rows);
    }
    if let Some(t) = &r.trial {
        let mut base = Map::new();
        for (k, v) in [
            ("treatment", Value::from(t.treatment.clone())),
            ("control", Value::from(t.control.clone())),
            ("n_treatment", Value::from(t.n[0])),
            ("n_control", Value::from(t.n[1])),
            ("inc_cost", Value::from(t.inc_cost)),
            ("inc_effect", Value::from(t.inc_effect)),
            ("icer", Value::from(t.icer)),
        ] {
            base.insert(k.to_string(), v);
        }
        let rows: Vec<Value> = values(&t.inmb)?
            .into_iter()
            .map(|v| {
                let mut m = base.clone();
                if let Value::Object(i) = v {
                    for (k, x) in i {
                        let k = if k == "wtp" { k } else { format!("inmb_{k}") };
                        m.insert(k, x);
                    }
                }
                Value::Object(m)
            })
            .collect();
        return from_values(&rows);
    }
    if let Some(d) = &r.draws {
        let rows: Vec<Value> = d
            .by_wtp
            .iter()
            .map(|w| {
                let mut m = Map::new();
                m.insert("wtp".into(), Value::from(w.wtp));
                m.insert("ceaf_strategy".into(), Value::from(w.ceaf_strategy.clone()));
                m.insert("evpi".into(), Value::from(w.evpi));
                for (name, key) in [
                    (&w.p_best, "p_best"),
                    (&w.nmb, "nmb"),
                    (&w.p_inmb_positive, "p_inmb_positive"),
                ] {
                    let per: Map<String, Value> = d
                        .strategies
                        .iter()
                        .zip(name)
                        .map(|(s, &p)| (s.clone(), Value::from(p)))
                        .collect();
                    m.insert(key.into(), Value::Object(per));
                }
                voi_columns(&mut m, w);
                Value::Object(m)
            })
            .collect();
        return from_values(&rows);
    }
    match &r.frontier {
        Some(f) => records(f),
        None => write(&[]),
    }
}

/// The value-of-information columns of one WTP row of `cea --format csv` on draws:
/// `evppi_<method>_<parameters joined by +>`, `evsi_<design>_<parameters>_n<n>` (and their
/// `population_`, `enbs_` forms when a population is set), and `population_evpi`.
fn voi_columns(m: &mut Map<String, Value>, w: &crate::econ::WtpResult) {
    if let Some(v) = w.population_evpi {
        m.insert("population_evpi".into(), Value::from(v));
    }
    for e in &w.evppi {
        let method = serde_json::to_value(e.method).unwrap_or(Value::Null);
        let key = format!(
            "evppi_{}_{}",
            method.as_str().unwrap_or(""),
            e.parameters.join("+")
        );
        if let Some(p) = e.population_evppi {
            m.insert(format!("population_{key}"), Value::from(p));
        }
        m.insert(key, Value::from(e.evppi));
    }
    for e in &w.evsi {
        let key = format!("evsi_{}_{}_n{}", e.design, e.parameters.join("+"), e.n);
        if let Some(p) = e.population_evsi {
            m.insert(format!("population_{key}"), Value::from(p));
        }
        if let Some(p) = e.enbs {
            m.insert(format!("enbs_{}", &key[5..]), Value::from(p));
        }
        m.insert(key, Value::from(e.evsi));
    }
}

/// `map --format csv`: one row per non-empty cell of the evidence-and-gap map: the row and
/// column values (headed by the variables' names `rows` and `cols`), the cell's `measure` (its
/// outcome domain's, as in the report: OR or SMD), `studies_mapped` (study entries shown in the
/// cell), `studies` and `effects` with a usable effect (those pooled), the pooled estimate with its
/// CI (odds ratios as odds ratios, as the report shows them) and the `note` saying why a cell with
/// several effects was not pooled.
///
/// # Errors
/// As [`records`].
pub fn map(md: &crate::framework::map::MapData, rows: &str, cols: &str) -> std::io::Result<String> {
    let out: Vec<Vec<(String, String)>> = md
        .cells
        .iter()
        .map(|c| {
            let n = md
                .studies
                .iter()
                .filter(|st| st.row == c.row && st.col == c.col)
                .count();
            // odds ratios as the report shows them (the JSON keeps log odds ratios)
            let or = c.measure == "OR";
            let f = |x: Option<f64>| {
                x.map(|v| fmt_f64(if or { v.exp() } else { v }))
                    .unwrap_or_default()
            };
            vec![
                (rows.to_string(), c.row.clone()),
                (cols.to_string(), c.col.clone()),
                ("measure".into(), c.measure.clone()),
                ("studies_mapped".into(), n.to_string()),
                ("studies".into(), c.k.to_string()),
                ("effects".into(), c.effects.to_string()),
                ("estimate".into(), f(c.estimate)),
                ("ci_lower".into(), f(c.ci_lower)),
                ("ci_upper".into(), f(c.ci_upper)),
                ("note".into(), c.note.clone().unwrap_or_default()),
            ]
        })
        .collect();
    write(&out)
}
