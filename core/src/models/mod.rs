//! Typed models of the four calls, with the exact wire names of the platform document.
//!
//! Received values that are not in the dictionary are kept ([`CertType::Unknown`] etc.);
//! what we send is checked by [`Validate`]. `certNo` and `certName` are [`CertNo`] and
//! [`CertName`], whose `Debug` masks them, so every model's derived `Debug` masks them too.
//!
//! With the `uniffi` feature each model is also a uniffi record (the JVM binding's
//! records), and the dictionary codes and personal-data newtypes cross as strings. With
//! the `typescript` feature each has its TypeScript declaration (the WebAssembly
//! package's), with the wire names.

mod dictionary;
pub(crate) mod event_time;
mod personal;
mod validate;

use std::fmt;

pub use dictionary::{CertType, DeductionStatus, DeductionType, GloryType, ResponseFlag};
pub use event_time::{EventTimeWindow, check_event_time};
pub use personal::{CertName, CertNo, mask_cert_name, mask_cert_no, normalize_cert_no_width};
pub(crate) use validate::REASONS;
pub use validate::model_time;
pub use validate::{Validate, refuse_full_width, resident_id_check_char};

use crate::Error;

/// Path of the incremental roster sync (`store/all`), relative to the platform base URL.
pub const PATH_ROSTER: &str = "/glorycard/store/all";
/// Path of the deduction upload.
pub const PATH_DEDUCT: &str = "/glorycard/store/deduct";
/// Path of the deduction cancellation.
pub const PATH_DEDUCT_CANCEL: &str = "/glorycard/store/deductCancel";
/// Path, on the institution's server, of the platform's reconciliation call.
pub const PATH_DEDUCT_CHECK: &str = "/deductCheck";
/// The most records one roster page holds.
pub const ROSTER_PAGE_LIMIT: usize = 500;

/// Serializes a model to JSON bytes (the exact bytes to send and sign).
pub fn to_json<T: serde::Serialize>(model: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(model).map_err(|e| serialization_error(&e))
}

/// Deserializes a model from JSON bytes. Error messages never quote received values.
pub fn from_json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| serialization_error(&e))
}

/// The [`Error::Serialization`] of a serde error from any format (a binding converting a
/// native value to a model uses it too): its message with every quoted value replaced by
/// `***`, so that a certNo or certName it quoted cannot leak.
pub fn serialization_error(error: &impl fmt::Display) -> Error {
    Error::Serialization {
        reason: redact(&error.to_string()),
    }
}

/// Replaces every value a serde message could quote (see [`redact_quoted`]), and the
/// unexpected value of an `invalid type: X, expected Y` or `invalid value: X, expected Y`
/// unless it is one of serde's own descriptions: a format may describe a value in its own
/// words there (serde-wasm-bindgen prints a JavaScript value bare), which could hold a
/// certNo or certName.
fn redact(message: &str) -> String {
    // serde's `Unexpected` descriptions, once `redact_quoted` has masked their values.
    const DESCRIPTIONS: [&str; 18] = [
        "string \"***\"",
        "integer `***`",
        "floating point `***`",
        "character `***`",
        "boolean `true`",
        "boolean `false`",
        "byte array",
        "unit value",
        "unit",
        "sequence",
        "map",
        "null",
        "Option value",
        "newtype struct",
        "enum",
        "unit variant",
        "newtype variant",
        "struct variant",
    ];
    let mut out = redact_quoted(message);
    for lead in ["invalid type: ", "invalid value: "] {
        let mut from = 0;
        while let Some(at) = out[from..].find(lead).map(|at| from + at + lead.len()) {
            let end = out[at..]
                .find(", expected")
                .map_or(out.len(), |len| at + len);
            if !DESCRIPTIONS.contains(&&out[at..end]) {
                out.replace_range(at..end, "***");
            }
            from = at;
        }
    }
    out
}

/// Replaces every double-quoted part of a serde message (serde quotes values that way;
/// field names are in backticks) so a certNo or certName cannot leak through it.
fn redact_quoted(message: &str) -> String {
    // serde quotes string values in double quotes, and numbers and characters in
    // backticks after their kind ("integer `110105…`"). Backticks after anything else
    // quote field names ("unknown field `x`"), which are kept.
    const VALUE_KINDS: [&str; 3] = ["integer ", "floating point ", "character "];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(['"', '`']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let quote = if from.starts_with('"') { '"' } else { '`' };
        let is_value = quote == '"' || VALUE_KINDS.iter().any(|kind| out.ends_with(kind));
        let Some(len) = closing_quote(&from[1..], quote) else {
            // An unterminated quote: drop the rest rather than risk echoing a value.
            out.push(quote);
            out.push_str("***");
            return out;
        };
        if is_value {
            out.push(quote);
            out.push_str("***");
            out.push(quote);
        } else {
            out.push_str(&from[..len + 2]);
        }
        rest = &from[len + 2..];
    }
    out.push_str(rest);
    out
}

/// The position of the quote that closes a quoted part, skipping quotes escaped with a
/// backslash (serde writes string values with Rust's `Debug` escapes: `"a\"b"`).
fn closing_quote(quoted: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in quoted.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == quote => return Some(at),
            _ => {}
        }
    }
    None
}

/// `store/all` request: records with `dataID` greater than this one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Debug))]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct RosterPageRequest {
    /// The largest `dataID` seen so far (0 to start).
    #[serde(rename = "dataID")]
    pub data_id: i64,
    /// The institution's code.
    #[serde(rename = "orgCode")]
    pub org_code: String,
}

impl Validate for RosterPageRequest {
    fn validate(&self) -> Result<(), Error> {
        if self.data_id < 0 {
            return Err(Error::invalid_field("dataID", validate::NEGATIVE.0));
        }
        validate::non_empty("orgCode", &self.org_code)
    }
}

/// One holder in a `store/all` page. `certNo` may arrive masked (`331166*****777X`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Debug))]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct RosterRecord {
    /// Identity document type.
    #[serde(rename = "certType")]
    pub cert_type: CertType,
    /// Identity document number (personal data).
    #[serde(rename = "certNo")]
    pub cert_no: CertNo,
    /// Holder's name (personal data).
    #[serde(rename = "certName")]
    pub cert_name: CertName,
    /// Card type.
    #[serde(rename = "gloryType")]
    pub glory_type: GloryType,
    /// The card's serial number.
    #[serde(rename = "gloryID")]
    pub glory_id: i64,
    /// The record's serial number; pages are ordered by it.
    #[serde(rename = "dataID")]
    pub data_id: i64,
}

/// `store/deduct` request: one deduction granted to a holder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Debug))]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Deduction {
    /// The institution's code.
    #[serde(rename = "orgCode")]
    pub org_code: String,
    /// Identity document type.
    #[serde(rename = "certType")]
    pub cert_type: CertType,
    /// Identity document number (personal data).
    #[serde(rename = "certNo")]
    pub cert_no: CertNo,
    /// Holder's name (personal data).
    #[serde(rename = "certName")]
    pub cert_name: CertName,
    /// The business-unique id of this deduction (what makes a retry safe).
    #[serde(rename = "deductionID")]
    pub deduction_id: String,
    /// Total fee in yuan, exactly two decimals (`"10.00"`).
    #[serde(rename = "totalFee")]
    pub total_fee: String,
    /// Waived amount in yuan, exactly two decimals, at most `totalFee`.
    #[serde(rename = "deductionFee")]
    pub deduction_fee: String,
    /// When it was granted, `yyyy-MM-dd HH:mm:ss` (UTC+8).
    #[serde(rename = "deductionTime")]
    pub deduction_time: String,
    /// Card type.
    #[serde(rename = "gloryType")]
    pub glory_type: GloryType,
    /// What the fee was for.
    #[serde(rename = "deductionType")]
    pub deduction_type: DeductionType,
    /// Optional remarks.
    #[serde(rename = "remarks", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "typescript", tsify(optional))]
    pub remarks: Option<String>,
}

fn known(field: &str, known: bool) -> Result<(), Error> {
    if known {
        Ok(())
    } else {
        Err(Error::invalid_field(field, validate::NOT_IN_DICTIONARY.0))
    }
}

impl Validate for Deduction {
    fn validate(&self) -> Result<(), Error> {
        validate::non_empty("orgCode", &self.org_code)?;
        known("certType", self.cert_type.is_known())?;
        validate::non_empty("certNo", self.cert_no.as_str())?;
        validate::refuse_full_width("certNo", self.cert_no.as_str())?;
        if self.cert_type == CertType::ResidentId {
            validate::resident_id("certNo", self.cert_no.as_str())?;
        }
        validate::non_empty("certName", self.cert_name.as_str())?;
        validate::non_empty("deductionID", &self.deduction_id)?;
        validate::money("totalFee", &self.total_fee)?;
        validate::money("deductionFee", &self.deduction_fee)?;
        if validate::money_cmp(&self.deduction_fee, &self.total_fee).is_gt() {
            return Err(Error::invalid_field(
                "deductionFee",
                validate::EXCEEDS_TOTAL.0,
            ));
        }
        validate::datetime("deductionTime", &self.deduction_time)?;
        known("gloryType", self.glory_type.is_known())?;
        known("deductionType", self.deduction_type.is_known())?;
        Ok(())
    }
}

/// `store/deductCancel` request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Debug))]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Cancellation {
    /// The institution's code.
    #[serde(rename = "orgCode")]
    pub org_code: String,
    /// The id of the deduction to cancel.
    #[serde(rename = "deductionID")]
    pub deduction_id: String,
    /// When it was cancelled, `yyyy-MM-dd HH:mm:ss` (UTC+8). The wire name is the
    /// document's: `deductionTime`; errors name it [`Cancellation::CANCEL_TIME`].
    #[serde(rename = "deductionTime")]
    pub cancel_time: String,
}

impl Cancellation {
    /// The name errors give the cancellation's time: `cancelTime`, what every binding
    /// calls it (`getCancelTime`, `cancel_time`), rather than its wire name
    /// `deductionTime`, which would point at a deduction's field.
    pub const CANCEL_TIME: &'static str = "cancelTime";
}

impl Validate for Cancellation {
    fn validate(&self) -> Result<(), Error> {
        validate::non_empty("orgCode", &self.org_code)?;
        validate::non_empty("deductionID", &self.deduction_id)?;
        validate::datetime(Cancellation::CANCEL_TIME, &self.cancel_time).map(|_| ())
    }
}

/// `deductCheck` request, from the platform to the institution. The two time fields'
/// names differ in form (`deductTimeStart`, `deductionTimeEnd`): that is the document's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Debug))]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct DeductCheckRequest {
    /// The institution's code.
    #[serde(rename = "orgCode")]
    pub org_code: String,
    /// Start of the window, `yyyy-MM-dd HH:mm:ss`.
    #[serde(rename = "deductTimeStart")]
    pub deduct_time_start: String,
    /// End of the window, `yyyy-MM-dd HH:mm:ss`.
    #[serde(rename = "deductionTimeEnd")]
    pub deduction_time_end: String,
}

impl Validate for DeductCheckRequest {
    fn validate(&self) -> Result<(), Error> {
        validate::non_empty("orgCode", &self.org_code)?;
        let start = validate::datetime("deductTimeStart", &self.deduct_time_start)?;
        let end = validate::datetime("deductionTimeEnd", &self.deduction_time_end)?;
        if start.seconds_since_epoch() > end.seconds_since_epoch() {
            return Err(Error::invalid_field(
                "deductionTimeEnd",
                validate::BEFORE_START.0,
            ));
        }
        Ok(())
    }
}

/// One record answered to `deductCheck`: every deduct field plus `status` and `cancelTime`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Debug))]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct DeductCheckRecord {
    /// The deduction as uploaded.
    #[serde(flatten)]
    pub deduction: Deduction,
    /// `1` deducted, `0` cancelled.
    #[serde(rename = "status")]
    pub status: DeductionStatus,
    /// When it was cancelled; required when `status` is `0`.
    #[serde(
        rename = "cancelTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "typescript", tsify(optional))]
    pub cancel_time: Option<String>,
}

impl Validate for DeductCheckRecord {
    fn validate(&self) -> Result<(), Error> {
        self.deduction.validate()?;
        known("status", self.status.is_known())?;
        match (&self.status, &self.cancel_time) {
            (DeductionStatus::Cancelled, None) => Err(Error::invalid_field(
                "cancelTime",
                validate::CANCEL_TIME_REQUIRED.0,
            )),
            (_, Some(time)) => validate::datetime("cancelTime", time).map(|_| ()),
            _ => Ok(()),
        }
    }
}

/// Every response: `responseFlag`, `responseMessage`, and `data` where the call has data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlatformResponse<T> {
    /// `1` success, `0` failure.
    #[serde(rename = "responseFlag")]
    pub response_flag: ResponseFlag,
    /// Success text or the reason for a failure.
    #[serde(rename = "responseMessage", default)]
    pub response_message: String,
    /// The call's data, on success.
    #[serde(rename = "data", default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> PlatformResponse<T> {
    /// A success with `data`.
    pub fn success(message: impl Into<String>, data: Option<T>) -> Self {
        PlatformResponse {
            response_flag: ResponseFlag::Success,
            response_message: message.into(),
            data,
        }
    }

    /// A failure with its reason.
    pub fn failure(message: impl Into<String>) -> Self {
        PlatformResponse {
            response_flag: ResponseFlag::Failure,
            response_message: message.into(),
            data: None,
        }
    }

    /// True when `responseFlag` is `1`.
    pub fn is_success(&self) -> bool {
        self.response_flag == ResponseFlag::Success
    }
}

/// `store/all` response: `data` is an array of records (the document's table says object;
/// its example, and the platform, send an array).
pub type RosterPageResponse = PlatformResponse<Vec<RosterRecord>>;
/// `store/deduct` and `store/deductCancel` responses (no data).
pub type AckResponse = PlatformResponse<serde_json::Value>;
/// `deductCheck` response.
pub type DeductCheckResponse = PlatformResponse<Vec<DeductCheckRecord>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn deduction() -> Deduction {
        Deduction {
            org_code: "106607".into(),
            cert_type: CertType::ResidentId,
            cert_no: "11010519491231002X".into(),
            cert_name: "张小凡".into(),
            deduction_id: "D-0001".into(),
            total_fee: "10.00".into(),
            deduction_fee: "10.00".into(),
            deduction_time: "2021-04-07 15:52:06".into(),
            glory_type: GloryType::GloryCard,
            deduction_type: DeductionType::OutpatientConsultation,
            remarks: None,
        }
    }

    #[test]
    fn wire_names_are_the_documents() {
        let json: serde_json::Value =
            serde_json::from_slice(&to_json(&deduction()).unwrap()).unwrap();
        let mut names: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "certName",
                "certNo",
                "certType",
                "deductionFee",
                "deductionID",
                "deductionTime",
                "deductionType",
                "gloryType",
                "orgCode",
                "totalFee"
            ]
        );
        let check = DeductCheckRequest {
            org_code: "1".into(),
            deduct_time_start: "2021-04-07 00:00:00".into(),
            deduction_time_end: "2021-04-07 23:59:59".into(),
        };
        let text = String::from_utf8(to_json(&check).unwrap()).unwrap();
        assert!(
            text.contains("\"deductTimeStart\"") && text.contains("\"deductionTimeEnd\""),
            "{text}"
        );
        let page: RosterPageResponse = from_json(
            "{\"responseFlag\":\"1\",\"responseMessage\":\"成功\",\"data\":[{\"certType\":\"0\",\"certNo\":\"331166*****777X\",\"certName\":\"张小凡\",\"gloryID\":10000,\"gloryType\":\"1\",\"dataID\":1}]}".as_bytes(),
        )
        .unwrap();
        assert!(page.is_success());
        assert_eq!(page.data.unwrap()[0].glory_id, 10000);
    }

    #[test]
    fn debug_masks_personal_data() {
        let d = deduction();
        let debug = format!("{d:?}");
        assert!(
            !debug.contains("11010519491231002X") && !debug.contains("张小凡"),
            "{debug}"
        );
        assert!(
            debug.contains("11**************2X") && debug.contains("张**"),
            "{debug}"
        );
        let record = DeductCheckRecord {
            deduction: d,
            status: DeductionStatus::Deducted,
            cancel_time: None,
        };
        assert!(!format!("{record:#?}").contains("张小凡"));
    }

    #[test]
    fn redaction_masks_a_value_a_format_describes_in_its_own_words() {
        // serde-wasm-bindgen describes a JavaScript value bare (wasm-bindgen's debug string).
        let error = serialization_error(&"invalid type: [110105194912310020], expected a string");
        assert_eq!(
            error.to_string(),
            "model (de)serialization failed: invalid type: ***, expected a string"
        );
        // serde's own descriptions stay: they say what was found, not what it held.
        let error = serialization_error(&"invalid type: integer `7`, expected a string");
        assert!(
            error
                .to_string()
                .contains("invalid type: integer `***`, expected a string")
        );
        let error = serialization_error(&"invalid type: sequence, expected a string at line 1");
        assert!(
            error
                .to_string()
                .contains("invalid type: sequence, expected")
        );
        let error = serialization_error(&"invalid value: Object({\"a\":1}), expected x");
        assert!(
            error.to_string().contains("invalid value: ***, expected x"),
            "{error}"
        );
    }

    #[test]
    fn redaction_does_not_stop_at_an_escaped_quote() {
        // serde quotes the string as "11\"0105…": a scan for the next `"` would stop at
        // the escaped one and echo the rest of the number.
        let err = from_json::<RosterRecord>(
            br#"{"certType":"0","certNo":"x","certName":"x","gloryType":"1","gloryID":"11\"010519491231002X","dataID":1}"#,
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("string \"***\""), "{message}");
        assert!(!message.contains("0105194912"), "{message}");
    }

    #[test]
    fn deserialization_errors_do_not_quote_values() {
        let err = from_json::<RosterRecord>(br#"{"certType":"0","certNo":"11010519491231002X","certName":"x","gloryType":"1","gloryID":"11010519491231002X","dataID":1}"#).unwrap_err();
        assert_eq!(err.code(), "serialization");
        assert!(!err.to_string().contains("11010519491231002X"), "{err}");
        // A number where a string belongs: serde quotes it in backticks.
        let err = from_json::<RosterRecord>(br#"{"certType":"0","certNo":110105194912310021,"certName":"x","gloryType":"1","gloryID":1,"dataID":1}"#).unwrap_err();
        assert!(!err.to_string().contains("110105194912310021"), "{err}");
        assert!(err.to_string().contains("integer `***`"), "{err}");
        let err = from_json::<RosterRecord>(br#"{"certType":"0","certNo":1.5e300,"certName":"x","gloryType":"1","gloryID":1,"dataID":1}"#).unwrap_err();
        assert!(!err.to_string().contains("1.5e300"), "{err}");
        // Field names stay readable.
        let err = from_json::<RosterRecord>(
            br#"{"certType":"0","certName":"x","gloryType":"1","gloryID":1,"dataID":1}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("missing field `certNo`"), "{err}");
    }

    #[test]
    fn validation_names_each_field() {
        assert_eq!(deduction().validate(), Ok(()));
        type BreakIt = fn(&mut Deduction);
        let cases: [(&str, BreakIt); 10] = [
            ("orgCode", |d| d.org_code.clear()),
            ("certType", |d| d.cert_type = CertType::Unknown("7".into())),
            ("certNo", |d| d.cert_no = "11010519491231002Y".into()),
            ("certName", |d| d.cert_name = CertName::default()),
            ("deductionID", |d| d.deduction_id.clear()),
            ("totalFee", |d| d.total_fee = "10".into()),
            ("deductionFee", |d| d.deduction_fee = "10.01".into()),
            ("deductionTime", |d| {
                d.deduction_time = "2021-02-30 00:00:00".into()
            }),
            ("gloryType", |d| {
                d.glory_type = GloryType::Unknown("2".into())
            }),
            ("deductionType", |d| {
                d.deduction_type = DeductionType::Unknown("9".into())
            }),
        ];
        for (field, break_it) in cases {
            let mut d = deduction();
            break_it(&mut d);
            let err = d.validate().unwrap_err();
            assert_eq!(
                (err.code().as_str(), err.field()),
                ("invalid_field", Some(field))
            );
        }
        // Passports are not resident IDs: any non-empty number is accepted.
        let mut passport = deduction();
        passport.cert_type = CertType::Passport;
        passport.cert_no = "E12345678".into();
        assert_eq!(passport.validate(), Ok(()));
    }

    #[test]
    fn a_cancellation_names_its_own_time() {
        let cancellation = Cancellation {
            org_code: "1".into(),
            deduction_id: "D-1".into(),
            cancel_time: "2021-04-08 09:00".into(),
        };
        let err = cancellation.validate().unwrap_err();
        assert_eq!(err.field(), Some("cancelTime"));
        assert!(
            err.to_string().starts_with("invalid field cancelTime: "),
            "{err}"
        );
    }

    #[test]
    fn deduct_check_rules() {
        let mut record = DeductCheckRecord {
            deduction: deduction(),
            status: DeductionStatus::Cancelled,
            cancel_time: None,
        };
        assert_eq!(record.validate().unwrap_err().field(), Some("cancelTime"));
        record.cancel_time = Some("2021-04-08 09:00:00".into());
        assert_eq!(record.validate(), Ok(()));
        let reversed = DeductCheckRequest {
            org_code: "1".into(),
            deduct_time_start: "2021-04-08 00:00:00".into(),
            deduction_time_end: "2021-04-07 00:00:00".into(),
        };
        assert_eq!(
            reversed.validate().unwrap_err().field(),
            Some("deductionTimeEnd")
        );
    }
}
