//! Sections are JSON objects, never arrays.
//!
//! serde's derived structs also accept a JSON array of their fields in
//! declaration order, so `["a", ...]` would pass for a scenario: a file
//! whose meaning depends on field order nobody documents, and that any
//! reordering of a struct silently changes. Every struct of the format
//! therefore deserialises through [`ObjectsOnly`], which asks the
//! underlying deserializer for a map where serde would ask for a struct;
//! serde_json then refuses an array with "invalid type: sequence, expected
//! ...", at the array's JSON path.

use serde::Deserializer;
use serde::de::Visitor;

/// A deserializer that reads structs as maps only, forwarding the rest.
pub(crate) struct ObjectsOnly<D>(pub(crate) D);

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method($($arg,)* visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    forward!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
        deserialize_ignored_any(),
    );

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Implements `Deserialize` for structs declared with
/// `#[serde(remote = "Self")]` (which makes serde's derive an inherent
/// `deserialize` function) by calling that function through
/// [`ObjectsOnly`].
macro_rules! objects_only {
    ($($t:ty),* $(,)?) => {
        $(
            impl<'de> serde::Deserialize<'de> for $t {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    <$t>::deserialize($crate::format::objects::ObjectsOnly(d))
                }
            }
        )*
    };
}
pub(crate) use objects_only;
