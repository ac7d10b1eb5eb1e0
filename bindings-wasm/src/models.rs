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

/// The core model of a JavaScript object (read by serde from the object itself).
fn model_of<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, JsValue> {
    if !value.is_object() {
        return Err(error::invalid_argument("the model must be an object"));
    }
    serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| error::to_js(&m::serialization_error(&e)))
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
    let value = js_sys::JSON::parse(&text)?;
    object_of(&model_of::<T>(&value)?)
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
