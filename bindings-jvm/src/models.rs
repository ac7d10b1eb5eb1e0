//! Models: conversion between the FFI records and the core's models, validation and JSON.

use glorycard_core as core;
use glorycard_core::models::{self as m, Validate};

use crate::error::Result;

// The records themselves are the core's (`glorycard_core::models`, uniffi records behind
// its `uniffi` feature, generated into Kotlin's `org.glorycard`): this file only exports
// what is done with them. Each model has `<model>_validate`, `<model>_to_json` and
// `<model>_from_json`.

/// A `store/all` response, as a record (uniffi has no generics; the core's is
/// `PlatformResponse<Vec<RosterRecord>>`). Its `toString()` gives the page's size and
/// `dataID` range, not its records: a page holds up to 500 people.
#[derive(uniffi::Record)]
#[uniffi::export(Debug)]
pub struct RosterPageResponse {
    /// `responseFlag` code (`1` success).
    pub response_flag: m::ResponseFlag,
    /// `responseMessage`.
    pub response_message: String,
    /// `data`, on success.
    pub data: Option<Vec<m::RosterRecord>>,
}

impl std::fmt::Debug for RosterPageResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let page = self
            .data
            .as_ref()
            .map(|records| match (records.first(), records.last()) {
                (Some(first), Some(last)) => format!(
                    "{} records, dataID {}..{}",
                    records.len(),
                    first.data_id,
                    last.data_id
                ),
                _ => "0 records".to_string(),
            });
        f.debug_struct("RosterPageResponse")
            .field("response_flag", &self.response_flag)
            .field("response_message", &self.response_message)
            .field("data", &page)
            .finish()
    }
}

fn json_text(bytes: Vec<u8>) -> Result<String> {
    // serde_json writes UTF-8; a failure here would be a core bug, reported, not panicked.
    String::from_utf8(bytes).map_err(|_| {
        core::Error::Serialization {
            reason: "serialized model is not UTF-8".to_string(),
        }
        .into()
    })
}

/// Declares `<prefix>_validate`, `<prefix>_to_json` and `<prefix>_from_json` for a model.
macro_rules! model_functions {
    ($core:ty, $validate:ident, $to_json:ident, $from_json:ident) => {
        /// Validates the model as something the institution sends (the first invalid field).
        #[uniffi::export]
        pub fn $validate(model: $core) -> Result<()> {
            Ok(model.validate()?)
        }

        /// The JSON text (wire names) of the model: the exact body to send and sign.
        #[uniffi::export]
        pub fn $to_json(model: $core) -> Result<String> {
            json_text(m::to_json(&model)?)
        }

        /// Reads the model from JSON text (not validated).
        #[uniffi::export]
        pub fn $from_json(json: String) -> Result<$core> {
            Ok(m::from_json::<$core>(json.as_bytes())?)
        }
    };
}

model_functions!(
    m::RosterPageRequest,
    roster_page_request_validate,
    roster_page_request_to_json,
    roster_page_request_from_json
);
model_functions!(
    m::Deduction,
    deduction_validate,
    deduction_to_json,
    deduction_from_json
);
model_functions!(
    m::Cancellation,
    cancellation_validate,
    cancellation_to_json,
    cancellation_from_json
);
model_functions!(
    m::DeductCheckRequest,
    deduct_check_request_validate,
    deduct_check_request_to_json,
    deduct_check_request_from_json
);
model_functions!(
    m::DeductCheckRecord,
    deduct_check_record_validate,
    deduct_check_record_to_json,
    deduct_check_record_from_json
);

/// The JSON text of a roster record.
#[uniffi::export]
pub fn roster_record_to_json(model: m::RosterRecord) -> Result<String> {
    json_text(m::to_json(&model)?)
}

/// Reads a roster record from JSON text.
#[uniffi::export]
pub fn roster_record_from_json(json: String) -> Result<m::RosterRecord> {
    Ok(m::from_json::<m::RosterRecord>(json.as_bytes())?)
}

/// Reads a `store/all` response from JSON text.
#[uniffi::export]
pub fn roster_page_response_from_json(json: String) -> Result<RosterPageResponse> {
    let page: m::RosterPageResponse = m::from_json(json.as_bytes())?;
    Ok(RosterPageResponse {
        response_flag: page.response_flag,
        response_message: page.response_message,
        data: page.data,
    })
}

/// The JSON text of a `deductCheck` answer: success with `records`, or a failure with
/// `message` when `success` is false (then `records` is ignored).
#[uniffi::export]
pub fn deduct_check_response_to_json(
    success: bool,
    message: String,
    records: Vec<m::DeductCheckRecord>,
) -> Result<String> {
    let response: m::DeductCheckResponse = if success {
        m::PlatformResponse::success(message, Some(records))
    } else {
        m::PlatformResponse::failure(message)
    };
    json_text(m::to_json(&response)?)
}
