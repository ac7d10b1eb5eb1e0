//! Core errors as JavaScript `Error` objects with a stable `.code`.

use glorycard_core::Error;
use wasm_bindgen::JsValue;

/// The `code` of a JavaScript argument of the wrong type (what TypeScript would catch).
pub(crate) const INVALID_ARGUMENT: &str = "invalid_argument";
/// The `code` of an unexpected panic inside the module (a bug).
pub(crate) const INTERNAL: &str = "internal";

/// A `GlorycardError`: a real `Error` whose `code` is the core's stable code, with
/// `offset` (byte offset into the body) and `field` when the core names them.
pub(crate) fn to_js(error: &Error) -> JsValue {
    let js = new_error(&error.to_string(), error.code(), false);
    if let Some(offset) = error.offset() {
        set(&js, "offset", &JsValue::from_f64(offset as f64));
    }
    if let Some(field) = error.field() {
        set(&js, "field", &JsValue::from_str(field));
    }
    js
}

/// A `TypeError` with code `invalid_argument`.
pub(crate) fn invalid_argument(message: &str) -> JsValue {
    new_error(message, INVALID_ARGUMENT, true)
}

/// An `Error` named `GlorycardError` (or a plain `TypeError`) with `code`.
pub(crate) fn new_error(message: &str, code: &str, type_error: bool) -> JsValue {
    let error: js_sys::Error = if type_error {
        js_sys::TypeError::new(message).into()
    } else {
        let error = js_sys::Error::new(message);
        error.set_name("GlorycardError");
        error
    };
    let js: JsValue = error.into();
    set(&js, "code", &JsValue::from_str(code));
    js
}

fn set(target: &JsValue, name: &str, value: &JsValue) {
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), value);
}

/// Converts a core result for a `#[wasm_bindgen]` export.
pub(crate) trait IntoJs<T> {
    /// The value, or the error as a JavaScript `Error`.
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(from_core)
    }
}

/// [`to_js`] taking the error by value: the one place that drops a core error, so that
/// each instance of [`IntoJs::js`] is only a branch (a smaller module).
#[inline(never)]
fn from_core(error: Error) -> JsValue {
    to_js(&error)
}
