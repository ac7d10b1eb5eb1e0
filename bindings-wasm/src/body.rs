//! A JavaScript `body` argument turned into the bytes the core signs.
//!
//! A string is signed from its exact text (UTF-8), a `Uint8Array` from its exact bytes,
//! and a plain object or array is written as JSON text by the core's [`JsonWriter`]
//! (canonical-form.md section 3), walking the value with `js_sys`.

use glorycard_core::{Error, JsonWriter};
use js_sys::{Array, BigInt, JsString, Number, Object, Reflect, RegExp, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// The bytes to sign for a `body` argument (a copy: JavaScript memory is never borrowed).
pub(crate) fn body_bytes(body: &JsValue) -> Result<Vec<u8>, Error> {
    if body.is_string() {
        let text = js_string(body).map_err(|offset| Error::InvalidUtf8 {
            offset,
            reason: "a lone UTF-16 surrogate in the JavaScript string, which has no UTF-8 form",
        })?;
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
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
    // The conversion replaced each lone surrogate with U+FFFD: only then look closer, so
    // that the common case costs nothing.
    if text.contains('\u{FFFD}')
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
    if Array::is_array(value) {
        let array: &Array = value.unchecked_ref();
        writer.begin_array()?;
        for index in 0..array.length() {
            write_value(writer, &array.get(index))?;
        }
        return writer.end_array();
    }
    if value.is_object() {
        if !is_plain_object(value) {
            return Err(writer.invalid_value(format!(
                "{} is not a plain object or array (convert it to a string, number or plain object first)",
                type_name(value)
            )));
        }
        let object: &Object = value.unchecked_ref();
        writer.begin_object()?;
        for key in Object::keys(object).iter() {
            let name = js_string(&key).map_err(|_| {
                writer.invalid_value("a key with a lone UTF-16 surrogate has no UTF-8 form")
            })?;
            writer.key(&name)?;
            let member = Reflect::get(value, &key)
                .map_err(|_| writer.invalid_value("reading the member threw an exception"))?;
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
/// that reads back as the same double (canonical-form.md section 3), in JSON number
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
/// its prototype is `null` or has a `null` prototype itself.
fn is_plain_object(value: &JsValue) -> bool {
    let prototype = Object::get_prototype_of(value);
    prototype.is_null() || Object::get_prototype_of(&prototype).is_null()
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
