//! The `Verifier` class: keys by sid, a skew window and replay refusal, over a clock
//! that reads JavaScript's `Date`.

use std::sync::Arc;

use glorycard_core::{Clock, DEFAULT_REPLAY_CAPACITY, ManualClock, SecretKey};
use js_sys::{Array, Date, Function, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{self, IntoJs};
use crate::{body_arg, js_now_unix_seconds, string_arg, to_js_value};

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

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifiedJs {
    sid: String,
    timestamp: String,
    key_index: usize,
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier configured by `options`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "VerifierOptions")] options: &JsValue,
    ) -> Result<Verifier, JsValue> {
        if !options.is_object() {
            return Err(error::invalid_argument(
                "Verifier options must be an object such as { keys: { sid: key } }",
            ));
        }
        let option = |name: &str| {
            Reflect::get(options, &JsValue::from_str(name)).map_err(|_| {
                error::invalid_argument(&format!("reading options.{name} threw an exception"))
            })
        };
        for name in Object::keys(options.unchecked_ref::<Object>()).iter() {
            let name = name.as_string().unwrap_or_default();
            if !["keys", "maxSkewSeconds", "replayCache", "clock"].contains(&name.as_str()) {
                return Err(error::invalid_argument(&format!(
                    "unknown Verifier option {name:?} (expected keys, maxSkewSeconds, replayCache, clock)"
                )));
            }
        }
        let mut builder = glorycard_core::Verifier::builder();

        let keys = option("keys")?;
        if !keys.is_object() || Array::is_array(&keys) {
            return Err(error::invalid_argument(
                "options.keys must be an object mapping each sid to its key or keys",
            ));
        }
        for sid in Object::keys(keys.unchecked_ref::<Object>()).iter() {
            let entry = Reflect::get(&keys, &sid)?;
            let sid = string_arg(&sid, "a sid")?;
            let what = format!("options.keys[{sid:?}]");
            if Array::is_array(&entry) {
                let list: &Array = entry.unchecked_ref();
                for index in 0..list.length() {
                    let key = string_arg(&list.get(index), &format!("{what}[{index}]"))?;
                    builder = builder.key(sid.clone(), SecretKey::new(key));
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
    pub fn max_skew_seconds(&self) -> f64 {
        self.inner.max_skew_seconds() as f64
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
        let sid = string_arg(sid, "sid")?;
        let timestamp = string_arg(timestamp, "timestamp")?;
        let sign = string_arg(sign, "sign")?;
        let body = body_arg(body)?;
        self.read_clock()?;
        let verified = self.inner.verify(&sid, &timestamp, &sign, &body).js()?;
        verified_js(verified)
    }

    /// Verifies with the headers of an HTTP message (`sid`, `timestamp`, `sign`, names
    /// in any case); a missing one throws `missing_header`.
    #[wasm_bindgen(js_name = verifyHeaders, unchecked_return_type = "Verified")]
    pub fn verify_headers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "HeadersInput")] headers: &JsValue,
        #[wasm_bindgen(unchecked_param_type = "Body")] body: &JsValue,
    ) -> Result<JsValue, JsValue> {
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
        let millis = match now.dyn_ref::<Date>() {
            Some(date) => date.get_time(),
            None => now.as_f64().unwrap_or(f64::NAN),
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
    to_js_value(&VerifiedJs {
        sid: verified.sid,
        timestamp: verified.timestamp.to_string(),
        key_index: verified.key_index,
    })
}

/// The (name, value) pairs of a `HeadersInput`.
fn header_pairs(headers: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    let refused = || {
        error::invalid_argument(
            "headers must be a plain object of strings, a Headers, a Map or an iterable of [name, value] pairs",
        )
    };
    let mut pairs = Vec::new();
    if !headers.is_object() {
        return Err(refused());
    }
    if let Some(iterator) = js_sys::try_iter(headers)? {
        for pair in iterator {
            let pair = pair?;
            if !Array::is_array(&pair) {
                return Err(refused());
            }
            let pair: &Array = pair.unchecked_ref();
            let name = string_arg(&pair.get(0), "a header name")?;
            let value = string_arg(&pair.get(1), "a header value")?;
            pairs.push((name, value));
        }
        return Ok(pairs);
    }
    let object: &Object = headers.unchecked_ref();
    for name in Object::keys(object).iter() {
        let value = Reflect::get(headers, &name)?;
        let name = string_arg(&name, "a header name")?;
        if value.is_undefined() {
            continue;
        }
        if Array::is_array(&value) {
            let values: &Array = value.unchecked_ref();
            let ours = ["sid", "timestamp", "sign"]
                .iter()
                .any(|wanted| name.eq_ignore_ascii_case(wanted));
            if values.length() != 1 {
                if !ours {
                    continue;
                }
                return Err(error::invalid_argument(&format!(
                    "header {name:?} must have exactly one value, found {}",
                    values.length()
                )));
            }
            let value = string_arg(&values.get(0), "a header value")?;
            pairs.push((name, value));
        } else {
            pairs.push((name, string_arg(&value, "a header value")?));
        }
    }
    Ok(pairs)
}
