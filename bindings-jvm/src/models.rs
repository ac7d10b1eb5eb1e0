//! Models: conversion between the FFI records and the core's models, validation and JSON.

use glorycard_core as core;
use glorycard_core::models::{self as m, Validate};

use crate::error::Result;
use crate::types::{CertName, CertNo};

// ---------------------------------------------------------------------------------------
// Models: the core's typed models with dictionary codes as their wire strings. Each
// model has `<model>_validate`, `<model>_to_json` and `<model>_from_json`.

/// `store/all` request.
#[derive(uniffi::Record)]
pub struct RosterPageRequest {
    /// `dataID`: the largest record id seen so far (0 to start).
    pub data_id: i64,
    /// `orgCode`.
    pub org_code: String,
}

/// One holder in a `store/all` page.
#[derive(uniffi::Record)]
pub struct RosterRecord {
    /// `certType` code.
    pub cert_type: String,
    /// `certNo` (personal data).
    pub cert_no: CertNo,
    /// `certName` (personal data).
    pub cert_name: CertName,
    /// `gloryType` code.
    pub glory_type: String,
    /// `gloryID`.
    pub glory_id: i64,
    /// `dataID`.
    pub data_id: i64,
}

/// `store/deduct` request.
#[derive(uniffi::Record)]
pub struct Deduction {
    /// `orgCode`.
    pub org_code: String,
    /// `certType` code.
    pub cert_type: String,
    /// `certNo` (personal data).
    pub cert_no: CertNo,
    /// `certName` (personal data).
    pub cert_name: CertName,
    /// `deductionID`.
    pub deduction_id: String,
    /// `totalFee`, two decimals.
    pub total_fee: String,
    /// `deductionFee`, two decimals.
    pub deduction_fee: String,
    /// `deductionTime`, `yyyy-MM-dd HH:mm:ss`.
    pub deduction_time: String,
    /// `gloryType` code.
    pub glory_type: String,
    /// `deductionType` code.
    pub deduction_type: String,
    /// `remarks`.
    pub remarks: Option<String>,
}

/// `store/deductCancel` request.
#[derive(uniffi::Record)]
pub struct Cancellation {
    /// `orgCode`.
    pub org_code: String,
    /// `deductionID`.
    pub deduction_id: String,
    /// `deductionTime` on the wire: when it was cancelled.
    pub cancel_time: String,
}

/// `deductCheck` request.
#[derive(uniffi::Record)]
pub struct DeductCheckRequest {
    /// `orgCode`.
    pub org_code: String,
    /// `deductTimeStart`.
    pub deduct_time_start: String,
    /// `deductionTimeEnd`.
    pub deduction_time_end: String,
}

/// One record answered to `deductCheck`.
#[derive(uniffi::Record)]
pub struct DeductCheckRecord {
    /// The deduction as uploaded.
    pub deduction: Deduction,
    /// `status` code (`1` deducted, `0` cancelled).
    pub status: String,
    /// `cancelTime`.
    pub cancel_time: Option<String>,
}

/// A `store/all` response.
#[derive(uniffi::Record)]
pub struct RosterPageResponse {
    /// `responseFlag` code (`1` success).
    pub response_flag: String,
    /// `responseMessage`.
    pub response_message: String,
    /// `data`, on success.
    pub data: Option<Vec<RosterRecord>>,
}

impl From<RosterPageRequest> for m::RosterPageRequest {
    fn from(r: RosterPageRequest) -> Self {
        m::RosterPageRequest {
            data_id: r.data_id,
            org_code: r.org_code,
        }
    }
}
impl From<m::RosterPageRequest> for RosterPageRequest {
    fn from(r: m::RosterPageRequest) -> Self {
        RosterPageRequest {
            data_id: r.data_id,
            org_code: r.org_code,
        }
    }
}

impl From<RosterRecord> for m::RosterRecord {
    fn from(r: RosterRecord) -> Self {
        m::RosterRecord {
            cert_type: m::CertType::from_code(&r.cert_type),
            cert_no: r.cert_no.0,
            cert_name: r.cert_name.0,
            glory_type: m::GloryType::from_code(&r.glory_type),
            glory_id: r.glory_id,
            data_id: r.data_id,
        }
    }
}
impl From<m::RosterRecord> for RosterRecord {
    fn from(r: m::RosterRecord) -> Self {
        RosterRecord {
            cert_type: r.cert_type.code().to_string(),
            cert_no: CertNo(r.cert_no),
            cert_name: CertName(r.cert_name),
            glory_type: r.glory_type.code().to_string(),
            glory_id: r.glory_id,
            data_id: r.data_id,
        }
    }
}

impl From<Deduction> for m::Deduction {
    fn from(d: Deduction) -> Self {
        m::Deduction {
            org_code: d.org_code,
            cert_type: m::CertType::from_code(&d.cert_type),
            cert_no: d.cert_no.0,
            cert_name: d.cert_name.0,
            deduction_id: d.deduction_id,
            total_fee: d.total_fee,
            deduction_fee: d.deduction_fee,
            deduction_time: d.deduction_time,
            glory_type: m::GloryType::from_code(&d.glory_type),
            deduction_type: m::DeductionType::from_code(&d.deduction_type),
            remarks: d.remarks,
        }
    }
}
impl From<m::Deduction> for Deduction {
    fn from(d: m::Deduction) -> Self {
        Deduction {
            org_code: d.org_code,
            cert_type: d.cert_type.code().to_string(),
            cert_no: CertNo(d.cert_no),
            cert_name: CertName(d.cert_name),
            deduction_id: d.deduction_id,
            total_fee: d.total_fee,
            deduction_fee: d.deduction_fee,
            deduction_time: d.deduction_time,
            glory_type: d.glory_type.code().to_string(),
            deduction_type: d.deduction_type.code().to_string(),
            remarks: d.remarks,
        }
    }
}

impl From<Cancellation> for m::Cancellation {
    fn from(c: Cancellation) -> Self {
        m::Cancellation {
            org_code: c.org_code,
            deduction_id: c.deduction_id,
            cancel_time: c.cancel_time,
        }
    }
}
impl From<m::Cancellation> for Cancellation {
    fn from(c: m::Cancellation) -> Self {
        Cancellation {
            org_code: c.org_code,
            deduction_id: c.deduction_id,
            cancel_time: c.cancel_time,
        }
    }
}

impl From<DeductCheckRequest> for m::DeductCheckRequest {
    fn from(r: DeductCheckRequest) -> Self {
        m::DeductCheckRequest {
            org_code: r.org_code,
            deduct_time_start: r.deduct_time_start,
            deduction_time_end: r.deduction_time_end,
        }
    }
}
impl From<m::DeductCheckRequest> for DeductCheckRequest {
    fn from(r: m::DeductCheckRequest) -> Self {
        DeductCheckRequest {
            org_code: r.org_code,
            deduct_time_start: r.deduct_time_start,
            deduction_time_end: r.deduction_time_end,
        }
    }
}

impl From<DeductCheckRecord> for m::DeductCheckRecord {
    fn from(r: DeductCheckRecord) -> Self {
        m::DeductCheckRecord {
            deduction: r.deduction.into(),
            status: m::DeductionStatus::from_code(&r.status),
            cancel_time: r.cancel_time,
        }
    }
}
impl From<m::DeductCheckRecord> for DeductCheckRecord {
    fn from(r: m::DeductCheckRecord) -> Self {
        DeductCheckRecord {
            deduction: r.deduction.into(),
            status: r.status.code().to_string(),
            cancel_time: r.cancel_time,
        }
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
    ($ffi:ident, $core:ty, $validate:ident, $to_json:ident, $from_json:ident) => {
        /// Validates the model as something the institution sends (the first invalid field).
        #[uniffi::export]
        pub fn $validate(model: $ffi) -> Result<()> {
            Ok(<$core>::from(model).validate()?)
        }

        /// The JSON text (wire names) of the model: the exact body to send and sign.
        #[uniffi::export]
        pub fn $to_json(model: $ffi) -> Result<String> {
            json_text(m::to_json(&<$core>::from(model))?)
        }

        /// Reads the model from JSON text (not validated).
        #[uniffi::export]
        pub fn $from_json(json: String) -> Result<$ffi> {
            Ok(m::from_json::<$core>(json.as_bytes())?.into())
        }
    };
}

model_functions!(
    RosterPageRequest,
    m::RosterPageRequest,
    roster_page_request_validate,
    roster_page_request_to_json,
    roster_page_request_from_json
);
model_functions!(
    Deduction,
    m::Deduction,
    deduction_validate,
    deduction_to_json,
    deduction_from_json
);
model_functions!(
    Cancellation,
    m::Cancellation,
    cancellation_validate,
    cancellation_to_json,
    cancellation_from_json
);
model_functions!(
    DeductCheckRequest,
    m::DeductCheckRequest,
    deduct_check_request_validate,
    deduct_check_request_to_json,
    deduct_check_request_from_json
);
model_functions!(
    DeductCheckRecord,
    m::DeductCheckRecord,
    deduct_check_record_validate,
    deduct_check_record_to_json,
    deduct_check_record_from_json
);

/// The JSON text of a roster record.
#[uniffi::export]
pub fn roster_record_to_json(model: RosterRecord) -> Result<String> {
    json_text(m::to_json(&m::RosterRecord::from(model))?)
}

/// Reads a roster record from JSON text.
#[uniffi::export]
pub fn roster_record_from_json(json: String) -> Result<RosterRecord> {
    Ok(m::from_json::<m::RosterRecord>(json.as_bytes())?.into())
}

/// Reads a `store/all` response from JSON text.
#[uniffi::export]
pub fn roster_page_response_from_json(json: String) -> Result<RosterPageResponse> {
    let page: m::RosterPageResponse = m::from_json(json.as_bytes())?;
    Ok(RosterPageResponse {
        response_flag: page.response_flag.code().to_string(),
        response_message: page.response_message,
        data: page
            .data
            .map(|records| records.into_iter().map(RosterRecord::from).collect()),
    })
}

/// The JSON text of a `deductCheck` answer: success with `records`, or a failure with
/// `message` when `success` is false (then `records` is ignored).
#[uniffi::export]
pub fn deduct_check_response_to_json(
    success: bool,
    message: String,
    records: Vec<DeductCheckRecord>,
) -> Result<String> {
    let response: m::DeductCheckResponse = if success {
        m::PlatformResponse::success(
            message,
            Some(
                records
                    .into_iter()
                    .map(m::DeductCheckRecord::from)
                    .collect(),
            ),
        )
    } else {
        m::PlatformResponse::failure(message)
    };
    json_text(m::to_json(&response)?)
}
