//! Canonicalization, signing, the explanation of every stage, and the `Signer` class.

use glorycard_core::Timestamp;
use js_sys::JsString;
use wasm_bindgen::prelude::*;

use crate::error::{self, IntoJs, live};
use crate::types::{
    Member, body_arg, js_now_unix_seconds, key_arg, object, string_arg, timestamp_arg, timestamp_at,
};

/// STRINGA, the canonical form of `body`.
#[wasm_bindgen]
pub fn canonicalize(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
) -> Result<String, JsValue> {
    live()?;
    glorycard_core::canonicalize(&body_arg(body)?).js()
}

/// The sign of `body` with `key` at `timestamp` (14 digits, UTC+8) or, when it is
/// omitted, now in China time (as `timestampNow()`, whatever the host's time zone): 64
/// lower-case hex digits. Send the same timestamp in the `timestamp` header.
#[wasm_bindgen]
pub fn sign(
    #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    key: &JsString,
    timestamp: Option<JsString>,
) -> Result<String, JsValue> {
    live()?;
    let key = key_arg(key)?;
    let timestamp = timestamp_or_now(timestamp.as_ref())?;
    let body = body_arg(body)?;
    Ok(glorycard_core::sign_body(&body, &key, &timestamp)
        .js()?
        .to_string())
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
        ("md5Upper", Member::Text(explanation.md5_upper().to_owned())),
        // The earlier name, kept for code written against it (deprecated in the .d.ts).
        ("md5", Member::Text(explanation.md5_upper().to_owned())),
        ("sign", Member::Text(explanation.sign().to_string())),
        (
            "timestamp",
            Member::Text(explanation.timestamp().as_str().to_owned()),
        ),
    ])
}

/// `timestamp` when given, otherwise now from JavaScript's clock in UTC+8 (never the
/// host's local time: a browser's clock on a PC set to UTC would be eight hours off).
fn timestamp_or_now(timestamp: Option<&JsString>) -> Result<Timestamp, JsValue> {
    match timestamp {
        Some(text) => timestamp_arg(text),
        None => timestamp_at(js_now_unix_seconds()),
    }
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
    #[wasm_bindgen(unchecked_return_type = "SignedHeaders")]
    pub fn sign(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
        timestamp: Option<JsString>,
    ) -> Result<JsValue, JsValue> {
        live()?;
        let timestamp = timestamp_or_now(timestamp.as_ref())?;
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

    /// @deprecated Use `sign` (the name every glorycard binding uses); this is the same.
    #[wasm_bindgen(js_name = signRequest, unchecked_return_type = "SignedHeaders")]
    pub fn sign_request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
        timestamp: Option<JsString>,
    ) -> Result<JsValue, JsValue> {
        self.sign(body, timestamp)
    }
}
