//! The one Arrow type switch: how every Arrow array becomes a [`Column`], for the Parquet
//! reader and bulk streaming alike, and the Arrow types refused.
//!
//! * Signed and unsigned integers become [`Column::Int`] (`i64`). An unsigned 64-bit value
//!   above 2⁶³ − 1 does not fit: it is refused with an error naming its row, never wrapped to a
//!   negative number or rounded to a float.
//! * `Float32`/`Float64` become [`Column::Float`], `Boolean` [`Column::Bool`], UTF-8 strings (plain,
//!   large, view, dictionary-encoded) and all-null columns [`Column::Str`].
//! * Durations are refused: Parquet stores them as plain 64-bit integers and only the embedded
//!   Arrow schema says they are durations (and in which unit), so they are found there
//!   ([`duration_columns`]) and refused rather than read as bare numbers in an unknown unit.
//! * Every other type is refused, naming it.

use arrow_array::{
    cast::AsArray,
    types::{
        Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
        UInt32Type, UInt64Type, UInt8Type,
    },
    Array, ArrayRef,
};
use arrow_schema::DataType;
use parquet::file::metadata::KeyValue;

use super::Column;
use crate::error::Error;

/// Why an Arrow array cannot be appended to a column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Unreadable {
    /// An Arrow type peerstat does not read (its name).
    Type(String),
    /// Logical values where numbers are needed.
    Logical,
    /// An unsigned 64-bit value above `i64::MAX`, at this index of the array.
    TooLarge {
        /// Index in the array.
        index: usize,
        /// The value.
        value: u64,
    },
}

impl Unreadable {
    /// The error for column `column` of `file`, whose array starts at 0-based data row
    /// `first_row`.
    pub(crate) fn error(self, file: &str, column: &str, first_row: usize) -> Error {
        match self {
            Unreadable::Type(t) => Error::format(
                file,
                format!(
                    "column '{}' has unsupported type {t}",
                    super::excerpt(column)
                ),
            ),
            Unreadable::Logical => Error::Value {
                file: file.to_string(),
                row: first_row + 1,
                line: None,
                column: column.to_string(),
                message: super::cell::LOGICAL.to_string(),
            },
            Unreadable::TooLarge { index, value } => Error::Value {
                file: file.to_string(),
                row: first_row + index + 1,
                line: None,
                column: column.to_string(),
                message: format!(
                    "the unsigned integer {value} is above the largest integer peerstat reads \
                     ({}, 2^63 - 1); store it as text (an identifier) or as a floating-point \
                     number",
                    i64::MAX
                ),
            },
        }
    }
}

/// The empty column an Arrow type is read into.
pub(crate) fn empty_column(dt: &DataType) -> Column {
    match dt {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Column::Int(Vec::new()),
        DataType::Float32 | DataType::Float64 => Column::Float(Vec::new()),
        DataType::Boolean => Column::Bool(Vec::new()),
        // A dictionary (pandas category, polars Categorical) reads as its values.
        DataType::Dictionary(_, values) => empty_column(values),
        _ => Column::Str(Vec::new()),
    }
}

/// The values `values[keys[i]]` appended to `out`, missing where row `i` is null.
fn push_keyed<T: Clone>(
    out: &mut Vec<Option<T>>,
    values: &[Option<T>],
    keys: &[usize],
    valid: impl Fn(usize) -> bool,
) {
    out.extend(keys.iter().enumerate().map(|(i, &k)| {
        if valid(i) {
            values.get(k).cloned().flatten()
        } else {
            None
        }
    }));
}

fn push_prim<T, F>(out: &mut Vec<Option<T>>, n: usize, valid: impl Fn(usize) -> bool, get: F)
where
    F: Fn(usize) -> T,
{
    out.reserve(n);
    for i in 0..n {
        out.push(if valid(i) { Some(get(i)) } else { None });
    }
}

/// Appends an Arrow array to a column (made by [`empty_column`] for its type).
pub(crate) fn append(col: &mut Column, arr: &ArrayRef) -> Result<(), Unreadable> {
    let n = arr.len();
    let valid = |i: usize| arr.is_valid(i);
    macro_rules! ints {
        ($t:ty, $v:expr) => {{
            let a = arr.as_primitive::<$t>();
            push_prim($v, n, valid, |i| i64::from(a.value(i)))
        }};
    }
    match (col, arr.data_type()) {
        (Column::Int(v), DataType::Int8) => ints!(Int8Type, v),
        (Column::Int(v), DataType::Int16) => ints!(Int16Type, v),
        (Column::Int(v), DataType::Int32) => ints!(Int32Type, v),
        (Column::Int(v), DataType::Int64) => ints!(Int64Type, v),
        (Column::Int(v), DataType::UInt8) => ints!(UInt8Type, v),
        (Column::Int(v), DataType::UInt16) => ints!(UInt16Type, v),
        (Column::Int(v), DataType::UInt32) => ints!(UInt32Type, v),
        (Column::Int(v), DataType::UInt64) => {
            let a = arr.as_primitive::<UInt64Type>();
            v.reserve(n);
            for i in 0..n {
                v.push(if valid(i) {
                    let value = a.value(i);
                    let x = i64::try_from(value)
                        .map_err(|_| Unreadable::TooLarge { index: i, value })?;
                    Some(x)
                } else {
                    None
                });
            }
        }
        (Column::Float(v), DataType::Float64) => {
            let a = arr.as_primitive::<Float64Type>();
            push_prim(v, n, valid, |i| a.value(i))
        }
        (Column::Float(v), DataType::Float32) => {
            let a = arr.as_primitive::<Float32Type>();
            push_prim(v, n, valid, |i| f64::from(a.value(i)))
        }
        (Column::Bool(v), DataType::Boolean) => {
            let a = arr.as_boolean();
            push_prim(v, n, valid, |i| a.value(i))
        }
        (Column::Str(v), DataType::Utf8) => {
            let a = arr.as_string::<i32>();
            push_prim(v, n, valid, |i| a.value(i).to_string())
        }
        (Column::Str(v), DataType::LargeUtf8) => {
            let a = arr.as_string::<i64>();
            push_prim(v, n, valid, |i| a.value(i).to_string())
        }
        (Column::Str(v), DataType::Utf8View) => {
            let a = arr.as_string_view();
            push_prim(v, n, valid, |i| a.value(i).to_string())
        }
        (Column::Str(v), DataType::Null) => v.extend(std::iter::repeat_n(None, n)),
        (Column::Str(v), DataType::Dictionary(_, value_type))
            if matches!(
                **value_type,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            let d = arr.as_any_dictionary();
            let all_keys = d.normalized_keys();
            let keys: Vec<Option<usize>> = (0..n)
                .map(|i| arr.is_valid(i).then(|| all_keys[i]))
                .collect();
            let values = d.values();
            let text = |j: usize| -> String {
                match values.data_type() {
                    DataType::LargeUtf8 => values.as_string::<i64>().value(j).to_string(),
                    DataType::Utf8View => values.as_string_view().value(j).to_string(),
                    _ => values.as_string::<i32>().value(j).to_string(),
                }
            };
            v.extend(keys.into_iter().map(|k| k.map(text)));
        }
        (col, DataType::Dictionary(_, value_type)) => {
            // Other dictionaries (of numbers, say: a pandas category of integers): the values
            // read as their own type, then looked up by key.
            let d = arr.as_any_dictionary();
            let mut values = empty_column(value_type);
            append(&mut values, d.values())?;
            let keys = d.normalized_keys();
            match (col, values) {
                (Column::Int(o), Column::Int(v)) => push_keyed(o, &v, &keys, valid),
                (Column::Float(o), Column::Float(v)) => push_keyed(o, &v, &keys, valid),
                (Column::Str(o), Column::Str(v)) => push_keyed(o, &v, &keys, valid),
                (Column::Bool(o), Column::Bool(v)) => push_keyed(o, &v, &keys, valid),
                _ => return Err(Unreadable::Type(arr.data_type().to_string())),
            }
        }
        (_, dt) => return Err(Unreadable::Type(dt.to_string())),
    }
    Ok(())
}

/// The message for a duration column.
pub(crate) fn duration_message(column: &str) -> String {
    format!(
        "column '{}' holds durations (an Arrow duration type, stored as bare integers in an \
         unstated unit); peerstat does not read durations: store the number as a plain numeric \
         column named for its unit (for example duration_months)",
        super::excerpt(column)
    )
}

/// Names of the top-level columns that a Parquet file's embedded Arrow schema (`ARROW:schema`
/// key-value metadata) marks as durations.
///
/// The schema is read with the verifying flatbuffer accessors only (not arrow-ipc's schema
/// conversion, which panics on some corrupt schemas); a schema that cannot be read is ignored
/// (column types then come from the Parquet schema, as they always do).
pub(crate) fn duration_columns(metadata: Option<&Vec<KeyValue>>) -> Vec<String> {
    let Some(encoded) = metadata
        .into_iter()
        .flatten()
        .find(|kv| kv.key == "ARROW:schema")
        .and_then(|kv| kv.value.as_deref())
    else {
        return Vec::new();
    };
    let Some(bytes) = base64_decode(encoded) else {
        return Vec::new();
    };
    // An IPC message: an optional 0xFFFFFFFF continuation marker, a 4-byte length, the
    // flatbuffer.
    let body = match bytes.get(..4) {
        Some([0xff, 0xff, 0xff, 0xff]) => bytes.get(8..),
        Some(_) => bytes.get(4..),
        None => None,
    };
    let Some(message) = body.and_then(|b| arrow_ipc::root_as_message(b).ok()) else {
        return Vec::new();
    };
    let Some(fields) = message.header_as_schema().and_then(|s| s.fields()) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter(|f| f.type_type() == arrow_ipc::Type::Duration)
        .filter_map(|f| f.name().map(str::to_string))
        .collect()
}

/// Decodes standard base64 (with or without padding); `None` for anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= digit(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&bytes[1..4]),
            3 => out.extend_from_slice(&bytes[1..3]),
            2 => out.push(bytes[1]),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::UInt64Array;

    use super::*;

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGVsbG8"), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64_decode("a$=="), None);
        assert_eq!(base64_decode("a"), None);
    }

    #[test]
    fn large_unsigned_integers_are_refused() {
        let ok: ArrayRef = Arc::new(UInt64Array::from(vec![
            Some(1),
            None,
            Some(i64::MAX as u64),
        ]));
        let mut c = empty_column(ok.data_type());
        append(&mut c, &ok).unwrap();
        assert_eq!(c, Column::Int(vec![Some(1), None, Some(i64::MAX)]));
        let big: ArrayRef = Arc::new(UInt64Array::from(vec![Some(1), Some(1u64 << 63)]));
        let mut c = empty_column(big.data_type());
        assert_eq!(
            append(&mut c, &big),
            Err(Unreadable::TooLarge {
                index: 1,
                value: 1 << 63
            })
        );
    }
}
