//! The plain objects returned to JavaScript (`Explanation`, `Diagnosis`, `SignedHeaders`,
//! `Verified`), made by serde-wasm-bindgen.
//!
//! One type for all of them, a list of named members, rather than one
//! `#[derive(Serialize)]` struct each: one instance of the serializer's code instead of
//! one per struct (the module is 2.9 KB smaller). Written as a map (serde-wasm-bindgen's
//! JSON-compatible serializer makes it a plain object) rather than with
//! `serialize_struct`, whose field-name cache is another 1.7 KB.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use wasm_bindgen::JsValue;

use crate::error;

/// The value of one member of a result object.
pub(crate) enum Member {
    /// A string.
    Text(String),
    /// `true` or `false`.
    Flag(bool),
    /// A number.
    Number(f64),
    /// `null`.
    Null,
}

impl Serialize for Member {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Member::Text(text) => serializer.serialize_str(text),
            Member::Flag(flag) => serializer.serialize_bool(*flag),
            Member::Number(number) => serializer.serialize_f64(*number),
            Member::Null => serializer.serialize_none(),
        }
    }
}

/// A plain object with these members, in this order.
struct Members<'a>(&'a [(&'static str, Member)]);

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A plain JavaScript object with `members` (serde-wasm-bindgen's JSON-compatible
/// serializer: `null` for [`Member::Null`], maps as plain objects).
#[inline(never)]
pub(crate) fn object(members: &[(&'static str, Member)]) -> Result<JsValue, JsValue> {
    Members(members)
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error::new_error(&e.to_string(), error::INTERNAL, false))
}
