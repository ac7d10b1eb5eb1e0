//! `verify`, `diagnose` and the `Verifier` class: keys by sid, a skew window and replay refusal, over a clock
//! that reads JavaScript's `Date`.

use std::sync::Arc;

use glorycard_core::{Clock, DEFAULT_REPLAY_CAPACITY, ManualClock, SecretKey, Signature};
use js_sys::{Function, JsString, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::live;
use crate::error::{self, IntoJs};
use crate::types::{
    self, Member, body_arg, js_now_unix_seconds, key_arg, object, string_arg, timestamp_arg,
};

/// 2^53 - 1, the largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The clock of a verifier without a `clock` option: JavaScript's `Date.now()`.
#[derive(Debug, Clone, Copy, Default)]
struct DateClock;

impl Clock for DateClock {
    fn now_unix_seconds(&self) -> i64 {
        js_now_unix_seconds()
    }
}

/// Verifies signed requests or responses, as the core's `Verifier`: keys looked up by
/// `sid` (several per sid for a rotation), a skew window around now, optional replay
/// refusal, constant-time comparison.
#[wasm_bindgen]
pub struct Verifier {
    inner: glorycard_core::Verifier,
    /// A caller's clock, read before each verification into the core's manual clock.
    custom_clock: Option<(Function, Arc<ManualClock>)>,
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier configured by `options`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "VerifierOptions")] options: &JsValue,
    ) -> Result<Verifier, JsValue> {
        live()?;
        if !options.is_object() {
            return Err(error::invalid_argument(
                "Verifier options must be an object such as { keys: { sid: key } }",
            ));
        }
        let option =
            |name: &str| types::get(options, name).map_err(|_| threw(&format!("options.{name}")));
        for name in types::object_keys(options)
            .map_err(|_| threw("options"))?
            .iter()
        {
            let name = name.as_string().unwrap_or_default();
            if !["keys", "maxSkewSeconds", "replayCache", "clock"].contains(&name.as_str()) {
                return Err(error::invalid_argument(&format!(
                    "unknown Verifier option {name:?} (expected keys, maxSkewSeconds, replayCache, clock)"
                )));
            }
        }
        let mut builder = glorycard_core::Verifier::builder();

        let keys = option("keys")?;
        if !keys.is_object() || types::is_array(&keys).map_err(|_| threw("options.keys"))? {
            return Err(error::invalid_argument(
                "options.keys must be an object mapping each sid to its key or keys",
            ));
        }
        for sid in types::object_keys(&keys)
            .map_err(|_| threw("options.keys"))?
            .iter()
        {
            let entry = Reflect::get(&keys, &sid).map_err(|_| threw("options.keys"))?;
            let sid = string_arg(&sid, "a sid")?;
            let what = format!("options.keys[{sid:?}]");
            if types::is_array(&entry).map_err(|_| threw(&what))? {
                let length = types::array_length(&entry).map_err(|_| threw(&what))?;
                for index in 0..length {
                    let what = format!("{what}[{index}]");
                    let key = types::item(&entry, index).map_err(|_| threw(&what))?;
                    builder = builder.key(sid.clone(), SecretKey::new(string_arg(&key, &what)?));
                }
            } else {
                let key = string_arg(&entry, &what)?;
                builder = builder.key(sid, SecretKey::new(key));
            }
        }

        let skew = option("maxSkewSeconds")?;
        if !skew.is_undefined() {
            match skew.as_f64() {
                Some(seconds)
                    if seconds >= 0.0 && seconds.fract() == 0.0 && seconds <= MAX_SAFE_INTEGER =>
                {
                    builder = builder.max_skew_seconds(seconds as u64);
                }
                _ => {
                    return Err(error::invalid_argument(
                        "options.maxSkewSeconds must be a whole number of seconds, 0 or more",
                    ));
                }
            }
        }

        let replay = option("replayCache")?;
        if let Some(on) = replay.as_bool() {
            if on {
                builder = builder.replay_cache(DEFAULT_REPLAY_CAPACITY);
            }
        } else if !replay.is_undefined() {
            match replay.as_f64() {
                Some(capacity)
                    if capacity >= 1.0
                        && capacity.fract() == 0.0
                        && capacity <= MAX_SAFE_INTEGER =>
                {
                    builder = builder.replay_cache(capacity.min(u32::MAX as f64) as usize);
                }
                _ => {
                    return Err(error::invalid_argument(
                        "options.replayCache must be true, false or a capacity (a whole number, 1 or more)",
                    ));
                }
            }
        }

        let clock_value = option("clock")?;
        let custom_clock = if clock_value.is_undefined() || clock_value.is_null() {
            builder = builder.clock(Arc::new(DateClock));
            None
        } else if let Some(function) = clock_value.dyn_ref::<Function>() {
            let manual = Arc::new(ManualClock::new(0));
            builder = builder.clock(manual.clone());
            Some((function.clone(), manual))
        } else {
            return Err(error::invalid_argument(
                "options.clock must be a function returning milliseconds since the epoch or a Date",
            ));
        };
        Ok(Verifier {
            inner: builder.build().js()?,
            custom_clock,
        })
    }

    /// The allowed skew in seconds.
    #[wasm_bindgen(getter, js_name = maxSkewSeconds)]
    pub fn max_skew_seconds(&self) -> Result<f64, JsValue> {
        live()?;
        Ok(self.inner.max_skew_seconds() as f64)
    }

    /// Verifies `body` (the exact received text or bytes) against the received header
    /// values. Throws the first failure with its code: `unknown_sid`,
    /// `invalid_timestamp`, `timestamp_out_of_window`, `invalid_signature_format`, a
    /// body error, `signature_mismatch`, `replayed`.
    #[wasm_bindgen(unchecked_return_type = "Verified")]
    pub fn verify(
        &self,
        sid: &JsString,
        timestamp: &JsString,
        sign: &JsString,
        #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    ) -> Result<JsValue, JsValue> {
        live()?;
        let sid = string_arg(sid, "sid")?;
        let timestamp = string_arg(timestamp, "timestamp")?;
        let sign = string_arg(sign, "sign")?;
        let body = body_arg(body)?;
        self.read_clock()?;
        let verified = self.inner.verify(&sid, &timestamp, &sign, &body).js()?;
        verified_js(verified)
    }

    /// Verifies with the headers of an HTTP message (`sid`, `timestamp`, `sign`, names
    /// in any case); a missing one throws `missing_header`, a repeated one (two names
    /// that differ only in case, an array of values, repeated pairs)
    /// `duplicate_header`.
    #[wasm_bindgen(js_name = verifyHeaders, unchecked_return_type = "Verified")]
    pub fn verify_headers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HeadersInput")] headers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    ) -> Result<JsValue, JsValue> {
        live()?;
        let pairs = header_pairs(headers)?;
        let body = body_arg(body)?;
        self.read_clock()?;
        let verified = self
            .inner
            .verify_headers(
                pairs
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
                &body,
            )
            .js()?;
        verified_js(verified)
    }
}

impl Verifier {
    /// Sets the core's clock from the caller's `clock` function, if there is one.
    fn read_clock(&self) -> Result<(), JsValue> {
        let Some((function, manual)) = &self.custom_clock else {
            return Ok(());
        };
        let now = function.call0(&JsValue::UNDEFINED)?;
        let millis = match now.as_f64() {
            Some(millis) => millis,
            // A real Date (read from its internal slot); anything else is NaN.
            None => types::date_millis(&now).unwrap_or(f64::NAN),
        };
        if !millis.is_finite() {
            return Err(error::invalid_argument(
                "options.clock must return milliseconds since the epoch (a finite number) or a valid Date",
            ));
        }
        manual.set((millis / 1000.0).floor() as i64);
        Ok(())
    }
}

fn verified_js(verified: glorycard_core::Verified) -> Result<JsValue, JsValue> {
    object(&[
        ("sid", Member::Text(verified.sid)),
        (
            "timestamp",
            Member::Text(verified.timestamp.as_str().to_owned()),
        ),
        ("keyIndex", Member::Number(verified.key_index as f64)),
    ])
}

/// The `invalid_argument` error for an option or header whose reading threw.
#[cold]
#[inline(never)]
fn threw(what: &str) -> JsValue {
    error::invalid_argument(&format!("reading {what} threw an exception"))
}

/// [`threw`] for the headers, as a function for `map_err` (one copy of the error path
/// instead of one per call site).
#[cold]
#[inline(never)]
fn headers_threw(_: JsValue) -> JsValue {
    threw("the headers")
}

/// The (name, value) pairs of a `HeadersInput`, every value kept: an array of values
/// gives one pair per value, so that the core sees (and refuses) a repeated header.
fn header_pairs(headers: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    let refused = || {
        error::invalid_argument(
            "headers must be a plain object of strings, a Headers, a Map or an iterable of [name, value] pairs",
        )
    };
    if !headers.is_object() {
        return Err(refused());
    }
    let mut pairs = Vec::new();
    let iterable = types::for_each_iterated(headers, |pair| {
        if !types::is_array(&pair).map_err(headers_threw)? {
            return Err(refused());
        }
        let name = types::item(&pair, 0).map_err(headers_threw)?;
        let value = types::item(&pair, 1).map_err(headers_threw)?;
        pairs.push((
            string_arg(&name, "a header name")?,
            string_arg(&value, "a header value")?,
        ));
        Ok(())
    })
    .map_err(|error| error.unwrap_or_else(|| threw("the headers")))?;
    if iterable {
        return Ok(pairs);
    }
    for name in types::object_keys(headers).map_err(headers_threw)?.iter() {
        let value = Reflect::get(headers, &name).map_err(headers_threw)?;
        let name = string_arg(&name, "a header name")?;
        if types::is_array(&value).map_err(headers_threw)? {
            // Node's `req.headersDistinct` or `set-cookie`: one pair per value.
            for index in 0..types::array_length(&value).map_err(headers_threw)? {
                let value = types::item(&value, index).map_err(headers_threw)?;
                pairs.push((name.clone(), string_arg(&value, "a header value")?));
            }
        } else if !value.is_undefined() {
            pairs.push((name, string_arg(&value, "a header value")?));
        }
    }
    Ok(pairs)
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

#[wasm_bindgen]
extern "C" {
    /// A text's GB18030 bytes, or `undefined` when the platform has no GB18030 decoder to
    /// build the table from. Defined in the glue by scripts/finish-glue.mjs, from the
    /// platform's `TextDecoder('gb18030')`, so that this module carries no GB18030 table
    /// (encoding_rs's would cost tens of KB). Where it is not defined (the wasm-bindgen
    /// test runner's glue) the call throws, and the GBK departure is not tried.
    #[wasm_bindgen(catch, js_name = glorycardGb18030)]
    fn gb18030_from_js(text: &str) -> Result<Option<Vec<u8>>, JsValue>;
}

/// The GBK departure's encoder: the platform's, through the glue.
fn gb18030(text: &str) -> Option<Vec<u8>> {
    gb18030_from_js(text).ok().flatten()
}

/// Compares a received `sign` with `body`, `key` and `timestamp`; on a mismatch, names
/// the common departure from the rules (numbers as written, empty values kept,
/// lower-case MD5, STRINGSignTemp hashed as GBK bytes, ...) that produces it, if one
/// does, in English (`departure`) and Chinese (`departureZh`).
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
    let found =
        glorycard_core::diagnose_mismatch_with(&body, &key, &timestamp, &received, Some(&gb18030))
            .js()?;
    let found_match = found == glorycard_core::Diagnosis::Match;
    let (departure, departure_zh) = match found {
        glorycard_core::Diagnosis::Departure(departures) => {
            let (english, chinese) = departures.into_texts();
            (Member::Text(english), Member::Text(chinese))
        }
        _ => (Member::Null, Member::Null),
    };
    object(&[
        ("match", Member::Flag(found_match)),
        ("departure", departure),
        ("departureZh", departure_zh),
    ])
}
