//! Conversions of the shared small types: string, key, timestamp and body arguments,
//! the plain objects returned to JavaScript, and safe reads of JavaScript values.

use glorycard_core::{SecretKey, Timestamp};
use js_sys::{Function, JsString, Reflect, Symbol, Uint8Array};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use wasm_bindgen::prelude::*;

use crate::body;
use crate::error::{self, IntoJs, live};

/// A string argument, refused with a `TypeError` when it is not a string or holds a
/// lone surrogate (which would otherwise be replaced silently before signing).
pub(crate) fn string_arg(value: &JsValue, name: &str) -> Result<String, JsValue> {
    if !value.is_string() {
        return Err(error::invalid_argument(&format!("{name} must be a string")));
    }
    body::js_string(value).map_err(|_| {
        error::invalid_argument(&format!(
            "{name} contains a lone UTF-16 surrogate, which has no UTF-8 form"
        ))
    })
}

pub(crate) fn key_arg(key: &JsString) -> Result<SecretKey, JsValue> {
    string_arg(key, "key").map(SecretKey::new)
}

pub(crate) fn timestamp_arg(timestamp: &JsString) -> Result<Timestamp, JsValue> {
    Timestamp::parse(&string_arg(timestamp, "timestamp")?).js()
}

pub(crate) fn body_arg(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    body::body_bytes(body).js()
}

/// Seconds since the Unix epoch, from JavaScript's clock.
pub(crate) fn js_now_unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// The UTC+8 timestamp of an instant. Never inlined: its callers (`timestampNow`,
/// `chinaTimeNow`, `chinaTime`, signing at now) share one copy of the core's calendar
/// arithmetic, which the module's size budget counts.
#[inline(never)]
pub(crate) fn timestamp_at(unix_seconds: i64) -> Result<Timestamp, JsValue> {
    Timestamp::from_unix_seconds(unix_seconds).js()
}

/// Now, from JavaScript's clock, as a 14-digit timestamp in China Standard Time (UTC+8)
/// whatever the host's time zone.
#[wasm_bindgen(js_name = timestampNow)]
pub fn timestamp_now() -> Result<String, JsValue> {
    live()?;
    Ok(timestamp_at(js_now_unix_seconds())?.as_str().to_owned())
}

/// Now, from JavaScript's clock, as a model time `yyyy-MM-dd HH:mm:ss` (`deductionTime`,
/// a cancellation's time) in China Standard Time (UTC+8) whatever the host's time zone.
/// `new Date()` formatted with local getters on a host in UTC is eight hours off.
#[wasm_bindgen(js_name = chinaTimeNow)]
pub fn china_time_now() -> Result<String, JsValue> {
    china_time_at(js_sys::Date::now())
}

/// The model time `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8) of a `Date`'s
/// instant (its local zone plays no part; fractions of a second are dropped). An Invalid
/// Date or a value that is not a `Date` throws a `TypeError`.
#[wasm_bindgen(js_name = chinaTime)]
pub fn china_time(
    #[wasm_bindgen(unchecked_param_type = "Date")] date: &JsValue,
) -> Result<String, JsValue> {
    china_time_at(date_millis(date).unwrap_or(f64::NAN))
}

/// Both helpers in one body, so the module carries the conversion once: milliseconds
/// since the epoch (NaN for no valid `Date`) to the core's model time.
fn china_time_at(millis: f64) -> Result<String, JsValue> {
    live()?;
    if !millis.is_finite() {
        return Err(error::invalid_argument("date must be a valid Date"));
    }
    // The core's model time of the instant (`china_time_from_unix_seconds` is this same
    // composition), through the module's one copy of the conversion.
    Ok(timestamp_at((millis / 1000.0).floor() as i64)?.to_datetime_string())
}

// ---------------------------------------------------------------------------------------
// Reading JavaScript values without letting an exception unwind through the module.
//
// An import declared without `catch` that throws (a getter, a Proxy trap, a detached
// buffer) unwinds through the WebAssembly frames without running a destructor: a
// borrowed `Signer`/`Verifier` would stay borrowed and the module's stack pointer would
// not be restored. Every read of a caller's value therefore goes through an import that
// catches: `js_sys::Reflect::*` or the few declared here.

#[wasm_bindgen]
extern "C" {
    /// `Object.keys(value)`: a fresh array of the own enumerable string keys (an
    /// `ownKeys` or `getOwnPropertyDescriptor` trap of a Proxy may throw).
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub(crate) fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `Array.isArray(value)` (throws for a revoked Proxy).
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    pub(crate) fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// JavaScript's `Uint8Array`, for its constructor.
    #[wasm_bindgen(js_name = Uint8Array)]
    type ByteCopy;

    /// `new Uint8Array(bytes)`: a fresh copy of a typed array, read from its internal
    /// slots (no getter runs); throws for a detached buffer.
    #[wasm_bindgen(catch, constructor, js_class = "Uint8Array")]
    fn new(bytes: &JsValue) -> Result<ByteCopy, JsValue>;

    /// `Date.prototype.getTime.call(value)`: the milliseconds of a real `Date` (throws
    /// for anything else, such as a Proxy of a Date).
    #[wasm_bindgen(catch, js_namespace = Date, js_name = "prototype.getTime.call")]
    pub(crate) fn date_millis(value: &JsValue) -> Result<f64, JsValue>;
}

/// A copy of the bytes of a `Uint8Array`, made by `new Uint8Array(bytes)` in
/// JavaScript (so that no getter of the caller's array runs) and then into the module.
pub(crate) fn copy_bytes(bytes: &JsValue) -> Result<Vec<u8>, JsValue> {
    Ok(ByteCopy::new(bytes)?
        .unchecked_into::<Uint8Array>()
        .to_vec())
}

/// `value[name]`, through `Reflect.get`.
pub(crate) fn get(value: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    Reflect::get(value, &JsValue::from_str(name))
}

/// The `length` of something `Array.isArray` accepted (an array, or a Proxy of one),
/// read through `Reflect.get`; a value that is not an array length is an error.
pub(crate) fn array_length(array: &JsValue) -> Result<u32, JsValue> {
    let length = get(array, "length")?.as_f64().unwrap_or(f64::NAN);
    if (0.0..=f64::from(u32::MAX)).contains(&length) && length.fract() == 0.0 {
        Ok(length as u32)
    } else {
        Err(JsValue::UNDEFINED)
    }
}

/// `array[index]`, through `Reflect.get`.
pub(crate) fn item(array: &JsValue, index: u32) -> Result<JsValue, JsValue> {
    Reflect::get_u32(array, index)
}

/// Runs `each` on every value `value` yields by the iteration protocol (what `for ... of`
/// does), every step through a catching call. `Ok(false)` when `value` is not iterable.
/// `Err(None)` when JavaScript threw, `Err(Some(error))` when `each` refused a value.
pub(crate) fn for_each_iterated(
    value: &JsValue,
    mut each: impl FnMut(JsValue) -> Result<(), JsValue>,
) -> Result<bool, Option<JsValue>> {
    let method = Reflect::get(value, &Symbol::iterator()).map_err(|_| None)?;
    let Some(method) = method.dyn_ref::<Function>() else {
        return Ok(false);
    };
    let iterator = method.call0(value).map_err(|_| None)?;
    let next = get(&iterator, "next").map_err(|_| None)?;
    let next = next.dyn_ref::<Function>().ok_or(None)?;
    loop {
        let step = next.call0(&iterator).map_err(|_| None)?;
        if !step.is_object() {
            return Err(None);
        }
        if get(&step, "done").map_err(|_| None)?.is_truthy() {
            return Ok(true);
        }
        each(get(&step, "value").map_err(|_| None)?).map_err(Some)?;
    }
}

// ---------------------------------------------------------------------------------------
// The plain objects returned to JavaScript (`Explanation`, `Diagnosis`, `SignedHeaders`,
// `Verified`), made by serde-wasm-bindgen.
//
// One type for all of them, a list of named members, rather than one
// `#[derive(Serialize)]` struct each: one instance of the serializer's code instead of
// one per struct (the module is 2.9 KB smaller). Written as a map (serde-wasm-bindgen's
// JSON-compatible serializer makes it a plain object) rather than with
// `serialize_struct`, whose field-name cache is another 1.7 KB.

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
