//! The forest plot's text columns taken from the data: arm data (events/n, mean (SD), n) and
//! any other column (metafor's `ilab`), and the values a sort order is taken from.

use crate::data::{Column, Table};
use crate::effect::{DataKind, Measure};
use crate::error::{Error, Result, Setting};

/// An extra text column of a forest plot, shown left of the plot (metafor's `ilab`): a two-line
/// header and one cell per data row.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestColumn {
    /// Header line over the column (an arm name for arm data; may be empty).
    pub group: String,
    /// The column's own header.
    pub header: String,
    /// One cell per 0-based data row (`None` shows nothing).
    pub cells: Vec<Option<String>>,
}

impl ForestColumn {
    /// A data column shown as it is (numbers as the table writes them), headed by its name.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when the table has no such column.
    pub fn from_table(table: &Table, name: &str) -> Result<ForestColumn> {
        let col = table
            .get(name)
            .ok_or_else(|| table.missing_column(name, "a forest plot column"))?;
        Ok(ForestColumn {
            group: String::new(),
            header: name.to_string(),
            cells: (0..table.nrows()).map(|i| col.text(i)).collect(),
        })
    }

    /// The arm data the measure is computed from, when the table has it: events/n per arm for
    /// 2×2 tables, mean (SD) and n per arm for continuous arms, events/person-time for rates,
    /// events/n or n for one group and n for correlations; empty for precomputed effects.
    /// `arms` names the two arms (intervention, comparator).
    pub fn arm_data(table: &Table, measure: Measure, arms: (&str, &str)) -> Vec<ForestColumn> {
        let num = |c: &str| -> Option<Vec<Option<f64>>> { table.numeric(c, "arm data").ok() };
        let fmt_count = |x: f64| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                crate::report::svg::forest::fmt_fixed(x, 1)
            }
        };
        let ratio = |a: &[Option<f64>], b: &[Option<f64>]| -> Vec<Option<String>> {
            a.iter()
                .zip(b)
                .map(|(e, n)| match (e, n) {
                    (Some(e), Some(n)) => Some(format!("{}/{}", fmt_count(*e), fmt_count(*n))),
                    _ => None,
                })
                .collect()
        };
        let counts = |a: &[Option<f64>]| -> Vec<Option<String>> {
            a.iter().map(|x| x.map(fmt_count)).collect()
        };
        let two = |s: &str| -> Vec<(&str, String)> {
            vec![(arms.0, format!("{s}_t")), (arms.1, format!("{s}_c"))]
        };
        let mut out = Vec::new();
        match measure.data_kind() {
            DataKind::Binary | DataKind::Rate => {
                let (den, head) = if measure.data_kind() == DataKind::Rate {
                    ("person_time", "Events/time")
                } else {
                    ("n", "Events/N")
                };
                for ((arm, e), (_, n)) in two("events").into_iter().zip(two(den)) {
                    if let (Some(e), Some(n)) = (num(&e), num(&n)) {
                        out.push(ForestColumn {
                            group: arm.to_string(),
                            header: head.into(),
                            cells: ratio(&e, &n),
                        });
                    }
                }
            }
            DataKind::Continuous => {
                for (((arm, m), (_, s)), (_, n)) in
                    two("mean").into_iter().zip(two("sd")).zip(two("n"))
                {
                    if let (Some(m), Some(s)) = (num(&m), num(&s)) {
                        out.push(ForestColumn {
                            group: arm.to_string(),
                            header: "Mean (SD)".into(),
                            cells: m
                                .iter()
                                .zip(&s)
                                .map(|(m, s)| match (m, s) {
                                    (Some(m), Some(s)) => {
                                        Some(format!("{} ({})", short_num(*m), short_num(*s)))
                                    }
                                    _ => None,
                                })
                                .collect(),
                        });
                    }
                    if let Some(n) = num(&n) {
                        out.push(ForestColumn {
                            group: arm.to_string(),
                            header: "N".into(),
                            cells: counts(&n),
                        });
                    }
                }
            }
            DataKind::Proportion => {
                if let (Some(e), Some(n)) = (num("events"), num("n")) {
                    out.push(ForestColumn {
                        group: String::new(),
                        header: "Events/N".into(),
                        cells: ratio(&e, &n),
                    });
                }
            }
            DataKind::SingleRate => {
                if let (Some(e), Some(t)) = (num("events"), num("person_time")) {
                    out.push(ForestColumn {
                        group: String::new(),
                        header: "Events/time".into(),
                        cells: ratio(&e, &t),
                    });
                }
            }
            DataKind::Correlation | DataKind::Change | DataKind::Mean => {
                if let Some(n) = num("n") {
                    out.push(ForestColumn {
                        group: String::new(),
                        header: "N".into(),
                        cells: counts(&n),
                    });
                }
            }
            DataKind::Generic => {}
        }
        out
    }
}

/// A number with three significant digits at most, without trailing zeros (arm means and
/// SDs).
fn short_num(x: f64) -> String {
    let mag = x.abs();
    let d = if mag >= 100.0 || mag == 0.0 {
        0
    } else if mag >= 10.0 {
        1
    } else {
        2
    };
    let s = crate::report::svg::forest::fmt_fixed(x, d);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The order of the study rows (within each subgroup).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ForestSort {
    /// As in the data (default).
    #[default]
    Data,
    /// By effect size, smallest first.
    Estimate,
    /// By weight, largest first.
    Weight,
    /// By a column's values (numbers when every present value is one, else text; missing
    /// last), one per 0-based data row.
    Column(SortKey),
}

/// The values of a sort column.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The column's name.
    pub name: String,
    numbers: Option<Vec<Option<f64>>>,
    texts: Vec<Option<String>>,
}

impl SortKey {
    /// The sort values of a table column.
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when the table has no such column.
    pub fn from_table(table: &Table, name: &str) -> Result<SortKey> {
        let col = table
            .get(name)
            .ok_or_else(|| table.missing_column(name, "the forest plot's sort order"))?;
        let numbers = match col {
            Column::Bool(_) => None,
            _ => table.numeric(name, "sorting").ok(),
        };
        Ok(SortKey {
            name: name.to_string(),
            numbers,
            texts: (0..table.nrows()).map(|i| col.text(i)).collect(),
        })
    }

    /// Compares two 0-based data rows (missing values last).
    pub(super) fn cmp(&self, a: usize, b: usize) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match &self.numbers {
            Some(n) => match (n.get(a).copied().flatten(), n.get(b).copied().flatten()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            None => match (
                self.texts.get(a).cloned().flatten(),
                self.texts.get(b).cloned().flatten(),
            ) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        }
    }
}

impl ForestSort {
    /// Parses a sort order: `data`, `estimate`, `weight`, or a column of `table` (`year` is
    /// the column `year`).
    ///
    /// # Errors
    /// [`Error::MissingColumn`] when the column is absent; [`Error::Setting`] for an empty name.
    pub fn parse(s: &str, table: &Table) -> Result<ForestSort> {
        match s.trim() {
            "" => Err(Error::setting(
                Setting::Forest,
                "the sort order is empty: give data, estimate, weight or a column name",
            )),
            "data" => Ok(ForestSort::Data),
            "estimate" => Ok(ForestSort::Estimate),
            "weight" => Ok(ForestSort::Weight),
            col => Ok(ForestSort::Column(SortKey::from_table(table, col)?)),
        }
    }
}
