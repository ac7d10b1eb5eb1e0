//! Models: the core's typed models as plain JavaScript objects with the platform's wire
//! names (`{ orgCode, certType, certNo, ... }`), validated, written and read by the core.
//!
//! Their TypeScript interfaces (`Deduction`, `RosterRecord`, ...) and the dictionary code
//! types (`CertType`, ...) are generated from the core's definitions (its `typescript`
//! feature), so this file declares no field. An object is read into the core's model by
//! serde (serde-wasm-bindgen), with the core's `serialization` errors (never quoting a
//! value); JSON text is the model's object written by `JSON.stringify`.

use glorycard_core::models::{self as m, Validate};
use wasm_bindgen::prelude::*;

use crate::body;
use crate::error::{self, IntoJs, live};

/// The core model of a JavaScript object. The object is snapshotted first with
/// `JSON.stringify` (a call that catches: a throwing getter, `toJSON` or Proxy trap, a
/// `bigint` or a cycle is an `invalid_argument`, and nothing unwinds through the module),
/// and the snapshot, plain data from `JSON.parse`, is what serde reads.
fn model_of<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, JsValue> {
    if !value.is_object() {
        return Err(error::invalid_argument("the model must be an object"));
    }
    let text = stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| {
            error::invalid_argument(
                "the model has no JSON form (its conversion threw, a bigint or a cycle)",
            )
        })?;
    if escapes_a_lone_surrogate(&text) {
        // serde would read it as U+FFFD: refused rather than changed.
        return Err(error::invalid_argument(
            "a string of the model holds a lone UTF-16 surrogate, which has no UTF-8 form",
        ));
    }
    model_of_plain(js_sys::JSON::parse(&text)?)
}

/// The core model of plain data (what `JSON.parse` gives: no getters, no Proxy).
fn model_of_plain<T: serde::de::DeserializeOwned>(plain: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(plain).map_err(|e| error::to_js(&m::serialization_error(&e)))
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.stringify`, its exception caught. A model is an object, so the result is a
    /// string (`JSON.stringify` gives `undefined` only for functions and symbols).
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// True when JSON text from `JSON.stringify` escapes a lone surrogate (`\ud800`): it
/// writes one so, and every other non-ASCII character as itself.
fn escapes_a_lone_surrogate(json: &str) -> bool {
    let mut bytes = json.bytes();
    while let Some(byte) = bytes.next() {
        if byte != b'\\' {
            continue;
        }
        if bytes.next() != Some(b'u') {
            continue; // `\"`, `\\`, `\n`, ...: the escaped character is skipped with it
        }
        let hex: Vec<u8> = bytes.by_ref().take(4).collect();
        let unit = std::str::from_utf8(&hex)
            .ok()
            .and_then(|hex| u16::from_str_radix(hex, 16).ok());
        if unit.is_some_and(|unit| (0xD800..=0xDFFF).contains(&unit)) {
            return true;
        }
    }
    false
}

/// The plain object of a core model, its members in the model's order.
fn object_of<T: serde::Serialize>(model: &T) -> Result<JsValue, JsValue> {
    model
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error::to_js(&m::serialization_error(&e)))
}

/// The JSON text of a core model: its object written by `JSON.stringify`, which writes
/// what the core's `to_json` does (members in order, the same escapes).
fn json_text<T: serde::Serialize>(model: &T) -> Result<String, JsValue> {
    let text = js_sys::JSON::stringify(&object_of(model)?)?;
    body::js_string(&text)
        .map_err(|_| error::invalid_argument("the model's JSON text holds a lone UTF-16 surrogate"))
}

/// Reads a model from JSON text (`string` or `Uint8Array`), not validated. The core's
/// parser reads the text first, so that what `JSON.parse` would pass over silently is
/// refused with the core's code and byte offset (a duplicate key: `JSON.parse` keeps the
/// last; text that is not JSON: `invalid_json`).
fn read<T: serde::de::DeserializeOwned + serde::Serialize>(
    json: &JsValue,
) -> Result<JsValue, JsValue> {
    let bytes = crate::types::body_arg(json)?;
    glorycard_core::canonicalize(&bytes).js()?;
    // The core accepted it, so it is UTF-8 JSON.
    let text = String::from_utf8(bytes).map_err(|e| error::to_js(&m::serialization_error(&e)))?;
    // JSON.parse gives plain data: no second snapshot is needed.
    object_of(&model_of_plain::<T>(js_sys::JSON::parse(&text)?)?)
}

/// Declares `<model>ToJson` and `<model>FromJson` for a model, and `validate<Model>` for
/// the models the institution sends.
macro_rules! model_functions {
    (
        $core:ty, $ts:literal,
        $to_json:ident = $to_json_js:literal,
        $from_json:ident = $from_json_js:literal
        $(, $validate:ident = $validate_js:literal)?
    ) => {
        /// The JSON text (wire names) of the model: the exact body to send and sign.
        #[wasm_bindgen(js_name = $to_json_js)]
        pub fn $to_json(
            #[wasm_bindgen(unchecked_param_type = $ts)] model: JsValue,
        ) -> Result<String, JsValue> {
            live()?;
            json_text(&model_of::<$core>(&model)?)
        }

        /// Reads the model from JSON text (`string` or `Uint8Array`); not validated.
        #[wasm_bindgen(js_name = $from_json_js, unchecked_return_type = $ts)]
        pub fn $from_json(
            #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] json: JsValue,
        ) -> Result<JsValue, JsValue> {
            live()?;
            read::<$core>(&json)
        }

        $(
            /// Checks every field as the platform requires; throws a `GlorycardError`
            /// (code `invalid_field`, `field` the wire name of the first bad field).
            #[wasm_bindgen(js_name = $validate_js)]
            pub fn $validate(
                #[wasm_bindgen(unchecked_param_type = $ts)] model: JsValue,
            ) -> Result<(), JsValue> {
                live()?;
                model_of::<$core>(&model)?.validate().js()
            }
        )?
    };
}

model_functions!(
    m::RosterPageRequest,
    "RosterPageRequest",
    roster_page_request_to_json = "rosterPageRequestToJson",
    roster_page_request_from_json = "rosterPageRequestFromJson",
    validate_roster_page_request = "validateRosterPageRequest"
);
model_functions!(
    m::RosterRecord,
    "RosterRecord",
    roster_record_to_json = "rosterRecordToJson",
    roster_record_from_json = "rosterRecordFromJson"
);
model_functions!(
    m::Deduction,
    "Deduction",
    deduction_to_json = "deductionToJson",
    deduction_from_json = "deductionFromJson",
    validate_deduction = "validateDeduction"
);
model_functions!(
    m::Cancellation,
    "Cancellation",
    cancellation_to_json = "cancellationToJson",
    cancellation_from_json = "cancellationFromJson",
    validate_cancellation = "validateCancellation"
);
model_functions!(
    m::DeductCheckRequest,
    "DeductCheckRequest",
    deduct_check_request_to_json = "deductCheckRequestToJson",
    deduct_check_request_from_json = "deductCheckRequestFromJson",
    validate_deduct_check_request = "validateDeductCheckRequest"
);
model_functions!(
    m::DeductCheckRecord,
    "DeductCheckRecord",
    deduct_check_record_to_json = "deductCheckRecordToJson",
    deduct_check_record_from_json = "deductCheckRecordFromJson",
    validate_deduct_check_record = "validateDeductCheckRecord"
);
