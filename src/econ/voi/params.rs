//! The parameter draws behind a PSA (`draw` plus one column per parameter), aligned with the
//! draws of the net-benefit table.

use std::collections::HashMap;

use crate::data::Table;
use crate::error::{Error, Result};

/// Parameter values, one column per parameter, in the draw order of the PSA table.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

/// The draw ids of a long PSA table in order of first appearance (the order of
/// [`draw_matrices`](crate::econ::draws::draw_matrices)).
fn draw_order(draws: &Table) -> Result<Vec<String>> {
    let col = draws
        .get("draw")
        .ok_or_else(|| draws.missing_column("draw", "for PSA draws"))?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for i in 0..draws.nrows() {
        let d = col
            .key(i)
            .ok_or_else(|| draws.value_error(i, "draw", "missing draw id"))?;
        if seen.insert(d.clone()) {
            out.push(d);
        }
    }
    Ok(out)
}

impl Parameters {
    /// Reads `params` (one row per draw: `draw` and numeric parameter columns) and orders its
    /// rows as the draws of the long PSA table `draws`.
    ///
    /// # Errors
    /// A missing `draw` column, a draw id repeated or absent from either table, or a missing or
    /// non-numeric parameter value (naming row and column).
    pub fn from_tables(params: &Table, draws: &Table) -> Result<Parameters> {
        let order = draw_order(draws)?;
        let col = params
            .get("draw")
            .ok_or_else(|| params.missing_column("draw", "to match parameters to PSA draws"))?;
        let mut row_of = HashMap::new();
        for i in 0..params.nrows() {
            let d = col
                .key(i)
                .ok_or_else(|| params.value_error(i, "draw", "missing draw id"))?;
            if row_of.insert(d.clone(), i).is_some() {
                return Err(params.value_error(i, "draw", format!("draw {d} appears twice")));
            }
        }
        if row_of.len() != order.len() {
            return Err(Error::input(
                params.source(),
                format!(
                    "has {} draws but the PSA has {} (one parameter row per draw is needed)",
                    row_of.len(),
                    order.len()
                ),
            ));
        }
        let rows: Vec<usize> = order
            .iter()
            .map(|d| {
                row_of.get(d).copied().ok_or_else(|| {
                    Error::input(params.source(), format!("has no row for PSA draw {d}"))
                })
            })
            .collect::<Result<_>>()?;
        let names: Vec<String> = params
            .names()
            .iter()
            .filter(|n| n.as_str() != "draw")
            .cloned()
            .collect();
        let mut columns = Vec::with_capacity(names.len());
        for name in &names {
            let v = params.numeric(name, "as a model parameter")?;
            let c = rows
                .iter()
                .map(|&r| v[r].ok_or_else(|| params.value_error(r, name, "missing value")))
                .collect::<Result<Vec<f64>>>()?;
            columns.push(c);
        }
        Ok(Parameters { names, columns })
    }

    /// Parameters from named columns (each one value per draw, in the PSA's draw order).
    ///
    /// # Errors
    /// [`Error::Length`] when the columns differ in length.
    pub fn new(columns: Vec<(String, Vec<f64>)>) -> Result<Parameters> {
        let n = columns.first().map_or(0, |c| c.1.len());
        for c in &columns {
            Error::check_len("parameter draws", n, c.1.len())?;
        }
        let (names, columns) = columns.into_iter().unzip();
        Ok(Parameters { names, columns })
    }

    /// The parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of draws.
    pub fn draws(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// The draws of parameter `name`.
    ///
    /// # Errors
    /// [`Error::NotFound`] naming the parameters available.
    pub fn column(&self, name: &str) -> Result<&[f64]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.columns[i].as_slice())
            .ok_or_else(|| Error::NotFound {
                kind: "parameter",
                kind_plural: "parameters",
                name: name.to_string(),
                available: self.names.clone(),
            })
    }
}
