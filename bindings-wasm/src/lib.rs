#![doc = include_str!("../README.md")]

mod body;
mod error;
mod js;
mod result;
#[cfg(test)]
mod tests;
mod verifier;

use std::sync::atomic::{AtomicBool, Ordering};

use glorycard_core::{SecretKey, Signature, Timestamp};
use js_sys::JsString;
use wasm_bindgen::prelude::*;

use crate::error::IntoJs;
use crate::result::{Member, object};
pub use crate::verifier::Verifier;

/// The `ErrorCode` union, generated from the core's codes (see [`error::typescript`]).
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODE_TYPE: &str = error::typescript::ERROR_CODE_TYPE;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** Any value a JSON body can hold, as a plain JavaScript value. A `number` is signed as
 * its shortest round-trip decimal (`0.1`, `10.5`, `1e21` → `1000000000000000000000`),
 * a `bigint` from its exact digits. */
export type JsonValue = string | number | boolean | null | bigint | readonly JsonValue[] | JsonObject;

/** A plain object (made by `{...}`, `JSON.parse` or `Object.create(null)`). */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** A body to sign: JSON text (signed from its exact text, as sent), its exact bytes
 * (for example a Node `Buffer` as received), or a plain object or array (written as JSON
 * per canonical-form.md section 3; the top level must be an object). */
export type Body = string | Uint8Array | JsonObject | readonly JsonValue[];

/** What every function of this package throws: a real `Error` (a `TypeError` for
 * `invalid_argument`) with a stable `code`. Messages never contain the key. */
export interface GlorycardError extends Error {
  readonly code: ErrorCode;
  /** Byte offset into the body (UTF-8) for body errors that have one, e.g. `invalid_json`. */
  readonly offset?: number;
  /** The field a validation error names. */
  readonly field?: string;
}

/** Every stage of signing one body. */
export interface Explanation {
  /** STRINGA: the sorted `name=value` pairs joined with `&`. */
  readonly stringA: string;
  /** STRINGSignTemp with the key replaced by `***`. */
  readonly stringSignTempMasked: string;
  /** Upper-case hex MD5 of STRINGSignTemp (the HMAC's message). */
  readonly md5: string;
  /** The sign: 64 lower-case hex digits. */
  readonly sign: string;
  /** The timestamp signed with (14 digits, UTC+8). */
  readonly timestamp: string;
}

/** The result of comparing a received sign with the body, key and timestamp. */
export interface Diagnosis {
  /** True when the received sign is the right one. */
  readonly match: boolean;
  /** On a mismatch, the common departure from the rules that produces the received
   * sign (e.g. numbers signed as written), or `null` when none does: then the key,
   * the timestamp or the body's bytes differ. Always `null` on a match. */
  readonly departure: string | null;
}

/** The three headers of a signed request. */
export interface SignedHeaders {
  readonly sid: string;
  readonly timestamp: string;
  readonly sign: string;
}

/** What a successful verification established. */
export interface Verified {
  readonly sid: string;
  readonly timestamp: string;
  /** Which of the sid's keys matched (0 = the first configured), to watch a rotation. */
  readonly keyIndex: number;
}

/** How a `Verifier` is configured. */
export interface VerifierOptions {
  /** The keys of each sid, in order (several during a key rotation). */
  readonly keys: Readonly<Record<string, string | readonly string[]>>;
  /** Allowed distance of a timestamp from now, in seconds (default 300). */
  readonly maxSkewSeconds?: number;
  /** Refuse a (sid, timestamp, sign) already accepted: `true` remembers up to 100,000,
   * a number sets that capacity (size it for the request rate times 2 × skew). */
  readonly replayCache?: boolean | number;
  /** Now, as milliseconds since the Unix epoch or a `Date` (default: `Date.now()`). */
  readonly clock?: () => number | Date;
}

/** Received headers: a plain object (Node's `req.headers`), a fetch `Headers`, a `Map`
 * or any iterable of name/value pairs. Names are compared case-insensitively. */
export type HeadersInput =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | Iterable<readonly [string, string]>;
"#;

/// Set by the panic hook: the module's state is unknown from then on.
static POISONED: AtomicBool = AtomicBool::new(false);

/// Turns a panic (a bug: the core never panics by design) into a thrown JavaScript
/// `Error` with code `internal`, instead of an opaque `RuntimeError: unreachable`, and
/// poisons the module.
///
/// Throwing leaves the WebAssembly frames without running a destructor: a `Signer` or
/// `Verifier` may stay borrowed, the replay cache's lock held, the stack pointer not
/// restored. So from then on every export refuses (see [`live`]).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        POISONED.store(true, Ordering::SeqCst);
        let message = format!(
            "glorycard internal error (a bug, please report it): {info}; the WebAssembly module must be reloaded"
        );
        wasm_bindgen::throw_val(error::new_error(&message, error::INTERNAL, false));
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
    error::new_error(
        "glorycard: an earlier internal error left this module in an unknown state: it must be reloaded",
        error::INTERNAL,
        false,
    )
}

/// Runs when the module is instantiated.
#[wasm_bindgen(start)]
fn start() {
    install_panic_hook();
}

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

/// STRINGA, the canonical form of `body`.
#[wasm_bindgen]
pub fn canonicalize(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
) -> Result<String, JsValue> {
    live()?;
    glorycard_core::canonicalize(&body_arg(body)?).js()
}

/// The sign of `body` with `key` at `timestamp` (14 digits, UTC+8): 64 lower-case hex
/// digits.
#[wasm_bindgen]
pub fn sign(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    key: &JsString,
    timestamp: &JsString,
) -> Result<String, JsValue> {
    live()?;
    let key = key_arg(key)?;
    let timestamp = timestamp_arg(timestamp)?;
    let body = body_arg(body)?;
    Ok(glorycard_core::sign_body(&body, &key, &timestamp)
        .js()?
        .to_string())
}

/// Whether `sign` (64 hex digits, either case) is the sign of `body` with `key` at
/// `timestamp`, compared in constant time. A clean mismatch is `false`; a malformed
/// body, timestamp or sign throws.
#[wasm_bindgen]
pub fn verify(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    key: &JsString,
    timestamp: &JsString,
    sign: &JsString,
) -> Result<bool, JsValue> {
    live()?;
    let key = key_arg(key)?;
    let timestamp = timestamp_arg(timestamp)?;
    let sign = string_arg(sign, "sign")?;
    let body = body_arg(body)?;
    glorycard_core::verify_body(&body, &key, &timestamp, &sign).js()
}

/// Every stage of signing `body`: STRINGA, STRINGSignTemp with the key masked, the
/// upper-case MD5 and the sign, for finding out why two sides disagree.
#[wasm_bindgen(unchecked_return_type = "Explanation")]
pub fn explain(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    key: &JsString,
    timestamp: &JsString,
) -> Result<JsValue, JsValue> {
    live()?;
    let key = key_arg(key)?;
    let timestamp = timestamp_arg(timestamp)?;
    let body = body_arg(body)?;
    let explanation = glorycard_core::explain(&body, &key, &timestamp).js()?;
    object(&[
        ("stringA", Member::Text(explanation.string_a().to_owned())),
        (
            "stringSignTempMasked",
            Member::Text(explanation.string_sign_temp_masked().to_owned()),
        ),
        ("md5", Member::Text(explanation.md5_upper().to_owned())),
        ("sign", Member::Text(explanation.sign().to_string())),
        (
            "timestamp",
            Member::Text(explanation.timestamp().as_str().to_owned()),
        ),
    ])
}

/// Compares a received `sign` with `body`, `key` and `timestamp`; on a mismatch, names
/// the common departure from the rules (numbers as written, empty values kept,
/// lower-case MD5, ...) that produces it, if one does.
#[wasm_bindgen(unchecked_return_type = "Diagnosis")]
pub fn diagnose(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    key: &JsString,
    timestamp: &JsString,
    sign: &JsString,
) -> Result<JsValue, JsValue> {
    live()?;
    let key = key_arg(key)?;
    let timestamp = timestamp_arg(timestamp)?;
    let received = Signature::parse(&string_arg(sign, "sign")?).js()?;
    let body = body_arg(body)?;
    let found = glorycard_core::diagnose_mismatch(&body, &key, &timestamp, &received).js()?;
    let found_match = found == glorycard_core::Diagnosis::Match;
    let departure = match found {
        glorycard_core::Diagnosis::Departure(text) => Member::Text(text),
        _ => Member::Null,
    };
    object(&[
        ("match", Member::Flag(found_match)),
        ("departure", departure),
    ])
}

/// Seconds since the Unix epoch, from JavaScript's clock.
pub(crate) fn js_now_unix_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// Now, from JavaScript's clock, as a 14-digit timestamp in China Standard Time (UTC+8)
/// whatever the host's time zone.
#[wasm_bindgen(js_name = timestampNow)]
pub fn timestamp_now() -> Result<String, JsValue> {
    live()?;
    Ok(Timestamp::from_unix_seconds(js_now_unix_seconds())
        .js()?
        .as_str()
        .to_owned())
}

/// The stable codes of the core's errors (the `code` of a thrown error is one of these,
/// or `invalid_argument` / `internal`).
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCode[]")]
pub fn error_codes() -> Result<js_sys::Array, JsValue> {
    live()?;
    Ok(glorycard_core::ErrorCode::ALL
        .iter()
        .map(|code| JsValue::from_str(code.as_str()))
        .collect())
}

/// Whether `error` was thrown by this package (an `Error` whose `code` is one of its
/// codes).
#[wasm_bindgen(js_name = isGlorycardError, unchecked_return_type = "error is GlorycardError")]
pub fn is_glorycard_error(
    #[wasm_bindgen(unchecked_param_type = "unknown")] error: &JsValue,
) -> Result<bool, JsValue> {
    live()?;
    if !error.is_instance_of::<js_sys::Error>() {
        return Ok(false);
    }
    let code = js::get(error, "code")
        .ok()
        .and_then(|code| code.as_string());
    Ok(match code {
        Some(code) => {
            code.parse::<glorycard_core::ErrorCode>().is_ok()
                || error::OWN_CODES.contains(&code.as_str())
        }
        None => false,
    })
}

/// Signs request bodies for one account (`sid`) with its secret key.
#[wasm_bindgen]
pub struct Signer {
    inner: glorycard_core::Signer,
}

#[wasm_bindgen]
impl Signer {
    /// A signer for `sid` with `key`. The key stays inside the module (it is never
    /// readable from JavaScript again, and is zeroized when `free()` is called).
    #[wasm_bindgen(constructor)]
    pub fn new(sid: &JsString, key: &JsString) -> Result<Signer, JsValue> {
        live()?;
        let sid = string_arg(sid, "sid")?;
        let key = key_arg(key)?;
        if key.is_empty() {
            return Err(error::to_js(&glorycard_core::Error::EmptyKey));
        }
        Ok(Signer {
            inner: glorycard_core::Signer::new(sid, key),
        })
    }

    /// The account id.
    #[wasm_bindgen(getter)]
    pub fn sid(&self) -> Result<String, JsValue> {
        live()?;
        Ok(self.inner.sid().to_owned())
    }

    /// The `sid`, `timestamp` and `sign` headers for `body` (sent exactly as given when
    /// it is a string), at `timestamp` or, when it is omitted, now (UTC+8).
    #[wasm_bindgen(js_name = signRequest, unchecked_return_type = "SignedHeaders")]
    pub fn sign_request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
        timestamp: Option<JsString>,
    ) -> Result<JsValue, JsValue> {
        live()?;
        let timestamp = match timestamp {
            Some(text) => timestamp_arg(&text)?,
            None => Timestamp::from_unix_seconds(js_now_unix_seconds()).js()?,
        };
        let body = body_arg(body)?;
        let headers = self.inner.sign_at(&body, &timestamp).js()?;
        object(&[
            ("sid", Member::Text(headers.sid)),
            (
                "timestamp",
                Member::Text(headers.timestamp.as_str().to_owned()),
            ),
            ("sign", Member::Text(headers.sign.to_string())),
        ])
    }
}
