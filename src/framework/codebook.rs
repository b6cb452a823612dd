//! The codebook of the framework (who / what / why / how / where / when, outcome domains,
//! study fields) and the validation of a dataset against it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::{Column, Table};
use crate::error::{Error, Result};

/// The built-in codebook (`seeds/framework.toml`).
pub const BUILTIN: &str = include_str!("../../seeds/framework.toml");

/// Dimensions in display order.
pub const DIMENSIONS: [&str; 8] = [
    "who", "what", "why", "how", "where", "when", "outcome", "study",
];

/// How a field's values are typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FieldKind {
    /// One of a fixed set of levels.
    Category {
        /// Allowed levels (canonical spelling).
        levels: Vec<String>,
    },
    /// A number, with optional band limits for display (e.g. duration ≤ 3, 3–6, > 6).
    Number {
        /// Upper limits of the bands.
        bands: Vec<f64>,
    },
    /// Free text.
    Text,
}

/// One codebook field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// Framework dimension (who, what, why, how, where, when, outcome, study).
    pub dimension: String,
    /// Description.
    pub description: String,
    /// Type and levels.
    pub kind: FieldKind,
    /// Other spellings accepted for a category level (normalised spelling → canonical level),
    /// e.g. `unclear` → `some concerns`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, String>,
    /// Whether `evaluate` may use the field as a subgroup variable (`moderator = false` in the
    /// codebook keeps, for example, the risk-of-bias domains out of the subgroup analyses).
    pub moderator: bool,
}

impl Field {
    /// The canonical level matching `value` (case-insensitive; space, hyphen and underscore
    /// alike), for category fields.
    pub fn canonical(&self, value: &str) -> Option<&str> {
        match &self.kind {
            FieldKind::Category { levels } => {
                let v = normalize(value);
                let v = self.aliases.get(&v).map_or(v, |a| normalize(a));
                levels
                    .iter()
                    .find(|l| normalize(l) == v)
                    .map(|s| s.as_str())
            }
            _ => None,
        }
    }

    /// For number fields with bands, the band label of a value (e.g. "3 to 6").
    pub fn band(&self, x: f64) -> Option<String> {
        match &self.kind {
            FieldKind::Number { bands } if !bands.is_empty() => {
                let fmt = |v: f64| format!("{v}");
                let mut lo: Option<f64> = None;
                for &b in bands {
                    if x <= b {
                        return Some(match lo {
                            None => format!("up to {}", fmt(b)),
                            Some(l) => format!("{} to {}", fmt(l), fmt(b)),
                        });
                    }
                    lo = Some(b);
                }
                Some(format!("over {}", fmt(lo.unwrap_or(0.0))))
            }
            _ => None,
        }
    }
}

/// True when `kind` is a category listing `level` (compared as [`normalize`] does).
fn f_levels_has(kind: &FieldKind, level: &str) -> bool {
    matches!(kind, FieldKind::Category { levels } if levels.iter().any(|l| normalize(l) == normalize(level)))
}

/// True when the table is marked as simulated (a logical `simulated` column with a true value).
pub fn is_simulated(t: &Table) -> bool {
    matches!(t.get("simulated"), Some(Column::Bool(v)) if v.contains(&Some(true)))
}

/// Lower-cases and treats space, hyphen and underscore alike (collapsing runs).
pub fn normalize(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize)]
struct RawFile {
    meta: Option<RawMeta>,
    fields: BTreeMap<String, RawField>,
}

#[derive(Deserialize)]
struct RawMeta {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawField {
    dimension: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    levels: Option<Vec<String>>,
    bands: Option<Vec<f64>>,
    aliases: Option<BTreeMap<String, String>>,
    moderator: Option<bool>,
}

/// A codebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Codebook {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Fields, ordered by dimension then name.
    pub fields: Vec<Field>,
}

/// What validation did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Validation {
    /// Codebook columns present.
    pub coded: Vec<String>,
    /// Columns not in the codebook (kept as extra moderators).
    pub extra: Vec<String>,
    /// Values rewritten to their canonical spelling.
    pub canonicalised: usize,
    /// Extra columns one slip away from a column that is read, each with "did you mean"
    /// ([`super::column_hints::misspelt`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub misspelt: Vec<String>,
}

impl Codebook {
    /// The built-in codebook.
    pub fn builtin() -> Codebook {
        // The built-in file is part of the crate and checked by tests.
        Self::parse(BUILTIN, "seeds/framework.toml")
            .unwrap_or_else(|e| panic!("built-in codebook: {e}"))
    }

    /// Reads a codebook file (TOML).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Format`] naming the file and the problem.
    pub fn from_file(path: &Path) -> Result<Codebook> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
        Self::parse(&text, &name)
    }

    /// Parses codebook TOML; `source` names it in errors.
    ///
    /// # Errors
    /// [`Error::Format`] for invalid TOML, an unknown type, or a category without levels.
    pub fn parse(text: &str, source: &str) -> Result<Codebook> {
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| Error::format(source, format!("invalid codebook: {e}")))?;
        let mut fields = Vec::new();
        for (name, f) in raw.fields {
            let kind = match f.kind.as_str() {
                "category" => FieldKind::Category {
                    levels: f.levels.filter(|l| !l.is_empty()).ok_or_else(|| {
                        Error::format(
                            source,
                            format!("field '{name}' is a category but lists no levels"),
                        )
                    })?,
                },
                "number" => FieldKind::Number {
                    bands: f.bands.unwrap_or_default(),
                },
                "text" => FieldKind::Text,
                t => {
                    return Err(Error::format(
                        source,
                        format!("field '{name}': unknown type '{t}' (category, number or text)"),
                    ))
                }
            };
            let aliases: BTreeMap<String, String> = f
                .aliases
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (normalize(&k), v))
                .collect();
            if let (FieldKind::Category { levels }, Some((alias, to))) = (
                &kind,
                aliases.iter().find(|(_, to)| !f_levels_has(&kind, to)),
            ) {
                return Err(Error::format(
                    source,
                    format!(
                        "field '{name}': alias '{alias}' names '{to}', which is not one of its levels ({})",
                        levels.join(", ")
                    ),
                ));
            }
            fields.push(Field {
                aliases,
                moderator: f.moderator.unwrap_or(true),
                name,
                dimension: f.dimension.unwrap_or_else(|| "study".into()),
                description: f.description.unwrap_or_default(),
                kind,
            });
        }
        fields.sort_by_key(|f| {
            (
                DIMENSIONS
                    .iter()
                    .position(|d| *d == f.dimension)
                    .unwrap_or(99),
                f.name.clone(),
            )
        });
        let meta = raw.meta.unwrap_or(RawMeta {
            name: None,
            version: None,
        });
        Ok(Codebook {
            name: meta.name.unwrap_or_else(|| "codebook".into()),
            version: meta.version.unwrap_or_default(),
            fields,
        })
    }

    /// A field by name (matched as columns are: exactly, else ignoring ASCII case).
    pub fn field(&self, name: &str) -> Option<&Field> {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        crate::data::find_column(&names, name).map(|i| &self.fields[i])
    }

    /// Validates `table` against the codebook: category values are rewritten to their canonical
    /// spelling; an unknown level is an error naming the row and listing the allowed levels;
    /// number fields must be numeric. Columns not in the codebook are kept. Every problem is
    /// found in one pass.
    ///
    /// # Errors
    /// One problem: [`Error::Value`] naming row, column and the allowed levels. Several:
    /// [`Error::Format`] listing each (row, column, value, allowed levels).
    pub fn validate(&self, table: &mut Table) -> Result<Validation> {
        let mut v = Validation::default();
        let mut problems: Vec<Error> = Vec::new();
        let names: Vec<String> = table.names().to_vec();
        for name in &names {
            let Some(field) = self.field(name) else {
                v.extra.push(name.clone());
                continue;
            };
            v.coded.push(name.clone());
            match &field.kind {
                FieldKind::Category { levels } => {
                    let out = canonical_column(table, name, field, levels, &mut v, &mut problems);
                    table.push_column(name, Column::Str(out))?;
                }
                FieldKind::Number { .. } => {
                    if let Err(e) = table.numeric(name, "as a codebook number field") {
                        problems.push(e);
                    }
                }
                FieldKind::Text => {}
            }
        }
        v.misspelt = super::column_hints::misspelt(table, self);
        if problems.len() > 1 {
            return Err(several_problems(table, &problems));
        }
        if let Some(e) = problems.pop() {
            return Err(e);
        }
        Ok(v)
    }
}

/// Column `name` with each value in its canonical spelling (counted in `v` when rewritten); a
/// value that is no level of `field` is kept and its error added to `problems`.
fn canonical_column(
    table: &Table,
    name: &str,
    field: &Field,
    levels: &[String],
    v: &mut Validation,
    problems: &mut Vec<Error>,
) -> Vec<Option<String>> {
    let col = table.get(name).cloned().unwrap_or(Column::Str(Vec::new()));
    let mut out = Vec::with_capacity(table.nrows());
    for i in 0..table.nrows() {
        match col.key(i) {
            None => out.push(None),
            Some(s) => match field.canonical(&s) {
                Some(c) => {
                    if c != s {
                        v.canonicalised += 1;
                    }
                    out.push(Some(c.to_string()));
                }
                None => {
                    problems.push(table.value_error(
                        i,
                        name,
                        format!(
                            "'{}' is not a level of {name}; allowed: {}{}",
                            crate::data::excerpt(&s),
                            levels.join(", "),
                            if field.aliases.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    " (also {})",
                                    field.aliases.keys().cloned().collect::<Vec<_>>().join(", ")
                                )
                            }
                        ),
                    ));
                    out.push(Some(s));
                }
            },
        }
    }
    out
}

/// One error listing several problems; the same value in several rows of one column is one
/// line naming the rows.
fn several_problems(table: &Table, problems: &[Error]) -> Error {
    let n = problems.len();
    let mut grouped: Vec<(String, Vec<usize>)> = Vec::new();
    for e in problems {
        let (key, row) = match e {
            Error::Value {
                row,
                column,
                message,
                ..
            } => (format!("column '{column}': {message}"), Some(*row)),
            e => (e.to_string(), None),
        };
        match grouped.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.extend(row),
            None => grouped.push((key, row.into_iter().collect())),
        }
    }
    let list: Vec<String> = grouped
        .iter()
        .map(|(k, rows)| match rows.len() {
            0 => k.clone(),
            1 => format!("row {}, {k}", rows[0]),
            _ => format!(
                "rows {}, {k}",
                rows.iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect();
    Error::format(
        table.source(),
        format!(
            "{n} values do not fit the codebook:\n  {}",
            list.join("\n  ")
        ),
    )
}
