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
    /// The shared replay cache (a database several servers use) could not be consulted:
    /// the request is refused, since it might be a replay (fail closed).
    #[error("replay cache unavailable: {reason}")]
    ReplayCacheUnavailable {
        /// What failed (the store's message; never anything the caller sent).
        reason: String,
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
    /// The stable, machine-readable code of this error ([`ErrorCode::InvalidJson`], ...);
    /// [`ErrorCode::as_str`] gives its string (`invalid_json`, `duplicate_key`, ...).
    ///
    /// Codes never change meaning; bindings and tests match on them.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidJson { .. } => ErrorCode::InvalidJson,
            Error::InvalidUtf8 { .. } => ErrorCode::InvalidUtf8,
            Error::NotAnObject { .. } => ErrorCode::NotAnObject,
            Error::DuplicateKey { .. } => ErrorCode::DuplicateKey,
            Error::NameCollision { .. } => ErrorCode::NameCollision,
            Error::TooDeep { .. } => ErrorCode::TooDeep,
            Error::NumberOutOfRange { .. } => ErrorCode::NumberOutOfRange,
            Error::InvalidValue { .. } => ErrorCode::InvalidValue,
            Error::BodyTooLarge { .. } => ErrorCode::BodyTooLarge,
            Error::StringATooLong { .. } => ErrorCode::StringATooLong,
            Error::InvalidTimestamp { .. } => ErrorCode::InvalidTimestamp,
            Error::InvalidSignatureFormat { .. } => ErrorCode::InvalidSignatureFormat,
            Error::SignatureMismatch => ErrorCode::SignatureMismatch,
            Error::TimestampOutOfWindow { .. } => ErrorCode::TimestampOutOfWindow,
            Error::Replayed => ErrorCode::Replayed,
            Error::ReplayCacheFull { .. } => ErrorCode::ReplayCacheFull,
            Error::ReplayCacheUnavailable { .. } => ErrorCode::ReplayCacheUnavailable,
            Error::UnknownSid { .. } => ErrorCode::UnknownSid,
            Error::MissingHeader { .. } => ErrorCode::MissingHeader,
            Error::DuplicateHeader { .. } => ErrorCode::DuplicateHeader,
            Error::EmptyKey => ErrorCode::EmptyKey,
            Error::InvalidField { .. } => ErrorCode::InvalidField,
            Error::Serialization { .. } => ErrorCode::Serialization,
        }
    }

    /// The family this error belongs to (the family of its [`code`](Error::code)).
    pub fn family(&self) -> ErrorFamily {
        self.code().family()
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

/// Declares [`ErrorCode`] with its string and family, and derives [`ErrorCode::ALL`],
/// [`ErrorCode::as_str`] and [`ErrorCode::family`] from that one table, so that no list
/// of codes is written twice and `ALL` holds every variant once, in declaration order.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $family:ident;)*) => {
        /// The stable, machine-readable code of an [`Error`], one per kind of failure.
        ///
        /// Bindings expose [`as_str`](ErrorCode::as_str) unchanged (Python `.code`,
        /// JavaScript `error.code`, Kotlin `code`), and derive their lists of codes and
        /// their exception classes from [`ALL`](ErrorCode::ALL) and
        /// [`family`](ErrorCode::family).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order (the order of [`ERROR_CODES`]).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code's string, e.g. `invalid_json`. It never changes.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The family the code belongs to, for bindings that map errors to classes.
            pub const fn family(self) -> ErrorFamily {
                match self {
                    $(ErrorCode::$variant => ErrorFamily::$family,)*
                }
            }
        }
    };
}

error_codes! {
    /// [`Error::InvalidJson`].
    InvalidJson = "invalid_json", InvalidBody;
    /// [`Error::InvalidUtf8`].
    InvalidUtf8 = "invalid_utf8", InvalidBody;
    /// [`Error::NotAnObject`].
    NotAnObject = "not_an_object", InvalidBody;
    /// [`Error::DuplicateKey`].
    DuplicateKey = "duplicate_key", InvalidBody;
    /// [`Error::NameCollision`].
    NameCollision = "name_collision", InvalidBody;
    /// [`Error::TooDeep`].
    TooDeep = "too_deep", InvalidBody;
    /// [`Error::NumberOutOfRange`].
    NumberOutOfRange = "number_out_of_range", InvalidBody;
    /// [`Error::InvalidValue`].
    InvalidValue = "invalid_value", InvalidBody;
    /// [`Error::BodyTooLarge`].
    BodyTooLarge = "body_too_large", InvalidBody;
    /// [`Error::StringATooLong`].
    StringATooLong = "stringa_too_long", InvalidBody;
    /// [`Error::InvalidTimestamp`].
    InvalidTimestamp = "invalid_timestamp", InvalidTimestamp;
    /// [`Error::InvalidSignatureFormat`].
    InvalidSignatureFormat = "invalid_signature_format", Signature;
    /// [`Error::SignatureMismatch`].
    SignatureMismatch = "signature_mismatch", Signature;
    /// [`Error::TimestampOutOfWindow`].
    TimestampOutOfWindow = "timestamp_out_of_window", InvalidTimestamp;
    /// [`Error::Replayed`].
    Replayed = "replayed", Signature;
    /// [`Error::ReplayCacheFull`].
    ReplayCacheFull = "replay_cache_full", Signature;
    /// [`Error::ReplayCacheUnavailable`].
    ReplayCacheUnavailable = "replay_cache_unavailable", Signature;
    /// [`Error::UnknownSid`].
    UnknownSid = "unknown_sid", Signature;
    /// [`Error::MissingHeader`].
    MissingHeader = "missing_header", Signature;
    /// [`Error::DuplicateHeader`].
    DuplicateHeader = "duplicate_header", Signature;
    /// [`Error::EmptyKey`].
    EmptyKey = "empty_key", Key;
    /// [`Error::InvalidField`].
    InvalidField = "invalid_field", Validation;
    /// [`Error::Serialization`].
    Serialization = "serialization", Validation;
}

impl ErrorFamily {
    /// Every family, in declaration order.
    pub const ALL: &'static [ErrorFamily] = &[
        ErrorFamily::InvalidBody,
        ErrorFamily::InvalidTimestamp,
        ErrorFamily::Signature,
        ErrorFamily::Validation,
        ErrorFamily::Key,
    ];

    /// The family's stable name: `invalid_body`, `invalid_timestamp`, `signature`,
    /// `validation` or `key`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorFamily::InvalidBody => "invalid_body",
            ErrorFamily::InvalidTimestamp => "invalid_timestamp",
            ErrorFamily::Signature => "signature",
            ErrorFamily::Validation => "validation",
            ErrorFamily::Key => "key",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ErrorFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the [`ErrorCode`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

impl std::str::FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ErrorCode> for &str {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == other.as_str()
    }
}

/// Every stable code's string, in declaration order: [`ErrorCode::ALL`] as strings.
pub const ERROR_CODES: &[&str] = &{
    let mut codes = [""; ErrorCode::ALL.len()];
    let mut i = 0;
    while i < codes.len() {
        codes[i] = ErrorCode::ALL[i].as_str();
        i += 1;
    }
    codes
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_holds_every_code_once_in_declaration_order() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i, "{code}");
            assert_eq!(ERROR_CODES[i], code.as_str());
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ERROR_CODES.len(), ErrorCode::ALL.len());
        let mut strings = ERROR_CODES.to_vec();
        strings.sort_unstable();
        strings.dedup();
        assert_eq!(
            strings.len(),
            ERROR_CODES.len(),
            "a code's string is used twice"
        );
        assert!("no_such_code".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn today_order_is_kept() {
        // The order bindings and users already saw; new codes go at the end or where
        // they belong, but these keep their relative order.
        assert_eq!(
            &ERROR_CODES[..3],
            ["invalid_json", "invalid_utf8", "not_an_object"]
        );
        assert_eq!(ERROR_CODES[8..10], ["body_too_large", "stringa_too_long"]);
        assert_eq!(ERROR_CODES.last(), Some(&"serialization"));
    }

    #[test]
    fn every_family_has_a_code_and_a_distinct_name() {
        for family in ErrorFamily::ALL {
            assert!(
                ErrorCode::ALL.iter().any(|c| c.family() == *family),
                "{family}"
            );
        }
        let mut names: Vec<_> = ErrorFamily::ALL.iter().map(|f| f.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), ErrorFamily::ALL.len());
    }
}
