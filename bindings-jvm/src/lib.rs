#![doc = include_str!("../README.md")]
// uniffi's scaffolding (extern "C" entry points) is generated code; this crate holds no
// hand-written unsafe code.

use std::fmt;
use std::sync::Arc;

use glorycard_core as core;
use glorycard_core::models::{self as m, Validate};

uniffi::setup_scaffolding!();

/// Every error of the core for the JVM: one variant per core [`core::ErrorFamily`], each
/// with the stable `code` and the message, plus the body offset or model field where the
/// family has one.
///
/// uniffi generates the sealed class `org.glorycard.ffi.NativeException` with one subclass
/// per variant; the facade's `native { }` (Errors.kt) turns each into the public class of
/// its family (`org.glorycard.InvalidBodyException`, ...) with an exhaustive `when` on
/// that sealed class, so a family added here does not compile there until it has a class.
#[derive(Debug, uniffi::Error)]
pub enum NativeError {
    /// [`core::ErrorFamily::InvalidBody`]: Kotlin `InvalidBodyException`.
    InvalidBody {
        /// The stable code (`invalid_json`, `too_deep`, ...).
        code: String,
        /// The core's message (never contains a key, certNo or certName).
        detail: String,
        /// Byte offset into the body, for body errors that have one.
        offset: Option<u64>,
    },
    /// [`core::ErrorFamily::InvalidTimestamp`]: Kotlin `InvalidTimestampException`.
    InvalidTimestamp {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
    },
    /// [`core::ErrorFamily::Signature`]: Kotlin `SignatureException`.
    Signature {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
    },
    /// [`core::ErrorFamily::Validation`]: Kotlin `ValidationException`.
    Validation {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// The wire name of the invalid field, for `invalid_field`.
        field: Option<String>,
    },
    /// [`core::ErrorFamily::Key`]: Kotlin `KeyException`.
    Key {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
    },
    /// A family this binding does not know yet (`ErrorFamily` is non-exhaustive): Kotlin
    /// `GlorycardException` itself.
    Other {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// Byte offset into the body, where there is one.
        offset: Option<u64>,
        /// The wire name of the invalid field, where there is one.
        field: Option<String>,
    },
}

impl NativeError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            NativeError::InvalidBody { code, .. }
            | NativeError::InvalidTimestamp { code, .. }
            | NativeError::Signature { code, .. }
            | NativeError::Validation { code, .. }
            | NativeError::Key { code, .. }
            | NativeError::Other { code, .. } => code,
        }
    }

    /// The message.
    pub fn detail(&self) -> &str {
        match self {
            NativeError::InvalidBody { detail, .. }
            | NativeError::InvalidTimestamp { detail, .. }
            | NativeError::Signature { detail, .. }
            | NativeError::Validation { detail, .. }
            | NativeError::Key { detail, .. }
            | NativeError::Other { detail, .. } => detail,
        }
    }
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

impl std::error::Error for NativeError {}

impl From<core::Error> for NativeError {
    fn from(error: core::Error) -> Self {
        NativeError::of_family(
            error.code(),
            error.to_string(),
            error.offset().map(|o| o as u64),
            error.field().map(str::to_string),
        )
    }
}

impl NativeError {
    /// The variant of `code`'s family, with the offset or field where the family has one.
    fn of_family(
        code: core::ErrorCode,
        detail: String,
        offset: Option<u64>,
        field: Option<String>,
    ) -> Self {
        let code_text = code.as_str().to_string();
        match code.family() {
            core::ErrorFamily::InvalidBody => NativeError::InvalidBody {
                code: code_text,
                detail,
                offset,
            },
            core::ErrorFamily::InvalidTimestamp => NativeError::InvalidTimestamp {
                code: code_text,
                detail,
            },
            core::ErrorFamily::Signature => NativeError::Signature {
                code: code_text,
                detail,
            },
            core::ErrorFamily::Validation => NativeError::Validation {
                code: code_text,
                detail,
                field,
            },
            core::ErrorFamily::Key => NativeError::Key {
                code: code_text,
                detail,
            },
            // ErrorFamily is non_exhaustive: a family added later still crosses the FFI.
            _ => NativeError::Other {
                code: code_text,
                detail,
                offset,
                field,
            },
        }
    }
}

type Result<T> = std::result::Result<T, NativeError>;

// ---------------------------------------------------------------------------------------
// Secret and personal values cross the FFI as custom types (a `String` on the wire).
// uniffi.toml maps each to a small hand-written Kotlin class whose `toString()` hides or
// masks the text, so the generated `org.glorycard.ffi` records (`SignInput`, `SidKey`,
// `Deduction`, ...) never print a key, a certNo or a certName.

/// A secret key's text. Kotlin: `org.glorycard.SecretKey` (`toString()` is `SecretKey(***)`).
pub struct SecretKey(String);
uniffi::custom_newtype!(SecretKey, String);

impl From<SecretKey> for core::SecretKey {
    fn from(key: SecretKey) -> Self {
        core::SecretKey::new(key.0)
    }
}

/// An identity document number (personal data). Kotlin: `org.glorycard.CertNo`, whose
/// `toString()` is the core's mask (`11**************2X`).
#[derive(Clone)]
pub struct CertNo(String);
uniffi::custom_newtype!(CertNo, String);

/// A person's name (personal data). Kotlin: `org.glorycard.CertName`, whose `toString()` is
/// the core's mask (`张**`).
#[derive(Clone)]
pub struct CertName(String);
uniffi::custom_newtype!(CertName, String);

/// Text that holds a body's data (STRINGA, a string value of a native body), which may
/// include a certNo or a certName. Kotlin: `org.glorycard.BodyText`, whose `toString()`
/// shows only the length.
pub struct BodyText(String);
uniffi::custom_newtype!(BodyText, String);

fn timestamp(text: &str) -> Result<core::Timestamp> {
    Ok(core::Timestamp::parse(text)?)
}

/// Every stable error code of the core, in declaration order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

/// Fails with an error of `code` (its family's variant), so that the facade can tell which
/// exception class a code arrives as without a table of its own; `Ok` for a string that is
/// not a code.
#[uniffi::export]
pub fn error_of_code(code: String) -> Result<()> {
    match code.parse::<core::ErrorCode>() {
        Ok(code) => Err(NativeError::of_family(
            code,
            format!("an error of code {code} (family {})", code.family()),
            None,
            None,
        )),
        Err(_) => Ok(()),
    }
}

/// STRINGA of a body (its exact bytes).
#[uniffi::export]
pub fn canonicalize(body: Vec<u8>) -> Result<String> {
    Ok(core::canonicalize(&body)?)
}

/// What one signature is computed from, in one record: the arguments cross the FFI in one
/// buffer (each separate argument costs the JVM side a native allocation call).
#[derive(uniffi::Record)]
pub struct SignInput {
    /// The exact body bytes.
    pub body: Vec<u8>,
    /// The secret key.
    pub key: SecretKey,
    /// 14 digits `yyyyMMddHHmmss`, UTC+8.
    pub timestamp: String,
}

/// The sign (64 lower-case hex digits) of the body with the key at the timestamp.
#[uniffi::export]
pub fn sign(input: SignInput) -> Result<String> {
    let ts = self::timestamp(&input.timestamp)?;
    Ok(core::sign_body(&input.body, &input.key.into(), &ts)?.to_string())
}

/// The sign of an already computed STRINGA.
#[uniffi::export]
pub fn sign_string_a(string_a: String, key: SecretKey, timestamp: String) -> Result<String> {
    let ts = self::timestamp(&timestamp)?;
    Ok(core::sign_string_a(&string_a, &key.into(), &ts)?.to_string())
}

/// True when `sign` is the signature of the body with the key at the timestamp; false
/// for a clean mismatch. A malformed body, timestamp, sign or key is an error.
#[uniffi::export]
pub fn verify(input: SignInput, sign: String) -> Result<bool> {
    let ts = self::timestamp(&input.timestamp)?;
    Ok(core::verify_body(
        &input.body,
        &input.key.into(),
        &ts,
        &sign,
    )?)
}

/// Every stage of signing one body (the key masked as `***`).
#[derive(uniffi::Record)]
pub struct Explanation {
    /// STRINGA.
    pub string_a: BodyText,
    /// STRINGSignTemp with the key replaced by `***` (it holds STRINGA).
    pub string_sign_temp_masked: BodyText,
    /// Upper-case hex MD5 of STRINGSignTemp.
    pub md5_upper: String,
    /// The timestamp signed with.
    pub timestamp: String,
    /// The sign, lower-case hex.
    pub sign: String,
}

/// Computes every stage of signing the body.
#[uniffi::export]
pub fn explain(input: SignInput) -> Result<Explanation> {
    let ts = self::timestamp(&input.timestamp)?;
    let e = core::explain(&input.body, &input.key.into(), &ts)?;
    Ok(Explanation {
        string_a: BodyText(e.string_a().to_string()),
        string_sign_temp_masked: BodyText(e.string_sign_temp_masked().to_string()),
        md5_upper: e.md5_upper().to_string(),
        timestamp: e.timestamp().to_string(),
        sign: e.sign().to_string(),
    })
}

/// Names a common signing departure that produces `received` (see core's
/// `diagnose_mismatch`): `None` when none does, `Some("")` when `received` is right.
#[uniffi::export]
pub fn diagnose_mismatch(
    body: Vec<u8>,
    key: SecretKey,
    timestamp: String,
    received: String,
) -> Result<Option<String>> {
    let ts = self::timestamp(&timestamp)?;
    let received = core::Signature::parse(&received)?;
    Ok(core::diagnose_mismatch(&body, &key.into(), &ts, &received)?.into_option())
}

/// Now as 14 digits `yyyyMMddHHmmss` in UTC+8, whatever the host's time zone.
#[uniffi::export]
pub fn timestamp_now() -> String {
    core::Timestamp::now().to_string()
}

/// The 14-digit UTC+8 timestamp of an instant given in seconds since the Unix epoch.
#[uniffi::export]
pub fn timestamp_from_unix_seconds(unix_seconds: i64) -> Result<String> {
    Ok(core::Timestamp::from_unix_seconds(unix_seconds)?.to_string())
}

/// Seconds since the Unix epoch of a 14-digit UTC+8 timestamp.
#[uniffi::export]
pub fn timestamp_to_unix_seconds(timestamp: String) -> Result<i64> {
    Ok(self::timestamp(&timestamp)?.unix_seconds())
}

/// Masks an identity document number (`11**************2X`).
#[uniffi::export]
pub fn mask_cert_no(cert_no: String) -> String {
    core::mask_cert_no(&cert_no)
}

/// Masks a person's name (`张**`).
#[uniffi::export]
pub fn mask_cert_name(cert_name: String) -> String {
    core::mask_cert_name(&cert_name)
}

// ---------------------------------------------------------------------------------------
// Bodies from native values: the facade walks a Java Map/List tree into tokens, and the
// core's JsonWriter writes the JSON text (escaping, number spelling, depth limit, paths).

/// One step of a depth-first walk of a native value tree.
#[derive(uniffi::Enum)]
pub enum JsonToken {
    /// `{`
    BeginObject,
    /// `}`
    EndObject,
    /// `[`
    BeginArray,
    /// `]`
    EndArray,
    /// The key of the next object member.
    Key {
        /// The key.
        name: String,
    },
    /// `null`
    Null,
    /// `true` or `false`.
    Bool {
        /// The value.
        value: bool,
    },
    /// A string.
    Text {
        /// The value (body data: its Kotlin `toString()` shows only the length).
        value: BodyText,
    },
    /// A binary floating-point number (Java `double`/`float`).
    Float {
        /// The value.
        value: f64,
    },
    /// An integer (Java `long`/`int`/`short`/`byte`).
    Integer {
        /// The value.
        value: i64,
    },
    /// An exact decimal from its text (`BigDecimal.toString()`, `BigInteger.toString()`).
    Decimal {
        /// The decimal's text.
        text: String,
    },
    /// A value the binding cannot convert; the core reports it with its path.
    Unsupported {
        /// What the value is (a Java class name).
        type_name: String,
    },
}

/// Writes the JSON text of a native value tree given as tokens.
#[uniffi::export]
pub fn json_from_tokens(tokens: Vec<JsonToken>) -> Result<String> {
    let mut w = core::JsonWriter::new();
    for token in tokens {
        match token {
            JsonToken::BeginObject => w.begin_object()?,
            JsonToken::EndObject => w.end_object()?,
            JsonToken::BeginArray => w.begin_array()?,
            JsonToken::EndArray => w.end_array()?,
            JsonToken::Key { name } => w.key(&name)?,
            JsonToken::Null => w.null()?,
            JsonToken::Bool { value } => w.bool(value)?,
            JsonToken::Text { value } => w.string(&value.0)?,
            JsonToken::Float { value } => w.float(value)?,
            JsonToken::Integer { value } => w.integer(value)?,
            JsonToken::Decimal { text } => w.decimal(&text)?,
            JsonToken::Unsupported { type_name } => {
                return Err(w
                    .invalid_value(format!("{type_name} has no JSON form"))
                    .into());
            }
        }
    }
    Ok(w.finish()?)
}

// ---------------------------------------------------------------------------------------
// Signer and Verifier.

/// The three headers of a signed request or response.
#[derive(uniffi::Record)]
pub struct SignedHeaders {
    /// The account id.
    pub sid: String,
    /// 14 digits, UTC+8.
    pub timestamp: String,
    /// 64 lower-case hex digits.
    pub sign: String,
}

impl From<core::SignedHeaders> for SignedHeaders {
    fn from(h: core::SignedHeaders) -> Self {
        SignedHeaders {
            sid: h.sid,
            timestamp: h.timestamp.to_string(),
            sign: h.sign.to_string(),
        }
    }
}

/// Signs bodies for one account (`sid`) with its secret key.
#[derive(uniffi::Object)]
pub struct Signer(core::Signer);

#[uniffi::export]
impl Signer {
    /// A signer for `sid` with `key`.
    #[uniffi::constructor]
    pub fn new(sid: String, key: SecretKey) -> Self {
        Signer(core::Signer::new(sid, key.into()))
    }

    /// The account id.
    pub fn sid(&self) -> String {
        self.0.sid().to_string()
    }

    /// Signs `body` now (UTC+8).
    pub fn sign(&self, body: Vec<u8>) -> Result<SignedHeaders> {
        Ok(self.0.sign(&body)?.into())
    }

    /// Signs `body` at `timestamp`.
    pub fn sign_at(&self, body: Vec<u8>, timestamp: String) -> Result<SignedHeaders> {
        let ts = self::timestamp(&timestamp)?;
        Ok(self.0.sign_at(&body, &ts)?.into())
    }
}

/// A clock that says what it is told, for tests and for replaying recorded traffic.
#[derive(uniffi::Object)]
pub struct ManualClock(Arc<core::ManualClock>);

#[uniffi::export]
impl ManualClock {
    /// A clock stopped at `unix_seconds`.
    #[uniffi::constructor]
    pub fn new(unix_seconds: i64) -> Self {
        ManualClock(Arc::new(core::ManualClock::new(unix_seconds)))
    }

    /// Sets the time.
    pub fn set(&self, unix_seconds: i64) {
        self.0.set(unix_seconds);
    }

    /// The time it says.
    pub fn now_unix_seconds(&self) -> i64 {
        use core::Clock as _;
        self.0.now_unix_seconds()
    }
}

/// One key of one sid (configure several for a rotation; order gives `key_index`).
#[derive(uniffi::Record)]
pub struct SidKey {
    /// The account id.
    pub sid: String,
    /// Its secret key.
    pub key: SecretKey,
}

/// One HTTP header.
#[derive(uniffi::Record)]
pub struct Header {
    /// The name (compared case-insensitively).
    pub name: String,
    /// The value.
    pub value: String,
}

/// What a successful verification established.
#[derive(uniffi::Record)]
pub struct Verified {
    /// The sid the request came from.
    pub sid: String,
    /// The request's timestamp.
    pub timestamp: String,
    /// Which of the sid's keys matched (0 = the first configured).
    pub key_index: u32,
}

impl From<core::Verified> for Verified {
    fn from(v: core::Verified) -> Self {
        Verified {
            sid: v.sid,
            timestamp: v.timestamp.to_string(),
            key_index: u32::try_from(v.key_index).unwrap_or(u32::MAX),
        }
    }
}

/// Verifies signed requests or responses: keys by sid, a skew window, replay refusal.
#[derive(uniffi::Object)]
pub struct Verifier(core::Verifier);

#[uniffi::export]
impl Verifier {
    /// A verifier with `keys`, a skew window of `max_skew_seconds`, a replay cache of
    /// `replay_capacity` triples when given, and `clock` (the system clock when absent).
    #[uniffi::constructor]
    pub fn new(
        keys: Vec<SidKey>,
        max_skew_seconds: u64,
        replay_capacity: Option<u64>,
        clock: Option<Arc<ManualClock>>,
    ) -> Result<Self> {
        let mut builder = core::Verifier::builder().max_skew_seconds(max_skew_seconds);
        for SidKey { sid, key } in keys {
            builder = builder.key(sid, key.into());
        }
        if let Some(capacity) = replay_capacity {
            builder = builder.replay_cache(usize::try_from(capacity).unwrap_or(usize::MAX));
        }
        if let Some(clock) = clock {
            builder = builder.clock(clock.0.clone());
        }
        Ok(Verifier(builder.build()?))
    }

    /// The allowed skew in seconds.
    pub fn max_skew_seconds(&self) -> u64 {
        self.0.max_skew_seconds()
    }

    /// Verifies `body` (its exact received bytes) against the received header values.
    pub fn verify(
        &self,
        sid: String,
        timestamp: String,
        sign: String,
        body: Vec<u8>,
    ) -> Result<Verified> {
        Ok(self.0.verify(&sid, &timestamp, &sign, &body)?.into())
    }

    /// Verifies with an HTTP message's headers (names compared case-insensitively).
    pub fn verify_headers(&self, headers: Vec<Header>, body: Vec<u8>) -> Result<Verified> {
        let pairs = headers.iter().map(|h| (h.name.as_str(), h.value.as_str()));
        Ok(self.0.verify_headers(pairs, &body)?.into())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_crosses_as_its_family_variant() {
        for code in core::ErrorCode::ALL {
            let error = error_of_code(code.as_str().to_string()).unwrap_err();
            assert_eq!(error.code(), code.as_str());
            assert!(!matches!(error, NativeError::Other { .. }), "{code}");
        }
        assert!(error_of_code("no_such_code".to_string()).is_ok());
    }

    #[test]
    fn core_errors_keep_code_family_offset_and_field() {
        let NativeError::InvalidBody { code, offset, .. } =
            canonicalize(b"{\"a\":1,}".to_vec()).unwrap_err()
        else {
            panic!("not an InvalidBody")
        };
        assert_eq!(code, "invalid_json");
        assert!(offset.is_some());

        let mut deduction = deduction_from_json(
            r#"{"orgCode":"106607","certType":"0","certNo":"11010519491231002X","certName":"张三","deductionID":"D-1","totalFee":"10.00","deductionFee":"10.00","deductionTime":"2024-02-29 23:59:59","gloryType":"1","deductionType":"0"}"#.to_string(),
        )
        .unwrap();
        assert!(
            deduction_validate(
                deduction_from_json(deduction_to_json(clone(&deduction)).unwrap()).unwrap()
            )
            .is_ok()
        );
        deduction.total_fee = "9.99".to_string();
        let NativeError::Validation {
            code,
            field,
            detail,
        } = deduction_validate(deduction).unwrap_err()
        else {
            panic!("not a Validation")
        };
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("invalid_field", Some("deductionFee"))
        );
        assert!(!detail.contains("11010519491231002X"));
    }

    fn clone(d: &Deduction) -> Deduction {
        Deduction {
            org_code: d.org_code.clone(),
            cert_type: d.cert_type.clone(),
            cert_no: d.cert_no.clone(),
            cert_name: d.cert_name.clone(),
            deduction_id: d.deduction_id.clone(),
            total_fee: d.total_fee.clone(),
            deduction_fee: d.deduction_fee.clone(),
            deduction_time: d.deduction_time.clone(),
            glory_type: d.glory_type.clone(),
            deduction_type: d.deduction_type.clone(),
            remarks: d.remarks.clone(),
        }
    }

    #[test]
    fn verify_is_false_only_for_a_clean_mismatch() {
        // The platform document's worked example (canonical-form.md section 1).
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/spec-example.body.json"
        ))
        .unwrap();
        let key = "4fd6b8105f894d0da964b1e80b07b136".to_string();
        let expected = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";
        let ts = "20210407155206".to_string();
        let input = || SignInput {
            body: body.clone(),
            key: SecretKey(key.clone()),
            timestamp: ts.clone(),
        };
        assert_eq!(sign(input()).unwrap(), expected);
        assert!(verify(input(), expected.to_string()).unwrap());
        let other = expected.replacen('e', "f", 1);
        assert!(!verify(input(), other).unwrap());
        assert!(verify(input(), "zz".to_string()).is_err());
    }

    #[test]
    fn tokens_become_json() {
        let json = json_from_tokens(vec![
            JsonToken::BeginObject,
            JsonToken::Key { name: "a".into() },
            JsonToken::Float { value: 10.0 },
            JsonToken::Key { name: "b".into() },
            JsonToken::Unsupported {
                type_name: "java.util.Date".into(),
            },
        ]);
        let error = json.unwrap_err();
        let (code, detail) = (error.code(), error.detail());
        assert_eq!(code, "invalid_value");
        assert!(detail.contains("value at b "), "{detail}");
    }
}
