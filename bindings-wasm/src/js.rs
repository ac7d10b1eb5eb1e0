//! Reading JavaScript values without letting an exception unwind through the module.
//!
//! An import declared without `catch` that throws (a getter, a Proxy trap, a detached
//! buffer) unwinds through the WebAssembly frames without running a destructor: a
//! borrowed `Signer`/`Verifier` would stay borrowed and the module's stack pointer would
//! not be restored. Every read of a caller's value therefore goes through an import that
//! catches: `js_sys::Reflect::*` or the few declared here.

use js_sys::{Function, Reflect, Symbol, Uint8Array};
use wasm_bindgen::prelude::*;

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
