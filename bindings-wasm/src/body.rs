//! A JavaScript `body` argument turned into the bytes the core signs.
//!
//! A string is signed from its exact text (UTF-8), a `Uint8Array` from its exact bytes,
//! and a plain object or array is written as JSON text by the core's [`JsonWriter`]
//! (spec/canonical-form.md section 3), walking the value with `js_sys`. Every read of the
//! caller's value goes through a catching import (see [`crate::js`]): a getter or a Proxy
//! trap that throws is an `invalid_value` error naming the path.

use glorycard_core::{Error, JsonWriter};
use js_sys::{BigInt, JsString, Number, Reflect, RegExp, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::types;

/// The `invalid_value` error for a value whose reading threw, at the writer's place.
#[cold]
#[inline(never)]
fn threw(writer: &JsonWriter) -> Error {
    writer.invalid_value("reading it threw an exception (a getter, a Proxy or a detached buffer)")
}

/// The bytes to sign for a `body` argument (a copy: JavaScript memory is never borrowed).
pub(crate) fn body_bytes(body: &JsValue) -> Result<Vec<u8>, Error> {
    if body.is_string() {
        let text = js_string(body).map_err(|offset| Error::InvalidUtf8 {
            offset,
            reason: "a lone UTF-16 surrogate in the JavaScript string, which has no UTF-8 form",
        })?;
        return Ok(text.into_bytes());
    }
    if body.dyn_ref::<Uint8Array>().is_some() {
        // Copied first in JavaScript, from the array's internal slots: a `length`
        // getter defined on the caller's array never runs.
        return types::copy_bytes(body).map_err(|_| threw(&JsonWriter::new()));
    }
    if body.is_object() {
        let mut writer = JsonWriter::new();
        write_value(&mut writer, body)?;
        return Ok(writer.finish()?.into_bytes());
    }
    // A scalar at the top level: JSON-expressible ones get the core's own error.
    let found = if body.is_null() {
        "null"
    } else if body.as_bool().is_some() {
        "boolean"
    } else if body.as_f64().is_some() || body.is_bigint() {
        "number"
    } else {
        return Err(JsonWriter::new().invalid_value(format!(
            "{} is not a body: pass JSON text, a Uint8Array or a plain object",
            type_name(body)
        )));
    };
    Err(Error::NotAnObject { found })
}

/// Reads a JavaScript string; a lone surrogate (which JavaScript allows and UTF-8 cannot
/// hold) is an error carrying the UTF-8 byte offset where it stands.
pub(crate) fn js_string(value: &JsValue) -> Result<String, usize> {
    let text = value.as_string().unwrap_or_default();
    // The conversion replaced each lone surrogate with U+FFFD (UTF-8 EF BF BD): look
    // closer only when the text has a byte 0xEF, so that the common case costs one
    // `memchr`. (A byte search rather than `contains('\u{FFFD}')`, whose substring
    // searcher adds about 1.8 KB to the module.)
    if text.as_bytes().contains(&0xEF)
        && let Some(units) = lone_surrogate_index(value)
    {
        // Each lone surrogate became one U+FFFD (one UTF-16 unit, as before).
        let mut seen = 0usize;
        for (offset, ch) in text.char_indices() {
            if seen >= units {
                return Err(offset);
            }
            seen += ch.len_utf16();
        }
        return Err(text.len());
    }
    Ok(text)
}

/// The UTF-16 index of the first lone surrogate of a JavaScript string, if any.
fn lone_surrogate_index(value: &JsValue) -> Option<usize> {
    // In a `u` regular expression the string is read as code points, so only lone
    // surrogates fall in the surrogate range.
    let pattern = RegExp::new("[\\uD800-\\uDFFF]", "u");
    let index = value.unchecked_ref::<JsString>().search(&pattern);
    usize::try_from(index).ok()
}

/// Writes one JavaScript value at the writer's current place.
fn write_value(writer: &mut JsonWriter, value: &JsValue) -> Result<(), Error> {
    if value.is_string() {
        let text = js_string(value).map_err(|_| {
            writer.invalid_value("a string with a lone UTF-16 surrogate has no UTF-8 form")
        })?;
        return writer.string(&text);
    }
    if let Some(number) = value.as_f64() {
        if !number.is_finite() {
            return Err(writer.invalid_value("NaN and infinity have no JSON form"));
        }
        return writer.decimal(&shortest_decimal(value));
    }
    if let Some(flag) = value.as_bool() {
        return writer.bool(flag);
    }
    if value.is_null() {
        return writer.null();
    }
    if let Some(big) = value.dyn_ref::<BigInt>() {
        let digits: String = match big.to_string(10) {
            Ok(text) => text.into(),
            Err(_) => return Err(writer.invalid_value("a BigInt that has no decimal form")),
        };
        return writer.decimal(&digits);
    }
    if types::is_array(value).map_err(|_| threw(writer))? {
        let length = types::array_length(value).map_err(|_| threw(writer))?;
        writer.begin_array()?;
        for index in 0..length {
            let item = types::item(value, index).map_err(|_| threw(writer))?;
            write_value(writer, &item)?;
        }
        return writer.end_array();
    }
    if value.is_object() {
        if !is_plain_object(value).map_err(|_| threw(writer))? {
            return Err(writer.invalid_value(format!(
                "{} is not a plain object or array (convert it to a string, number or plain object first)",
                type_name(value)
            )));
        }
        // A fresh array made by `Object.keys`: reading it runs no caller code.
        let keys = types::object_keys(value).map_err(|_| threw(writer))?;
        writer.begin_object()?;
        for key in keys.iter() {
            let name = js_string(&key).map_err(|_| {
                writer.invalid_value("a key with a lone UTF-16 surrogate has no UTF-8 form")
            })?;
            writer.key(&name)?;
            let member = Reflect::get(value, &key).map_err(|_| threw(writer))?;
            write_value(writer, &member)?;
        }
        return writer.end_object();
    }
    if value.is_undefined() {
        return Err(
            writer.invalid_value("undefined has no JSON form (leave the member out, or use null)")
        );
    }
    Err(writer.invalid_value(format!("{} has no JSON form", type_name(value))))
}

/// A finite JavaScript number as JavaScript writes it, `String(n)`: the shortest decimal
/// that reads back as the same double (spec/canonical-form.md section 3), in JSON number
/// syntax (`0.1`, `10.5`, `1e+21`, `-0` as `0`), which the core then canonicalizes.
///
/// The same digits as Rust's `Display` for `f64` (what `JsonWriter::float` writes), but
/// from the JavaScript engine: Rust's float formatting adds about 22 KB to the module.
fn shortest_decimal(value: &JsValue) -> String {
    value
        .unchecked_ref::<Number>()
        .to_string_with_radix(10)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// An object created by `{...}`, `Object.create(null)` or `JSON.parse`, in any realm:
/// its prototype is `null` or has a `null` prototype itself. An error when a Proxy's
/// `getPrototypeOf` trap throws.
fn is_plain_object(value: &JsValue) -> Result<bool, JsValue> {
    let prototype = Reflect::get_prototype_of(value)?;
    Ok(prototype.is_null() || Reflect::get_prototype_of(&prototype)?.is_null())
}

/// How an error message names a value's type (never its content).
fn type_name(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".to_string();
    }
    if value.is_function() {
        return "a function".to_string();
    }
    if value.is_symbol() {
        return "a symbol".to_string();
    }
    if value.is_object() {
        let name = Reflect::get(value, &JsValue::from_str("constructor"))
            .ok()
            .and_then(|constructor| Reflect::get(&constructor, &JsValue::from_str("name")).ok())
            .and_then(|name| name.as_string())
            .filter(|name| !name.is_empty());
        return match name {
            Some(name) => format!("an object of class {name}"),
            None => "an object".to_string(),
        };
    }
    value.js_typeof().as_string().unwrap_or_default()
}
