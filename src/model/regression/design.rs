//! The design matrix of a meta-regression on table columns: numeric moderators, factors in
//! treatment coding, missing values, constant and collinear columns.

use nalgebra::DMatrix;

/// A design matrix built from moderator columns of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Column names: `intrcpt`, then moderators (factor levels as `{column}{level}`).
    pub names: Vec<String>,
    /// The matrix (rows = studies kept).
    pub x: DMatrix<f64>,
    /// Indices (into the effect sizes) of the studies kept.
    pub keep: Vec<usize>,
    /// Studies dropped for a missing moderator value.
    pub dropped: usize,
}

enum ModColumn {
    Numeric(Vec<Option<f64>>),
    Factor(Vec<Option<String>>),
}

impl Design {
    /// Intercept plus the moderators `mods` (canonical names), for the studies of `es` (read at
    /// their source rows in `table`). Numeric columns enter as covariates; text and logical
    /// columns as factors with treatment coding, the first level in sorted order as reference
    /// (as R's `factor`). Studies with a missing moderator value are dropped (counted in
    /// [`Design::dropped`]).
    ///
    /// # Errors
    /// [`crate::error::Error::MissingColumn`] for an absent column; [`crate::error::Error::Empty`] for a
    /// moderator missing for every study; [`crate::error::Error::Singular`] for a moderator that is
    /// constant or collinear with earlier columns (the message names them).
    pub fn from_table(
        table: &crate::data::Table,
        es: &crate::effect::EffectSizes,
        mods: &[String],
    ) -> Result<Design, crate::error::Error> {
        let cols = read_moderators(table, es, mods)?;
        let n = es.k();
        let keep: Vec<usize> = (0..n)
            .filter(|&i| {
                cols.iter().all(|c| match c {
                    ModColumn::Numeric(v) => v[i].is_some(),
                    ModColumn::Factor(v) => v[i].is_some(),
                })
            })
            .collect();
        check_present(table, mods, &cols)?;
        let (names, columns) = moderator_columns(table, mods, &cols, &keep)?;
        check_collinear(&names, &columns)?;
        let x = DMatrix::from_fn(keep.len(), columns.len(), |i, j| columns[j][i]);
        Ok(Design {
            names,
            x,
            dropped: n - keep.len(),
            keep,
        })
    }
}

/// The moderators `mods` at the studies of `es`: numeric columns as numbers, text and logical
/// columns as levels.
fn read_moderators(
    table: &crate::data::Table,
    es: &crate::effect::EffectSizes,
    mods: &[String],
) -> Result<Vec<ModColumn>, crate::error::Error> {
    use crate::data::Column;
    let mut cols = Vec::with_capacity(mods.len());
    for m in mods {
        let c = table
            .get(m)
            .ok_or_else(|| table.missing_column(m, "as a moderator"))?;
        let at = |f: &dyn Fn(usize) -> Option<f64>| es.rows().iter().map(|&r| f(r)).collect();
        cols.push(match c {
            Column::Int(v) => ModColumn::Numeric(at(&|r| v[r].map(|x| x as f64))),
            Column::Float(v) => ModColumn::Numeric(at(&|r| v[r].filter(|x| x.is_finite()))),
            Column::Str(v) => ModColumn::Factor(es.rows().iter().map(|&r| v[r].clone()).collect()),
            Column::Bool(v) => ModColumn::Factor(
                es.rows()
                    .iter()
                    .map(|&r| v[r].map(|b| b.to_string()))
                    .collect(),
            ),
        });
    }
    Ok(cols)
}

/// Checks that every moderator has a value for some study.
fn check_present(
    table: &crate::data::Table,
    mods: &[String],
    cols: &[ModColumn],
) -> Result<(), crate::error::Error> {
    for (m, c) in mods.iter().zip(cols) {
        let present = match c {
            ModColumn::Numeric(v) => v.iter().any(Option::is_some),
            ModColumn::Factor(v) => v.iter().any(Option::is_some),
        };
        if !present {
            return Err(crate::error::Error::Empty {
                file: table.source().to_string(),
                message: format!(
                    "moderator '{}' is missing for every study",
                    table.actual_name(m)
                ),
            });
        }
    }
    Ok(())
}

/// The design columns after the intercept's (a covariate, or treatment-coded dummies of a
/// factor) over the studies `keep`, with their names.
fn moderator_columns(
    table: &crate::data::Table,
    mods: &[String],
    cols: &[ModColumn],
    keep: &[usize],
) -> Result<(Vec<String>, Vec<Vec<f64>>), crate::error::Error> {
    let mut names = vec!["intrcpt".to_string()];
    let mut columns: Vec<Vec<f64>> = vec![vec![1.0; keep.len()]];
    for (m, c) in mods.iter().zip(cols) {
        let actual = table.actual_name(m);
        match c {
            ModColumn::Numeric(v) => {
                let col: Vec<f64> = keep.iter().map(|&i| v[i].unwrap_or(f64::NAN)).collect();
                if col.windows(2).all(|w| w[0] == w[1]) {
                    return Err(crate::error::Error::Singular { message: format!(
                        "moderator '{actual}' is constant ({}) over the studies analysed: it cannot explain heterogeneity",
                        col.first().copied().unwrap_or(f64::NAN)
                    )});
                }
                names.push(actual.to_string());
                columns.push(col);
            }
            ModColumn::Factor(v) => {
                let mut levels: Vec<&str> = keep.iter().filter_map(|&i| v[i].as_deref()).collect();
                levels.sort_unstable();
                levels.dedup();
                if levels.len() < 2 {
                    return Err(crate::error::Error::Singular {
                        message: format!(
                        "moderator '{actual}' has a single level ('{}') over the studies analysed",
                        levels.first().copied().unwrap_or("")
                    ),
                    });
                }
                for lvl in &levels[1..] {
                    names.push(format!("{actual}{lvl}"));
                    columns.push(
                        keep.iter()
                            .map(|&i| f64::from(u8::from(v[i].as_deref() == Some(*lvl))))
                            .collect(),
                    );
                }
            }
        }
    }
    Ok((names, columns))
}

/// Checks that the design columns are linearly independent, naming the first dependent one.
fn check_collinear(names: &[String], columns: &[Vec<f64>]) -> Result<(), crate::error::Error> {
    // Collinearity: Gram–Schmidt, column by column, naming the first dependent column.
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for (j, col) in columns.iter().enumerate() {
        let norm0 = col.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mut r = col.clone();
        for q in &basis {
            let d: f64 = r.iter().zip(q).map(|(a, b)| a * b).sum();
            for (ri, qi) in r.iter_mut().zip(q) {
                *ri -= d * qi;
            }
        }
        let norm = r.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm <= 1e-9 * norm0.max(1e-300) {
            return Err(crate::error::Error::Singular { message: format!(
                "moderators are collinear: '{}' is a linear combination of {} over the studies analysed; drop one of them",
                names[j],
                names[..j].iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
            )});
        }
        basis.push(r.iter().map(|x| x / norm).collect());
    }
    Ok(())
}
