//! Core errors as JavaScript `Error` objects with a stable `.code`, the error codes, and
//! the panic hook that poisons the module.

use std::sync::atomic::{AtomicBool, Ordering};

use glorycard_core::{Error, ErrorCode};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

/// The `code` of a JavaScript argument of the wrong type (what TypeScript would catch).
pub(crate) const INVALID_ARGUMENT: &str = "invalid_argument";
/// The `code` of an unexpected panic inside the module (a bug).
pub(crate) const INTERNAL: &str = "internal";
/// The `code` of a call made before the module is instantiated (`await init()` not yet
/// resolved). Thrown by the JavaScript glue (build.sh adds the check), never by Rust: the
/// module cannot run before it exists; listed here so that the `ErrorCode` union, and the
/// glue's list read from it, name it.
pub(crate) const NOT_INITIALIZED: &str = "not_initialized";
/// The codes this package adds to the core's [`ErrorCode::ALL`].
pub(crate) const OWN_CODES: [&str; 3] = [INVALID_ARGUMENT, INTERNAL, NOT_INITIALIZED];

/// The TypeScript `ErrorCode` union, read by the `typescript_custom_section` in `lib.rs`.
/// rustc does not count that use (the section is evaluated into a custom section the
/// compiler never sees read), hence the `allow`; the native test below reads it.
#[allow(dead_code)]
pub(crate) mod typescript {
    use super::{ErrorCode, OWN_CODES};

    /// The TypeScript `ErrorCode` union, built at compile time from [`ErrorCode::ALL`] and
    /// [`OWN_CODES`], so that no list of codes is written by hand.
    pub(crate) const ERROR_CODE_TYPE: &str = match std::str::from_utf8(&ERROR_CODE_TYPE_BYTES) {
        Ok(text) => text,
        Err(_) => panic!("the ErrorCode union is not UTF-8"),
    };

    const ERROR_CODE_DOC: &str = concat!(
        "\n/** The stable code of every error this package throws: the core's codes, plus\n",
        " * `invalid_argument` (a JavaScript argument of the wrong type, a `TypeError`) and\n",
        " * `internal` (an unexpected panic inside the module, a bug: from then on every call\n",
        " * throws `internal` until the module is reloaded) and `not_initialized` (a call\n",
        " * before `await init()` resolved, in a browser or a bundle). */\n",
        "export type ErrorCode =",
    );
    const MEMBER_START: &str = "\n  | \"";
    const MEMBER_END: &str = "\"";
    const UNION_END: &str = ";\n";

    /// Writes `text` into `out` at `at`; the position after it.
    const fn put(out: &mut [u8], mut at: usize, text: &str) -> usize {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            out[at] = bytes[i];
            at += 1;
            i += 1;
        }
        at
    }

    /// Writes the union into `out` (when it is long enough); its length.
    const fn write_union(out: &mut [u8]) -> usize {
        let mut at = put(out, 0, ERROR_CODE_DOC);
        let mut i = 0;
        while i < ErrorCode::ALL.len() + OWN_CODES.len() {
            let code = if i < ErrorCode::ALL.len() {
                ErrorCode::ALL[i].as_str()
            } else {
                OWN_CODES[i - ErrorCode::ALL.len()]
            };
            at = put(out, at, MEMBER_START);
            at = put(out, at, code);
            at = put(out, at, MEMBER_END);
            i += 1;
        }
        put(out, at, UNION_END)
    }

    /// The union's length, measured by writing it into a buffer large enough for it.
    const ERROR_CODE_TYPE_LEN: usize = write_union(&mut [0; 4096]);

    const ERROR_CODE_TYPE_BYTES: [u8; ERROR_CODE_TYPE_LEN] = {
        let mut out = [0; ERROR_CODE_TYPE_LEN];
        write_union(&mut out);
        out
    };
}

/// A `GlorycardError`: a real `Error` whose `code` is the core's stable code, its
/// `message` in English and `messageZh` in Chinese (both the core's), with `offset` (byte
/// offset into the body) and `field` when the core names them.
pub(crate) fn to_js(error: &Error) -> JsValue {
    let js = new_error(&error.to_string(), error.code().as_str(), false);
    set(&js, "messageZh", &JsValue::from_str(&error.message_zh()));
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

/// What this package's own codes say in Chinese before their English detail (which names
/// a JavaScript argument or a panic, and is kept as it is). `not_initialized` is thrown,
/// and said, by the glue (scripts/finish-glue.mjs).
fn own_code_in_chinese(code: &str) -> &'static str {
    match code {
        INVALID_ARGUMENT => "参数类型错误",
        INTERNAL => "glorycard 内部错误（程序缺陷，请报告；须重新加载 WebAssembly 模块）",
        _ => "错误",
    }
}

/// An `Error` named `GlorycardError` (or a plain `TypeError`) with `code`, and
/// `messageZh`: for this package's own codes their Chinese and the English detail
/// ([`to_js`] gives a core error the core's Chinese instead).
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
    let chinese = format!("{}：{message}", own_code_in_chinese(code));
    set(&js, "messageZh", &JsValue::from_str(&chinese));
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

/// Set by the panic hook: the module's state is unknown from then on.
pub(crate) static POISONED: AtomicBool = AtomicBool::new(false);

/// Turns a panic (a bug: the core never panics by design) into a thrown JavaScript
/// `Error` with code `internal`, instead of an opaque `RuntimeError: unreachable`, and
/// poisons the module.
///
/// Throwing leaves the WebAssembly frames without running a destructor: a `Signer` or
/// `Verifier` may stay borrowed, the replay cache's lock held, the stack pointer not
/// restored. So from then on every export refuses (see [`live`]).
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        POISONED.store(true, Ordering::SeqCst);
        let message = format!(
            "glorycard internal error (a bug, please report it): {info}; the WebAssembly module must be reloaded"
        );
        wasm_bindgen::throw_val(new_error(&message, INTERNAL, false));
    }));
}

/// Called first by every export: once a panic has poisoned the module, an `Error` with
/// code `internal` saying that the module must be reloaded.
pub(crate) fn live() -> Result<(), JsValue> {
    if POISONED.load(Ordering::SeqCst) {
        return Err(poisoned());
    }
    Ok(())
}

#[cold]
fn poisoned() -> JsValue {
    new_error(
        "glorycard: an earlier internal error left this module in an unknown state: it must be reloaded",
        INTERNAL,
        false,
    )
}

/// Runs when the module is instantiated.
#[wasm_bindgen(start)]
fn start() {
    install_panic_hook();
}

/// The stable codes of the core's errors (the `code` of a thrown error is one of these,
/// or `invalid_argument` / `internal` / `not_initialized`).
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCode[]")]
pub fn error_codes() -> Result<js_sys::Array, JsValue> {
    live()?;
    Ok(glorycard_core::ErrorCode::ALL
        .iter()
        .map(|code| JsValue::from_str(code.as_str()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::typescript::ERROR_CODE_TYPE;
    use super::*;

    /// The generated union lists the core's codes in order, then this package's own, and
    /// is the section the README and `package.test.mjs` describe.
    #[test]
    fn error_code_union_is_all_codes_then_own_codes() {
        let members: Vec<&str> = ERROR_CODE_TYPE
            .split("export type ErrorCode =")
            .nth(1)
            .unwrap()
            .trim_end()
            .trim_end_matches(';')
            .split('|')
            .map(|member| member.trim().trim_matches('"'))
            .filter(|member| !member.is_empty())
            .collect();
        let expected: Vec<&str> = ErrorCode::ALL
            .iter()
            .map(|code| code.as_str())
            .chain(OWN_CODES)
            .collect();
        assert_eq!(members, expected);
        assert!(ERROR_CODE_TYPE.starts_with("\n/** The stable code"));
        assert!(ERROR_CODE_TYPE.ends_with("  | \"not_initialized\";\n"));
    }
}
