//! The one error type of the crate, with stable string codes for bindings.

use std::fmt;

/// Everything that can go wrong in canonicalization, signing, verification and validation.
///
/// Each variant has a stable [`code`](Error::code) that bindings expose unchanged
/// (Python `.code`, JavaScript `error.code`, Kotlin `code`). Messages never contain the
/// secret key, and never contain a `certNo` or `certName` value: fields are named,
/// their contents are not echoed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is not well-formed JSON (RFC 8259).
    #[error("invalid JSON at byte {offset}: {reason}")]
    InvalidJson {
        /// Byte offset into the body where the problem was found.
        offset: usize,
        /// What was expected or found there.
        reason: &'static str,
    },
    /// The body is not valid UTF-8, or a `\u` escape encodes a lone surrogate.
    #[error("invalid UTF-8 at byte {offset}: {reason}")]
    InvalidUtf8 {
        /// Byte offset into the body of the offending byte or escape.
        offset: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// The top level of the body is valid JSON but not an object.
    #[error("the body's top level must be a JSON object, found {found}")]
    NotAnObject {
        /// The JSON type that was found (`array`, `string`, `number`, ...).
        found: &'static str,
    },
    /// The same key appears twice in one object (after escape decoding).
    #[error("duplicate key {key:?} in one object at byte {offset}")]
    DuplicateKey {
        /// The key (a field name, never a value).
        key: String,
        /// Byte offset of the second occurrence.
        offset: usize,
    },
    /// Two different paths flatten to the same name (e.g. `{"a.b":1,"a":{"b":2}}`).
    #[error("two different paths flatten to the same name {name:?}")]
    NameCollision {
        /// The flattened name both paths produce.
        name: String,
    },
    /// Objects and arrays are nested deeper than the limit.
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    TooDeep {
        /// Byte offset of the container that exceeds the limit.
        offset: usize,
        /// The nesting limit (64).
        limit: usize,
    },
    /// A number's canonical decimal would be longer than the limit.
    #[error("number at byte {offset} has a canonical decimal longer than {limit} characters")]
    NumberOutOfRange {
        /// Byte offset of the number.
        offset: usize,
        /// The length limit (512).
        limit: usize,
    },
    /// A native value (JS object, Python dict, Kotlin map) has no JSON form, such as NaN,
    /// infinity or an unsupported type.
    #[error("value at {path} cannot be signed: {reason}")]
    InvalidValue {
        /// The flattened name of the value's place, e.g. `detail.items[2].price`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The body is larger than this implementation indexes: 4 GiB of body, or of the
    /// decoded text its strings and numbers expand to.
    #[error("body of {len} bytes is larger than the supported 4 GiB (or expands beyond it)")]
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
    },
    /// The body's STRINGA would be longer than 16 × the body's length + 65,536 bytes
    /// (canonical-form.md section 2 rule 4). Decided from the parsed index, before any
    /// STRINGA is produced, so a small body cannot demand gigabytes of it.
    #[error(
        "the body's STRINGA would be longer than {limit} bytes (16 × the body's {body_len} bytes + 65,536)"
    )]
    StringATooLong {
        /// The body's length in bytes.
        body_len: usize,
        /// The longest STRINGA allowed for this body.
        limit: u64,
    },
    /// A timestamp is not 14 digits forming a real `yyyyMMddHHmmss` date and time.
    #[error("invalid timestamp: {reason}")]
    InvalidTimestamp {
        /// What is wrong with it.
        reason: String,
    },
    /// A signature is not 64 hexadecimal digits.
    #[error("invalid signature format: {reason}")]
    InvalidSignatureFormat {
        /// What is wrong with it.
        reason: String,
    },
    /// The signature does not match the body, key and timestamp.
    #[error("signature mismatch: the sign does not match the body, key and timestamp")]
    SignatureMismatch,
    /// The timestamp is further from the verifier's clock than the allowed skew.
    #[error(
        "timestamp {timestamp} is {skew_seconds} s from now, outside the allowed ±{max_skew_seconds} s"
    )]
    TimestampOutOfWindow {
        /// The received timestamp.
        timestamp: String,
        /// Received minus now, in seconds (negative: in the past).
        skew_seconds: i64,
        /// The allowed skew in seconds.
        max_skew_seconds: u64,
    },
    /// The same (sid, timestamp, sign) was already accepted inside the window.
    #[error("replayed request: this sid, timestamp and sign were already accepted")]
    Replayed,
    /// The replay cache holds as many unexpired (sid, timestamp, sign) triples as it may:
    /// the request is refused rather than an entry forgotten while it could still be
    /// replayed. Size the cache for the request rate times the window (2 × skew).
    #[error(
        "replay cache full: {capacity} requests accepted inside the window; refused so that none is forgotten"
    )]
    ReplayCacheFull {
        /// The configured capacity.
        capacity: usize,
    },
    /// No key is configured for the received `sid`.
    #[error("unknown sid {sid:?}")]
    UnknownSid {
        /// The received sid.
        sid: String,
    },
    /// A required header (`sid`, `timestamp` or `sign`) is missing.
    #[error("missing header {name:?}")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A signature header (`sid`, `timestamp` or `sign`) appears more than once, so which
    /// one was signed is ambiguous.
    #[error("header {name:?} appears more than once")]
    DuplicateHeader {
        /// The header's name.
        name: &'static str,
    },
    /// The secret key is empty.
    #[error("the secret key is empty")]
    EmptyKey,
    /// A model field fails validation. The field is named; its value is never echoed.
    #[error("invalid field {field}: {reason}")]
    InvalidField {
        /// The wire name of the field, e.g. `deductionFee` or `data[3].certNo`.
        field: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A model could not be serialized or deserialized.
    #[error("model (de)serialization failed: {reason}")]
    Serialization {
        /// What serde reported, with values redacted where they could be personal.
        reason: String,
    },
}

/// The broad family of an [`Error`], for bindings that map errors to class hierarchies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorFamily {
    /// The body cannot be canonicalized (JSON, UTF-8, structure, limits).
    InvalidBody,
    /// A timestamp is malformed or outside the allowed window.
    InvalidTimestamp,
    /// A signature is malformed, does not match, is replayed, or no key is known.
    Signature,
    /// A model field is invalid or a model cannot be (de)serialized.
    Validation,
    /// The secret key is unusable.
    Key,
}

impl Error {
    /// The stable, machine-readable code of this error (`invalid_json`, `duplicate_key`, ...).
    ///
    /// Codes never change meaning; bindings and tests match on them.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidJson { .. } => "invalid_json",
            Error::InvalidUtf8 { .. } => "invalid_utf8",
            Error::NotAnObject { .. } => "not_an_object",
            Error::DuplicateKey { .. } => "duplicate_key",
            Error::NameCollision { .. } => "name_collision",
            Error::TooDeep { .. } => "too_deep",
            Error::NumberOutOfRange { .. } => "number_out_of_range",
            Error::InvalidValue { .. } => "invalid_value",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::StringATooLong { .. } => "stringa_too_long",
            Error::InvalidTimestamp { .. } => "invalid_timestamp",
            Error::InvalidSignatureFormat { .. } => "invalid_signature_format",
            Error::SignatureMismatch => "signature_mismatch",
            Error::TimestampOutOfWindow { .. } => "timestamp_out_of_window",
            Error::Replayed => "replayed",
            Error::ReplayCacheFull { .. } => "replay_cache_full",
            Error::UnknownSid { .. } => "unknown_sid",
            Error::MissingHeader { .. } => "missing_header",
            Error::DuplicateHeader { .. } => "duplicate_header",
            Error::EmptyKey => "empty_key",
            Error::InvalidField { .. } => "invalid_field",
            Error::Serialization { .. } => "serialization",
        }
    }

    /// The family this error belongs to.
    pub fn family(&self) -> ErrorFamily {
        match self {
            Error::InvalidJson { .. }
            | Error::InvalidUtf8 { .. }
            | Error::NotAnObject { .. }
            | Error::DuplicateKey { .. }
            | Error::NameCollision { .. }
            | Error::TooDeep { .. }
            | Error::NumberOutOfRange { .. }
            | Error::InvalidValue { .. }
            | Error::BodyTooLarge { .. }
            | Error::StringATooLong { .. } => ErrorFamily::InvalidBody,
            Error::InvalidTimestamp { .. } | Error::TimestampOutOfWindow { .. } => {
                ErrorFamily::InvalidTimestamp
            }
            Error::InvalidSignatureFormat { .. }
            | Error::SignatureMismatch
            | Error::Replayed
            | Error::ReplayCacheFull { .. }
            | Error::UnknownSid { .. }
            | Error::MissingHeader { .. }
            | Error::DuplicateHeader { .. } => ErrorFamily::Signature,
            Error::InvalidField { .. } | Error::Serialization { .. } => ErrorFamily::Validation,
            Error::EmptyKey => ErrorFamily::Key,
        }
    }

    /// The byte offset into the body, for errors that have one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Error::InvalidJson { offset, .. }
            | Error::InvalidUtf8 { offset, .. }
            | Error::DuplicateKey { offset, .. }
            | Error::TooDeep { offset, .. }
            | Error::NumberOutOfRange { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    /// The field a validation error names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn invalid_field(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        Error::InvalidField {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}

/// Every stable code, in declaration order; bindings test that they map each one.
pub const ERROR_CODES: &[&str] = &[
    "invalid_json",
    "invalid_utf8",
    "not_an_object",
    "duplicate_key",
    "name_collision",
    "too_deep",
    "number_out_of_range",
    "invalid_value",
    "body_too_large",
    "stringa_too_long",
    "invalid_timestamp",
    "invalid_signature_format",
    "signature_mismatch",
    "timestamp_out_of_window",
    "replayed",
    "replay_cache_full",
    "unknown_sid",
    "missing_header",
    "duplicate_header",
    "empty_key",
    "invalid_field",
    "serialization",
];
