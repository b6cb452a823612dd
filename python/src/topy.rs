//! Results as Python objects without a JSON round trip: a serde serializer that builds the
//! `dict`/`list`/`float`/`int`/`str`/`None` values that `json.loads` of the CLI's
//! `--format json` text would give, with serde_json's rules (non-finite floats become `None`,
//! `f32` reads as its shortest decimal text, map keys become strings, enums are externally
//! tagged), so the two are equal float for float.

use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde::ser::{self, Serialize};

/// An error of the conversion (a map key that is not a string or number, or a Python error).
#[derive(Debug)]
pub(crate) struct ToPyError(String);

impl fmt::Display for ToPyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToPyError {}

impl ser::Error for ToPyError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ToPyError(msg.to_string())
    }
}

impl From<PyErr> for ToPyError {
    fn from(e: PyErr) -> Self {
        ToPyError(e.to_string())
    }
}

type Out<'py> = Result<Bound<'py, PyAny>, ToPyError>;

/// `value` as the Python object `json.loads(serde_json::to_string(value))` would give.
pub(crate) fn to_py<'py, T: Serialize + ?Sized>(py: Python<'py>, value: &T) -> Out<'py> {
    value.serialize(Ser { py })
}

/// The serializer (one per value; cheap to copy).
#[derive(Clone, Copy)]
struct Ser<'py> {
    py: Python<'py>,
}

impl<'py> Ser<'py> {
    fn float(self, x: f64) -> Out<'py> {
        Ok(if x.is_finite() {
            PyFloat::new(self.py, x).into_any()
        } else {
            self.py.None().into_bound(self.py)
        })
    }

    fn tagged(self, variant: &'static str, value: Bound<'py, PyAny>) -> Out<'py> {
        let d = PyDict::new(self.py);
        d.set_item(variant, value)?;
        Ok(d.into_any())
    }
}

/// A list being built (sequences, tuples; `variant` set for tuple variants).
struct Seq<'py> {
    ser: Ser<'py>,
    items: Vec<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> Seq<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ToPyError> {
        self.items.push(value.serialize(self.ser)?);
        Ok(())
    }

    fn finish(self) -> Out<'py> {
        let list = PyList::new(self.ser.py, self.items)?.into_any();
        match self.variant {
            Some(v) => self.ser.tagged(v, list),
            None => Ok(list),
        }
    }
}

/// A dict being built (maps, structs; `variant` set for struct variants).
struct Map<'py> {
    ser: Ser<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

impl<'py> Map<'py> {
    fn finish(self) -> Out<'py> {
        let d = self.dict.into_any();
        match self.variant {
            Some(v) => self.ser.tagged(v, d),
            None => Ok(d),
        }
    }
}

impl<'py> ser::Serializer for Ser<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = ToPyError;
    type SerializeSeq = Seq<'py>;
    type SerializeTuple = Seq<'py>;
    type SerializeTupleStruct = Seq<'py>;
    type SerializeTupleVariant = Seq<'py>;
    type SerializeMap = Map<'py>;
    type SerializeStruct = Map<'py>;
    type SerializeStructVariant = Map<'py>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        Ok(PyInt::new(self.py, v).into_any())
    }
    fn serialize_i128(self, v: i128) -> Out<'py> {
        match v.into_pyobject(self.py) {
            Ok(x) => Ok(x.into_any()),
            Err(never) => match never {},
        }
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        Ok(PyInt::new(self.py, v).into_any())
    }
    fn serialize_u128(self, v: u128) -> Out<'py> {
        match v.into_pyobject(self.py) {
            Ok(x) => Ok(x.into_any()),
            Err(never) => match never {},
        }
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        // serde_json writes an f32 as its shortest text, which Python reads as an f64.
        if !v.is_finite() {
            return self.float(f64::NAN);
        }
        let x: f64 = v.to_string().parse().unwrap_or(f64::from(v));
        self.float(x)
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        // serde_json writes bytes as an array of numbers.
        Ok(PyList::new(self.py, v)?.into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Out<'py> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Out<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let v = value.serialize(self)?;
        self.tagged(variant, v)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'py>, ToPyError> {
        Ok(Seq {
            ser: self,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'py>, ToPyError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<Seq<'py>, ToPyError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Seq<'py>, ToPyError> {
        let mut s = self.serialize_seq(Some(len))?;
        s.variant = Some(variant);
        Ok(s)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'py>, ToPyError> {
        Ok(Map {
            ser: self,
            dict: PyDict::new(self.py),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _n: &'static str, len: usize) -> Result<Map<'py>, ToPyError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Map<'py>, ToPyError> {
        let mut m = self.serialize_map(Some(len))?;
        m.variant = Some(variant);
        Ok(m)
    }
}

macro_rules! seq_impl {
    ($tr:ident, $method:ident) => {
        impl<'py> ser::$tr for Seq<'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = ToPyError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ToPyError> {
                self.push(value)
            }
            fn end(self) -> Out<'py> {
                self.finish()
            }
        }
    };
}

seq_impl!(SerializeSeq, serialize_element);
seq_impl!(SerializeTuple, serialize_element);
seq_impl!(SerializeTupleStruct, serialize_field);
seq_impl!(SerializeTupleVariant, serialize_field);

impl<'py> ser::SerializeMap for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = ToPyError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ToPyError> {
        self.key = Some(key.serialize(KeySer { py: self.ser.py })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ToPyError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ToPyError("a map value without its key".into()))?;
        self.dict.set_item(key, value.serialize(self.ser)?)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

macro_rules! struct_impl {
    ($tr:ident) => {
        impl<'py> ser::$tr for Map<'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = ToPyError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), ToPyError> {
                self.dict.set_item(key, value.serialize(self.ser)?)?;
                Ok(())
            }
            fn end(self) -> Out<'py> {
                self.finish()
            }
        }
    };
}

struct_impl!(SerializeStruct);
struct_impl!(SerializeStructVariant);

/// Map keys as serde_json writes them: strings, chars, unit variants and integers as text;
/// anything else is refused.
struct KeySer<'py> {
    py: Python<'py>,
}

fn key_error() -> ToPyError {
    ToPyError("key must be a string".into())
}

impl<'py> KeySer<'py> {
    fn text(self, s: &str) -> Out<'py> {
        Ok(PyString::new(self.py, s).into_any())
    }
}

impl<'py> ser::Serializer for KeySer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = ToPyError;
    type SerializeSeq = ser::Impossible<Self::Ok, ToPyError>;
    type SerializeTuple = ser::Impossible<Self::Ok, ToPyError>;
    type SerializeTupleStruct = ser::Impossible<Self::Ok, ToPyError>;
    type SerializeTupleVariant = ser::Impossible<Self::Ok, ToPyError>;
    type SerializeMap = ser::Impossible<Self::Ok, ToPyError>;
    type SerializeStruct = ser::Impossible<Self::Ok, ToPyError>;
    type SerializeStructVariant = ser::Impossible<Self::Ok, ToPyError>;

    fn serialize_bool(self, _v: bool) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Out<'py> {
        self.text(&v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.text(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        self.text(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_none(self) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Out<'py> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _n: &'static str, v: &T) -> Out<'py> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Out<'py> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, ToPyError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, ToPyError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, ToPyError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ToPyError> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, ToPyError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _n: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, ToPyError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ToPyError> {
        Err(key_error())
    }
}
